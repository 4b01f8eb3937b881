/* probes/mpi.c: did this process start and end MPI?  The exercise checks' way to name a
 * missing MPI_Init or MPI_Finalize, instead of an exit status that means many things.
 *
 * Why: a process that returns from main() without MPI_Finalize makes Open MPI's mpiexec kill
 * the other ranks, often before they print, and exit 1 without a word when asked to be quiet;
 * MPICH does not complain at all.  A process that never calls MPI_Init runs as a lone copy.
 * The exercise checks link this file into the student's MPI program; when the process exits
 * (main returns or exit() is called), it prints one line on stderr:
 *
 *     parlab-probe: pid=P mpi=finalized|not-finalized|never-initialized rank=R size=S
 *
 * MPI_Initialized and MPI_Finalized may be called at any time, even before MPI_Init and
 * after MPI_Finalize.  The rank and size are asked while MPI runs: at exit if MPI was never
 * finalized, and otherwise in MPI_Finalize itself, through MPI's profiling interface (this
 * MPI_Finalize is the program's; it records them and calls the library's PMPI_Finalize).
 * They are -1 for a process that never initialized MPI. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int rank = -1, size = -1;

int MPI_Finalize(void)
{
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
    return PMPI_Finalize();
}

static void report(void)
{
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
    fprintf(stderr, "parlab-probe: pid=%ld mpi=%s rank=%d size=%d\n", (long)getpid(),
            !initialized ? "never-initialized" : finalized ? "finalized" : "not-finalized",
            rank, size);
}

__attribute__((constructor)) static void start(void)
{
    atexit(report);
}
