/* openmp/heavy.c: the seed's cpu_heavy_task on threads: Pool.map with threads, and no GIL.
 *
 * serial/heavy.c with two pragmas.  Whole tasks (the default): schedule(dynamic, 1) hands out one
 * task at a time to whichever thread is free, as Pool.map hands tasks to its processes.  With 4
 * tasks and 3 threads, one thread takes a second task while the others wait: two rounds, the
 * imbalance a student should see.  --split data: the threads share out the blocks of each task
 * instead, and reduction(+) adds their partial sums.  The values are made in registers, so the
 * threads never wait for memory: the speedup follows the cores (docs/roofline.md). */
#include "kernels.h"
#include "parlab.h"

/* The seed's loop, kept honest by an empty asm (why: serial/heavy.c). */
static uint64_t seed_sum(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
    for (uint64_t i = first; i < first + count; i++) {
        total += i;
        __asm__ volatile("" : "+r"(total));
    }
    return total;
}

/* Pool.map's work: whole tasks, handed to the threads one at a time. */
static void whole_tasks(uint64_t n, uint64_t tasks, uint64_t *results)
{
#pragma omp parallel for schedule(dynamic, 1)
    for (uint64_t t = 0; t < tasks; t++)
        results[t] = seed_sum(0, n);
}

/* --split data: one task whose blocks are shared out among the threads. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (uint64_t start = 0; start < count; start += BLOCK)
        total += seed_sum(first + start, block_end(start, count) - start);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "heavy",
                                         .whole_tasks = whole_tasks,
                                         .split_task = split_task};
    return parlab_main(argc, argv, &kernel);
}
