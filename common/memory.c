/* memory.c: where the data lives: this worker's share, in memory that this host can give.
 *
 * Why its own file: the driver allocates every workload's data, and --cold-cache its eviction
 * buffer (cold_cache.c), with the same huge-page allocation; neither should reach into the
 * other for it.  A share that would not fit is refused on every rank alike, with one line. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Memory for large arrays, on 2 MiB boundaries and marked for transparent huge pages where the
 * kernel offers them: the first touch of 80 MB then costs 40 faults instead of 20,000, which is
 * most of a small run's start-up.  Freed with free(). */
void *allocate_pages(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *data = NULL;
    if (posix_memalign(&data, huge, bytes ? bytes : 1) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= huge)
        madvise(data, bytes - bytes % huge, MADV_HUGEPAGE); /* only advice: fine if refused */
#endif
    return data;
}

/* The memory this process may use: the machine's, or less under a cgroup v2 limit (a container,
 * or a Slurm job with a memory request), where going over is a kill, not an error. */
static double usable_memory(bool *limited)
{
    double memory = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    *limited = false;
    char path[640] = "/sys/fs/cgroup", line[512];
    FILE *self = fopen("/proc/self/cgroup", "r");
    if (self != NULL) {
        while (fgets(line, sizeof line, self))
            if (strncmp(line, "0::", 3) == 0) { /* cgroup v2: "0::/the/group" */
                line[strcspn(line, "\n")] = '\0';
                snprintf(path, sizeof path, "/sys/fs/cgroup%s", line + 3);
            }
        fclose(self);
    }
    /* The limit may be set on the group or on any group above it. */
    for (;;) {
        char file[sizeof path + 16];
        unsigned long long limit;
        snprintf(file, sizeof file, "%s/memory.max", path);
        FILE *max = fopen(file, "r");
        if (max != NULL) {
            if (fscanf(max, "%llu", &limit) == 1 && (double)limit < memory) {
                memory = (double)limit;
                *limited = true;
            }
            fclose(max);
        }
        char *slash = strrchr(path, '/');
        if (slash == NULL || strcmp(path, "/sys/fs/cgroup") == 0)
            break;
        *slash = '\0';
    }
    return memory;
}

void *allocate_share(const struct options *o, size_t item_size, uint64_t count, int *status)
{
    double bytes = (double)count * (double)item_size;
    double host_bytes = bytes * team_ranks_on_this_host();
    bool limited;
    double memory = usable_memory(&limited);
    void *data = NULL;
    *status = EXIT_OK;
    if (host_bytes > 0.9 * memory)
        *status = EXIT_BAD_INPUT;
    else if ((data = allocate_pages((size_t)count * item_size)) == NULL)
        *status = EXIT_BAD_INPUT;
    *status = team_agree(*status);
    if (*status != EXIT_OK && team_rank() == 0)
        fprintf(stderr, "%s: -n: %llu needs %.1f GB of memory on this host, which has %.1f GB%s\n",
                o->program, (unsigned long long)o->n, host_bytes / 1e9, memory / 1e9,
                limited ? " (a cgroup memory limit)" : "");
    if (*status != EXIT_OK) {
        free(data);
        data = NULL;
    }
    return data;
}
