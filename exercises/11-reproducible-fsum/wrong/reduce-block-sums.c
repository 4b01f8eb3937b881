/* Exercise 11, a typical wrong solution: exact blocks, then MPI_Reduce of the ranks' sums.
 *
 * Why it is wrong: each rank combines its own blocks carefully, and then MPI_SUM adds the
 * ranks' totals: which doubles meet in that addition, and in which order, depends on the rank
 * count again, so the last bits do too.  Half the method is not reproducible.
 *
 * Expected: not-reproducible */
#include <mpi.h>

#include "parlab_fsum.h"

/* The reproducible sum (parlab runs it by default); the result matters on rank 0 only. */
static double sum(const struct fsum_share *share)
{
    for (uint64_t b = 0; b < share->blocks; b++)
        share->partials[b] = fsum_block(share->values, share->count, b);
    double mine = fsum_combine(share->partials, share->blocks), total = 0;
    MPI_Reduce(&mine, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
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
