/* pitfalls/atomic/atomic.c: one of three correct ways to let threads add into one sum, timed
 * side by side with critical.c and reduction.c (./parlab pitfall atomic; README.md says why
 * they differ).
 *
 * The loop of pitfalls/race/broken.c, made correct by `#pragma omp atomic`: each addition to the
 * shared `sum` is one indivisible read-add-write, done by the processor itself (one instruction,
 * `lock add` on x86).  No update is lost, but every thread updates the same memory at every step,
 * and the cache line holding `sum` travels from core to core. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all values, every addition an atomic one. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++) {
#pragma omp atomic
        sum += values[i];
    }
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
