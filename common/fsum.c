/* fsum.c: the reproducible floating-point sum, written once for every variant and every CPU.
 *
 * THE METHOD (blocked, cascaded "Sum2" of Ogita, Rump and Oishi, 2005)
 *   1. Blocks by global index.  Value i belongs to block i / FSUM_BLOCK.  The blocks are the same
 *      at every thread and rank count; a worker only decides which blocks it computes.
 *   2. Inside a block, FSUM_LANES (16) running sums, the "lanes": the value at offset k of the
 *      block goes to lane k % 16, and each lane takes its values in increasing k.  So a block is
 *      read as rows of 16 values, and column j of every row belongs to lane j.  Each addition
 *      s + x is done by two_sum(), which also returns its exact rounding error q
 *      (s + x == new s + q exactly); each lane adds up its errors in a second variable.  A short
 *      last block ends in a short row: its values go to lanes 0, 1, ... as far as they reach.
 *      The lanes are then combined in a fixed tree: lane j with lane j + 8 (j < 8), then j with
 *      j + 4 (j < 4), then j + 2, then j + 1, again with two_sum.  The block's partial is
 *      (sum of lane 0, error of lane 0).
 *   3. The partials are combined in block order (0, 1, 2, ...) on ONE thread of ONE rank, again
 *      with two_sum; the result is fl(sum + error).
 *   Every addition and its order depend only on n, never on the worker count or the CPU, and
 *   IEEE 754 additions are exactly specified, so the result is bit-identical for every variant,
 *   with gcc and clang, at -O2 and -O3 -- as long as the compiler may not reassociate (no
 *   -ffast-math, no -Ofast, no -fassociative-math: those would also delete two_sum's error term).
 *
 * WHY IT IS FAST: THE LANES ARE FIXED, THE VECTORS ONLY COMPUTE THEM.
 *   Which value goes into which lane, and the order of the lane tree, are part of the method
 *   above.  The instruction set only decides how many lanes one instruction computes: SSE2
 *   (2 doubles per register) does lanes 0-1, 2-3, ..., 14-15, AVX2 (4) does 0-3, ..., 12-15,
 *   AVX-512 (8) does 0-7 and 8-15.  Every lane still performs exactly the scalar two_sum's
 *   operations on exactly the same values, so every instruction set gives the same bits.
 *   16 lanes are enough independent chains of additions to hide an addition's latency (about 4
 *   cycles) on every path: 2 chains of 8 lanes with AVX-512, 4 of 4 with AVX2, 8 of 2 with SSE2.
 *   Each value costs 7 additions, but many run at once: with AVX2 or AVX-512 the sum runs as fast
 *   as one core can read memory, like a plain sum; SSE2 has to issue 4 times the instructions of
 *   AVX-512 and stays a little below that.
 *   The path is chosen once, at the first block: the widest the CPU has (cpuid, via
 *   __builtin_cpu_supports), or the one the environment variable PARLAB_FSUM_ISA names (auto,
 *   sse2, avx2, avx512), so that a test can run each path and compare.  A name the program does
 *   not know, or a path this CPU lacks, is refused by the program (fsum_path_error(), exit 2).
 *
 * THE ERROR BOUND.  Let S be the exact sum, A = sum of |x_i|, u = 2^-53 and
 * gamma(k) = k u / (1 - k u).  With L = FSUM_LANES, B = FSUM_BLOCK and T = log2(L) levels in
 * the lane tree, the result r satisfies
 *        |r - S| <= u |S| + (1 + u) gamma(D)^2 A,      D = B / L + ceil(n / B) + 2 T + 1
 * (D = 256 + ceil(n / 4096) + 9 here).  Why: the two_sums are error-free transformations, so
 * S = s + (sum of all errors q) exactly, where s is the final running sum.  Each |q| <= u |its
 * sum|, and a value passes through at most B/L + T + ceil(n/B) <= D two_sums (B/L in its lane,
 * T in the lane tree, at most ceil(n/B) in the block chain), so sum |q| <= gamma(D) A.  The
 * errors are added with ordinary additions; an error passes through at most D of them (B/L in
 * its lane, 2 per tree level, 1 + ceil(n/B) in the block chain), which costs at most
 * gamma(D) sum |q|; the final fl(s + error) costs u |S| more (as in Ogita-Rump-Oishi's
 * Proposition 4.5).  For n = 10^7, D = 2707 and gamma(D)^2 = 9.0e-26: the result is within about
 * one rounding (u |S|) of the exact sum unless the data cancel by a factor above ~10^9.
 * common/fexact.c computes this bound and the exact sum it is checked against. */
#include <stdlib.h>
#include <string.h>
#include <threads.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

_Static_assert(FSUM_LANES == 16, "the lane tree, the paths and the error bound assume 16 lanes");
_Static_assert(FSUM_BLOCK % FSUM_LANES == 0, "a full block is whole rows of lanes");

/* s + x, exactly, as new *sum plus *error (Knuth's TwoSum; 6 additions, no branch). */
static inline void two_sum(double *sum, double x, double *error)
{
    double s = *sum + x;
    double z = s - *sum;
    *error = (*sum - (s - z)) + (x - z);
    *sum = s;
}

/* ---- the lanes over a block's full rows, once per vector width ----
 * lanes(x, rows, sum, error): x holds `rows` rows of FSUM_LANES values; lane j takes
 * x[j], x[FSUM_LANES + j], x[2 * FSUM_LANES + j], ... with two_sum, starting from 0, and ends
 * with its running sum in sum[j] and its added-up errors in error[j].
 * One definition, compiled once per instruction set by LANES_PATH(name, isa, width): `vec` holds
 * `width` neighbouring lanes (one register), and s[r], e[r] are lanes r*width .. r*width+width-1.
 * Each element of `s + next`, `t - z`, ... is the scalar operation of two_sum() on one lane: only
 * how many lanes go at once changes.  Two details change the speed, never the bits:
 *  - the loop over the registers must be unrolled (gcc -O2 keeps an array it indexes in a loop
 *    on the stack, and then every addition waits for a store and a load);
 *  - the row 2 KiB ahead is prefetched: the CPU's own prefetcher stops at every 4 KiB page, and
 *    without this hint, with n = 5e7 on one core, AVX-512 ran at 0.93-0.97x numpy's speed
 *    instead of 1.04-1.07x, and SSE2 at 0.34x instead of 0.90x (results/FLOAT.md).  The address
 *    is computed as an integer, because near the end of the array it lies past it (a prefetch
 *    never faults, but C forbids such pointer arithmetic). */
enum { PREFETCH_BYTES = 2048 };
#if defined(__clang__) /* clang tuned for a CPU that prefers 256 bits would split 512-bit vectors */
#define VECTOR_BITS(width) __attribute__((min_vector_width((width) * 64)))
#else
#define VECTOR_BITS(width)
#endif
#if defined(__x86_64__) /* compile this function for that instruction set, whatever the flags */
#define TARGET(isa) __attribute__((target(isa)))
#else
#define TARGET(isa)
#endif
#define LANES_PATH(name, isa, width)                                                               \
    TARGET(isa) VECTOR_BITS(width) static void name(const double *x, uint64_t rows, double *sum,   \
                                                    double *error)                                 \
    {                                                                                              \
        typedef double vec __attribute__((vector_size((width) * sizeof(double))));                \
        enum { REGISTERS = FSUM_LANES / (width) };                                                 \
        vec s[REGISTERS] = {{0}}, e[REGISTERS] = {{0}};                                            \
        for (uint64_t k = 0; k < rows; k++) {                                                      \
            const double *row = x + k * FSUM_LANES;                                                \
            __builtin_prefetch((const void *)((uintptr_t)row + PREFETCH_BYTES));                   \
            __builtin_prefetch((const void *)((uintptr_t)row + PREFETCH_BYTES + 64));              \
            _Pragma("GCC unroll 8") for (int r = 0; r < REGISTERS; r++)                            \
            {                                                                                      \
                vec next, t, z;                                                                    \
                memcpy(&next, row + r * (width), sizeof next);                                     \
                t = s[r] + next; /* two_sum(&s, next, &q) in every lane; e += q */                 \
                z = t - s[r];                                                                      \
                e[r] += (s[r] - (t - z)) + (next - z);                                             \
                s[r] = t;                                                                          \
            }                                                                                      \
        }                                                                                          \
        memcpy(sum, s, sizeof s);                                                                  \
        memcpy(error, e, sizeof e);                                                                \
    }

typedef void lanes_function(const double *x, uint64_t rows, double *sum, double *error);
struct path {
    const char *name;
    lanes_function *lanes;
};

#if defined(__x86_64__)
LANES_PATH(lanes_sse2, "sse2", 2)      /* 8 registers of sums, 8 of errors: gcc keeps 3 in memory */
LANES_PATH(lanes_avx2, "avx2", 4)      /* 4 + 4 registers of 16 */
LANES_PATH(lanes_avx512, "avx512f", 8) /* 2 + 2 registers of 32 */
enum { SSE2, AVX2, AVX512, PATHS };
static const struct path paths[PATHS] = {
    [SSE2] = {"sse2", lanes_sse2}, [AVX2] = {"avx2", lanes_avx2}, [AVX512] = {"avx512", lanes_avx512}};
static const char accepted[] = "auto, sse2, avx2 or avx512";

/* Whether this CPU (and its operating system, which must save the wide registers) can run the
 * path.  __builtin_cpu_supports checks both; it wants a literal name, hence the switch. */
static bool cpu_has(int path)
{
    __builtin_cpu_init();
    switch (path) {
    case AVX512:
        return __builtin_cpu_supports("avx512f") != 0;
    case AVX2:
        return __builtin_cpu_supports("avx2") != 0;
    default:
        return true; /* SSE2 is part of x86-64 */
    }
}
#else /* another CPU: one path, vectors of 2 that the compiler maps to what it has */
LANES_PATH(lanes_generic, "", 2)
enum { GENERIC, PATHS };
static const struct path paths[PATHS] = {[GENERIC] = {"generic", lanes_generic}};
static const char accepted[] = "auto or generic";
static bool cpu_has(int path) { return path == GENERIC; }
#endif

/* ---- the choice of path: once per process, thread-safe (the first block may be on any thread) */
static once_flag choice_once = ONCE_FLAG_INIT;
static const struct path *chosen;
static char refusal[160]; /* empty: the request was fine */

/* "a, b or c": the names of the paths this CPU can run, with "auto" first. */
static void accepted_here(char *text, size_t size)
{
    snprintf(text, size, "auto");
    for (int p = 0; p < PATHS; p++)
        if (cpu_has(p))
            snprintf(text + strlen(text), size - strlen(text), "%s%s",
                     p == PATHS - 1 || !cpu_has(p + 1) ? " or " : ", ", paths[p].name);
}

static void choose_path(void)
{
    int widest = 0;
    for (int p = 0; p < PATHS; p++)
        if (cpu_has(p))
            widest = p;
    chosen = &paths[widest];
    const char *wanted = getenv("PARLAB_FSUM_ISA");
    if (wanted == NULL || strcmp(wanted, "auto") == 0)
        return;
    char here[80];
    accepted_here(here, sizeof here);
    for (int p = 0; p < PATHS; p++)
        if (strcmp(wanted, paths[p].name) == 0) {
            if (cpu_has(p))
                chosen = &paths[p];
            else
                snprintf(refusal, sizeof refusal,
                         "PARLAB_FSUM_ISA=%s: this CPU cannot run the %s path; expected %s",
                         wanted, wanted, here);
            return;
        }
    snprintf(refusal, sizeof refusal, "PARLAB_FSUM_ISA=%.40s: unknown path; expected %s",
             wanted, accepted);
}

const char *fsum_path(void)
{
    call_once(&choice_once, choose_path);
    return chosen->name;
}

const char *fsum_path_error(void)
{
    call_once(&choice_once, choose_path);
    return refusal[0] ? refusal : NULL;
}

/* ---- the method ---- */
struct fsum_partial fsum_block(const double *values, uint64_t count, uint64_t block)
{
    call_once(&choice_once, choose_path); /* (a refused request keeps the widest path: same bits) */
    const double *x = values + block * FSUM_BLOCK;
    uint64_t length = count - block * FSUM_BLOCK;
    if (length > FSUM_BLOCK)
        length = FSUM_BLOCK;
    double sum[FSUM_LANES], error[FSUM_LANES];
    uint64_t rows = length / FSUM_LANES;
    chosen->lanes(x, rows, sum, error);                        /* the full rows */
    for (uint64_t k = rows * FSUM_LANES; k < length; k++) {     /* a short last row */
        double q;
        two_sum(&sum[k % FSUM_LANES], x[k], &q);
        error[k % FSUM_LANES] += q;
    }
    for (int width = FSUM_LANES / 2; width >= 1; width /= 2)   /* the fixed lane tree */
        for (int lane = 0; lane < width; lane++) {
            double q;
            two_sum(&sum[lane], sum[lane + width], &q);
            error[lane] = (error[lane] + error[lane + width]) + q;
        }
    return (struct fsum_partial){sum[0], error[0]};
}

double fsum_combine(const struct fsum_partial *partials, uint64_t blocks)
{
    double sum = 0, error = 0;
    for (uint64_t b = 0; b < blocks; b++) {
        double q;
        two_sum(&sum, partials[b].sum, &q);
        error += q + partials[b].error;
    }
    return sum + error;
}
