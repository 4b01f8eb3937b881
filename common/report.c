/* report.c: timing statistics and the two outputs, human text in the seed's style and one JSON line.
 *
 * Why one place: every variant and every workload must report the same fields, computed the same
 * way, or comparisons between them (and between machines) mean nothing.  A workload with more to
 * say adds fields and lines through the callbacks of struct run_report; the rest is shared.
 * It only reads the run: the verdict was reached by the row's check, after the clock stopped.
 * Only rank 0 prints, and it checks that the output really was written: a full disk or a closed
 * stdout is an error (exit 3), never a silent "verified". */
#include <errno.h>
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
        return (struct timing){times[0], times[0], times[0], times, count};
    memcpy(sorted, times, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, compare_doubles);
    double median = count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
    struct timing t = {sorted[0], median, sorted[count - 1], times, count};
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

/* The most crowded host: the one with the most ranks x threads per usable CPU. */
static const struct host *crowded_host(int *count, int *cpus)
{
    const struct host *hosts, *worst = NULL;
    *count = team_hosts(&hosts);
    *cpus = 0;
    for (int h = 0; h < *count; h++) {
        *cpus += hosts[h].cpus;
        if (!worst || (double)hosts[h].ranks / hosts[h].cpus > (double)worst->ranks / worst->cpus)
            worst = &hosts[h];
    }
    return worst;
}

bool oversubscribed(void)
{
    int count, cpus;
    const struct host *worst = crowded_host(&count, &cpus);
    if (worst == NULL) /* not rank 0: its own host */
        return team_ranks_on_this_host() * threads_count() > team_cores_on_this_host();
    return worst->ranks * threads_count() > worst->cpus;
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

/* ---- JSON: a tiny writer that grows as needed, so the line is always whole and well-formed ---- */
void json_add(struct json *j, const char *format, ...)
{
    while (!j->failed) {
        size_t room = j->capacity - j->length;
        int written = -1;
        if (room > 0) {
            va_list args;
            va_start(args, format);
            written = vsnprintf(j->text + j->length, room, format, args);
            va_end(args);
            if (written < 0) { /* an encoding error: nothing sensible to write */
                j->failed = true;
                return;
            }
            if ((size_t)written < room) {
                j->length += (size_t)written;
                return;
            }
        }
        size_t need = j->length + (written > 0 ? (size_t)written : 0) + 1;
        size_t capacity = j->capacity ? j->capacity : 1024;
        while (capacity < need)
            capacity *= 2;
        char *text = realloc(j->text, capacity);
        if (text == NULL) {
            j->failed = true;
            return;
        }
        j->text = text;
        j->capacity = capacity;
    }
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
static void json_add_run(struct json *j, const struct run_report *r, const struct options *o)
{
    char host[256] = "unknown", model[256];
    gethostname(host, sizeof host - 1);
    cpu_model(model, sizeof model);
    char cflags[512];
    snprintf(cflags, sizeof cflags, "%s%s%s", PARLAB_CFLAGS, *threads_flags() ? " " : "",
             threads_flags());
    json_add(j, ",\"verified\":%s", r->verified ? "true" : "false");
    json_add(j, ",\"repeat\":%llu,\"warmup\":1,\"cold_cache\":%s", (unsigned long long)o->repeat,
             o->cold_cache ? "true" : "false");
    json_add(j, ",\"time_min\":%.9g,\"time_median\":%.9g,\"time_max\":%.9g", r->time.min,
             r->time.median, r->time.max);
    /* Every timed run, so that the harness can pool runs and give a median its confidence
     * interval (docs/timing.md); at most MAX_REPEAT numbers. */
    json_add(j, ",\"times\":[");
    for (size_t k = 0; k < r->time.count; k++)
        json_add(j, "%s%.9g", k ? "," : "", r->time.times[k]);
    json_add(j, "]");
    json_add(j, ",\"timer_resolution\":%.3g,\"bytes\":%.0f", clock_resolution_seconds(),
             r->bytes_per_run);
    int host_count, cpus;
    crowded_host(&host_count, &cpus);
    json_add(j, ",\"cores\":%d,\"oversubscribed\":%s", cpus, oversubscribed() ? "true" : "false");
    const struct host *hosts;
    team_hosts(&hosts);
    json_add(j, ",\"hosts\":[");
    for (int h = 0; h < host_count; h++) {
        json_add(j, "%s{\"host\":\"", h ? "," : "");
        for (const unsigned char *c = (const unsigned char *)hosts[h].name; *c; c++)
            json_add(j, *c == '"' || *c == '\\' || *c < 0x20 ? "\\u%04x" : "%c", *c);
        json_add(j, "\",\"ranks\":%d,\"threads\":%d,\"cpus\":%d}", hosts[h].ranks,
                 threads_count(), hosts[h].cpus);
    }
    json_add(j, "]");
    json_add_string(j, "host", host);
    json_add_string(j, "cpu_model", model);
    json_add_string(j, "compiler", compiler());
    json_add_string(j, "compiler_version", __VERSION__);
    json_add_string(j, "cflags", cflags);
    json_add_string(j, "mpi_library", team_library());
    if (team_thread_asked())
        json_add(j, ",\"mpi_thread\":{\"asked\":\"%s\",\"provided\":\"%s\"}",
                 team_thread_asked(), team_thread_provided());
    else
        json_add(j, ",\"mpi_thread\":null");
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

/* The whole JSON line, or false (out of memory) with nothing printed. */
static bool print_json(const struct run *run)
{
    const struct run_report *r = &run->report;
    struct json j = {0};
    json_add(&j, "{\"workload\":\"%s\"", run->options->workload->name);
    json_add_string(&j, "variant", variant_name());
    json_add_string(&j, "mode", r->mode);
    json_add(&j, ",\"threads\":%d,\"ranks\":%d", threads_count(), team_size());
    json_add(&j, ",\"n\":%llu,\"tasks\":%llu", (unsigned long long)r->n,
             (unsigned long long)r->tasks);
    json_add_string(&j, "result", r->result);
    json_add_string(&j, "expected", r->expected);
    if (r->json_fields)
        r->json_fields(&j, run);
    json_add_run(&j, r, run->options);
    bool whole = !j.failed;
    if (whole)
        fputs(j.text, stdout);
    free(j.text);
    return whole;
}

void print_start(const struct options *o)
{
    if (o->json || team_rank() != 0)
        return;
    int host_count, cpus;
    crowded_host(&host_count, &cpus);
    printf("Starting %s Execution (%d %s x %d %s on ", variant_label(), team_size(),
           team_size() == 1 ? "process" : "processes", threads_count(),
           threads_count() == 1 ? "thread" : "threads");
    if (host_count > 1)
        printf("%d hosts, %d cores in all): ", host_count, cpus);
    else
        printf("%d cores): ", cpus);
    const struct workload *w = o->workload;
    if (w->start_line)
        w->start_line(o, stdout);
    else
        printf("%llu task%s %s 0..%llu", (unsigned long long)o->tasks,
               o->tasks == 1 ? "" : "s, each", w->verb, (unsigned long long)(o->n - 1));
    printf("\n");
    fflush(stdout);
}

static void print_time(const struct run_report *r, const struct options *o)
{
    const struct timing *time = &r->time;
    printf("%s Time: %.4g seconds (median of %llu timed run%s after 1 untimed warm-up%s; "
           "min %.4g, max %.4g", variant_label(), time->median, (unsigned long long)o->repeat,
           o->repeat == 1 ? "" : "s", o->cold_cache ? ", caches evicted before each" : "",
           time->min, time->max);
    if (r->bytes_per_run > 0)
        printf("; %.1f GB/s", r->bytes_per_run / time->median / 1e9);
    printf("; timer resolution %.0f ns)\n", clock_resolution_seconds() * 1e9);
    int host_count, cpus;
    const struct host *worst = crowded_host(&host_count, &cpus);
    if (oversubscribed() && worst)
        printf("Note: %s (%d %s x %d %s on %d cores%s%s): %s\n",
               r->waiting ? "more workers than cores" : "oversubscribed", worst->ranks,
               worst->ranks == 1 ? "process" : "processes", threads_count(),
               threads_count() == 1 ? "thread" : "threads", worst->cpus,
               host_count > 1 ? " of host " : "", host_count > 1 ? worst->name : "",
               r->waiting ? "the work only waits (sleeps), so it still scales past the cores"
                          : "these times are not valid for speedup");
}

static void print_lines(const struct run_report *r)
{
    printf("%s: %s", r->result_label ? r->result_label : "Result", r->result);
    if (r->per_task && r->tasks == 1)
        printf(" (1 task)");
    else if (r->per_task)
        printf(" for each of the %llu tasks", (unsigned long long)r->tasks);
    printf("\nCheck: %s = %s, %s\n", r->formula, r->expected, r->verified ? "verified" : "WRONG");
}

int finish_report(const struct run *run)
{
    const struct options *o = run->options;
    const struct run_report *r = &run->report;
    int status = EXIT_OK;
    if (team_rank() == 0) {
        status = r->verified ? EXIT_OK : EXIT_WRONG_RESULT;
        if (status == EXIT_OK && r->output_failed)
            status = EXIT_OUTPUT_FAILED;
        if (!r->verified && r->print_wrong)
            r->print_wrong(run);
        else if (!r->verified)
            fprintf(stderr, "%s: wrong result: got %s, expected %s = %s\n", o->program,
                    r->result, r->formula, r->expected);
        if (o->json) {
            if (!print_json(run)) {
                fprintf(stderr, "%s: out of memory while writing the JSON line\n", o->program);
                status = EXIT_OUTPUT_FAILED;
            }
        } else {
            if (r->print_lines)
                r->print_lines(run);
            else
                print_lines(r);
            print_time(r, o);
            if (r->note)
                printf("Note: %s\n", r->note);
        }
        /* The result is only delivered once it is written: a full disk or a closed stdout
         * must not end in "verified" and exit 0. */
        errno = 0;
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "%s: cannot write the result to standard output: %s\n", o->program,
                    errno ? strerror(errno) : "write error");
            if (status == EXIT_OK)
                status = EXIT_OUTPUT_FAILED;
        }
    }
    return team_agree(status);
}
