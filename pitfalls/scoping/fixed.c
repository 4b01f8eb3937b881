/* pitfalls/scoping/fixed.c: broken.c with its temporary declared where it is used, so that the race
 * detector can be shown passing it (./parlab pitfall scoping).
 *
 * A variable declared inside the loop body is private: each thread has its own `block_sum`.
 * (private(block_sum) on the pragma would do the same; declaring it inside needs no clause and
 * cannot be forgotten.) */
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
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (uint64_t start = 0; start < count; start += BLOCK) {
        uint64_t block_sum = sum_values(values + start, block_end(start, count) - start);
        sum += block_sum;
    }
    return sum;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "sum", .fill = fill, .sum_task = sum_task};
    return parlab_main(argc, argv, &kernel);
}
