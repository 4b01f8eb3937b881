/* Exercise 09, a reduction written by hand with MPI_Send and MPI_Recv.
 *
 * Why this exercise: MPI_Reduce, which exercise 08 used, is a collective: every rank calls it,
 * and the library moves the partial sums and adds them up.  Underneath it is nothing but
 * messages from one rank to another.  Write reduce_to_root() with point-to-point messages only:
 * every rank but 0 sends its partial sum to rank 0, and rank 0 receives one from each of them
 * and adds them to its own.  No collective may do it for you (the check looks at which MPI
 * functions the program calls).  Rank 0 prints "total: X".  `./parlab check 09` runs it at
 * several rank counts, also with more ranks than items, and watches for a rank that waits for
 * a message that never comes. */
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
    /* TODO: ranks 1..size-1 send `mine` to rank 0; rank 0 receives size - 1 sums, adds them */
    (void)rank;
    (void)size;
    return mine;
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
