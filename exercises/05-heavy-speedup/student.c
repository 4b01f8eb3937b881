/* Exercise 05, the compute-bound speedup: the seed's cpu_heavy_task on threads.
 *
 * Why this exercise: the seed notebook's lesson is that Pool.map makes four calls of
 * sum(range(10**7)) faster.  Here is the same work in C: each task adds 0 + 1 + ... + (n-1),
 * with the values made in a register (nothing read from memory), so the cores are all that
 * limits it and every thread added should make it faster.  whole_tasks() runs the tasks one
 * after another, as the seed's first loop does; split_task() does one task's range (parlab
 * passes `--split data` for that mode).  Make both run on every thread.  `./parlab check 05`
 * checks the answers at several thread counts and then shows the speedup at 2 threads, with
 * the load average: a speedup is information, never a pass or fail, on a shared machine. */
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
    /* TODO: hand the tasks to the threads, one task at a time to whichever thread is free. */
    for (uint64_t t = 0; t < tasks; t++)
        results[t] = seed_sum(0, n);
}

/* One task, 0 .. count - 1 from `first`, split into pieces of 65536 values. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    const uint64_t piece = 65536;
    uint64_t total = 0;
    /* TODO: share the pieces out among the threads, and add up what each one found. */
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
