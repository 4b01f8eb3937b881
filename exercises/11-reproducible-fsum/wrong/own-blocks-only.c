/* Exercise 11, a typical wrong solution: no gathering, rank 0 combines its own blocks.
 *
 * Why it is wrong: without MPI_Gatherv, rank 0 holds only its own blocks' partials, and its
 * answer is the sum of its share of the values: right with one rank, wrong with more.
 *
 * Expected: wrong */
#include <mpi.h>

#include "parlab_fsum.h"

/* The reproducible sum (parlab runs it by default); the result matters on rank 0 only. */
static double sum(const struct fsum_share *share)
{
    for (uint64_t b = 0; b < share->blocks; b++)
        share->partials[b] = fsum_block(share->values, share->count, b);
    return fsum_combine(share->partials, share->blocks);
}

/* The plain sum, for `--naive` (given: the demonstration that it is not reproducible). */
static double sum_naive(const double *values, uint64_t count)
{
    double mine = 0;
    for (uint64_t i = 0; i < count; i++)
        mine += values[i];
    double total = 0;
    MPI_Reduce(&mine, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "fsum", .fsum = sum, .fsum_naive = sum_naive};
    return parlab_main(argc, argv, &kernel);
}
