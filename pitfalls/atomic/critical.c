/* pitfalls/atomic/critical.c: one of three correct ways to let threads add into one sum, timed
 * side by side with atomic.c and reduction.c (./parlab pitfall atomic; README.md says why they
 * differ).
 *
 * The loop of pitfalls/race/broken.c, made correct by `#pragma omp critical`: only one thread at a
 * time may run the addition.  The runtime guards it with a lock, so every addition costs taking and
 * releasing that lock, and a thread that finds it taken waits. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all values, one thread at a time in the addition. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++) {
#pragma omp critical
        sum += values[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
