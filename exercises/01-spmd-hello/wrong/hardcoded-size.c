/* Exercise 01, a typical wrong solution: the size written down.
 *
 * Why it is wrong: "mpirun -np 4" is how the program is started, not something the program
 * knows.  The check starts it with 3 ranks, then with a rank count drawn at random, then with
 * 1; only MPI_Comm_size gives the right number each time.
 *
 * Expected: size */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("hello from rank %d of %d\n", rank, 4);
    MPI_Finalize();
    return 0;
}
