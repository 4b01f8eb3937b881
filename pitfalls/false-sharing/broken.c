/* pitfalls/false-sharing/broken.c: threads that share no data and still slow each other down, timed
 * against fixed.c (./parlab pitfall false-sharing; README.md says why).
 *
 * The seed's cpu_heavy_task (run it with --split data): the values 0..n-1 are made in registers,
 * and each thread adds its share of them into its own counter, counter[me], as a thread keeps a
 * progress or statistics counter that other threads may read while it runs.  Because others may
 * read it, the update is atomic: one `lock add` instruction per step.  No two threads touch the
 * same counter, so the result is right.  But the counters sit side by side, 8 bytes each, and the
 * memory system hands memory from core to core in 64-byte cache lines: all of them share one
 * line, and every atomic update needs that line to itself, so the line travels between the cores
 * at every step. */
#include <omp.h>

#include "parlab.h"

enum { MAX_THREADS = 64 };
static uint64_t counter[MAX_THREADS]; /* the bug: 8 counters to every 64-byte line */

/* --split data: each thread adds its part of first..first+count-1 into its own counter. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    int threads = omp_get_max_threads() < MAX_THREADS ? omp_get_max_threads() : MAX_THREADS;
#pragma omp parallel num_threads(threads)
    {
        int me = omp_get_thread_num();
        counter[me] = 0;
#pragma omp for schedule(static)
        for (uint64_t i = first; i < first + count; i++) {
#pragma omp atomic
            counter[me] += i;
        }
    }
    uint64_t total = 0;
    for (int t = 0; t < threads; t++)
        total += counter[t];
    return total;
}

/* Whole tasks: each one split the same way (the lesson is in split_task). */
static void whole_tasks(uint64_t n, uint64_t tasks, uint64_t *results)
{
    for (uint64_t t = 0; t < tasks; t++)
        results[t] = split_task(0, n);
}

int main(int argc, char **argv)
{
    const struct parlab_kernel kernel = {.workload = "heavy",
                                         .whole_tasks = whole_tasks,
                                         .split_task = split_task};
    return parlab_main(argc, argv, &kernel);
}
