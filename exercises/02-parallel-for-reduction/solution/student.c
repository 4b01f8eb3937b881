/* Exercise 02, solution: the loop shared out among the threads, with a reduction.
 *
 * Why it is right: `parallel for` starts the threads and hands each a block of the iterations
 * (schedule(static): one contiguous block each).  `reduction(+ : sum)` gives every thread a
 * private `sum` that starts at 0, and adds the private sums into the shared one when the loop
 * ends.  Integer addition gives the same total in any order, so every thread count prints the
 * serial result.  fill() gets the same pragma: each thread first writes the pages it will read
 * later, and the operating system places a page near the thread that first writes it. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
