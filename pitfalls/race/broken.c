/* pitfalls/race/broken.c: the first OpenMP bug almost everyone writes, kept so that the tools that
 * find it can be shown finding it (./parlab pitfall race; README.md says why it goes wrong).
 *
 * The sum of the serial program, with `#pragma omp parallel for` put in front of the loop and
 * nothing else.  It compiles without a warning, it is right with one thread, and with two it is
 * usually wrong.  fixed.c differs by one clause. */
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
#pragma omp parallel for schedule(static)
    for (uint64_t i = 0; i < count; i++)
        sum += values[i]; /* the bug: every thread reads and writes the one shared `sum` */
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
