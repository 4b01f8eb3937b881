/* Exercise 02, a typical wrong solution: `parallel` without `for`.
 *
 * Why it is wrong: `#pragma omp parallel` makes every thread run the statement after it, the
 * whole loop; only `for` shares the iterations out.  With the reduction every thread's full
 * sum is added up: T threads give T times the answer.
 *
 * Expected: times-workers */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel reduction(+ : sum)
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
