/* team_mpi.c: the "team" of an MPI program: one rank per process, each with its own memory.
 *
 * Why here and not in the kernels: MPI start-up, the thread-support check, timing reductions and
 * the agreement on one exit status are the same for every MPI program; the kernel files keep only
 * the reductions that ARE the lesson (MPI_Reduce of the partial results). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "internal.h"
#include "parlab_mpi.h"

static int rank, size, ranks_here, cores_here, host_count;
static struct host *hosts; /* rank 0: every host */
static MPI_Comm host_comm = MPI_COMM_NULL;
static char library[MPI_MAX_LIBRARY_VERSION_STRING];
static int thread_level; /* what MPI_Init_thread provided */

static void fail_start(const char *what)
{
    fprintf(stderr, "parlab: %s\n", what);
    MPI_Abort(MPI_COMM_WORLD, EXIT_BAD_INPUT);
}

void team_start(int *argc, char ***argv)
{
    /* FUNNELED: OpenMP threads may run inside a rank (hybrid), but only the main thread calls MPI. */
    int provided = MPI_THREAD_SINGLE;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (provided < MPI_THREAD_FUNNELED)
        fail_start("the MPI library does not provide MPI_THREAD_FUNNELED");
    thread_level = provided;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &host_comm);
    MPI_Comm_size(host_comm, &ranks_here);

    /* The CPUs this host's ranks may use together: the union of their affinity masks. */
    cpu_set_t usable;
    unsigned long mask[sizeof(cpu_set_t) / sizeof(unsigned long)];
    threads_usable_cpus(&usable);
    memcpy(mask, &usable, sizeof mask);
    MPI_Allreduce(MPI_IN_PLACE, mask, (int)(sizeof mask / sizeof mask[0]), MPI_UNSIGNED_LONG,
                  MPI_BOR, host_comm);
    memcpy(&usable, mask, sizeof usable);
    cores_here = CPU_COUNT(&usable);

    /* One rank per host (its first) sends the host's name, ranks and CPUs to rank 0, which is
     * the first rank of its own host. */
    int host_rank;
    MPI_Comm_rank(host_comm, &host_rank);
    MPI_Comm leaders;
    MPI_Comm_split(MPI_COMM_WORLD, host_rank == 0 ? 0 : MPI_UNDEFINED, rank, &leaders);
    struct host mine = {.ranks = ranks_here, .cpus = cores_here};
    gethostname(mine.name, sizeof mine.name - 1);
    if (leaders != MPI_COMM_NULL) {
        MPI_Comm_size(leaders, &host_count);
        if (rank == 0 && (hosts = calloc((size_t)host_count, sizeof *hosts)) == NULL)
            fail_start("out of memory for the list of hosts");
        MPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, hosts, (int)sizeof mine, MPI_BYTE, 0,
                   leaders);
        MPI_Comm_free(&leaders);
    }
    if (rank != 0)
        host_count = 0;

    int length = 0;
    MPI_Get_library_version(library, &length);
    library[strcspn(library, "\r\n")] = '\0'; /* first line only; MPICH's has many */
}

int team_finish(int status)
{
    free(hosts);
    MPI_Comm_free(&host_comm);
    MPI_Finalize();
    return status;
}

int team_rank(void) { return rank; }
int team_size(void) { return size; }
void team_barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }
int team_ranks_on_this_host(void) { return ranks_here; }
int team_cores_on_this_host(void) { return cores_here; }
const char *team_variant(void) { return "mpi"; }
const char *team_library(void) { return library; }

static const char *level_name(int level)
{
    return level == MPI_THREAD_SINGLE       ? "single"
           : level == MPI_THREAD_FUNNELED   ? "funneled"
           : level == MPI_THREAD_SERIALIZED ? "serialized"
                                            : "multiple";
}

const char *team_thread_asked(void) { return level_name(MPI_THREAD_FUNNELED); }
const char *team_thread_provided(void) { return level_name(thread_level); }

int team_hosts(const struct host **list)
{
    *list = hosts;
    return host_count;
}

double team_max(double value)
{
    double max = value;
    MPI_Allreduce(&value, &max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return max;
}

/* Counts and offsets are ints in MPI_Gatherv: MAX_GRID_SIDE keeps heat's field within them. */
void team_gather_doubles(const double *mine, uint64_t count, double *all, uint64_t *counts)
{
    int mine_count = (int)count, *sizes = NULL, *offsets = NULL;
    if (rank == 0) {
        sizes = malloc((size_t)size * sizeof *sizes);
        offsets = malloc((size_t)size * sizeof *offsets);
        if (sizes == NULL || offsets == NULL)
            fail_start("out of memory while gathering the results");
    }
    MPI_Gather(&mine_count, 1, MPI_INT, sizes, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int k = 0, offset = 0; k < size; offset += sizes[k], k++) {
            offsets[k] = offset;
            counts[k] = (uint64_t)sizes[k];
        }
    MPI_Gatherv(mine, mine_count, MPI_DOUBLE, all, sizes, offsets, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    free(sizes);
    free(offsets);
}

int team_agree(int status)
{
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return worst;
}

/* MPI has no 128-bit integer type: send each u128 as two uint64 words and add them with carry. */
static void add_u128(void *in, void *inout, int *count, MPI_Datatype *type)
{
    (void)type;
    u128 *a = in, *b = inout;
    for (int i = 0; i < *count; i++)
        b[i] += a[i];
}

u128 reduce_u128_to_root(u128 mine)
{
    static MPI_Datatype u128_type = MPI_DATATYPE_NULL;
    static MPI_Op u128_sum = MPI_OP_NULL;
    if (u128_type == MPI_DATATYPE_NULL) {
        MPI_Type_contiguous(2, MPI_UINT64_T, &u128_type);
        MPI_Type_commit(&u128_type);
        MPI_Op_create(add_u128, 1, &u128_sum);
    }
    u128 total = 0;
    MPI_Reduce(&mine, &total, 1, u128_type, u128_sum, 0, MPI_COMM_WORLD);
    return total;
}
