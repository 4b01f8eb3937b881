/* Exercise 03, solution: the same loop made race-free three ways.
 *
 * Why each is right, and what it costs:
 *   atomic     the one update `total += i` becomes a single indivisible read-add-write of the
 *              hardware.  Correct, but every update fights the other threads for one cache
 *              line: no faster than one thread, often slower.
 *   critical   one thread at a time runs the block.  Correct, and a lock per update costs more
 *              than an atomic: the slowest of the three.
 *   reduction  every thread adds into a private total that starts at 0; OpenMP adds the
 *              private totals once, at the end.  No thread waits in the loop: the fast one,
 *              and the right cure whenever the update is a sum (or a product, a max...). */
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
#pragma omp parallel for
    for (uint64_t i = 0; i < n; i++)
        if (counted(i)) {
#pragma omp critical
            total += i;
        }
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
