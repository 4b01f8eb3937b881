/* unit.c: unit tests of the shared code: parsing, closed forms, 128-bit output, limits, shares.
 * Why: every end-to-end check trusts these pieces; a wrong closed form would "verify" a wrong
 * kernel, so the formulas are checked here against brute force and against the integer limits. */
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "fsum_internal.h"
#include "parlab_fsum.h"

static int failures, checks;

#define CHECK(condition)                                                                          \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(condition)) {                                                                        \
            failures++;                                                                            \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);                           \
        }                                                                                          \
    } while (0)

static const char *decimal(u128 value)
{
    static char text[4][48];
    static int next;
    next = (next + 1) % 4;
    return u128_to_decimal(value, text[next]);
}

#define SUM_MAX_N (find_workload("sum")->n_max)
#define SQUARE_MAX_VALUE (find_workload("square")->n_max)
#define FSUM_MAX_N (find_workload("fsum")->n_max)

static bool data_is(const struct options *o, const char *kind)
{
    return strcmp(option_choice(o, "--data"), kind) == 0;
}

static int parse(const char *workload, struct options *o, char *error, const char *line)
{
    char copy[256], *argv[32];
    int argc = 0;
    snprintf(copy, sizeof copy, "prog %s", line);
    for (char *word = strtok(copy, " "); word && argc < 31; word = strtok(NULL, " "))
        argv[argc++] = word;
    argv[argc] = NULL;
    return parse_options(argc, argv, find_workload(workload), o, error, 256);
}

static void test_parsing(void)
{
    struct options o;
    char error[256];
    CHECK(parse("sum", &o, error, "") == 0 && o.n == 10000000 && o.tasks == 4 &&
          o.repeat == 3 && !o.json && !option_given(&o, "-n"));
    free_options(&o);
    CHECK(parse("sum", &o, error, "-n 7 --tasks=3 --repeat 2 --json") == 0 && o.n == 7 &&
          o.tasks == 3 && o.repeat == 2 && o.json);
    free_options(&o);
    CHECK(parse("sum", &o, error, "-n5") == 0 && o.n == 5);
    free_options(&o);
    CHECK(parse("sum", &o, error, "-n 6074001000") == 0 && o.n == SUM_MAX_N);
    free_options(&o);
    const char *bad_sum[] = {"-n 6074001001", "-n 0", "-n -1", "-n 10x", "-n", "--tasks 0",
                             "--repeat", "--bogus", "-n 1e3", "--json=1", "3", "--delay 1",
                             "-n 18446744073709551616"};
    for (size_t i = 0; i < sizeof bad_sum / sizeof bad_sum[0]; i++) {
        int status = parse("sum", &o, error, bad_sum[i]);
        CHECK(status == EXIT_BAD_INPUT && strchr(error, '\n') == NULL && error[0] != '\0');
        if (status != EXIT_BAD_INPUT)
            printf("  accepted: %s\n", bad_sum[i]);
        free_options(&o);
    }
    CHECK(parse("sum", &o, error, "-n abc") == EXIT_BAD_INPUT &&
          strstr(error, "-n") && strstr(error, "6074001000") && strstr(error, "'abc'"));
    free_options(&o);
    CHECK(parse("sum", &o, error, "--tasks") == EXIT_BAD_INPUT &&
          strstr(error, "--tasks") && strstr(error, "nothing"));
    free_options(&o);

    CHECK(parse("square", &o, error, "") == 0 && o.number_count == 4 &&
          o.numbers[3] == 4 && o.delay == 1.0);
    free_options(&o);
    CHECK(parse("square", &o, error, "--tasks 6 --delay 0.25") == 0 &&
          o.number_count == 6 && o.numbers[5] == 6 && o.delay == 0.25);
    free_options(&o);
    CHECK(parse("square", &o, error, "9 0 4294967295 -- 7") == 0 && o.number_count == 4 &&
          o.numbers[0] == 9 && o.numbers[2] == SQUARE_MAX_VALUE && o.numbers[3] == 7);
    free_options(&o);
    CHECK(parse("square", &o, error, "-n 4294967295") == 0 && option_given(&o, "-n"));
    free_options(&o);
    const char *bad_square[] = {"-n 4294967296", "4294967296", "--delay -1", "--delay nan",
                                "--delay inf", "--delay 1x", "--delay 61", "-n 3 4",
                                "3 --tasks 2", "-n 3 --delay 1", "-n 3 --tasks 2", "-3"};
    for (size_t i = 0; i < sizeof bad_square / sizeof bad_square[0]; i++) {
        int status = parse("square", &o, error, bad_square[i]);
        CHECK(status == EXIT_BAD_INPUT);
        if (status != EXIT_BAD_INPUT)
            printf("  accepted: %s\n", bad_square[i]);
        free_options(&o);
    }
    /* Corners: a flag given twice, hexadecimal seconds, and control characters that would
     * break the one-line error. */
    const char *twice[] = {"--repeat 1 --repeat 2", "-n 5 -n 6", "--json --json", "-n5 -n=6",
                           "--help -h"};
    for (size_t i = 0; i < sizeof twice / sizeof twice[0]; i++) {
        int status = parse("sum", &o, error, twice[i]);
        CHECK(status == EXIT_BAD_INPUT && strstr(error, "twice"));
        if (status != EXIT_BAD_INPUT)
            printf("  accepted: %s\n", twice[i]);
        free_options(&o);
    }
    const char *not_decimal[] = {"--delay 0x10", "--delay 1e1", "--delay .", "--delay 1.2.3",
                                 "--delay 0x1p3"};
    for (size_t i = 0; i < sizeof not_decimal / sizeof not_decimal[0]; i++) {
        CHECK(parse("square", &o, error, not_decimal[i]) == EXIT_BAD_INPUT &&
              strstr(error, "--delay"));
        free_options(&o);
    }
    CHECK(parse("square", &o, error, "--delay .5") == 0 && o.delay == 0.5);
    free_options(&o);
    char *control[] = {"prog", "-n", "5\nx", NULL};
    CHECK(parse_options(3, control, find_workload("sum"), &o, error, 256) == EXIT_BAD_INPUT &&
          !strchr(error, '\n') && strstr(error, "\\x0a"));
    free_options(&o);
    char *long_arg = calloc(4000, 1);
    memset(long_arg, 'x', 3999);
    char *long_argv[] = {"prog", "-n", long_arg, NULL};
    CHECK(parse_options(3, long_argv, find_workload("sum"), &o, error, 256) == EXIT_BAD_INPUT &&
          strlen(error) < 255 && strstr(error, "..."));
    free_options(&o);
    free(long_arg);

    uint64_t value;
    CHECK(parse_whole_number("18446744073709551615", 0, UINT64_MAX, &value) &&
          value == UINT64_MAX);
    CHECK(!parse_whole_number("18446744073709551616", 0, UINT64_MAX, &value));
    CHECK(!parse_whole_number("", 0, 10, &value) && !parse_whole_number(NULL, 0, 10, &value));
}

static void test_closed_forms(void)
{
    u128 brute_sum = 0, brute_squares = 0;
    for (uint64_t n = 0; n <= 3000; n++) {
        CHECK(sum_closed_form(n) == brute_sum);
        CHECK(squares_closed_form(n) == brute_squares);
        brute_sum += n;
        brute_squares += (u128)(n + 1) * (n + 1);
    }
    CHECK(strcmp(decimal(sum_closed_form(10000000)), "49999995000000") == 0);
    /* The limits: the largest accepted input fits its accumulator, the next one would not. */
    CHECK(sum_closed_form(SUM_MAX_N) <= UINT64_MAX);
    CHECK(sum_closed_form(SUM_MAX_N + 1) > UINT64_MAX);
    CHECK((u128)SQUARE_MAX_VALUE * SQUARE_MAX_VALUE <= UINT64_MAX);
    CHECK((u128)(SQUARE_MAX_VALUE + 1) * (SQUARE_MAX_VALUE + 1) > UINT64_MAX);
    /* n = 10^9: the sum of squares that does not fit in 64 bits (Python: 333333333833333333500000000). */
    CHECK(strcmp(decimal(squares_closed_form(1000000000)), "333333333833333333500000000") == 0);
    CHECK(strcmp(decimal(squares_closed_form(SQUARE_MAX_VALUE)),
                 "26409387495531407161709035520") == 0);
    uint64_t numbers[] = {1, 2, 3, 4, SQUARE_MAX_VALUE, SQUARE_MAX_VALUE};
    CHECK(squares_of(numbers, 4) == 30);
    CHECK(squares_of(numbers, 6) == 30 + 2 * (u128)SQUARE_MAX_VALUE * SQUARE_MAX_VALUE);
}

static void test_decimal(void)
{
    CHECK(strcmp(decimal(0), "0") == 0);
    CHECK(strcmp(decimal(10), "10") == 0);
    CHECK(strcmp(decimal(UINT64_MAX), "18446744073709551615") == 0);
    CHECK(strcmp(decimal((u128)UINT64_MAX + 1), "18446744073709551616") == 0);
    CHECK(strcmp(decimal(~(u128)0), "340282366920938463463374607431768211455") == 0);
}

static void test_shares(void)
{
    /* Shares tile 0..n-1 in order, differ by at most one, and allow more workers than items. */
    const uint64_t sizes[] = {0, 1, 3, 4, 5, 7, 10, 1000003};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int workers = 1; workers <= 9; workers++) {
            uint64_t next = 0, smallest = UINT64_MAX, largest = 0;
            for (int w = 0; w < workers; w++) {
                uint64_t first, count;
                block_share(sizes[s], w, workers, &first, &count);
                CHECK(first == next);
                next = first + count;
                smallest = count < smallest ? count : smallest;
                largest = count > largest ? count : largest;
            }
            CHECK(next == sizes[s]);
            CHECK(largest - smallest <= 1);
        }
}

static void test_statistics(void)
{
    double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2};
    struct timing t = summarize_times(odd, 3);
    CHECK(t.min == 1 && t.median == 2 && t.max == 3);
    t = summarize_times(even, 4);
    CHECK(t.min == 1 && t.median == 2.5 && t.max == 4);
    CHECK(odd[0] == 3); /* the caller's order is kept */
    CHECK(clock_resolution_seconds() > 0 && clock_resolution_seconds() < 1e-3);
    double before = now_seconds();
    sleep_seconds(0.01);
    CHECK(now_seconds() - before >= 0.01);
}

static void test_fsum_parsing(void)
{
    struct options o;
    char error[256];
    CHECK(parse("fsum", &o, error, "") == 0 && o.n == 10000000 && !option_switch(&o, "--naive") &&
          data_is(&o, "random"));
    free_options(&o);
    CHECK(parse("fsum", &o, error, "-n 1000003 --naive --data cancel --json") == 0 &&
          o.n == 1000003 && option_switch(&o, "--naive") && data_is(&o, "cancel") && o.json);
    free_options(&o);
    CHECK(parse("fsum", &o, error, "--data=random -n 4294967296") == 0 &&
          data_is(&o, "random") && o.n == FSUM_MAX_N);
    free_options(&o);
    struct {
        const char *workload;
        const char *line, *flag;
    } bad[] = {{"fsum", "--data x", "--data"},      {"fsum", "--data", "--data"},
               {"fsum", "--data=", "--data"},       {"fsum", "--naive=1", "--naive"},
               {"fsum", "--tasks 3", "--tasks"},    {"fsum", "--delay 1", "--delay"},
               {"fsum", "-n 4294967297", "-n"},     {"fsum", "-n 0", "-n"},
               {"fsum", "7", "7"},                  {"sum", "--naive", "--naive"},
               {"square", "--data random", "--data"}, {"sum", "--data cancel", "--data"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = parse(bad[i].workload, &o, error, bad[i].line);
        CHECK(status == EXIT_BAD_INPUT && strstr(error, bad[i].flag) && !strchr(error, '\n'));
        if (status != EXIT_BAD_INPUT || !strstr(error, bad[i].flag))
            printf("  %s: status %d, '%s'\n", bad[i].line, status, error);
        free_options(&o);
    }
}

static bool same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static double exact_of(const double *values, size_t count)
{
    struct exact_sum sum;
    exact_clear(&sum);
    for (size_t i = 0; i < count; i++)
        if (!exact_add(&sum, values[i]))
            return NAN;
    return exact_round(&sum);
}

static void test_exact_sum(void)
{
    /* Known sums, including both kinds of tie and a sticky bit far below. */
    double cases[][4] = {{1, 0x1p-60, -1, 0x1p-60},         {1, 0x1p-53, 0, 1},
                         {1 + 0x1p-52, 0x1p-53, 0, 1 + 0x1p-51}, {1, 0x1p-53, 0x1p-200, 1 + 0x1p-52},
                         {-1, -0x1p-53, -0x1p-200, -1 - 0x1p-52}, {0x1p200, -0x1p200, 0x1p-250, 0x1p-250},
                         {3, -5, 0, -2},                        {0, 0, 0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = exact_of(cases[i], 3);
        CHECK(same_bits(got, cases[i][3]));
        if (!same_bits(got, cases[i][3]))
            printf("  case %zu: got %a, want %a\n", i, got, cases[i][3]);
    }
    /* Two values: IEEE addition is correctly rounded, so the exact sum must equal a + b; and
     * s + q from two_sum must round back to s. */
    for (uint64_t i = 0; i < 20000; i++) {
        double pair[2] = {fsum_value(i, FSUM_DATA_RANDOM), fsum_value(i + 7, FSUM_DATA_RANDOM)};
        if (i % 3 == 0)
            pair[1] = ldexp(pair[1], (int)(i % 40) - 20);
        double s = pair[0] + pair[1];
        CHECK(same_bits(exact_of(pair, 2), s));
        double z = s - pair[0], q = (pair[0] - (s - z)) + (pair[1] - z);
        double back[3] = {s, q, 0};
        CHECK(same_bits(exact_of(back, 3), s));
    }
    double huge = 0x1p300, tiny = 0x1p-300;
    struct exact_sum sum;
    exact_clear(&sum);
    CHECK(!exact_add(&sum, huge) && !exact_add(&sum, tiny) && !exact_add(&sum, INFINITY) &&
          !exact_add(&sum, NAN) && exact_add(&sum, 0.0));
}

static void test_fsum_data(void)
{
    /* Value i depends on i only, is exactly built, and both kinds have the promised shape. */
    CHECK(same_bits(fsum_value(12345, FSUM_DATA_RANDOM), fsum_value(12345, FSUM_DATA_RANDOM)));
    bool negative = false, positive = false;
    for (uint64_t i = 0; i < 100000; i++) {
        double x = fsum_value(i, FSUM_DATA_RANDOM);
        CHECK(fabs(x) >= 0x1p-32 && fabs(x) < 0x1p32);
        negative |= x < 0, positive |= x > 0;
        if (i % 2 == 0) {
            double a = fsum_value(i, FSUM_DATA_CANCEL), b = fsum_value(i + 1, FSUM_DATA_CANCEL);
            CHECK(a == fsum_value(i / 2, FSUM_DATA_RANDOM));
            CHECK(fabs(a + b) <= fabs(a) * 0x1p-32); /* the pair cancels */
        }
    }
    CHECK(negative && positive);
    double values[10];
    fsum_fill(values, 10, 5, FSUM_DATA_CANCEL);
    CHECK(same_bits(values[3], fsum_value(8, FSUM_DATA_CANCEL)));
}

/* The method: every block length (short last blocks), the lane tree and the block chain, against
 * the exact sum and the documented bound; and the bound is not vacuous for the naive order. */
static void test_fsum_method(void)
{
    enum { MAX = 3 * FSUM_BLOCK + 37 };
    static double values[MAX];
    static struct fsum_partial partials[4];
    static struct exact_sum exact;
    for (int kind = 0; kind < 2; kind++) {
        fsum_fill(values, MAX, 0, (enum fsum_data)kind);
        const uint64_t lengths[] = {1, 2, 7, 8, 9, 15, 17, 100, FSUM_BLOCK - 1, FSUM_BLOCK,
                                    FSUM_BLOCK + 1, 2 * FSUM_BLOCK + 5, MAX};
        for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
            uint64_t n = lengths[l], blocks = (n + FSUM_BLOCK - 1) / FSUM_BLOCK;
            for (uint64_t b = 0; b < blocks; b++)
                partials[b] = fsum_block(values, n, b);
            double result = fsum_combine(partials, blocks), sum, sum_abs;
            fsum_reference(n, (enum fsum_data)kind, &exact, &sum, &sum_abs);
            CHECK(same_bits(exact_of(values, n), sum));
            double error = fsum_distance(&exact, result);
            CHECK(error >= 0 && error <= fsum_error_bound(n, sum, sum_abs));
            /* Within one rounding of the exact sum here (the gamma^2 term is negligible). */
            CHECK(error <= 0x1p-52 * fabs(sum));
            if (!(error <= fsum_error_bound(n, sum, sum_abs)))
                printf("  kind %d n %llu: error %g bound %g\n", kind, (unsigned long long)n, error,
                       fsum_error_bound(n, sum, sum_abs));
        }
    }
    CHECK(fsum_naive_error_bound(1, 5.0) == 0);
    CHECK(fsum_error_bound(10000000, 0, 1) > 0 && fsum_error_bound(10000000, 0, 1) < 1e-24);
}

/* --describe: one JSON line, generated from the option table and the row (the contract the
 * harness reads). */
static const char *description(const char *workload, char *text, size_t size)
{
    FILE *out = fmemopen(text, size, "w");
    if (out == NULL)
        return "";
    print_description(out, "prog", "serial", find_workload(workload));
    fclose(out);
    return text;
}

static void test_describe(void)
{
    static char text[8192];
    description("sum", text, sizeof text);
    CHECK(strncmp(text, "{\"workload\": \"sum\", \"program\": \"prog\", \"variant\": \"serial\", "
                        "\"formula\": \"n(n-1)/2\", \"options\": [", 95) == 0);
    CHECK(strchr(text, '\n') == text + strlen(text) - 1); /* one line */
    CHECK(strstr(text, "{\"flag\": \"-n\", \"arg\": \"N\", \"kind\": \"whole\", \"min\": 1, "
                       "\"max\": 6074001000, \"default\": 10000000, \"shared\": true, "
                       "\"help\": \"values per task\"}"));
    CHECK(strstr(text, "{\"flag\": \"--tasks\", \"arg\": \"T\", \"kind\": \"whole\", \"min\": 1, "
                       "\"max\": 1000000, \"default\": 4, \"shared\": false, "));
    CHECK(strstr(text, "{\"flag\": \"--cold-cache\", \"kind\": \"switch\", \"shared\": false, "));
    CHECK(strstr(text, "{\"flag\": \"--describe\", \"kind\": \"switch\", \"shared\": true, "));
    CHECK(strstr(text, "\"--split\"") == NULL && strstr(text, "NUMBERS") == NULL);
    description("square", text, sizeof text);
    CHECK(strstr(text, "{\"flag\": \"-n\", \"arg\": \"N\", \"kind\": \"whole\", \"min\": 1, "
                       "\"max\": 4294967295, \"shared\": true, ")); /* no default -n */
    CHECK(strstr(text, "{\"flag\": \"NUMBERS\", \"kind\": \"numbers\", \"min\": 0, "
                       "\"max\": 4294967295, \"shared\": false, "));
    CHECK(strstr(text, "{\"flag\": \"--delay\", \"arg\": \"S\", \"kind\": \"seconds\", \"min\": 0, "
                       "\"max\": 60, \"default\": 1, \"shared\": false, "));
    description("heavy", text, sizeof text);
    CHECK(strstr(text, "{\"flag\": \"--split\", \"arg\": \"HOW\", \"kind\": \"choice\", "
                       "\"words\": [\"tasks\", \"data\"], \"default\": \"tasks\", \"shared\": false, "));
    CHECK(strstr(text, "--cold-cache") == NULL);
    description("fsum", text, sizeof text);
    CHECK(strstr(text, "\"formula\": \"the exact sum\""));
    CHECK(strstr(text, "{\"flag\": \"--naive\", \"kind\": \"switch\", \"shared\": false, "));
    /* Every flag it describes, the parser takes; and --describe skips the row's own checks. */
    for (const struct workload *const *w = workloads; *w; w++) {
        description((*w)->name, text, sizeof text);
        for (size_t k = 0; k < MAX_OPTIONS; k++) {
            const struct option *option = option_at(*w, k);
            char flag[64];
            snprintf(flag, sizeof flag, "{\"flag\": \"%s\"", option ? option->flag : "");
            CHECK(!option || takes_option(*w, option) == (strstr(text, flag) != NULL));
        }
        struct options o;
        char error[256];
        char *argv[] = {"prog", "--describe", "-n", "1", "--expect-ranks", "3", NULL};
        CHECK(parse_options(6, argv, *w, &o, error, sizeof error) == 0 && o.describe);
        free_options(&o);
    }
}

int main(void)
{
    test_describe();
    test_fsum_parsing();
    test_exact_sum();
    test_fsum_data();
    test_fsum_method();
    test_parsing();
    test_closed_forms();
    test_decimal();
    test_shares();
    test_statistics();
    printf("%d of %d checks passed\n", checks - failures, checks);
    return failures ? 1 : 0;
}
