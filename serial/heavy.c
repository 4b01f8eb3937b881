/* serial/heavy.c: the seed's cpu_heavy_task, in C, one task after another.
 *
 * The seed adds up range(10**7), four times.  Here too: each task adds 0 + 1 + ... + (n-1), and
 * the values are made by the loop itself, in a register: no array, nothing read from memory.  So
 * the additions are all the work, and this workload is bound by the cores, not by memory
 * bandwidth: every worker added makes it faster, as Pool.map makes the seed faster
 * (docs/roofline.md).  The array sum (serial/sum.c) is the memory-bound twin. */
#include "kernels.h"
#include "parlab.h"

/* first + (first + 1) + ... over `count` values: the seed's loop.
 * The empty asm is an optimisation barrier: it tells the compiler that it may have changed
 * `total`, so every addition must really happen.  Without it clang -O2 replaces the loop by the
 * formula count * (2 * first + count - 1) / 2 and adds nothing (docs/folding.md).  It emits no
 * instruction. */
static uint64_t seed_sum(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
    for (uint64_t i = first; i < first + count; i++) {
        total += i;
        __asm__ volatile("" : "+r"(total));
    }
    return total;
}

/* Pool.map's work: every task, whole, one after another. */
static void whole_tasks(uint64_t n, uint64_t tasks, uint64_t *results)
{
    for (uint64_t t = 0; t < tasks; t++)
        results[t] = seed_sum(0, n);
}

/* --split data: one task whose range is split into blocks (all of them here: one worker). */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
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
