/* Exercise 01, solution: MPI_Init, the rank and size, one line, MPI_Finalize.
 *
 * Why it is right: MPI_Init joins the job mpirun started; MPI_Comm_rank and MPI_Comm_size ask
 * the communicator of all the job's processes (MPI_COMM_WORLD) who this process is and how many
 * there are; MPI_Finalize ends MPI on every rank.  The lines come out in any order: each rank
 * prints when it gets there, and mpirun forwards each rank's output as it arrives. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    printf("hello from rank %d of %d\n", rank, size);
    MPI_Finalize();
    return 0;
}
