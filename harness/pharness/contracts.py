"""What an exercise program must do to be right, and how one run of it is judged.

Why contracts: an exercise check must say "right" or "wrong, because ..." about a run of a
student's program, and a hard-coded answer or N lone copies of a one-rank program must never
pass.  Where an exercise is a parlab workload (sum, square, heavy, fsum), the contract is the
workload's: the program's JSON line, the driver's own verdict, the registry's closed form (in
Python integers, independent of the C code), and the thread and rank counts the program says it
got (--expect-threads, --expect-ranks).  The other exercises are small programs of their own
with a precise output, and each of their contracts below computes the right output itself.

A contract gives a run its sizes (drawn at random by the check), its arguments, and a verdict:
verify() returns a short description of what was right, or raises Failure with a key (which
picks the hint, exercises.py) and a message with the numbers that were wrong.
"""
import os
import re

from . import launch, registry


PROBE = "parlab-probe:"


class Failure(Exception):
    """A check that did not pass: key names the kind (for the hint), message says what."""

    def __init__(self, key, message, **details):
        super().__init__(message)
        self.key, self.message, self.details = key, message, details


def program_lines(out):
    """stdout without the lines an OpenMP runtime adds for OMP_DISPLAY_AFFINITY."""
    return [l for l in out.splitlines() if l.strip() and launch.AFFINITY_PREFIX not in l]


def error_lines(err):
    """stderr without the probes' lines."""
    return [l for l in err.splitlines() if l.strip() and not l.startswith(PROBE)]


def probe_records(err, kind):
    """The probes' lines of one kind ('mpi' or 'fn') as dicts of their key=value fields."""
    found = []
    for line in err.splitlines():
        if line.startswith(PROBE) and (" %s=" % kind) in line:
            found.append(dict(f.split("=", 1) for f in line[len(PROBE):].split() if "=" in f))
    return found


def error_summary(err):
    """The stderr lines that say most: those naming an MPI call or an error, else the last."""
    lines = [" ".join(l.strip(" *").split()) for l in error_lines(err)]
    telling = [l for l in lines if re.search(r"\bMPI_\w+|error|Error|ERROR", l)]
    return " | ".join((telling or lines[-3:])[:3]) or "nothing on stderr"


def check_exit(code, err, what="the program"):
    """Failure for a run that did not end normally (a crash, a signal, an MPI abort)."""
    if code == 0:
        return
    tail = error_summary(err)
    if code == 2:
        raise Failure("refused", "%s refused to run (exit status 2): %s" % (what, tail))
    raise Failure("crash", "%s ended with %s: %s" % (what, launch.describe_exit(code), tail))


def check_mpi_probe(err, ranks):
    """Every process started MPI and ended it: the MPI probe's lines (probes/mpi.c)."""
    records = probe_records(err, "mpi")
    never = [r for r in records if r.get("mpi") == "never-initialized"]
    if never:
        raise Failure("no-init", "%d of %d processes never called MPI_Init: each ran alone"
                      % (len(never), ranks))
    unfinished = sorted(int(r.get("rank", -1)) for r in records if r.get("mpi") == "not-finalized")
    if unfinished:
        raise Failure("finalize", "rank%s %s ended without MPI_Finalize"
                      % ("s" if len(unfinished) > 1 else "", ", ".join(map(str, unfinished))))


def _draw(rng, bounds):
    low, high = bounds
    return rng.randint(low, high)


class Contract:
    """Sizes, arguments and the verdict on one run; subclasses fill them in."""
    ways = None  # --way words, for programs that do one thing several ways

    def size(self, rng, exercise, run, kind="run"):
        """A random size: kind is 'run', 'small' (fewer items than ranks), 'tsan' or 'info'."""
        bounds = {"run": exercise.n, "small": exercise.small_n, "tsan": exercise.tsan_n,
                  "info": exercise.info_n}[kind]
        size = {"n": _draw(rng, bounds) if isinstance(bounds, tuple) else bounds}
        if exercise.tasks:
            size["tasks"] = _draw(rng, exercise.tasks) if kind != "info" else exercise.tasks[1]
        return size

    def args(self, size, run):
        args = ["-n", str(size["n"])]
        if self.ways:
            args += ["--way", run.way]
        return args

    def describe(self, size, run):
        text = "-n %d" % size["n"]
        if "tasks" in size:
            text += " --tasks %d" % size["tasks"]
        if run.way:
            text += " --way %s" % run.way
        return text


# ---- parlab workloads: the driver checks itself, and the registry's closed form checks it ----

class Workload(Contract):
    """The student's file is a parlab kernel file of workload `row` (registry.py)."""

    def __init__(self, row, method=None):
        self.row = registry.WORKLOADS[row]
        self.method = method
        # the reproducible sum: the MPI probe counts the floating-point sums MPI is asked to do
        self.probe_flags = list(self.row.check.probe_flags)

    def args(self, size, run):
        method = run.method or self.method
        args = self.row.args(size, repeat=run.repeat or 1, method=method) + ["--json"]
        if run.threads > 1 or run.variant in registry.OMP_VARIANTS:
            args += ["--expect-threads", str(run.threads)]
        if run.variant in registry.MPI_VARIANTS:
            args += ["--expect-ranks", str(run.ranks)]
        return args

    def describe(self, size, run):
        text = Contract.describe(self, size, run)
        method = run.method or self.method
        return text + (" " + " ".join(self.row.methods[method]) if method in self.row.methods
                       and self.row.methods[method] else "")

    def record(self, code, out, err):
        if code not in (0, 1):
            check_exit(code, err)
        try:
            return launch.parse_json_line(out, err, code)
        except launch.LaunchError as exc:
            raise Failure("output", str(exc))

    def verify(self, run, size, code, out, err):
        obj = self.record(code, out, err)
        verify = self.row.check.pick(exact=self.verify_exact, fsum=self.verify_fsum)
        return verify(run, size, code, obj, err)

    def verify_exact(self, run, size, code, obj, err):
        want = self.row.closed_form(size)
        got = obj.get("result")
        if code == 1 or got != str(want) or obj.get("verified") is not True:
            self.explain_wrong(run, got, want, obj)
        self.check_workers(run, obj)
        return "%s = %s" % (got, self.row.closed_form.formula)

    def explain_wrong(self, run, got, want, obj):
        label = "for a task" if self.row.per_task else ""
        text = "result %s%s, want %s" % (got, " " + label if label else "", want)
        try:
            value = int(got)
        except (TypeError, ValueError):
            raise Failure("wrong", text)
        workers = {run.threads, run.ranks, run.threads * run.ranks} - {1}
        for k in sorted(workers):
            if want and value == k * want:
                raise Failure("times-workers", "%s: %d times the right answer, with %d workers"
                              % (text, k, k), workers=k)
        if value == 0:
            raise Failure("zero", text + ": nothing was added up")
        raise Failure("wrong", text)

    def check_workers(self, run, obj):
        if run.variant in registry.OMP_VARIANTS and obj.get("threads") != run.threads:
            raise Failure("output", "asked for %d threads, the program says it had %s"
                          % (run.threads, obj.get("threads")))
        if run.variant in registry.MPI_VARIANTS and obj.get("ranks") != run.ranks:
            raise Failure("output", "asked for %d ranks, the program says it had %s"
                          % (run.ranks, obj.get("ranks")))

    def verify_fsum(self, run, size, code, obj, err):
        """The reproducible sum, in this order: nowhere near the exact sum (values missing, or
        counted twice); further from it than the method's error bound (the driver's verdict);
        doubles added by MPI (the MPI probe's count: their order follows the rank count, and
        the last bits with it, though at a few rank counts often by chance not); other bits
        than an earlier run with the same n (run.reference: its bits and shape)."""
        bits, exact = obj.get("result_hex"), obj.get("expected_hex")
        error, bound = obj.get("error"), obj.get("error_bound")
        run.result_bits = bits
        try:
            far = float(error) > 1e-6 * float(obj.get("sum_abs"))
        except (TypeError, ValueError):
            far = False
        if far:  # every rounding together stays below n * 2^-53 of the sum of magnitudes
            raise Failure("wrong", "result %s is %s from the exact sum %s: far more than any "
                          "rounding, so values are missing or counted twice" % (bits, error,
                                                                                exact))
        if code == 1 or obj.get("verified") is not True:
            raise Failure("fsum-error", "result %s is %s from the exact sum %s: more than the "
                          "reproducible method's bound %s" % (bits, error, exact, bound))
        sums = sum(int(r.get("double-sums", 0)) for r in probe_records(err, "mpi")
                   if r.get("double-sums", "0").isdigit())
        if sums:
            raise Failure("not-reproducible", "result %s, but the program asked MPI to add "
                          "floating-point numbers (MPI_SUM on MPI_DOUBLE, %d call%s): MPI adds "
                          "them in an order that depends on the rank count" % (
                              bits, sums, "s" * (sums > 1)))
        reference = getattr(run, "reference", None)
        if reference and reference[0] != bits:
            raise Failure("not-reproducible", "result %s, but %s gave %s for the same n (the "
                          "exact sum is %s)" % (bits, reference[1], reference[0], exact))
        self.check_workers(run, obj)
        return "%s, within %s of the exact sum" % (bits, bound)


# ---- programs of their own ----

def _total_line(lines, formula, n, who="the program", workers=()):
    totals = [l for l in lines if l.startswith("total:")]
    if len(totals) != 1:
        raise Failure("output", "%s must print one line 'total: X', printed %d%s"
                      % (who, len(totals), (": " + " | ".join(lines[:4])) if lines else ""))
    text = totals[0].split(":", 1)[1].strip()
    want = formula(n)
    if text != str(want):
        try:
            value = int(text)
        except ValueError:
            raise Failure("output", "'total: %s' is not a whole number" % text)
        for k in sorted(set(workers) - {1}):
            if want and value == k * want:
                raise Failure("times-workers", "total %d, want %d: %d times the right answer, "
                              "with %d workers" % (value, want, k, k), workers=k)
        raise Failure("zero" if value == 0 else "wrong", "total %s, want %d" % (value, want),
                      got=value, want=want)
    return want


sum_below = registry.sum_below  # the registry's closed form, for the programs of their own


def multiples_of_3_or_5(n):
    """the sum of the multiples of 3 or 5 below n"""
    def below(k):
        m = (n - 1) // k
        return k * m * (m + 1) // 2
    return below(3) + below(5) - below(15)


def triangle(n):
    """the sum over rows i < n of 0 + 1 + ... + i"""
    return (n - 1) * n * (n + 1) // 6


class Total(Contract):
    """The program prints 'total: X' (once, on rank 0 for MPI) for -n N; X = formula(n)."""

    def __init__(self, formula, ways=None, mpi=False):
        self.formula, self.ways, self.mpi = formula, ways, mpi

    def verify(self, run, size, code, out, err):
        if self.mpi:
            check_mpi_probe(err, run.ranks)
        check_exit(code, err)
        want = _total_line(program_lines(out), self.formula, size["n"],
                           "rank 0" if self.mpi else "the program",
                           workers=(run.threads, run.ranks))
        return "total %d = %s" % (want, self.formula.__doc__)


class Hello(Contract):
    """SPMD hello: every rank prints 'hello from rank R of S', once; S is the rank count."""
    LINE = re.compile(r"^hello from rank (-?\d+) of (-?\d+)$")

    def size(self, rng, exercise, run, kind="run"):
        return {}

    def args(self, size, run):
        return []

    def describe(self, size, run):
        return ""

    def verify(self, run, size, code, out, err):
        check_mpi_probe(err, run.ranks)
        check_exit(code, err)
        lines = program_lines(out)
        found = [self.LINE.match(l) for l in lines]
        strays = [l for l, m in zip(lines, found) if not m]
        if strays:
            raise Failure("output", "a line that is not 'hello from rank R of S': %r" % strays[0])
        pairs = sorted((int(m.group(1)), int(m.group(2))) for m in found)
        want = [(r, run.ranks) for r in range(run.ranks)]
        if pairs == want:
            return ("1 line, rank 0 of 1" if run.ranks == 1 else
                    "%d lines, ranks 0..%d of %d" % (run.ranks, run.ranks - 1, run.ranks))
        sizes = {s for _, s in pairs}
        if pairs and sizes == {1} and run.ranks > 1:
            raise Failure("copies", "%d lines 'hello from rank 0 of 1' from %d ranks: every "
                          "process believes it is alone" % (len(pairs), run.ranks))
        if sizes and sizes != {run.ranks}:
            raise Failure("size", "the lines say %s ranks, but %d ran"
                          % (" and ".join(map(str, sorted(sizes))), run.ranks))
        raise Failure("output", "want one line per rank 0..%d, got ranks %s"
                      % (run.ranks - 1, [r for r, _ in pairs]))


class Triangle(Contract):
    """The schedule exercise: 'total: X' and one 'thread T: units U' line per thread.  With
    OMP_SCHEDULE=static,C the units of each thread are fixed by the OpenMP specification
    (chunks of C iterations, dealt round-robin in thread order), so they are checked exactly."""

    formula = staticmethod(triangle)
    UNITS = re.compile(r"^thread (\d+): units (\d+)$")

    def verify(self, run, size, code, out, err):
        check_exit(code, err)
        n, lines = size["n"], program_lines(out)
        _total_line(lines, triangle, n)
        units = {}
        for line in lines:
            m = self.UNITS.match(line)
            if m:
                units[int(m.group(1))] = int(m.group(2))
        if sorted(units) != list(range(run.threads)):
            raise Failure("output", "want one line 'thread T: units U' for each of threads "
                          "0..%d, got threads %s" % (run.threads - 1, sorted(units)))
        total_units = n * (n + 1) // 2
        if sum(units.values()) != total_units:
            raise Failure("output", "the units add up to %d, want %d (row i costs i + 1)"
                          % (sum(units.values()), total_units))
        schedule = run.env.get("OMP_SCHEDULE", "")
        busy = [t for t, u in units.items() if u]
        # Only a static schedule fixes who works: under dynamic or guided one thread may well
        # take every chunk while the others wait for a core.
        if schedule.startswith("static") and run.threads > 1 and len(busy) == 1 and \
                n >= run.threads:
            raise Failure("one-thread", "thread %d did all the work, the other %d thread%s none"
                          % (busy[0], run.threads - 1, "s" * (run.threads > 2)))
        m = re.fullmatch(r"static,(\d+)", schedule)
        if m:
            want = static_units(n, run.threads, int(m.group(1)))
            if [units[t] for t in range(run.threads)] != want:
                raise Failure("schedule", "with OMP_SCHEDULE=%s the threads did %s units, the "
                              "schedule gives %s" % (schedule, [units[t] for t in
                                                                range(run.threads)], want))
        share = max(units.values()) / total_units
        run.busiest = share
        return "total %d; busiest thread %.0f%% of the work" % (triangle(n), 100 * share)


def static_units(n, threads, chunk):
    """Work units per thread of schedule(static, chunk) over rows 0..n-1, row i costing i + 1."""
    units = [0] * threads
    for start in range(0, n, chunk):
        t = (start // chunk) % threads
        end = min(n, start + chunk)
        units[t] += (end * (end + 1) - start * (start + 1)) // 2
    return units


def line_size():
    """The cache line size of this machine (64 bytes if the system does not say)."""
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size") as fh:
            return int(fh.read().strip()) or 64
    except (OSError, ValueError):
        return 64


class Slots(Contract):
    """The false-sharing exercise: 'total: X' and one 'slot T at 0xADDRESS' line per thread,
    the address each thread adds to inside its loop.  No two may share a cache line."""
    SLOT = re.compile(r"^slot (\d+) at (0x[0-9a-fA-F]+)$")

    def verify(self, run, size, code, out, err):
        check_exit(code, err)
        lines = program_lines(out)
        _total_line(lines, sum_below, size["n"])
        slots = {}
        for line in lines:
            m = self.SLOT.match(line)
            if m:
                slots[int(m.group(1))] = int(m.group(2), 16)
        if sorted(slots) != list(range(run.threads)):
            raise Failure("output", "want one line 'slot T at 0xADDRESS' for each of threads "
                          "0..%d, got threads %s" % (run.threads - 1, sorted(slots)))
        size_ = line_size()
        owner = {}
        for t in sorted(slots):
            line = slots[t] // size_
            if line in owner:
                raise Failure("false-sharing", "threads %d and %d add into the same %d-byte "
                              "cache line (%#x and %#x)" % (owner[line], t, size_,
                                                            slots[owner[line]], slots[t]))
            owner[line] = t
        return "total %d; %d threads, each on its own %d-byte line" % (
            sum_below(size["n"]), run.threads, size_)


class Decomposition(Contract):
    """MPI decomposition: every rank prints 'rank R of S: first F count C', its share of the
    items 0..n-1; rank 0 prints 'total: X'.  The shares must cover 0..n-1 exactly once, in rank
    order, and differ in size by at most one item."""
    SHARE = re.compile(r"^rank (\d+) of (\d+): first (\d+) count (\d+)$")

    def verify(self, run, size, code, out, err):
        check_mpi_probe(err, run.ranks)
        check_exit(code, err)
        n, lines = size["n"], program_lines(out)
        shares = {}
        for line in lines:
            m = self.SHARE.match(line)
            if m:
                r, s, first, count = map(int, m.groups())
                if s != run.ranks:
                    raise Failure("size", "rank %d says there are %d ranks, %d ran"
                                  % (r, s, run.ranks))
                shares[r] = (first, count)
        if sorted(shares) != list(range(run.ranks)):
            raise Failure("output", "want one line 'rank R of S: first F count C' from each of "
                          "ranks 0..%d, got ranks %s" % (run.ranks - 1, sorted(shares)))
        for r in range(run.ranks):
            first, count = shares[r]
            if count and first + count > n:
                raise Failure("overrun", "rank %d's share %d..%d goes past the last item, %d"
                              % (r, first, first + count - 1, n - 1), rank=r)
        pieces = sorted((shares[r][0], shares[r][0] + shares[r][1], r) for r in range(run.ranks)
                        if shares[r][1])
        lost, covered = [], 0
        for (start, end, r), later in zip(pieces, pieces[1:] + [None]):
            if start > covered:
                lost.append((covered, start - 1))
            if later and later[0] < end:
                raise Failure("overlap", "item %d belongs to rank %d and to rank %d"
                              % (later[0], r, later[2]))
            covered = max(covered, end)
        if covered < n:
            lost.append((covered, n - 1))
        if lost:
            count = sum(b - a + 1 for a, b in lost)
            raise Failure("lost", "%d item%s belong%s to no rank: %s" % (
                count, "s" if count > 1 else "", "" if count > 1 else "s", ", ".join(
                    str(a) if a == b else "%d..%d" % (a, b) for a, b in lost[:4])), lost=count)
        if [r for _, _, r in pieces] != sorted(r for _, _, r in pieces):
            raise Failure("order", "the shares are not in rank order: rank r's items must "
                          "come before rank r+1's")
        counts = [shares[r][1] for r in range(run.ranks)]
        if max(counts) - min(counts) > 1:
            big, small = counts.index(max(counts)), counts.index(min(counts))
            raise Failure("unbalanced", "rank %d has %d items and rank %d has %d: shares may "
                          "differ by one item at most" % (big, max(counts), small, min(counts)))
        want = _total_line(lines, sum_below, n, "rank 0")
        return "shares %s; total %d" % (counts if len(counts) <= 6 else
                                        "%d..%d items" % (min(counts), max(counts)), want)


class Ring(Contract):
    """The ring exchange: rank R sends its n values R*n .. R*n + n-1 to rank R+1 and receives
    rank R-1's (around the ring), then prints 'rank R of S received sum X from rank L'."""
    LINE = re.compile(r"^rank (\d+) of (\d+) received sum (\d+) from rank (\d+)$")

    @staticmethod
    def sent(rank, n):
        return rank * n * n + n * (n - 1) // 2

    def verify(self, run, size, code, out, err):
        check_mpi_probe(err, run.ranks)
        check_exit(code, err)
        n, ranks = size["n"], run.ranks
        got = {}
        for line in program_lines(out):
            m = self.LINE.match(line)
            if not m:
                raise Failure("output", "a line that is not 'rank R of S received sum X from "
                              "rank L': %r" % line)
            r, s, total, left = map(int, m.groups())
            if s != ranks:
                raise Failure("size", "rank %d says there are %d ranks, %d ran" % (r, s, ranks))
            got[r] = (total, left)
        if sorted(got) != list(range(ranks)):
            raise Failure("output", "want one line from each of ranks 0..%d, got ranks %s"
                          % (ranks - 1, sorted(got)))
        for r in range(ranks):
            left = (r - 1) % ranks
            total, said = got[r]
            if said != left:
                raise Failure("neighbour", "rank %d says it received from rank %d; its left "
                              "neighbour is rank %d" % (r, said, left))
            if total != self.sent(left, n):
                raise Failure("wrong", "rank %d received sum %d, rank %d sent %d"
                              % (r, total, left, self.sent(left, n)))
        return "every rank got its left neighbour's %d values (%d KiB)" % (n, n * 8 // 1024)


# ---- the halo-exchange exercises: the whole field, cell by cell ----

def read_field(path):
    """A heat program's --field file (common/heat_run.c, write_field): {'nx', 'ny', 'blocks':
    [(first_row, first_col, rows, cols) per rank], 'cells': the doubles' bytes, row by row}."""
    with open(path, "rb") as fh:
        data = fh.read()
    head = re.match(rb"parlab heat field: nx (\d+) ny (\d+) ranks (\d+)\n", data)
    if not head:
        raise ValueError("not a heat field file")
    nx, ny, ranks = map(int, head.groups())
    at, blocks = head.end(), []
    for k in range(ranks):
        m = re.compile(rb"rank %d: first_row (\d+) first_col (\d+) rows (\d+) cols (\d+)\n"
                       % k).match(data, at)
        if not m:
            raise ValueError("rank %d's block is missing" % k)
        blocks.append(tuple(map(int, m.groups())))
        at = m.end()
    cells = data[at:]
    if len(cells) != 8 * nx * ny:
        raise ValueError("%d bytes of cells, want %d" % (len(cells), 8 * nx * ny))
    return {"nx": nx, "ny": ny, "blocks": blocks, "cells": cells}


def _value(field, index):
    import struct
    return struct.unpack_from("=d", field["cells"], 8 * index)[0]


def first_difference(got, want):
    """The index (row-major) of the first cell whose 8 bytes differ, or None: bit for bit."""
    a, b = got["cells"], want["cells"]
    if a == b:
        return None
    for i in range(0, len(a), 8):
        if a[i:i + 8] != b[i:i + 8]:
            return i // 8
    return None


def owner(blocks, y, x):
    """(rank, first_row, first_col, rows, cols) of the block holding global cell (y, x)."""
    for rank, (r0, c0, rows, cols) in enumerate(blocks):
        if r0 <= y < r0 + rows and c0 <= x < c0 + cols:
            return (rank, r0, c0, rows, cols)
    return None


# The four halos: the side, the step to the cell across it (dy, dx), and whether that side is
# a row of the block (sent as `cols` doubles) or a column (a strided datatype).
SIDES = (("north", -1, 0, "row"), ("south", 1, 0, "row"), ("west", 0, -1, "column"),
         ("east", 0, 1, "column"))


def cell_sides(field, i):
    """(side, kind, the rank across or None at the grid's boundary, the cell across or None)
    for each side of cell i that another rank's cells or the grid's boundary border."""
    nx, ny, blocks = field["nx"], field["ny"], field["blocks"]
    y, x = divmod(i, nx)
    rank = owner(blocks, y, x)[0]
    found = []
    for side, dy, dx, kind in SIDES:
        yy, xx = y + dy, x + dx
        if not (0 <= yy < ny and 0 <= xx < nx):
            found.append((side, kind, None, None))
        elif owner(blocks, yy, xx)[0] != rank:
            found.append((side, kind, owner(blocks, yy, xx)[0], yy * nx + xx))
    return found


class HeatField(Workload):
    """The student's file is a heat kernel file (mpi or hybrid, common/parlab_heat.h), so the
    driver runs it, gathers its field, and checks it against the closed form.  This contract
    also compares the field, bit for bit, with the field of the capstone's own serial program
    (heat_serial, which Meson builds from serial/heat.c with the check's libraries: the one
    definition of the stencil), both written with --field.  A wrong field is explained by its
    first wrong cell: the rank holding it, its row and column in that rank's block
    (u[row * (cols + 2) + column]), and the halo it reads.  For that the run is repeated with
    one step, where exactly the cells that a mistake touches are wrong, and the value of the
    wrong cell says what the halo held:

      halo-missing  zeros (the ring as the driver set it): nothing arrived in time
      neighbour     other cells' values, in a row halo: sent to, or received from, the wrong rank
      column        other cells' values, in a column halo, where the lesson is the column's
                    datatype (column_key; elsewhere this is 'neighbour' too)
      not-updated   the cell kept its old value: the update skipped it
      interior      a cell next to no other rank's cells: the update, or the block's place
      stale         right after one step, wrong later: a halo from an earlier step
      split         the blocks do not cover the grid once;  grid: a 1-D grid where a 2-D one fits

    Where the kernel gathers the field itself (gather=True, exercise 17), a wrong cell is one
    the gather left out (NaN: not-gathered), or one that holds another cell's serial value
    (misplaced), or neither (gather).

    Sizes: the grid's columns (exercise.n) and rows (ny) are primes, so that no rank count
    divides them; kind 'small' gives the ranks one or two rows each (heat refuses more ranks
    than rows), and kind 'wide' has rows of 160 KB, above every MPI's eager limit, where a
    blocking send waits for its receive (a deadlocking order shows)."""

    def __init__(self, ny, steps, rates=(0.1, 0.2, 0.25), grid2d=False, column_key="neighbour",
                 gather=False, method=None):
        Workload.__init__(self, "heat", method=method)
        self.gather = gather  # the lesson is the kernel's own gather (heat_gather), not a halo
        self.ny, self.steps, self.rates, self.grid2d = ny, steps, rates, grid2d
        self.column_key = column_key  # 'column' where the lesson is the column's datatype
        self.checker, self.program, self.references, self.files = None, None, {}, 0

    @staticmethod
    def prime(rng, low, high):
        """A prime in [low, high]: no rank or thread count up to 8 divides it."""
        while True:
            n = rng.randint(low, high)
            if n > 1 and all(n % d for d in range(2, int(n ** 0.5) + 1)):
                return n

    def size(self, rng, exercise, run, kind="run"):
        size = {"steps": rng.randint(*self.steps), "r": rng.choice(self.rates)}
        if kind == "small":  # one or two rows per rank, a few columns
            size.update(n=rng.randint(3, 7), ny=rng.randint(run.ranks, run.ranks + 2))
        elif kind == "wide":  # a row of 160 KB: a blocking send of it waits for its receive
            size.update(n=self.prime(rng, 20000, 20100),
                        ny=self.prime(rng, run.ranks + 1, run.ranks + 8), steps=2)
        else:
            size.update(n=self.prime(rng, *exercise.n), ny=self.prime(rng, *self.ny))
        return size

    def describe(self, size, run):
        text = "%d x %d grid, %d step%s of r = %g" % (size["ny"], size["n"], size["steps"],
                                                     "s" * (size["steps"] > 1), size["r"])
        method = run.method or self.method
        return text + (" --overlap" if method == "overlap" else "")

    # ---- the reference: the capstone's serial program ----
    def attach(self, checker):
        """The reference: the capstone's serial program, heat_serial, as Meson built it in the
        check's gcc build directory (check-libs builds it); raises build.BuildError."""
        from . import build
        self.checker, self.references, self.files = checker, {}, 0
        self.program = build.built_program("heat_serial", "gcc",
                                           build.mpi_for("serial", "gcc", checker.mpi))
        return "reference: heat_serial, the capstone's serial program (serial/heat.c)"

    def field_path(self):
        self.files += 1
        return os.path.join(self.checker.workdir, "field-%d.bin" % self.files)

    def reference(self, size):
        key = tuple(sorted(size.items()))
        if key not in self.references:
            path = self.field_path()
            argv = list(self.checker.sandbox.prefix() if self.checker.sandbox else ()) + [
                self.program] + self.row.args(size, repeat=1) + ["--field", path]
            env = {"TMPDIR": os.environ["TMPDIR"]} if self.checker.sandbox else {}
            code, out, err, _ = launch.run(argv, env, 60)
            if code != 0:
                raise Failure("crash", "the serial reference failed (exit status %d): %s"
                              % (code, error_summary(err)))
            self.references[key] = read_field(path)
        return self.references[key]

    # ---- one run ----
    def args(self, size, run):
        run.field = self.field_path()
        return Workload.args(self, size, run) + ["--field", run.field]

    def student_field(self, run, code, err):
        try:
            return read_field(run.field)
        except (OSError, ValueError) as exc:
            raise Failure("output", "no field from the program (--field %s: %s); exit status "
                          "%d: %s" % (os.path.basename(run.field), exc, code,
                                      error_summary(err)))

    def verify(self, run, size, code, out, err):
        obj = self.record(code, out, err)
        got, want = self.student_field(run, code, err), self.reference(size)
        self.check_blocks(got)
        index = first_difference(got, want)
        if index is not None:
            raise self.explain(run, size, got, want, index)
        if obj.get("verified") is not True:
            raise Failure("wrong", "the field is the serial one, but the program's own check "
                          "failed (runs_identical %s)" % obj.get("runs_identical"))
        self.check_workers(run, obj)
        rows, cols = obj.get("process_grid") or [0, 0]
        if self.grid2d and rows * cols == run.ranks and min(rows, cols) == 1 and \
                any(run.ranks % d == 0 for d in range(2, run.ranks)):
            raise Failure("grid", "the field is right, but %d ranks ran as a %d x %d process "
                          "grid: a 2-D grid sends less (MPI_Dims_create makes one)"
                          % (run.ranks, rows, cols), ranks=run.ranks)
        return "the serial field, bit for bit (digest %s); process grid %d x %d" % (
            obj.get("digest"), rows, cols)

    def check_blocks(self, field):
        covered = bytearray(field["nx"] * field["ny"])
        for rank, (r0, c0, rows, cols) in enumerate(field["blocks"]):
            if rows == 0 or cols == 0 or r0 + rows > field["ny"] or c0 + cols > field["nx"]:
                raise Failure("split", "rank %d's block, rows %d..%d x columns %d..%d, is empty "
                              "or reaches past the %d x %d grid" % (
                                  rank, r0, r0 + rows - 1, c0, c0 + cols - 1, field["ny"],
                                  field["nx"]))
            for y in range(r0, r0 + rows):
                for x in range(c0, c0 + cols):
                    if covered[y * field["nx"] + x]:
                        raise Failure("split", "global cell (%d, %d) is in two ranks' blocks "
                                      "(rank %d's is one)" % (y, x, rank))
                    covered[y * field["nx"] + x] = 1
        if not all(covered):
            i = covered.index(0)
            raise Failure("split", "global cell (%d, %d) is in no rank's block"
                          % divmod(i, field["nx"]))

    # ---- a wrong field: the first wrong cell, and what its halo held ----
    def explain(self, run, size, got, want, index):
        """The Failure for a field that differs from the serial one at cell `index`."""
        if self.gather:
            return self.diagnose_gather(got, want, index, size)
        one = dict(size, steps=1)
        first = None
        if size["steps"] > 1:  # the same run, one step: only the mistake's own cells differ
            saved = run.field
            args = self.args(one, run)
            code, out, err, _ = self.checker.launch_run(run, self.checker.binaries[run.cc],
                                                        args)
            if code not in (0, 1):
                check_exit(code, err)
            got1, want1 = self.student_field(run, code, err), self.reference(one)
            run.field = saved
            first = first_difference(got1, want1)
            if first is None:
                if size["steps"] > 2:  # the first wrong cell of the first wrong step
                    two = dict(size, steps=2)
                    code, out, err, _ = self.checker.launch_run(
                        run, self.checker.binaries[run.cc], self.args(two, run))
                    got2, want2 = self.student_field(run, code, err), self.reference(two)
                    run.field = saved
                    if first_difference(got2, want2) is not None:
                        got, want, size = got2, want2, two
                        index = first_difference(got2, want2)
                halos = ["the %s halo (from rank %d)" % (s, o)
                         for s, _, o, _ in cell_sides(got, index) if o is not None]
                return self.failure("stale", got, want, index, size,
                                    "right after 1 step, wrong after %d: %s holds the cells of "
                                    "an earlier step (exchanged from the wrong array, or read "
                                    "before this step's exchange)" % (
                                        size["steps"], " or ".join(halos) or "a halo it reads"))
            got, want, index, size = got1, want1, first, one
        return self.diagnose(got, want, index, size)

    def failure(self, key, got, want, index, size, why, **details):
        y, x = divmod(index, got["nx"])
        where = owner(got["blocks"], y, x)
        rank, r0, c0 = where[:3]
        text = ("rank %d, row %d, column %d of its block (global row %d, column %d) is %r "
                "after %d step%s, the serial program's %r: %s" % (
                    rank, y - r0 + 1, x - c0 + 1, y, x, _value(got, index), size["steps"],
                    "s" * (size["steps"] > 1), _value(want, index), why))
        return Failure(key, text, rank=rank, row=y - r0 + 1, column=x - c0 + 1, **details)

    def diagnose(self, got, want, index, size):
        """After one step: the key of the first wrong cell's likely mistake."""
        nx, ny, r = got["nx"], got["ny"], size["r"]
        lam = registry.heat_lambda_k(size)  # one step: u0 = (the serial field) / lambda
        wrong = [i for i in range(nx * ny) if got["cells"][8 * i:8 * i + 8] !=
                 want["cells"][8 * i:8 * i + 8]]

        def sides(i):
            return cell_sides(got, i)

        first_sides = sides(index)
        v, c = _value(got, index), _value(want, index)
        if abs(v - c / lam) <= 1e-12:
            return self.failure("not-updated", got, want, index, size,
                                "it kept its value from before the step: the update skipped "
                                "it", side="")
        if not first_sides:
            return self.failure("interior", got, want, index, size,
                                "it is next to no other rank's cells, so the update or the "
                                "block's place (its first row or column) is wrong", side="")
        inside = next((i for i in wrong if not sides(i)), None)
        if inside is not None:  # a receive wrote into the block's own cells
            y, x = divmod(inside, nx)
            rank, r0, c0 = owner(got["blocks"], y, x)[:3]
            return self.failure(
                self.column_key if self.column_key != "neighbour" else "interior", got, want,
                index, size, "and so is rank %d's cell at row %d, column %d, next to no halo: a "
                "message landed in the block's own cells (a datatype or count that reaches past "
                "the halo, or the wrong address), or the update is wrong"
                % (rank, y - r0 + 1, x - c0 + 1), side="")
        # The value the cell was updated with across one side: v - c = r (h - h_serial), from a
        # wrong cell with one such side only (the first one, if the first wrong cell is a corner).
        single = [i for i in ([index] + wrong) if len(sides(i)) == 1]
        i = single[0] if single else index
        side, kind, other, across = sides(i)[0]
        serial = _value(want, across) / lam if across is not None else 0.0
        held = serial + (_value(got, i) - _value(want, i)) / r
        where = ("the %s halo, from rank %d," % (side, other) if other is not None else
                 "the %s ring (the grid's boundary: MPI_PROC_NULL)," % side)
        if other is None and abs(held) <= 1e-9:
            return self.failure("interior", got, want, index, size,
                                "it reads %s which rightly held 0: the update itself is "
                                "wrong" % where, side=side)
        if other is None:
            return self.failure("neighbour", got, want, index, size,
                                "it reads %s which must stay 0 but held %.6g: a message "
                                "arrived where there is no neighbour" % (where, held),
                                side=side, other="none")
        if abs(held) <= 1e-9:
            return self.failure("halo-missing", got, want, index, size,
                                "it reads %s which held 0 (the driver's initial ring): "
                                "nothing arrived in it" % where, side=side, other=other)
        key = self.column_key if kind == "column" else "neighbour"
        return self.failure(key, got, want, index, size,
                            "it reads %s which held %.6g where rank %d's cell is %.6g: values "
                            "from the wrong cells" % (where, held, other, serial),
                            side=side, other=other)

    def diagnose_gather(self, got, want, index, size):
        """The first wrong cell of a field the kernel gathered itself: never written (the driver
        set every cell to NaN first), another cell's value (a block put in the wrong place),
        or neither."""
        value = _value(got, index)
        y, x = divmod(index, got["nx"])
        rank, r0, c0 = owner(got["blocks"], y, x)[:3]
        if value != value:
            return self.failure("not-gathered", got, want, index, size,
                                "rank 0's field has nothing there (NaN): rank %d's block never "
                                "arrived in its place" % rank, block_rank=rank)
        bits = got["cells"][8 * index:8 * index + 8]
        cells = want["cells"]
        for j in range(0, len(cells), 8):
            if cells[j:j + 8] == bits:
                yy, xx = divmod(j // 8, got["nx"])
                other, o0, p0 = owner(got["blocks"], yy, xx)[:3]
                return self.failure("misplaced", got, want, index, size,
                                    "that is the serial value of global row %d, column %d (rank "
                                    "%d's row %d, column %d): a block, or a row of one, put in "
                                    "the wrong place" % (yy, xx, other, yy - o0 + 1, xx - p0 + 1),
                                    block_rank=other)
        return self.failure("gather", got, want, index, size,
                            "no cell of the serial field has that value: the cells sent are not "
                            "the block's (its ring, or the wrong array)", block_rank=rank)
