/* cold_cache.c: --cold-cache, so that an array that fits in the cache is still timed from memory.
 *
 * Why: the untimed warm-up leaves an array smaller than the last-level cache in that cache (8 MB
 * at -n 1000000, against 32 MB of L3 on the machine parlab was written on), and the timed runs
 * then measure the cache, not memory: about 0.38 ns per value there against 0.6 ns from memory.
 * That effect is worth seeing (run with and without the flag), but it is not the memory bandwidth
 * every result is compared with.  STREAM's rule is arrays of at least 4x the last-level cache;
 * with --cold-cache, each worker instead reads through a buffer of 4x the last-level cache before
 * every run, untimed, which pushes the program's own data out of every cache level.
 *
 * It reads the buffer rather than writing it: the cache is then left full of clean lines, which
 * the run's own reads can replace without first writing them back to memory.  (Written lines
 * made the next run pay for their write-back: 5-10% slower with two threads at n = 10^6.)  The
 * buffer is written once, at allocation: unwritten memory reads as one shared page of zeros,
 * which would evict nothing. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FALLBACK_CACHE_BYTES ((size_t)32 << 20)

static unsigned char *eviction_buffer;
static size_t eviction_bytes;
static volatile uint64_t eviction_sum; /* where the reads go */

/* The largest cache that CPU 0 sees, as the kernel reports it in sysfs.  Not sysconf(): on an
 * AMD EPYC VM glibc's _SC_LEVEL3_CACHE_SIZE gave 256 MiB, the whole chip, where a core reaches
 * only its own 32 MiB. */
static size_t last_level_cache_bytes(void)
{
    size_t best = 0;
    int best_level = 0;
    for (int index = 0; index < 16; index++) {
        char path[96];
        int level = 0;
        unsigned long size = 0;
        char unit = 'K';
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
        FILE *file = fopen(path, "r");
        if (file == NULL)
            break;
        bool read_level = fscanf(file, "%d", &level) == 1;
        fclose(file);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
        file = fopen(path, "r");
        if (file == NULL)
            continue;
        bool read_size = fscanf(file, "%lu%c", &size, &unit) >= 1;
        fclose(file);
        size_t bytes = size * (unit == 'M' ? (size_t)1 << 20 : unit == 'K' ? (size_t)1 << 10 : 1);
        if (read_level && read_size && level >= best_level) {
            best_level = level;
            best = bytes;
        }
    }
    return best > 0 ? best : FALLBACK_CACHE_BYTES;
}

bool cold_cache_allocate(void)
{
    eviction_bytes = 4 * last_level_cache_bytes();
    eviction_buffer = allocate_pages(eviction_bytes);
    if (eviction_buffer != NULL)
        memset(eviction_buffer, 1, eviction_bytes);
    return eviction_buffer != NULL;
}

size_t cold_cache_bytes(void) { return eviction_bytes; }

void prepare_run(const struct options *o)
{
    if (o->cold_cache && eviction_buffer != NULL)
        eviction_sum = threads_read_every_line(eviction_buffer, eviction_bytes);
}

void cold_cache_free(void)
{
    free(eviction_buffer);
    eviction_buffer = NULL;
}
