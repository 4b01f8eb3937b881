/* Exercise 09, a typical wrong solution: rank 0 receives one message only.
 *
 * Why it is wrong: with 2 ranks one receive is all there is, so the answer is right; with 3
 * or more, rank 0 adds only the first sum to arrive and the others are never received.  The
 * check runs at 3 ranks first.
 *
 * Expected: wrong */
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
    if (rank != 0) {
        MPI_Send(&mine, 1, MPI_UINT64_T, 0, 0, MPI_COMM_WORLD);
        return 0;
    }
    uint64_t total = mine;
    if (size > 1) {
        uint64_t theirs;
        MPI_Recv(&theirs, 1, MPI_UINT64_T, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
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
