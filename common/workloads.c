/* workloads.c: the registry, one row per workload, and how each one runs.
 *
 * Why one place: a workload is more than its kernel.  It has limits that keep its exact result
 * inside an integer type, a closed form to check against, options of its own, a help text and a
 * start line, and a plan: what to allocate, what to time, what to check.  Everything that spells
 * out a workload's name is here (and in the harness's registry, harness/pharness/registry.py); the
 * parser, the timed loop and the report read the rows.  CONTRIBUTING.md says how to add a row.
 *
 * Each section below is one workload: its closed form, its plan (run), and its row. */
#include <stdlib.h>
#include <string.h>

#include "fsum_internal.h"
#include "internal.h"
#include "parlab_fsum.h"

/* ---- shared by the exact workloads ---- */

/* A run of one exact workload: its kernel and data, and the report it fills in. */
struct exact_run {
    const struct parlab_kernel *kernel;
    struct run_report *report;
    const struct options *options;
    uint64_t *values, *squares, count, first;
    u128 expected;
};

static struct run_report exact_report(const struct options *o, const char *mode, u128 expected)
{
    struct run_report r = {.options = o, .mode = mode, .n = o->n, .tasks = o->tasks,
                           .verified = true, .formula = o->workload->formula};
    u128_to_decimal(expected, r.expected);
    u128_to_decimal(expected, r.result);
    return r;
}

/* ---- sum: --tasks tasks, each summing the n values 0..n-1 held in memory ---- */

static u128 sum_expected(const struct options *o) { return sum_closed_form(o->n); }

static void describe_sum(const struct options *o, FILE *out)
{
    fprintf(out, "%llu task%s summing 0..%llu", (unsigned long long)o->tasks,
            o->tasks == 1 ? "" : "s, each", (unsigned long long)(o->n - 1));
}

static bool sum_kernel(const struct parlab_kernel *k, const char **missing)
{
    *missing = !k->fill ? "fill" : !k->sum_task ? "sum_task" : NULL;
    return *missing == NULL;
}

static void sum_once(void *context, uint64_t run)
{
    struct exact_run *s = context;
    (void)run;
    for (uint64_t task = 0; task < s->options->tasks; task++)
        check_exact(s->report, s->kernel->sum_task(s->values, s->count), s->expected);
}

static int sum_run(struct program *p)
{
    const struct options *o = p->options;
    struct exact_run s = {.kernel = p->kernel, .options = o, .expected = sum_expected(o)};
    block_share(o->n, team_rank(), team_size(), &s.first, &s.count);
    int status;
    if ((s.values = allocate_share(o, sizeof(uint64_t), s.count, &status)) == NULL)
        return status;
    p->kernel->fill(s.values, s.count, s.first);
    struct run_report report = exact_report(o, "array", s.expected);
    report.per_task = true;
    report.bytes_per_run = o->workload->bytes_per_value * (double)o->n * (double)o->tasks;
    s.report = &report;
    print_start(o);
    report.time = timed_runs(o, sum_once, &s);
    free(s.values);
    return finish_report(&report);
}

static const struct workload sum = {
    .name = "sum",
    .about = "Runs T tasks, each summing the N integers 0..N-1 held in memory, split across\n"
             "the program's workers, and checks every task against N(N-1)/2.",
    .takes = TAKES_TASKS | TAKES_COLD_CACHE,
    .help = {{"-n", "values per task"}},
    .n_default = 10000000,
    .n_max = UINT64_C(6074001000), /* the largest n whose n(n-1)/2 fits in uint64_t */
    .bytes_per_value = sizeof(uint64_t),
    .formula = "n(n-1)/2",
    .closed_form = sum_expected,
    .describe = describe_sum,
    .has_kernel = sum_kernel,
    .run = sum_run,
};

/* ---- square: the seed's calculate_square (numbers mode), or squares 1..n (array mode) ---- */

static u128 square_expected(const struct options *o)
{
    return option_given(o, "-n") ? squares_closed_form(o->n) : squares_of(o->numbers, o->number_count);
}

static void describe_square(const struct options *o, FILE *out)
{
    if (option_given(o, "-n")) {
        fprintf(out, "squaring 1..%llu into an array", (unsigned long long)o->n);
        return;
    }
    /* The seed's waits add up: say how long the whole run will take before it starts. */
    uint64_t workers = (uint64_t)team_size() * (uint64_t)threads_count();
    double per_run = o->delay * (double)((o->number_count + workers - 1) / workers);
    fprintf(out, "squaring %zu number%s, %g s of simulated work each; about %.3g s in all "
            "(1 untimed warm-up and %llu timed run%s of about %.3g s)", o->number_count,
            o->number_count == 1 ? "" : "s", o->delay, per_run * (double)(o->repeat + 1),
            (unsigned long long)o->repeat, o->repeat == 1 ? "" : "s", per_run);
}

static int check_square_options(struct options *o, char *error, size_t size)
{
    const char *why = NULL;
    if (option_given(o, "-n") && o->number_count > 0)
        why = "-n: squares 1..N, so it cannot be combined with NUMBERS";
    else if (option_given(o, "-n") && option_given(o, "--delay"))
        why = "--delay: has no effect with -n (array mode); drop one of them";
    else if (option_given(o, "-n") && option_given(o, "--tasks"))
        why = "--tasks: has no effect with -n (array mode); drop one of them";
    else if (!option_given(o, "-n") && o->cold_cache)
        why = "--cold-cache: only with -n (array mode): numbers mode keeps no array";
    else if (o->number_count > 0 && option_given(o, "--tasks"))
        why = "--tasks: squares 1..T, so it cannot be combined with NUMBERS";
    if (why) {
        snprintf(error, size, "%s", why);
        return EXIT_BAD_INPUT;
    }
    if (!option_given(o, "-n") && o->number_count == 0) { /* the seed's numbers = [1, 2, 3, 4], or 1..T */
        uint64_t *numbers = realloc(o->numbers, (size_t)o->tasks * sizeof *numbers);
        if (numbers == NULL) {
            snprintf(error, size, "--tasks: out of memory for %llu numbers",
                     (unsigned long long)o->tasks);
            return EXIT_BAD_INPUT;
        }
        o->numbers = numbers;
        for (uint64_t k = 1; k <= o->tasks; k++)
            o->numbers[o->number_count++] = k;
    }
    return 0;
}

static bool square_kernel(const struct parlab_kernel *k, const char **missing)
{
    *missing = !k->fill ? "fill" : !k->square_all ? "square_all"
               : !k->square_numbers ? "square_numbers" : NULL;
    return *missing == NULL;
}

static void square_array_once(void *context, uint64_t run)
{
    struct exact_run *s = context;
    (void)run;
    check_exact(s->report, s->kernel->square_all(s->values, s->squares, s->count), s->expected);
}

static void square_numbers_once(void *context, uint64_t run)
{
    struct exact_run *s = context;
    const struct options *o = s->options;
    set_quiet(o->json || run != 1); /* the seed's lines: first timed run only */
    u128 checksum = s->kernel->square_numbers(o->numbers, o->number_count, o->delay);
    if (!is_quiet() && team_rank() == 0) {
        printf("Finished all tasks!\n");
        fflush(stdout);
    }
    check_exact(s->report, checksum, s->expected);
}

static int square_run(struct program *p)
{
    const struct options *o = p->options;
    struct exact_run s = {.kernel = p->kernel, .options = o, .expected = square_expected(o)};
    struct run_report report = exact_report(o, option_given(o, "-n") ? "array" : "numbers", s.expected);
    report.result_label = "Checksum (sum of the squares)";
    s.report = &report;
    void (*once)(void *, uint64_t) = square_numbers_once;
    if (option_given(o, "-n")) {
        block_share(o->n, team_rank(), team_size(), &s.first, &s.count);
        int status;
        if ((s.values = allocate_share(o, 2 * sizeof(uint64_t), s.count, &status)) == NULL)
            return status;
        s.squares = s.values + s.count;
        p->kernel->fill(s.values, s.count, s.first + 1); /* the values 1..n */
        p->kernel->fill(s.squares, s.count, 0); /* first touch by the worker that writes here */
        report.tasks = 1;
        report.bytes_per_run = o->workload->bytes_per_value * (double)o->n;
        once = square_array_once;
    } else {
        report.n = report.tasks = o->number_count;
        report.formula = "the sum of the squares";
        report.waiting = true; /* calculate_square sleeps: more workers than cores still help */
        if (team_size() > 1)
            report.note = "mpirun forwards each rank's lines as they come, not in time order: "
                          "'Finished all tasks!' can appear before another rank's 'Result:'";
    }
    print_start(o);
    report.time = timed_runs(o, once, &s);
    free(s.values);
    return finish_report(&report);
}

static const struct workload square = {
    .name = "square",
    .about = "Squares each number on its own worker after a simulated delay, like the seed\n"
             "(default numbers 1 2 3 4, or 1..T); or with -n squares 1..N into an array and\n"
             "checks the sum of the squares against N(N+1)(2N+1)/6.",
    .takes = TAKES_TASKS | TAKES_NUMBERS | TAKES_COLD_CACHE,
    .help = {{"-n", "array mode: square 1..N"},
             {"--tasks", "square 1..T when no NUMBERS are given"}},
    .n_default = 0, /* no default: without -n, square runs the seed's numbers */
    .n_max = UINT64_C(4294967295), /* the largest value whose square fits in uint64_t */
    .bytes_per_value = 2 * sizeof(uint64_t), /* read the value, write its square */
    .formula = "n(n+1)(2n+1)/6",
    .closed_form = square_expected,
    .check_options = check_square_options,
    .describe = describe_square,
    .has_kernel = square_kernel,
    .run = square_run,
};

/* ---- fsum: the floating-point sum, bit-identical at every worker count (fsum_run.c) ---- */

static void describe_fsum(const struct options *o, FILE *out)
{
    fprintf(out, "summing %llu doubles (%s data), %s", (unsigned long long)o->n,
            option_choice(o, "--data"),
            option_switch(o, "--naive") ? "naive: plain reductions"
                                        : "reproducible: fixed blocks, fixed order");
}

static bool fsum_kernel(const struct parlab_kernel *k, const char **missing)
{
    *missing = !k->fsum ? "fsum" : !k->fsum_naive ? "fsum_naive" : NULL;
    return *missing == NULL;
}

static const struct workload fsum = {
    .name = "fsum",
    .about = "Sums N doubles generated from their index (both signs, magnitudes 2^-32..2^32),\n"
             "bit-identically at every thread and rank count: fixed blocks of values by global\n"
             "index, each summed with its rounding errors, combined in block order.  Checks\n"
             "the result against the exact sum (integer arithmetic) and an error bound.",
    .takes = TAKES_COLD_CACHE,
    .own = {{.flag = "--naive", .kind = OPTION_SWITCH,
             .help = "plain reduction(+) / MPI_Reduce instead: the last bits change\n"
                     "with the worker count (a demonstration; checked against the\n"
                     "naive error bound)"},
            {.flag = "--data", .arg = "KIND", .kind = OPTION_CHOICE, .words = {"random", "cancel"},
             .help = "random (default), or cancel: pairs that nearly cancel"}},
    .help = {{"-n", "values"}},
    .n_default = 10000000,
    .n_max = UINT64_C(4294967296), /* 32 GiB of doubles; the exact reference would allow 2^74 */
    .bytes_per_value = sizeof(double),
    .formula = "the exact sum",
    .describe = describe_fsum,
    .has_kernel = fsum_kernel,
    .run = fsum_run,
};

/* ---- heavy: the seed's cpu_heavy_task: --tasks tasks, each adding 0..n-1 in registers ---- */

static bool split_data(const struct options *o)
{
    return strcmp(option_choice(o, "--split"), "data") == 0;
}

static void describe_heavy(const struct options *o, FILE *out)
{
    fprintf(out, "%llu task%s adding 0..%llu in registers; %s", (unsigned long long)o->tasks,
            o->tasks == 1 ? "" : "s, each", (unsigned long long)(o->n - 1),
            split_data(o) ? "each task split across all workers (--split data)"
                          : "whole tasks handed to the workers, as Pool.map does");
}

static bool heavy_kernel(const struct parlab_kernel *k, const char **missing)
{
    *missing = !k->whole_tasks ? "whole_tasks" : !k->split_task ? "split_task" : NULL;
    return *missing == NULL;
}

/* Whole tasks: the kernel hands them out; every task's result is checked (rank 0 has them). */
static void heavy_tasks_once(void *context, uint64_t run)
{
    struct exact_run *s = context;
    (void)run;
    memset(s->values, 0, s->options->tasks * sizeof *s->values); /* no result left from before */
    s->kernel->whole_tasks(s->options->n, s->options->tasks, s->values);
    for (uint64_t task = 0; task < s->options->tasks; task++)
        check_exact(s->report, s->values[task], s->expected);
}

/* --split data: each task in turn, every worker adding its share of the range. */
static void heavy_data_once(void *context, uint64_t run)
{
    struct exact_run *s = context;
    (void)run;
    for (uint64_t task = 0; task < s->options->tasks; task++)
        check_exact(s->report, s->kernel->split_task(s->first, s->count), s->expected);
}

static void heavy_json(struct json *j, const void *context)
{
    const struct exact_run *s = context;
    json_add_string(j, "split", option_choice(s->options, "--split"));
}

static int heavy_run(struct program *p)
{
    const struct options *o = p->options;
    struct exact_run s = {.kernel = p->kernel, .options = o, .expected = sum_expected(o)};
    block_share(o->n, team_rank(), team_size(), &s.first, &s.count); /* this worker's share */
    s.values = calloc(o->tasks, sizeof *s.values);                    /* the tasks' results */
    if (team_agree(s.values ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: --tasks: no memory for %llu results\n", o->program,
                    (unsigned long long)o->tasks);
        free(s.values);
        return EXIT_BAD_INPUT;
    }
    struct run_report report = exact_report(o, "tasks", s.expected);
    report.per_task = true;
    report.json_fields = heavy_json;
    report.context = &s;
    s.report = &report;
    print_start(o);
    report.time = timed_runs(o, split_data(o) ? heavy_data_once : heavy_tasks_once, &s);
    free(s.values);
    return finish_report(&report);
}

static const struct workload heavy = {
    .name = "heavy",
    .about = "The seed's cpu_heavy_task: T tasks, each adding the integers 0..N-1, made in\n"
             "registers (no array: bound by the cores, not by memory).  Whole tasks are handed\n"
             "to the workers, as Pool.map does; with --split data each task is split across\n"
             "all of them instead.  Checks every task against N(N-1)/2.",
    .takes = TAKES_TASKS,
    .own = {{.flag = "--split", .arg = "HOW", .kind = OPTION_CHOICE, .words = {"tasks", "data"},
             .help = "tasks (default): whole tasks to the workers, like Pool.map;\n"
                     "data: each task's range split across all workers"}},
    .help = {{"-n", "values per task"}},
    .n_default = 10000000,
    .n_max = UINT64_C(6074001000), /* as sum: the largest n whose n(n-1)/2 fits in uint64_t */
    .bytes_per_value = 0,          /* nothing read from memory: bound by the cores */
    .formula = "n(n-1)/2",
    .closed_form = sum_expected,
    .describe = describe_heavy,
    .has_kernel = heavy_kernel,
    .run = heavy_run,
};

/* ---- the registry ---- */
const struct workload *const workloads[] = {&sum, &square, &fsum, &heavy, NULL};

const struct workload *find_workload(const char *name)
{
    for (const struct workload *const *w = workloads; name && *w; w++)
        if (strcmp((*w)->name, name) == 0)
            return *w;
    return NULL;
}
