/* Exercise 08, a typical wrong solution: blocks rounded up.
 *
 * Why it is wrong: ceil(n / size) items per rank covers everything when the blocks fit, but
 * the last ranks' blocks run past the end (n = 10 on 4 ranks: 3, 3, 3 and then 3 more from
 * item 9), and with more ranks than items whole blocks lie beyond n.
 *
 * Expected: overrun */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

/* This rank's block of the items 0..n-1: the first item and how many. */
static void my_share(uint64_t n, int rank, int size, uint64_t *first, uint64_t *count)
{
    uint64_t chunk = (n + (uint64_t)size - 1) / (uint64_t)size;
    *first = (uint64_t)rank * chunk;
    *count = chunk;
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
