/* Exercise 06, a typical wrong solution: the schedule right, the sum shared.
 *
 * Why it is wrong: every thread adds into the one `total`: a race, which ThreadSanitizer
 * names.
 *
 * Expected: race */
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
#pragma omp parallel for schedule(runtime)
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
