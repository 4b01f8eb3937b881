/* Exercise 05, a typical wrong solution: the split task's pieces shared, its total too.
 *
 * Why it is wrong: every thread adds its pieces into the one shared `total`.  The race loses
 * additions whenever two threads finish a piece at the same moment; ThreadSanitizer names it.
 *
 * Expected: race */
#include "parlab.h"

/* first + (first + 1) + ... over `count` values: the seed's loop.  The empty asm tells the
 * compiler that `total` may have changed, so every addition really happens: without it clang
 * replaces the loop by a formula and there is no work to share (docs/folding.md). */
static uint64_t seed_sum(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
    for (uint64_t i = first; i < first + count; i++) {
        total += i;
        __asm__ volatile("" : "+r"(total));
    }
    return total;
}

/* Pool.map's work: task t's answer goes into results[t]. */
static void whole_tasks(uint64_t n, uint64_t tasks, uint64_t *results)
{
#pragma omp parallel for schedule(dynamic, 1)
    for (uint64_t t = 0; t < tasks; t++)
        results[t] = seed_sum(0, n);
}

/* One task, 0 .. count - 1 from `first`, split into pieces of 65536 values. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    const uint64_t piece = 65536;
    uint64_t total = 0;
#pragma omp parallel for schedule(static)
    for (uint64_t start = 0; start < count; start += piece)
        total += seed_sum(first + start, count - start < piece ? count - start : piece);
    return total;
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "heavy",
                                         .whole_tasks = whole_tasks,
                                         .split_task = split_task};
    return parlab_main(argc, argv, &kernel);
}
