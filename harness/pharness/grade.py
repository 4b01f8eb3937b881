"""./parlab grade NN DIR: check every student's submission of exercise NN, and write
DIR/grades.csv (one row per student), DIR/grades.log (every check's output) and a summary.

Why a grader and not a loop over `./parlab check`: a class's submissions include programs that
do not compile, never end, fork without end, fill the disk or delete files, by mistake or not,
and some that attack the grader.  None of them may stop the grading of the others, touch
anything outside its own scratch copy, see what is hidden, outlive its check, or write its own
grade.  Without containers, on a machine where the grader runs as root, each check gets
(docs/grading.md has the table of what each layer stops, and what is left without them):

  * its own scratch copy: a fresh tmpfs (default 256 MiB), gone when its check ends;
  * its own namespaces (unshare): mounts, in which the whole file system is read-only but the
    scratch copy and a fresh /dev/shm, and DIR and every solution/ and wrong/ folder are
    hidden under empty tmpfs mounts; process ids, with a /proc of its own, so that when the
    check ends the kernel kills whatever it left; network, loopback only; System V IPC;
  * its own cgroup (v1: memory, pids, freezer): a memory limit on the whole check, a process
    limit, and a freezer to kill all of it at once at the end;
  * an empty environment plus an allow-list, for the checker and so for every compile and run;
  * an unprivileged user, parlab-grader (created if missing, with no home and no login shell):
    the student's compiler and program run as that user (setpriv), never as root, under
    ulimits (prlimit: file size, CPU seconds, address space, descriptors, no core files);
  * a wall-clock limit for each run (the checker's --run-timeout, with the launcher's hang
    detector for MPI) and one for the whole check (--time-limit); each run's output kept to
    1 MiB a stream, the check's log to 1 MiB.

The grade is the check's own verdict, a JSON object on a descriptor no program inherits
(pharness/checker.py send_verdict), never parsed from its output; every text shown is made
safe first (checker.one_line).  Before the first submission, the Meson builds that the checks
link a student's file against are configured and brought up to date (pharness/checker.py
prepare_builds): the sandbox only reads them.  With every layer, --jobs checks several
submissions at once: each has its own namespaces and cgroup.  Without root none of the
namespace, cgroup and user parts is possible: the submissions then run as the caller, in
scratch copies under the same ulimits and time limits, and the grader says so.
"""
import concurrent.futures
import csv
import fcntl
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import build, checker, exercises


GRADER_USER = "parlab-grader"
HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "parlab_harness.py")
LOCK_NAME = "parlab-grade.lock"  # in the temporary directory: one grading at a time
# The namespaces of one check (unshare): its own mounts, process ids (and /proc), network
# (loopback only, up: MPI's launcher and ranks talk over it) and System V IPC.
UNSHARE = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
           "--mount-proc", "--net", "--ipc", "--"]
# Inside them: everything read-only but the scratch tmpfs and a fresh /dev/shm (MPI's shared
# memory); the student's file copied into the scratch copy, then DIR (the other submissions,
# the grades) and every solution/ and wrong/ folder hidden under empty read-only tmpfs mounts;
# then the checker, without the two variables that name what was hidden.
NAMESPACE_SETUP = (
    'set -e; ip link set lo up; mount -o remount,bind,ro /; '
    'mount -t tmpfs -o "size=${PARLAB_SCRATCH_MB}m,mode=0711" parlab-scratch "$PARLAB_SCRATCH"; '
    'mount -t tmpfs -o size=64m,mode=1777 parlab-shm /dev/shm; '
    'mkdir -m 0700 "$PARLAB_SCRATCH/check" "$PARLAB_SCRATCH/tmp"; '
    'mkdir -m 0755 "$PARLAB_SCRATCH/src"; cp "$PARLAB_FILE" "$PARLAB_SCRATCH/src/"; '
    'printf "%s\\n" "$PARLAB_HIDE" | while IFS= read -r hide; do '
    'mount -t tmpfs -o ro,size=4k,mode=0555 parlab-hidden "$hide"; done; '
    'unset PARLAB_FILE PARLAB_HIDE; export TMPDIR="$PARLAB_SCRATCH/tmp"; exec "$@"')
# Joins the check's cgroups (the paths of their task files, before "--"), then runs the rest.
CGROUP_JOIN = ('while [ "$1" != -- ]; do echo $$ > "$1" || exit 97; shift; done; shift; '
               'exec "$@"')
CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_CONTROLLERS = ("memory", "pids", "freezer")
# The environment of a check, and so of every compile and run in it: nothing of the caller's
# but these.
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ALLOWED_ENV = ("PARLAB_CHECK_BUILD",)
# What is kept of a check's own output (its log): its lines quote the program at most
# checker.SHOWN characters each, so this is only reached by a bug.
LOG_CAP = 1 << 20


class UsageError(Exception):
    pass


def ensure_user(name, out):
    """The grader user's pwd entry, created (as root) when missing; None without root."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    if os.geteuid() != 0:
        return None
    done = subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir",
                           "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group", name],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UsageError("cannot create the grader user %s: %s" % (name, done.stderr.strip()))
    out.write("grade: created the unprivileged user %s (no home, no login) to run submissions\n"
              % name)
    return pwd.getpwnam(name)


def unreachable(user, paths):
    """The first of PATHS that USER cannot read (its directory and every one on its way must let
    it through), or None.  The students' compilers run as USER and read parlab's headers and
    libraries there."""
    for path in paths:
        done = subprocess.run(["setpriv", "--reuid=%d" % user.pw_uid, "--regid=%d" % user.pw_gid,
                               "--clear-groups", "test", "-r", path, "-a", "-x", path],
                              stdin=subprocess.DEVNULL, capture_output=True, check=False)
        if done.returncode != 0:
            return path
    return None


def namespaces_work():
    """True if this process may make the namespaces of a check (UNSHARE), bring its loopback
    up and mount a tmpfs in it."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = tempfile.mkdtemp(prefix="parlab-grade-probe-")
    try:
        done = subprocess.run(UNSHARE + ["sh", "-c", 'ip link set lo up && '
                               'mount -t tmpfs -o size=1m t "$0" && mount -o remount,bind,ro /',
                               probe], capture_output=True, timeout=30, check=False)
        return done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        os.rmdir(probe)


class Cgroup:
    """One check's cgroup (v1: one directory per controller), with a memory limit (memory and
    swap), a process limit, and a freezer to stop every process in it at once; None of it
    where the controllers are not mounted or writable."""

    def __init__(self, name, memory_mb, processes):
        self.paths = {}
        for controller in CGROUP_CONTROLLERS:
            path = os.path.join(CGROUP_ROOT, controller, "parlab-grade", name)
            os.makedirs(path)
            self.paths[controller] = path
        self.write("memory", "memory.limit_in_bytes", memory_mb << 20)
        if os.path.exists(os.path.join(self.paths["memory"], "memory.memsw.limit_in_bytes")):
            self.write("memory", "memory.memsw.limit_in_bytes", memory_mb << 20)
        self.write("pids", "pids.max", processes)

    @staticmethod
    def available():
        """True if this process may make cgroups under every controller needed."""
        if os.geteuid() != 0:
            return False
        for controller in CGROUP_CONTROLLERS:
            base = os.path.join(CGROUP_ROOT, controller)
            if not os.path.exists(os.path.join(base, "tasks")):
                return False
            try:
                os.makedirs(os.path.join(base, "parlab-grade"), exist_ok=True)
            except OSError:
                return False
        return True

    def write(self, controller, name, value):
        with open(os.path.join(self.paths[controller], name), "w") as fh:
            fh.write(str(value))

    def read(self, controller, name):
        try:
            with open(os.path.join(self.paths[controller], name)) as fh:
                return fh.read()
        except OSError:
            return ""

    def join_prefix(self):
        return ["sh", "-c", CGROUP_JOIN, "sh"] + [os.path.join(p, "tasks")
                                                  for p in self.paths.values()] + ["--"]

    def pids(self):
        return [int(p) for p in self.read("pids", "cgroup.procs").split()]

    def oom_kills(self):
        for line in self.read("memory", "memory.oom_control").splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def kill_all(self):
        """Freezes the cgroup (nothing in it can fork), kills every process in it, thaws it
        (a frozen process does not die) and waits until it is empty; then removes it."""
        for _ in range(100):
            pids = self.pids()
            if not pids:
                break
            self.write("freezer", "freezer.state", "FROZEN")
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.write("freezer", "freezer.state", "THAWED")
            time.sleep(0.05)
        self.oom_kills_at_end = self.oom_kills()
        for path in self.paths.values():
            try:
                os.rmdir(path)
            except OSError:
                pass


def submissions(folder):
    """(student, file or None, problem) for every student folder of DIR, by name."""
    found = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isdir(path) or os.path.islink(path):
            continue
        sources = sorted(f for f in os.listdir(path) if f.endswith(".c")
                         and os.path.isfile(os.path.join(path, f))
                         and not os.path.islink(os.path.join(path, f)))
        if len(sources) == 1:
            found.append((name, os.path.join(path, sources[0]), None))
        elif "student.c" in sources:
            found.append((name, os.path.join(path, "student.c"), None))
        elif not sources:
            found.append((name, None, "no .c file in the folder"))
        else:
            found.append((name, None, "%d .c files and none is student.c: %s"
                          % (len(sources), ", ".join(sources))))
    return found


def processes_of(uid, entries=None):
    """The live processes whose real user is uid (of `entries`, else all).  Zombies are left
    out: they hold nothing but their process id, and only their parent (init, for a process
    that escaped) can reap them."""
    pids = []
    for entry in entries or os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
            if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith("Z"):
                pids.append(int(entry))
        except (OSError, ValueError, KeyError):
            continue
    return pids


def signal_if_owned(pid, uid, number):
    """Sends signal `number` to pid if it is (still) a process of uid: through a pidfd, which
    names that one process, so a pid that has since been given to another process is never
    signalled."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return False
    try:
        if pid not in processes_of(uid, [str(pid)]):
            return False
        signal.pidfd_send_signal(fd, number)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def sweep(uid):
    """Ends every process of the grader user, by pid: all of them are stopped first (a stopped
    process cannot fork), then killed.  Returns how many there were.  Only where a check has
    no cgroup and PID namespace of its own."""
    if uid is None:
        return 0
    stopped = set()
    for _ in range(50):
        new = [p for p in processes_of(uid) if p not in stopped]
        if not new:
            break
        for pid in new:
            signal_if_owned(pid, uid, signal.SIGSTOP)
            stopped.add(pid)
    for pid in stopped:
        signal_if_owned(pid, uid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return len(stopped)


def become_subreaper():
    """Make this process the one that a submission's orphans are handed to (Linux's "child
    subreaper"), instead of init: killed, they are zombies that this process reaps (reap()).
    Where init does not reap (some containers), their zombies would otherwise count against
    the grader user's process limit for ever and starve the next submissions."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap():
    """Collects every child that has ended: the check (already waited for) and the orphans of
    its submission that were handed to this process."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def parse_verdict(data):
    """(grade, failed check, reason, hint, checks passed, processes left) from the JSON object
    the check wrote on its verdict descriptor (pharness/checker.py send_verdict), each text
    made safe to show (checker.one_line); None when there is no such object, as when the
    check itself failed.  The check's output, which quotes the program, is never read for
    it."""
    try:
        verdict = json.loads(data.decode("utf-8"))
        grade = verdict["grade"]
        if grade not in ("done", "not done", "inconclusive"):
            return None
        return (grade, checker.one_line(verdict.get("failed", ""), 40),
                checker.one_line(verdict.get("reason", "")),
                checker.one_line(verdict.get("hint", "")), int(verdict.get("checks_passed", 0)),
                [checker.one_line(p, 40) for p in verdict.get("left", [])])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def read_all(fd, cap):
    """What a descriptor gives until its end, kept to its first `cap` bytes (the rest is read
    and dropped); closes it."""
    kept, cut = bytearray(), False
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while True:
            chunk = stream.read(1 << 16)
            if not chunk:
                break
            room = cap - len(kept)
            kept += chunk[:max(room, 0)]
            cut = cut or len(chunk) > room
    return bytes(kept), cut


def shown_log(data, cut):
    """A check's output as the log shows it: every line made safe (checker.one_line, a longer
    limit)."""
    text = data.decode("utf-8", "replace")
    lines = [checker.one_line(line, 2000, squeeze=False) for line in text.rstrip("\n").split("\n")]
    if cut:
        lines.append("(the check's output was cut after %d bytes)" % LOG_CAP)
    return "\n".join(lines) + "\n"


def hidden_paths(folder):
    """What a submission must not see: DIR (the other submissions and the grades) and every
    exercise's solution/ and wrong/ folder."""
    paths = [folder]
    for name in sorted(os.listdir(exercises.EXERCISES_DIR)):
        for part in ("solution", "wrong"):
            path = os.path.join(exercises.EXERCISES_DIR, name, part)
            if os.path.isdir(path) and not os.path.islink(path):
                paths.append(path)
    bad = [p for p in paths if "\n" in p]
    if bad:  # PARLAB_HIDE is one path a line
        raise UsageError("%r: a folder whose name holds a newline cannot be hidden from the "
                         "submissions" % bad[0])
    return paths


def check_environment(extra):
    env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    env.update({k: os.environ[k] for k in ALLOWED_ENV if k in os.environ})
    env.update(extra)
    return env


def grade_one(exercise, student, path, options, setup, out):
    """Checks one submission in its own sandbox; returns (row, log text)."""
    started = time.monotonic()
    user, isolate, cgroups = setup.user, setup.isolate, setup.cgroups
    row = {"student": student, "file": checker.one_line(os.path.basename(path), 60),
           "grade": "", "failed": "",
           "reason": "", "hint": "", "checks_passed": 0, "seconds": 0.0}
    scratch = tempfile.mkdtemp(prefix="parlab-grade-")
    workdir = os.path.join(scratch, "check")
    source = path
    extra = {"PARLAB_SCRATCH": scratch, "PARLAB_SCRATCH_MB": str(options.scratch_mb)}
    if isolate:
        source = os.path.join(scratch, "src", os.path.basename(path))
        extra.update(PARLAB_FILE=path, PARLAB_HIDE="\n".join(setup.hidden))
    verdict_read, verdict_write = os.pipe()
    cmd = [sys.executable, HARNESS, "check", exercise.number, "--file", source,
           "--seed", str(options.seed), "--run-timeout", str(options.run_timeout),
           "--verdict-fd", str(verdict_write)] + ([] if options.speed else ["--no-speed"])
    if user is not None:
        cmd += ["--sandbox-user", user.pw_name, "--sandbox-processes",
                str(setup.user_processes)]
    if isolate:
        cmd = UNSHARE + ["sh", "-c", NAMESPACE_SETUP, "sh"] + cmd + ["--workdir", workdir]
    else:
        os.chmod(scratch, 0o711)  # as the tmpfs in the namespace: the sandbox user passes
        os.mkdir(workdir, 0o700)
        cmd += ["--workdir", workdir]
        if user is None:  # no sandbox user: at least the limits, on the whole check
            cmd = ["prlimit", "--nproc=%d" % 4096, "--fsize=%d" % (64 << 20), "--core=0",
                   "--"] + cmd
    group = None
    if cgroups:
        group = Cgroup("%d-%s" % (os.getpid(), os.path.basename(scratch)), options.memory_mb,
                       options.max_processes)
        cmd = group.join_prefix() + cmd
    timed_out, verdict, data, cut = False, None, b"", False
    proc = None
    try:
        log_read, log_write = os.pipe()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_write,
                                    stderr=log_write, env=check_environment(extra),
                                    start_new_session=True, pass_fds=(verdict_write,))
        finally:
            os.close(log_write)
            os.close(verdict_write)
        result = {}
        reader = threading.Thread(target=lambda: result.update(
            log=read_all(log_read, LOG_CAP), verdict=read_all(verdict_read, 1 << 16)))
        reader.start()
        try:
            proc.wait(timeout=options.time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
        end_check(proc, group, user)
        reader.join(30)
        if reader.is_alive():  # something outside the cgroup holds the pipes: end it too
            sweep(user.pw_uid if user is not None else None)
            reader.join()
        data, cut = result["log"]
        verdict = parse_verdict(result["verdict"][0])
    finally:
        if proc is not None and proc.poll() is None:
            end_check(proc, group, user)
        if not isolate:  # in a PID namespace, orphans go to the check's own init, not here;
            reap()       # and with --jobs, reaping here could take another check's process
        shutil.rmtree(scratch, ignore_errors=True)
    text = shown_log(data, cut)
    left = []
    if timed_out:
        row.update(grade="time limit", reason="the check took more than %g s and was ended"
                   % options.time_limit)
    elif verdict is None:
        lines = [l for l in text.strip().splitlines() if l.strip()]
        row.update(grade="error", reason=checker.one_line(
            "the check ended without a verdict (exit status %s): %s" % (
                proc.returncode, " | ".join(lines[-2:])), 300))
    else:
        grade, key, reason, hint, passed, left = verdict
        row.update(grade=grade, failed=key, reason=reason, hint=hint, checks_passed=passed)
        if group is not None and key == "crash" and group.oom_kills_at_end:
            row["reason"] = checker.one_line(
                "%s; the check's memory limit (%d MiB) was reached, and the kernel killed a "
                "process for it" % (reason, options.memory_mb))
        if left:
            row.update(grade="error", failed=key if grade == "not done" else "", reason=(
                "%d process%s of the submission still ran at the end of its check and %s "
                "killed: %s (the check said: %s)" % (
                    len(left), "es" * (len(left) > 1), "were" if len(left) > 1 else "was",
                    ", ".join(left[:5]), grade + (" (%s)" % key if key else ""))))
    row["seconds"] = round(time.monotonic() - started, 1)
    return row, text


def end_check(proc, group, user):
    """Ends the check and everything it started: its session, then its cgroup (or, without
    one, every process of the grader user)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if group is not None:
        group.kill_all()
    else:
        sweep(user.pw_uid if user is not None else None)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass


class Setup:
    """What the sandbox of every check of one grading has: the grader user, namespaces,
    cgroups, the folders to hide."""

    def __init__(self, user, isolate, cgroups, hidden, user_processes):
        self.user, self.isolate, self.cgroups = user, isolate, cgroups
        self.hidden, self.user_processes = hidden, user_processes


def grade(exercise, folder, options, out=sys.stdout):
    """Grades every submission of DIR; returns the exit status (0 all graded, 1 some could not
    be graded, 2 bad usage)."""
    folder = os.path.abspath(folder)
    lock_path = os.path.join(tempfile.gettempdir(), LOCK_NAME)
    lock = open(lock_path, "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise UsageError("another ./parlab grade is running (%s is locked): grading is one "
                         "submission at a time" % lock_path)
    user = ensure_user(options.user, out)
    isolate = user is not None and namespaces_work()
    cgroups = user is not None and Cgroup.available()
    become_subreaper()
    if user is None:
        out.write("grade: not root: the submissions run as you, in scratch copies under ulimits "
                  "and time limits; they can write wherever you can\n")
    elif not isolate:
        out.write("grade: no mount namespace here (unshare): the submissions run as %s in "
                  "scratch copies on disk; they can write wherever %s can\n"
                  % (user.pw_name, user.pw_name))
    if user is not None and not cgroups:
        out.write("grade: no cgroups here (memory, pids, freezer): no memory limit per check, "
                  "only per process\n")
    jobs = options.jobs
    if jobs > 1 and not (isolate and cgroups):
        out.write("grade: --jobs %d needs namespaces and cgroups; one check at a time\n" % jobs)
        jobs = 1
    # with cgroups, pids.max limits each check; the user's own limit only backs it up
    setup = Setup(user, isolate, cgroups, hidden_paths(folder),
                  options.max_processes * (jobs + 1) if cgroups else options.max_processes)
    # The Meson builds every check links against, made now: inside the sandbox the file system
    # is read-only, and the submissions' compilers only read them (pharness/build.py).
    checker.prepare_builds(exercise)
    if user is not None:
        blocked = unreachable(user, [os.path.join(build.REPO, "common")] + [
            os.path.realpath(build.build_dir(kind, library))
            for kind, library in checker.build_plan(exercise).values()])
        if blocked:
            raise UsageError("the grader user %s cannot read %s (a directory on its way is closed "
                             "to other users, as a home directory or `mktemp -d` often is): every "
                             "submission would fail to build; put the checkout where others may "
                             "read it, or chmod o+x the directories on its way"
                             % (user.pw_name, blocked))
    found = submissions(folder)
    out.write("grade %s: %d submission%s in %s, seed %d; each check at most %g s\n" % (
        exercise.name, len(found), "s" * (len(found) != 1), folder, options.seed,
        options.time_limit))
    rows, logs = [], []

    def one(entry):
        student, path, problem = entry
        if path is None:
            row = {"student": student, "file": "", "grade": "no submission", "failed": "",
                   "reason": checker.one_line(problem), "hint": "", "checks_passed": 0,
                   "seconds": 0.0}
            return row, row["reason"] + "\n"
        return grade_one(exercise, student, path, options, setup, out)

    def show(row):
        out.write("  %-16s %-13s %s\n" % (row["student"][:16], row["grade"] + (
            " (%s)" % row["failed"] if row["failed"] else ""), row["reason"][:80]))
        out.flush()

    graded = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for entry, (row, text) in zip(found, pool.map(one, found)):
            row["student"] = checker.one_line(entry[0], 60)
            graded.append([entry, row, text])
            show(row)
    # A timed check (pharness/speed.py) that the other checks left undecided is checked again
    # alone, once: with --jobs, checks running side by side are what made the machine busy.
    again = [g for g in graded if g[1]["grade"] == "inconclusive"]
    if again and jobs > 1:
        out.write("grade: %d inconclusive (a timed check on a busy machine): checking them "
                  "again, one at a time\n" % len(again))
        for g in again:
            g[1], g[2] = one(g[0])
            g[1]["student"] = checker.one_line(g[0][0], 60)
            show(g[1])
    for _, row, text in graded:
        rows.append(row)
        logs.append("==== %s (%s): %s\n%s" % (row["student"], checker.one_line(
            row["file"], 60) or "-", row["grade"], text))
    fields = ["student", "file", "grade", "failed", "checks_passed", "seconds", "reason", "hint"]
    with open(os.path.join(folder, "grades.csv"), "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in fields})
    with open(os.path.join(folder, "grades.log"), "w", encoding="utf-8") as fh:
        fh.write("".join(logs))
    out.write(summary(rows))
    out.write("wrote %s and %s\n" % (os.path.join(folder, "grades.csv"),
                                     os.path.join(folder, "grades.log")))
    return 1 if any(r["grade"] == "error" for r in rows) else 0


def summary(rows):
    counts = {}
    for row in rows:
        counts[row["grade"]] = counts.get(row["grade"], 0) + 1
    width = max([7] + [len(r["student"]) for r in rows])
    lines = ["", "%-*s  %-13s  %-16s  %6s  %7s  %s" % (
        width, "student", "grade", "failed check", "checks", "seconds", "first reason why not")]
    for r in rows:
        lines.append("%-*s  %-13s  %-16s  %6d  %7.1f  %s" % (
            width, r["student"], r["grade"], r["failed"] or "-", r["checks_passed"],
            r["seconds"], r["reason"][:60]))
    order = ["done", "not done", "inconclusive", "time limit", "no submission", "error"]
    lines.append("%d submission%s: %s" % (len(rows), "s" * (len(rows) != 1), ", ".join(
        "%d %s" % (counts[k], k) for k in order if k in counts) or "none"))
    return "\n".join(lines) + "\n"
