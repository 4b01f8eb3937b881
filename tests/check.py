#!/usr/bin/env python3
"""End-to-end checks of the parlab programs, run by `meson test` (see tests/meson.build).

Why a script and not shell: each check parses the program's one JSON line and compares its result
with an exact closed form computed here in Python integers, independently of the C code, and with
the serial program's result for the same arguments.

  check.py result  PROGRAM [--serial SERIAL] [--launcher MPIEXEC --ranks R] [--threads T] -- ARGS
  check.py wrong   PROGRAM [--launcher MPIEXEC --ranks R] -- ARGS      (must exit 1, all ranks)
  check.py badinput PROGRAM [--launcher MPIEXEC --ranks R]             (every bad input: exit 2)
  check.py seedtext PROGRAM [--launcher MPIEXEC --ranks R]             (the seed's lines)
  check.py work    PROGRAM [--threads T]                               (the additions really run)
  check.py launch  PROGRAM [--launcher MPIEXEC --ranks R] -- ARGS      (wrong rank count: exit 2)
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

SUM_MAX_N = 6074001000
SQUARE_MAX = 4294967295
TIMEOUT = 120
FIELDS = {"workload", "variant", "mode", "threads", "ranks", "n", "tasks", "result", "expected",
          "verified", "repeat", "warmup", "time_min", "time_median", "time_max",
          "timer_resolution", "bytes", "cores", "oversubscribed", "host", "cpu_model", "compiler",
          "compiler_version", "cflags", "mpi_library", "omp", "version"}


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def command(opts, program, args):
    if opts.launcher:
        return [opts.launcher, "-n", str(opts.ranks), program] + args
    return [program] + args


def run(opts, program, args, threads=None):
    env = dict(os.environ)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    cmd = command(opts, program, args)
    print("$ " + " ".join(cmd) + (f"   (OMP_NUM_THREADS={threads})" if threads else ""))
    # stdin from /dev/null: MPICH's launcher stops when backgrounded otherwise (field notes R-LAUNCH-3)
    done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env, timeout=TIMEOUT)
    return done


def closed_form(program, args):
    """The exact answer for these arguments, from the formulas, not from any kernel."""
    n = tasks = None
    numbers = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-n":
            n = int(args[i + 1]); i += 1
        elif a == "--tasks":
            tasks = int(args[i + 1]); i += 1
        elif a in ("--delay", "--repeat"):
            i += 1
        elif not a.startswith("-"):
            numbers.append(int(a))
        i += 1
    if "sum" in os.path.basename(program):
        n = 10**7 if n is None else n
        return n * (n - 1) // 2
    if n is not None:
        return n * (n + 1) * (2 * n + 1) // 6
    if not numbers:
        numbers = list(range(1, (tasks or 4) + 1))
    return sum(x * x for x in numbers)


def json_line(done, where):
    lines = done.stdout.splitlines()
    if len(lines) != 1:
        fail(f"{where}: --json must print exactly one line, got {len(lines)}:\n{done.stdout}")
    try:
        record = json.loads(lines[0])
    except ValueError as e:
        fail(f"{where}: not JSON ({e}): {lines[0]}")
    missing = FIELDS - set(record)
    if missing:
        fail(f"{where}: JSON lacks {sorted(missing)}")
    return record


def check_result(opts):
    args = opts.args + ["--json"]
    expect = []
    if opts.threads:
        expect += ["--expect-threads", str(opts.threads)]
    if opts.launcher:
        expect += ["--expect-ranks", str(opts.ranks)]
    done = run(opts, opts.program, args + expect, opts.threads)
    if done.returncode != 0:
        fail(f"exit status {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    record = json_line(done, opts.program)
    want = closed_form(opts.program, opts.args)
    print(f"result {record['result']}, closed form {want}, verified {record['verified']}")
    if record["result"] != str(want) or record["expected"] != str(want):
        fail(f"result {record['result']} (program's closed form {record['expected']}) != {want}")
    if record["verified"] is not True:
        fail("program did not verify its own result")
    if opts.threads and record["threads"] != opts.threads:
        fail(f"asked for {opts.threads} threads, JSON says {record['threads']}")
    if opts.launcher and record["ranks"] != opts.ranks:
        fail(f"asked for {opts.ranks} ranks, JSON says {record['ranks']}")
    if not (0 <= record["time_min"] <= record["time_median"] <= record["time_max"]):
        fail("times are not ordered min <= median <= max")
    if opts.serial:
        serial = argparse.Namespace(launcher=None, ranks=1)
        reference = json_line(run(serial, opts.serial, args), opts.serial)
        if reference["result"] != record["result"]:
            fail(f"serial says {reference['result']}, {opts.program} says {record['result']}")
        print(f"identical to serial: {reference['result']}")


def check_wrong(opts):
    done = run(opts, opts.program, opts.args + ["--json"])
    if done.returncode != 1:
        fail(f"a wrong result must exit 1, got {done.returncode}\n{done.stdout}{done.stderr}")
    record = json_line(done, opts.program)
    if record["verified"] is not False or record["result"] == record["expected"]:
        fail(f"wrong result not reported as such: {record}")
    if "wrong result" not in done.stderr:
        fail(f"no 'wrong result' line on stderr: {done.stderr!r}")
    print(f"caught: result {record['result']} != expected {record['expected']}, exit 1")


# (arguments, text the one-line error must contain); every one must give exit 2 and no stdout.
BAD_INPUTS = [
    (["-n", "abc"], "-n"), (["-n", "10x"], "-n"), (["-n", "0"], "-n"), (["-n", "-5"], "-n"),
    (["-n", ""], "-n"), (["-n", " 5"], "-n"), (["-n", "+5"], "-n"), (["-n", "1e7"], "-n"),
    (["-n", "99999999999999999999999"], "-n"), (["-n"], "-n"),
    (["--tasks", "0"], "--tasks"), (["--tasks", "x"], "--tasks"), (["--tasks"], "--tasks"),
    (["--tasks", "1000001"], "--tasks"), (["--tasks=-1"], "--tasks"),
    (["--repeat", "0"], "--repeat"), (["--repeat", "2.5"], "--repeat"), (["--repeat"], "--repeat"),
    (["--expect-ranks", "0"], "--expect-ranks"), (["--expect-threads", "nan"], "--expect-threads"),
    (["--frobnicate"], "--frobnicate"), (["-x"], "-x"), (["--json=yes"], "--json"),
]
BAD_SUM = [(["-n", "6074001001"], "-n"), (["--delay", "1"], "--delay"), (["7"], "7")]
BAD_SQUARE = [(["-n", "4294967296"], "-n"), (["--delay", "-1"], "--delay"),
              (["--delay", "nan"], "--delay"), (["--delay", "inf"], "--delay"),
              (["--delay", "61"], "--delay"), (["--delay"], "--delay"), (["2", "x"], "x"),
              (["4294967296"], "4294967296"), (["-n", "5", "3"], "-n"),
              (["3", "--tasks", "2"], "--tasks"), (["-n", "5", "--delay", "0"], "--delay")]


def check_badinput(opts):
    cases = BAD_INPUTS + (BAD_SUM if "sum" in os.path.basename(opts.program) else BAD_SQUARE)
    problems = []
    for args, flag in cases:
        done = run(opts, opts.program, args)
        lines = done.stderr.splitlines()
        why = []
        if done.returncode != 2:
            why.append(f"exit {done.returncode}, want 2")
        if done.stdout:
            why.append(f"stdout not empty: {done.stdout!r}")
        if len(lines) != 1:
            why.append(f"stderr has {len(lines)} lines, want 1: {done.stderr!r}")
        elif flag not in lines[0]:
            why.append(f"stderr does not name {flag!r}: {lines[0]!r}")
        print(("  ok   " if not why else "  BAD  ") + " ".join(args) + " -> " +
              (lines[0] if lines else "(nothing)"))
        if why:
            problems.append(f"{args}: " + "; ".join(why))
    if problems:
        fail("\n".join(problems))


def check_seedtext(opts):
    done = run(opts, opts.program, ["--delay", "0.01"])
    if done.returncode != 0:
        fail(f"exit {done.returncode}: {done.stderr}")
    lines = done.stdout.splitlines()
    for x in (1, 2, 3, 4):
        for line in (f"Calculating square for {x}", f"Result: {x * x}"):
            if lines.count(line) != 1:
                fail(f"want the seed's line {line!r} exactly once:\n{done.stdout}")
    if lines.count("Finished all tasks!") != 1:
        fail(f"want 'Finished all tasks!' once:\n{done.stdout}")
    if not any(re.match(r"(Sequential|OpenMP|MPI|Hybrid MPI\+OpenMP) Time: ", l) for l in lines):
        fail(f"no '... Time:' line:\n{done.stdout}")
    print(done.stdout)


def check_launch(opts):
    """A program that did not get the ranks it expects must refuse to run: started without mpirun
    (one singleton), or with a launcher from another MPI (N singletons), each is "rank 0 of 1"."""
    done = run(opts, opts.program, opts.args)
    lines = done.stderr.splitlines()
    if done.returncode != 2 or done.stdout or len(lines) != 1 or "--expect-ranks" not in lines[0]:
        fail(f"want exit 2 and one line naming --expect-ranks, got {done.returncode}: "
             f"{done.stdout!r} {done.stderr!r}")
    print(lines[0])


def instructions(opts, args):
    """Instructions executed by the whole program: repeatable, unlike seconds (valgrind)."""
    done = run(opts, "valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null",
                                  opts.program] + args + ["--repeat", "1"], opts.threads)
    if done.returncode != 0:
        fail(f"valgrind run failed: {done.stderr[-2000:]}")
    match = re.search(r"Collected : (\d+)", done.stderr)
    if not match:
        fail(f"no instruction count in valgrind output: {done.stderr[-2000:]}")
    return int(match.group(1))


def check_work(opts):
    """Proves the sum kernel's work is done: it grows with the data, at least ~1 instruction per
    4 elements per task.  A loop the compiler replaced by n(n-1)/2 would cost a few instructions
    however many tasks run over the same n values."""
    if shutil.which("valgrind") is None:
        print("valgrind not installed: skipped")
        sys.exit(77)
    n = 200000
    workload = ["-n", str(n)]
    few = instructions(opts, workload + ["--tasks", "1"])
    many = instructions(opts, workload + ["--tasks", "9"])
    per_element = (many - few) / (8 * 2 * n)  # 8 more tasks, in the warm-up and the timed run
    print(f"instructions: {few} -> {many}; {per_element:.2f} per element per task")
    if per_element < 0.25:
        fail(f"only {per_element:.3f} instructions per element: the compiler folded the work away")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["result", "wrong", "badinput", "seedtext", "work",
                                           "launch"])
    parser.add_argument("program")
    parser.add_argument("--serial")
    parser.add_argument("--launcher")
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--threads", type=int)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:split])
    opts.args = argv[split + 1:]
    {"result": check_result, "wrong": check_wrong, "badinput": check_badinput,
     "seedtext": check_seedtext, "work": check_work, "launch": check_launch}[opts.check](opts)
    print("PASS")


if __name__ == "__main__":
    main()
