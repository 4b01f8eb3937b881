/* driver.c: the one main program behind every parlab executable.
 *
 * Why: warm-up, repetitions, the barrier before each timed run, the max over ranks, the self-check
 * and the agreement on an exit status are easy to get subtly different in many copies.  Here they
 * are written once; a kernel file hands over only its functions, and its workload's row in
 * workloads.c says what its data is and what one run does.  The row never calls back here.
 *
 * Order of a run, on every rank:
 *   parse -> check the worker counts asked for -> the row's plan -> allocate and fill this
 *   worker's share (untimed) -> rank 0: what the check expects (untimed) -> one untimed warm-up,
 *   then --repeat timed runs: [--cold-cache: evict the caches, untimed], [the row's before_run,
 *   untimed], barrier, start clock, one run (incl. the final reduction), stop clock, take the max
 *   over ranks; then, outside the clock, [the row's after_run on every rank], and rank 0's check
 *   of that run's results -> the report: every rank exits with rank 0's
 *   verdict. */
#include <stdlib.h>
#include <string.h>

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

/* The array workloads' data: the values first .. first + count - 1 (kernel->fill). */
static void fill_values(struct run *r) { r->kernel->fill(r->values, r->count, r->first); }

/* An array workload's run: every task reduces this worker's values to one (rank 0: all's). */
static void task_once(struct run *r, uint64_t number, struct result *results)
{
    (void)number;
    for (uint64_t task = 0; task < r->options->tasks; task++)
        results[task].whole = r->kernel->sum_task(r->values, r->count);
}

/* Does the kernel have the function of that name (struct parlab_kernel, parlab.h)? */
static bool kernel_has(const struct parlab_kernel *k, const char *name)
{
    const struct {
        const char *name;
        bool present;
    } functions[] = {
        {"fill", k->fill != NULL},
        {"sum_task", k->sum_task != NULL},
        {"square_all", k->square_all != NULL},
        {"square_numbers", k->square_numbers != NULL},
        {"whole_tasks", k->whole_tasks != NULL},
        {"split_task", k->split_task != NULL},
        {"fsum", k->fsum != NULL},
        {"fsum_naive", k->fsum_naive != NULL},
        {"heat_split", k->heat_split != NULL},
        {"heat_steps", k->heat_steps != NULL},
    };
    for (size_t f = 0; f < sizeof functions / sizeof functions[0]; f++)
        if (strcmp(functions[f].name, name) == 0)
            return functions[f].present;
    return false;
}

/* What the row's plan starts from: an array workload with one uint64_t per value of -n, filled
 * by the kernel's fill(), and one result per task, each checked against the closed form. */
static struct run planned(const struct options *o, const struct parlab_kernel *kernel)
{
    const struct workload *w = o->workload;
    return (struct run){
        .options = o, .kernel = kernel, .total = o->n, .grain = 1, .item_size = sizeof(uint64_t),
        .fill = fill_values, .results_per_run = o->tasks, .once = w->once ? w->once : task_once,
        .report = {.mode = "array", .n = o->n, .tasks = o->tasks, .per_task = true,
                   .verified = true, .formula = w->formula},
    };
}

/* This worker's share of the data, in whole grains of items, allocated and filled (untimed). */
static int share_data(struct run *r)
{
    uint64_t grains = (r->total + r->grain - 1) / r->grain, first_grain, grain_count;
    block_share(grains, team_rank(), team_size(), &first_grain, &grain_count);
    r->first = first_grain * r->grain;
    r->count = grain_count == 0 ? 0 : r->first + grain_count * r->grain < r->total
                                          ? grain_count * r->grain : r->total - r->first;
    if (r->item_size == 0) /* no data in memory: the share of the range is all it needs */
        return EXIT_OK;
    int status;
    if ((r->values = allocate_share(r->options, r->item_size, r->count, &status)) != NULL)
        r->fill(r);
    return status;
}

static int run_workload(struct run *r)
{
    const struct options *o = r->options;
    const struct workload *w = o->workload;
    const struct check *check = w->check ? w->check : &exact_check;
    *r = planned(o, r->kernel);
    int status = w->plan ? w->plan(r) : EXIT_OK;
    if (status == EXIT_OK)
        status = share_data(r);
    if (r->report.bytes_per_run == 0) /* unless the plan said (heat: per cell and step) */
        r->report.bytes_per_run = r->item_size ? w->bytes_per_value * (double)r->report.n *
                                                     (double)r->report.tasks : 0;
    struct result *results = NULL;
    double *times = NULL;
    if (status == EXIT_OK) {
        results = calloc(r->results_per_run ? r->results_per_run : 1, sizeof *results);
        times = calloc(o->repeat, sizeof *times);
        if (team_agree(results && times ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
            if (team_rank() == 0)
                fprintf(stderr, "%s: --tasks: no memory for %llu results\n", o->program,
                        (unsigned long long)r->results_per_run);
            status = EXIT_BAD_INPUT;
        }
    }
    if (status == EXIT_OK) {
        bool checker = team_rank() == 0; /* only rank 0 holds the reduced results */
        if (checker)
            check->prepare(r);
        print_start(o);
        for (uint64_t number = 0; number <= o->repeat; number++) {
            prepare_run(o);
            if (r->before_run)
                r->before_run(r);
            team_barrier();
            double started = now_seconds();
            r->once(r, number, results);
            double elapsed = team_max(now_seconds() - started);
            if (number > 0)
                times[number - 1] = elapsed;
            if (r->after_run)
                r->after_run(r, number, results);
            if (checker) /* after the clock stopped */
                check->verify(r, number, results);
        }
        r->report.time = summarize_times(times, o->repeat);
        if (checker)
            check->finish(r);
        status = finish_report(r);
    }
    free(times);
    free(results);
    free(r->values);
    if (r->release)
        r->release(r);
    return status;
}

int parlab_main(int argc, char **argv, const struct parlab_kernel *kernel)
{
    team_start(&argc, &argv);
    const struct workload *w = find_workload(kernel->workload);
    const char *missing = w ? NULL : "a workload row";
    for (int k = 0; w && k < MAX_NEEDS && w->needs[k] && !missing; k++)
        missing = kernel_has(kernel, w->needs[k]) ? NULL : w->needs[k];
    if (missing) {
        /* A kernel file and its row disagree: a mistake in the program, not in the input. */
        if (team_rank() == 0)
            fprintf(stderr, "parlab: the kernel of workload '%s' lacks %s (see common/workloads.c)\n",
                    kernel->workload ? kernel->workload : "(none)", missing);
        return team_finish(EXIT_BAD_INPUT);
    }
    struct options o;
    int status;
    if (start_program(argc, argv, w, &o, &status))
        status = run_workload(&(struct run){.options = &o, .kernel = kernel});
    cold_cache_free();
    free_options(&o);
    return team_finish(status);
}

