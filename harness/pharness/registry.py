"""The Python registry: every workload, variant, launch shape and size preset that the harness,
the perf benchmark, the tests and the job checks know about.

Why one place: the C programs have their own registry (common/workloads.c), which says how a
program runs.  This one says how to run and check the programs from outside: which arguments to
pass, what the exact answer is (computed here in Python integers, independently of the C code),
which sizes a preset uses, how a run is checked (Exact, Fsum), and how each variant is launched.
What a program accepts (its options, -n's limit, its choices, the text of its closed form) is
the C row's alone: the built program prints it (--describe), and describe() reads it.
Adding a workload is one row in
WORKLOADS (CONTRIBUTING.md); meson.build, the tests, the harness and perf loop over the rows.

A row is one way to run a program: square has two, the array map ("square") and the seed's
numbers demo ("seed").  Run as a script it prints what meson.build needs:
    python3 harness/pharness/registry.py programs     the C workloads, one per line
    python3 harness/pharness/registry.py rows         one line per row: NAME PROGRAM SUITES WORK
"""
import functools
import json
import os
import subprocess
import sys

VARIANTS = ("serial", "openmp", "mpi", "hybrid")
MPI_VARIANTS = ("mpi", "hybrid")
OMP_VARIANTS = ("openmp", "hybrid")

# What bounds a workload's speed, for the lessons (docs/roofline.md says why).
BOUNDS = {
    "memory": "memory bandwidth: more cores stop helping once memory is saturated",
    "cores": "the cores: every core adds its share, up to the core count",
    "waiting": "waiting: the work only sleeps, so it scales even past the cores",
}


def shape(variant, workers, threads_per_rank=None):
    """(ranks, threads) for `workers` workers of a variant; None when it cannot be split that
    way.  Hybrid takes the most square split (ranks <= threads), or a fixed threads per rank."""
    if variant == "serial":
        return (1, 1) if workers == 1 else None
    if variant == "openmp":
        return 1, workers
    if variant == "mpi":
        return workers, 1
    if threads_per_rank:
        return ((workers // threads_per_rank, threads_per_rank)
                if workers % threads_per_rank == 0 else None)
    ranks = max(d for d in range(1, workers + 1) if workers % d == 0 and d * d <= workers)
    return ranks, workers // ranks


class Workload:
    """One row.

    name         the harness's name for it (bench --workloads, records' "row")
    program      the C workload: its programs are PROGRAM_VARIANT
    mode         the "mode" its programs report in their JSON line
    about        one line for tables and --help
    bound        a key of BOUNDS
    sizes        per preset, the sizes: n, tasks, numbers, delay (and optionally repeat)
    methods      {method: extra program arguments}: runs of one row that must agree with each
                 other or, for a demonstration (demos), need not; None: a single method
    closed_form  a ClosedForm: size -> the exact answer (a Python int), or None when the
                 program computes its own exact reference (fsum: see pharness/fsum.py)
    check        how a run is judged: EXACT (the result equals the closed form, as a decimal
                 string) or FSUM (bit-identical to serial, within the error bound)
    tests        the end-to-end test cases (program arguments) run at every worker count
    work         True: the instruction-count test proves the work grows with -n and --tasks
                 (for kernels a compiler could fold into a formula: docs/folding.md)
    What the programs accept (-n's limit, their options and choices) is the C row's, read from
    the built program: describe() below.
    """

    def __init__(self, name, program, mode, about, bound, sizes, closed_form, tests,
                 methods=None, demos=(), check=None, work=False):
        self.name, self.program, self.mode, self.about = name, program, mode, about
        self.bound, self.sizes, self.closed_form, self.tests = bound, sizes, closed_form, tests
        self.methods = methods or {None: []}
        self.demos = set(demos)
        self.check = check or EXACT
        self.work = work

    @property
    def per_task(self):
        """The result is one task's (every task computes the same): its sizes name --tasks."""
        return all("tasks" in size for size in self.sizes.values())

    def args(self, size, repeat, method=None):
        """The program arguments for one size (and method), --repeat last."""
        repeat = size.get("repeat", repeat)
        if "numbers" in size:
            args = [str(x) for x in size["numbers"]] + ["--delay", repr(float(size["delay"]))]
        else:
            args = ["-n", str(size["n"])]
            if "tasks" in size:
                args += ["--tasks", str(size["tasks"])]
            for key in GRID_KEYS:  # a grid's rows and steps (heat)
                if key in size:
                    args += ["--" + key, str(size[key])]
        if method not in self.methods:
            method = next(iter(self.methods))  # the default method
        return args + list(self.methods[method]) + ["--repeat", str(repeat)]

    def describe(self, size):
        if "numbers" in size:
            return "numbers %s, --delay %g s" % (" ".join(map(str, size["numbers"])),
                                                size["delay"])
        text = "n=%s" % format(size["n"], ",")
        if "tasks" in size:
            text += ", tasks=%d" % size["tasks"]
        for key in GRID_KEYS:
            if key in size:
                text += ", %s=%s" % (key, size[key])
        return text

    def program_name(self, variant):
        return "%s_%s" % (self.program, variant)


GRID_KEYS = ("ny", "steps", "r")  # a grid workload's sizes beyond n: --ny, --steps, --r


def size_of_args(args):
    """The size that program arguments describe (the inverse of Workload.args, for checks)."""
    size, numbers, i = {}, [], 0
    keys = {"-n": "n", "--tasks": "tasks", "--delay": "delay", "--repeat": "repeat",
            "--ny": "ny", "--steps": "steps", "--r": "r"}
    while i < len(args):
        a = args[i]
        if a in keys and i + 1 < len(args):
            key = keys[a]
            size[key] = float(args[i + 1]) if a in ("--delay", "--r") else int(args[i + 1])
            i += 2
            continue
        if a.startswith("-n") and a[2:].isdigit():
            size["n"] = int(a[2:])
        elif a.isdigit():
            numbers.append(int(a))
        i += 1
    if numbers:
        size["numbers"] = numbers
    return size


class ClosedForm:
    """An exact answer in Python integers, independent of the C code, with the text the
    programs print for it (a test holds the two texts equal: tests/check.py, test_registry)."""

    def __init__(self, formula, compute):
        self.formula, self.compute = formula, compute

    def __call__(self, size):
        return self.compute(size)


def sum_below(n):
    """0 + 1 + ... + (n-1)"""
    return n * (n - 1) // 2


SUM = ClosedForm("n(n-1)/2", lambda size: sum_below(size.get("n", 10**7)))
SQUARE = ClosedForm("n(n+1)(2n+1)/6",
                    lambda size: size["n"] * (size["n"] + 1) * (2 * size["n"] + 1) // 6)
SQUARES_OF = ClosedForm("sum of x*x", lambda size: sum(
    x * x for x in size.get("numbers") or range(1, size.get("tasks", 4) + 1)))


# ---- how a run is judged: one object per kind of check, with what every checker needs ----

class Exact:
    """The result is a whole number: equal, as a decimal string, to the closed form and to the
    serial program's result."""
    name = "exact"
    result_key, expected_key = "result", "expected"  # the JSON fields compared
    same_n = False     # the exercise checker may draw a new n for every run
    probe_flags = ()   # extra flags for the exercise checker's MPI probe
    suites = ()        # the test suites its rows' tests join beyond their variant's

    def pick(self, **by_check):
        """The one of several ways (keyword per check name) that fits this check."""
        return by_check[self.name]

    def expected(self, pj, closed, serial_expected):
        """The exact answer a run is held to, as recorded."""
        return closed

    def reference(self, pj):
        """What the serial run leaves for the others beyond its result (nothing)."""
        return None

    def problems(self, who, pj, method, demo, closed, serial_result, serial_expected):
        result = pj.get("result")
        if not isinstance(result, str) or not result.lstrip("-").isdigit():
            return ["%s: result %r is not a decimal string" % (who, result)]
        problems = []
        if result != str(closed):
            problems.append("%s: result %s != closed form %d" % (who, result, closed))
        if serial_result is not None and result != serial_result:
            problems.append("%s: result %s != serial reference %s"
                            % (who, result, serial_result))
        if pj.get("verified") is not True:
            problems.append("%s: the program's own check failed (verified=%r)"
                            % (who, pj.get("verified")))
        exp = pj.get("expected")
        if exp is not None and str(exp) != str(closed):
            problems.append("%s: program's closed form %s != harness closed form %d"
                            % (who, exp, closed))
        return problems

    def agrees_closed_form(self, pj, result, closed):
        return str(result) == str(closed)

    def record_fields(self, pj, serial_result):
        """Fields of its own that a run record of this check carries."""
        return {}


class Fsum(Exact):
    """The floating-point sum: bit-identical to the serial program, and within the error bound
    of the exact sum the program computes (pharness/fsum.py, docs/float.md)."""
    name = "fsum"
    result_key, expected_key = "result_hex", "expected_hex"
    same_n = True      # the bits of every run must be the same: one n for all
    probe_flags = ("-DPARLAB_PROBE_DOUBLE_SUMS",)  # the MPI probe counts MPI's double sums
    suites = ("float",)

    def expected(self, pj, closed, serial_expected):
        return serial_expected if serial_expected is not None else pj.get("expected_hex")

    def reference(self, pj):
        return pj.get("expected_hex")

    def problems(self, who, pj, method, demo, closed, serial_result, serial_expected):
        from . import fsum
        return fsum.check(who, pj, method, None if demo else serial_result, serial_expected)

    def agrees_closed_form(self, pj, result, closed):
        from . import fsum
        return fsum.within_bound(pj)  # within error_bound of the exact sum

    def record_fields(self, pj, serial_result):
        from . import fsum
        rhex = pj.get("result_hex")

        def number(x):
            return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None

        def flag(x):
            return x if isinstance(x, bool) else None

        return {
            "result_hex": rhex,
            "expected_hex": pj.get("expected_hex"),
            "result_decimal": None if pj.get("result") is None else str(pj.get("result")),
            "error": number(pj.get("error")),
            "error_bound": number(pj.get("error_bound")),
            "sum_abs": number(pj.get("sum_abs")),
            "reproducible": flag(pj.get("reproducible")),
            "runs_identical": flag(pj.get("runs_identical")),
            "data": pj.get("data") if isinstance(pj.get("data"), str) else None,
            "ulps_from_reproducible": fsum.ulps_between(fsum.parse_hex(rhex),
                                                        fsum.parse_hex(serial_result)),
        }


class Heat(Exact):
    """The heat equation: the field's digest is the serial program's, bit for bit, and the
    program's own check against the closed form lambda^K u0 passed within its stated error
    bound (docs/heat.md).  The closed form is also computed here, independently."""
    name = "heat"
    result_key, expected_key = "digest", "lambda_k"
    same_n = True
    suites = ("heat",)

    def expected(self, pj, closed, serial_expected):
        return serial_expected if serial_expected is not None else pj.get("digest")

    def reference(self, pj):
        return pj.get("digest")

    def problems(self, who, pj, method, demo, closed, serial_result, serial_expected):
        problems = []
        digest = pj.get("digest")
        if not isinstance(digest, str) or len(digest) != 16:
            return ["%s: digest %r is not 16 hex digits" % (who, digest)]
        if serial_result is not None and digest != serial_result:
            problems.append("%s: digest %s != serial %s" % (who, digest, serial_result))
        if pj.get("verified") is not True:
            problems.append("%s: the program's own check failed (verified=%r)"
                            % (who, pj.get("verified")))
        error, bound = pj.get("max_error"), pj.get("error_bound")
        if not (isinstance(error, (int, float)) and isinstance(bound, (int, float))
                and error <= bound):
            problems.append("%s: max_error %r not within error_bound %r" % (who, error, bound))
        return problems

    def agrees_closed_form(self, pj, result, closed):
        error, bound = pj.get("max_error"), pj.get("error_bound")
        return isinstance(error, (int, float)) and isinstance(bound, (int, float)) \
            and error <= bound

    def record_fields(self, pj, serial_result):
        return {}


def heat_lambda_k(size):
    """lambda^K for a heat size (docs/heat.md): the decay of the initial sine mode.  The size
    names n, steps and r (their defaults are the program's: --describe); without ny the grid
    is square, as --ny's help says."""
    import math
    nx = size["n"]
    ny = size.get("ny", nx)
    r = size["r"]
    lam = 1 - 4 * r * (math.sin(math.pi / (2 * (nx + 1))) ** 2
                       + math.sin(math.pi / (2 * (ny + 1))) ** 2)
    return lam ** size["steps"]


EXACT, FSUM, HEAT = Exact(), Fsum(), Heat()
CHECKS = {c.name: c for c in (EXACT, FSUM, HEAT)}


# ---- what a built program accepts: the C row's own definition (--describe) ----

class DescribeError(Exception):
    """A program that could not say what it accepts."""


@functools.lru_cache(maxsize=None)
def _describe(path):
    try:
        proc = subprocess.run([path, "--describe"], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DescribeError("%s --describe: %s" % (path, exc))
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or len(lines) != 1:
        raise DescribeError("%s --describe: exit %d, want one JSON line: %s"
                            % (path, proc.returncode, (proc.stderr or proc.stdout)[-300:]))
    try:
        return json.loads(lines[0])
    except ValueError as exc:
        raise DescribeError("%s --describe: not JSON (%s)" % (path, exc))


def describe(program_path):
    """What the program at program_path accepts, as it says itself with --describe (the one
    definition, in its C row): {"workload", "program", "variant", "formula", "options": [...]}.
    Cached per path.  Raises DescribeError."""
    return _describe(os.path.abspath(program_path))


def options(desc, shared=None):
    """{flag: option} of a description; shared=False: only the program's own options."""
    return {o["flag"]: o for o in desc["options"] if shared is None or o["shared"] == shared}


def n_max(desc):
    """The largest -n the program accepts."""
    return options(desc)["-n"]["max"]


def takes(desc):
    """The options beyond the shared ones (what the bad-input tests offer other programs)."""
    return set(options(desc, shared=False))


def choices(desc):
    """{flag: [words]} of the program's options that take one of a few words."""
    return {f: o["words"] for f, o in options(desc).items() if o["kind"] == "choice"}


ODD_N = 1000003  # no worker count up to 8 divides it, and it ends in a short block

WORKLOADS = {w.name: w for w in [
    Workload(
        "heavy", "heavy", "tasks", "heavy: the seed's cpu_heavy_task: each task adds 0..n-1 in "
        "registers", "cores",
        sizes={"tiny": {"n": 1000000, "tasks": 4}, "small": {"n": 100000000, "tasks": 4},
               "large": {"n": 1000000000, "tasks": 16}},
        closed_form=SUM, work=True,
        methods={"tasks": [], "data": ["--split", "data"]},
        tests=[["-n", str(ODD_N), "--tasks", "3"], ["-n", str(ODD_N), "--split", "data"],
               ["-n", "3", "--tasks", "7"], ["-n", "1", "--split", "data"]]),
    Workload(
        "sum", "sum", "array", "sum: each task adds up the array 0..n-1", "memory",
        sizes={"tiny": {"n": 200000, "tasks": 4}, "small": {"n": 20000000, "tasks": 8},
               "large": {"n": 200000000, "tasks": 8}},
        closed_form=SUM, work=True,
        tests=[["-n", str(ODD_N), "--tasks", "3"], ["-n", "1"], ["-n", "3"]]),
    Workload(
        "square", "square", "array", "square: squares 1..n and adds the squares", "memory",
        sizes={"tiny": {"n": 200000}, "small": {"n": 20000000}, "large": {"n": 200000000}},
        closed_form=SQUARE,
        tests=[["-n", str(ODD_N)]]),
    Workload(
        "seed", "square", "numbers", "square, numbers mode (the seed's demo): one number per "
        "worker, --delay seconds of simulated work each", "waiting",
        sizes={"tiny": {"numbers": [1, 2, 3, 4], "delay": 0.02},
               "small": {"numbers": [1, 2, 3, 4], "delay": 0.1, "repeat": 3},
               "large": {"numbers": list(range(1, 17)), "delay": 0.1, "repeat": 3}},
        closed_form=SQUARES_OF,
        tests=[["--delay", "0.01", "--tasks", "5"], ["--delay", "0", "0", "7", "4294967295"]]),
    Workload(
        "fsum", "fsum", "array", "fsum: adds n doubles, bit-identical at every worker count "
        "(docs/float.md)", "memory",
        sizes={"tiny": {"n": 200000}, "small": {"n": 20000000}, "large": {"n": 200000000}},
        closed_form=None, methods={"reproducible": [], "naive": ["--naive"]}, demos={"naive"},
        check=FSUM,
        tests=[["-n", str(ODD_N)], ["-n", str(ODD_N), "--data", "cancel"], ["-n", "5"]]),
    Workload(
        "heat", "heat", "grid", "heat: explicit diffusion on a 2-D grid, bit-identical at every "
        "split (docs/heat.md)", "memory",
        sizes={"tiny": {"n": 256, "steps": 50, "r": 0.25},
               "small": {"n": 1024, "steps": 50, "r": 0.25},
               "large": {"n": 8192, "steps": 100, "r": 0.25}},
        closed_form=ClosedForm("lambda^K u0", heat_lambda_k),
        methods={"blocking": [], "overlap": ["--overlap"]}, check=HEAT,
        # Sizes no rank or thread count up to 7 divides, blocking and --overlap at every count;
        # the second is 7 rows, which 5 ranks (a 5 x 1 process grid) split into blocks of 2, 2,
        # 1, 1 and 1 rows, at the stability limit r = 1/4.
        tests=[["-n", "37", "--ny", "23", "--steps", "20"],
               ["-n", "23", "--ny", "7", "--steps", "15", "--r", "0.25", "--overlap"]]),
]}


def programs():
    """The C workloads, in registry order, each once."""
    seen = []
    for w in WORKLOADS.values():
        if w.program not in seen:
            seen.append(w.program)
    return seen


def rows_of_program(program):
    return [w for w in WORKLOADS.values() if w.program == program]


PRESETS = {
    "tiny": {"about": "tests and CI: seconds (10-20 s on 2 cores, mostly MPI start-up)",
             "repeat": 5, "rounds": 1, "timeout": 120},
    "small": {"about": "a laptop: about a minute", "repeat": 18, "rounds": 3, "timeout": 600},
    "large": {"about": "a cluster node: minutes", "repeat": 10, "rounds": 2, "timeout": 3600},
}
DEFAULT_PRESET = "small"
# Rows a preset leaves out by default (the seed demo only sleeps: not worth CI's seconds).
PRESET_SKIPS = {"tiny": {"seed"}, "large": {"seed"}}


def preset_rows(preset):
    return [w.name for w in WORKLOADS.values()
            if preset in w.sizes and w.name not in PRESET_SKIPS.get(preset, ())]


if __name__ == "__main__":
    if sys.argv[1:] == ["programs"]:
        print("\n".join(programs()))
        sys.exit(0)
    if sys.argv[1:] == ["rows"]:
        for w in WORKLOADS.values():
            print(w.name, w.program, ",".join(w.check.suites) or "-", "work" if w.work else "-")
        sys.exit(0)
    sys.stderr.write("usage: registry.py programs|rows\n")
    sys.exit(2)
