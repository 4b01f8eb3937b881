/* fsum.c: the reproducible floating-point sum, written once for every variant.
 *
 * THE METHOD (blocked, cascaded "Sum2" of Ogita, Rump and Oishi, 2005)
 *   1. Blocks by global index.  Value i belongs to block i / FSUM_BLOCK.  The blocks are the same
 *      at every thread and rank count; a worker only decides which blocks it computes.
 *   2. Inside a block, FSUM_LANES running sums: the value at offset k of the block goes to lane
 *      k % FSUM_LANES, in increasing k.  Each addition s + x is done by two_sum(), which also
 *      returns its exact rounding error q (s + x == new s + q exactly); the errors are added up in
 *      a second variable per lane.  The lanes are then combined in a fixed tree (0+4, 1+5, 2+6,
 *      3+7; 0+2, 1+3; 0+1), again with two_sum.  The block's partial is (sum, error).
 *   3. The partials are combined in block order (0, 1, 2, ...) on ONE thread of ONE rank, again
 *      with two_sum; the result is fl(sum + error).
 *   Every addition and its order depend only on n, never on the worker count, and IEEE 754
 *   additions are exactly specified, so the result is bit-identical for every variant, with gcc
 *   and clang, at -O2 and -O3 -- as long as the compiler may not reassociate (no -ffast-math,
 *   no -Ofast, no -fassociative-math: those would also delete two_sum's error term).
 *   The lanes are independent chains of additions, so the CPU overlaps them (and compilers may
 *   vectorize them without reordering anything): this is as fast as the naive sum, whose single
 *   chain waits ~3-4 cycles per addition.
 *
 * THE ERROR BOUND.  Let S be the exact sum, A = sum of |x_i|, u = 2^-53 and
 * gamma(k) = k u / (1 - k u).  Then the result r satisfies
 *        |r - S| <= u |S| + (1 + u) gamma(D)^2 A,      D = FSUM_BLOCK / FSUM_LANES + ceil(n / FSUM_BLOCK) + 7
 * Why: the two_sum additions are error-free transformations, so S = s + (sum of all errors q)
 * exactly.  Each |q| <= u |its sum|, and a value passes through at most D two_sums (B/L in its
 * lane, 3 in the lane tree, at most ceil(n/B) in the block chain), so sum |q| <= gamma(D) A.
 * The errors are added with ordinary additions along paths of at most D additions, which costs at
 * most gamma(D) sum |q|; the final fl(s + error) costs u |S| more (as in Ogita-Rump-Oishi's
 * Proposition 4.5).  For n = 10^7, D = 2961 and gamma(D)^2 = 1.1e-25: the result is within about
 * one rounding (u |S|) of the exact sum unless the data cancel by a factor above ~10^9.
 * common/fexact.c computes this bound and the exact sum it is checked against.
 */
#include <string.h>

#include "parlab_fsum.h"

/* s + x, exactly, as new *sum plus *error (Knuth's TwoSum; 6 additions, no branch). */
static inline void two_sum(double *sum, double x, double *error)
{
    double s = *sum + x;
    double z = s - *sum;
    *error = (*sum - (s - z)) + (x - z);
    *sum = s;
}

/* Two lanes in one variable: GCC and clang compile `a + b` on it as one SSE2 instruction, the
 * vector width every x86-64 CPU has.  (One variable for all 8 lanes was as fast with the default
 * flags, but with -march=native gcc 12 kept it on the stack and ran half as fast.)  Each lane's
 * arithmetic is exactly the scalar arithmetic written out below for the short last block: only
 * the speed changes. */
typedef double lane_pair __attribute__((vector_size(2 * sizeof(double))));
enum { PAIRS = FSUM_LANES / 2 };

struct fsum_partial fsum_block(const double *values, uint64_t count, uint64_t block)
{
    const double *x = values + block * FSUM_BLOCK;
    uint64_t length = count - block * FSUM_BLOCK;
    if (length > FSUM_BLOCK)
        length = FSUM_BLOCK;
    lane_pair sums[PAIRS] = {{0}}, errors[PAIRS] = {{0}};
    uint64_t k = 0;
    for (; k + FSUM_LANES <= length; k += FSUM_LANES) /* two_sum in every lane */
        for (int p = 0; p < PAIRS; p++) {
            lane_pair next;
            memcpy(&next, x + k + 2 * p, sizeof next);
            lane_pair s = sums[p] + next, z = s - sums[p];
            errors[p] += (sums[p] - (s - z)) + (next - z);
            sums[p] = s;
        }
    double sum[FSUM_LANES], error[FSUM_LANES];
    memcpy(sum, &sums, sizeof sum);
    memcpy(error, &errors, sizeof error);
    for (int lane = 0; k + (uint64_t)lane < length; lane++) { /* a short last block */
        double q;
        two_sum(&sum[lane], x[k + (uint64_t)lane], &q);
        error[lane] += q;
    }
    for (int width = FSUM_LANES / 2; width >= 1; width /= 2) /* the fixed lane tree */
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
