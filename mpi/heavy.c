/* mpi/heavy.c: the seed's cpu_heavy_task on ranks: Pool.map with processes that share nothing.
 *
 * Whole tasks (the default): the tasks are dealt out in rounds, one task per rank per round,
 * and MPI_Gather brings each round's results to rank 0, the way Pool.map sends its processes'
 * results back to the parent.  When the tasks run out in the last round, the ranks without one
 * wait: 4 tasks on 3 ranks take two rounds.  --split data: every rank adds its own share of
 * each task's range (the driver gives it `first` and `count`), and MPI_Reduce adds the shares on
 * rank 0.  Within a rank the loops are serial/heavy.c's. */
#include <stdlib.h>

#include "kernels.h"
#include "parlab_mpi.h"

/* The seed's loop, kept honest by an empty asm (why: serial/heavy.c). */
static uint64_t seed_sum(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
    for (uint64_t i = first; i < first + count; i++) {
        total += i;
        __asm__ volatile("" : "+r"(total));
    }
    return total;
}

/* Pool.map's work: whole tasks, one per rank per round; rank 0 collects results[0..tasks). */
static void whole_tasks(uint64_t n, uint64_t tasks, uint64_t *results)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t *round = malloc((size_t)size * sizeof *round); /* one result per rank */
    for (uint64_t first = 0; first < tasks; first += (uint64_t)size) {
        uint64_t task = first + (uint64_t)rank;
        uint64_t mine = task < tasks ? seed_sum(0, n) : 0; /* no task left: this rank waits */
        MPI_Gather(&mine, 1, MPI_UINT64_T, round, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
        for (uint64_t t = first; rank == 0 && t < tasks && t < first + (uint64_t)size; t++)
            results[t] = round[t - first];
    }
    free(round);
}

/* --split data: this rank's share of one task; rank 0 receives the total. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    uint64_t my_total = 0;
    for (uint64_t start = 0; start < count; start += BLOCK)
        my_total += seed_sum(first + start, block_end(start, count) - start);

    uint64_t total = 0; /* meaningful on rank 0 only */
    MPI_Reduce(&my_total, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "heavy",
                                         .whole_tasks = whole_tasks,
                                         .split_task = split_task};
    return parlab_main(argc, argv, &kernel);
}
