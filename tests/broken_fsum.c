/* broken_fsum.c: a deliberately wrong floating-point sum, so fsum's self-check is tested too.
 * Why: a bound that is never exceeded in the tests could be a bound that is never checked.  Both
 * sums here start from 1 instead of 0, an error far above either error bound at the tested n;
 * the program must say so and exit 1. */
#include "parlab_fsum.h"

static double off_by_one(const struct fsum_share *share)
{
    double sum = 1; /* the bug */
    for (uint64_t i = 0; i < share->count; i++)
        sum += share->values[i];
    return sum;
}

static double naive_off_by_one(const double *values, uint64_t count)
{
    double sum = 1; /* the same bug */
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "fsum",
                                         .fsum = off_by_one,
                                         .fsum_naive = naive_off_by_one};
    return parlab_main(argc, argv, &kernel);
}
