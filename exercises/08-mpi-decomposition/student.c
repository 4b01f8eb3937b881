/* Exercise 08, MPI decomposition: which items are mine?
 *
 * Why this exercise: ranks share no memory, so before any rank can work it must know which
 * part of the problem is its own, from nothing but its rank and the number of ranks.  Here the
 * problem is the n items 0, 1, ..., n-1 (their sum is the answer); each rank takes one block of
 * consecutive items, rank 0 the first block, and the blocks must cover every item exactly
 * once, differ in size by one item at most, and work with any n and any rank count, also with
 * more ranks than items.  Write my_share().  The program prints one line per rank,
 * "rank R of S: first F count C", and rank 0 prints "total: X".  `./parlab check 08` runs it at
 * several rank counts, with an n that the rank count does not divide, and with fewer items than
 * ranks. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

/* This rank's block of the items 0..n-1: the first item and how many. */
static void my_share(uint64_t n, int rank, int size, uint64_t *first, uint64_t *count)
{
    /* TODO: every item in exactly one block; blocks in rank order; sizes within one item */
    *count = n / (uint64_t)size;
    *first = (uint64_t)rank * *count;
}

int main(int argc, char **argv)
{
    struct exercise_args args = exercise_parse(argc, argv, UINT64_C(1) << 32, NULL);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    uint64_t first, count;
    my_share(args.n, rank, size, &first, &count);
    printf("rank %d of %d: first %llu count %llu\n", rank, size, (unsigned long long)first,
           (unsigned long long)count);

    uint64_t mine = 0, total = 0;
    for (uint64_t i = first; i < first + count; i++)
        mine += i;
    MPI_Reduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        printf("total: %llu\n", (unsigned long long)total);
    MPI_Finalize();
    return 0;
}
