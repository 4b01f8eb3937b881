"""The pitfall lab: classic parallel-programming bugs, each shown with the tool that catches it.

Why: the well-known collections of broken parallel programs, and the race exercises of many
courses, hand a student the bug but no tool that says what went wrong, and a race that "does not
race on my machine" teaches the wrong lesson.  Here every pitfall is a
directory, pitfalls/NAME/, with its broken program, its fixed twin and a README.md that explains
it, and one row of PITFALLS below: which programs, which tool, what the tool must find.
`./parlab pitfall NAME` builds the programs (Meson: pitfalls/meson.build, in the build directories
of pharness/build.py), runs the tool on both through the
one launcher (pharness/launch.py: every MPI launch is watched for hangs), prints what the tool
found and the README, and exits 0 when the tool caught the bug and the fixed twin passed, 1 when a
detector missed (so that CI notices a detector that stopped working), 2 for bad usage and 77 when
a tool the pitfall needs is not installed (meson's "skipped").  Timing lessons print their ratios
and the load average, and never fail on a ratio.

Adding a pitfall: a directory pitfalls/NAME/ (its programs and README.md) and one row here, using
the tools below (tsan, selfcheck, hang, eager, timing, instructions, naive, wrong_launcher).
"""
import os
import re
import shlex
import shutil
import subprocess
import time

from . import build, fmt, fsum, launch, provenance, registry, stats

REPO = build.REPO
RUNS = 10           # runs of each detector, for its catch rate
ROUNDS = 3          # rounds of every timing lesson: each ratio is a median over them
TIMEOUT = 120       # seconds for one run (a hang is found long before: launch.run)
HANG_TIMEOUT = 60   # for a run that must hang: found in 10-30 s here, even on a loaded machine
BUG_MARK = "the bug"  # the comment that marks the buggy lines of a broken program
SKIPPED = 77
ABOUT = ("The pitfall lab: classic parallel bugs, each built and run with the tool that catches it. "
         "NAME builds the broken program and its fixed twin, runs the tool on both, prints what it "
         "found and why (pitfalls/NAME/README.md).  Exit status: 0 the bug was caught and the "
         "fixed twin passed; 1 a detector missed; 2 bad usage; 77 a tool it needs is missing.")


class Skip(Exception):
    """A tool this pitfall needs is not installed: the pitfall cannot be shown here."""


class Pitfall:
    """One row of the lab.

    name      the directory under pitfalls/ and the command's argument
    title     one line for the list
    programs  {role: (source, variant)}: source relative to the repository; the variant links
              the driver for it (Meson builds each one: pitfalls/meson.build, target_name())
    tool      what catches the bug, in words
    expect    what the tool must find, in words (the checks below hold it to that)
    checks    [(tool function, options)]: run in order; each prints what it found
    """

    def __init__(self, name, title, programs, tool, expect, checks):
        self.name, self.title, self.programs = name, title, programs
        self.tool, self.expect, self.checks = tool, expect, checks

    def runs_alone(self):
        """Whether its test must have the machine to itself: a self-check that must see a race
        as a wrong result needs its threads to run at the same moment, which another test on
        the same cores can prevent.  Every other check gives the same verdict under load (the
        timing lessons print their ratios and never judge them)."""
        return any(check is selfcheck and any(case[2] == "wrong" for case in opts["cases"])
                   for check, opts in self.checks)

    def readme(self):
        """The explanation, for a terminal: a picture (drawn for the site and GitHub) becomes
        one line naming its file."""
        with open(os.path.join(REPO, "pitfalls", self.name, "README.md"), encoding="utf-8") as fh:
            return re.sub(r"!\[([^\]]*)\]\(([^)\s]+)\)",
                          lambda m: "(picture: %s: %s)" % (
                              os.path.normpath(os.path.join("pitfalls", self.name, m.group(2))),
                              m.group(1)), fh.read())


def target_name(source, variant):
    """The Meson target that builds `source` as a program of `variant` (pitfalls/meson.build
    makes one for every program that main(programs=True) lists)."""
    stem = os.path.splitext(source)[0]
    if stem.startswith("pitfalls/"):
        stem = stem[len("pitfalls/"):]
    return "pitfall_%s_%s" % (stem.replace("/", "_"), variant)


# The wrong programs tests/pitfall_detectors.py puts into a row, where no row has them: Meson
# builds them too, so that the detectors can be shown to fail.
CONTROLS = [("tests/broken_sum.c", "openmp")]


def programs():
    """Every (source, variant) that the lab builds: the rows' programs, and CONTROLS."""
    found = []
    for p in PITFALLS:
        for source, variant in p.programs.values():
            if (source, variant) not in found:
                found.append((source, variant))
    return found + [c for c in CONTROLS if c not in found]


# ---- one run of one pitfall: its output, its verdict ----

class Lab:
    def __init__(self, pitfall, runs, write):
        self.pitfall, self.runs, self.write = pitfall, runs, write
        self.missed = []     # the detectors that missed, one line each
        self.shown = set()   # commands already printed

    def say(self, text=""):
        self.write(text + "\n")

    def miss(self, text):
        self.missed.append(text)
        self.say("  MISSED: " + text)

    def source(self, role):
        return os.path.join(REPO, self.pitfall.programs[role][0])

    def variant(self, role):
        return self.pitfall.programs[role][1]

    def program(self, role, compiler="gcc", sanitize=False, mpi="openmpi"):
        """The program of `role`, as Meson builds it (with -g, -Werror) in the build directory of
        this compiler (clang with ThreadSanitizer: sanitize=True) and MPI library; built now if
        it is not up to date."""
        source, variant = self.pitfall.programs[role]
        kind = "tsan" if sanitize else compiler
        if not shutil.which(compiler):
            raise Skip("%s is not installed" % compiler)
        if variant in registry.MPI_VARIANTS and not build.have_mpi(mpi):
            raise Skip(build.mpi_missing(mpi))
        return build.meson_program(target_name(source, variant), kind,
                                   build.mpi_for(variant, kind, mpi))

    def show(self, key, argv, env, keep=()):
        """Prints a command once, as a student would type it: the variables it depends on
        (`keep`), not the launch settings (./parlab env prints those)."""
        if key in self.shown:
            return
        self.shown.add(key)
        words = ["%s=%s" % (k, shlex.quote(" ".join(_short(w) for w in env[k].split(" "))))
                 for k in keep if k in env]
        words += [shlex.quote(_short(a)) for a in argv]
        note = ("   (with ./parlab env's settings)" if any(k.startswith("OMPI_") for k in env)
                else "")
        self.say("  $ " + " ".join(words) + note)

    def run(self, role_program, args, variant, threads=1, ranks=1, env=(), launcher=None,
            flavor="openmpi", key=None, timeout=TIMEOUT, bind=False):
        """One run through the one launcher; MPI runs are watched for hangs (launch.run).
        bind: one OpenMP thread per core (launch.command), for timing.
        Returns (exit status, stdout, stderr, seconds); raises launch.HangError."""
        mpi = variant in ("mpi", "hybrid")
        if mpi and launcher is None:
            launcher = launch.find_launcher(flavor)
            if launcher is None:
                raise Skip("no MPI launcher for %s" % flavor)
        argv, overrides = launch.command(variant, role_program, args, ranks=ranks,
                                         threads=threads, oversubscribed=ranks * threads >
                                         provenance.usable_cores(), launcher=launcher,
                                         flavor=flavor, bind=bind)
        overrides.update(dict(env))
        self.show(key or role_program, argv, overrides,
                  (() if mpi else ("OMP_NUM_THREADS",)) + tuple(dict(env))
                  + (("OMP_PLACES", "OMP_PROC_BIND") if bind else ()))
        return launch.run(argv, overrides, timeout, watch=role_program if mpi else None,
                          deadlock_check=mpi)


def _short(text):
    """A command on PATH by its name, a path relative to the current directory when that is
    shorter (for printed commands); also the path in KEY=PATH."""
    if "=" in text and not text.startswith("-"):
        key, value = text.split("=", 1)
        return key + "=" + _short(value)
    if os.path.isabs(text):
        if shutil.which(os.path.basename(text)) == text:
            return os.path.basename(text)
        rel = os.path.relpath(text)
        return rel if len(rel) < len(text) else text
    return text


def _json(out, err, code):
    """The program's one JSON line (launch.parse_json_line), or None when it printed none."""
    try:
        return launch.parse_json_line(out, err, code)
    except launch.LaunchError:
        return None


def bug_lines(path):
    """The line numbers of a broken program that carry the mark of the bug."""
    with open(path, encoding="utf-8") as fh:
        return {i for i, line in enumerate(fh, 1) if "/* " + BUG_MARK in line}


def compile_checks(lab):
    """Every program of the pitfall's own directory compiles warning-free with gcc and clang:
    the bug must be a logic bug, not a compiler warning.  Meson builds them with -Werror
    (pharness/build.py), so building them with both compilers is the check."""
    own = [role for role, (src, _) in lab.pitfall.programs.items() if src.startswith("pitfalls/")]
    if not own:
        return
    compilers = [c for c in ("gcc", "clang") if shutil.which(c)]
    for compiler in compilers:
        for role in own:
            try:
                lab.program(role, compiler)
            except build.BuildError as exc:
                lab.miss("%s does not compile warning-free with %s: %s"
                         % (lab.pitfall.programs[role][0], compiler, exc))
    lab.say("  compiled warning-free (-Wall -Wextra -Werror) with %s: %s"
            % (" and ".join(compilers), " ".join(sorted({lab.pitfall.programs[r][0]
                                                         for r in own}))))


# ---- the tools ----

def _at_line(where, name, lines):
    """Whether a TSan location 'broken.c:22:13' is in file `name` at one of `lines`."""
    parts = where.split(":")
    return parts[0] == name and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) in lines


def tsan(lab, threads, args, broken="broken", fixed="fixed"):
    """ThreadSanitizer (clang, libomp): the broken program's race must be reported at a line
    marked as the bug, in every run; the fixed twin must run clean, in every run."""
    if not shutil.which("clang"):
        raise Skip("clang is not installed (apt-get install clang libomp-dev)")
    lab.say("-- ThreadSanitizer: clang %s, %d threads, %d runs each"
            % (" ".join(build.TSAN), threads, lab.runs))
    marked = bug_lines(lab.source(broken))
    name = os.path.basename(lab.source(broken))
    env = build.tsan_env()
    results = {}
    for role in (broken, fixed):
        program = lab.program(role, "clang", sanitize=True)
        caught, clean, other = 0, 0, []
        for _ in range(lab.runs):
            code, out, err, _ = lab.run(program, args, "openmp", threads=threads, env=env)
            if "FATAL: ThreadSanitizer" in err:  # e.g. a kernel whose address layout it rejects
                raise Skip("ThreadSanitizer cannot run here: %s" % launch.tail(err, 2))
            found = build.races(err)
            at_bug = [w for w, _ in found if _at_line(w, name, marked)]
            caught += bool(at_bug)
            clean += not found and code == 0
            other += [w for w, _ in found if w not in other]
            if role == broken and at_bug and "example" not in results:
                results["example"] = at_bug[0]
        results[role] = (caught, clean, other)
    caught, _, other = results[broken]
    lab.say("  %s: a data race at %s, a line marked as the bug, in %d of %d runs"
            % (broken, results.get("example", name + ":" + ",".join(map(str, sorted(marked)))),
               caught, lab.runs))
    elsewhere = [w for w in other if not _at_line(w, name, marked)]
    if elsewhere:
        lab.say("  %s: also reported at %s" % (broken, ", ".join(elsewhere)))
    _, clean, other_fixed = results[fixed]
    lab.say("  %s: no race and exit 0 in %d of %d runs%s"
            % (fixed, clean, lab.runs, "; reported: " + ", ".join(other_fixed) if other_fixed
               else ""))
    if caught < lab.runs:
        lab.miss("ThreadSanitizer reported the race in only %d of %d runs" % (caught, lab.runs))
    if clean < lab.runs:
        lab.miss("the fixed twin was not clean under ThreadSanitizer in %d of %d runs"
                 % (lab.runs - clean, lab.runs))


def _static_shares(n, threads):
    """Each thread's part of 0 + 1 + ... + (n-1) under schedule(static) of an element loop:
    contiguous pieces, the first n % threads of them one longer (libgomp's split)."""
    q, r, shares, first = n // threads, n % threads, [], 0
    for t in range(threads):
        count = q + (t < r)
        shares.append((2 * first + count - 1) * count // 2 if count else 0)
        first += count
    return shares


def selfcheck(lab, cases, compiler="gcc", broken="broken", fixed="fixed", shares=False):
    """The driver's own check (exit 1, WRONG) on the broken program, over lab.runs runs of each
    case, and on the fixed twin.  A case: (threads, args, expect) with expect 'wrong' (at least
    one wrong run), 'right' (every run verified) or None (measured and printed)."""
    lab.say("-- the self-check: %s -O2, %d runs of each case" % (compiler, lab.runs))
    progs = {role: lab.program(role, compiler) for role in (broken, fixed)}
    rows, example = [], None
    for threads, args, expect in cases:
        counts = {}
        for role, program in progs.items():
            wrong = right = 0
            for _ in range(lab.runs):
                code, out, err, _ = lab.run(program, list(args) + ["--json"], "openmp",
                                            threads=threads,
                                            key=(role, threads, tuple(args)) if role == broken
                                            else role)
                rec = _json(out, err, code)
                if code == 1 and rec and rec.get("verified") is False:
                    wrong += 1
                    if role == broken and threads > 1:
                        example = (threads, rec)
                elif code == 0 and rec and rec.get("verified") is True:
                    right += 1
            counts[role] = (wrong, right)
        rows.append([threads, " ".join(args) or "(defaults)",
                     "WRONG in %d of %d" % (counts[broken][0], lab.runs),
                     "verified in %d of %d" % (counts[fixed][1], lab.runs)])
        if expect == "wrong" and counts[broken][0] == 0:
            lab.miss("the self-check never said WRONG at %d threads, %s" % (threads, rows[-1][1]))
        if expect == "right" and counts[broken][1] < lab.runs:
            lab.miss("the broken program was not right in every run at %d thread(s)" % threads)
        if counts[fixed][1] < lab.runs:
            lab.miss("the fixed twin was not verified in every run at %d threads" % threads)
    lab.say(_indent(fmt.table(["threads", "arguments", broken, fixed], rows, "rlll")))
    if shares and example:
        threads, rec = example
        got, want, n = int(rec["result"]), int(rec["expected"]), int(rec["n"])
        parts = _static_shares(n, threads)
        which = [t for t, s in enumerate(parts) if s == got]
        if which:
            lost = ["thread %d's share (%d)" % (t, part) for t, part in enumerate(parts)
                    if t != which[0]]
            lab.say("  e.g. %d threads, %s: got %d, expected %d: the result is exactly thread "
                    "%d's share alone; %s vanished" % (threads, "n = %d" % n, got, want, which[0],
                                                      " and ".join(lost)))
        else:
            lab.say("  e.g. %d threads: got %d, expected %d: %.1f%% of the sum lost"
                    % (threads, got, want, 100.0 * (want - got) / want))


RANK_CALL = re.compile(r"rank (\d+) \(pid \d+\) in (P?MPI_\w+)((?: <- [\w.]+)*)")


def _hang_calls(message):
    """{rank: 'PMPI_Reduce <- sum_task <- ...'} from a HangError's message."""
    return {int(m.group(1)): m.group(2) + m.group(3) for m in RANK_CALL.finditer(message)}


def _expect_hang(lab, program, args, ranks, flavor, calls, what):
    """Runs a program that must hang; checks that the hang is found as a deadlock with every rank
    named in an MPI call (rank r in calls[r], where given) and that no rank outlives it.  Returns
    the HangError, or None when it did not hang or the hang was not seen as a deadlock."""
    t0 = time.monotonic()
    try:
        code, out, err, _ = lab.run(program, args, "mpi", ranks=ranks, flavor=flavor,
                                    key=(program, tuple(args)), timeout=HANG_TIMEOUT)
    except launch.HangError as exc:
        seconds = time.monotonic() - t0
        found = _hang_calls(str(exc))
        lab.say("  %s: ended after %.0f s, %s:" % (what, seconds, str(exc).split(";")[0]))
        for rank in sorted(found):
            lab.say("    rank %d in %s" % (rank, found[rank]))
        if not str(exc).startswith("deadlock"):
            lab.miss("%s: the hang was not recognised as a deadlock: %s" % (what, exc))
            return None
        if sorted(found) != list(range(ranks)):
            lab.miss("%s: not every rank was named with its MPI call: %s" % (what, exc))
        for rank, call in calls.items():
            if not found.get(rank, "").startswith(call):
                lab.miss("%s: rank %d should be in %s, found %s" % (what, rank, call,
                                                                   found.get(rank)))
        left = _alive(program)
        lab.say("    every rank was ended: %s" % ("yes" if not left else "NO, %s still run" % left))
        if left:
            lab.miss("%s: processes outlived the hang: %s" % (what, left))
        return exc
    lab.miss("%s did not hang (exit %s): %s" % (what, code, launch.tail(out + err, 3)))
    return None


def _alive(program):
    """Pids of processes that run this program (none may outlive its run)."""
    exe, pids = os.path.realpath(program), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.path.realpath("/proc/%s/exe" % entry) == exe:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def _expect_pass(lab, program, args, ranks, flavor, what, variant="mpi"):
    try:
        code, out, err, seconds = lab.run(program, args, variant, ranks=ranks, flavor=flavor)
    except launch.HangError as exc:
        lab.miss("%s hung: %s" % (what, exc))
        return None
    if code != 0:
        lab.miss("%s: exit %s: %s" % (what, code, launch.tail(err, 3)))
    else:
        checks = [l for l in out.splitlines() if l.startswith("Check:")]
        lab.say("  %s: exit 0 after %.1f s: %s" % (what, seconds, (checks or [launch.tail(out, 1)])[0]))
    return out


def _need_gdb():
    if not shutil.which("gdb"):
        raise Skip("gdb is not installed: hung ranks cannot be seen (apt-get install gdb)")


def hang(lab, ranks, args, calls, broken="broken", fixed="fixed"):
    """A program that hangs: the watched launch must end it as a deadlock, naming every rank's
    MPI call; the fixed twin must finish under the same watch."""
    _need_gdb()
    lab.say("-- hang detection (launch.run: every rank in the same MPI call twice in a row, "
            "seen by gdb), %d ranks" % ranks)
    _expect_hang(lab, lab.program(broken), args + ["--expect-ranks", str(ranks)],
                 ranks, "openmpi", calls, broken)
    _expect_pass(lab, lab.program(fixed), args + ["--expect-ranks", str(ranks)],
                 ranks, "openmpi", fixed)


def _flavors():
    """The MPI libraries this machine can build and launch: Open MPI, and MPICH where it is."""
    found = []
    for flavor in ("openmpi", "mpich"):
        if build.have_mpi(flavor) and launch.find_launcher(flavor):
            found.append(flavor)
    return found


def _last_exchanged(text):
    sizes = re.findall(r"^exchanged (\d+) bytes$", text or "", re.M)
    return int(sizes[-1]) if sizes else None


def eager(lab, broken, fixed, first=64, last=16 << 20):
    """Two ranks that both send before they receive: messages up to the eager limit go through,
    larger ones deadlock.  Finds the limit in two watched launches per MPI library (doubling,
    then byte by byte between the last size that went through and the first that hung); the
    fixed twin must go through at every size."""
    lab.say("-- the eager limit: %s swaps messages of %d bytes, doubling up to %d MiB, then in "
            "small steps between the last size that went through and the first that hung"
            % (broken, first, last >> 20))
    _need_gdb()
    flavors = _flavors()
    if "openmpi" not in flavors:
        raise Skip("Open MPI (libopenmpi-dev, openmpi-bin) is not installed")
    for flavor in flavors:
        version = subprocess.run(["pkg-config", "--modversion",
                                  {"openmpi": "ompi-c", "mpich": "mpich"}[flavor]],
                                 capture_output=True, text=True, timeout=30, check=False)
        label = "%s %s" % ({"openmpi": "Open MPI", "mpich": "MPICH"}[flavor],
                           version.stdout.strip())
        prog = lab.program(broken, mpi=flavor)
        what = "%s, %s" % (broken, label)
        exc = _expect_hang(lab, prog, [str(first), str(last)], 2, flavor,
                           {0: "PMPI_Send", 1: "PMPI_Send"}, what)
        ok = _last_exchanged(exc.stdout) if exc else None
        if exc is None or ok is None:
            if exc is not None:
                lab.miss("%s: hung at the first size, %d bytes" % (what, first))
            continue
        lab.say("    the last size that went through: %d bytes; the next, %d bytes, hung"
                % (ok, 2 * ok))
        step = max(1, ok // 8192)
        exc = _expect_hang(lab, prog, [str(ok + step), str(2 * ok), str(step)], 2, flavor,
                           {0: "PMPI_Send", 1: "PMPI_Send"}, what + ", in steps of %d" % step)
        fine = _last_exchanged(exc.stdout) if exc else None
        limit = fine if fine is not None else ok
        lab.say("  %s: messages up to %d bytes went through (eager); %d bytes deadlocked "
                "(rendezvous)%s" % (label, limit, limit + step,
                                    "" if step == 1 else " (to within %d bytes)" % step))
        _expect_pass(lab, lab.program(fixed, mpi=flavor),
                     [str(first), str(last)], 2, flavor, "%s, %s, %d bytes to %d MiB"
                     % (fixed, label, first, last >> 20))


def timing(lab, entries, baseline, show_work=False, cache_line=False, rounds=ROUNDS):
    """Times the entries side by side, in `rounds` rounds, each program with its own warm-up and
    repeats (the driver's run_workload()).  Every result must be verified; the ratios are printed
    and never judged.  An entry: dict(label, role, variant, threads, ranks, args, env, and
    optionally against: the label its ratio is taken against; bind: False to let the operating
    system place the threads, which otherwise get one core each, as in ./parlab bench)."""
    cores = provenance.usable_cores()
    lab.say("-- timing: %d rounds of every program (each: 1 untimed warm-up, then timed runs; "
            "its median); %d usable cores, load average %s"
            % (rounds, cores, " ".join("%.2f" % x for x in os.getloadavg())))
    if cache_line:
        lab.say("  cache line: %s bytes (sysfs coherency_line_size)" % _line_size())
    times = {e["label"]: [] for e in entries}
    work = {}
    for _ in range(rounds):
        for e in entries:
            program = lab.program(e["role"], e.get("compiler", "gcc"))
            extra = ["--json"]
            if e["variant"] in ("mpi", "hybrid"):
                extra += ["--expect-ranks", str(e.get("ranks", 1))]
            if e["variant"] != "mpi":
                extra += ["--expect-threads", str(e.get("threads", 1))]
            code, out, err, _ = lab.run(program, e["args"] + extra, e["variant"],
                                        threads=e.get("threads", 1), ranks=e.get("ranks", 1),
                                        env=e.get("env", {}), key=e["label"],
                                        bind=e.get("bind", True))
            rec = _json(out, err, code)
            if code != 0 or not rec or rec.get("verified") is not True:
                lab.miss("%s: not verified (exit %s): %s" % (e["label"], code,
                                                             launch.tail(err, 2)))
                return
            times[e["label"]].append(rec["time_median"])
            work[e["label"]] = re.findall(r"^thread (\d+) counted (\d+) pairs$", err, re.M)
    rows = []
    for e in entries:
        t = stats.summary(times[e["label"]])
        against = e.get("against", baseline)
        ratio = stats.summary([a / b for a, b in zip(times[e["label"]], times[against]) if b > 0])
        rows.append([e["label"], fmt.time_range(t["median"], t["min"], t["max"]),
                     "%s (%s-%s)" % (fmt.num(ratio["median"]), fmt.num(ratio["min"]),
                                     fmt.num(ratio["max"])), against])
    lab.say(_indent(fmt.table(["program", "time: median (min-max) over rounds",
                               "ratio (min-max), per round", "against"], rows, "lrrl")))
    if show_work:
        for e in entries:
            counted = [int(c) for _, c in work.get(e["label"], [])]
            if counted and sum(counted):
                lab.say("  %s, each thread's share of the work: %s"
                        % (e["label"], ", ".join("thread %d %.1f%%" % (t, 100.0 * c / sum(counted))
                                                 for t, c in enumerate(counted))))
    lab.say("  load average after: %s%s" % (" ".join("%.2f" % x for x in os.getloadavg()),
                                            "; " + provenance.load_warning(cores)
                                            if provenance.load_warning(cores) else ""))
    lab.say("  (timing lessons print their ratios and never fail on them: the machine is shared)")


def _line_size():
    try:
        with open("/sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size") as fh:
            return fh.read().strip()
    except OSError:
        return "unknown"


def instructions(lab, broken, fixed, sizes, args):
    """Instructions executed (valgrind), at several n: a folded loop costs the same at every n,
    a real one grows with it.  The broken program under clang must stay flat (folded); the
    fixed twin must grow by at least one instruction per value."""
    if not shutil.which("valgrind"):
        raise Skip("valgrind is not installed")
    compilers = [c for c in ("clang", "gcc") if shutil.which(c)]
    if "clang" not in compilers:
        raise Skip("clang is not installed: gcc does not fold this loop")
    lab.say("-- instruction counts (valgrind --tool=callgrind), -O2, %s --repeat 1: the task "
            "runs twice (warm-up and one timed run)" % " ".join(args))
    columns = [(broken, c) for c in compilers] + [(fixed, "clang")]
    counts = {}
    for role, compiler in columns:
        program = lab.program(role, compiler)
        for n in sizes:
            program_args = ["-n", str(n)] + args + ["--repeat", "1"]
            lab.show(("valgrind", role, compiler), ["valgrind", "--tool=callgrind", program]
                     + program_args, {})
            count, why = launch.instructions(program, program_args, timeout=TIMEOUT)
            if count is None:
                lab.miss("%s: %s" % (program, why))
                return
            counts[(role, compiler, n)] = count
    rows = []
    slope = {}
    for role, compiler in columns:
        lo, hi = counts[(role, compiler, sizes[0])], counts[(role, compiler, sizes[-1])]
        slope[(role, compiler)] = (hi - lo) / (2.0 * (sizes[-1] - sizes[0]))
        rows.append(["%s, %s" % (role, compiler)] + [format(counts[(role, compiler, n)], ",")
                                                     for n in sizes]
                    + ["%.3g" % slope[(role, compiler)]])
    lab.say(_indent(fmt.table(["program"] + ["n = %s" % format(n, ",") for n in sizes]
                              + ["per value"], rows, "l" + "r" * (len(sizes) + 1))))
    if slope[(broken, "clang")] > 0.01:
        lab.miss("clang no longer folds the broken loop (%.3g instructions per value): the "
                 "demonstration has gone stale" % slope[(broken, "clang")])
    if slope[(fixed, "clang")] < 1:
        lab.miss("the fixed twin does not do its additions (%.3g instructions per value)"
                 % slope[(fixed, "clang")])


def naive(lab, program, counts, args):
    """fsum --naive at several thread counts: its last bits must change with the count (at least
    two results); the reproducible sum must give one result at every count."""
    lab.say("-- fsum at %s threads, naive (--naive: a plain reduction) and reproducible"
            % ",".join(map(str, counts)))
    prog = lab.program(program)
    rows, naive_hex, repro_hex = [], set(), set()
    for threads in counts:
        recs = {}
        for method, extra in (("naive", ["--naive"]), ("reproducible", [])):
            code, out, err, _ = lab.run(prog, args + extra + ["--json"], "openmp",
                                        threads=threads, key=method)
            rec = _json(out, err, code)
            if code != 0 or not rec or rec.get("verified") is not True:
                lab.miss("%s at %d threads: exit %s: %s" % (method, threads, code,
                                                           launch.tail(err, 2)))
                return
            recs[method] = rec
        n_hex, r_hex = recs["naive"]["result_hex"], recs["reproducible"]["result_hex"]
        naive_hex.add(n_hex)
        repro_hex.add(r_hex)
        d = fsum.ulps_between(fsum.parse_hex(n_hex), fsum.parse_hex(r_hex))
        rows.append([threads, n_hex, "%+d" % d if d else "0 (same bits)", r_hex])
    lab.say(_indent(fmt.table(["threads", "naive result", "ulps from reproducible",
                               "reproducible result"], rows, "rrrr")))
    lab.say("  naive: %d different results over %d thread counts; reproducible: %d"
            % (len(naive_hex), len(counts), len(repro_hex)))
    if len(naive_hex) < 2:
        lab.miss("--naive gave the same bits at every count: the demonstration has gone stale")
    if len(repro_hex) != 1:
        lab.miss("the reproducible sum differs between thread counts")


def wrong_launcher(lab, program, ranks, args):
    """A program linked against Open MPI, started by MPICH's mpiexec: N one-rank copies, each
    'correct'.  --expect-ranks must refuse it (exit 2, one line per copy); the right launcher
    must give one run of N ranks."""
    other = launch.find_launcher("mpich")
    own = launch.find_launcher("openmpi")
    if not other or not own:
        raise Skip("needs both mpiexec.mpich and mpiexec.openmpi (mpich, openmpi-bin)")
    prog = lab.program(program)

    def by_other(extra, key):
        """The copies, started by MPICH's mpiexec.  They are Open MPI singletons sharing one
        TMPDIR, and Open MPI 4.1 races on its session directory there when one ends while
        another starts (docs/mpi-launch.md): that failure, and only it, gets one more try."""
        code, out, err, t = lab.run(prog, args + extra, "mpi", ranks=ranks, launcher=other,
                                    flavor="mpich", key=key)
        if code != 0 and "session_dir.c" in err:
            lab.say("  (Open MPI's session-directory race between the copies, "
                    "docs/mpi-launch.md: once more)")
            code, out, err, t = lab.run(prog, args + extra, "mpi", ranks=ranks,
                                        launcher=other, flavor="mpich", key=key)
        return code, out, err, t

    lab.say("-- %s, linked against Open MPI, started by the other MPI's launcher" % program)
    code, out, err, _ = by_other(["--json"], "mpich")
    lines = [l for l in out.splitlines() if l.startswith("{")]
    recs = [_json(l, err, code) for l in lines]
    copies = [r for r in recs if r and r.get("ranks") == 1 and r.get("verified") is True]
    lab.say("  without --expect-ranks: exit %s, %d JSON lines, %d of them from a verified "
            "one-rank copy (result %s each): %d copies each did the whole job"
            % (code, len(lines), len(copies), copies[0]["result"] if copies else "-",
               len(copies)))
    if code != 0 or len(copies) != ranks:
        lab.miss("expected %d verified one-rank copies, got %d (exit %s)" % (ranks, len(copies),
                                                                            code))
    code, out, err, _ = by_other(["--expect-ranks", str(ranks)], "mpich-expect")
    lines = err.splitlines()
    lab.say("  with --expect-ranks %d: exit %s, stdout %s, %d line%s on stderr (one per copy): %s"
            % (ranks, code, "empty" if not out else "NOT empty", len(lines),
               "" if len(lines) == 1 else "s", lines[0] if lines else "(none)"))
    if code != 2 or out or len(lines) != ranks or not all("--expect-ranks" in l for l in lines):
        lab.miss("--expect-ranks did not refuse the one-rank copies (exit %s, %d lines)"
                 % (code, len(lines)))
    code, out, err, _ = lab.run(prog, args + ["--json", "--expect-ranks", str(ranks)], "mpi",
                                ranks=ranks, launcher=own, flavor="openmpi", key="openmpi")
    rec = _json(out, err, code)
    lab.say("  with its own launcher and --expect-ranks %d: exit %s, one run of %s ranks, "
            "result %s" % (ranks, code, rec and rec.get("ranks"), rec and rec.get("result")))
    if code != 0 or not rec or rec.get("ranks") != ranks or rec.get("verified") is not True:
        lab.miss("the program did not run as one job of %d ranks with mpiexec.openmpi" % ranks)


def _indent(text, by="  "):
    return "\n".join(by + line for line in text.splitlines())


# ---- the lab: one row per pitfall ----

def _oversubscribed_entries():
    """2 x the usable cores, as ranks and as threads: waiting workers that spin, or yield."""
    workers = 2 * provenance.usable_cores()
    args = ["-n", "200000", "--tasks", "200", "--repeat", "5"]  # 200 short tasks: many waits
    return [
        dict(label="mpi, %d ranks, yield" % workers, role="mpi", variant="mpi", ranks=workers,
             args=args, env={"OMPI_MCA_mpi_yield_when_idle": "1"}),
        dict(label="mpi, %d ranks, spin" % workers, role="mpi", variant="mpi", ranks=workers,
             args=args, env={"OMPI_MCA_mpi_yield_when_idle": "0"}),
        dict(label="openmp, %d threads, PASSIVE" % workers, role="openmp", variant="openmp",
             threads=workers, args=args, env={"OMP_WAIT_POLICY": "PASSIVE"}, bind=False,
             against="openmp, %d threads, PASSIVE" % workers),
        dict(label="openmp, %d threads, ACTIVE" % workers, role="openmp", variant="openmp",
             threads=workers, args=args, env={"OMP_WAIT_POLICY": "ACTIVE"}, bind=False,
             against="openmp, %d threads, PASSIVE" % workers),
    ]


def _timed(label, role, variant="openmp", threads=2, args=(), **kw):
    return dict(label=label, role=role, variant=variant, threads=threads, args=list(args), **kw)


ATOMIC_ARGS = ["-n", "1000000", "--tasks", "1", "--repeat", "5"]
SHARING_ARGS = ["-n", "10000000", "--tasks", "1", "--split", "data", "--repeat", "5"]
IMBALANCE_ARGS = ["-n", "50000", "--tasks", "1", "--split", "data", "--repeat", "3"]

PITFALLS = [
    Pitfall("race", "OpenMP: every thread adds into one shared sum (a data race)",
            {"broken": ("pitfalls/race/broken.c", "openmp"),
             "fixed": ("pitfalls/race/fixed.c", "openmp")},
            "the self-check (gcc -O2) and ThreadSanitizer (clang -fsanitize=thread, libomp)",
            "the self-check says WRONG at 2 threads, never at 1; ThreadSanitizer names the "
            "marked line in every run; the fixed twin passes both",
            [(selfcheck, dict(shares=True, cases=[
                (1, [], "right"),
                (2, ["-n", "100000", "--tasks", "1"], None),
                (2, [], "wrong")])),
             (tsan, dict(threads=2, args=["-n", "100000", "--tasks", "1", "--repeat", "1"]))]),
    Pitfall("scoping", "OpenMP: a temporary declared outside the loop is shared, not private",
            {"broken": ("pitfalls/scoping/broken.c", "openmp"),
             "fixed": ("pitfalls/scoping/fixed.c", "openmp")},
            "ThreadSanitizer (the self-check is shown too: it does not see this race)",
            "ThreadSanitizer names a marked line in every run; the fixed twin runs clean",
            [(selfcheck, dict(cases=[(2, [], None)])),
             (tsan, dict(threads=2, args=["-n", "100000", "--tasks", "1", "--repeat", "1"]))]),
    Pitfall("atomic", "OpenMP: atomic, critical and reduction are all correct, at very "
            "different costs",
            {"atomic": ("pitfalls/atomic/atomic.c", "openmp"),
             "critical": ("pitfalls/atomic/critical.c", "openmp"),
             "reduction": ("pitfalls/atomic/reduction.c", "openmp")},
            "timing (the driver's warm-up and repeats), 2 threads",
            "all three verified; the time ratios printed, never judged",
            [(timing, dict(baseline="reduction", entries=[
                _timed("reduction", "reduction", args=ATOMIC_ARGS),
                _timed("atomic", "atomic", args=ATOMIC_ARGS),
                _timed("critical", "critical", args=ATOMIC_ARGS)]))]),
    Pitfall("false-sharing", "OpenMP: per-thread counters in one cache line",
            {"broken": ("pitfalls/false-sharing/broken.c", "openmp"),
             "fixed": ("pitfalls/false-sharing/fixed.c", "openmp")},
            "timing, 2 threads, the counters side by side against one 64-byte line each",
            "both verified; the time ratio printed, never judged",
            [(timing, dict(baseline="fixed", cache_line=True, entries=[
                _timed("fixed", "fixed", args=SHARING_ARGS),
                _timed("broken", "broken", args=SHARING_ARGS)]))]),
    Pitfall("imbalance", "OpenMP: rows that get dearer, in equal pieces: static against dynamic",
            {"broken": ("pitfalls/imbalance/broken.c", "openmp"),
             "fixed": ("pitfalls/imbalance/fixed.c", "openmp")},
            "timing, 2 threads, and each thread's share of the work (printed by the programs)",
            "both verified; each thread's share and the time ratio printed, never judged",
            [(timing, dict(baseline="fixed", show_work=True, entries=[
                _timed("fixed", "fixed", args=IMBALANCE_ARGS),
                _timed("broken", "broken", args=IMBALANCE_ARGS)]))]),
    Pitfall("deadlock", "MPI: a collective that only one rank calls, and two ranks that both "
            "send first",
            {"broken": ("pitfalls/deadlock/collective.c", "mpi"),
             "fixed": ("mpi/sum.c", "mpi"),
             "exchange": ("pitfalls/deadlock/exchange.c", "mpi"),
             "exchange_fixed": ("pitfalls/deadlock/exchange_fixed.c", "mpi")},
            "the launcher's hang detection (launch.run: gdb on every rank, twice)",
            "both hangs are ended as deadlocks, every rank named with its MPI call (rank 0 in "
            "PMPI_Reduce; both in PMPI_Send), no rank left running; the eager limit measured; "
            "the fixed twins finish",
            [(hang, dict(ranks=2, args=["-n", "1000000", "--tasks", "1"],
                         calls={0: "PMPI_Reduce"})),
             (eager, dict(broken="exchange", fixed="exchange_fixed"))]),
    Pitfall("folding", "compilers: clang -O2 replaces the seed's loop by its formula",
            {"broken": ("pitfalls/folding/broken.c", "serial"),
             "fixed": ("serial/heavy.c", "serial")},
            "instruction counts (valgrind), at three sizes",
            "the broken program under clang costs the same at every n; the fixed twin grows "
            "with n",
            [(instructions, dict(broken="broken", fixed="fixed",
                                 sizes=[100000, 1000000, 10000000], args=["--tasks", "1"]))]),
    Pitfall("oversubscription", "MPI and OpenMP: more workers than cores, waiting by spinning",
            {"mpi": ("mpi/sum.c", "mpi"), "openmp": ("openmp/sum.c", "openmp")},
            "timing: common/launch_env.sh's yield settings on and off",
            "every run verified; the time ratios printed, never judged",
            [(timing, dict(baseline="mpi, %d ranks, yield" % (2 * provenance.usable_cores()),
                           entries=_oversubscribed_entries(), rounds=7))]),
    Pitfall("float", "floating point: a plain reduction's last bits change with the threads",
            {"fsum": ("openmp/fsum.c", "openmp")},
            "fsum --naive against the reproducible sum (docs/float.md)",
            "the naive sum gives several results over the thread counts, the reproducible one "
            "a single one, all within their error bounds",
            [(naive, dict(program="fsum", counts=[1, 2, 3, 4], args=["-n", "1000003"]))]),
    Pitfall("launcher", "MPI: the other MPI's mpiexec starts N one-rank copies",
            {"mpi": ("mpi/sum.c", "mpi")},
            "--expect-ranks (every parlab MPI program takes it)",
            "N verified copies without it; with it, exit 2 and one line per copy; the right "
            "launcher gives one run of N ranks",
            [(wrong_launcher, dict(program="mpi", ranks=2,
                                   args=["-n", "1000000", "--tasks", "1"]))]),
]
BY_NAME = {p.name: p for p in PITFALLS}


def listing():
    width = max(len(p.name) for p in PITFALLS)
    lines = ["the pitfall lab: ./parlab pitfall NAME builds and runs one, ./parlab pitfall --all "
             "runs them all"]
    lines += ["  %-*s  %s" % (width, p.name, p.title) for p in PITFALLS]
    return "\n".join(lines) + "\n"


def run_one(pitfall, runs, write):
    """Shows one pitfall; returns its exit status (0 caught, 1 missed, 77 skipped)."""
    lab = Lab(pitfall, runs, write)
    t0 = time.monotonic()
    lab.say("== pitfall %s: %s" % (pitfall.name, pitfall.title))
    lab.say("   programs: %s" % ", ".join("%s %s" % (role, src) for role, (src, _) in
                                        pitfall.programs.items()))
    lab.say("   tool: %s" % pitfall.tool)
    lab.say("   expected: %s" % pitfall.expect)
    try:
        compile_checks(lab)
        for check, options in pitfall.checks:
            check(lab, **options)
    except Skip as exc:
        lab.say("pitfall %s: skipped: %s" % (pitfall.name, exc))
        return SKIPPED
    except (build.BuildError, launch.LaunchError) as exc:
        lab.miss("could not run: %s" % exc)
    lab.say("-- why (pitfalls/%s/README.md)" % pitfall.name)
    lab.say(pitfall.readme().rstrip())
    seconds = time.monotonic() - t0
    if lab.missed:
        lab.say("pitfall %s: MISSED (%d): %s  [%s s]" % (pitfall.name, len(lab.missed),
                                                        "; ".join(lab.missed), fmt.num(seconds, 2)))
        return 1
    lab.say("pitfall %s: caught as expected, and the fixed twin passed  [%s s]"
            % (pitfall.name, fmt.num(seconds, 2)))
    return 0


def main(name, run_all, build_dir, runs, write, error, names=False, list_programs=False,
         list_alone=False):
    """The `pitfall` command: list, one, or all.  Returns the exit status.  build_dir: the root
    of the Meson build directories (pharness/build.py; default build-check/, shared with
    ./parlab check)."""
    if names:  # for meson.build: one test per pitfall
        write("".join(p.name + "\n" for p in PITFALLS))
        return 0
    if list_alone:  # for pitfalls/meson.build: the tests that run alone
        write("".join(p.name + "\n" for p in PITFALLS if p.runs_alone()))
        return 0
    if list_programs:  # for pitfalls/meson.build: one target per program
        write("".join("%s %s %s\n" % (target_name(s, v), s, v) for s, v in programs()))
        return 0
    if build_dir:
        os.environ["PARLAB_CHECK_BUILD"] = os.path.abspath(build_dir)
    if run_all and name:
        error("parlab pitfall: give a NAME or --all, not both\n")
        return 2
    if not run_all and not name:
        write(listing())
        return 0
    if name and name not in BY_NAME:
        error("parlab pitfall: unknown pitfall %r: expected one of %s, or --all\n"
              % (name, ", ".join(BY_NAME)))
        return 2
    chosen = PITFALLS if run_all else [BY_NAME[name]]
    results = []
    for pitfall in chosen:
        t0 = time.monotonic()
        status = run_one(pitfall, runs, write)
        results.append((pitfall.name, status, time.monotonic() - t0))
        write("\n")
    if run_all:
        verdict = {0: "caught", 1: "MISSED", SKIPPED: "skipped"}
        write(fmt.table(["pitfall", "verdict", "seconds"],
                        [[n, verdict[s], fmt.num(t, 2)] for n, s, t in results], "llr") + "\n")
        write("%d caught, %d missed, %d skipped in %.0f s\n"
              % (sum(s == 0 for _, s, _ in results), sum(s == 1 for _, s, _ in results),
                 sum(s == SKIPPED for _, s, _ in results), sum(t for _, _, t in results)))
    statuses = [s for _, s, _ in results]
    if 1 in statuses:
        return 1
    return 0 if 0 in statuses else SKIPPED
