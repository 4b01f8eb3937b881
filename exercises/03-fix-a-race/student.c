/* Exercise 03, fix a race in three ways.
 *
 * Why this exercise: a data race is the bug every threaded program meets first.  The three
 * functions below are the same parallel loop: it adds up the numbers below n that are
 * multiples of 3 or 5 into one shared `total`, and two threads that update `total` at the same
 * moment lose one of the updates.  OpenMP has three cures, and they differ enormously in cost:
 * an atomic update, a critical section, and a reduction.  Cure each function the way its name
 * says.  The program runs one of them: `./race -n N --way atomic|critical|reduction`, and prints
 * "total: X" and "time: S".  `./parlab check 03` runs all three, at several thread counts,
 * under ThreadSanitizer too, and shows what each one costs. */
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
        if (counted(i))
            total += i; /* TODO: make this one update atomic */
    return total;
}

static uint64_t with_critical(uint64_t n)
{
    uint64_t total = 0;
#pragma omp parallel for
    for (uint64_t i = 0; i < n; i++)
        if (counted(i))
            total += i; /* TODO: let one thread at a time in here */
    return total;
}

static uint64_t with_reduction(uint64_t n)
{
    uint64_t total = 0;
#pragma omp parallel for /* TODO: give every thread its own total, added up at the end */
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
