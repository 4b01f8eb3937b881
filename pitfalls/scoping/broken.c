/* pitfalls/scoping/broken.c: a data race that every test passes, kept to show that only a race
 * detector finds it (./parlab pitfall scoping; README.md says why).
 *
 * openmp/sum.c with one habit from older C: the temporary `block_sum` is declared at the top of
 * the function.  A variable declared outside a parallel region is shared by all its threads, so
 * every thread writes its block's sum into the same place and reads it back.  The reduction is
 * right; the temporary is the bug.  fixed.c declares it inside the loop. */
#include "kernels.h"
#include "parlab.h"

static void fill(uint64_t *values, uint64_t count, uint64_t first)
{
#pragma omp parallel for schedule(static)
    for (uint64_t start = 0; start < count; start += BLOCK)
        for (uint64_t i = start; i < block_end(start, count); i++)
            values[i] = first + i;
}

/* One task: the sum of all values, block by block, split across the threads. */
static uint64_t sum_task(const uint64_t *values, uint64_t count)
{
    uint64_t sum = 0;
    uint64_t block_sum; /* declared here, outside the parallel loop: shared by every thread */
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t start = 0; start < count; start += BLOCK) {
        block_sum = sum_values(values + start, block_end(start, count) - start); /* the bug */
        sum += block_sum; /* the bug: may read another thread's block_sum */
    }
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
