/* fsum_paths.c: one block of every length, summed by the path PARLAB_FSUM_ISA names, against
 * the method written out here in plain scalar code.
 *
 * Why: which value goes into which lane, and the order in which the lanes are combined, are
 * part of the method (common/fsum.c), not of the vector width.  A path that put a value into
 * another lane, dropped or repeated part of a row, or combined the lanes in another order, gives
 * other bits for some block length; this finds it at every length from 1 to FSUM_BLOCK, on data
 * that the programs' tests never use (exponents over the whole double range, subnormals,
 * zeros), and at an address that is not a multiple of the vector size.
 * It also prints a digest of every partial's bits: tests/fsum_paths.py builds it with every
 * compiler and flag set and requires one digest on every path.  (The programs' results cannot
 * show a wrong lane as surely: the compensated sum is nearly always the correctly rounded exact
 * sum, whatever the order; the partials are not.)
 * tests/fsum_paths.py runs it once per path the CPU has; exit 0 if every partial matches. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

enum { LONGEST = 2 * FSUM_BLOCK };

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* FNV-1a over the bytes of x, continuing from digest. */
static uint64_t digest_of(uint64_t digest, double x)
{
    unsigned char bytes[sizeof x];
    memcpy(bytes, &x, sizeof x);
    for (size_t i = 0; i < sizeof x; i++)
        digest = (digest ^ bytes[i]) * UINT64_C(0x100000001B3);
    return digest;
}

/* The method of common/fsum.c, one value at a time: value k of the block goes to lane
 * k % FSUM_LANES; then lane j + 8 into j, j + 4 into j, j + 2, j + 1. */
static void two_sum(double *sum, double x, double *error)
{
    double s = *sum + x, z = s - *sum;
    *error = (*sum - (s - z)) + (x - z);
    *sum = s;
}

static struct fsum_partial written_out(const double *x, uint64_t length)
{
    double sum[FSUM_LANES] = {0}, error[FSUM_LANES] = {0};
    for (uint64_t k = 0; k < length; k++) {
        double q;
        two_sum(&sum[k % FSUM_LANES], x[k], &q);
        error[k % FSUM_LANES] += q;
    }
    for (int width = FSUM_LANES / 2; width >= 1; width /= 2)
        for (int lane = 0; lane < width; lane++) {
            double q;
            two_sum(&sum[lane], sum[lane + width], &q);
            error[lane] = (error[lane] + error[lane + width]) + q;
        }
    return (struct fsum_partial){sum[0], error[0]};
}

/* Both signs, exponents from -1074 (subnormal) to +1000, and some zeros and exact negatives. */
static void wide_values(double *x, uint64_t count)
{
    uint64_t state = 0x243F6A8885A308D3u;
    for (uint64_t i = 0; i < count; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint64_t h = state >> 11;
        double mantissa = (double)(h & ((UINT64_C(1) << 53) - 1));
        int exponent = (int)((h >> 40) % 2075) - 1074 - 52;
        x[i] = ldexp(mantissa, exponent);
        if (h & 1)
            x[i] = -x[i];
        if (i % 97 == 5)
            x[i] = 0;
        if (i % 89 == 7 && i > 0)
            x[i] = -x[i - 1];
    }
}

int main(void)
{
    const char *refused = fsum_path_error();
    if (refused) {
        printf("FAIL: %s\n", refused);
        return 1;
    }
    static double storage[LONGEST + 1];
    double *x = storage + 1; /* 8 bytes past an alignment the vectors might like */
    const char *kinds[] = {"random", "cancel", "wide"};
    int wrong = 0;
    uint64_t digest = UINT64_C(0xCBF29CE484222325);
    for (int kind = 0; kind < 3; kind++) {
        if (kind < 2)
            fsum_fill(x, LONGEST, 12345, (enum fsum_data)kind);
        else
            wide_values(x, LONGEST);
        for (uint64_t length = 1; length <= FSUM_BLOCK; length++)
            for (uint64_t block = 0; block < 2; block++) {
                /* block 0 of `length` values, and block 1 of an array one block longer */
                struct fsum_partial got = fsum_block(x, block * FSUM_BLOCK + length, block);
                struct fsum_partial want = written_out(x + block * FSUM_BLOCK, length);
                digest = digest_of(digest_of(digest, got.sum), got.error);
                if ((!same_bits(got.sum, want.sum) || !same_bits(got.error, want.error)) &&
                    wrong++ < 10)
                    printf("  %s, block %llu of length %llu: path %s gives (%a, %a), the method "
                           "(%a, %a)\n", kinds[kind], (unsigned long long)block,
                           (unsigned long long)length, fsum_path(), got.sum, got.error, want.sum,
                           want.error);
            }
    }
    if (wrong)
        printf("FAIL: path %s differs from the method in %d of %d blocks\n", fsum_path(), wrong,
               3 * 2 * FSUM_BLOCK);
    else
        printf("path %s: the method's bits at every block length 1..%d, 3 kinds of data\n",
               fsum_path(), FSUM_BLOCK);
    printf("digest %016llx\n", (unsigned long long)digest);
    return wrong ? 1 : 0;
}
