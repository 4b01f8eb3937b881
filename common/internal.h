/* internal.h: what the shared code tells itself; kernel files never include it.
 *
 * Why: the driver is written once and works for every variant and every workload.  What differs
 * between variants is behind two small link-time interfaces, "team" (one process, or MPI ranks)
 * and "threads" (one, or OpenMP), so no #ifdef MPI / #ifdef _OPENMP appears in the driver.  What
 * differs between workloads is one row each in the registry, common/workloads.c. */
#ifndef PARLAB_INTERNAL_H
#define PARLAB_INTERNAL_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>

#include "parlab.h"

/* Set by meson.build; the fallbacks are for building by hand. */
#ifndef PARLAB_VERSION
#define PARLAB_VERSION "unknown"
#endif
#ifndef PARLAB_CFLAGS
#define PARLAB_CFLAGS "unknown"
#endif

/* Exit statuses shared by every program (and relied on by tests, harness and job scripts). */
enum { EXIT_OK = 0, EXIT_WRONG_RESULT = 1, EXIT_BAD_INPUT = 2, EXIT_OUTPUT_FAILED = 3 };

/* ---- limits every workload shares (each workload's own limit on -n is in its registry row) ---- */
#define MAX_TASKS UINT64_C(1000000)
#define MAX_REPEAT UINT64_C(100000)
#define MAX_EXPECT UINT64_C(1000000)
#define MAX_DELAY_SECONDS 60.0
/* A grid's side: 32768 x 32768 cells keep every rank's count and offset of the gathered field
 * inside MPI's int; heat's -n limit is this too. */
#define MAX_GRID_SIDE UINT64_C(32768)
#define MAX_STEPS UINT64_C(10000000)

/* ---- the options (common/cli.c): one table that the parser, the usage line, --help and
 * --describe all read ---- */
/* What an option's value is: the "kind" of --describe. */
enum option_kind {
    OPTION_WHOLE,   /* an integer in [min, max] */
    OPTION_SECONDS, /* a decimal number of seconds in [min, max] */
    OPTION_SWITCH,  /* no value */
    OPTION_CHOICE,  /* one of words[], the first of which is the default */
    OPTION_NUMBERS, /* the positional whole numbers, each in [min, max] */
    OPTION_DECIMAL, /* a decimal number in [low, high] (not seconds: heat's --r) */
    OPTION_FILE,    /* a file name to write, not empty */
};
/* Options that only some workloads take: a row says which with these bits. */
enum {
    TAKES_TASKS = 1 << 0,      /* --tasks T */
    TAKES_NUMBERS = 1 << 1,    /* NUMBERS... and --delay S */
    TAKES_COLD_CACHE = 1 << 2, /* --cold-cache */
    TAKES_GRID = 1 << 3,       /* --ny, --steps, --r, --picture, --field: a grid workload (heat) */
};
enum { MAX_OWN = 4, MAX_CHOICE_WORDS = 6, MAX_HELP = 4, MAX_OPTIONS = 24, MAX_NEEDS = 4 };
struct option {
    const char *flag;  /* "--tasks"; "NUMBERS" for the positional numbers */
    const char *arg;   /* "T" in "--tasks T"; NULL for a switch and for NUMBERS */
    enum option_kind kind;
    uint64_t min, max; /* whole, seconds, numbers */
    bool row_limit;    /* max is the row's n_max (and the default its n_default) */
    bool has_default;
    uint64_t fallback; /* the default, if has_default (whole, seconds) */
    double low, high, initial; /* decimal: its range, and its default if has_default */
    const char *words[MAX_CHOICE_WORDS]; /* choice: ends at the first NULL */
    unsigned needs;    /* 0 (every workload takes it), or the TAKES_* bit a row needs */
    size_t at;         /* where a shared option's value goes: offsetof(struct options, ...) */
    const char *help;  /* for --help, '\n' where its line breaks; a row may give its own */
};

struct options;
struct run;
struct result;

struct workload {
    const char *name;  /* program names are NAME_VARIANT; the JSON "workload" */
    const char *about; /* what it does, for --help */
    unsigned takes;    /* TAKES_* bits */
    /* Options of its own (a switch like --naive, a choice like --data): their values go to
     * options.own[k], k their place here. */
    struct option own[MAX_OWN];
    /* Its words for shared options: {"-n", "values per task"} (-n has no words of its own). */
    struct { const char *flag, *text; } help[MAX_HELP];
    uint64_t n_default, n_max; /* 0: no default; n_max keeps every exact result in its type */
    double bytes_per_value;    /* memory traffic per value and task; 0 when bound by the cores */
    const char *formula;       /* the closed form, as the check line prints it */
    u128 (*closed_form)(const struct options *o);
    /* Workload-specific rules for the parsed options (NULL: none); returns 0 or EXIT_BAD_INPUT
     * with a one-line message in error. */
    int (*check_options)(struct options *o, char *error, size_t size);
    /* The rest of the start line.  NULL: "4 tasks, each VERB 0..N-1", with its verb. */
    void (*start_line)(const struct options *o, FILE *out);
    const char *verb;
    const char *needs[MAX_NEEDS]; /* the kernel functions it calls: {"fill", "sum_task"} */
    /* Its run, which the driver carries out (driver.c).  By default an array workload: one
     * uint64_t per value of -n, filled by the kernel's fill(), and one run is `once`: a result
     * per task (NULL: each task is the kernel's sum_task() over this worker's values).  A plan
     * (NULL: none) changes what differs; it returns 0, or an exit status after saying why on
     * rank 0. */
    void (*once)(struct run *run, uint64_t number, struct result *results);
    int (*plan)(struct run *run);
    const struct check *check; /* how its results are checked (NULL: exact_check) */
};
extern const struct workload *const workloads[]; /* NULL-terminated */
const struct workload *find_workload(const char *name);

struct options {
    const char *program;
    const struct workload *workload;
    uint64_t n, tasks, repeat;
    uint64_t expect_threads, expect_ranks; /* 0: no check */
    double delay;
    bool json, help, version, describe;
    bool cold_cache;   /* --cold-cache: evict the caches before every run */
    uint64_t *numbers; /* NUMBERS (square's numbers mode) */
    uint64_t ny, steps;      /* a grid's rows (0: as many as -n's columns) and time steps */
    double rate;             /* --r: the diffusion number of one explicit step */
    const char *picture;     /* --picture FILE, or NULL */
    const char *field;       /* --field FILE, or NULL */
    size_t number_count;
    unsigned own[MAX_OWN];   /* the row's own options: a switch's 0 or 1, a choice's word */
    bool given[MAX_OPTIONS]; /* by option_at()'s index: given on the command line */
};
/* The k-th option a program of row w may know, in --help's order (NULL past the last); those
 * the row does not take are included (takes_option() says which). */
const struct option *option_at(const struct workload *w, size_t k);
bool takes_option(const struct workload *w, const struct option *option);
/* Was it given; a row's own switch and choice, by name (it must be one of its row's). */
bool option_given(const struct options *o, const char *flag);
bool option_switch(const struct options *o, const char *flag);
const char *option_choice(const struct options *o, const char *flag);

/* cli.c: returns 0, or EXIT_BAD_INPUT with a one-line message (no newline) in error. */
int parse_options(int argc, char **argv, const struct workload *workload, struct options *options,
                  char *error, size_t error_size);
void free_options(struct options *options);
void print_usage(FILE *out, const char *program, const struct workload *workload);
/* --describe: the one JSON line (with its newline) of what the program accepts. */
void print_description(FILE *out, const char *program, const char *variant,
                       const struct workload *workload);
/* Parses all of text as a whole number in [min, max]; false on anything else. */
bool parse_whole_number(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/* exact.c: closed forms, computed independently of any kernel. */
u128 sum_closed_form(uint64_t n);      /* 0 + 1 + ... + (n-1) */
u128 squares_closed_form(uint64_t n);  /* 1^2 + 2^2 + ... + n^2 */
u128 squares_of(const uint64_t *numbers, size_t count);
/* Writes the decimal digits of value into text (at least 40 bytes); returns text. */
char *u128_to_decimal(u128 value, char *text);
/* The share [first, first + count) of n items that worker `index` of `workers` owns (block split). */
void block_share(uint64_t n, int index, int workers, uint64_t *first, uint64_t *count);

/* clock.c: the one wall clock every variant uses. */
double now_seconds(void);
double clock_resolution_seconds(void);
void sleep_seconds(double seconds);

/* ---- memory.c: this worker's share of the data ---- */
/* This worker's `count` items of item_size bytes (never NULL when it returns EXIT_OK, even for
 * no items), or NULL with *status set, on every rank alike. */
void *allocate_share(const struct options *o, size_t item_size, uint64_t count, int *status);
/* Memory on 2 MiB boundaries, marked for transparent huge pages; freed with free(). */
void *allocate_pages(size_t bytes);

/* ---- driver.c: the run, the same for every workload ----
 * parse -> the row's plan -> allocate and fill this worker's share (untimed) -> the check's
 * expected value (untimed) -> one warm-up and --repeat timed runs, each run's results checked
 * after its clock stops -> the report, and the exit status every rank agrees on. */
struct timing {
    double min, median, max;
    const double *times; /* every timed run, in the order they ran (the JSON "times") */
    size_t count;
};
struct timing summarize_times(const double *times, size_t count);

/* One result of a run: an exact workload's integer, or fsum's double. */
struct result {
    u128 whole;
    double real;
};

/* The report every workload gives (report.c); the plan and the check fill it in. */
struct json;
struct run_report {
    const char *mode;          /* the JSON "mode": "array", "numbers", ... */
    uint64_t n, tasks;         /* the JSON "n" and "tasks" */
    char result[48], expected[48];
    bool verified;
    const char *formula;       /* what expected is: "n(n-1)/2" */
    const char *result_label;  /* "Result" (default) or e.g. "Checksum (sum of the squares)" */
    bool per_task;             /* "Result: X for each of the T tasks" */
    double bytes_per_run;      /* memory traffic of one timed run; 0 if not memory-bound */
    bool waiting;              /* the work only waits (sleeps): it scales past the cores */
    const char *note;          /* one more line after the time, or NULL */
    bool output_failed;        /* a file the run writes (heat's --picture) was not written:
                                  exit 3, after the check said why on stderr */
    struct timing time;
    /* A workload with more to say (fsum, heavy) adds these; NULL for the others. */
    void (*json_fields)(struct json *j, const struct run *run);
    void (*print_lines)(const struct run *run); /* instead of Result/Check */
    void (*print_wrong)(const struct run *run); /* the stderr line */
};

struct run {
    const struct options *options;
    const struct parlab_kernel *kernel;
    /* The data (the plan says what, the driver allocates and fills it, untimed): `total` items
     * of item_size bytes, shared among the ranks in whole grains of `grain` items; this worker
     * holds items first .. first + count - 1 at `values`. */
    uint64_t total, grain;
    size_t item_size;
    void (*fill)(struct run *run);
    void *values;
    uint64_t first, count;
    /* One run: its results[0 .. results_per_run) (on rank 0 they are the ones checked). */
    uint64_t results_per_run;
    void (*once)(struct run *run, uint64_t number, struct result *results);
    /* Every rank, outside the clock (NULL: nothing): before each run's barrier (heat: the
     * initial field again), and after its clock stopped, before rank 0's check (heat: gathers
     * the field and its digest into results on rank 0). */
    void (*before_run)(struct run *run);
    void (*after_run)(struct run *run, uint64_t number, struct result *results);
    void *state;                /* the row's own (fsum: its share of blocks), or NULL */
    void (*release)(struct run *run); /* frees state */
    u128 expected;              /* an exact workload's closed form */
    struct run_report report;
};

/* How a row's results are checked, on rank 0, never inside the clock. */
struct check {
    void (*prepare)(struct run *run); /* before the runs: what to expect */
    /* After run `number`'s clock stopped (0 is the warm-up): keeps the first wrong result. */
    void (*verify)(struct run *run, uint64_t number, const struct result *results);
    void (*finish)(struct run *run);  /* after the last run: the report's result and verdict */
};
extern const struct check exact_check;

/* heat_run.c: heat's plan, check and start line (its row in workloads.c points here). */
int heat_plan(struct run *run);
extern const struct check heat_check;
void heat_start_line(const struct options *o, FILE *out);

/* cold_cache.c: --cold-cache.  prepare_run() goes before every run, warm-up included. */
bool cold_cache_allocate(void);     /* false if this process could not get its buffer */
size_t cold_cache_bytes(void);
void prepare_run(const struct options *o);
void cold_cache_free(void);

/* ---- report.c: the one report every workload gives ---- */
/* The JSON line: a tiny writer that grows as needed and always gives a well-formed line. */
struct json {
    char *text;
    size_t length, capacity;
    bool failed; /* out of memory: the line is incomplete and must not be printed */
};
void json_add(struct json *j, const char *format, ...) __attribute__((format(printf, 2, 3)));
void json_add_string(struct json *j, const char *key, const char *value);

/* The start line, before the warm-up (rank 0). */
void print_start(const struct options *o);
/* Prints the report on rank 0, checks that stdout took it, and returns the exit status every rank
 * agrees on. */
int finish_report(const struct run *run);
const char *variant_name(void);  /* "serial", "openmp", "mpi" or "hybrid" */
const char *variant_label(void); /* "Sequential", "OpenMP", "MPI" or "Hybrid MPI+OpenMP" */
bool oversubscribed(void);       /* more ranks x threads on some host than its usable cores */
void set_quiet(bool quiet);      /* silences calculate_square's lines (warm-up, --json) */
bool is_quiet(void);

/* ---- team_single.c or team_mpi.c ---- */
void team_start(int *argc, char ***argv);
int team_finish(int status);          /* returns status, for `return team_finish(...)` */
int team_rank(void);
int team_size(void);
void team_barrier(void);
double team_max(double value);        /* max over ranks, on every rank */
/* Every rank's `count` doubles, one after the other in rank order, into all[] on rank 0 (all may
 * be NULL elsewhere).  counts[] (on rank 0: one per rank) receives each rank's count. */
void team_gather_doubles(const double *mine, uint64_t count, double *all, uint64_t *counts);
int team_agree(int status);           /* max over ranks, on every rank */
int team_ranks_on_this_host(void);
int team_cores_on_this_host(void);    /* CPUs usable by this host's ranks together */
/* Every host of the run, with its ranks and the CPUs they may use together: on rank 0 (the
 * other ranks get 0 hosts).  A run across nodes is judged per host, not by rank 0's alone. */
struct host {
    char name[64];
    int ranks, cpus;
};
int team_hosts(const struct host **hosts);
const char *team_variant(void);       /* NULL for one process, "mpi" for MPI */
const char *team_library(void);       /* MPI library version, or NULL */
/* The thread support MPI_Init_thread asked for and got ("funneled", ...), or NULL. */
const char *team_thread_asked(void);
const char *team_thread_provided(void);

/* ---- threads_single.c or threads_openmp.c ---- */
int threads_count(void);              /* threads that really run a parallel region */
const char *threads_variant(void);    /* NULL for one thread, "openmp" for OpenMP */
const char *threads_flags(void);      /* compiler flags the threading needs, e.g. "-fopenmp" */
/* The CPUs this process may run on.  Not simply sched_getaffinity(): with OMP_PROC_BIND set, the
 * OpenMP runtime has already pinned the main thread to one CPU before main() starts. */
void threads_usable_cpus(cpu_set_t *cpus);
/* Reads one byte of every 64-byte line of bytes[0..size), the lines shared out among the threads;
 * returns their sum (so that the reads cannot be left out). */
uint64_t threads_read_every_line(const unsigned char *bytes, size_t size);

#endif
