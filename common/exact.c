/* exact.c: the closed forms every result is checked against, and 128-bit decimal output.
 *
 * Why separate from the kernels: a check that reuses the kernel's own arithmetic cannot catch the
 * kernel's mistakes.  These formulas never loop over the data, and they are computed in 128 bits,
 * where none of the accepted inputs can overflow (see the limits in internal.h and the unit tests).
 * exact_check, at the end, compares every result of every run with them, after the clock stopped. */
#include "internal.h"

u128 sum_closed_form(uint64_t n)
{
    if (n == 0)
        return 0;
    return (u128)n * (n - 1) / 2;
}

u128 squares_closed_form(uint64_t n)
{
    /* n(n+1)(2n+1) < 2^98 for n < 2^32, so the product fits before the division. */
    return (u128)n * (n + 1) * (2 * (u128)n + 1) / 6;
}

u128 squares_of(const uint64_t *numbers, size_t count)
{
    u128 total = 0;
    for (size_t i = 0; i < count; i++)
        total += (u128)numbers[i] * numbers[i];
    return total;
}

char *u128_to_decimal(u128 value, char *text)
{
    char digits[40];
    int length = 0;
    do {
        digits[length++] = (char)('0' + (int)(value % 10));
        value /= 10;
    } while (value != 0);
    for (int i = 0; i < length; i++)
        text[i] = digits[length - 1 - i];
    text[length] = '\0';
    return text;
}

void block_share(uint64_t n, int index, int workers, uint64_t *first, uint64_t *count)
{
    /* The first n % workers workers get one extra item; workers beyond n get none. */
    uint64_t base = n / (uint64_t)workers, extra = n % (uint64_t)workers;
    uint64_t i = (uint64_t)index;
    *first = i * base + (i < extra ? i : extra);
    *count = base + (i < extra ? 1 : 0);
}

/* ---- the check of the exact workloads: every result of every run equals the closed form ---- */

static void exact_prepare(struct run *r)
{
    r->expected = r->options->workload->closed_form(r->options);
}

static void exact_verify(struct run *r, uint64_t number, const struct result *results)
{
    (void)number;
    for (uint64_t k = 0; k < r->results_per_run && r->report.verified; k++)
        if (results[k].whole != r->expected) { /* the first wrong result is the one reported */
            r->report.verified = false;
            u128_to_decimal(results[k].whole, r->report.result);
        }
}

static void exact_finish(struct run *r)
{
    u128_to_decimal(r->expected, r->report.expected);
    if (r->report.verified)
        u128_to_decimal(r->expected, r->report.result);
}

const struct check exact_check = {exact_prepare, exact_verify, exact_finish};
