/* broken_sum.c: a deliberately wrong sum kernel, so the self-check itself is tested.
 * Why: validation that cannot fail proves nothing.  This kernel is off by one; the program must
 * say so and exit 1. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t off_by_one(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 1; /* the bug */
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = off_by_one};
    return parlab_main(argc, argv, &kernel);
}
