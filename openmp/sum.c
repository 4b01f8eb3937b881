/* openmp/sum.c: the serial sum with threads that share one array (like Python's threads, but
 * without a GIL: they really run at once).
 *
 * The loops are serial/sum.c's, line for line; only the two pragmas are new.  Each thread sums its
 * own blocks into a private copy of `sum`; reduction(+:sum) adds the copies together at the end.
 * Integer addition is exact and associative, so any thread count gives exactly the serial result.
 * schedule(static) gives every thread the same blocks in fill() and in sum_task(): a page of memory
 * is placed near the thread that first writes it ("first touch"), so each thread later reads memory
 * that is close to it. */
#include "kernels.h"
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

/* One task: the sum of all values, split across the threads. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t start = 0; start < count; start += BLOCK)
        sum += sum_values(values + start, block_end(start, count) - start);
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
