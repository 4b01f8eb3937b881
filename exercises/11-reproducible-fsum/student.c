/* Exercise 11, a reproducible floating-point sum across ranks.
 *
 * Why this exercise: integer sums come out the same however they are split; floating-point
 * sums do not, because every addition rounds, and (a + b) + c need not equal a + (b + c).
 * Each rank sums its own values and MPI_Reduce(MPI_SUM) adds the ranks' sums in an order of
 * the library's choosing, so the last bits change with the rank count, and a plain running sum
 * is further from the exact sum than parlab's fsum allows.  This is a parlab kernel file of
 * the fsum workload (common/parlab_fsum.h, docs/float.md): the driver gives each rank WHOLE
 * blocks of FSUM_BLOCK values, cut by global index, and the room for their partial sums.
 * Make fsum() give the same bits at every rank count: sum each block with fsum_block(), bring
 * every block's partial to rank 0 in block order, and combine them there with fsum_combine().
 * `./parlab check 11` runs it with one n at several rank counts and compares the bits. */
#include <mpi.h>

#include "parlab_fsum.h"

/* The reproducible sum (parlab runs it by default); the result matters on rank 0 only. */
static double sum(const struct fsum_share *share)
{
    /* TODO: one partial per block (fsum_block), gathered to rank 0 in block order
     * (MPI_Gatherv into share->all, with share->gather_counts and share->gather_offsets, in
     * doubles: a partial is two), combined there in block order (fsum_combine). */
    double mine = 0;
    for (uint64_t i = 0; i < share->count; i++)
        mine += share->values[i];
    double total = 0;
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
