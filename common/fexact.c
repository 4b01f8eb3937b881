/* fexact.c: fsum's data, the exact answer it is checked against, and the error bounds.
 *
 * Why exact and in integers: a reference computed with the kernel's own floating-point additions
 * cannot catch the kernel's mistakes, and a "more accurate" float reference still has an error
 * that the check would have to allow for.  Every generated value is an integer times a power of
 * two, so adding the signed mantissas per exponent in 128-bit integers loses nothing; only the
 * final conversion to double rounds, once, to nearest.  Untimed, on rank 0 only. */
#include <math.h>
#include <string.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

/* SplitMix64's output function: a fixed, well-mixed 64-bit hash of the index. */
static uint64_t mix(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static struct fsum_parts random_parts(uint64_t key)
{
    uint64_t h = mix(key);
    return (struct fsum_parts){.negative = h & 1,
                               .exponent = (int)((h >> 1) & 63) - 84,
                               .mantissa = (h >> 11) | (UINT64_C(1) << 52)};
}

struct fsum_parts fsum_parts(uint64_t index, enum fsum_data data)
{
    if (data == FSUM_DATA_RANDOM)
        return random_parts(index);
    /* cancel: values 2k and 2k+1 are a and about -a: the same exponent, opposite signs, and
     * mantissas that differ only in their low 20 bits, so each pair cancels ~33 of 53 bits. */
    struct fsum_parts p = random_parts(index / 2);
    if (index % 2) {
        p.negative = !p.negative;
        p.mantissa ^= mix(index | (UINT64_C(1) << 63)) & 0xFFFFF;
    }
    return p;
}

double fsum_value(uint64_t index, enum fsum_data data)
{
    struct fsum_parts p = fsum_parts(index, data);
    double magnitude = ldexp((double)p.mantissa, p.exponent); /* exact: 53 bits, in range */
    return p.negative ? -magnitude : magnitude;
}

void fsum_fill(double *values, uint64_t count, uint64_t first, enum fsum_data data)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = fsum_value(first + i, data);
}

/* ---- exact accumulator ---- */
void exact_clear(struct exact_sum *sum) { memset(sum, 0, sizeof *sum); }

void exact_add_parts(struct exact_sum *sum, bool negative, uint64_t mantissa, int exponent)
{
    __int128 m = (__int128)mantissa;
    sum->bucket[exponent - EXACT_MIN_EXPONENT] += negative ? -m : m;
}

bool exact_add(struct exact_sum *sum, double x)
{
    if (x == 0)
        return true;
    if (!isfinite(x))
        return false;
    int e;
    double fraction = frexp(fabs(x), &e);              /* |x| = fraction * 2^e, fraction in [0.5, 1) */
    uint64_t mantissa = (uint64_t)ldexp(fraction, 53); /* exact: a 53-bit integer */
    int exponent = e - 53;
    if (exponent < EXACT_MIN_EXPONENT || exponent >= EXACT_MIN_EXPONENT + EXACT_BUCKETS)
        return false;
    exact_add_parts(sum, x < 0, mantissa, exponent);
    return true;
}

/* The buckets, added into one 640-bit two's complement integer (units of 2^EXACT_MIN_EXPONENT):
 * each bucket is below 2^87 in magnitude and is shifted by at most 511 bits. */
enum { LIMBS = 10 };

static void wide_add_shifted(uint64_t *wide, __int128 value, unsigned shift)
{
    uint64_t source[LIMBS], ext = value < 0 ? UINT64_MAX : 0;
    source[0] = (uint64_t)value;
    source[1] = (uint64_t)((unsigned __int128)value >> 64);
    for (int k = 2; k < LIMBS; k++)
        source[k] = ext;
    unsigned limbs = shift / 64, bits = shift % 64;
    unsigned carry = 0;
    for (unsigned k = 0; k < LIMBS; k++) {
        uint64_t word = 0;
        if (k >= limbs) {
            word = source[k - limbs] << bits;
            if (bits && k > limbs)
                word |= source[k - limbs - 1] >> (64 - bits);
        }
        uint64_t total = wide[k] + word;
        unsigned carry_out = total < word;
        total += carry;
        carry_out |= total < carry;
        wide[k] = total;
        carry = carry_out;
    }
}

static uint64_t wide_bits(const uint64_t *wide, unsigned low, unsigned count) /* count <= 63 */
{
    unsigned limb = low / 64, bits = low % 64;
    uint64_t word = wide[limb] >> bits;
    if (bits && limb + 1 < LIMBS)
        word |= wide[limb + 1] << (64 - bits);
    return word & ((UINT64_C(1) << count) - 1);
}

static bool wide_any_below(const uint64_t *wide, unsigned position)
{
    for (unsigned k = 0; k < position / 64; k++)
        if (wide[k])
            return true;
    return position % 64 && (wide[position / 64] & ((UINT64_C(1) << (position % 64)) - 1));
}

double exact_round(const struct exact_sum *sum)
{
    uint64_t wide[LIMBS] = {0};
    for (unsigned k = 0; k < EXACT_BUCKETS; k++)
        if (sum->bucket[k])
            wide_add_shifted(wide, sum->bucket[k], k);
    bool negative = wide[LIMBS - 1] >> 63;
    if (negative) { /* magnitude: two's complement negation */
        unsigned carry = 1;
        for (int k = 0; k < LIMBS; k++) {
            wide[k] = ~wide[k] + carry;
            carry = carry && wide[k] == 0;
        }
    }
    int top = LIMBS - 1;
    while (top >= 0 && wide[top] == 0)
        top--;
    if (top < 0)
        return 0.0;
    unsigned position = (unsigned)top * 64 + 63 - (unsigned)__builtin_clzll(wide[top]);
    uint64_t mantissa;
    int scale;
    if (position <= 52) {
        mantissa = wide[0];
        scale = 0;
    } else { /* keep 53 bits, round to nearest, ties to even */
        unsigned shift = position - 52;
        mantissa = wide_bits(wide, shift, 53);
        bool half = wide_bits(wide, shift - 1, 1), rest = wide_any_below(wide, shift - 1);
        if (half && (rest || (mantissa & 1)))
            mantissa++;
        if (mantissa >> 53) {
            mantissa >>= 1;
            shift++;
        }
        scale = (int)shift;
    }
    double magnitude = ldexp((double)mantissa, scale + EXACT_MIN_EXPONENT);
    return negative ? -magnitude : magnitude;
}

void fsum_reference(uint64_t n, enum fsum_data data, struct exact_sum *exact, double *sum,
                    double *sum_abs)
{
    static struct exact_sum magnitudes;
    exact_clear(exact);
    exact_clear(&magnitudes);
    for (uint64_t i = 0; i < n; i++) {
        struct fsum_parts p = fsum_parts(i, data);
        exact_add_parts(exact, p.negative, p.mantissa, p.exponent);
        exact_add_parts(&magnitudes, false, p.mantissa, p.exponent);
    }
    *sum = exact_round(exact);
    *sum_abs = exact_round(&magnitudes);
}

double fsum_distance(const struct exact_sum *exact, double result)
{
    static struct exact_sum difference;
    difference = *exact;
    if (!exact_add(&difference, -result))
        return -1;
    return fabs(exact_round(&difference));
}

/* ---- error bounds ---- */
static const double unit_roundoff = 0x1p-53;
/* The bounds are computed in double; this factor makes up for their own rounding. */
static const double bound_slack = 1 + 0x1p-40;

static double gamma_of(double k) { return k * unit_roundoff / (1 - k * unit_roundoff); }

/* D in common/fsum.c: B/L additions in a lane, 2 per level of the lane tree (T = log2 L levels),
 * 1 + ceil(n/B) in the block chain; at least as many as any value's two_sums (B/L + T + ceil(n/B)). */
double fsum_error_bound(uint64_t n, double sum, double sum_abs)
{
    int tree_levels = 0;
    for (int width = FSUM_LANES; width > 1; width /= 2)
        tree_levels++;
    double depth = FSUM_BLOCK / FSUM_LANES + (double)((n + FSUM_BLOCK - 1) / FSUM_BLOCK) +
                   2 * tree_levels + 1;
    double g = gamma_of(depth);
    return (unit_roundoff * fabs(sum) + (1 + unit_roundoff) * g * g * sum_abs) * bound_slack;
}

double fsum_naive_error_bound(uint64_t n, double sum_abs)
{
    /* Any order and any tree of n - 1 additions (threads, ranks, MPI's reduction tree). */
    return gamma_of((double)(n - 1)) * sum_abs * bound_slack;
}
