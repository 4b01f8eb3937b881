/* driver.c: the one main program behind every parlab executable.
 *
 * Why: warm-up, repetitions, the barrier before each timed run, the max over ranks, the self-check
 * and the agreement on an exit status are easy to get subtly different in six copies.  Here they are
 * written once; a kernel file hands over only its fill and compute functions.
 *
 * Order of a run, on every rank:
 *   parse -> check the worker counts asked for -> allocate and fill this worker's share (untimed)
 *   -> one untimed warm-up -> repeat: [--cold-cache: evict the caches, untimed], barrier, start
 *   clock, compute (incl. the final reduction), stop clock, take the max over ranks -> check on
 *   rank 0 -> every rank exits with rank 0's verdict. */
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
    uint64_t result = number * number; /* number <= SQUARE_MAX_VALUE, so this cannot wrap */
    if (!is_quiet()) {
        printf("Result: %llu\n", (unsigned long long)result);
        fflush(stdout);
    }
    return result;
}

/* Parses the command line and checks the worker counts: true to go on, else false with the exit
 * status in *status.  Every rank parses the same argv and so reaches the same verdict; only rank 0
 * speaks. */
bool start_program(int argc, char **argv, enum workload workload, struct options *o, int *status)
{
    char error[512];
    *status = parse_options(argc, argv, workload, o, error, sizeof error);
    bool speaker = team_rank() == 0;
    if (*status == 0 && !o->help && !o->version) {
        if (o->expect_threads && o->expect_threads != (uint64_t)threads_count()) {
            snprintf(error, sizeof error,
                     "--expect-threads: asked for %llu threads, got %d (check OMP_NUM_THREADS)",
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
    if (*status == 0 && o->cold_cache && !o->help && !o->version &&
        team_agree(cold_cache_allocate() ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        snprintf(error, sizeof error, "--cold-cache: cannot allocate the %.0f MB that evict "
                 "the caches", (double)cold_cache_bytes() / 1e6);
        *status = EXIT_BAD_INPUT;
    }
    if (*status != 0) {
        cold_cache_free();
        if (speaker)
            fprintf(stderr, "%s: %s\n", o->program, error);
        return false;
    }
    if (o->help || o->version) {
        if (speaker && o->help)
            print_usage(stdout, o->program, workload);
        if (speaker && o->version)
            printf("%s (parlab) %s\n", o->program, PARLAB_VERSION);
        return false;
    }
    set_quiet(o->json);
    return true;
}

int stop_program(struct options *o, int status)
{
    cold_cache_free();
    free_options(o);
    return team_finish(status);
}

/* Memory for large arrays, on 2 MiB boundaries and marked for transparent huge pages where the
 * kernel offers them: the first touch of 80 MB then costs 40 faults instead of 20,000, which is
 * most of a small run's start-up.  Freed with free(). */
void *allocate_pages(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *data = NULL;
    if (posix_memalign(&data, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= huge)
        madvise(data, bytes - bytes % huge, MADV_HUGEPAGE); /* only advice: fine if refused */
#endif
    return data;
}

/* Allocates this worker's share; refuses (on every rank alike) what the host's memory cannot hold. */
void *allocate_share(const struct options *o, size_t item_size, uint64_t count, int *status)
{
    double bytes = (double)count * (double)item_size;
    double host_bytes = bytes * team_ranks_on_this_host();
    double memory = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    void *data = NULL;
    *status = EXIT_OK;
    if (host_bytes > 0.9 * memory)
        *status = EXIT_BAD_INPUT;
    else if (count > 0 && (data = allocate_pages((size_t)count * item_size)) == NULL)
        *status = EXIT_BAD_INPUT;
    *status = team_agree(*status);
    if (*status != EXIT_OK && team_rank() == 0)
        fprintf(stderr, "%s: -n: %llu needs %.1f GB of memory on this host, which has %.1f GB\n",
                o->program, (unsigned long long)o->n, host_bytes / 1e9, memory / 1e9);
    if (*status != EXIT_OK) {
        free(data);
        data = NULL;
    }
    return data;
}

/* What one run computes; `run` is 0 for the warm-up, then 1..repeat. */
struct workload_run {
    void (*once)(struct workload_run *self, uint64_t run);
    struct run_report *report;
    const void *kernel;
    uint64_t *values, *squares, count;
};

/* One untimed warm-up, then `repeat` timed runs, each started together after a barrier and
 * lasting until the slowest rank is done (the max over ranks). */
static void timed_runs(struct workload_run *work, double *times)
{
    for (uint64_t run = 0; run <= work->report->options->repeat; run++) {
        prepare_run(work->report->options);
        team_barrier();
        double started = now_seconds();
        work->once(work, run);
        double elapsed = now_seconds() - started;
        if (run > 0)
            times[run - 1] = team_max(elapsed);
    }
}

/* Only rank 0 holds the reduced result; the report keeps the first wrong one, if any. */
static void check(struct run_report *report, u128 result)
{
    if (team_rank() == 0 && report->verified) {
        report->result = result;
        report->verified = result == report->expected;
    }
}

static void sum_once(struct workload_run *work, uint64_t run)
{
    (void)run;
    const struct sum_kernel *kernel = work->kernel;
    for (uint64_t task = 0; task < work->report->options->tasks; task++)
        check(work->report, kernel->sum_task(work->values, work->count));
}

static void square_array_once(struct workload_run *work, uint64_t run)
{
    (void)run;
    const struct square_kernel *kernel = work->kernel;
    check(work->report, kernel->square_all(work->values, work->squares, work->count));
}

static void square_numbers_once(struct workload_run *work, uint64_t run)
{
    const struct square_kernel *kernel = work->kernel;
    const struct options *o = work->report->options;
    set_quiet(o->json || run != 1); /* the seed's lines: first timed run only */
    u128 checksum = kernel->square_numbers(o->numbers, o->number_count, o->delay);
    if (!is_quiet() && team_rank() == 0) {
        printf("Finished all tasks!\n");
        fflush(stdout);
    }
    check(work->report, checksum);
}

static int run_and_finish(struct workload_run *work)
{
    struct run_report *report = work->report;
    struct options *o = (struct options *)report->options;
    double *times = calloc(o->repeat, sizeof *times);
    if (team_rank() == 0)
        print_start(o, report->mode);
    timed_runs(work, times);
    int status = EXIT_OK;
    if (team_rank() == 0) {
        report->time = summarize_times(times, o->repeat);
        print_report(report);
        status = report->verified ? EXIT_OK : EXIT_WRONG_RESULT;
    }
    free(times);
    free(work->values);
    return stop_program(o, team_agree(status));
}

int parlab_sum_main(int argc, char **argv, const struct sum_kernel *kernel)
{
    team_start(&argc, &argv);
    struct options o;
    int status;
    if (!start_program(argc, argv, WORKLOAD_SUM, &o, &status))
        return stop_program(&o, status);
    uint64_t first, count;
    block_share(o.n, team_rank(), team_size(), &first, &count);
    uint64_t *values = allocate_share(&o, sizeof(uint64_t), count, &status);
    if (status != EXIT_OK)
        return stop_program(&o, status);
    kernel->fill(values, count, first);

    struct run_report report = {.options = &o, .mode = "array", .verified = true,
                                .expected = sum_closed_form(o.n),
                                .bytes_per_run = (double)o.n * sizeof(uint64_t) * (double)o.tasks};
    struct workload_run work = {.once = sum_once, .report = &report, .kernel = kernel,
                                .values = values, .count = count};
    return run_and_finish(&work);
}

int parlab_square_main(int argc, char **argv, const struct square_kernel *kernel)
{
    team_start(&argc, &argv);
    struct options o;
    int status;
    if (!start_program(argc, argv, WORKLOAD_SQUARE, &o, &status))
        return stop_program(&o, status);
    struct run_report report = {.options = &o, .verified = true};
    struct workload_run work = {.report = &report, .kernel = kernel};
    if (!o.array_mode) {
        report.mode = "numbers";
        report.expected = squares_of(o.numbers, o.number_count);
        work.once = square_numbers_once;
        return run_and_finish(&work);
    }

    uint64_t first, count;
    block_share(o.n, team_rank(), team_size(), &first, &count);
    uint64_t *values = allocate_share(&o, 2 * sizeof(uint64_t), count, &status);
    if (status != EXIT_OK)
        return stop_program(&o, status);
    uint64_t *squares = values + count;
    kernel->fill(values, count, first + 1); /* the values 1..n */
    kernel->fill(squares, count, 0);        /* first touch by the worker that will write here */

    report.mode = "array";
    report.expected = squares_closed_form(o.n);
    report.bytes_per_run = 2.0 * (double)o.n * sizeof(uint64_t); /* read values, write squares */
    work.once = square_array_once;
    work.values = values;
    work.squares = squares;
    work.count = count;
    return run_and_finish(&work);
}
