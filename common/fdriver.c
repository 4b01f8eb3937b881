/* fdriver.c: the main program behind fsum_serial, fsum_openmp, fsum_mpi (and fsum_hybrid).
 *
 * Why a driver of its own: the integer workloads check one exact integer; fsum checks a double
 * against an exact sum and an error bound, prints it in hex and decimal, and compares the runs of
 * one program bit for bit.  Parsing, worker checks, allocation, the JSON provenance and the exit
 * status are the shared ones from driver.c and report.c.
 *
 * Order of a run, on every rank:
 *   parse -> share the blocks among the ranks (whole blocks each) -> fill this rank's values from
 *   their global indices (untimed) -> rank 0: exact reference and error bound (untimed) ->
 *   one untimed warm-up -> repeat: barrier, clock, sum (incl. the MPI step), clock, max over ranks
 *   -> rank 0 checks every run: within the bound, and (reproducible mode) bit-identical. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

struct fsum_outcome {
    double result, reference, sum_abs, error, bound;
    bool verified, runs_identical;
};

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void print_fsum(const struct options *o, const struct fsum_outcome *r,
                       const struct timing *time)
{
    char result[40], result_hex[40], reference[40], reference_hex[40];
    snprintf(result, sizeof result, "%.17g", r->result);
    snprintf(result_hex, sizeof result_hex, "%a", r->result);
    snprintf(reference, sizeof reference, "%.17g", r->reference);
    snprintf(reference_hex, sizeof reference_hex, "%a", r->reference);
    double bytes = (double)o->n * sizeof(double);
    if (!r->verified)
        fprintf(stderr, "%s: wrong result: got %s (%s), exact sum %s (%s); |difference| %.3g %s\n",
                o->program, result, result_hex, reference, reference_hex, r->error,
                r->error > r->bound || r->error < 0 ? "exceeds the error bound"
                                                    : "is within the bound, but the runs differ");
    if (o->json) {
        struct json j = {.length = 0};
        json_add(&j, "{\"workload\":\"fsum\"");
        json_add_string(&j, "variant", variant_name());
        json_add_string(&j, "mode", "array");
        json_add(&j, ",\"threads\":%d,\"ranks\":%d", threads_count(), team_size());
        json_add(&j, ",\"n\":%llu,\"tasks\":1", (unsigned long long)o->n);
        json_add_string(&j, "result", result);
        json_add_string(&j, "result_hex", result_hex);
        json_add_string(&j, "expected", reference);
        json_add_string(&j, "expected_hex", reference_hex);
        json_add_string(&j, "method", o->naive ? "naive" : "reproducible");
        json_add_string(&j, "fsum_path", fsum_path());
        json_add(&j, ",\"reproducible\":%s", o->naive ? "false" : "true");
        json_add_string(&j, "data", o->data == FSUM_DATA_CANCEL ? "cancel" : "random");
        json_add(&j, ",\"error\":%.17g,\"error_bound\":%.17g,\"sum_abs\":%.17g", r->error,
                 r->bound, r->sum_abs);
        json_add(&j, ",\"runs_identical\":%s", r->runs_identical ? "true" : "false");
        json_add_run(&j, o, r->verified, time, bytes);
        fputs(j.text, stdout);
        fflush(stdout);
        return;
    }
    printf("Result: %s (%s)\n", result, result_hex);
    printf("Check: exact sum %s (%s); |result - exact| = %.3g <= %s error bound %.3g: %s"
           " (fsum path %s)\n",
           reference, reference_hex, r->error, o->naive ? "naive" : "reproducible", r->bound,
           r->verified ? "verified" : "WRONG", fsum_path());
    if (o->naive)
        printf("Note: --naive is a demonstration: a plain reduction's last bits depend on the "
               "thread/rank count%s\n",
               r->runs_identical ? "" : " (and here even changed between runs)");
    print_time(o, time, bytes);
    fflush(stdout);
}

int parlab_fsum_main(int argc, char **argv, const struct fsum_kernel *kernel)
{
    team_start(&argc, &argv);
    struct options o;
    int status;
    if (!start_program(argc, argv, WORKLOAD_FSUM, &o, &status))
        return stop_program(&o, status);
    int rank = team_rank(), size = team_size();
    const char *path_error = fsum_path_error(); /* PARLAB_FSUM_ISA (common/fsum.c) */
    if (team_agree(path_error ? EXIT_BAD_INPUT : EXIT_OK) != EXIT_OK) {
        if (rank == 0)
            fprintf(stderr, "%s: %s\n", o.program, path_error ? path_error
                    : "PARLAB_FSUM_ISA: refused by another rank; expected auto or a path every rank's CPU has");
        return stop_program(&o, EXIT_BAD_INPUT);
    }

    /* Whole blocks per rank: rank r holds blocks first_block .. first_block + blocks - 1. */
    uint64_t total_blocks = (o.n + FSUM_BLOCK - 1) / FSUM_BLOCK, first_block, blocks;
    block_share(total_blocks, rank, size, &first_block, &blocks);
    uint64_t first = first_block * FSUM_BLOCK;
    uint64_t count = blocks == 0 ? 0 : (first + blocks * FSUM_BLOCK < o.n ? blocks * FSUM_BLOCK
                                                                          : o.n - first);
    double *values = allocate_share(&o, sizeof(double), count, &status);
    if (status != EXIT_OK)
        return stop_program(&o, status);
    fsum_fill(values, count, first, o.data);

    struct fsum_share share = {.values = values, .count = count, .blocks = blocks,
                               .total_blocks = total_blocks};
    share.partials = malloc((blocks ? blocks : 1) * sizeof *share.partials);
    share.all = share.partials;
    if (team_variant() != NULL && rank == 0) { /* MPI, even at 1 rank: Gatherv may not alias */
        share.all = malloc(total_blocks * sizeof *share.all);
        share.gather_counts = malloc((size_t)size * sizeof(int));
        share.gather_offsets = malloc((size_t)size * sizeof(int));
        for (int r = 0; r < size; r++) { /* in doubles: a partial is two */
            uint64_t f, b;
            block_share(total_blocks, r, size, &f, &b);
            share.gather_counts[r] = (int)(2 * b);
            share.gather_offsets[r] = (int)(2 * f);
        }
    }

    struct fsum_outcome out = {.verified = true, .runs_identical = true};
    static struct exact_sum exact;
    if (rank == 0) {
        fsum_reference(o.n, o.data, &exact, &out.reference, &out.sum_abs);
        out.bound = o.naive ? fsum_naive_error_bound(o.n, out.sum_abs)
                            : fsum_error_bound(o.n, out.reference, out.sum_abs);
        print_start(&o, "array");
    }

    double *times = calloc(o.repeat, sizeof *times), first_result = 0;
    for (uint64_t run = 0; run <= o.repeat; run++) {
        prepare_run(&o);
        team_barrier();
        double started = now_seconds();
        double result = o.naive ? kernel->sum_naive(values, count) : kernel->sum(&share);
        double elapsed = now_seconds() - started;
        if (run > 0)
            times[run - 1] = team_max(elapsed);
        if (rank != 0)
            continue;
        double error = fsum_distance(&exact, result);
        if (run == 0) {
            first_result = result;
            out.result = result; /* reported: the warm-up's, unless a later run is wrong */
            out.error = error;
        } else if (!same_bits(result, first_result)) {
            out.runs_identical = false;
        }
        if (out.verified && (error < 0 || error > out.bound)) {
            out.verified = false;
            out.result = result;
            out.error = error;
        }
    }
    /* A reproducible sum that changes from run to run is wrong, even within the bound. */
    if (rank == 0 && !o.naive && !out.runs_identical)
        out.verified = false;

    status = EXIT_OK;
    if (rank == 0) {
        struct timing time = summarize_times(times, o.repeat);
        print_fsum(&o, &out, &time);
        status = out.verified ? EXIT_OK : EXIT_WRONG_RESULT;
    }
    if (share.all != share.partials)
        free(share.all);
    free(share.partials);
    free(share.gather_counts);
    free(share.gather_offsets);
    free(times);
    free(values);
    return stop_program(&o, team_agree(status));
}
