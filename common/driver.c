/* driver.c: the one main program behind every parlab executable.
 *
 * Why: warm-up, repetitions, the barrier before each timed run, the max over ranks, the self-check
 * and the agreement on an exit status are easy to get subtly different in many copies.  Here they
 * are written once; a kernel file hands over only its functions, and its workload's row in
 * workloads.c says how to run them, with the pieces below.
 *
 * Order of a run, on every rank:
 *   parse -> check the worker counts asked for -> the workload's run(): allocate and fill this
 *   worker's share (untimed) -> timed_runs(): one untimed warm-up, then repeat: [--cold-cache:
 *   evict the caches, untimed], barrier, start clock, compute (incl. the final reduction), stop
 *   clock, take the max over ranks -> check on rank 0 -> finish_report(): every rank exits with
 *   rank 0's verdict. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

uint64_t calculate_square(uint64_t number, double delay_seconds)
{
    if (!is_quiet()) {
        printf("Calculating square for %llu\n", (unsigned long long)number);
        fflush(stdout);
    }
    sleep_seconds(delay_seconds);
    uint64_t result = number * number; /* number <= 2^32 - 1 (square's limit): cannot wrap */
    if (!is_quiet()) {
        printf("Result: %llu\n", (unsigned long long)result);
        fflush(stdout);
    }
    return result;
}

/* Parses the command line and checks the worker counts: true to go on, else false with the exit
 * status in *status.  Every rank parses the same argv and so reaches the same verdict; only rank 0
 * speaks. */
static bool start_program(int argc, char **argv, const struct workload *w, struct options *o,
                          int *status)
{
    char error[512];
    *status = parse_options(argc, argv, w, o, error, sizeof error);
    bool speaker = team_rank() == 0;
    bool answers = o->help || o->version || o->describe; /* it asks, and the program answers */
    if (*status == 0 && !answers) {
        if (o->expect_threads && o->expect_threads != (uint64_t)threads_count()) {
            snprintf(error, sizeof error,
                     "--expect-threads: asked for %llu threads, got %d (check OMP_NUM_THREADS, "
                     "OMP_THREAD_LIMIT and OMP_DYNAMIC)",
                     (unsigned long long)o->expect_threads, threads_count());
            *status = EXIT_BAD_INPUT;
        } else if (o->expect_ranks && o->expect_ranks != (uint64_t)team_size()) {
            snprintf(error, sizeof error,
                     "--expect-ranks: asked for %llu ranks, got %d (%s)",
                     (unsigned long long)o->expect_ranks, team_size(),
                     team_variant() ? "is mpirun from the same MPI as the program?"
                                    : "this program is not an MPI program");
            *status = EXIT_BAD_INPUT;
        }
    }
    /* Allocation can fail on one rank only, so the ranks agree on it. */
    if (*status == 0 && o->cold_cache && !answers &&
        team_agree(cold_cache_allocate() ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        snprintf(error, sizeof error, "--cold-cache: cannot allocate the %.0f MB that evict "
                 "the caches", (double)cold_cache_bytes() / 1e6);
        *status = EXIT_BAD_INPUT;
    }
    if (*status != 0) {
        if (speaker)
            fprintf(stderr, "%s: %s\n", o->program, error);
        return false;
    }
    if (answers) {
        if (speaker && o->help)
            print_usage(stdout, o->program, w);
        if (speaker && o->describe)
            print_description(stdout, o->program, variant_name(), w);
        if (speaker && o->version)
            printf("%s (parlab) %s\n", o->program, PARLAB_VERSION);
        if (speaker && (fflush(stdout) != 0 || ferror(stdout))) {
            fprintf(stderr, "%s: cannot write to standard output\n", o->program);
            *status = EXIT_OUTPUT_FAILED;
        }
        *status = team_agree(*status);
        return false;
    }
    set_quiet(o->json);
    return true;
}

int parlab_main(int argc, char **argv, const struct parlab_kernel *kernel)
{
    team_start(&argc, &argv);
    const struct workload *w = find_workload(kernel->workload);
    const char *missing = "a workload row";
    if (w == NULL || !w->has_kernel(kernel, &missing)) {
        /* A kernel file and its row disagree: a mistake in the program, not in the input. */
        if (team_rank() == 0)
            fprintf(stderr, "parlab: the kernel of workload '%s' lacks %s (see common/workloads.c)\n",
                    kernel->workload ? kernel->workload : "(none)", missing);
        return team_finish(EXIT_BAD_INPUT);
    }
    struct options o;
    int status;
    if (start_program(argc, argv, w, &o, &status))
        status = w->run(&(struct program){.options = &o, .kernel = kernel});
    cold_cache_free();
    free_options(&o);
    return team_finish(status);
}

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

struct timing timed_runs(const struct options *o, void (*once)(void *context, uint64_t run),
                         void *context)
{
    double *times = calloc(o->repeat, sizeof *times);
    for (uint64_t run = 0; run <= o->repeat; run++) {
        prepare_run(o);
        team_barrier();
        double started = now_seconds();
        once(context, run);
        double elapsed = now_seconds() - started;
        elapsed = team_max(elapsed);
        if (run > 0 && times != NULL)
            times[run - 1] = elapsed;
    }
    struct timing time = times ? summarize_times(times, o->repeat) : (struct timing){0, 0, 0};
    free(times);
    return time;
}
