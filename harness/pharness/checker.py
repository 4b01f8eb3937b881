"""./parlab check NN [--file PATH]: one command that says whether an exercise is done, or the
first reason why not, with a hint.

Why here: a student, a teaching assistant and the grader must get the same verdict from the
same checks.  The checks reuse parlab's pieces and add none of their own kind: the student's
file is compiled as Meson compiles parlab's programs and linked with the libraries Meson built
(pharness/build.py: gcc and clang, -Wall -Wextra -Werror; clang again with ThreadSanitizer for
the OpenMP exercises), every run goes through the one launcher
(pharness/launch.py: the MPI launcher of the library, common/launch_env.sh, and its hang
detector, which names each rank's stuck MPI call), the closed forms are the registry's, and
what a run must print is the exercise's contract (pharness/contracts.py).  Two small probes,
built by Meson, are linked into the student's program (harness/probes/): which threads ran each function
(clang's -finstrument-functions), and whether each MPI process called MPI_Init and
MPI_Finalize.

Order: builds, MPI calls used, runs at several thread and rank counts with sizes drawn at
random (odd counts, more ranks than items), the thread probe, ThreadSanitizer, then timings as
information (with the load average; they never fail).  The first failing check ends the check:
one line per check, then "done" or "not done (KEY): why", and a hint.

Exit status: 0 done, 1 not done, 2 bad usage (pharness/../parlab_harness.py parses it), 3
inconclusive (a timed check on a machine too busy to decide: pharness/speed.py).
"""
import collections
import concurrent.futures
import json
import os
import pwd
import random
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

from . import build, contracts, exercises, launch, registry, speed
from .contracts import Failure

INSTRUMENT = ["-finstrument-functions"]

DEFAULT_HINTS = {
    "build": "the first message names the file and the line; with -Werror every warning is an "
             "error, so warnings must go too",
    "refused": "run the program by hand with the arguments above: it says which option or "
               "kernel function it did not accept",
    "crash": "run it by hand with the arguments above, or under gdb (gdb --args PROGRAM ARGS) "
             "to see where it stops",
    "output": "the program's output is its answer: print exactly the lines its README asks for",
    "wrong": "run it by hand with the arguments above and compare with the closed form",
    "zero": "nothing came back from the workers: see what happens to each thread's or rank's "
            "partial result at the end",
    "times-workers": "every worker computed the whole answer: the work is not shared out",
    "race": "two threads touch the same memory at once and one of them writes: give each "
            "thread its own copy, or make the update atomic",
    "one-thread": "{function}() ran on one thread: its loop needs `#pragma omp parallel for`",
    "few-threads": "{function}() ran on fewer threads than the run had: a num_threads() or if() "
                   "clause on its pragma holds the others back",
    "missing-function": "keep the function names of student.c: the check looks for them",
    "timeout": "the program did not finish: look for a loop that never ends, or a wait for "
               "something that never comes",
    "deadlock": "every rank is waiting for another: look at the MPI call each one is stuck in",
    "slow": "the answer is right, but it takes {ratio} times the reference's time (at most "
            "{limit}): look for an atomic or critical update, or a shared variable, inside the "
            "loop",
    "stopped": "a rank stopped itself (SIGSTOP): remove the raise() or kill() that does it",
    "no-init": "call MPI_Init(&argc, &argv) first in main()",
    "finalize": "call MPI_Finalize() on every rank before main returns",
    "copies": "ask MPI who you are: MPI_Comm_rank and MPI_Comm_size",
    "size": "the rank count comes from MPI_Comm_size, never from a number in the program",
    "forbidden": "this exercise is about doing it without {call}",
    "missing": "this exercise is about {call}",
    "not-reproducible": "the bits of a floating-point sum follow the order of its additions: "
                        "fix the order, whatever the worker count",
    "fsum-error": "the sum is further from the exact sum than the method allows",
    "false-sharing": "give each thread's slot a cache line of its own",
    "schedule": "use schedule(runtime), so that OMP_SCHEDULE decides",
    "lost": "every item 0..n-1 belongs to exactly one rank",
    "overlap": "every item 0..n-1 belongs to exactly one rank",
    "overrun": "a rank's share must lie inside 0..n-1",
    "order": "rank 0 takes the first items, rank 1 the next ones, and so on",
    "unbalanced": "shares differ by one item at most",
    "neighbour": "the left neighbour of rank r is (r - 1 + size) % size",
    # the halo exercises (contracts.HeatField)
    "halo-missing": "a halo was never filled: send every edge a neighbour needs, and receive "
                    "into the halo before the cells next to it are updated",
    "column": "a column of the block is not contiguous: its cells are one row of the block and "
              "its ring apart",
    "not-updated": "every cell of the block is updated once in every step",
    "interior": "cells next to no halo are wrong: the update itself, or the block's place",
    "stale": "a halo from an earlier step: exchange the field this step reads, and wait for it "
             "before using it",
    "split": "every cell of the grid belongs to exactly one rank's block",
    "grid": "a 2-D process grid: MPI_Dims_create and MPI_Cart_create",
    "not-gathered": "rank 0 must receive every rank's block",
    "misplaced": "each block goes to its own place in the field",
    "gather": "send the block's own cells, without its ring",
    "probe": "the check's probes say which threads and ranks ran: let the program end by "
             "returning from main (not _exit or a signal), and never print their lines",
    "no-openmp": "the work must run in an OpenMP parallel region: #pragma omp parallel ...",
}
# A wrong answer from an OpenMP program is often a race: ThreadSanitizer is asked why.
RACE_SYMPTOMS = {"wrong", "zero", "times-workers", "output", "schedule", "crash", "fsum-error"}


class SetupError(Exception):
    """This machine cannot run the check (a compiler or MPI is missing): not the student's
    fault, so neither done nor not done (exit status 2)."""


class SafeFields(dict):
    def __missing__(self, key):
        return "?"


def build_plan(exercise, mpi="openmpi"):
    """{build: (kind, mpi)}: the Meson build directory (pharness/build.py) each of the check's
    builds uses.  gcc and clang share the MPI library of the check (or none where it is missing
    and the exercise needs no MPI); ThreadSanitizer's needs none."""
    kinds = ["gcc", "clang"] + (["tsan"] if exercise.tsan else [])
    return collections.OrderedDict((kind, (kind, build.mpi_for(exercise.variant, kind, mpi)))
                                   for kind in kinds)


def prepare_builds(exercise, mpi="openmpi"):
    """Configures (once) and brings up to date the Meson builds the check of `exercise` links
    against; raises SetupError when that fails.  The grader calls it before its sandbox starts,
    whose file system is read-only."""
    plan = build_plan(exercise, mpi)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(build.prepare, kind, library)
                   for kind, library in sorted(set(plan.values()))]
        for future in futures:
            try:
                future.result()
            except build.BuildError as exc:
                raise SetupError("cannot build parlab to check %s against: %s"
                                 % (exercise.name, exc))


def usable_cores():
    try:
        return len(os.sched_getaffinity(0))
    except OSError:
        return os.cpu_count() or 1


class Sandbox:
    """How the grader runs a student's compiler and program: as an unprivileged user, under
    ulimits (pharness/grade.py says why each one)."""

    def __init__(self, user, nproc=256, fsize=64 << 20, cpu=60, memory=4 << 30, nofile=256):
        entry = pwd.getpwnam(user)
        self.user, self.uid, self.gid = user, entry.pw_uid, entry.pw_gid
        self.nproc, self.fsize, self.cpu, self.memory, self.nofile = (nproc, fsize, cpu,
                                                                      memory, nofile)

    def prefix(self, address_space=True):
        limits = ["--nproc=%d" % self.nproc, "--fsize=%d" % self.fsize, "--cpu=%d" % self.cpu,
                  "--core=0", "--nofile=%d" % self.nofile]
        if address_space:  # not for ThreadSanitizer, which maps terabytes it never touches
            limits.append("--as=%d" % self.memory)
        # choom: the checker keeps the OOM killer off itself (init_of_namespace); the student's
        # processes are its first choice again
        return (["choom", "-n", "0", "--", "setpriv", "--reuid=%d" % self.uid,
                 "--regid=%d" % self.gid, "--clear-groups", "--no-new-privs", "--", "prlimit"]
                + limits + ["--"])


OWN_NAMESPACE = False  # the check runs in a PID namespace of its own (init_of_namespace)


def init_of_namespace():
    """In the grader's sandbox the check is the first process of a PID namespace of its own
    (pharness/grade.py): when it ends, the kernel kills every process left in it, and the
    orphans of the submission's processes are handed to it.  So it forks: this process stays
    the namespace's init and only reaps them; the child runs the check and returns here.  Both
    are kept from the OOM killer, which must pick the submission's processes in the check's
    memory cgroup."""
    try:
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("-1000")
    except OSError:
        pass
    global OWN_NAMESPACE
    if os.getpid() != 1:
        return
    child = os.fork()
    if child == 0:
        OWN_NAMESPACE = True
        return
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(2)
        if pid == child:
            os._exit(os.waitstatus_to_exitcode(status) & 0xff)


def leftovers(grace=2.0):
    """The processes still alive in the check's PID namespace besides its init and the check
    itself, as "PID (NAME)": the submission's, which outlived their runs.  A process that
    was killed may take a moment to end (one killed while the kernel reclaims its memory):
    only those still there after `grace` seconds count.  Empty outside a namespace of its
    own."""
    if not OWN_NAMESPACE:
        return []
    deadline = time.monotonic() + grace
    found = living_others()
    while found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = living_others()
    return found


def living_others():
    found = []
    for entry in sorted(os.listdir("/proc"), key=lambda e: (len(e), e)):
        if not entry.isdigit() or int(entry) in (1, os.getpid()):
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        name, state = stat[stat.find("(") + 1:stat.rfind(")")], stat[stat.rfind(")") + 2:][:1]
        if state != "Z":
            found.append("%s (%s)" % (entry, one_line(name, 20)))
    return found


class Checker:
    def __init__(self, exercise, source, seed=None, full=False, workdir=None, sandbox=None,
                 run_timeout=30.0, mpi="openmpi", out=None, keep=None, mpiexec=None,
                 verdict_fd=None, timed=True):
        self.ex, self.source, self.full = exercise, os.path.abspath(source), full
        self.timed_step = timed  # False (--no-speed): the timed check is said, not run
        self.seed = seed if seed is not None else random.SystemRandom().randrange(1, 1000000)
        self.rng = random.Random(self.seed)
        self.sandbox, self.run_timeout, self.mpi = sandbox, run_timeout, mpi
        self.out = out or sys.stdout
        self.keep = keep  # a directory for the built programs, to run by hand afterwards
        if keep:
            os.makedirs(keep, exist_ok=True)
        self.own_workdir = workdir is None and not keep  # made by check(), removed after
        self.workdir = os.path.abspath(keep) if keep else workdir
        self.passed = 0
        # the grader's copy of the verdict (pharness/grade.py): a JSON object written to this
        # descriptor, which no program the check starts inherits, so that no program output,
        # however it is shaped, can be taken for the verdict
        self.verdict_fd = verdict_fd
        self.binaries = {}
        self.symbols = {}
        self.own_symbols = None  # what the student's own file calls (own_calls)
        self.probe_runs = []  # (run, stderr, binary) of the instrumented builds' runs
        self.size_memo = None
        self.reference = None  # fsum: (bits, shape) of the first verified run
        self.mpi_variant = exercise.variant in registry.MPI_VARIANTS
        self.omp_variant = exercise.variant in registry.OMP_VARIANTS
        # The launcher of the library built with; a cluster's Open MPI module has a plain
        # `mpiexec`, which --mpiexec (or PATH) supplies.
        self.launcher = None
        if self.mpi_variant:
            self.launcher = (mpiexec or launch.find_launcher(mpi) or shutil.which("mpiexec")
                             or shutil.which("mpirun"))
        self.flavor = launch.flavor_of_launcher(self.launcher) if self.launcher else None

    # ---- output ----
    def say(self, status, text):
        self.out.write("  %-5s %s\n" % (status, one_line(text)))
        self.out.flush()
        if status == "ok":
            self.passed += 1

    # ---- the whole check ----
    def check(self):
        ex = self.ex
        self.check_tools()
        if not self.sandbox:
            prepare_builds(ex, self.mpi)
        else:  # the grader has prepared them: its sandbox cannot write
            for kind, library in set(build_plan(ex, self.mpi).values()):
                try:
                    build.recipe(kind, library)
                except build.BuildError as exc:
                    raise SetupError(str(exc))
        if self.own_workdir:
            self.workdir = tempfile.mkdtemp(prefix="parlab-check-")
        self.out.write("parlab check %s: %s (seed %d: --seed %d draws the same sizes)\n"
                       % (ex.name, os.path.relpath(self.source), self.seed, self.seed))
        try:
            self.prepare()
            self.build_all()
            self.own_calls()
            self.build_speed_reference()  # before any run, which may fill the scratch disk
            self.attach_contract()
            self.check_calls()
            runs = self.plan_runs()
            for index, run in enumerate(runs):
                self.one_run(run, index)
            self.check_reproducible(runs)
            self.check_parallel()
            self.check_real_calls()
            self.check_tsan()
            self.check_speed()
            self.show_info()
        except Inconclusive as why:
            message, hint = one_line(why.message), ("run the check again when the machine is "
                                                    "quieter (other programs closed); every "
                                                    "other check passed")
            self.say("busy", message)
            self.note_kept()
            self.out.write("inconclusive: %s\n" % message)
            self.out.write("hint: %s\n" % hint)
            self.send_verdict("inconclusive", "speed", message, hint)
            return speed.INCONCLUSIVE
        except Failure as failure:
            self.say("FAIL", failure.message)
            self.note_kept()
            self.out.write("not done (%s): %s\n" % (failure.key, one_line(failure.message)))
            fields = SafeFields(failure.details)
            hint = ex.hints.get(failure.key) or DEFAULT_HINTS.get(failure.key, "")
            hint = one_line(hint.format_map(fields))
            if hint:
                self.out.write("hint: %s\n" % hint)
            self.send_verdict("not done", failure.key, one_line(failure.message), hint)
            return 1
        finally:
            if self.own_workdir:
                shutil.rmtree(self.workdir, ignore_errors=True)
        self.note_kept()
        self.out.write("done: %s passes all %d checks\n" % (ex.name, self.passed))
        self.send_verdict("done")
        return 0

    def send_verdict(self, grade, key="", reason="", hint=""):
        if self.verdict_fd is None:
            return
        self.out.flush()
        text = json.dumps({"grade": grade, "failed": key, "reason": reason, "hint": hint,
                           "checks_passed": self.passed, "left": leftovers()}) + "\n"
        os.write(self.verdict_fd, text.encode())
        os.close(self.verdict_fd)
        self.verdict_fd = None

    def note_kept(self):
        if self.keep and self.binaries:
            where = os.path.relpath(self.workdir)
            self.say("info", "the programs built are kept in %s: %s" % (
                self.workdir if where.startswith("..") else where,
                ", ".join(sorted(os.path.basename(b) for b in self.binaries.values()))))

    def check_tools(self):
        missing = [tool for tool in ("gcc", "clang", "nm", "meson", "ninja")
                   if not shutil.which(tool)]
        if self.mpi_variant:
            if not self.launcher:
                missing.append("an MPI launcher (mpiexec)")
            try:
                build.mpi_flags(self.mpi, link=False)
            except build.BuildError as exc:
                missing.append(str(exc))
        if missing:
            raise SetupError("cannot check %s here: missing %s; `./parlab build` installs what "
                             "parlab needs (Debian), or load the modules on a cluster"
                             % (self.ex.name, "; ".join(missing)))

    def prepare(self):
        """The student's file, copied into the work directory under its own name (so that
        messages say student.c:14), readable by the sandbox user when there is one."""
        self.name = os.path.basename(self.source)
        if not self.name.endswith(".c"):
            self.name += ".c"
        self.copy = os.path.join(self.workdir, self.name)
        if os.path.abspath(self.copy) != self.source:  # --keep may name the file's own folder
            shutil.copyfile(self.source, self.copy)
        with open(self.copy, encoding="utf-8", errors="replace") as fh:
            self.lines = fh.read().splitlines()
        tmp = os.path.join(self.workdir, "tmp")
        os.makedirs(tmp, exist_ok=True)
        if self.sandbox:
            for path in (self.workdir, tmp, self.copy):
                os.chown(path, self.sandbox.uid, self.sandbox.gid)
            os.chmod(self.workdir, 0o700)
            os.environ.update({"TMPDIR": tmp, "HOME": self.workdir})
            os.chdir(self.workdir)  # the programs' files land in the scratch copy too

    # ---- builds ----
    def build_specs(self):
        """{build: (flags, probes, what the ok line says)}; each build's compiler and Meson
        directory is build_plan()'s."""
        ex = self.ex
        flags = ["-I", exercises.HEADERS] if ex.standalone else []
        probes = []
        if self.mpi_variant:
            probes = ["mpi_sums" if getattr(ex.contract, "probe_flags", []) else "mpi"]
        specs = collections.OrderedDict()
        specs["gcc"] = (flags, probes, "gcc -Wall -Wextra -Werror")
        if self.omp_variant:
            specs["clang"] = (flags + INSTRUMENT, probes + ["threads"],
                              "clang -Wall -Wextra -Werror (and the thread probe)")
        else:
            specs["clang"] = (flags, probes, "clang -Wall -Wextra -Werror")
        if ex.tsan:
            specs["tsan"] = (flags + build.TSAN, [], "clang -fsanitize=thread")
        return specs

    def build_all(self):
        specs = self.build_specs()
        plan = build_plan(self.ex, self.mpi)
        prefix = self.sandbox.prefix() if self.sandbox else ()

        def one(key):
            flags, probes, _ = specs[key]
            kind, library = plan[key]
            output = os.path.join(self.workdir, "%s_%s" % (os.path.splitext(self.name)[0], key))
            return build.program([self.copy], self.ex.variant, output, kind=kind, mpi=library,
                                 flags=flags, probes=probes, parlab=not self.ex.standalone,
                                 prefix=prefix, timeout=120)

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futures = collections.OrderedDict((key, pool.submit(one, key)) for key in specs)
            for key, future in futures.items():
                try:
                    self.binaries[key] = future.result()
                except build.BuildError as exc:
                    for other in futures.values():
                        other.cancel()
                    raise Failure("build", "%s: %s" % (specs[key][2].split(" (")[0],
                                                       self.short_paths(str(exc))))
                if key != "tsan":  # the ThreadSanitizer build gets its line with its run
                    self.say("ok", "build: " + specs[key][2])

    def attach_contract(self):
        """A contract that compares with a program of parlab's own (contracts.HeatField: the
        capstone's serial heat, from the check's gcc build) finds it now; it writes its files
        in this check's work directory, and may run the student's program again (launch_run)
        to explain a failure.  A reference that is missing is the setup's fault (exit 2)."""
        attach = getattr(self.ex.contract, "attach", None)
        if attach is None:
            return
        try:
            self.say("ok", attach(self))
        except build.BuildError as exc:
            raise SetupError("no reference to check %s against: %s"
                             % (self.ex.name, exc))

    def short_paths(self, text):
        return text.replace(self.copy, self.name).replace(self.workdir + os.sep, "")

    # ---- MPI calls the program must or must not make ----
    def undefined(self, binary):
        if binary not in self.symbols:
            done = subprocess.run(["nm", "-u", binary], capture_output=True, text=True,
                                  check=False)
            self.symbols[binary] = {l.split()[-1].split("@")[0] for l in done.stdout.splitlines()
                                    if l.strip()}
        return self.symbols[binary]

    def check_calls(self):
        ex = self.ex
        if not ex.require and not ex.forbid:
            return
        used = self.undefined(self.binaries["gcc"])
        bad = sorted(set(ex.forbid) & used)
        if bad:
            raise Failure("forbidden", "%s calls %s" % (self.name, ", ".join(bad)),
                          call=" and ".join(bad))
        for choices in ex.require:
            if not set(choices) & used:
                named = " or ".join(choices[:2]) + (" (or %s)" % ", ".join(choices[2:])
                                                       if len(choices) > 2 else "")
                raise Failure("missing", "%s never calls %s" % (self.name, named),
                              call=" or ".join(choices[:2]))
        self.say("ok", "MPI calls: %s%s" % (
            ", ".join(sorted(used & {c for cs in ex.require for c in cs})),
            "; none of %s, ..." % ", ".join(sorted(ex.forbid)[:3]) if ex.forbid else ""))

    def own_calls(self):
        """The functions the student's file calls but does not define: the file alone, compiled
        to an object (the binary also holds parlab's own calls), before any run (a run may
        fill the scratch disk); for check_real_calls()."""
        self.own_symbols = None
        if not (self.omp_variant or self.mpi_variant):
            return
        flags, _, _ = self.build_specs()["gcc"]
        kind, library = build_plan(self.ex, self.mpi)["gcc"]
        v = build.recipe(kind, library)["variants"][self.ex.variant]
        obj = os.path.join(self.workdir, os.path.splitext(self.name)[0] + "_own.o")
        prefix = self.sandbox.prefix() if self.sandbox else []
        done = subprocess.run(prefix + v["compiler"] + v["compile"] + list(flags) +
                              ["-fdiagnostics-color=never", "-c", "-o", obj, self.copy],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise Failure("build", "gcc -c %s: %s" % (self.name, self.short_paths(
                done.stderr.strip()[-300:])))
        self.own_symbols = self.undefined(obj)
        os.remove(obj)

    def check_real_calls(self):
        """The probes' second layer: what they reported must be in the student's own code.
        A program whose runs passed must start an OpenMP parallel region (gcc's
        GOMP_parallel*) or MPI (MPI_Init*, or parlab_main(), which calls it), as its variant
        needs: a program that printed the right answers and the probes' lines without either
        has imitated them.  After the runs, so that a skeleton still gets the failure its runs
        show."""
        used = self.own_symbols
        if used is None:
            return
        if self.omp_variant and not any(s.startswith("GOMP_parallel") for s in used):
            raise Failure("no-openmp", "%s never starts an OpenMP parallel region (no "
                          "GOMP_parallel* call in its object file), though its runs passed"
                          % self.name)
        if self.mpi_variant and not used & {"MPI_Init", "MPI_Init_thread", "parlab_main"}:
            raise Failure("no-init", "%s never calls MPI_Init or MPI_Init_thread, though its "
                          "runs passed" % self.name)

    # ---- runs ----
    def plan_runs(self):
        base = self.ex.runs
        runs = [self.resolve(run, i) for i, run in enumerate(base)]
        if self.full:
            runs += self.full_runs(base, len(runs))
        return runs

    def resolve(self, template, index):
        run = template.copy()
        if isinstance(run.threads, tuple):
            run.threads = self.rng.choice(run.threads)
        if isinstance(run.ranks, tuple):
            run.ranks = self.rng.choice(run.ranks)
        run.cc = run.cc or ("gcc" if index % 2 == 0 else "clang")
        chunk = self.rng.randint(1, 64)
        run.env = {k: v.replace("{chunk}", str(chunk)) for k, v in run.env.items()}
        return run

    def full_runs(self, base, start):
        """--full: every count from 1 to 8 (threads, ranks) or more hybrid shapes, each shaped
        like one of the exercise's own runs."""
        have = {(r.ranks, r.threads) for r in base if not isinstance(r.ranks, tuple)
                and not isinstance(r.threads, tuple)}
        if self.ex.variant == "hybrid":
            shapes = [(1, 2), (2, 1), (2, 2), (3, 2), (4, 2), (1, 4), (3, 3)]
        elif self.mpi_variant:
            shapes = [(r, 1) for r in range(1, 9)]
        else:
            shapes = [(1, t) for t in range(1, 9)]
        extra = []
        for k, (ranks, threads) in enumerate(s for s in shapes if s not in have):
            template = base[k % len(base)].copy()
            template.ranks, template.threads, template.kind = ranks, threads, "run"
            extra.append(self.resolve(template, start + k))
        return extra

    def draw_size(self, run, kind=None):
        kind = kind or run.kind
        contract = self.ex.contract
        if kind == "run" and getattr(contract, "row", None) is not None and \
                contract.row.check.same_n:
            if self.size_memo is None:  # one n for every run: the bits must not change
                self.size_memo = contract.size(self.rng, self.ex, run, kind)
            return dict(self.size_memo)
        # uneven: a remainder n % ranks of 2 or more (1 for 2 ranks), so that a split that
        # drops it, or gives it all to one rank, shows
        for _ in range(1000):
            size = contract.size(self.rng, self.ex, run, kind)
            if not run.uneven or not size or size["n"] % run.ranks >= min(2, run.ranks - 1):
                return size
        return size

    def shape(self, run):
        if self.ex.variant == "hybrid":
            return "%d rank%s x %d thread%s" % (run.ranks, "s" * (run.ranks > 1), run.threads,
                                                 "s" * (run.threads > 1))
        if self.mpi_variant:
            return "%d rank%s" % (run.ranks, "s" * (run.ranks > 1))
        return "%d thread%s" % (run.threads, "s" * (run.threads > 1))

    def launch_run(self, run, binary, args, extra_env=None, timeout=None, address_space=True,
                   variant=None, show_binding=False):
        variant = variant or self.ex.variant
        oversubscribed = run.ranks * run.threads > usable_cores()
        argv, env = launch.command(variant, binary, args, ranks=run.ranks, threads=run.threads,
                                   oversubscribed=oversubscribed, launcher=self.launcher,
                                   flavor=self.flavor, show_binding=show_binding)
        env.update(run.env)
        env.update(extra_env or {})
        nonce = secrets.token_hex(16)  # the probes' lines must carry it (probe_lines)
        env[PROBE_NONCE] = nonce
        if self.sandbox:
            argv = self.sandbox.prefix(address_space) + argv
            env["TMPDIR"] = os.environ["TMPDIR"]  # the sandbox user's own (launch.run's is root's)
        mpi = variant in registry.MPI_VARIANTS
        try:
            code, out, err, seconds = launch.run(argv, env, timeout or self.run_timeout,
                                                 watch=binary if mpi else None,
                                                 deadlock_check=mpi,
                                                 output_cap=launch.OUTPUT_CAP)
        except launch.HangError as exc:
            text = self.short_paths(str(exc)).replace(
                "; every process of the run was ended", "").replace("; stderr tail: (empty)", "")
            key = ("deadlock" if text.startswith("deadlock") else
                   "stopped" if "is stopped" in text else "timeout")
            raise Failure(key, text)
        except launch.LaunchError as exc:
            raise Failure("crash", self.short_paths(str(exc)))
        err = self.probe_lines(binary, run, code, err, nonce)
        return code, out, err, seconds

    def probe_lines(self, binary, run, code, err, nonce):
        """stderr with the probes' lines checked and their nonce taken out.  A probe's line
        carries the run's secret nonce (harness/probes/); a line that looks like one without
        it was printed by the program, to pass for a probe, and fails the check.  A run that
        ended well must have left every probe's lines: one MPI line per rank, and thread
        lines from the instrumented build; none means the program ended without running its
        exit handlers (_exit, a signal), as a program hiding from the probe would."""
        lines, mpi_records, fn_records = [], 0, 0
        for line in err.splitlines(True):
            if not line.startswith(contracts.PROBE):
                lines.append(line)
                continue
            match = PROBE_LINE.match(line.rstrip("\n"))
            if not match or match.group("nonce") != nonce:
                raise Failure("probe", "a line on stderr imitates the check's probe: %s"
                              % one_line(line, 120))
            mpi_records += match.group("kind") == "mpi"
            fn_records += match.group("kind") == "fn"
            lines.append(match.group("record") + "\n")
        if code != 0:
            return "".join(lines)
        probed = binary in (self.binaries.get("gcc"), self.binaries.get("clang"))
        if probed and self.mpi_variant and mpi_records < run.ranks:
            raise Failure("probe", "%d of %d ranks left no line of the MPI probe: they ended "
                          "without running their exit handlers" % (run.ranks - mpi_records,
                                                                   run.ranks))
        if binary == self.binaries.get("clang") and self.omp_variant and fn_records == 0:
            raise Failure("probe", "the thread probe left no line: the program ended without "
                          "running its exit handlers")
        return "".join(lines)

    def one_run(self, run, index):
        ex = self.ex
        size = self.draw_size(run)
        args = ex.contract.args(size, run)
        binary = self.binaries[run.cc]
        what = self.describe(run, size)
        if run.kind == "run":
            run.reference = self.reference  # fsum: the bits of the first run with this n
        try:
            code, out, err, _ = self.launch_run(run, binary, args)
            text = ex.contract.verify(run, size, code, out, err)
        except Failure as failure:
            failure.message = "%s: %s" % (what, failure.message)
            if self.omp_variant and ex.tsan and failure.key in RACE_SYMPTOMS:
                self.explain_with_tsan(run, failure)
            raise
        if run.cc == "clang" and self.omp_variant:
            self.probe_runs.append((run, err, binary))
        if run.result_bits is not None and run.kind == "run" and self.reference is None:
            self.reference = (run.result_bits, self.shape(run))
        self.say("ok", "%s: %s" % (what, text))

    def describe(self, run, size):
        args = self.ex.contract.describe(size, run)
        env = " ".join("%s=%s" % kv for kv in sorted(run.env.items()))
        return "%s%s%s [%s]" % (self.shape(run), ", " + args if args else "",
                                ", " + env if env else "", run.cc)

    # ---- floating point: the same bits at every rank count ----
    def check_reproducible(self, runs):
        bits = collections.OrderedDict()
        for run in runs:
            if run.result_bits is not None and run.kind == "run":
                bits.setdefault(run.result_bits, []).append(self.shape(run))
        if len(bits) > 1:
            raise Failure("not-reproducible", "-n %d gave different bits at different counts: "
                          % self.size_memo["n"] + "; ".join(
                              "%s at %s" % (b, ", ".join(s)) for b, s in bits.items()))
        if bits:
            self.say("ok", "reproducible: %s at %s" % (next(iter(bits)),
                                                       ", ".join(next(iter(bits.values())))))

    # ---- the thread probe: did the functions really run on every thread? ----
    def names(self, binary):
        key = ("defined", binary)
        if key not in self.symbols:
            done = subprocess.run(["nm", "--defined-only", binary], capture_output=True,
                                  text=True, check=False)
            table = {}
            for line in done.stdout.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tTwW":
                    table[int(parts[0], 16)] = parts[2]
            self.symbols[key] = table
        return self.symbols[key]

    def threads_of(self, binary, err, function):
        """{pid: threads that ran `function` or a parallel region inside it}, from the thread
        probe's lines; a region's body is named .omp_outlined.* and its parent is the function
        that holds it (probes/threads.c)."""
        names = self.names(binary)
        per_pid = collections.defaultdict(dict)
        for r in contracts.probe_records(err, "fn"):
            try:
                fn, parent = int(r["fn"], 16), int(r["parent"], 16)
                mask = int(r["threads"], 16)
            except (KeyError, ValueError):
                continue
            per_pid[r.get("pid")][fn] = (parent, mask)
        result = {}
        for pid, records in per_pid.items():
            mask, seen = 0, False
            for fn, (parent, bits) in records.items():
                name, hops = names.get(fn), 0
                while name is not None and "omp_outlined" in name and hops < 20:
                    parent = records.get(parent, (0, 0))[0] if hops else parent
                    name = names.get(parent)
                    hops += 1
                if name == function:
                    mask |= bits
                    seen = True
            if seen:
                result[pid] = bin(mask).count("1")
        return result

    def check_parallel(self):
        if not self.omp_variant or not self.ex.parallel:
            return
        done = collections.OrderedDict()
        required = set()
        for run, err, binary in self.probe_runs:
            for function in self.ex.parallel_functions(run):
                required.add(function)
                if run.threads < 2:
                    continue
                counts = self.threads_of(binary, err, function)
                if not counts:
                    continue
                fewest = min(counts.values())
                if fewest < run.threads:
                    raise Failure("one-thread" if fewest == 1 else "few-threads",
                                  "%s, %s: %s() ran on %d of %d threads%s" % (
                                      self.shape(run), self.describe_env(run), function, fewest,
                                      run.threads, " in a rank" if len(counts) > 1 else ""),
                                  function=function)
                done.setdefault(function, []).append("%d of %d" % (fewest, run.threads))
        for function in sorted(required - set(done)):
            raise Failure("missing-function", "%s() never ran in a run with several threads "
                          "(is it still called %s?)" % (function, function), function=function)
        self.say("ok", "parallel: " + "; ".join("%s() ran on every thread (%s)"
                                                % (f, ", ".join(c)) for f, c in done.items()))

    def describe_env(self, run):
        return " ".join("%s=%s" % kv for kv in sorted(run.env.items())) or "clang build"

    # ---- ThreadSanitizer ----
    def tsan_runs(self):
        template = self.ex.tsan
        if template is None:
            return []
        if self.ex.contract.ways:
            ways = self.ex.contract.ways
        else:
            ways = [template.way]
        runs = []
        for way in ways:
            run = self.resolve(template, 0)
            run.way, run.cc = way, "tsan"
            runs.append(run)
        return runs

    def tsan_env(self):
        """build.tsan_env(), and: a longer history, and a second report for an address already
        reported (TSan in LLVM 14 drops a race when it cannot rebuild the earlier access's stack
        from the other thread's history, and then stays silent about that address; with the
        defaults it missed the race of exercise 04's skeleton in 4 of 30 runs, with these in
        none).  In the sandbox, its own memory limit: the address-space limit cannot hold it."""
        env = build.tsan_env()
        for option in ("history_size=7", "suppress_equal_addresses=0"):
            if option.split("=")[0] + "=" not in env["TSAN_OPTIONS"]:
                env["TSAN_OPTIONS"] += " " + option
        if self.sandbox:
            env["TSAN_OPTIONS"] += " hard_rss_limit_mb=%d" % (self.sandbox.memory >> 20)
        return env

    def run_tsan(self, run):
        """(races, the run's verdict text or a Failure) of one ThreadSanitizer run."""
        size = self.draw_size(run, "tsan")
        args = self.ex.contract.args(size, run)
        what = "ThreadSanitizer, %s, %s" % (self.shape(run), self.ex.contract.describe(size, run))
        code, out, err, _ = self.launch_run(run, self.binaries["tsan"], args,
                                            extra_env=self.tsan_env(),
                                            timeout=3 * self.run_timeout, address_space=False)
        found = build.races(err)
        if found:
            return what, found, err, None
        verdict = None
        try:
            self.ex.contract.verify(run, size, code, out, err)
        except Failure as failure:
            verdict = failure
        return what, [], err, verdict

    def race_failure(self, what, found, err, run):
        """The first race ThreadSanitizer reported, by line and function of the student's file:
        from the report's stack frames (the SUMMARY line may lack the line number)."""
        line_no, function = race_site(err, self.name)
        code = ""
        if line_no and 0 < line_no <= len(self.lines):
            code = self.lines[line_no - 1].strip()
            function = function or enclosing_function(self.lines, line_no)
        where = "%s:%d" % (self.name, line_no) if line_no else found[0][0]
        text = "%s: a data race at %s%s%s" % (what, where, " (`%s`)" % code if code else "",
                                              " in %s()" % function if function else "")
        variable = re.search(r"Location is global '([A-Za-z_]\w*)'", err)
        if variable:
            text += " on the global `%s`" % variable.group(1)
        # other places: distinct file:line (a SUMMARY without a line is no place of its own)
        places = {loc.rsplit(":", 1)[0] if loc.count(":") >= 2 else loc for loc, _ in found}
        places -= {p for p in places if ":" not in p and any(q.startswith(p + ":")
                                                             for q in places)}
        places.discard(where)
        if places:
            text += "; and %d more place%s" % (len(places), "s" * (len(places) > 1))
        return Failure("race", text, function=function or "?", line=line_no or "?", code=code,
                       way=run.way or "")

    def explain_with_tsan(self, failed_run, failure):
        """A wrong answer from an OpenMP program: if ThreadSanitizer sees a race, the race is
        the reason (the wrong answer only its symptom)."""
        for run in self.tsan_runs():
            if failed_run.way and run.way != failed_run.way:
                continue
            try:
                what, found, err, _ = self.run_tsan(run)
            except Failure:
                return
            if found:
                race = self.race_failure(what, found, err, run)
                failure.key, failure.details = race.key, race.details
                failure.message = "%s; %s" % (failure.message, race.message)
            return

    def check_tsan(self):
        for run in self.tsan_runs():
            what, found, err, verdict = self.run_tsan(run)
            if found:
                raise self.race_failure(what, found, err, run)
            if verdict is not None:
                verdict.message = "%s: %s" % (what, verdict.message)
                raise verdict
            self.say("ok", "%s: no data race" % what)

    # ---- speed, where speed is the lesson (pharness/speed.py) ----
    def check_speed(self):
        spec = self.ex.speed
        if spec is None:
            return
        if not self.timed_step:
            self.say("info", "speed: not timed (--no-speed): %s, at most %g" % (spec.about,
                                                                                 spec.limit))
            return
        if usable_cores() < spec.threads:
            self.say("info", "speed: not judged: this machine lets the check use %d core(s), "
                     "the comparison needs %d" % (usable_cores(), spec.threads))
            return
        mine = self.speed_run(spec.student)
        if spec.reference == "parlab":
            reference, theirs = self.speed_reference, mine
            named = "parlab's %s/%s.c" % (self.ex.variant, self.ex.contract.row.program)
        else:
            reference, theirs = self.binaries["gcc"], self.speed_run(spec.reference)
            named = "with %s" % _speed_words(spec.reference)
        verdict, ci, pairs = speed.judge(
            spec, lambda: self.speed_time(mine, spec.size, self.binaries["gcc"]),
            lambda: self.speed_time(theirs, spec.size, reference), usable_cores())
        what = "speed, %s, %s: %s; the limit is %.2f" % (
            self.shape(mine), self.ex.contract.describe(spec.size, mine),
            speed.summary(pairs, ci, named), spec.limit)
        if verdict == "fast":
            self.say("ok", what)
        elif verdict == "slow":
            raise Failure("slow", what, ratio="%.2f" % speed.median_ratio(pairs),
                          limit="%.2f" % spec.limit)
        else:
            raise Inconclusive(
                "%s: the interval reaches across the limit%s" % (what, "; other programs used "
                                                                 "up to %.1f cores meanwhile "
                                                                 "(%s)" % (speed.busiest(pairs),
                                                                           self.load_note())
                                                                 if speed.busiest(pairs) >
                                                                 speed.DISTURBED else ""))

    def build_speed_reference(self):
        """The reference of a timed check that compares with parlab's own kernel file of the
        exercise's workload (openmp/sum.c for 02): built like the student's file."""
        self.speed_reference = None
        spec = self.ex.speed
        if spec is None or spec.reference != "parlab":
            return
        source = os.path.join(build.REPO, self.ex.variant, self.ex.contract.row.program + ".c")
        kind, library = build_plan(self.ex, self.mpi)["gcc"]
        try:
            self.speed_reference = build.program(
                [source], self.ex.variant, os.path.join(self.workdir, "reference_gcc"),
                kind=kind, mpi=library, prefix=self.sandbox.prefix() if self.sandbox else (),
                timeout=120)
        except build.BuildError as exc:
            raise SetupError("cannot build the reference %s: %s" % (source, exc))

    def speed_time(self, run, size, binary):
        """One side of a pair: the median of speed.REPEAT timed runs, inside one process for a
        kernel file (its --repeat), else over that many processes."""
        if isinstance(self.ex.contract, contracts.Workload):
            return self.timed(run, size, binary=binary, repeat=speed.REPEAT)[0]
        times = sorted(self.timed(run, size, binary=binary)[0] for _ in range(speed.REPEAT))
        return times[len(times) // 2]

    def speed_run(self, what):
        run = exercises.Run(threads=self.ex.speed.threads, cc="gcc", way=what.get("way"),
                  env=what.get("env"), method=what.get("method"))
        run.variant = self.ex.variant
        return run

    # ---- timings, as information only ----
    def load_note(self):
        load = os.getloadavg()[0]
        cores = usable_cores()
        note = "load average %.2f on %d cores" % (load, cores)
        if load > 0.5:
            note += ": other programs were running, so the times are only a rough hint"
        return note

    def timed(self, run, size, variant=None, show_binding=False, extra_env=None, binary=None,
              repeat=3):
        """(seconds, stdout, stderr) of one timed run of the gcc build (or `binary`): the
        program's median from its JSON line (of `repeat` timed runs, for a kernel file), or its
        'time:' line, or the wall time of the whole run."""
        args = self.ex.contract.args(size, run)
        if isinstance(self.ex.contract, contracts.Workload):
            args = [a for a in args]
            i = args.index("--repeat")
            args[i + 1] = str(repeat)
        code, out, err, seconds = self.launch_run(run, binary or self.binaries["gcc"], args,
                                                  variant=variant, show_binding=show_binding,
                                                  extra_env=extra_env)
        contracts.check_exit(code, err)
        for line in contracts.program_lines(out):
            if line.startswith("{"):
                try:
                    obj = launch.parse_json_line(line, err, code)
                    return obj["time_median"], out, err, obj
                except (launch.LaunchError, KeyError):
                    pass
            m = re.match(r"^time: ([0-9.eE+-]+)", line)
            if m:
                return float(m.group(1)), out, err, None
        return seconds, out, err, None

    def show_info(self):
        for item in self.ex.info:
            try:
                getattr(self, "info_" + item)()
            except Failure as failure:  # information never fails the check
                self.say("info", "%s: not measured (%s)" % (item, one_line(failure.message)))

    def info_speedup(self):
        if usable_cores() < 2:
            self.say("info", "speedup: this machine lets us use 1 core; nothing to compare")
            return
        base = self.ex.runs[0].copy()
        size = self.draw_size(base, "info")
        times = {}
        for threads in (1, 2):
            run = base.copy()
            run.threads, run.cc = threads, "gcc"
            times[threads] = self.timed(run, size)[0]
        self.say("info", "speedup at 2 threads: %.2f (%s: 1 thread %.4f s, 2 threads %.4f s); "
                 "%s" % (times[1] / times[2] if times[2] else 0, self.ex.contract.describe(
                     size, base), times[1], times[2], self.load_note()))

    def info_ways(self):
        base = self.ex.runs[0].copy()
        size = self.draw_size(base, "info")
        parts = []
        for way in self.ex.contract.ways:
            run = base.copy()
            run.threads, run.way = 2, way
            parts.append("%s %.4f s" % (way, self.timed(run, size)[0]))
        self.say("info", "2 threads, -n %d: %s; %s" % (size["n"], ", ".join(parts),
                                                        self.load_note()))

    def info_schedules(self):
        base = self.ex.runs[0].copy()
        size = self.draw_size(base, "info")
        parts = []
        for schedule in ("static", "static,1", "dynamic,1", "guided"):
            run = base.copy()
            run.threads, run.env = 2, {"OMP_SCHEDULE": schedule}
            seconds, out, err, _ = self.timed(run, size)
            try:
                self.ex.contract.verify(run, size, 0, out, err)
                share = " (busiest thread %.0f%% of the work)" % (100 * run.busiest)
            except Failure:
                share = ""
            parts.append("%s %.4f s%s" % (schedule, seconds, share))
        self.say("info", "2 threads, -n %d: %s; %s" % (size["n"], ", ".join(parts),
                                                        self.load_note()))

    def info_binding(self):
        base = self.ex.runs[0].copy()
        base.ranks, base.threads = 1, 2
        size = {"n": 4000000, "tasks": 3}
        parts = []
        if self.flavor == "openmpi":
            shows = [("Open MPI's default binding (--bind-to core)", "mpi"),
                     ("--bind-to none", "hybrid")]
        else:
            shows = [("%s's default (no binding)" % (self.flavor or "the MPI"), "hybrid")]
        # The threads say where they may run (OMP_DISPLAY_AFFINITY, as launch.command sets it
        # for hybrid runs); the default-binding run is launched as a plain MPI run, so that
        # launch.command adds no --bind-to of its own.
        affinity = {"OMP_DISPLAY_AFFINITY": "TRUE", "OMP_AFFINITY_FORMAT":
                    launch.AFFINITY_PREFIX + " host=%H pid=%P thread=%n cpus=%A"}
        for label, variant in shows:
            seconds, out, err, obj = self.timed(base, size, variant=variant, show_binding=True,
                                                extra_env=affinity)
            cpus = []
            for line in launch.binding_lines(out, err):
                m = re.search(r"thread=(\d+) cpus=(\S+)", line)
                if m:
                    cpus.append((int(m.group(1)), m.group(2)))
            where = " | ".join(c for _, c in sorted(set(cpus))) or "?"
            over = obj and obj.get("oversubscribed")
            parts.append("%s: threads on cpus %s, %.4f s%s" % (
                label, where, seconds, ", oversubscribed (the threads share a core)"
                if over else ""))
        self.say("info", "1 rank x 2 threads, -n %d --tasks 3: %s; %s"
                 % (size["n"], "; ".join(parts), self.load_note()))


class Inconclusive(Exception):
    """A timed check whose data support no verdict: the machine was too busy, or the times
    scattered too much (pharness/speed.py)."""

    def __init__(self, message):
        Exception.__init__(self, message)
        self.message = message


def _speed_words(what):
    parts = ["--way %s" % what["way"]] if what.get("way") else []
    parts += ["%s=%s" % kv for kv in sorted((what.get("env") or {}).items())]
    return " ".join(parts)


PROBE_NONCE = "PARLAB_PROBE_NONCE"
# a probe's line (harness/probes/): "parlab-probe: pid=P <kind>=... nonce=HEX"
PROBE_LINE = re.compile(r"^(?P<record>parlab-probe: pid=\d+ (?P<kind>mpi|fn)=[0-9a-zx-]+"
                        r"(?: [a-z-]+=[0-9a-zx-]+)*) nonce=(?P<nonce>[0-9a-f]{32})$")
FRAME = re.compile(r"^\s+#(\d+) (\S+) (\S+?):(\d+)(?::\d+)? ")


def race_site(err, name):
    """(line, function) of the first data race: the line of the innermost frame (#0) of either
    access that lies in file `name` and has a line number (the SUMMARY line may have none),
    else of any frame there; and the first named function of that file on those stacks (not a
    region's .omp_outlined body).  None for what the report does not say."""
    report = err.split("WARNING: ThreadSanitizer: data race", 1)[-1].split("SUMMARY:", 1)[0]
    frames = [m for m in map(FRAME.match, report.splitlines())
              if m and os.path.basename(m.group(3)) == name]
    lines = [int(m.group(4)) for m in frames if m.group(1) == "0"] or \
        [int(m.group(4)) for m in frames]
    functions = [m.group(2) for m in frames if "omp_outlined" not in m.group(2)]
    return (lines[0] if lines else None), (functions[0] if functions else None)


FUNCTION_START = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;]*$")


def enclosing_function(lines, line_no):
    """The name of the C function whose body holds line line_no (1-based): the nearest line
    above it, at the left margin, that looks like a function's head.  Kernel and exercise
    files are written that way (CONTRIBUTING.md, Style)."""
    for i in range(line_no - 1, -1, -1):
        text = lines[i]
        m = FUNCTION_START.match(text)
        if m and not text.startswith(("#", "/", " ", "\t", "}")) and \
                m.group(1) not in ("if", "for", "while", "switch", "return", "sizeof"):
            return m.group(1)
    return None


SHOWN = 400  # characters of one message: a program's output may be quoted in it


def one_line(text, limit=SHOWN, squeeze=True):
    """text as a terminal, a log and a CSV may show it, whatever a program printed into it:
    on one line (runs of white space become one space; with squeeze=False only a line's
    newline goes and its spaces stay), every other character that is not printable (an
    escape sequence's ESC, a bidi override) written as \\xNN or \\uNNNN, and cut short
    after `limit` characters."""
    text = " ".join(str(text).split()) if squeeze else str(text).rstrip("\r\n")
    text = "".join(c if c.isprintable() else "\\x%02x" % ord(c) if ord(c) < 0x100 else
                   "\\u%04x" % ord(c) if ord(c) < 0x10000 else "\\U%08x" % ord(c)
                   for c in text)
    if len(text) > limit:
        text = text[:limit] + " ...(cut)"
    return text


def check(exercise, source, **options):
    return Checker(exercise, source, **options).check()
