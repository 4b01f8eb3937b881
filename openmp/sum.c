/* openmp/sum.c: the serial sum with threads that share one array (like Python's threads, but
 * without a GIL: they really run at once).
 *
 * Each thread sums its own chunk of the loop into a private copy of `sum`; reduction(+:sum) adds
 * the copies together at the end.  Integer addition is exact and associative, so any thread count
 * gives exactly the serial result.  schedule(static) gives every thread the same chunk in fill()
 * and in sum_task(): a page of memory is placed near the thread that first writes it ("first
 * touch"), so each thread later reads memory that is close to it. */
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
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t i = 0; i < count; i++)
        sum += values[i];
    return sum;
}

int main(int argc, char **argv)
{
    return parlab_sum_main(argc, argv, &(struct sum_kernel){fill, sum_task});
}
