/* clock.c: one monotonic wall clock for every variant.
 *
 * Why not omp_get_wtime() or MPI_Wtime(): comparing variants is only honest if they are timed by
 * the same clock.  CLOCK_MONOTONIC is wall time that never jumps; clock() would add up CPU time
 * across threads and make parallel code look slower. */
#include <errno.h>
#include <time.h>

#include "internal.h"

double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double clock_resolution_seconds(void)
{
    struct timespec t;
    clock_getres(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void sleep_seconds(double seconds)
{
    struct timespec left = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}
