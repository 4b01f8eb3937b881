/* Exercise 01, a typical wrong solution: MPI_Finalize forgotten.
 *
 * Why it is wrong: a process that leaves main() without MPI_Finalize has ended "abnormally" in
 * MPI's eyes.  Open MPI's mpirun then kills the other ranks, often before they have printed,
 * and exits 1; MPICH says nothing at all.  The check's MPI probe names the ranks.
 *
 * Expected: finalize */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    printf("hello from rank %d of %d\n", rank, size);
    return 0;
}
