/* Exercise 02, a typical wrong solution: `omp for` without `parallel`.
 *
 * Why it is wrong: `#pragma omp for` shares a loop among the threads of the parallel region
 * it is in.  Outside any region there is one thread, so the loop runs serially: the answer is
 * right and nothing ran in parallel.  Only the thread probe can tell (no timing is trusted on
 * a shared machine).  (With reduction(+ : sum) added, gcc refuses it: the one thread's `sum`
 * is already private to it.)
 *
 * Expected: one-thread */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp for
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
