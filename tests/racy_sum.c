/* racy_sum.c: openmp/sum.c without its reduction, the control of the ThreadSanitizer tests.
 *
 * Why: a race detector that reports nothing on parlab's own programs is only worth something if
 * it reports this one: every thread adds into the one shared `sum`, and the additions of two
 * threads overwrite each other. */
#include "kernels.h"
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
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        sum += values[i]; /* the race: no reduction(+ : sum) */
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
