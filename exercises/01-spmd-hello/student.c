/* Exercise 01, SPMD hello: one program, started many times, each copy asking who it is.
 *
 * Why this exercise: the seed notebook starts one multiprocessing.Process per number, and each
 * Process is told what to do.  MPI works the other way round: `mpirun -np 4 ./hello` starts
 * the SAME program four times (Single Program, Multiple Data), and each copy asks MPI for its
 * rank (0, 1, 2 or 3) and for the number of ranks.  Everything in later MPI exercises follows
 * from those two numbers.  Today this program does not talk to MPI at all, so every copy
 * believes it is rank 0 of 1.  README.md says what to add; `./parlab check 01` says when it
 * is done. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    (void)argc; /* TODO: MPI_Init wants &argc and &argv; then these two lines can go */
    (void)argv;
    int rank = 0, size = 1;

    /* TODO 1: start MPI: this process joins the job that mpirun started. */

    /* TODO 2: ask MPI for this process's rank and for the number of ranks in MPI_COMM_WORLD. */

    printf("hello from rank %d of %d\n", rank, size);

    /* TODO 3: end MPI, on every rank, before main returns. */
    return 0;
}
