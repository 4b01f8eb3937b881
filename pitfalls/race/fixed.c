/* pitfalls/race/fixed.c: broken.c with the one clause it lacks, so that the same tools can be shown
 * passing it (./parlab pitfall race).
 *
 * reduction(+ : sum) gives every thread a private `sum`, starting at 0, and adds the private sums
 * into the shared one once, at the end of the loop.  (openmp/sum.c is the same loop, made faster:
 * it reads the array in blocks, four streams at a time; common/kernels.h says why.) */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all values, split across the threads. */
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
