/* pitfalls/folding/broken.c: a loop that clang does not run at all, kept to show how instruction
 * counts catch it (./parlab pitfall folding; README.md and docs/folding.md say why).
 *
 * serial/heavy.c without its one-line barrier: the seed's loop, s += i for i = 0..n-1, as anyone
 * would write it.  clang -O2 recognises the sum and computes n(n-1)/2 instead, so the answer is
 * right, the time is nothing, and a speedup measured on it would be meaningless.  gcc 12 -O2 keeps
 * the loop.  serial/heavy.c is the fixed twin. */
#include "kernels.h"
#include "parlab.h"

/* first + (first + 1) + ... over `count` values: the seed's loop. */
static uint64_t seed_sum(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
    for (uint64_t i = first; i < first + count; i++)
        total += i; /* the bug: nothing stops the compiler from replacing the loop by a formula */
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
