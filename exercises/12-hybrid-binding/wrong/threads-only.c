/* Exercise 12, a typical wrong solution: the threads, but not the ranks.
 *
 * Why it is wrong: each rank's threads sum its share correctly, and each rank returns its own
 * sum: rank 0's answer is its share alone.  Right on one rank, wrong on two or more.
 *
 * Expected: wrong */
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
    return my_sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
