/* report.c: timing statistics and the two outputs, human text in the seed's style and one JSON line.
 *
 * Why one place: every variant must report the same fields, computed the same way, or comparisons
 * between them (and between machines) mean nothing.  Only rank 0 calls these. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"


static bool quiet;
void set_quiet(bool value) { quiet = value; }
bool is_quiet(void) { return quiet; }

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct timing summarize_times(const double *times, size_t count)
{
    double *sorted = malloc(count * sizeof *sorted);
    if (sorted == NULL)
        return (struct timing){times[0], times[0], times[0]};
    memcpy(sorted, times, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_doubles);
    double median = count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
    struct timing t = {sorted[0], median, sorted[count - 1]};
    free(sorted);
    return t;
}

const char *variant_name(void)
{
    const char *team = team_variant(), *threads = threads_variant();
    if (team && threads)
        return "hybrid";
    return team ? team : threads ? threads : "serial";
}

const char *variant_label(void)
{
    const char *name = variant_name();
    return strcmp(name, "serial") == 0   ? "Sequential"
           : strcmp(name, "openmp") == 0 ? "OpenMP"
           : strcmp(name, "mpi") == 0    ? "MPI"
                                         : "Hybrid MPI+OpenMP";
}

static void cpu_model(char *model, size_t size)
{
    snprintf(model, size, "unknown");
    FILE *info = fopen("/proc/cpuinfo", "r");
    if (info == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, info)) {
        char *colon = strchr(line, ':');
        if (colon && strncmp(line, "model name", 10) == 0) {
            colon += 1 + (colon[1] == ' ');
            colon[strcspn(colon, "\n")] = '\0';
            snprintf(model, size, "%s", colon);
            break;
        }
    }
    fclose(info);
}

bool oversubscribed(void)
{
    return team_ranks_on_this_host() * threads_count() > team_cores_on_this_host();
}

static const char *compiler(void)
{
#if defined(__clang__)
    return "clang";
#elif defined(__GNUC__)
    return "gcc";
#else
    return "unknown";
#endif
}

/* ---- JSON: a tiny writer, so that the line is always well-formed and printed in one write ---- */
void json_add(struct json *j, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int written = vsnprintf(j->text + j->length, sizeof j->text - j->length, format, args);
    va_end(args);
    if (written > 0)
        j->length += (size_t)written < sizeof j->text - j->length ? (size_t)written
                                                                  : sizeof j->text - j->length - 1;
}
void json_add_string(struct json *j, const char *key, const char *value)
{
    if (value == NULL) {
        json_add(j, ",\"%s\":null", key);
        return;
    }
    json_add(j, ",\"%s\":\"", key);
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if (*c == '"' || *c == '\\')
            json_add(j, "\\%c", *c);
        else if (*c < 0x20)
            json_add(j, "\\u%04x", *c);
        else
            json_add(j, "%c", *c);
    }
    json_add(j, "\"");
}

/* "verified" and every field after it: how the run went and where it ran. */
void json_add_run(struct json *j, const struct options *o, bool verified, const struct timing *time,
                  double bytes_per_run)
{
    char host[256] = "unknown", model[256];
    gethostname(host, sizeof host - 1);
    cpu_model(model, sizeof model);
    char cflags[512];
    snprintf(cflags, sizeof cflags, "%s%s%s", PARLAB_CFLAGS, *threads_flags() ? " " : "",
             threads_flags());
    json_add(j, ",\"verified\":%s", verified ? "true" : "false");
    json_add(j, ",\"repeat\":%llu,\"warmup\":1,\"cold_cache\":%s", (unsigned long long)o->repeat,
             o->cold_cache ? "true" : "false");
    json_add(j, ",\"time_min\":%.9g,\"time_median\":%.9g,\"time_max\":%.9g", time->min,
        time->median, time->max);
    json_add(j, ",\"timer_resolution\":%.3g,\"bytes\":%.0f", clock_resolution_seconds(),
        bytes_per_run);
    json_add(j, ",\"cores\":%d,\"oversubscribed\":%s", team_cores_on_this_host(),
        oversubscribed() ? "true" : "false");
    json_add_string(j, "host", host);
    json_add_string(j, "cpu_model", model);
    json_add_string(j, "compiler", compiler());
    json_add_string(j, "compiler_version", __VERSION__);
    json_add_string(j, "cflags", cflags);
    json_add_string(j, "mpi_library", team_library());
    json_add(j, ",\"omp\":{\"num_threads\":%d", threads_count());
    static const char *const omp_settings[][2] = {{"proc_bind", "OMP_PROC_BIND"},
                                                   {"places", "OMP_PLACES"},
                                                   {"wait_policy", "OMP_WAIT_POLICY"},
                                                   {"dynamic", "OMP_DYNAMIC"}};
    for (size_t k = 0; k < sizeof omp_settings / sizeof omp_settings[0]; k++)
        json_add_string(j, omp_settings[k][0], getenv(omp_settings[k][1]));
    json_add(j, "}");
    json_add_string(j, "slurm_job_id", getenv("SLURM_JOB_ID"));
    json_add_string(j, "version", PARLAB_VERSION);
    json_add(j, "}\n");
}

static void print_json(const struct run_report *r, const char *result, const char *expected)
{
    const struct options *o = r->options;
    struct json j = {.length = 0};
    json_add(&j, "{\"workload\":\"%s\"", o->workload == WORKLOAD_SUM ? "sum" : "square");
    json_add_string(&j, "variant", variant_name());
    json_add_string(&j, "mode", r->mode);
    json_add(&j, ",\"threads\":%d,\"ranks\":%d", threads_count(), team_size());
    json_add(&j, ",\"n\":%llu,\"tasks\":%llu",
        (unsigned long long)(r->mode[0] == 'a' ? o->n : o->number_count),
        (unsigned long long)(o->workload == WORKLOAD_SUM ? o->tasks
                             : r->mode[0] == 'a'         ? 1
                                                         : o->number_count));
    json_add_string(&j, "result", result);
    json_add_string(&j, "expected", expected);
    json_add_run(&j, o, r->verified, &r->time, r->bytes_per_run);
    fputs(j.text, stdout);
}

void print_start(const struct options *o, const char *mode)
{
    if (o->json)
        return;
    printf("Starting %s Execution (%d %s x %d %s on %d cores): ", variant_label(), team_size(),
           team_size() == 1 ? "process" : "processes", threads_count(),
           threads_count() == 1 ? "thread" : "threads", team_cores_on_this_host());
    if (o->workload == WORKLOAD_SUM)
        printf("%llu tasks, each summing 0..%llu\n", (unsigned long long)o->tasks,
               (unsigned long long)(o->n - 1));
    else if (o->workload == WORKLOAD_FSUM)
        printf("summing %llu doubles (%s data), %s\n", (unsigned long long)o->n,
               o->data == FSUM_DATA_CANCEL ? "cancel" : "random",
               o->naive ? "naive: plain reductions" : "reproducible: fixed blocks, fixed order");
    else if (mode[0] == 'a')
        printf("squaring 1..%llu into an array\n", (unsigned long long)o->n);
    else
        printf("squaring %zu numbers, %g s of simulated work each\n", o->number_count, o->delay);
    fflush(stdout);
}

void print_time(const struct options *o, const struct timing *time, double bytes_per_run)
{
    printf("%s Time: %.4g seconds (median of %llu timed run%s after 1 untimed warm-up%s; "
           "min %.4g, max %.4g", variant_label(), time->median, (unsigned long long)o->repeat,
           o->repeat == 1 ? "" : "s", o->cold_cache ? ", caches evicted before each" : "",
           time->min, time->max);
    if (bytes_per_run > 0)
        printf("; %.1f GB/s", bytes_per_run / time->median / 1e9);
    printf("; timer resolution %.0f ns)\n", clock_resolution_seconds() * 1e9);
    if (oversubscribed())
        printf("Note: oversubscribed (%d %s x %d %s on %d cores): these times are not valid "
               "for speedup\n", team_ranks_on_this_host(),
               team_ranks_on_this_host() == 1 ? "process" : "processes", threads_count(),
               threads_count() == 1 ? "thread" : "threads", team_cores_on_this_host());
}

void print_report(const struct run_report *r)
{
    const struct options *o = r->options;
    char result[48], expected[48];
    u128_to_decimal(r->result, result);
    u128_to_decimal(r->expected, expected);
    const char *formula = o->workload == WORKLOAD_SUM ? "n(n-1)/2"
                          : r->mode[0] == 'a'         ? "n(n+1)(2n+1)/6"
                                                      : "the sum of the squares";
    if (!r->verified)
        fprintf(stderr, "%s: wrong result: got %s, expected %s = %s\n", o->program, result,
                formula, expected);
    if (o->json) {
        print_json(r, result, expected);
        fflush(stdout);
        return;
    }
    if (o->workload == WORKLOAD_SUM)
        printf("Result: %s for each of the %llu tasks\n", result, (unsigned long long)o->tasks);
    else
        printf("Checksum (sum of the squares): %s\n", result);
    printf("Check: %s = %s, %s\n", formula, expected, r->verified ? "verified" : "WRONG");
    print_time(o, &r->time, r->bytes_per_run);
    fflush(stdout);
}
