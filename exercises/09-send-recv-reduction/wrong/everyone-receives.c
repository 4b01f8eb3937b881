/* Exercise 09, a typical wrong solution: every rank receives first.
 *
 * Why it is wrong: each rank but 0 waits in MPI_Recv for a message from rank 0 before it sends
 * its own, and rank 0 waits for theirs: every rank waits for another, for ever.  The check's
 * hang detector names the MPI call each rank is stuck in.
 *
 * Expected: deadlock */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

/* Exercise 08's answer: this rank's block of the items 0..n-1. */
static void my_share(uint64_t n, int rank, int size, uint64_t *first, uint64_t *count)
{
    uint64_t q = n / (uint64_t)size, r = n % (uint64_t)size, k = (uint64_t)rank;
    *count = q + (k < r ? 1 : 0);
    *first = k * q + (k < r ? k : r);
}

/* The sum of every rank's `mine`, on rank 0 (what it returns elsewhere does not matter). */
static uint64_t reduce_to_root(uint64_t mine, int rank, int size)
{
    uint64_t total = mine;
    if (rank != 0) {
        uint64_t go;
        MPI_Recv(&go, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&mine, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
        return 0;
    }
    for (int k = 1; k < size; k++) {
        uint64_t theirs;
        MPI_Recv(&theirs, 1, MPI_UINT64_T, k, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        total += theirs;
    }
    return total;
}

int main(int argc, char **argv)
{
    struct exercise_args args = exercise_parse(argc, argv, UINT64_C(1) << 32, NULL);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    uint64_t first, count, mine = 0;
    my_share(args.n, rank, size, &first, &count);
    for (uint64_t i = first; i < first + count; i++)
        mine += i;
    uint64_t total = reduce_to_root(mine, rank, size);
    if (rank == 0)
        printf("total: %llu\n", (unsigned long long)total);
    MPI_Finalize();
    return 0;
}
