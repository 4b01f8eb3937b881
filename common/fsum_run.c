/* fsum_run.c: how the floating-point sum runs: fsum's row in workloads.c points here.
 *
 * Why a plan of its own: the integer workloads check one exact integer against a closed form.
 * fsum checks a double against the exact sum (computed in integers, untimed) and an error bound,
 * prints it in hex and decimal, and requires every run of the reproducible method to give the
 * same bits.  Those checks and fields are callbacks on the shared timed loop and the shared
 * report (driver.c, report.c); the loop, the JSON provenance and the exit status are theirs.
 *
 * Order of a run, on every rank:
 *   share the blocks among the ranks (whole blocks each) -> fill this rank's values from their
 *   global indices (untimed) -> rank 0: exact reference and error bound (untimed) -> timed_runs()
 *   -> rank 0 checks every run: within the bound, and (reproducible method) bit-identical. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

struct fsum_run {
    const struct parlab_kernel *kernel;
    const struct options *options;
    struct fsum_share share;
    struct exact_sum *exact;
    bool naive;
    double result, first_result, reference, sum_abs, error, bound;
    bool verified, runs_identical;
};

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* One run, and rank 0's check of it: within the bound, and the same bits as the first run. */
static void fsum_once(void *context, uint64_t run)
{
    struct fsum_run *f = context;
    double result = f->naive ? f->kernel->fsum_naive(f->share.values, f->share.count)
                             : f->kernel->fsum(&f->share);
    if (team_rank() != 0)
        return;
    double error = fsum_distance(f->exact, result);
    if (run == 0) {
        f->first_result = f->result = result; /* reported: the warm-up's, unless one is wrong */
        f->error = error;
    } else if (!same_bits(result, f->first_result)) {
        f->runs_identical = false;
    }
    if (f->verified && (error < 0 || error > f->bound)) {
        f->verified = false;
        f->result = result;
        f->error = error;
    }
}

static void fsum_json(struct json *j, const void *context)
{
    const struct fsum_run *f = context;
    char hex[40];
    snprintf(hex, sizeof hex, "%a", f->result);
    json_add_string(j, "result_hex", hex);
    snprintf(hex, sizeof hex, "%a", f->reference);
    json_add_string(j, "expected_hex", hex);
    json_add_string(j, "method", f->naive ? "naive" : "reproducible");
    json_add_string(j, "fsum_path", fsum_path());
    json_add(j, ",\"reproducible\":%s", f->naive ? "false" : "true");
    json_add_string(j, "data", option_choice(f->options, "--data"));
    json_add(j, ",\"error\":%.17g,\"error_bound\":%.17g,\"sum_abs\":%.17g", f->error, f->bound,
             f->sum_abs);
    json_add(j, ",\"runs_identical\":%s", f->runs_identical ? "true" : "false");
}

static void fsum_lines(const struct run_report *r, const void *context)
{
    const struct fsum_run *f = context;
    bool within = f->error >= 0 && f->error <= f->bound;
    printf("Result: %s (%a)\n", r->result, f->result);
    printf("Check: exact sum %s (%a); |result - exact| = %.3g %s %s error bound %.3g%s: %s "
           "(fsum path %s)\n",
           r->expected, f->reference, f->error, within ? "<=" : ">", f->naive ? "naive" : "reproducible",
           f->bound, within && !f->naive && !f->runs_identical ? ", but the runs differ" : "",
           r->verified ? "verified" : "WRONG", fsum_path());
    if (f->naive)
        printf("Note: --naive is a demonstration: a plain reduction's last bits depend on the "
               "thread/rank count%s\n",
               f->runs_identical ? "" : " (and here even changed between runs)");
}

static void fsum_wrong(const struct run_report *r, const void *context)
{
    const struct fsum_run *f = context;
    fprintf(stderr, "%s: wrong result: got %s (%a), exact sum %s (%a); |difference| %.3g %s\n",
            r->options->program, r->result, f->result, r->expected, f->reference, f->error,
            f->error > f->bound || f->error < 0 ? "exceeds the error bound"
                                                : "is within the bound, but the runs differ");
}

int fsum_run(struct program *p)
{
    const struct options *o = p->options;
    int rank = team_rank(), size = team_size(), status;
    struct fsum_run f = {.kernel = p->kernel, .options = o, .naive = option_switch(o, "--naive"),
                         .verified = true, .runs_identical = true};
    /* PARLAB_FSUM_ISA may ask for an instruction set this CPU (or another rank's) lacks. */
    const char *path_error = fsum_path_error();
    if (team_agree(path_error ? EXIT_BAD_INPUT : EXIT_OK) != EXIT_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: %s\n", o->program, path_error ? path_error
                    : "PARLAB_FSUM_ISA: refused by another rank; expected auto or a path every "
                      "rank's CPU has");
        return EXIT_BAD_INPUT;
    }

    /* Whole blocks per rank: rank r holds blocks first_block .. first_block + blocks - 1. */
    uint64_t total_blocks = (o->n + FSUM_BLOCK - 1) / FSUM_BLOCK, first_block, blocks;
    block_share(total_blocks, rank, size, &first_block, &blocks);
    uint64_t first = first_block * FSUM_BLOCK;
    uint64_t count = blocks == 0 ? 0 : (first + blocks * FSUM_BLOCK < o->n ? blocks * FSUM_BLOCK
                                                                           : o->n - first);
    double *values = allocate_share(o, sizeof(double), count, &status);
    if (values == NULL)
        return status;
    enum fsum_data data = strcmp(option_choice(o, "--data"), "cancel") == 0 ? FSUM_DATA_CANCEL
                                                                            : FSUM_DATA_RANDOM;
    fsum_fill(values, count, first, data);

    struct fsum_share *share = &f.share;
    *share = (struct fsum_share){.values = values, .count = count, .blocks = blocks,
                                 .total_blocks = total_blocks};
    share->partials = malloc((blocks ? blocks : 1) * sizeof *share->partials);
    share->all = share->partials;
    if (team_variant() != NULL && rank == 0) { /* MPI, even at 1 rank: Gatherv may not alias */
        share->all = malloc(total_blocks * sizeof *share->all);
        share->gather_counts = malloc((size_t)size * sizeof(int));
        share->gather_offsets = malloc((size_t)size * sizeof(int));
        for (int r = 0; r < size; r++) { /* in doubles: a partial is two */
            uint64_t f_block, b;
            block_share(total_blocks, r, size, &f_block, &b);
            share->gather_counts[r] = (int)(2 * b);
            share->gather_offsets[r] = (int)(2 * f_block);
        }
    }

    struct run_report report = {.options = o, .mode = "array", .n = o->n, .tasks = 1,
                                .verified = true, .formula = o->workload->formula,
                                .bytes_per_run = o->workload->bytes_per_value * (double)o->n,
                                .json_fields = fsum_json, .print_lines = fsum_lines,
                                .print_wrong = fsum_wrong, .context = &f};
    static struct exact_sum exact;
    f.exact = &exact;
    if (rank == 0) {
        fsum_reference(o->n, data, &exact, &f.reference, &f.sum_abs);
        f.bound = f.naive ? fsum_naive_error_bound(o->n, f.sum_abs)
                          : fsum_error_bound(o->n, f.reference, f.sum_abs);
    }
    print_start(o);
    report.time = timed_runs(o, fsum_once, &f);
    /* A reproducible sum that changes from run to run is wrong, even within the bound. */
    report.verified = f.verified && (f.naive || f.runs_identical);
    snprintf(report.result, sizeof report.result, "%.17g", f.result);
    snprintf(report.expected, sizeof report.expected, "%.17g", f.reference);
    status = finish_report(&report);
    if (share->all != share->partials)
        free(share->all);
    free(share->partials);
    free(share->gather_counts);
    free(share->gather_offsets);
    free(values);
    return status;
}
