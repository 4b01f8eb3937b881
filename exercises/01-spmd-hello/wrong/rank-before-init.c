/* Exercise 01, a typical wrong solution: asking MPI before starting it.
 *
 * Why it is wrong: no MPI function but a few (MPI_Initialized, MPI_Get_version...) may be called
 * before MPI_Init; MPI_Comm_rank aborts the program.
 *
 * Expected: crash */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Init(&argc, &argv);
    printf("hello from rank %d of %d\n", rank, size);
    MPI_Finalize();
    return 0;
}
