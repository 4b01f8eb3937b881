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

/* ---- the options (common/cli.c): one table that the parser, the usage line, --help and
 * --describe all read ---- */
/* What an option's value is: the "kind" of --describe. */
enum option_kind {
    OPTION_WHOLE,   /* an integer in [min, max] */
    OPTION_SECONDS, /* a decimal number of seconds in [min, max] */
    OPTION_SWITCH,  /* no value */
    OPTION_CHOICE,  /* one of words[], the first of which is the default */
    OPTION_NUMBERS, /* the positional whole numbers, each in [min, max] */
};
/* Options that only some workloads take: a row says which with these bits. */
enum {
    TAKES_TASKS = 1 << 0,      /* --tasks T */
    TAKES_NUMBERS = 1 << 1,    /* NUMBERS... and --delay S */
    TAKES_COLD_CACHE = 1 << 2, /* --cold-cache */
};
enum { MAX_OWN = 4, MAX_CHOICE_WORDS = 6, MAX_HELP = 4, MAX_OPTIONS = 24 };
struct option {
    const char *flag;  /* "--tasks"; "NUMBERS" for the positional numbers */
    const char *arg;   /* "T" in "--tasks T"; NULL for a switch and for NUMBERS */
    enum option_kind kind;
    uint64_t min, max; /* whole, seconds, numbers */
    bool row_limit;    /* max is the row's n_max (and the default its n_default) */
    bool has_default;
    uint64_t fallback; /* the default, if has_default (whole, seconds) */
    const char *words[MAX_CHOICE_WORDS]; /* choice: ends at the first NULL */
    unsigned needs;    /* 0 (every workload takes it), or the TAKES_* bit a row needs */
    size_t at;         /* where a shared option's value goes: offsetof(struct options, ...) */
    const char *help;  /* for --help, '\n' where its line breaks; a row may give its own */
};

struct options;
struct program;

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
    /* The rest of the start line: "4 tasks, each summing 0..9999999". */
    void (*describe)(const struct options *o, FILE *out);
    /* Which kernel functions it needs: false names a missing one in *missing. */
    bool (*has_kernel)(const struct parlab_kernel *kernel, const char **missing);
    /* Sets up the data, hands the runs to the timed loop, checks and reports: the exit status. */
    int (*run)(struct program *program);
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

/* ---- driver.c: what every workload's run() is built from ---- */
struct program {
    const struct options *options;
    const struct parlab_kernel *kernel;
};
/* This worker's `count` items of item_size bytes (never NULL when it returns EXIT_OK, even for
 * no items), or NULL with *status set, on every rank alike. */
void *allocate_share(const struct options *o, size_t item_size, uint64_t count, int *status);
/* Memory on 2 MiB boundaries, marked for transparent huge pages; freed with free(). */
void *allocate_pages(size_t bytes);

struct timing {
    double min, median, max;
};
/* One untimed warm-up (run 0), then o->repeat timed runs (1..repeat), each started together after
 * a barrier and lasting until the slowest rank is done.  Returns min, median and max on rank 0. */
struct timing timed_runs(const struct options *o, void (*once)(void *context, uint64_t run),
                         void *context);
struct timing summarize_times(const double *times, size_t count);

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

struct run_report {
    const struct options *options;
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
    struct timing time;
    /* A workload with more to say (fsum) adds these; NULL for the others. */
    void (*json_fields)(struct json *j, const void *context);
    void (*print_lines)(const struct run_report *r, const void *context); /* instead of Result/Check */
    void (*print_wrong)(const struct run_report *r, const void *context); /* the stderr line */
    const void *context;
};
/* For the exact workloads: keeps the first wrong result, or the result (rank 0 only). */
void check_exact(struct run_report *r, u128 result, u128 expected);
/* The start line, before the warm-up (rank 0). */
void print_start(const struct options *o);
/* Prints the report on rank 0, checks that stdout took it, and returns the exit status every rank
 * agrees on. */
int finish_report(struct run_report *r);
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
