/* openmp/fsum.c: the serial fsum with threads.
 *
 * Reproducible: the threads share out the BLOCKS, not the additions.  Each block's partial is
 * computed exactly as in the serial program (fsum_block), whichever thread computes it, and one
 * thread combines the partials in block order afterwards (fsum_combine).  So every thread count
 * gives the serial result, bit for bit.
 * Naive (--naive): reduction(+:sum) gives each thread a private sum over its own chunk and adds
 * the private sums in an unspecified order.  Floating-point addition is not associative, so the
 * last bits change with the thread count (and may change between runs: OpenMP 5.2, 5.5.6). */
#include "parlab_fsum.h"

static double sum(const struct fsum_share *share)
{
#pragma omp parallel for schedule(static)
    for (uint64_t b = 0; b < share->blocks; b++)
        share->partials[b] = fsum_block(share->values, share->count, b);
    return fsum_combine(share->partials, share->blocks);
}

static double sum_naive(const double *values, uint64_t count)
{
    double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "fsum", .fsum = sum, .fsum_naive = sum_naive};
    return parlab_main(argc, argv, &kernel);
}
