/* serial/sum.c: the baseline every parallel variant is checked and timed against.
 *
 * One core walks the whole array.  The values live in memory and are written at run time, so the
 * compiler cannot replace the loop by the formula n(n-1)/2 (clang does exactly that for a plain
 * `for (i = 0; i < n; i++) s += i`), and the additions really happen. */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

/* One task: the sum of all values. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    return parlab_sum_main(argc, argv, &(struct sum_kernel){fill, sum_task});
}
