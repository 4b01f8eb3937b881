/* Exercise 06, schedule and load imbalance: rows that cost more and more.
 *
 * Why this exercise: `parallel for` splits the iterations into equal counts, which is fair only
 * when every iteration costs the same.  Here row i adds 0 + 1 + ... + i, so it costs i + 1
 * units of work, and the last rows cost thousands of times the first.  With the default
 * schedule (static: one block of rows per thread) the thread with the last block does most of
 * the work while the others wait.  Make the loop parallel, and let OMP_SCHEDULE choose its
 * schedule (schedule(runtime)), so that one build can be run with static, static,C, dynamic
 * and guided.  The program prints "total: X", one line "thread T: units U" per thread (the
 * work each thread did, counted by the loop itself) and "time: S".  `./parlab check 06`
 * checks the total and, with OMP_SCHEDULE=static,C, every thread's units, which the OpenMP
 * specification fixes exactly; then it times the schedules side by side, for information. */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

enum { MAX_THREADS = 256 };

/* One cache line per thread's counter, so that counting does not slow the loop (exercise 07
 * says why); the struct's alignment is the line's. */
struct units {
    _Alignas(64) uint64_t done;
};
static struct units work[MAX_THREADS];

/* Row i: 0 + 1 + ... + i, kept honest by an empty asm (docs/folding.md), i + 1 units. */
static uint64_t row(uint64_t i)
{
    uint64_t sum = 0;
    for (uint64_t j = 0; j <= i; j++) {
        sum += j;
        __asm__ volatile("" : "+r"(sum));
    }
    return sum;
}

static uint64_t add_rows(uint64_t n)
{
    uint64_t total = 0;
    /* TODO: share the rows out among the threads, with the schedule taken from OMP_SCHEDULE,
     * each thread adding into its own total. */
    for (uint64_t i = 0; i < n; i++) {
        total += row(i);
        work[omp_get_thread_num() % MAX_THREADS].done += i + 1; /* this thread's units */
    }
    return total;
}

int main(int argc, char **argv)
{
    struct exercise_args args = exercise_parse(argc, argv, UINT64_C(3000000), NULL);
    double started = exercise_seconds();
    uint64_t total = add_rows(args.n);
    double seconds = exercise_seconds() - started;
    printf("total: %llu\n", (unsigned long long)total);
    int threads = omp_get_max_threads();
    for (int t = 0; t < threads && t < MAX_THREADS; t++)
        printf("thread %d: units %llu\n", t, (unsigned long long)work[t].done);
    printf("time: %.6f seconds\n", seconds);
    return 0;
}
