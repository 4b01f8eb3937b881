/* Exercise 07, solution: one cache line per slot.
 *
 * Why it is right: _Alignas(64) on the struct's only member makes the struct 64 bytes long
 * and 64-byte aligned, so slot t is the whole of one cache line and no other thread's slot
 * shares it.  Another cure, often better: add into a local variable inside the loop (a
 * register) and write partial[t] once, after it; then report_slot() points at the local.
 * (Some processors fetch lines in pairs: 128 bytes separate slots completely there.) */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "exercise.h"

enum { MAX_THREADS = 256 };

struct slot {
    _Alignas(64) uint64_t sum; /* one 64-byte cache line per slot */
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
