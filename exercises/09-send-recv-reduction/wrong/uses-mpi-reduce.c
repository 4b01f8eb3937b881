/* Exercise 09, a typical wrong solution: the collective after all.
 *
 * Why it is wrong: the answer is right, but MPI_Reduce is the thing this exercise rebuilds.
 *
 * Expected: forbidden */
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
    (void)rank;
    (void)size;
    uint64_t total = 0;
    MPI_Reduce(&mine, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
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
