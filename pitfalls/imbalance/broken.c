/* pitfalls/imbalance/broken.c: a parallel loop whose threads get equal numbers of items but unequal
 * work, timed against fixed.c (./parlab pitfall imbalance; README.md says why).
 *
 * The seed's cpu_heavy_task in another form (run it with --split data and a small -n, e.g.
 * -n 50000): the rows 0..n-1 of a triangle, row i holding the i pairs (j, i) with j < i, as in
 * any loop over all pairs of n items.  The pairs are counted one by one, so row i costs i steps,
 * and the total is n(n-1)/2, which the driver checks.  schedule(static) gives each thread the same
 * number of rows, in one piece: with 2 threads, the first gets the short rows (a quarter of the
 * work) and the second the long ones (three quarters), and the first then waits.  Each thread's
 * share is printed on stderr after the run. */
#include <omp.h>
#include <stdio.h>

#include "parlab.h"

enum { MAX_THREADS = 64 };
static uint64_t pairs_counted[MAX_THREADS]; /* by each thread, in the last task: the evidence */
static int threads_used;

/* The pairs (j, i) with j < i, counted one at a time: i steps.  The empty asm keeps clang from
 * replacing the loop by `return i` (pitfalls/folding). */
static uint64_t pairs_in_row(uint64_t i)
{
    uint64_t pairs = 0;
    for (uint64_t j = 0; j < i; j++) {
        pairs++;
        __asm__ volatile("" : "+r"(pairs));
    }
    return pairs;
}

/* --split data: the rows first..first+count-1, shared out among the threads. */
static uint64_t split_task(uint64_t first, uint64_t count)
{
    uint64_t total = 0;
#pragma omp parallel reduction(+ : total)
    {
        uint64_t mine = 0;
#pragma omp for schedule(static) /* the bug: equal rows, unequal work */
        for (uint64_t i = first; i < first + count; i++)
            mine += pairs_in_row(i);
        int me = omp_get_thread_num();
        if (me < MAX_THREADS)
            pairs_counted[me] = mine;
        if (me == 0)
            threads_used = omp_get_num_threads();
        total += mine;
    }
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
    int status = parlab_main(argc, argv, &kernel);
    for (int t = 0; status == 0 && t < threads_used && t < MAX_THREADS; t++)
        fprintf(stderr, "thread %d counted %llu pairs\n", t, (unsigned long long)pairs_counted[t]);
    return status;
}
