/* Exercise 02, parallel for with a reduction: your first OpenMP kernel.
 *
 * Why this exercise: a parallel loop is one line of OpenMP, and the first thing to learn is
 * what that line does with a variable every iteration adds to.  This file is a parlab kernel
 * file, like serial/sum.c: it hands its two functions to parlab_main(), and parlab's driver
 * fills the array, runs --tasks tasks, times them and checks every task's sum against
 * n(n-1)/2.  Today sum_task() runs on one thread.  Make it run on every thread: README.md
 * says what to read, and `./parlab check 02` says when it is done. */
#include "parlab.h"

/* Untimed: the values first .. first + count - 1, written to memory at run time. */
static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all values. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
    /* TODO: share the iterations of this loop out among the threads, each thread adding into
     * its own copy of `sum`, and the copies added together when the loop ends. */
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
