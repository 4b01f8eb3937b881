/* Exercise 10, a typical wrong solution: MPI_Sendrecv, with the wrong source.
 *
 * Why it is wrong: every rank sends to its right and also expects to receive from its right.
 * On 2 ranks right and left are the same rank, so it works; on 3, rank r waits for rank r+1,
 * which sends to r+2: no rank's message goes where someone waits for it, and all of them wait
 * in MPI_Sendrecv.
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

    MPI_Sendrecv(mine, (int)n, MPI_UINT64_T, right, 0, theirs, (int)n, MPI_UINT64_T, right, 0,
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
