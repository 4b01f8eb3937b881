/* Exercise 07, a typical wrong solution: padding, but not a whole line.
 *
 * Why it is wrong: 8 bytes of sum and 24 of padding make a 32-byte slot: two slots still share
 * every 64-byte line, and threads 0 and 1 still evict each other's line at every addition.
 * The padding must fill the line (or align each slot to it).
 *
 * Expected: false-sharing */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exercise.h"

enum { MAX_THREADS = 256 };

struct slot {
    uint64_t sum;
    char pad[24]; /* 8 + 24 = 32 bytes: half a line */
};
static struct slot partial[MAX_THREADS];

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
        partial[t].sum = 0;
        report_slot(t, &partial[t].sum);
#pragma omp for schedule(static)
        for (uint64_t i = 0; i < n; i++)
            partial[t].sum += values[i];
    }
    uint64_t total = 0;
    for (int t = 0; t < omp_get_max_threads() && t < MAX_THREADS; t++)
        total += partial[t].sum;
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
