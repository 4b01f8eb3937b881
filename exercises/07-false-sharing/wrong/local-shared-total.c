/* Exercise 07, a typical wrong solution: a local sum, then a racy combination.
 *
 * Why it is wrong: adding into a local variable is the best cure for false sharing, but the
 * threads' local sums are then added into one shared `total` without any protection: two
 * threads that finish at once lose one sum.  `#pragma omp atomic` on that one addition (once
 * per thread, so it costs nothing) would fix it; ThreadSanitizer names the line.
 *
 * Expected: race */
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
    uint64_t total = 0;
#pragma omp parallel
    {
        int t = omp_get_thread_num() % MAX_THREADS;
        uint64_t mine = 0;
        report_slot(t, &mine);
#pragma omp for schedule(static)
        for (uint64_t i = 0; i < n; i++)
            mine += values[i];
        partial[t] = mine;
        total += mine;
    }
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
