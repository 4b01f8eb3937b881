/* pitfalls/atomic/reduction.c: one of three correct ways to let threads add into one sum,
 * timed side by side with atomic.c and critical.c (./parlab pitfall atomic; README.md says why
 * they differ).
 *
 * The loop of pitfalls/race/broken.c, made correct by reduction(+ : sum): every thread adds into a
 * private sum of its own, in a register, and the private sums are added into the shared one once
 * per thread, at the end.  The threads share nothing while they work. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all values, each thread adding into its own copy of `sum`. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t i = 0; i < count; i++) {
        sum += values[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
