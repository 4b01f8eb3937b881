/* hybrid/fsum.c: the floating-point sum on ranks, and on threads inside each rank.
 *
 * This is mpi/fsum.c with openmp/fsum.c inside it.  Reproducible: each rank holds whole blocks,
 * its threads share out those blocks (fsum_block computes each block the same way whoever does
 * it), MPI_Gatherv brings every partial to rank 0 in global block order, and rank 0 combines them
 * in that order (fsum_combine).  Neither the thread count nor the rank count changes a single
 * addition, so the result is the serial one, bit for bit.
 * Naive (--naive): reduction(+) inside each rank, then MPI_Reduce across ranks: two unspecified
 * orders, and the last bits change with both counts. */
#include <mpi.h>

#include "parlab_fsum.h"

static double sum(const struct fsum_share *share)
{
#pragma omp parallel for schedule(static)
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
#pragma omp parallel for schedule(static) reduction(+ : my_sum)
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
