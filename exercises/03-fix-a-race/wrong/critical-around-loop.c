/* Exercise 03, a typical wrong solution: the critical section around the whole loop.
 *
 * Why it is wrong: `#pragma omp parallel` starts the threads and `critical` lets them in one at
 * a time, but without `for` each thread that gets in runs the WHOLE loop: T threads add
 * everything T times.  (With `for` inside the critical section the program would not even be
 * valid OpenMP.)
 *
 * Expected: times-workers */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>

#include "exercise.h"

static int counted(uint64_t i)
{
    return i % 3 == 0 || i % 5 == 0;
}

static uint64_t with_atomic(uint64_t n)
{
    uint64_t total = 0;
#pragma omp parallel for
    for (uint64_t i = 0; i < n; i++)
        if (counted(i)) {
#pragma omp atomic
            total += i;
        }
    return total;
}

static uint64_t with_critical(uint64_t n)
{
    uint64_t total = 0;
#pragma omp parallel
#pragma omp critical
    for (uint64_t i = 0; i < n; i++)
        if (counted(i))
            total += i;
    return total;
}

static uint64_t with_reduction(uint64_t n)
{
    uint64_t total = 0;
#pragma omp parallel for reduction(+ : total)
    for (uint64_t i = 0; i < n; i++)
        if (counted(i))
            total += i;
    return total;
}

int main(int argc, char **argv)
{
    static const char *const ways[] = {"atomic", "critical", "reduction", NULL};
    struct exercise_args args = exercise_parse(argc, argv, UINT64_C(1) << 32, ways);
    uint64_t (*const sums[])(uint64_t) = {with_atomic, with_critical, with_reduction};
    double started = exercise_seconds();
    uint64_t total = sums[args.way](args.n);
    double seconds = exercise_seconds() - started;
    printf("total: %llu\n", (unsigned long long)total);
    printf("time: %.6f seconds (%s, %d threads)\n", seconds, ways[args.way],
           omp_get_max_threads());
    return 0;
}
