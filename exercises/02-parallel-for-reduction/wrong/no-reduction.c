/* Exercise 02, a typical wrong solution: parallel for, but no reduction.
 *
 * Why it is wrong: every thread adds into the one shared `sum`.  `sum += x` is a read, an add
 * and a write; two threads that read the same old value both write old + their x, and one
 * addition is lost.  The total comes out too small, by a different amount each run, and
 * ThreadSanitizer names the line.
 *
 * Expected: race */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
