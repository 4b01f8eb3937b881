/* serial/sum.c: the baseline every parallel variant is checked and timed against.
 *
 * One core walks the whole array, block after block (common/kernels.h says why in blocks, and why
 * sum_values() keeps four partial sums).  The values live in memory and are written at run time,
 * so the compiler cannot replace the loop by the formula n(n-1)/2 (clang does exactly that for a
 * plain `for (i = 0; i < n; i++) s += i`), and the additions really happen. */
#include "kernels.h"
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

/* One task: the sum of all values. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
    for (uint64_t start = 0; start < count; start += BLOCK)
        sum += sum_values(values + start, block_end(start, count) - start);
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
