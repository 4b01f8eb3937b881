/* Exercise 12, hybrid MPI + OpenMP, and where the threads run.
 *
 * Why this exercise: a cluster node has many cores that share memory, and many nodes that do
 * not.  A hybrid program runs one or a few MPI ranks per node and OpenMP threads inside each
 * rank: exercise 08's decomposition across ranks, exercise 02's parallel loop within one.
 * This is a parlab kernel file of the sum workload, as in exercise 02, but built as an MPI
 * program: each rank holds only its own share of the array (parlab's driver computes the
 * share, and started MPI with MPI_THREAD_FUNNELED: only the main thread calls MPI).  Today each
 * rank sums its share on one thread and returns it, so rank 0 knows only its own part.  Sum
 * each rank's share on all its threads, then add the ranks' sums on rank 0.  `./parlab check
 * 12` runs it at several ranks x threads shapes, and then shows where the threads of a rank
 * really run under two bindings: the thing the launch line, not the code, decides. */
#include <mpi.h>

#include "parlab_mpi.h"

/* Untimed: this rank's share of the values, first .. first + count - 1. */
static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all ranks' values, on rank 0. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t my_sum = 0;
    /* TODO 1: this rank's threads share the loop, each adding into its own copy of my_sum */
    for (uint64_t i = 0; i < count; i++)
        my_sum += values[i];
    /* TODO 2: add every rank's my_sum on rank 0 (outside any parallel region) */
    return my_sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
