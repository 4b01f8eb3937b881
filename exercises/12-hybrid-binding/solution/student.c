/* Exercise 12, solution: threads inside each rank, then one MPI_Reduce across the ranks.
 *
 * Why it is right: within a rank, exercise 02's loop: `parallel for` with reduction(+ : my_sum)
 * (and fill() with the same static schedule, so that each thread first touches the pages it
 * will read).  Across ranks, MPI_Reduce adds the ranks' sums on rank 0, called once, by the
 * main thread, after the parallel region: that is all MPI_THREAD_FUNNELED allows.  Where the
 * threads run is the launch's business: Open MPI binds each of up to 2 ranks to ONE core by
 * default, so its threads take turns on it; `--bind-to none` or `--map-by slot:PE=T` (and
 * OMP_PLACES=cores OMP_PROC_BIND=close within) give each rank T cores.  The check shows both. */
#include <mpi.h>

#include "parlab_mpi.h"

/* Untimed: this rank's share of the values, first .. first + count - 1. */
static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all ranks' values, on rank 0. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t my_sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : my_sum)
    for (uint64_t i = 0; i < count; i++)
        my_sum += values[i];

    uint64_t total = 0; /* meaningful on rank 0 only */
    MPI_Reduce(&my_sum, &total, 1, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
