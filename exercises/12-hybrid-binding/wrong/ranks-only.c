/* Exercise 12, a typical wrong solution: the ranks, but not the threads.
 *
 * Why it is wrong: MPI_Reduce gives the right answer, and every rank sums its share on one
 * thread while its other threads wait: mpi/sum.c, not a hybrid program.  The thread probe
 * sees it.
 *
 * Expected: one-thread */
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
