/* Exercise 10, solution: send and receive in one call, MPI_Sendrecv.
 *
 * Why it is right: MPI_Sendrecv posts the receive and the send together and lets the library
 * order them, so no rank waits for its neighbour to get round to receiving: it cannot
 * deadlock, whatever the message size, and with one rank it sends to itself.  The other safe
 * ways: post MPI_Irecv and MPI_Isend and wait for both (MPI_Waitall), or order the calls,
 * even ranks sending first and odd ranks receiving first; that last one needs care with an
 * odd number of ranks and with one rank (see wrong/odd-even.c). */
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

    MPI_Sendrecv(mine, (int)n, MPI_UINT64_T, right, 0, theirs, (int)n, MPI_UINT64_T, left, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);

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
