/* Exercise 06, solution: the rows shared out with the schedule OMP_SCHEDULE names.
 *
 * Why it is right: schedule(runtime) takes the schedule from OMP_SCHEDULE (or the runtime's
 * default), and reduction(+ : total) adds the threads' totals.  Which schedule is best?
 * static gives thread 0 the cheap first rows and the last thread the dear last ones: with 2
 * threads the second does 3/4 of the work.  static,1 deals the rows out like cards, and the
 * shares come out nearly even at no cost.  dynamic,C hands out C rows at a time to whichever
 * thread is free: even shares whatever the costs, for one shared counter's cost per chunk;
 * guided starts with big chunks and ends with small ones.  The check prints all four. */
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
#pragma omp parallel for schedule(runtime) reduction(+ : total)
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
