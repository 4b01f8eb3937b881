/* pitfalls/false-sharing/fixed.c: broken.c with one counter to each cache line, timed against it
 * (./parlab pitfall false-sharing; README.md says why).
 *
 * _Alignas(64) makes each counter start a 64-byte line of its own (the rest of the line is
 * padding), so a thread's atomic update takes no line from another thread.  Padding wastes 56 of
 * every 64 bytes, which is cheap for one counter per thread.  (A sum that nobody reads while it
 * grows is better still kept in a register, with reduction(+): pitfalls/atomic/reduction.c.) */
#include <omp.h>

#include "parlab.h"

enum { MAX_THREADS = 64 };
struct padded_counter {
    _Alignas(64) uint64_t value;
};
static struct padded_counter counter[MAX_THREADS]; /* one 64-byte line each */

/* --split data: each thread adds its part of first..first+count-1 into its own counter. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    int threads = omp_get_max_threads() < MAX_THREADS ? omp_get_max_threads() : MAX_THREADS;
#pragma omp parallel num_threads(threads)
    {
        int me = omp_get_thread_num();
        counter[me].value = 0;
#pragma omp for schedule(static)
        for (uint64_t i = first; i < first + count; i++) {
#pragma omp atomic
            counter[me].value += i;
        }
    }
    uint64_t total = 0;
    for (int t = 0; t < threads; t++)
        total += counter[t].value;
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
