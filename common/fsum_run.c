/* fsum_run.c: how the floating-point sum runs: fsum's row in workloads.c points here.
 *
 * Why a plan and a check of its own: the integer workloads check exact integers against a closed
 * form.  fsum checks a double against the exact sum (computed in integers, untimed) and an error
 * bound, prints it in hex and decimal, and requires every run of the reproducible method to give
 * the same bits.  The driver (driver.c) runs it like any row: it shares the values among the
 * ranks in whole blocks and has fsum_fill_share() fill them (untimed); rank 0 computes the exact
 * reference and the bound (untimed), and checks every run after its clock stopped: within the
 * bound, and (reproducible method) bit-identical. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

/* fsum's state: its share of blocks, and what rank 0 checks the runs against. */
struct fsum_run {
    struct fsum_share share;
    enum fsum_data data;
    bool naive;
    struct exact_sum exact;
    double result, first_result, reference, sum_abs, error, bound;
    bool runs_identical;
};

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

/* One run: the reproducible sum or the naive one (the result is rank 0's). */
static void fsum_once(struct run *r, uint64_t number, struct result *results)
{
    (void)number;
    struct fsum_run *f = r->state;
    results[0].real = f->naive ? r->kernel->fsum_naive(f->share.values, f->share.count)
                               : r->kernel->fsum(&f->share);
}

/* This rank's whole blocks, filled from their global indices, and room for their partials. */
static void fsum_fill_share(struct run *r)
{
    struct fsum_run *f = r->state;
    int rank = team_rank(), size = team_size();
    struct fsum_share *share = &f->share;
    fsum_fill(r->values, r->count, r->first, f->data);
    share->values = r->values;
    share->count = r->count;
    share->blocks = (r->count + FSUM_BLOCK - 1) / FSUM_BLOCK;
    share->total_blocks = (r->total + FSUM_BLOCK - 1) / FSUM_BLOCK;
    share->partials = malloc((share->blocks ? share->blocks : 1) * sizeof *share->partials);
    share->all = share->partials;
    if (team_variant() != NULL && rank == 0) { /* MPI, even at 1 rank: Gatherv may not alias */
        share->all = malloc(share->total_blocks * sizeof *share->all);
        share->gather_counts = malloc((size_t)size * sizeof(int));
        share->gather_offsets = malloc((size_t)size * sizeof(int));
        for (int k = 0; k < size; k++) { /* in doubles: a partial is two */
            uint64_t first_block, blocks;
            block_share(share->total_blocks, k, size, &first_block, &blocks);
            share->gather_counts[k] = (int)(2 * blocks);
            share->gather_offsets[k] = (int)(2 * first_block);
        }
    }
}

/* Before the runs, on rank 0: the exact reference and the error bound (untimed). */
static void fsum_prepare(struct run *r)
{
    struct fsum_run *f = r->state;
    uint64_t n = r->options->n;
    fsum_reference(n, f->data, &f->exact, &f->reference, &f->sum_abs);
    f->bound = f->naive ? fsum_naive_error_bound(n, f->sum_abs)
                        : fsum_error_bound(n, f->reference, f->sum_abs);
}

/* After a run's clock stopped: within the bound, and the same bits as the first run. */
static void fsum_verify(struct run *r, uint64_t number, const struct result *results)
{
    struct fsum_run *f = r->state;
    double result = results[0].real, error = fsum_distance(&f->exact, result);
    if (number == 0) {
        f->first_result = f->result = result; /* reported: the warm-up's, unless one is wrong */
        f->error = error;
    } else if (!same_bits(result, f->first_result)) {
        f->runs_identical = false;
    }
    if (r->report.verified && (error < 0 || error > f->bound)) {
        r->report.verified = false;
        f->result = result;
        f->error = error;
    }
}

/* After the last run: a reproducible sum that changes from run to run is wrong, even within
 * the bound. */
static void fsum_finish(struct run *r)
{
    struct fsum_run *f = r->state;
    r->report.verified = r->report.verified && (f->naive || f->runs_identical);
    snprintf(r->report.result, sizeof r->report.result, "%.17g", f->result);
    snprintf(r->report.expected, sizeof r->report.expected, "%.17g", f->reference);
}

const struct check fsum_check = {fsum_prepare, fsum_verify, fsum_finish};

static void fsum_json(struct json *j, const struct run *r)
{
    const struct fsum_run *f = r->state;
    char hex[40];
    snprintf(hex, sizeof hex, "%a", f->result);
    json_add_string(j, "result_hex", hex);
    snprintf(hex, sizeof hex, "%a", f->reference);
    json_add_string(j, "expected_hex", hex);
    json_add_string(j, "method", f->naive ? "naive" : "reproducible");
    json_add_string(j, "fsum_path", fsum_path());
    json_add(j, ",\"reproducible\":%s", f->naive ? "false" : "true");
    json_add_string(j, "data", option_choice(r->options, "--data"));
    json_add(j, ",\"error\":%.17g,\"error_bound\":%.17g,\"sum_abs\":%.17g", f->error, f->bound,
             f->sum_abs);
    json_add(j, ",\"runs_identical\":%s", f->runs_identical ? "true" : "false");
}

static void fsum_lines(const struct run *r)
{
    const struct fsum_run *f = r->state;
    bool within = f->error >= 0 && f->error <= f->bound;
    printf("Result: %s (%a)\n", r->report.result, f->result);
    printf("Check: exact sum %s (%a); |result - exact| = %.3g %s %s error bound %.3g%s: %s "
           "(fsum path %s)\n",
           r->report.expected, f->reference, f->error, within ? "<=" : ">",
           f->naive ? "naive" : "reproducible", f->bound,
           within && !f->naive && !f->runs_identical ? ", but the runs differ" : "",
           r->report.verified ? "verified" : "WRONG", fsum_path());
    if (f->naive)
        printf("Note: --naive is a demonstration: a plain reduction's last bits depend on the "
               "thread/rank count%s\n",
               f->runs_identical ? "" : " (and here even changed between runs)");
}

static void fsum_wrong(const struct run *r)
{
    const struct fsum_run *f = r->state;
    fprintf(stderr, "%s: wrong result: got %s (%a), exact sum %s (%a); |difference| %.3g %s\n",
            r->options->program, r->report.result, f->result, r->report.expected, f->reference,
            f->error, f->error > f->bound || f->error < 0 ? "exceeds the error bound"
                                                          : "is within the bound, but the runs differ");
}

static void fsum_release(struct run *r)
{
    struct fsum_run *f = r->state;
    if (f == NULL)
        return;
    if (f->share.all != f->share.partials)
        free(f->share.all);
    free(f->share.partials);
    free(f->share.gather_counts);
    free(f->share.gather_offsets);
    free(f);
}

int fsum_plan(struct run *r)
{
    const struct options *o = r->options;
    /* PARLAB_FSUM_ISA may ask for an instruction set this CPU (or another rank's) lacks. */
    const char *path_error = fsum_path_error();
    if (team_agree(path_error ? EXIT_BAD_INPUT : EXIT_OK) != EXIT_OK) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: %s\n", o->program, path_error ? path_error
                    : "PARLAB_FSUM_ISA: refused by another rank; expected auto or a path every "
                      "rank's CPU has");
        return EXIT_BAD_INPUT;
    }
    struct fsum_run *f = calloc(1, sizeof *f); /* its exact sum is 8 KiB: not on the stack */
    if (team_agree(f ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: out of memory before the run\n", o->program);
        free(f);
        return EXIT_BAD_INPUT;
    }
    *f = (struct fsum_run){.naive = option_switch(o, "--naive"), .runs_identical = true,
                           .data = strcmp(option_choice(o, "--data"), "cancel") == 0
                                       ? FSUM_DATA_CANCEL : FSUM_DATA_RANDOM};
    r->state = f;
    r->release = fsum_release;
    r->grain = FSUM_BLOCK; /* whole blocks per rank */
    r->item_size = sizeof(double);
    r->fill = fsum_fill_share;
    r->results_per_run = 1;
    r->report.per_task = false;
    r->once = fsum_once;
    r->report.tasks = 1;
    r->report.json_fields = fsum_json;
    r->report.print_lines = fsum_lines;
    r->report.print_wrong = fsum_wrong;
    return 0;
}
