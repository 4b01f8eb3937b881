/* Exercise 11, solution: the ranks decide who computes a block, never what is computed.
 *
 * Why it is right: the blocks are cut by global index, the same at every rank count.  Each
 * block's partial is computed the same way whichever rank holds it (fsum_block: a fixed order,
 * with its rounding errors kept), MPI_Gatherv puts every partial at its block's place in
 * share->all on rank 0, and rank 0 adds them in block order (fsum_combine).  No addition
 * depends on the rank count, so neither do the bits; MPI_Reduce is never asked to add doubles.
 * mpi/fsum.c is this same function. */
#include <mpi.h>

#include "parlab_fsum.h"

/* The reproducible sum (parlab runs it by default); the result matters on rank 0 only. */
static double sum(const struct fsum_share *share)
{
    for (uint64_t b = 0; b < share->blocks; b++)
        share->partials[b] = fsum_block(share->values, share->count, b);
    MPI_Gatherv(share->partials, 2 * (int)share->blocks, MPI_DOUBLE, share->all,
                share->gather_counts, share->gather_offsets, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank == 0 ? fsum_combine(share->all, share->total_blocks) : 0.0;
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
