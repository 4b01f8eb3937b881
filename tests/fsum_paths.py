#!/usr/bin/env python3
"""fsum's instruction-set paths (SSE2, AVX2, AVX-512): each one, forced by PARLAB_FSUM_ISA, must
give the default's bits.  Run by `meson test` (the fsum_path_* block at the end of
tests/meson.build); docs/float.md describes the paths.

Why a script of its own: the reproducible sum picks its path at run time from the CPU, so a
plain test run only ever tries one of them.  Here each path is forced in turn and compared with
the default serial program's result_hex, for every variant and build that matters.  Which paths
this CPU has is read from /proc/cpuinfo, not from the program, so that a program that refused a
path the CPU has, or used one it lacks, is caught rather than skipped.

  fsum_paths.py identity PROGRAM --path P --serial SERIAL [--threads T]
                [--launcher MPIEXEC --ranks R] [--sizes 1000003,1,5]
        PROGRAM with PARLAB_FSUM_ISA=P (auto: unset) gives SERIAL's default bits at every size,
        on both data kinds, and its JSON names the path it used; exit 77 if the CPU lacks P
  fsum_paths.py refused PROGRAM [--launcher MPIEXEC --ranks R] [--valgrind]
                [--values bogus,,AVX2]
        an unknown PARLAB_FSUM_ISA, and a path the CPU lacks: exit 2, one line on stderr that
        names PARLAB_FSUM_ISA and what it accepts, nothing on stdout.  --valgrind: valgrind hides
        AVX-512 from the program, so the same binary shows a CPU without it
  fsum_paths.py mixed PROGRAM --launcher MPIEXEC --ranks R --serial SERIAL [--sizes ...]
        MPI ranks on different paths (rank r on the r-th path the CPU has, as on nodes with
        different CPUs) give SERIAL's default bits; a bad value on rank 1 alone: exit 2, one line
  fsum_paths.py exact PROGRAM --path P -- ARGS
        tests/check.py fsum_exact (exact error, in Python) with the path forced
  fsum_paths.py unit PROGRAM --path P
        tests/fsum_paths.c: every block length against the method written out in scalar code
  fsum_paths.py builds SOURCE_ROOT --serial SERIAL --unit UNIT [--compilers gcc,clang]
                [--extremes] -- ARGS
        the serial and OpenMP fsum programs, and tests/fsum_paths.c, built here (pharness/build.py)
        with every compiler at -O2 and -O3, with and without -march=native (--extremes: -O3
        -march=native alone): on every path, each program (OpenMP at 3 threads) gives SERIAL's
        default bits, and each unit test UNIT's digest of all block partials
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "harness"))
from pharness import build, launch  # noqa: E402  (the one launcher, the one build helper)

PATHS = ["sse2", "avx2", "avx512"]       # narrowest first, as the program orders them
CPU_FLAG = {"sse2": "sse2", "avx2": "avx2", "avx512": "avx512f"}
TIMEOUT = 120


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def skip(message):
    print("SKIP: " + message)
    sys.exit(77)


def cpu_paths():
    """The paths this CPU can run, by the kernel's own account (/proc/cpuinfo lists a feature only
    if the kernel also saves its registers)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [p for p in PATHS if CPU_FLAG[p] in flags]
    except OSError:
        pass
    return []


def need_path(path):
    if path != "auto" and path not in cpu_paths():
        skip(f"this CPU has no {CPU_FLAG[path]} (/proc/cpuinfo), so the {path} path cannot run "
             "here")


def run(opts, program, args, path=None, threads=None, ranks=None, wrapper=()):
    """One run through the shared launcher: PARLAB_FSUM_ISA set to path (auto: unset)."""
    env = {"PARLAB_FSUM_ISA": path if path not in (None, "auto") else None}
    command = list(wrapper) + [program] + list(args)
    argv, overrides = launch.command("mpi" if ranks else "serial", command[0], command[1:],
                                     ranks=ranks or 1, threads=threads or 1,
                                     oversubscribed=True, launcher=opts.launcher,
                                     flavor=launch.flavor_of_launcher(opts.launcher))
    env.update(overrides)
    if not threads:
        env.pop("OMP_NUM_THREADS")
    shown = (f"PARLAB_FSUM_ISA={path!r} " if env["PARLAB_FSUM_ISA"] is not None else "")
    print("$ " + shown + (f"OMP_NUM_THREADS={threads} " if threads else "") + " ".join(argv))
    try:
        code, out, err, _ = launch.run(argv, env, TIMEOUT, inherit_omp=True,
                                       watch=program if ranks else None)
    except launch.LaunchError as exc:
        fail(" ".join(argv) + ": " + str(exc))
    return subprocess.CompletedProcess(argv, code, out, err)


def record(opts, program, args, path, want_path, threads=None, ranks=None, wrapper=()):
    """One reproducible run's JSON, after the checks every run must pass."""
    done = run(opts, program, args + ["--json"], path, threads, ranks, wrapper)
    if done.returncode != 0:
        fail(f"exit {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}")
    lines = done.stdout.splitlines()
    if len(lines) != 1:
        fail(f"--json must print one line, got {len(lines)}: {done.stdout!r}")
    r = json.loads(lines[0])
    if r.get("verified") is not True or r.get("runs_identical") is not True:
        fail(f"not verified, or the runs differ: {lines[0]}")
    if want_path and r.get("fsum_path") != want_path:
        fail(f"asked for the {path} path, want {want_path}; the program says it used "
             f"{r.get('fsum_path')!r}")
    if threads and r["threads"] != threads or ranks and r["ranks"] != ranks:
        fail(f"asked for {threads} threads / {ranks} ranks, got {r['threads']} / {r['ranks']}")
    return r


def widest():
    have = cpu_paths()
    return have[-1] if have else None


def check_identity(opts):
    need_path(opts.path)
    want_path = opts.path if opts.path != "auto" else widest()
    cases = [(n, data) for n in opts.sizes.split(",") for data in ("random", "cancel")]
    for n, data in cases:
        args = ["-n", n, "--data", data, "--repeat", "2"]
        reference = record(opts, opts.serial, args, "auto", widest())
        got = record(opts, opts.program, args, opts.path, want_path, opts.threads,
                     opts.ranks if opts.launcher else None)
        if got["result_hex"] != reference["result_hex"]:
            fail(f"n {n} {data}: path {got['fsum_path']} gives {got['result_hex']}, the default "
                 f"serial program {reference['result_hex']}")
        print(f"  n {n:>7} {data:6}: {got['result_hex']:24} (path {got['fsum_path']}, "
              f"{got['variant']}, {got['threads']} threads x {got['ranks']} ranks) = default")
    print(f"{len(cases)} cases: the {opts.path} path gives the default's bits")


def refusal(opts, value, wrapper=(), **kw):
    """The program must refuse PARLAB_FSUM_ISA=value: exit 2, one line, nothing on stdout.
    Returns the line."""
    done = run(opts, opts.program, ["-n", "1000", "--json"], value, wrapper=wrapper, **kw)
    lines = done.stderr.splitlines()
    problems = []
    if done.returncode != 2:
        problems.append(f"exit {done.returncode}, want 2")
    if done.stdout:
        problems.append(f"stdout not empty: {done.stdout!r}")
    if len(lines) != 1:
        problems.append(f"stderr has {len(lines)} lines, want 1: {done.stderr!r}")
    elif "PARLAB_FSUM_ISA" not in lines[0] or "auto" not in lines[0]:
        problems.append(f"the line does not name PARLAB_FSUM_ISA and what it accepts: {lines[0]!r}")
    if problems:
        fail(f"PARLAB_FSUM_ISA={value!r}: " + "; ".join(problems))
    print(f"  refused: {lines[0]}")
    return lines[0]


def check_refused(opts):
    ranks = opts.ranks if opts.launcher else None
    have = cpu_paths()
    for value in opts.values.split(","):
        line = refusal(opts, value, ranks=ranks)
        missing = [p for p in have if p not in line]
        if missing:
            fail(f"the line does not list {missing}, which this CPU runs: {line!r}")
    for path in PATHS:
        if path not in have:
            line = refusal(opts, path, ranks=ranks)
            if "expected" not in line or any(p not in line for p in have):
                fail(f"the refusal of {path} does not list what this CPU accepts: {line!r}")
    if opts.valgrind:
        check_hidden_path(opts)
    print("PARLAB_FSUM_ISA: every bad value refused")


def check_hidden_path(opts):
    """Under valgrind, which does not emulate AVX-512, the program sees a CPU without it: 'auto'
    must fall back to a narrower path with the same bits, and forcing avx512 must be refused."""
    if shutil.which("valgrind") is None:
        print("  valgrind not installed: the CPU-without-AVX-512 case is not tried")
        return
    if "avx512" not in cpu_paths():
        print("  this CPU has no AVX-512: its refusal was tried above, without valgrind")
        return
    wrapper = ["valgrind", "-q", "--error-exitcode=99"]
    args = ["-n", "20001", "--repeat", "1"]
    native = record(opts, opts.program, args, "auto", "avx512")
    trial = run(opts, opts.program, args + ["--json"], "auto", wrapper=wrapper)
    if trial.returncode == -4 or "SIGILL" in trial.stderr:  # e.g. a -march=native build
        print("  this build itself uses instructions valgrind cannot run: the "
              "CPU-without-AVX-512 case is not tried")
        return
    hidden = record(opts, opts.program, args, "auto", None, wrapper=wrapper)
    if hidden["fsum_path"] == "avx512":
        print("  this valgrind runs AVX-512 code: the CPU-without-AVX-512 case is not tried")
        return
    if hidden["result_hex"] != native["result_hex"]:
        fail(f"under valgrind, path {hidden['fsum_path']} gives {hidden['result_hex']}, "
             f"natively avx512 gives {native['result_hex']}")
    print(f"  under valgrind (no AVX-512): auto uses {hidden['fsum_path']}, same bits "
          f"{hidden['result_hex']}")
    line = refusal(opts, "avx512", wrapper=wrapper)
    if "avx512" not in line or hidden["fsum_path"] not in line:
        fail(f"the refusal should name avx512 and what is left ({hidden['fsum_path']}): {line!r}")


def check_mixed(opts):
    """MPI ranks on different paths, as on nodes with different CPUs: each rank computes its
    blocks with its own path, and the result must still be the default serial program's.  Then
    one rank with a bad value: every rank must stop, with one line from rank 0."""
    have = cpu_paths()
    if len(have) < 2:
        skip(f"this CPU has {len(have)} path(s) ({', '.join(have)}): nothing to mix")
    ranks = opts.ranks
    per_rank = [have[r % len(have)] for r in range(ranks)]

    def wrapper(values):
        cases = " ".join(f"{r}) export PARLAB_FSUM_ISA='{v}';;" for r, v in enumerate(values))
        script = (f'case "${{OMPI_COMM_WORLD_RANK:-$PMI_RANK}}" in {cases} esac; '
                  'exec "$0" "$@"')
        return ["sh", "-c", script]
    for n in opts.sizes.split(","):
        for data in ("random", "cancel"):
            args = ["-n", n, "--data", data, "--repeat", "2"]
            reference = record(opts, opts.serial, args, "auto", widest())
            got = record(opts, opts.program, args, "auto", per_rank[0], ranks=ranks,
                         wrapper=wrapper(per_rank))
            if got["result_hex"] != reference["result_hex"]:
                fail(f"n {n} {data}: ranks on paths {per_rank} give {got['result_hex']}, the "
                     f"default serial program {reference['result_hex']}")
            print(f"  n {n:>7} {data:6}: {got['result_hex']:24} with ranks on {per_rank} = default")
    line = refusal(opts, None, wrapper=wrapper(["auto", "bogus"]), ranks=ranks)
    print(f"ranks on {per_rank}: the default's bits; one rank refusing stops all ({line!r})")


def check_exact(opts):
    need_path(opts.path)
    want_path = opts.path if opts.path != "auto" else widest()
    record(opts, opts.program, opts.args, opts.path, want_path)  # the path really is in use
    env = dict(os.environ, PARLAB_FSUM_ISA=opts.path)
    checker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "check.py")
    print(f"$ PARLAB_FSUM_ISA={opts.path} check.py fsum_exact {opts.program} -- "
          + " ".join(opts.args))
    done = subprocess.run([sys.executable, checker, "fsum_exact", opts.program, "--"] + opts.args,
                          env=env, capture_output=True, text=True, timeout=300)
    print(done.stdout + done.stderr)
    if done.returncode != 0:
        fail(f"check.py fsum_exact failed on the {opts.path} path")


def check_unit(opts):
    need_path(opts.path)
    done = run(opts, opts.program, [], opts.path)
    print(done.stdout + done.stderr)
    if done.returncode != 0:
        fail(f"exit {done.returncode}")


def unit_digest(opts, program, path):
    done = run(opts, program, [], path)
    digest = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("digest ")]
    if done.returncode != 0 or len(digest) != 1:
        fail(f"{program} on the {path} path: exit {done.returncode}\n{done.stdout}{done.stderr}")
    return digest[0]


def check_builds(opts):
    root = opts.program
    compilers = [c for c in opts.compilers.split(",") if shutil.which(c)]
    if not compilers:
        skip("no compiler found")
    # The kernels and the unit test, each built here as a whole program (pharness/build.py,
    # every shared source of this checkout) by every compiler, at -O2 and -O3, portable and
    # -march=native.
    variants = {"serial": ("serial/fsum.c", "serial"), "openmp": ("openmp/fsum.c", "openmp"),
                "unit": ("tests/fsum_paths.c", "serial")}
    flag_sets = [["-O2"], ["-O3"], ["-O2", "-march=native"], ["-O3", "-march=native"]]
    if opts.extremes:
        # -O2 portable is every Meson build's own, which the fsum_path_* tests check; -O3 with
        # -march=native vectorizes most and contracts into FMA where the CPU has it
        flag_sets = [["-O3", "-march=native"]]
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [(os.path.join(tmp, f"fsum_{variant}_{cc}{''.join(flags)}"), variant, cc, flags)
                for cc in compilers for flags in flag_sets for variant in variants]

        def compile_one(job):
            exe, variant, cc, flags = job
            source, kind = variants[variant]
            return build.build(os.path.join(root, source), kind, exe, compiler=cc, flags=flags)
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                list(pool.map(compile_one, jobs))
        except build.BuildError as exc:
            fail(str(exc))
        paths = ["auto"] + cpu_paths()
        # The partials of every block length (tests/fsum_paths.c), as one digest per build and path.
        want = unit_digest(opts, opts.unit, "auto")
        units = [job[0] for job in jobs if job[1] == "unit"]
        for exe in units:
            for path in paths:
                if unit_digest(opts, exe, path) != want:
                    fail(f"{os.path.basename(exe)} on the {path} path: other block partials "
                         f"than this build's (digest {want})")
        print(f"block partials: digest {want} from all {len(units)} unit builds on every path "
              f"({', '.join(paths)})")
        jobs = [job for job in jobs if job[1] != "unit"]
        for data in ("random", "cancel"):
            args = opts.args + ["--data", data, "--repeat", "2"]
            reference = record(opts, opts.serial, args, "auto", widest())["result_hex"]
            for exe, variant, _, _ in jobs:
                for path in paths:
                    r = record(opts, exe, args, path, path if path != "auto" else widest(),
                               threads=3 if variant == "openmp" else None)
                    if r["result_hex"] != reference:
                        fail(f"{os.path.basename(exe)} on the {r['fsum_path']} path, {data}: "
                             f"{r['result_hex']}, the default serial program {reference}")
            print(f"{data}: {reference} from all {len(jobs)} builds ({', '.join(compilers)} x "
                  f"{'/'.join(' '.join(f) for f in flag_sets)} x serial/OpenMP-3-threads) on "
                  f"every path ({', '.join(paths)})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=["identity", "refused", "mixed", "exact", "unit",
                                          "builds"])
    parser.add_argument("program")
    parser.add_argument("--path", choices=["auto"] + PATHS, default="auto")
    parser.add_argument("--serial")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--launcher")
    parser.add_argument("--ranks", type=int, default=1)
    parser.add_argument("--sizes", default="1000003,1,5,4095,4097")
    parser.add_argument("--compilers", default="gcc,clang")
    parser.add_argument("--extremes", action="store_true",
                        help="builds: -O3 -march=native alone, not all four flag sets")
    parser.add_argument("--valgrind", action="store_true")
    parser.add_argument("--values", default="bogus,,AVX2,avx512 ,sse,auto+sse2")
    parser.add_argument("--unit")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    opts = parser.parse_args(argv[:split])
    opts.args = argv[split + 1:]
    {"identity": check_identity, "refused": check_refused, "mixed": check_mixed,
     "exact": check_exact,
     "unit": check_unit, "builds": check_builds}[opts.check](opts)
    print("PASS")


if __name__ == "__main__":
    main()
