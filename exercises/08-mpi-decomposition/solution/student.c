/* Exercise 08, solution: equal blocks, the remainder spread over the first ranks.
 *
 * Why it is right: n = q * size + r with q = n / size and r = n % size.  The first r ranks
 * take q + 1 items and the others q, so no two blocks differ by more than one item and the
 * counts add up to q * size + r = n.  Rank k's block starts after the blocks of ranks 0..k-1:
 * k * q items, plus one for each of them that took an extra one, min(k, r).  With more ranks
 * than items q = 0: the first n ranks take one item each and the others none, and a block of
 * count 0 is fine (its `first` is n, never past it).  common/exact.c's block_share() is the
 * same split. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

/* This rank's block of the items 0..n-1: the first item and how many. */
static void my_share(uint64_t n, int rank, int size, uint64_t *first, uint64_t *count)
{
    uint64_t q = n / (uint64_t)size, r = n % (uint64_t)size, k = (uint64_t)rank;
    *count = q + (k < r ? 1 : 0);
    *first = k * q + (k < r ? k : r);
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
