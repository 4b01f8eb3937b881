/* Exercise 08, a typical wrong solution: the remainder piled onto the last rank.
 *
 * Why it is wrong: q = n / size items each, and the last rank takes the n % size left over as
 * well.  Every item is covered, once, but the last rank can have size - 1 items more than the
 * others, and every other rank waits for it.  Shares must differ by one item at most.
 *
 * Expected: unbalanced */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

/* This rank's block of the items 0..n-1: the first item and how many. */
static void my_share(uint64_t n, int rank, int size, uint64_t *first, uint64_t *count)
{
    uint64_t q = n / (uint64_t)size;
    *first = (uint64_t)rank * q;
    *count = rank == size - 1 ? n - *first : q;
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
