/* Exercise 02, a typical wrong solution: the answer written down.
 *
 * Why it is wrong: 49999995000000 is the sum of 0..9999999, the seed's answer for the default
 * n.  The check draws n at random, so a number in the program is right only by luck; the
 * driver checks every task against n(n-1)/2 for the n it was given.
 *
 * Expected: wrong */
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for
    for (uint64_t i = 0; i < count; i++)
        values[i] = first + i;
}

static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    (void)values;
    (void)count;
    return UINT64_C(49999995000000);
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
