/* Exercise 08, a typical wrong solution: n / size items each, the remainder lost.
 *
 * Why it is wrong: integer division rounds down, so the last n % size items belong to no rank
 * and are never added: with 3 ranks and n = 10, item 9 is lost.  (This is what student.c does
 * before the exercise; it is kept here as the wrong solution it is.)
 *
 * Expected: lost */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

/* This rank's block of the items 0..n-1: the first item and how many. */
static void my_share(uint64_t n, int rank, int size, uint64_t *first, uint64_t *count)
{
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
