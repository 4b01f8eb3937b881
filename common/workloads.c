/* workloads.c: the registry, one row per workload, and how each one runs.
 *
 * Why one place: a workload is more than its kernel.  It has limits that keep its exact result
 * inside an integer type, a closed form to check against, options of its own, a help text and a
 * start line, and a plan: what to allocate, what to time, what to check.  Everything that spells
 * out a workload's name is here (and in the harness's registry, harness/pharness/registry.py); the
 * parser, the timed loop and the report read the rows.  CONTRIBUTING.md says how to add a row.
 *
 * Each section below is one workload: its closed form, what one run does, and its row.  The
 * driver (driver.c) does the rest: it allocates and fills the data, times the runs, has the row's
 * check verify every run's results after the clock stopped, and reports. */
#include <stdlib.h>
#include <string.h>

#include "fsum_internal.h"
#include "internal.h"

/* ---- sum: --tasks tasks, each summing the n values 0..n-1 held in memory ---- */

static u128 sum_expected(const struct options *o) { return sum_closed_form(o->n); }

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
    .verb = "summing",
    .needs = {"fill", "sum_task"},
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


static void square_array_once(struct run *r, uint64_t number, struct result *results)
{
    (void)number;
    uint64_t *values = r->values;
    results[0].whole = r->kernel->square_all(values, values + r->count, r->count);
}

/* The values 1..n, and the squares' half written first by the worker that writes it later. */
static void square_fill(struct run *r)
{
    uint64_t *values = r->values;
    r->kernel->fill(values, r->count, r->first + 1);
    r->kernel->fill(values + r->count, r->count, 0);
}

static void square_numbers_once(struct run *r, uint64_t number, struct result *results)
{
    const struct options *o = r->options;
    set_quiet(o->json || number != 1); /* the seed's lines: first timed run only */
    results[0].whole = r->kernel->square_numbers(o->numbers, o->number_count, o->delay);
    if (!is_quiet() && team_rank() == 0) {
        printf("Finished all tasks!\n");
        fflush(stdout);
    }
}

static int square_plan(struct run *r)
{
    const struct options *o = r->options;
    r->results_per_run = 1;
    r->report.per_task = false;
    r->report.result_label = "Checksum (sum of the squares)";
    if (option_given(o, "-n")) {
        r->item_size = 2 * sizeof(uint64_t); /* the value and its square */
        r->fill = square_fill;
        r->once = square_array_once;
        r->report.tasks = 1;
        return 0;
    }
    r->item_size = 0; /* numbers mode keeps no array */
    r->once = square_numbers_once;
    r->report.mode = "numbers";
    r->report.n = r->report.tasks = o->number_count;
    r->report.formula = "the sum of the squares";
    r->report.waiting = true; /* calculate_square sleeps: more workers than cores still help */
    if (team_size() > 1)
        r->report.note = "mpirun forwards each rank's lines as they come, not in time order: "
                         "'Finished all tasks!' can appear before another rank's 'Result:'";
    return 0;
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
    .start_line = describe_square,
    .needs = {"fill", "square_all", "square_numbers"},
    .plan = square_plan,
};

/* ---- fsum: the floating-point sum, bit-identical at every worker count (fsum_run.c) ---- */

static void describe_fsum(const struct options *o, FILE *out)
{
    fprintf(out, "summing %llu doubles (%s data), %s", (unsigned long long)o->n,
            option_choice(o, "--data"),
            option_switch(o, "--naive") ? "naive: plain reductions"
                                        : "reproducible: fixed blocks, fixed order");
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
    .start_line = describe_fsum,
    .needs = {"fsum", "fsum_naive"},
    .plan = fsum_plan,
    .check = &fsum_check,
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


/* Whole tasks: the kernel hands them out, and puts their results (on rank 0) in its state. */
static void heavy_tasks_once(struct run *r, uint64_t number, struct result *results)
{
    (void)number;
    uint64_t *task_results = r->state;
    memset(task_results, 0, r->options->tasks * sizeof *task_results); /* none left from before */
    r->kernel->whole_tasks(r->options->n, r->options->tasks, task_results);
    for (uint64_t task = 0; task < r->options->tasks; task++)
        results[task].whole = task_results[task];
}

/* --split data: each task in turn, every worker adding its share of the range. */
static void heavy_data_once(struct run *r, uint64_t number, struct result *results)
{
    (void)number;
    for (uint64_t task = 0; task < r->options->tasks; task++)
        results[task].whole = r->kernel->split_task(r->first, r->count);
}

static void heavy_json(struct json *j, const struct run *r)
{
    json_add_string(j, "split", option_choice(r->options, "--split"));
}

static void heavy_release(struct run *r) { free(r->state); }

static int heavy_plan(struct run *r)
{
    const struct options *o = r->options;
    r->item_size = 0; /* the values are made in registers: only this worker's range */
    r->state = calloc(o->tasks, sizeof(uint64_t)); /* the tasks' results */
    r->release = heavy_release;
    if (team_agree(r->state ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: --tasks: no memory for %llu results\n", o->program,
                    (unsigned long long)o->tasks);
        return EXIT_BAD_INPUT;
    }
    r->once = split_data(o) ? heavy_data_once : heavy_tasks_once;
    r->report.mode = "tasks";
    r->report.json_fields = heavy_json;
    return 0;
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
    .start_line = describe_heavy,
    .needs = {"whole_tasks", "split_task"},
    .plan = heavy_plan,
};

/* ---- heat: explicit diffusion on a 2-D grid, bit-identical at every decomposition (heat_run.c) ---- */

static const struct workload heat = {
    .name = "heat",
    .about = "Heat diffusion on a grid of NY x N cells inside a fixed boundary of zeros: --steps\n"
             "explicit steps of the 5-point stencil u += r (uN + uS + uE + uW - 4u), the grid\n"
             "split in blocks among threads and ranks (a 2-D process grid, halo exchange).  The\n"
             "field is the same, bit for bit, at every split (its digest says so), and is\n"
             "checked against the closed form lambda^K u0 within a rounding bound (docs/heat.md).",
    .takes = TAKES_GRID,
    .own = {{.flag = "--overlap", .kind = OPTION_SWITCH,
             .help = "MPI: post the halo messages, update the interior while they\n"
                     "travel, then the edges (the same bits as without)"}},
    .help = {{"-n", "columns of the grid"}},
    .n_default = 512,
    .n_max = MAX_GRID_SIDE, /* MPI_Gatherv counts the gathered field in ints (internal.h) */
    .bytes_per_value = 0,
    .formula = "lambda^K u0",
    .start_line = heat_start_line,
    .needs = {"heat_split", "heat_steps"},
    .plan = heat_plan,
    .check = &heat_check,
};

/* ---- the registry ---- */
const struct workload *const workloads[] = {&sum, &square, &fsum, &heavy, &heat, NULL};

const struct workload *find_workload(const char *name)
{
    for (const struct workload *const *w = workloads; name && *w; w++)
        if (strcmp((*w)->name, name) == 0)
            return *w;
    return NULL;
}
