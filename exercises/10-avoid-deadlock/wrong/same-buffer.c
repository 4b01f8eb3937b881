/* Exercise 10, a typical wrong solution: non-blocking calls, one buffer for both.
 *
 * Why it is wrong: MPI_Irecv and MPI_Isend cannot deadlock here, but both use `mine`: the
 * message that arrives overwrites the one being sent (the MPI standard forbids touching a
 * buffer while a non-blocking call owns it), and `theirs` is never filled.  The sums come out
 * wrong.
 *
 * Expected: wrong */
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

    MPI_Request requests[2];
    MPI_Irecv(mine, (int)n, MPI_UINT64_T, left, 0, MPI_COMM_WORLD, &requests[0]);
    MPI_Isend(mine, (int)n, MPI_UINT64_T, right, 0, MPI_COMM_WORLD, &requests[1]);
    MPI_Waitall(2, requests, MPI_STATUSES_IGNORE);
    for (uint64_t k = 0; k < n; k++)
        theirs[k] = 0;

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
