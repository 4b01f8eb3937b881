/* Exercise 10, a typical wrong solution: even ranks send first, odd ranks receive first.
 *
 * Why it is wrong: this ordering works on 2 ranks, and on 3 and 5 too (the chain of sends
 * untangles from the odd ranks), but not on 1 rank: rank 0 is even, sends to itself first,
 * and no receive is ever posted.  The check runs 1 rank too.
 *
 * Expected: deadlock */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exercise.h"

int main(int argc, char **argv)
{
    struct exercise_args args = exercise_parse(argc, argv, UINT64_C(1) << 24, NULL);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank - 1 + size) % size;

    uint64_t n = args.n;
    uint64_t *mine = malloc(n * sizeof *mine), *theirs = malloc(n * sizeof *theirs);
    if (mine == NULL || theirs == NULL) {
        fprintf(stderr, "%s: -n: no memory for 2 x %llu values\n", argv[0],
                (unsigned long long)n);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    for (uint64_t k = 0; k < n; k++)
        mine[k] = (uint64_t)rank * n + k;

    if (rank % 2 == 0) {
        MPI_Send(mine, (int)n, MPI_UINT64_T, right, 0, MPI_COMM_WORLD);
        MPI_Recv(theirs, (int)n, MPI_UINT64_T, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Recv(theirs, (int)n, MPI_UINT64_T, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(mine, (int)n, MPI_UINT64_T, right, 0, MPI_COMM_WORLD);
    }

    uint64_t sum = 0;
    for (uint64_t k = 0; k < n; k++)
        sum += theirs[k];
    printf("rank %d of %d received sum %llu from rank %d\n", rank, size,
           (unsigned long long)sum, left);
    free(mine);
    free(theirs);
    MPI_Finalize();
    return 0;
}
