"""./parlab grade NN DIR: check every student's submission of exercise NN, and write
DIR/grades.csv (one row per student), DIR/grades.log (every check's output) and a summary.

Why a grader and not a loop over `./parlab check`: a class's submissions include programs that
do not compile, never end, fork without end, fill the disk or delete files, by mistake or not.
None of them may stop the grading of the others, and none may touch anything outside its own
scratch copy.  Without containers, on a machine where the grader runs as root, each
submission's check gets:

  * its own scratch copy: a fresh directory on a size-limited tmpfs (default 256 MiB), gone
    when its check ends; a disk that fills up is that submission's tmpfs, nothing else;
  * its own mount namespace (unshare --mount) in which the whole file system is read-only but
    that scratch copy and a fresh /dev/shm: DIR, the repository, /tmp are out of reach even for
    the checker itself;
  * an unprivileged user, parlab-grader (created if missing, with no home and no login shell):
    the student's compiler and program run as that user (setpriv), never as root;
  * ulimits on every compile and run (prlimit): processes of that user (-u 256, or
    --max-processes, so a fork bomb stops there), file size (-f 64 MiB), CPU seconds (-t 60),
    address space (-v 4 GiB; for ThreadSanitizer its own hard_rss_limit_mb instead) and no
    core files;
  * a wall-clock limit for each run (the checker's --run-timeout, with the launcher's hang
    detector for MPI) and one for the whole check (--time-limit), its own session, which is
    killed at the end, and then every process left to the grader user, stopped and killed by
    process id, so that nothing outlives its submission.

Before the first submission, the Meson builds that the checks link a student's file against
are configured and brought up to date (pharness/checker.py prepare_builds): the sandbox only
reads them.  Grading is one submission at a time (a lock file), because the process limit and
the final sweep belong to the one grader user.  Without root none of the namespace and user parts is
possible: the submissions then run as the caller, in scratch copies under the same ulimits and
time limits, and the grader says so.  docs/grading.md has the details.
"""
import csv
import fcntl
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from . import build, checker


GRADER_USER = "parlab-grader"
HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "parlab_harness.py")
LOCK_NAME = "parlab-grade.lock"  # in the temporary directory: one grading at a time
# Inside the submission's mount namespace: everything read-only but the scratch tmpfs and a
# fresh /dev/shm (MPI's shared memory), then the checker.
NAMESPACE_SETUP = (
    'set -e; mount -o remount,bind,ro /; '
    'mount -t tmpfs -o "size=${PARLAB_SCRATCH_MB}m,mode=0711" parlab-scratch "$PARLAB_SCRATCH"; '
    'mount -t tmpfs -o size=64m,mode=1777 parlab-shm /dev/shm; '
    'mkdir -m 0700 "$PARLAB_SCRATCH/check" "$PARLAB_SCRATCH/tmp"; '
    'export TMPDIR="$PARLAB_SCRATCH/tmp"; exec "$@"')


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
    """True if this process may make a mount namespace and mount a tmpfs in it."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = tempfile.mkdtemp(prefix="parlab-grade-probe-")
    try:
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                               'mount -t tmpfs -o size=1m t "$0" && mount -o remount,bind,ro /',
                               probe], capture_output=True, timeout=30, check=False)
        return done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        os.rmdir(probe)


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


def processes_of(uid):
    """The live processes whose real user is uid.  Zombies are left out: they hold nothing but
    their process id, and only their parent (init, for a process that escaped) can reap them."""
    pids = []
    for entry in os.listdir("/proc"):
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


def sweep(uid):
    """Ends every process of the grader user, by pid: all of them are stopped first (a stopped
    process cannot fork), then killed.  Returns how many there were."""
    if uid is None:
        return 0
    stopped = set()
    for _ in range(50):
        new = [p for p in processes_of(uid) if p not in stopped]
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
            stopped.add(pid)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
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


def parse_check(text):
    """(grade, failed check, reason, hint, checks passed) from a check's output: its last
    lines are "done: ..." or "not done (KEY): REASON" and "hint: ..." (pharness/checker.py)."""
    grade, key, reason, hint = None, "", "", ""
    passed = 0
    for line in text.splitlines():
        if line.startswith("  ok "):
            passed += 1
        elif line.startswith("done:") and grade is None:
            grade = "done"
        elif line.startswith("not done (") and "): " in line and grade is None:
            grade = "not done"
            key, reason = line[len("not done ("):].split("): ", 1)
        elif line.startswith("hint: ") and grade == "not done" and not hint:
            hint = line[len("hint: "):]
    return grade, key, reason, hint, passed


def grade_one(exercise, student, path, options, user, isolate, out):
    started = time.monotonic()
    row = {"student": student, "file": os.path.basename(path), "grade": "", "failed": "",
           "reason": "", "hint": "", "checks_passed": 0, "seconds": 0.0}
    scratch = tempfile.mkdtemp(prefix="parlab-grade-")
    workdir = os.path.join(scratch, "check")
    cmd = [sys.executable, HARNESS, "check", exercise.number, "--file", path,
           "--seed", str(options.seed), "--run-timeout", str(options.run_timeout)]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PARLAB_SCRATCH=scratch,
               PARLAB_SCRATCH_MB=str(options.scratch_mb))
    if user is not None:
        cmd += ["--sandbox-user", user.pw_name, "--sandbox-processes",
                str(options.max_processes)]
    if isolate:
        cmd = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
               NAMESPACE_SETUP, "sh"] + cmd + ["--workdir", workdir]
    else:
        os.mkdir(workdir, 0o700)
        cmd += ["--workdir", workdir]
        if user is None:  # no sandbox user: at least the limits, on the whole check
            cmd = ["prlimit", "--nproc=%d" % 4096, "--fsize=%d" % (64 << 20), "--core=0",
                   "--"] + cmd
    text, timed_out = "", False
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            data, _ = proc.communicate(timeout=options.time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            # the check's session, then the runs it started in sessions of their own (as the
            # grader user), which may hold the output pipe open
            os.killpg(proc.pid, signal.SIGKILL)
            sweep(user.pw_uid if user is not None else None)
            try:
                data, _ = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                data = b"(the check's output could not be read to its end)\n"
        text = data.decode("utf-8", "replace")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, UnboundLocalError):
            pass
        sweep(user.pw_uid if user is not None else None)
        reap()
        shutil.rmtree(scratch, ignore_errors=True)
    grade, key, reason, hint, passed = parse_check(text)
    if timed_out:
        grade, reason = "time limit", "the check took more than %g s and was ended" % (
            options.time_limit)
    elif grade is None:
        grade = "error"
        reason = "the check ended without a verdict (exit status %s): %s" % (
            proc.returncode, " | ".join(text.strip().splitlines()[-2:]))
    row.update(grade=grade, failed=key, reason=reason, hint=hint, checks_passed=passed,
               seconds=round(time.monotonic() - started, 1))
    return row, text


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
    become_subreaper()
    if user is None:
        out.write("grade: not root: the submissions run as you, in scratch copies under ulimits "
                  "and time limits; they can write wherever you can\n")
    elif not isolate:
        out.write("grade: no mount namespace here (unshare): the submissions run as %s in "
                  "scratch copies on disk; they can write wherever %s can\n"
                  % (user.pw_name, user.pw_name))
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
    for student, path, problem in found:
        if path is None:
            row = {"student": student, "file": "", "grade": "no submission", "failed": "",
                   "reason": problem, "hint": "", "checks_passed": 0, "seconds": 0.0}
            text = problem + "\n"
        else:
            row, text = grade_one(exercise, student, path, options, user, isolate, out)
        rows.append(row)
        logs.append("==== %s (%s): %s\n%s" % (student, row["file"] or "-", row["grade"], text))
        out.write("  %-16s %-13s %s\n" % (student[:16], row["grade"] + (
            " (%s)" % row["failed"] if row["failed"] else ""), row["reason"][:80]))
        out.flush()
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
    order = ["done", "not done", "time limit", "no submission", "error"]
    lines.append("%d submission%s: %s" % (len(rows), "s" * (len(rows) != 1), ", ".join(
        "%d %s" % (counts[k], k) for k in order if k in counts) or "none"))
    return "\n".join(lines) + "\n"
