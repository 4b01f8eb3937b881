/* Exercise 09, solution: size - 1 messages to rank 0.
 *
 * Why it is right: every rank but 0 sends one uint64_t (MPI_UINT64_T: the type on both ends
 * must agree) with tag 0; rank 0 receives size - 1 of them from MPI_ANY_SOURCE, in whatever
 * order they arrive, and adds each to its own sum.  Integer addition does not care about the
 * order.  With one rank there is nothing to receive.  MPI_Reduce does the same work along a
 * tree, in about log2(size) steps instead of size - 1 receives at one rank: README.md has it
 * as the next step. */
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
    for (int k = 1; k < size; k++) {
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
