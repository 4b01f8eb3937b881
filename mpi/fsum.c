/* mpi/fsum.c: the serial fsum with ranks that share nothing.
 *
 * Reproducible: each rank holds WHOLE blocks (the same blocks, by global index, at every rank
 * count) and computes their partials exactly as the serial program does (fsum_block).  MPI_SUM
 * would add the ranks' sums in an order that depends on the rank count, so instead MPI_Gatherv
 * brings every partial to rank 0, in global block order, and rank 0 combines them in that order
 * (fsum_combine): the serial result, bit for bit, at any rank count.  (The MPI standard itself
 * suggests gathering when the order of a reduction matters.)
 * Naive (--naive): each rank sums its values, and MPI_Reduce(MPI_SUM) adds the ranks' sums in
 * whatever order and tree the library picks: the last bits change with the rank count. */
#include <mpi.h>

#include "parlab_fsum.h"

static double sum(const struct fsum_share *share)
{
    for (uint64_t b = 0; b < share->blocks; b++)
        share->partials[b] = fsum_block(share->values, share->count, b);

    /* Rank 0 receives each rank's partials (two doubles each) at that rank's block offset. */
    MPI_Gatherv(share->partials, 2 * (int)share->blocks, MPI_DOUBLE, share->all,
                share->gather_counts, share->gather_offsets, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank == 0 ? fsum_combine(share->all, share->total_blocks) : 0.0;
}

static double sum_naive(const double *values, uint64_t count)
{
    double my_sum = 0;
    for (uint64_t i = 0; i < count; i++)
        my_sum += values[i];

    double total = 0; /* meaningful on rank 0 only */
    MPI_Reduce(&my_sum, &total, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "fsum", .fsum = sum, .fsum_naive = sum_naive};
    return parlab_main(argc, argv, &kernel);
}
