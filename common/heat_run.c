/* heat_run.c: how the heat equation runs: heat's row in workloads.c points here.
 *
 * Why a plan and a check of its own: heat's data is not one array of values per worker but a
 * block of a 2-D grid with a ring of halo cells, which the kernel chooses (heat_split); every run
 * must start again from the initial field; and its answer is a whole field, not a number.  So the
 * plan allocates and fills the blocks, resets them before every run (untimed), and after every
 * run gathers the field on rank 0 (untimed), where the check computes two things:
 *   - the digest: a 64-bit FNV-1a hash of the field's doubles in global row-major order, the same
 *     bits at every decomposition, which the tests compare with the serial program's;
 *   - the largest difference from the closed form lambda^K * u0 (the initial field is an
 *     eigenvector of the discrete Laplacian), which must stay within a rounding bound.
 * The mathematics and the bound's derivation are in docs/heat.md. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "parlab_heat.h"

void heat_share(uint64_t n, int index, int parts, uint64_t *first, uint64_t *count)
{
    block_share(n, index, parts, first, count);
}

struct heat_run {
    struct heat_block block;
    double *first, *second; /* the block's two arrays (u and next point into them) */
    double *initial;        /* this block's initial field, ring included */
    double *field;          /* rank 0: the whole field, gathered, row-major */
    double *gathered;       /* rank 0: every rank's block, in rank order */
    uint64_t *counts;       /* rank 0: cells per rank */
    double *corners;        /* rank 0: every rank's first_row, first_col, rows, cols */
    double lambda_k, bound; /* the closed form's factor lambda^K, and the error bound */
    double max_error;       /* the largest |u - lambda^K u0| of the reported run */
    uint64_t digest, first_digest;
    bool runs_identical;
    /* This rank's seconds over the timed runs, and the shares of the exchange (rank 0's, and
     * the largest over ranks), known on rank 0 after the last run. */
    double exchange_seconds, compute_seconds, share_rank0, share_max, exchange_max;
    FILE *picture;          /* rank 0: --picture's file, opened before the runs */
    FILE *field_file;       /* rank 0: --field's file, opened before the runs */
    bool split;             /* heat_split() ran: heat_done() frees what it made */
};

/* The initial field at global cell (row y, column x), both from 0: sin(pi i/(nx+1)) sin(pi j/(ny+1))
 * with i = x + 1, j = y + 1.  Every program, and the check, computes it with this one function. */
static double initial_value(uint64_t nx, uint64_t ny, uint64_t y, uint64_t x)
{
    return sin(M_PI * (double)(x + 1) / (double)(nx + 1)) *
           sin(M_PI * (double)(y + 1) / (double)(ny + 1));
}

/* lambda = 1 - 4r (sin^2(pi / (2(nx+1))) + sin^2(pi / (2(ny+1)))), the factor of one step. */
static double lambda_of(uint64_t nx, uint64_t ny, double r)
{
    double sx = sin(M_PI / (2.0 * (double)(nx + 1))), sy = sin(M_PI / (2.0 * (double)(ny + 1)));
    return 1.0 - 4.0 * r * (sx * sx + sy * sy);
}

/* The bound on max |computed - lambda^K u0| (docs/heat.md): (64 + 40 K) units in the last place
 * of 1, i.e. (64 + 40 K) * 2^-53. */
static double error_bound(uint64_t steps)
{
    return (64.0 + 40.0 * (double)steps) * ldexp(1.0, -53);
}

static uint64_t fnv1a(uint64_t hash, double value)
{
    unsigned char bytes[sizeof value];
    memcpy(bytes, &value, sizeof value);
    for (size_t k = 0; k < sizeof value; k++) {
        hash ^= bytes[k];
        hash *= UINT64_C(1099511628211);
    }
    return hash;
}

/* ---- the run ---- */

static void heat_before(struct run *r)
{
    struct heat_run *h = r->state;
    struct heat_block *b = &h->block;
    size_t cells = (size_t)(b->rows + 2) * (size_t)(b->cols + 2);
    memcpy(h->first, h->initial, cells * sizeof *h->first);
    memcpy(h->second, h->initial, cells * sizeof *h->second); /* its ring: the zero boundary */
    b->u = h->first;
    b->next = h->second;
    b->exchange_seconds = b->compute_seconds = 0;
}

static void heat_once(struct run *r, uint64_t number, struct result *results)
{
    (void)number, (void)results;
    struct heat_run *h = r->state;
    r->kernel->heat_steps(&h->block);
}

/* After the clock stopped, on every rank: the field to rank 0, its digest and its distance from
 * the closed form there; the exchange's share of this rank's time. */
static void heat_after(struct run *r, uint64_t number, struct result *results)
{
    struct heat_run *h = r->state;
    struct heat_block *b = &h->block;
    double corner[4] = {(double)b->first_row, (double)b->first_col, (double)b->rows,
                        (double)b->cols}; /* exact: every number is at most 32768 */
    team_gather_doubles(corner, 4, h->corners, h->counts);
    const struct parlab_kernel *k = r->kernel;
    if (k->heat_gather) { /* the kernel gathers the field itself (exercise 17) */
        if (team_rank() == 0) /* a cell it never writes stays NaN, which no right field holds */
            for (uint64_t c = 0; c < b->nx * b->ny; c++)
                h->field[c] = NAN;
        k->heat_gather(b, team_rank() == 0 ? h->field : NULL);
    } else {
        uint64_t width = b->cols + 2, cells = b->rows * b->cols;
        double *mine = h->second == b->u ? h->first : h->second; /* the array not holding u */
        for (uint64_t y = 0; y < b->rows; y++)
            memcpy(mine + y * b->cols, b->u + (y + 1) * width + 1, b->cols * sizeof *mine);
        team_gather_doubles(mine, cells, h->gathered, h->counts);
    }

    if (number > 0) {
        h->exchange_seconds += b->exchange_seconds;
        h->compute_seconds += b->compute_seconds;
    }
    if (number == r->options->repeat) {
        double spent = h->exchange_seconds + h->compute_seconds;
        double share = spent > 0 ? h->exchange_seconds / spent : 0;
        h->share_rank0 = share;
        h->share_max = team_max(share);
        h->exchange_max = team_max(h->exchange_seconds / (double)r->options->repeat);
    }
    if (team_rank() != 0)
        return;

    const uint64_t nx = b->nx, ny = b->ny;
    const double *from = h->gathered;
    for (int rank = 0; rank < team_size() && !k->heat_gather; rank++) {
        const double *at = h->corners + 4 * rank;
        uint64_t row0 = (uint64_t)at[0], col0 = (uint64_t)at[1], rows = (uint64_t)at[2],
                 cols = (uint64_t)at[3];
        for (uint64_t y = 0; y < rows; y++)
            memcpy(h->field + (row0 + y) * nx + col0, from + y * cols, cols * sizeof *from);
        from += rows * cols;
    }
    uint64_t digest = UINT64_C(14695981039346656037);
    double max_error = 0;
    for (uint64_t y = 0; y < ny; y++)
        for (uint64_t x = 0; x < nx; x++) {
            double value = h->field[y * nx + x];
            digest = fnv1a(digest, value);
            double error = fabs(value - h->lambda_k * initial_value(nx, ny, y, x));
            if (!(error <= max_error)) /* NaN too */
                max_error = error;
        }
    results[0].whole = digest;
    results[0].real = max_error;
}

/* ---- the check, on rank 0 ---- */

static void heat_prepare(struct run *r)
{
    struct heat_run *h = r->state;
    const struct options *o = r->options;
    h->lambda_k = pow(lambda_of(h->block.nx, h->block.ny, o->rate), (double)o->steps);
    h->bound = error_bound(o->steps);
}

static void heat_verify(struct run *r, uint64_t number, const struct result *results)
{
    struct heat_run *h = r->state;
    uint64_t digest = (uint64_t)results[0].whole;
    double error = results[0].real;
    if (number == 0) {
        h->digest = h->first_digest = digest;
        h->max_error = error;
    } else if (digest != h->first_digest) {
        h->runs_identical = false;
    }
    if (r->report.verified && !(error <= h->bound)) {
        r->report.verified = false;
        h->digest = digest;
        h->max_error = error;
    }
}

static bool write_picture(const struct heat_run *h, FILE *file);

/* --field: a text header (the grid, then every rank's block as heat_split() chose it), then the
 * field's doubles, row by row, in this machine's byte order: what an exercise check reads to name
 * the first wrong cell and the rank that holds it (docs/heat.md, "The field file"). */
static bool write_field(const struct heat_run *h, FILE *file)
{
    const struct heat_block *b = &h->block;
    bool ok = fprintf(file, "parlab heat field: nx %llu ny %llu ranks %d\n",
                      (unsigned long long)b->nx, (unsigned long long)b->ny, team_size()) > 0;
    for (int k = 0; k < team_size() && ok; k++) {
        const double *at = h->corners + 4 * k;
        ok = fprintf(file, "rank %d: first_row %.0f first_col %.0f rows %.0f cols %.0f\n", k,
                     at[0], at[1], at[2], at[3]) > 0;
    }
    size_t cells = (size_t)b->nx * (size_t)b->ny;
    ok = ok && fwrite(h->field, sizeof *h->field, cells, file) == cells;
    return ok && fflush(file) == 0 && !ferror(file);
}

/* Writes one of the run's files (--picture, --field) and closes it; false, with one line on
 * stderr naming the option, when that fails. */
static bool write_output(const struct run *r, const struct heat_run *h, FILE **file,
                         bool (*write)(const struct heat_run *, FILE *), const char *flag,
                         const char *path)
{
    errno = 0;
    bool written = write(h, *file);
    written = fclose(*file) == 0 && written;
    *file = NULL;
    if (!written)
        fprintf(stderr, "%s: %s: cannot write %s: %s\n", r->options->program, flag, path,
                errno ? strerror(errno) : "write error");
    return written;
}

static void heat_finish(struct run *r)
{
    struct heat_run *h = r->state;
    r->report.verified = r->report.verified && h->runs_identical;
    snprintf(r->report.result, sizeof r->report.result, "%016llx", (unsigned long long)h->digest);
    snprintf(r->report.expected, sizeof r->report.expected, "%.17g", h->lambda_k);
    if (h->picture &&
        !write_output(r, h, &h->picture, write_picture, "--picture", r->options->picture))
        r->report.output_failed = true;
    if (h->field_file &&
        !write_output(r, h, &h->field_file, write_field, "--field", r->options->field))
        r->report.output_failed = true;
}

const struct check heat_check = {heat_prepare, heat_verify, heat_finish};

/* ---- the report ---- */

static bool exchanges(void) { return team_variant() != NULL; }

static void heat_json(struct json *j, const struct run *r)
{
    const struct heat_run *h = r->state;
    const struct options *o = r->options;
    json_add_string(j, "digest", r->report.result);
    json_add(j, ",\"nx\":%llu,\"ny\":%llu,\"steps\":%llu,\"r\":%.17g", (unsigned long long)h->block.nx,
             (unsigned long long)h->block.ny, (unsigned long long)o->steps, o->rate);
    json_add(j, ",\"overlap\":%s", h->block.overlap ? "true" : "false");
    json_add(j, ",\"process_grid\":[%d,%d]", h->block.process_rows, h->block.process_cols);
    json_add(j, ",\"lambda_k\":%.17g", h->lambda_k);
    if (isfinite(h->max_error))
        json_add(j, ",\"max_error\":%.17g", h->max_error);
    else /* a NaN or infinite cell: JSON has no number for it */
        json_add(j, ",\"max_error\":null");
    json_add(j, ",\"error_bound\":%.17g", h->bound);
    json_add(j, ",\"runs_identical\":%s", h->runs_identical ? "true" : "false");
    if (exchanges())
        json_add(j, ",\"exchange_share_max\":%.6g,\"exchange_share_rank0\":%.6g,"
                 "\"exchange_seconds_max\":%.9g", h->share_max, h->share_rank0, h->exchange_max);
    else
        json_add(j, ",\"exchange_share_max\":null,\"exchange_share_rank0\":null,"
                 "\"exchange_seconds_max\":null");
    json_add_string(j, "picture", o->picture);
}

static void heat_lines(const struct run *r)
{
    const struct heat_run *h = r->state;
    bool within = h->max_error <= h->bound;
    printf("Result: field digest %s (FNV-1a of the %llu x %llu doubles, row by row)\n",
           r->report.result, (unsigned long long)h->block.ny, (unsigned long long)h->block.nx);
    printf("Check: max |u - lambda^K u0| = %.3g %s error bound %.3g (lambda^K = %.17g)%s: %s\n",
           h->max_error, within ? "<=" : ">", h->bound, h->lambda_k,
           within && !h->runs_identical ? ", but the runs differ" : "",
           r->report.verified ? "verified" : "WRONG");
    if (exchanges())
        printf("Halo exchange: %.1f%% of the time of the rank that spent the largest share on it "
               "(rank 0: %.1f%%; %.3g s per run at most), process grid %d x %d%s\n",
               100 * h->share_max, 100 * h->share_rank0, h->exchange_max, h->block.process_rows,
               h->block.process_cols, h->block.overlap ? ", overlapped with the interior" : "");
    if (r->options->picture && !r->report.output_failed)
        printf("Picture: %s (the final field, black at its minimum to white at its maximum)\n",
               r->options->picture);
}

static void heat_wrong(const struct run *r)
{
    const struct heat_run *h = r->state;
    if (h->max_error <= h->bound)
        fprintf(stderr, "%s: wrong result: the runs gave different fields (digest %s first)\n",
                r->options->program, r->report.result);
    else
        fprintf(stderr, "%s: wrong result: max |u - lambda^K u0| = %.3g exceeds the error bound "
                "%.3g (digest %s)\n", r->options->program, h->max_error, h->bound,
                r->report.result);
}

static void heat_release(struct run *r)
{
    struct heat_run *h = r->state;
    if (h == NULL)
        return;
    if (h->split && r->kernel->heat_done)
        r->kernel->heat_done(&h->block);
    if (h->picture)
        fclose(h->picture);
    if (h->field_file)
        fclose(h->field_file);
    free(h->first);
    free(h->second);
    free(h->initial);
    free(h->field);
    free(h->gathered);
    free(h->counts);
    free(h->corners);
    free(h);
}

static void describe_heat(const struct options *o, FILE *out)
{
    fprintf(out, "heat on a %llu x %llu grid (rows x columns), %llu steps of r = %g%s",
            (unsigned long long)(o->ny ? o->ny : o->n), (unsigned long long)o->n,
            (unsigned long long)o->steps, o->rate,
            option_switch(o, "--overlap") ? ", halo exchange overlapped with the interior" : "");
}

int heat_plan(struct run *r)
{
    const struct options *o = r->options;
    struct heat_run *h = calloc(1, sizeof *h);
    if (team_agree(h ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: out of memory before the run\n", o->program);
        free(h);
        return EXIT_BAD_INPUT;
    }
    r->state = h;
    r->release = heat_release;
    h->runs_identical = true;
    struct heat_block *b = &h->block;
    b->nx = o->n;
    b->ny = o->ny ? o->ny : o->n;
    b->steps = o->steps;
    b->r = o->rate;
    b->overlap = option_switch(o, "--overlap");
    r->kernel->heat_split(b);
    h->split = true;

    /* Every rank's block must have a cell: more process rows than grid rows (or columns than
     * columns) is refused, the same on every rank (the process grid is). */
    if ((uint64_t)b->process_rows > b->ny || (uint64_t)b->process_cols > b->nx) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: -n/--ny: %d ranks form a %d x %d process grid, which needs at "
                    "least %d row%s and %d column%s; got %llu x %llu (use fewer ranks or a larger "
                    "grid)\n", o->program, team_size(), b->process_rows, b->process_cols,
                    b->process_rows, b->process_rows == 1 ? "" : "s", b->process_cols,
                    b->process_cols == 1 ? "" : "s", (unsigned long long)b->ny,
                    (unsigned long long)b->nx);
        return EXIT_BAD_INPUT;
    }
    size_t cells = (size_t)(b->rows + 2) * (size_t)(b->cols + 2);
    h->first = malloc(cells * sizeof *h->first);
    h->second = malloc(cells * sizeof *h->second);
    h->initial = calloc(cells, sizeof *h->initial);
    bool ok = h->first && h->second && h->initial;
    if (team_rank() == 0) {
        size_t all = (size_t)b->nx * (size_t)b->ny;
        h->field = malloc(all * sizeof *h->field);
        h->gathered = malloc(all * sizeof *h->gathered);
        h->counts = malloc((size_t)team_size() * sizeof *h->counts);
        h->corners = malloc((size_t)team_size() * 4 * sizeof *h->corners);
        ok = ok && h->field && h->gathered && h->counts && h->corners;
    }
    if (team_agree(ok ? EXIT_OK : EXIT_BAD_INPUT) != EXIT_OK) {
        if (team_rank() == 0)
            fprintf(stderr, "%s: -n/--ny: no memory for a %llu x %llu grid\n", o->program,
                    (unsigned long long)b->ny, (unsigned long long)b->nx);
        return EXIT_BAD_INPUT;
    }
    /* A picture or field file that cannot be written is refused before the run, not after it. */
    int status = EXIT_OK;
    if (team_rank() == 0 && o->picture && (h->picture = fopen(o->picture, "wb")) == NULL) {
        fprintf(stderr, "%s: --picture: cannot create %s: %s\n", o->program, o->picture,
                strerror(errno));
        status = EXIT_BAD_INPUT;
    }
    if (team_rank() == 0 && status == EXIT_OK && o->field &&
        (h->field_file = fopen(o->field, "wb")) == NULL) {
        fprintf(stderr, "%s: --field: cannot create %s: %s\n", o->program, o->field,
                strerror(errno));
        status = EXIT_BAD_INPUT;
    }
    if (team_agree(status) != EXIT_OK)
        return EXIT_BAD_INPUT;

    uint64_t width = b->cols + 2;
    for (uint64_t y = 0; y < b->rows; y++)
        for (uint64_t x = 0; x < b->cols; x++)
            h->initial[(y + 1) * width + x + 1] =
                initial_value(b->nx, b->ny, b->first_row + y, b->first_col + x);

    r->item_size = 0; /* the driver allocates nothing: the block is here */
    r->results_per_run = 1;
    r->before_run = heat_before;
    r->once = heat_once;
    r->after_run = heat_after;
    r->report.mode = "grid";
    r->report.n = b->nx;
    r->report.tasks = 1;
    r->report.per_task = false;
    /* Memory traffic of one run at best: every step reads u and writes next once (the
     * neighbours come from the cache), 16 bytes per cell. */
    r->report.bytes_per_run = 16.0 * (double)b->nx * (double)b->ny * (double)b->steps;
    r->report.json_fields = heat_json;
    r->report.print_lines = heat_lines;
    r->report.print_wrong = heat_wrong;
    return 0;
}

void heat_start_line(const struct options *o, FILE *out) { describe_heat(o, out); }

/* ---- --picture: a PNG written here, with no library: 8-bit RGB, stored (uncompressed) deflate
 * blocks, each cell a square of pixels.  Colours run from black through red and yellow to white
 * as the value runs from the field's minimum to its maximum. ---- */

static uint32_t crc_table[256];

static uint32_t crc32_of(uint32_t crc, const unsigned char *bytes, size_t count)
{
    if (crc_table[1] == 0)
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t c = n;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? UINT32_C(0xedb88320) ^ (c >> 1) : c >> 1;
            crc_table[n] = c;
        }
    crc = ~crc;
    for (size_t k = 0; k < count; k++)
        crc = crc_table[(crc ^ bytes[k]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(unsigned char *at, uint32_t value)
{
    at[0] = (unsigned char)(value >> 24), at[1] = (unsigned char)(value >> 16);
    at[2] = (unsigned char)(value >> 8), at[3] = (unsigned char)value;
}

/* One chunk: length, type, data, CRC of type and data. */
static bool chunk(FILE *file, const char *type, const unsigned char *data, uint32_t length)
{
    unsigned char head[8], tail[4];
    put32(head, length);
    memcpy(head + 4, type, 4);
    uint32_t crc = crc32_of(crc32_of(0, head + 4, 4), data, length);
    put32(tail, crc);
    return fwrite(head, 1, 8, file) == 8 && (length == 0 || fwrite(data, 1, length, file) == length)
           && fwrite(tail, 1, 4, file) == 4;
}

static void colour(double t, unsigned char rgb[3])
{
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double red = 3 * t, green = 3 * t - 1, blue = 3 * t - 2;
    rgb[0] = (unsigned char)(255 * (red > 1 ? 1 : red));
    rgb[1] = (unsigned char)(255 * (green < 0 ? 0 : green > 1 ? 1 : green));
    rgb[2] = (unsigned char)(255 * (blue < 0 ? 0 : blue));
}

static bool write_picture(const struct heat_run *h, FILE *file)
{
    uint64_t nx = h->block.nx, ny = h->block.ny;
    uint64_t largest = nx > ny ? nx : ny, scale = largest >= 512 ? 1 : 512 / largest;
    uint64_t width = nx * scale, height = ny * scale, line = 1 + 3 * width; /* filter byte + RGB */
    double low = h->field[0], high = h->field[0];
    for (uint64_t k = 0; k < nx * ny; k++) {
        low = h->field[k] < low ? h->field[k] : low;
        high = h->field[k] > high ? h->field[k] : high;
    }
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char header[13] = {0};
    put32(header, (uint32_t)width);
    put32(header + 4, (uint32_t)height);
    header[8] = 8;  /* bits per channel */
    header[9] = 2;  /* RGB */
    if (fwrite(signature, 1, 8, file) != 8 || !chunk(file, "IHDR", header, 13))
        return false;
    /* The image data: a zlib stream of stored blocks of at most 65535 bytes, one or more per
     * row of pixels, and the Adler-32 of the raw bytes. */
    unsigned char *row = malloc(line), *block = malloc(5 + 65535);
    if (row == NULL || block == NULL) {
        free(row);
        free(block);
        return false;
    }
    static const unsigned char zlib_head[2] = {0x78, 0x01};
    bool ok = chunk(file, "IDAT", zlib_head, 2);
    uint32_t a = 1, b = 0;
    for (uint64_t py = 0; py < height && ok; py++) {
        row[0] = 0; /* no filter */
        const double *cells = h->field + (py / scale) * nx;
        for (uint64_t px = 0; px < width; px++)
            colour(high > low ? (cells[px / scale] - low) / (high - low) : 0, row + 1 + 3 * px);
        for (uint64_t k = 0; k < line; k++) {
            a = (a + row[k]) % 65521;
            b = (b + a) % 65521;
        }
        for (uint64_t done = 0; done < line && ok; ) {
            uint32_t size = line - done > 65535 ? 65535 : (uint32_t)(line - done);
            bool last = py + 1 == height && done + size == line;
            block[0] = last ? 1 : 0;
            block[1] = (unsigned char)size, block[2] = (unsigned char)(size >> 8);
            block[3] = (unsigned char)~size, block[4] = (unsigned char)(~size >> 8);
            memcpy(block + 5, row + done, size);
            ok = chunk(file, "IDAT", block, 5 + size);
            done += size;
        }
    }
    unsigned char adler[4];
    put32(adler, (b << 16) | a);
    ok = ok && chunk(file, "IDAT", adler, 4) && chunk(file, "IEND", NULL, 0);
    free(row);
    free(block);
    return ok && fflush(file) == 0 && !ferror(file);
}
