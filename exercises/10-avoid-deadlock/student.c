/* Exercise 10, avoid a deadlock: the ring exchange.
 *
 * Why this exercise: the ranks stand in a ring; each sends its n values to its right
 * neighbour and receives the n values of its left one (halo exchanges in stencil codes do
 * this every step).  Written the obvious way, every rank first calls MPI_Send, and a send of
 * a large message does not return until its receiver has called MPI_Recv, which no rank gets
 * to: every rank waits for its neighbour, for ever.  Small messages seem to work, because MPI
 * copies them aside ("eager"), and that is why this bug ships.  Make the exchange safe for any
 * message size and any rank count, one rank included (it is its own neighbour).  Each rank
 * prints "rank R of S received sum X from rank L".  `./parlab check 10` runs it at 2, 3, 1 and
 * 5 ranks with messages of hundreds of kilobytes, and its hang detector shows the MPI call
 * each rank is stuck in. */
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

    /* TODO: this deadlocks once messages are large: every rank sends before anyone receives */
    MPI_Send(mine, (int)n, MPI_UINT64_T, right, 0, MPI_COMM_WORLD);
    MPI_Recv(theirs, (int)n, MPI_UINT64_T, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);

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
