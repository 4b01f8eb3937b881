/* probes/mpi.c: did this process start and end MPI?  The exercise checks' way to name a
 * missing MPI_Init or MPI_Finalize, instead of an exit status that means many things.
 *
 * Why: a process that returns from main() without MPI_Finalize makes Open MPI's mpiexec kill
 * the other ranks, often before they print, and exit 1 without a word when asked to be quiet;
 * MPICH does not complain at all.  A process that never calls MPI_Init runs as a lone copy.
 * The exercise checks link this file into the student's MPI program; when the process exits
 * (main returns or exit() is called), it prints one line on stderr:
 *
 *     parlab-probe: pid=P mpi=finalized|not-finalized|never-initialized rank=R size=S nonce=N
 *
 * MPI_Initialized and MPI_Finalized may be called at any time, even before MPI_Init and
 * after MPI_Finalize.  The rank and size are asked while MPI runs: at exit if MPI was never
 * finalized, and otherwise in MPI_Finalize itself, through MPI's profiling interface (this
 * MPI_Finalize is the program's; it records them and calls the library's PMPI_Finalize).
 * They are -1 for a process that never initialized MPI.
 *
 * Built with -DPARLAB_PROBE_DOUBLE_SUMS (the reproducible-sum exercise), it also counts the
 * floating-point sums the program asks MPI to do (MPI_Reduce, MPI_Allreduce and their kin with
 * MPI_SUM on MPI_FLOAT, MPI_DOUBLE or MPI_LONG_DOUBLE), and adds " double-sums=K" to its line.
 * Such a sum adds in an order of the library's choosing, which depends on the rank count, so a
 * reproducible sum makes none; comparing the bits at a few rank counts would miss it often
 * (the order changes the last bit only now and then).  The wrappers are left out otherwise,
 * because they would hide the program's own calls from `nm -u` (the check that an exercise
 * calls, or does not call, an MPI function). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NO_PROBE

static int rank = -1, size = -1;

#include "nonce.h"

#ifdef PARLAB_PROBE_DOUBLE_SUMS
static long double_sums;

static void count(MPI_Datatype type, MPI_Op op)
{
    if (op == MPI_SUM && (type == MPI_DOUBLE || type == MPI_FLOAT || type == MPI_LONG_DOUBLE))
        double_sums++;
}

int MPI_Reduce(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op, int root,
               MPI_Comm comm)
{
    count(type, op);
    return PMPI_Reduce(in, out, n, type, op, root, comm);
}

int MPI_Allreduce(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    count(type, op);
    return PMPI_Allreduce(in, out, n, type, op, comm);
}

int MPI_Ireduce(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op, int root,
                MPI_Comm comm, MPI_Request *request)
{
    count(type, op);
    return PMPI_Ireduce(in, out, n, type, op, root, comm, request);
}

int MPI_Iallreduce(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm, MPI_Request *request)
{
    count(type, op);
    return PMPI_Iallreduce(in, out, n, type, op, comm, request);
}

int MPI_Scan(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    count(type, op);
    return PMPI_Scan(in, out, n, type, op, comm);
}

int MPI_Exscan(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    count(type, op);
    return PMPI_Exscan(in, out, n, type, op, comm);
}

int MPI_Reduce_scatter_block(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op,
                             MPI_Comm comm)
{
    count(type, op);
    return PMPI_Reduce_scatter_block(in, out, n, type, op, comm);
}
#define DOUBLE_SUMS_FORMAT " double-sums=%ld"
#define DOUBLE_SUMS , double_sums
#else
#define DOUBLE_SUMS_FORMAT ""
#define DOUBLE_SUMS
#endif

/* Whether MPI was started and ended; while it runs, notes this process's rank and size. */
static void note_rank(int *initialized, int *finalized)
{
    *initialized = *finalized = 0;
    MPI_Initialized(initialized);
    MPI_Finalized(finalized);
    if (*initialized && !*finalized) {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
}

int MPI_Finalize(void)
{
    int initialized, finalized;
    note_rank(&initialized, &finalized);
    return PMPI_Finalize();
}

static void report(void)
{
    int initialized, finalized;
    note_rank(&initialized, &finalized);
    fprintf(stderr, "parlab-probe: pid=%ld mpi=%s rank=%d size=%d" DOUBLE_SUMS_FORMAT " nonce=%s\n",
            (long)getpid(),
            !initialized ? "never-initialized" : finalized ? "finalized" : "not-finalized",
            rank, size DOUBLE_SUMS, nonce);
}

/* Priority 101, the first the program may use: before the program's own constructors. */
__attribute__((constructor(101))) static void start(void)
{
    take_nonce();
    atexit(report);
}
