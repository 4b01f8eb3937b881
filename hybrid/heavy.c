/* hybrid/heavy.c: the seed's cpu_heavy_task on ranks, and on threads inside each rank.
 *
 * mpi/heavy.c with openmp/heavy.c's split inside it.  Whole tasks: the tasks are dealt to the
 * ranks in rounds, one task per rank per round, and MPI_Gather brings each round's results to
 * rank 0; inside a rank the threads share out that one task's blocks (two levels: tasks across
 * processes, data across threads).  --split data: every rank's share of each task is split among
 * its threads, and MPI_Reduce adds the ranks' totals on rank 0.  Only the main thread calls MPI,
 * outside the parallel loops (MPI_THREAD_FUNNELED). */
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

/* [first, first + count), its blocks shared out among this rank's threads. */
static uint64_t threads_sum(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (uint64_t start = 0; start < count; start += BLOCK)
        total += seed_sum(first + start, block_end(start, count) - start);
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
        uint64_t mine = task < tasks ? threads_sum(0, n) : 0; /* no task left: this rank waits */
        MPI_Gather(&mine, 1, MPI_UINT64_T, round, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
        for (uint64_t t = first; rank == 0 && t < tasks && t < first + (uint64_t)size; t++)
            results[t] = round[t - first];
    }
    free(round);
}

/* --split data: this rank's share of one task, split among its threads; rank 0 gets the total. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    uint64_t my_total = threads_sum(first, count);

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
