#!/usr/bin/env python3
"""End-to-end checks of the parlab programs, run by `meson test` (see tests/meson.build).

Why a script and not shell: each check parses the program's one JSON line and compares its result
with an exact closed form computed in Python integers (the registry's, harness/pharness/registry.py:
independent of the C code) and with the serial program's result for the same arguments.  Programs
are launched through the harness's one launcher (pharness/launch.py), with its MPI environment.

  check.py result  PROGRAM --row ROW [--serial SERIAL] [--launcher MPIEXEC --ranks R] [--threads T]
                   [-- ARGS]   every test case of the row (or ARGS), at this worker count
  check.py wrong   PROGRAM [--launcher MPIEXEC --ranks R] -- ARGS      (must exit 1, all ranks)
  check.py badinput PROGRAM [--launcher MPIEXEC --rank-list R,R,... [--direct]] [--cases mpi|own]
                   every bad input of the corpus: exit 2, one line, nothing on stdout
                   (--cases mpi: the few that show what MPI changes; mpi_bad_inputs;
                    --cases own: only the program's own refusals, its -n limit and an option)
  check.py seedtext PROGRAM [--launcher MPIEXEC --ranks R]             (the seed's lines)
  check.py work    PROGRAM --row ROW [--threads T]                     (the additions really run)
  check.py cold    PROGRAM [--threads T]       (--cold-cache really sends every run to memory)
  check.py launch  PROGRAM -- ARGS             (started without mpirun: a wrong rank count, exit 2)
  check.py refused PROGRAM --names FLAG [--launcher MPIEXEC --ranks R] -- ARGS
                   exit 2, one line naming FLAG, nothing on stdout (heat: too many ranks)

Floating-point sum (fsum; see docs/float.md):
  check.py fsum_exact PROGRAM -- ARGS     the values regenerated here, bit for bit; the exact sum
                   (Python integers) and math.fsum agree with the program's; |result - exact sum|
                   <= error_bound, in exact rational arithmetic
  check.py fsum_naive PROGRAM [--launcher MPIEXEC] --counts 1,2,3 -- ARGS
                   --naive at every count: exit 0, "reproducible": false, within the naive bound,
                   and different last bits for at least one count (the demonstration); the
                   reproducible sum at the same counts: one result
  (every compiler at -O2 and -O3, portable and -march=native, on every instruction-set path:
   tests/fsum_paths.py builds)

Sanitizers and fuzzing:
  check.py tsan    PROGRAM --row ROW --threads T [--expect-race FILE]   a ThreadSanitizer build
  check.py fuzz    PROGRAM --seconds S -- CORPUS                         libFuzzer on the parser
"""
import argparse
import concurrent.futures
import fractions
import json
import math
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "harness"))
from pharness import launch, registry  # noqa: E402

TIMEOUT = 120
FIELDS = {"workload", "variant", "mode", "threads", "ranks", "n", "tasks", "result", "expected",
          "verified", "repeat", "warmup", "time_min", "time_median", "time_max", "times",
          "timer_resolution", "bytes", "cores", "oversubscribed", "host", "cpu_model", "compiler",
          "compiler_version", "cflags", "mpi_library", "omp", "version", "cold_cache"}
HEAT_FIELDS = FIELDS | {"digest", "nx", "ny", "steps", "r", "overlap", "process_grid", "lambda_k",
                        "max_error", "error_bound", "runs_identical", "exchange_share_max",
                        "exchange_share_rank0", "exchange_seconds_max", "picture"}
FSUM_FIELDS = FIELDS | {"result_hex", "expected_hex", "reproducible", "method", "data", "error",
                        "error_bound", "sum_abs", "runs_identical"}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def variant_of(program):
    return os.path.basename(program).rsplit("_", 1)[-1]


def run(opts, program, args, threads=None, ranks=None, quiet=False):
    """One run through the shared launcher; returns (exit status, stdout, stderr)."""
    variant = variant_of(program) if opts.launcher else "serial"
    ranks = ranks or opts.ranks
    argv, env = launch.command(variant if variant in registry.MPI_VARIANTS else "serial",
                               program, args, ranks=ranks, threads=threads or 1,
                               oversubscribed=True, launcher=opts.launcher,
                               flavor=launch.flavor_of_launcher(opts.launcher))
    if threads is None:
        env.pop("OMP_NUM_THREADS")  # the caller's (or the runtime's) default
    if not quiet:
        print("$ " + " ".join(argv) + (f"   (OMP_NUM_THREADS={threads})" if threads else ""))
    try:
        code, out, err, _ = launch.run(argv, env, TIMEOUT, inherit_omp=True,
                                       watch=program if opts.launcher else None,
                                       deadlock_check=bool(opts.launcher))
    except launch.LaunchError as exc:
        fail("%s: %s" % (" ".join(argv), exc))
    return code, out, err


def json_line(out, where, fields=FIELDS):
    lines = out.splitlines()
    if len(lines) != 1:
        fail(f"{where}: --json must print exactly one line, got {len(lines)}:\n{out}")
    try:
        record = json.loads(lines[0])
    except ValueError as e:
        fail(f"{where}: not JSON ({e}): {lines[0]}")
    missing = fields - set(record)
    if missing:
        fail(f"{where}: JSON lacks {sorted(missing)}")
    return record


def expect_flags(opts):
    flags = []
    if opts.threads:
        flags += ["--expect-threads", str(opts.threads)]
    if opts.launcher:
        flags += ["--expect-ranks", str(opts.ranks)]
    return flags


def check_result(opts):
    row = registry.WORKLOADS[opts.row]
    for case in ([opts.args] if opts.args else row.tests):
        print(f"-- {row.name}: {' '.join(case)}")
        row.check.pick(exact=check_exact_case, fsum=check_fsum_case, heat=check_heat_case)(
            opts, row, case)


def check_exact_case(opts, row, args):
    code, out, err = run(opts, opts.program, args + ["--json"] + expect_flags(opts), opts.threads)
    if code != 0:
        fail(f"exit status {code}\nstdout: {out}\nstderr: {err}")
    record = json_line(out, opts.program)
    want = row.closed_form(registry.size_of_args(args))
    print(f"result {record['result']}, closed form {want}, verified {record['verified']}")
    if record["result"] != str(want) or record["expected"] != str(want):
        fail(f"result {record['result']} (program's closed form {record['expected']}) != {want}")
    if record["verified"] is not True:
        fail("program did not verify its own result")
    if record["workload"] != row.program or record["mode"] != row.mode:
        fail(f"reports workload {record['workload']} mode {record['mode']}, want {row.program} "
             f"{row.mode}")
    if opts.threads and record["threads"] != opts.threads:
        fail(f"asked for {opts.threads} threads, JSON says {record['threads']}")
    if opts.launcher and record["ranks"] != opts.ranks:
        fail(f"asked for {opts.ranks} ranks, JSON says {record['ranks']}")
    if not (0 <= record["time_min"] <= record["time_median"] <= record["time_max"]):
        fail("times are not ordered min <= median <= max")
    times = record["times"]
    if len(times) != record["repeat"] or min(times) != record["time_min"] or \
            max(times) != record["time_max"]:
        fail(f"times lists {len(times)} runs from {min(times)} to {max(times)}: the JSON says "
             f"{record['repeat']} runs from {record['time_min']} to {record['time_max']}")
    if opts.serial:
        serial = argparse.Namespace(launcher=None, ranks=1)
        code, out, err = run(serial, opts.serial, args + ["--json"])
        reference = json_line(out, opts.serial)
        if reference["result"] != record["result"]:
            fail(f"serial says {reference['result']}, {opts.program} says {record['result']}")
        print(f"identical to serial: {reference['result']}")


def heat_record(opts, program, args, threads=None, ranks=None):
    """One heat run's JSON line, after the checks every heat run must pass."""
    o = argparse.Namespace(launcher=opts.launcher if ranks else None, ranks=ranks or 1)
    flags = expect_flags(opts) if program == opts.program else []
    code, out, err = run(o, program, args + ["--json"] + flags, threads)
    if code != 0:
        fail(f"exit status {code}\nstdout: {out}\nstderr: {err}")
    r = json_line(out, program, HEAT_FIELDS)
    if r["verified"] is not True or r["runs_identical"] is not True:
        fail(f"the program's own check failed: {r}")
    if not r["max_error"] <= r["error_bound"]:
        fail(f"max_error {r['max_error']} > error_bound {r['error_bound']}")
    size = registry.size_of_args(args)
    described = registry.options(registry.describe(program))  # the defaults: the C table's
    size.setdefault("steps", described["--steps"]["default"])
    size.setdefault("r", described["--r"]["default"])
    want = registry.WORKLOADS["heat"].closed_form(size)
    if abs(r["lambda_k"] - want) > 1e-12:
        fail(f"lambda^K: the program says {r['lambda_k']!r}, Python {want!r}")
    if threads and r["threads"] != threads or ranks and r["ranks"] != ranks:
        fail(f"asked for {threads} threads / {ranks} ranks, got {r['threads']} / {r['ranks']}")
    if r["ranks"] > 1 and not 0 <= r["exchange_share_max"] <= 1:
        fail(f"exchange_share_max {r['exchange_share_max']} is not a share")
    grid = "x".join(map(str, r["process_grid"]))
    print(f"  {r['variant']:7} threads {r['threads']} ranks {r['ranks']} grid {grid}: digest "
          f"{r['digest']}  max error {r['max_error']:.3g} <= {r['error_bound']:.3g}")
    return r


def same_as_serial(opts, args, record_of, key):
    """A run checked by record_of (its own checks), then, with --serial, its `key` field
    compared with the serial program's, bit for bit."""
    record = record_of(opts, opts.program, args, opts.threads,
                       opts.ranks if opts.launcher else None)
    if opts.serial:
        reference = record_of(opts, opts.serial, args)
        if reference[key] != record[key]:
            fail(f"not bit-identical: serial {key} {reference[key]}, "
                 f"{opts.program} {record[key]}")
        print(f"bit-identical to serial: {key} {reference[key]}")


def check_heat_case(opts, row, args):
    same_as_serial(opts, args, heat_record, "digest")


def check_refused(opts):
    code, out, err = run(opts, opts.program, opts.args)
    lines = [l for l in err.splitlines() if not RUNTIME_NOISE.match(l)]
    if code != 2 or out or len(lines) != 1 or opts.names not in lines[0]:
        fail(f"want exit 2 and one line naming {opts.names}, got {code}: {out!r} {err!r}")
    print(lines[0])


def check_wrong(opts):
    code, out, err = run(opts, opts.program, opts.args + ["--json"])
    if code != 1:
        fail(f"a wrong result must exit 1, got {code}\n{out}{err}")
    record = json_line(out, opts.program)
    if record["verified"] is not False or record["result"] == record["expected"]:
        fail(f"wrong result not reported as such: {record}")
    if "wrong result" not in err:
        fail(f"no 'wrong result' line on stderr: {err!r}")
    print(f"caught: result {record['result']} != expected {record['expected']}, exit 1")


# ---- bad input: (arguments, text the one-line error must contain); each must give exit 2,
# one line on stderr naming the flag, and nothing on stdout.  Shared by every program; the rows
# add what their own options refuse (bad_inputs below). ----
BAD_INPUTS = [
    (["-n", "abc"], "-n"), (["-n", "10x"], "-n"), (["-n", "0"], "-n"), (["-n", "-5"], "-n"),
    (["-n", ""], "-n"), (["-n", " 5"], "-n"), (["-n", "+5"], "-n"), (["-n", "1e7"], "-n"),
    (["-n", "99999999999999999999999"], "-n"), (["-n"], "-n"), (["-n="], "-n"),
    (["-n=5x"], "-n"), (["-n0x10"], "-n"), (["-n", "5", "-n", "6"], "-n"), (["-n5", "-n6"], "-n"),
    (["-n", "\u0665"], "-n"), (["-n", "5\n"], "-n"), (["-n", "1.5"], "-n"), (["-n", "0x10"], "-n"),
    (["--tasks", "0"], "--tasks"), (["--tasks", "x"], "--tasks"), (["--tasks"], "--tasks"),
    (["--tasks", "1000001"], "--tasks"), (["--tasks=-1"], "--tasks"), (["--tasks="], "--tasks"),
    (["--repeat", "0"], "--repeat"), (["--repeat", "2.5"], "--repeat"), (["--repeat"], "--repeat"),
    (["--repeat", "100001"], "--repeat"), (["--repeat=-1"], "--repeat"),
    (["--repeat", "1", "--repeat", "2"], "--repeat"), (["--repeat", "-1"], "--repeat"),
    (["--repeat", "1e3"], "--repeat"), (["--repeat", "ten"], "--repeat"),
    (["--expect-ranks", "0"], "--expect-ranks"), (["--expect-ranks"], "--expect-ranks"),
    (["--expect-ranks", "x"], "--expect-ranks"), (["--expect-ranks", "1000001"], "--expect-ranks"),
    (["--expect-threads", "nan"], "--expect-threads"), (["--expect-threads", "0"], "--expect-threads"),
    (["--expect-threads"], "--expect-threads"), (["--expect-threads=-2"], "--expect-threads"),
    (["--expect-threads", "1", "--expect-threads", "1"], "--expect-threads"),
    (["--frobnicate"], "--frobnicate"), (["-x"], "-x"), (["--json=yes"], "--json"),
    (["--json", "--json"], "--json"), (["--json="], "--json"), (["--help=1"], "--help"),
    (["--version=2"], "--version"), (["--cold-cache=1"], "--cold-cache"),
    (["--cold-cache", "--cold-cache"], "--cold-cache"), (["---"], "---"), (["--n", "5"], "--n"),
    (["-N", "5"], "-N"), (["--N"], "--N"), (["--tasks\t3"], "--tasks"), (["--jso"], "--jso"),
    (["--JSON"], "--JSON"), (["-json"], "-json"), (["--repeatt", "3"], "--repeatt"),
    (["--a-very-long-option-name-that-goes-on-and-on"], "--a-very-long-option"),
    (["--\x1b[31mred"], "\\x1b"), (["--bad\nline"], "\\x0a"), (["-n", "x" * 3000], "-n"),
    (["--expect-threads", "1", "--expect-threads=2"], "--expect-threads"),
    (["--repeat", "0x10"], "--repeat"), (["--repeat", " 3"], "--repeat"),
    (["--repeat", "3 "], "--repeat"), (["--repeat", "018446744073709551617"], "--repeat"),
    (["--tasks", "+3"], "--tasks"), (["--tasks", "3.0"], "--tasks"),
    (["--tasks", "3", "--tasks", "3"], "--tasks"), (["-n", "18446744073709551616"], "-n"),
    (["-n", "-0"], "-n"), (["--expect-threads", "00"], "--expect-threads"),
    (["--expect-ranks", "2", "--expect-ranks", "2"], "--expect-ranks"),
    (["--expect-ranks=+1"], "--expect-ranks"), (["--version", "--version"], "--version"),
    (["--help", "--bogus"], "--bogus"), (["-n", "5", "extra"], "extra"), (["-"], "'-'"),
    (["--=5"], "'--'"), (["-n", "5", "--", "--json"], "--json"),
]


RUNTIME_NOISE = re.compile(r"^\[warn\] Epoll [A-Z]+\(\d+\) on fd \d+ failed")


def bad_inputs(program):
    """The shared cases plus what this program must refuse: -n past its limit, every option
    that only the other workloads take, and its own choices' wrong words.  What each program
    accepts is its own description (--describe: registry.describe), read from the build."""
    desc = registry.describe(program)
    variant = variant_of(program)
    others = [registry.describe(os.path.join(os.path.dirname(program), "%s_%s" % (w, variant)))
              for w in registry.programs()]
    takes, choices = registry.takes(desc), registry.choices(desc)
    cases = list(BAD_INPUTS)
    cases += [(["-n", str(registry.n_max(desc) + 1)], "-n"), (["-n", str(10 ** 30)], "-n")]
    # What another program's option looks like when used; a switch (--naive) is just its name.
    usage = {"--tasks": ["--tasks", "3"], "--delay": ["--delay", "1"], "NUMBERS": ["7"]}
    for other in others:
        usage.update({name: [name, words[0]] for name, words in registry.choices(other).items()})
    everything = set().union(*(registry.takes(other) for other in others))
    for option in sorted(everything - takes):
        cases.append((usage.get(option, [option]), "7" if option == "NUMBERS" else option))
    for name, words in choices.items():
        cases += [([name, "x"], name), ([name], name), ([name + "="], name),
                  ([name, words[0].upper()], name), ([name, words[0], name, words[-1]], name)]
    kinds = {flag: o["kind"] for flag, o in registry.options(desc).items()}
    for switch in sorted(takes - set(usage) - set(choices) - {"--cold-cache"}):
        if kinds[switch] == "switch":
            cases += [([switch + "=1"], switch), ([switch, switch], switch)]
    # A grid's values (heat): each option's limits as the program describes them.
    for flag, o in sorted(registry.options(desc, shared=False).items()):
        if o["kind"] in ("whole", "decimal"):
            cases += [([flag, "x"], flag), ([flag], flag), ([flag, "-1"], flag),
                      ([flag, "nan"], flag), ([flag, repr(o["max"] * 2 + 1)], flag),
                      ([flag, repr(o["max"] + 0.01 if o["kind"] == "decimal" else o["max"] + 1)],
                       flag),
                      ([flag, "1", flag, "1"], flag)]
        if o["kind"] == "whole" and o["min"] > 0:
            cases.append(([flag, "0"], flag))
        if o["kind"] == "file":
            cases += [([flag, ""], flag), ([flag], flag), ([flag, "/nonexistent-dir/x.png"], flag)]
    if "--delay" in takes:
        cases += [([a, b], "--delay") for a, b in (("--delay", "-1"), ("--delay", "nan"),
                                                   ("--delay", "inf"), ("--delay", "61"),
                                                   ("--delay", "0x10"), ("--delay", "1e1"),
                                                   ("--delay", "."), ("--delay", ""))]
        cases += [(["--delay"], "--delay"), (["2", "x"], "x"), (["4294967296"], "4294967296"),
                  (["-n", "5", "3"], "-n"), (["3", "--tasks", "2"], "--tasks"),
                  (["-n", "5", "--delay", "0"], "--delay"), (["3", "--cold-cache"], "--cold-cache"),
                  (["--delay", "1", "--delay", "2"], "--delay")]
    return [(args, flag) for args, flag in cases if args]


def mpi_bad_inputs(program, own_only=False):
    """The few bad inputs that MPI end-to-end tests feed each launcher and rank count.  The
    parser is the same code in every variant (tests/unit.c tests it, the fuzzer fuzzes it, and
    the serial and OpenMP programs get the whole corpus): what MPI changes is who speaks and how
    the line travels.  So: rank 0 alone prints one line (not one per rank), every rank exits 2,
    nothing on stdout, no MPI runtime noise; a flag missing its value at the end of argv, a line
    with a newline in it and a 3000-character line through the launcher's output forwarding;
    --expect-ranks, the MPI flag; and the program's own refusals (its -n limit, another
    workload's option).  The whole corpus at every rank count: --cases all (./parlab test --long).
    With own=True, only the program's own refusals: the shared cases exercise the parser and the
    variant's MPI exit path, which every program of a variant shares, so one program per variant
    takes them (tests/meson.build)."""
    shared = [(["-n", "abc"], "-n"), (["-n"], "-n"), (["--frobnicate"], "--frobnicate"),
              (["--expect-ranks", "0"], "--expect-ranks"), (["--bad\nline"], "\\x0a"),
              (["-n", "x" * 3000], "-n")]
    for case in shared:
        if case not in BAD_INPUTS:
            raise AssertionError(f"mpi_bad_inputs: {case[0]!r} is not in the corpus")
    everything = bad_inputs(program)
    own = [(["-n", str(registry.n_max(registry.describe(program)) + 1)], "-n")]
    own += [c for c in everything[len(BAD_INPUTS) + 2:] if c not in own][:1]
    return own if own_only else shared + own


def check_badinput(opts):
    try:
        cases = (bad_inputs(opts.program) if opts.cases == "all" else
                 mpi_bad_inputs(opts.program, own_only=opts.cases == "own"))
    except registry.DescribeError as exc:
        fail(str(exc))
    rank_counts = [int(r) for r in str(opts.rank_list).split(",")] if opts.launcher else [None]
    runs = [(args, flag, ranks) for args, flag in cases for ranks in rank_counts]
    if opts.launcher and opts.direct:
        runs += [(args, flag, 0) for args, flag in cases]  # 0: without mpirun, a singleton

    def one(case, retried=False):
        args, flag, ranks = case
        o = argparse.Namespace(launcher=opts.launcher if ranks else None, ranks=ranks or 1)
        code, out, err = run(o, opts.program, args, quiet=True)
        lines = err.splitlines()
        if not retried and any(RUNTIME_NOISE.match(l) for l in lines):
            # Not the program's line: Open MPI's PMIx event loop sometimes warns about a
            # closed descriptor as a job ends (docs/mpi-launch.md).  Run the case once more.
            print(f"  note: {args!r}: the MPI runtime's own warning; running it again")
            return one(case, retried=True)
        why = []
        if code != 2:
            why.append(f"exit {code}, want 2")
        if out:
            why.append(f"stdout not empty: {out!r}")
        if len(lines) != 1:
            why.append(f"stderr has {len(lines)} lines, want 1: {err!r}")
        elif flag not in lines[0]:
            why.append(f"stderr does not name {flag!r}: {lines[0]!r}")
        return case, lines, why

    problems = []
    # Launches mostly wait (MPI start-up), so several run at once.
    with concurrent.futures.ThreadPoolExecutor(max_workers=6 if opts.launcher else 2) as pool:
        for (args, flag, ranks), lines, why in pool.map(one, runs):
            where = "" if ranks is None else ("direct " if ranks == 0 else f"np{ranks} ")
            print(("  ok   " if not why else "  BAD  ") + where + repr(args)[:60] + " -> " +
                  (lines[0][:100] if lines else "(nothing)"))
            if why:
                problems.append(f"{where}{args!r}: " + "; ".join(why))
    print(f"{len(runs)} runs of {len(cases)} malformed command lines")
    if problems:
        fail("\n".join(problems))


def check_seedtext(opts):
    code, out, err = run(opts, opts.program, ["--delay", "0.01"])
    if code != 0:
        fail(f"exit {code}: {err}")
    lines = out.splitlines()
    for x in (1, 2, 3, 4):
        for line in (f"Calculating square for {x}", f"Result: {x * x}"):
            if lines.count(line) != 1:
                fail(f"want the seed's line {line!r} exactly once:\n{out}")
    if lines.count("Finished all tasks!") != 1:
        fail(f"want 'Finished all tasks!' once:\n{out}")
    if not any(re.match(r"(Sequential|OpenMP|MPI|Hybrid MPI\+OpenMP) Time: ", l) for l in lines):
        fail(f"no '... Time:' line:\n{out}")
    print(out)


def check_launch(opts):
    """A program that did not get the ranks it expects must refuse to run: started without mpirun
    (one singleton), or with a launcher from another MPI (N singletons), each is "rank 0 of 1"."""
    code, out, err = run(opts, opts.program, opts.args)
    lines = err.splitlines()
    if code != 2 or out or len(lines) != 1 or "--expect-ranks" not in lines[0]:
        fail(f"want exit 2 and one line naming --expect-ranks, got {code}: {out!r} {err!r}")
    print(lines[0])


def skip_if_sanitized():
    """valgrind cannot run a sanitized program: both replace malloc and watch every access."""
    if os.environ.get("PARLAB_SANITIZE", "none") != "none":
        print("this build is sanitized (%s): valgrind cannot run it; skipped"
              % os.environ["PARLAB_SANITIZE"])
        sys.exit(77)


def instructions(opts, args):
    """Instructions executed in the program's own code, not in the libraries it calls:
    repeatable, unlike seconds (valgrind).  An OpenMP runtime's waiting threads would add a
    different number every run, more under load."""
    print("$ valgrind --tool=callgrind %s %s --repeat 1" % (opts.program, " ".join(args)))
    count, why = launch.instructions(opts.program, args + ["--repeat", "1"],
                                     threads=opts.threads or 1, timeout=TIMEOUT,
                                     own_code_only=True)
    if count is None:
        fail(why)
    return count


def check_work(opts):
    """Proves the kernel's work is done: the instructions grow with the tasks over the same n, by
    at least ~1 instruction per 4 values per task, and linearly with n.  A loop the compiler
    replaced by n(n-1)/2 would cost a few instructions whatever the tasks and n."""
    if shutil.which("valgrind") is None:
        print("valgrind not installed: skipped")
        sys.exit(77)
    skip_if_sanitized()
    n = 200000
    few = instructions(opts, ["-n", str(n), "--tasks", "1"])
    many = instructions(opts, ["-n", str(n), "--tasks", "9"])
    double = instructions(opts, ["-n", str(2 * n), "--tasks", "1"])
    quadruple = instructions(opts, ["-n", str(4 * n), "--tasks", "1"])
    runs = 2  # the warm-up and one timed run
    per_task = (many - few) / (8 * runs * n)
    per_value = (double - few) / (runs * n)
    linearity = (quadruple - double) / (double - few) if double > few else 0.0
    print(f"instructions: n={n} 1 task {few}, 9 tasks {many}; 2n {double}, 4n {quadruple}")
    print(f"{per_task:.2f} per value per extra task; {per_value:.2f} per extra value; "
          f"(4n - 2n) / (2n - n) = {linearity:.3f} (linear: 2)")
    if per_task < 0.25:
        fail(f"only {per_task:.3f} instructions per value per task: the compiler folded the "
             "work away")
    if per_value < 0.25:
        fail(f"only {per_value:.3f} instructions per extra value: the work does not grow with n")
    if not 1.9 <= linearity <= 2.1:
        fail(f"the instructions do not grow linearly with n: ratio {linearity:.3f}, want 2")


def kernel_memory_reads(opts, args):
    """Reads that missed the last-level cache, outside the cache eviction itself (cachegrind's
    simulated caches: repeatable, unlike seconds).  The simulated LL is 8 MiB, which is no bigger
    than what --cold-cache reads through on any machine with a last-level cache of 2 MiB or more."""
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "cachegrind.out")
        o = argparse.Namespace(launcher=None, ranks=1)
        code, out, err = run(o, "valgrind", ["--tool=cachegrind", "--cache-sim=yes",
                                             "--LL=8388608,16,64",
                                             "--cachegrind-out-file=" + out_file,
                                             opts.program] + args, opts.threads)
        if code != 0:
            fail(f"valgrind run failed: {err[-2000:]}")
        column, misses, function = None, 0, ""
        with open(out_file) as f:
            for line in f:
                if line.startswith("events:"):
                    events = line.split()[1:]
                    if "DLmr" not in events:
                        fail(f"cachegrind recorded no DLmr (last-level read misses): {line!r}")
                    column = events.index("DLmr")
                elif line.startswith("fn="):
                    function = line[3:].strip()
                elif line[:1].isdigit() and not function.startswith("threads_read_every_line"):
                    counts = line.split()[1:]  # the line number, then one count per event
                    misses += int(counts[column]) if column < len(counts) else 0
        return misses


def check_cold(opts):
    """--cold-cache must make every run read its array from memory: an 800 KB array, which a warm
    cache keeps, misses the (simulated) last-level cache in every run only with the flag."""
    if shutil.which("valgrind") is None:
        print("valgrind not installed: skipped")
        sys.exit(77)
    skip_if_sanitized()
    n, repeat = 100000, 3
    args = ["-n", str(n), "--tasks", "1", "--repeat", str(repeat)]
    lines_per_run = n * 8 // 64
    warm = kernel_memory_reads(opts, args)
    cold = kernel_memory_reads(opts, args + ["--cold-cache"])
    runs = repeat + 1  # the warm-up too
    print(f"last-level read misses outside the eviction: warm {warm}, cold {cold}; "
          f"the array is {lines_per_run} cache lines, read in {runs} runs")
    if cold < 0.9 * runs * lines_per_run:
        fail(f"--cold-cache: only {cold} misses, want >= {0.9 * runs * lines_per_run:.0f}: "
             "the array stayed in the cache")
    if warm > 0.5 * runs * lines_per_run:
        fail(f"without --cold-cache: {warm} misses, want < {0.5 * runs * lines_per_run:.0f}: "
             "this check cannot tell a cold cache from a warm one")


def check_tsan(opts):
    """A ThreadSanitizer build: every test case of the row at this thread count, with libomp's
    suppressions.  Without --expect-race, no race may be reported and the result must be right;
    with it, a race must be reported at that file (the control that proves the detector works)."""
    from pharness import build
    cases = [["-n", "4000000", "--repeat", "1"]] if opts.expect_race else \
        registry.WORKLOADS[opts.row].tests
    for case in cases:
        argv = [opts.program] + case
        env = dict(os.environ, OMP_NUM_THREADS=str(opts.threads), **build.tsan_env())
        print("$ " + " ".join(argv) + f"   (OMP_NUM_THREADS={opts.threads})")
        try:
            code, out, err, _ = launch.run(argv, env, TIMEOUT, inherit_omp=True)
        except launch.LaunchError as exc:
            fail(str(exc))
        found = build.races(err)
        for where, function in found:
            print(f"  ThreadSanitizer: data race at {where} in {function}")
        if opts.expect_race:
            if not any(where.startswith(opts.expect_race) for where, _ in found):
                fail(f"ThreadSanitizer reported no race in {opts.expect_race} (exit {code}): "
                     f"the detector missed it\n{err[-1500:]}")
            print(f"caught: {len(found)} race location(s), exit {code}")
        elif found or code != 0:
            fail(f"exit {code}, races {found}:\n{err[-3000:]}")


def check_fuzz(opts):
    """libFuzzer for a while on a scratch copy of the corpus: exit 0 means no input broke the
    parser's promises (the target aborts, with the input saved, when one does).
    PARLAB_FUZZ_SECONDS, if set, replaces --seconds: `./parlab test --long` fuzzes for longer."""
    seconds = opts.seconds
    if os.environ.get("PARLAB_FUZZ_SECONDS"):
        if not os.environ["PARLAB_FUZZ_SECONDS"].isdigit():
            fail("PARLAB_FUZZ_SECONDS: expected whole seconds, got %r"
                 % os.environ["PARLAB_FUZZ_SECONDS"])
        seconds = int(os.environ["PARLAB_FUZZ_SECONDS"])
    with tempfile.TemporaryDirectory(prefix="parlab-fuzz-") as scratch:
        argv = [opts.program, "-max_total_time=%d" % seconds, "-timeout=5",
                "-print_final_stats=1", "-artifact_prefix=" + scratch + "/", scratch] + opts.args
        print("$ " + " ".join(argv))
        try:
            code, out, err, _ = launch.run(argv, {}, seconds + 120)
        except launch.LaunchError as exc:
            fail(str(exc))
        stats = [l for l in err.splitlines() if l.startswith(("stat::number_of_executed_runs",
                                                               "stat::new_units_added"))]
        print("\n".join(stats))
        if code != 0:
            crash = [os.path.join(scratch, f) for f in os.listdir(scratch)
                     if f.startswith(("crash-", "leak-", "timeout-"))]
            inputs = [repr(open(f, "rb").read()) for f in crash]
            fail(f"libFuzzer exit {code}; inputs {inputs}\n{err[-3000:]}")


# ---- fsum ----
MASK = (1 << 64) - 1


def mix(z):
    """SplitMix64's output function, as common/fexact.c's mix()."""
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def fsum_parts(i, data):
    """(negative, mantissa, exponent) of value i, as common/fexact.c's fsum_parts()."""
    h = mix(i if data == "random" else i // 2)
    negative, exponent, mantissa = h & 1, ((h >> 1) & 63) - 84, (h >> 11) | (1 << 52)
    if data == "cancel" and i % 2:
        negative ^= 1
        mantissa ^= mix(i | (1 << 63)) & 0xFFFFF
    return negative, mantissa, exponent


def fsum_args(args):
    n, data, i = 10**7, "random", 0
    while i < len(args):
        if args[i] == "-n":
            n = int(args[i + 1]); i += 1
        elif args[i] == "--data":
            data = args[i + 1]; i += 1
        elif args[i].startswith("--data="):
            data = args[i].split("=", 1)[1]
        i += 1
    return n, data


def fsum_record(opts, program, args, threads=None, ranks=None):
    o = argparse.Namespace(launcher=opts.launcher if ranks else None, ranks=ranks or 1)
    code, out, err = run(o, program, args + ["--json"], threads)
    if code != 0:
        fail(f"exit status {code}\nstdout: {out}\nstderr: {err}")
    r = json_line(out, program, FSUM_FIELDS)
    naive = "--naive" in args
    workload = registry.describe(program)["workload"]
    if r["workload"] != workload or r["reproducible"] is naive or r["verified"] is not True:
        fail(f"want {workload}, reproducible={not naive}, verified: {r}")
    if float.fromhex(r["result_hex"]) != float(r["result"]) or \
            float.fromhex(r["expected_hex"]) != float(r["expected"]):
        fail(f"hex and decimal disagree: {r['result_hex']} {r['result']}")
    if not 0 <= r["error"] <= r["error_bound"]:
        fail(f"error {r['error']} outside [0, error_bound {r['error_bound']}]")
    if not naive and r["runs_identical"] is not True:
        fail("the reproducible sum changed between runs")
    if threads and r["threads"] != threads or ranks and r["ranks"] != ranks:
        fail(f"asked for {threads} threads / {ranks} ranks, got {r['threads']} / {r['ranks']}")
    print(f"  {r['variant']:7} threads {r['threads']} ranks {r['ranks']}: {r['result_hex']:26} "
          f"{r['result']:>24}  error {r['error']:.3g} <= {r['error_bound']:.3g}")
    return r


def check_fsum_case(opts, row, args):
    same_as_serial(opts, args, fsum_record, "result_hex")


def check_fsum_exact(opts):
    n, data = fsum_args(opts.args)
    r = fsum_record(opts, opts.program, opts.args)
    total = total_abs = 0   # exact, in units of 2^-84 (the smallest exponent)
    values = []
    for i in range(n):
        negative, mantissa, exponent = fsum_parts(i, data)
        scaled = mantissa << (exponent + 84)
        total += -scaled if negative else scaled
        total_abs += scaled
        values.append(-math.ldexp(mantissa, exponent) if negative else math.ldexp(mantissa, exponent))
    exact = fractions.Fraction(total, 1 << 84)
    exact_abs = fractions.Fraction(total_abs, 1 << 84)
    rounded = math.fsum(values)
    if float(exact) != rounded:
        fail(f"Python disagrees with itself: exact {float(exact)!r}, fsum {rounded!r}")
    if float.fromhex(r["expected_hex"]) != rounded:
        fail(f"the program's exact sum {r['expected_hex']} != math.fsum {rounded.hex()}: "
             "C and Python generate different values, or the C reference is wrong")
    if float(r["sum_abs"]) != float(exact_abs):
        fail(f"sum of magnitudes: program {r['sum_abs']!r}, Python {float(exact_abs)!r}")
    result = float.fromhex(r["result_hex"])
    error = abs(fractions.Fraction(result) - exact)
    ulp = math.ulp(rounded) if rounded else 0
    print(f"exact sum {float(exact)!r} (math.fsum agrees); condition number sum|x|/|sum| = "
          f"{float(exact_abs / abs(exact)) if exact else math.inf:.3g}")
    print(f"|result - exact| = {float(error):.3g} = {float(error) / ulp if ulp else 0:.3f} ulp; "
          f"bound {r['error_bound']:.3g}")
    if error > fractions.Fraction(r["error_bound"]):
        fail(f"|result - exact| = {float(error)!r} exceeds the documented bound {r['error_bound']!r}")
    if not r["reproducible"]:
        return
    # The reproducible sum is within one rounding of the exact sum unless the data cancel by more
    # than ~1e9 (docs/float.md); a plain blocked sum would not be, on --data cancel.
    naive = fsum_record(opts, opts.program, opts.args + ["--naive"])
    naive_error = abs(fractions.Fraction(float.fromhex(naive["result_hex"])) - exact)
    print(f"naive: |result - exact| = {float(naive_error):.3g} = "
          f"{float(naive_error) / ulp if ulp else 0:.3g} ulp; naive bound {naive['error_bound']:.3g}")
    if naive_error > fractions.Fraction(naive["error_bound"]):
        fail("the naive sum exceeds the documented naive bound")


def check_fsum_naive(opts):
    counts = [int(c) for c in opts.counts.split(",")]
    naive, repro = {}, {}
    print("naive (--naive): plain reduction(+) / MPI_Reduce")
    for c in counts:
        kw = {"ranks": c} if opts.launcher else {"threads": c}
        naive[c] = fsum_record(opts, opts.program, opts.args + ["--naive"], **kw)
    print("reproducible:")
    for c in counts:
        kw = {"ranks": c} if opts.launcher else {"threads": c}
        repro[c] = fsum_record(opts, opts.program, opts.args, **kw)
    results = {c: r["result_hex"] for c, r in repro.items()}
    if len(set(results.values())) != 1:
        fail(f"the reproducible sum differs between counts: {results}")
    exact = float.fromhex(repro[counts[0]]["expected_hex"])
    ulp = math.ulp(exact) if exact else 1.0
    print("count  naive result               naive - reproducible")
    for c in counts:
        x = float.fromhex(naive[c]["result_hex"])
        print(f"  {c:3}  {naive[c]['result_hex']:26} "
              f"{(x - float.fromhex(results[c])) / ulp:+.0f} ulp")
    distinct = {r["result_hex"] for r in naive.values()}
    if len(distinct) < 2:
        fail("--naive gave the same bits at every count: the demonstration has gone stale "
             "(choose other counts or a larger -n)")
    print(f"naive: {len(distinct)} different results over {len(counts)} counts (a demonstration, "
          f"not a failure); reproducible: one result, {results[counts[0]]}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["result", "wrong", "badinput", "seedtext", "work",
                                           "cold", "launch", "refused", "fsum_exact",
                                           "fsum_naive",
                                           "tsan", "fuzz"])
    parser.add_argument("program")
    parser.add_argument("--row", help="the registry row (result, work)")
    parser.add_argument("--serial")
    parser.add_argument("--launcher")
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--rank-list", default="1,5", help="badinput: the rank counts")
    parser.add_argument("--cases", choices=["all", "mpi", "own"], default="all",
                        help="badinput: the whole corpus, the few that MPI tests need, or only "
                             "the program's own refusals")
    parser.add_argument("--direct", action="store_true",
                        help="badinput with --launcher: also run each case without mpirun")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--counts", default="1,2,3,4,7,8")
    parser.add_argument("--expect-race", help="tsan: the file whose race must be reported")
    parser.add_argument("--seconds", type=int, default=60, help="fuzz: how long")
    parser.add_argument("--names", help="refused: the flag the one line must name")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:split])
    opts.args = argv[split + 1:]
    {"result": check_result, "wrong": check_wrong, "badinput": check_badinput,
     "seedtext": check_seedtext, "work": check_work, "cold": check_cold,
     "launch": check_launch, "refused": check_refused, "fsum_exact": check_fsum_exact, "fsum_naive": check_fsum_naive,
     "tsan": check_tsan, "fuzz": check_fuzz}[opts.check](opts)
    print("PASS")


if __name__ == "__main__":
    main()
