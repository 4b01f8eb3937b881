/* Exercise 07, false sharing: each thread has its own counter, and still they get in each
 * other's way.
 *
 * Why this exercise: caches do not hold single variables, they hold lines of 64 bytes.  When
 * one core writes a line, every other core's copy of that line is thrown away, and the next
 * read there waits for the line to come back.  Here every thread adds into its own slot of
 * `partial`, so there is no race, but the slots are 8 bytes each: eight threads' slots share
 * one line, and every addition of one thread evicts the line from all the others.  That is
 * false sharing: correct, and slow.  Give each thread's running sum a cache line of its own.
 * The program prints "total: X", one line "slot T at 0xADDRESS" per thread (the address each
 * thread adds to in the loop: keep report_slot() pointing at it) and "time: S".
 * `./parlab check 07` checks the total, that no two threads add into the same cache line, and
 * shows the time at 1 and 2 threads for information. */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exercise.h"

enum { MAX_THREADS = 256 };

static uint64_t partial[MAX_THREADS]; /* TODO: slot t shares its cache line with its neighbours */

/* The slot thread `t` adds to in its loop, for the check; call it from that thread. */
static void report_slot(int t, const void *address)
{
#pragma omp critical
    printf("slot %d at %p\n", t, address);
}

static uint64_t add_up(const uint64_t *values, uint64_t n)
{
#pragma omp parallel
    {
        int t = omp_get_thread_num() % MAX_THREADS;
        partial[t] = 0;
        report_slot(t, &partial[t]);
#pragma omp for schedule(static)
        for (uint64_t i = 0; i < n; i++)
            partial[t] += values[i];
    }
    uint64_t total = 0;
    for (int t = 0; t < omp_get_max_threads() && t < MAX_THREADS; t++)
        total += partial[t];
    return total;
}

int main(int argc, char **argv)
{
    struct exercise_args args = exercise_parse(argc, argv, UINT64_C(1) << 30, NULL);
    uint64_t *values = malloc(args.n * sizeof *values);
    if (values == NULL) {
        fprintf(stderr, "%s: -n: no memory for %llu values\n", argv[0],
                (unsigned long long)args.n);
        return 2;
    }
    for (uint64_t i = 0; i < args.n; i++)
        values[i] = i;
    double started = exercise_seconds();
    uint64_t total = add_up(values, args.n);
    double seconds = exercise_seconds() - started;
    printf("total: %llu\n", (unsigned long long)total);
    printf("time: %.6f seconds\n", seconds);
    free(values);
    return 0;
}
