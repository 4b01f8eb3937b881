#!/usr/bin/env python3
"""The grader's test: a directory of mixed submissions must get the right grades, within the
time limits, and no submission may touch anything outside its scratch copy.

Why these submissions: they are what a class hands in, by mistake or on purpose.  For exercise
02 (OpenMP): a solution, a wrong answer, a file that does not compile, one that includes a file
only root may read, one that never ends, one that forks without end, one that fills every disk
it can write to (its scratch copy, /tmp, /var/tmp), one that writes to and deletes files in
DIR, in the repository and in /tmp, one that leaves a copy of itself behind in a session of its
own, a folder without a .c file and one with two.  For exercise 10 (MPI): a solution and the
deadlock.  Graded two at a time (--jobs 2: each check has its own namespaces and cgroup).
Then: every grade and failed check in grades.csv; the files outside the scratch copies exactly
as they were; nothing new in /tmp; no process of the grader user left; the whole grading
within its time limits.

Needs root and mount namespaces (the sandbox's user and read-only file system), and a checkout
the grader user can read: without them the test is skipped (77).
"""
import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(REPO, "harness", "parlab_harness.py")
EX02 = os.path.join(REPO, "exercises", "02-parallel-for-reduction")
EX10 = os.path.join(REPO, "exercises", "10-avoid-deadlock")
USER = "parlab-grader"
TIME_LIMIT, RUN_TIMEOUT = 60, 5

FILL = '''static void fill(uint64_t *values, uint64_t count, uint64_t first)
{'''


def solution():
    with open(os.path.join(EX02, "solution", "student.c")) as fh:
        return fh.read()


def with_fill(prelude, body, includes=""):
    """The 02 solution, with `body` run first in fill() and `includes` at the top."""
    text = solution()
    assert FILL in text
    text = text.replace(FILL, prelude + FILL + "\n" + body, 1)
    return text.replace('#include "parlab.h"', includes + '#include "parlab.h"', 1)


def submissions(root, canaries):
    """{student: (file name, source, (grade, failed check) expected)}."""
    files = {
        "alice": ("student.c", solution(), ("done", "")),
        "bob": ("sum.c", open(os.path.join(EX02, "wrong", "hardcoded.c")).read(),
                ("not done", "wrong")),
        "carol": ("student.c", "this is not C\n", ("not done", "build")),
        "dave": ("student.c", with_fill("", "    for (;;) {\n    }"), ("not done", "timeout")),
        "erin": ("student.c", with_fill("", '''    FILE *f = fopen("%(alice)s", "w");
    if (f != NULL) {
        fputs("overwritten", f);
        fclose(f);
    }
    unlink("%(keep)s");
    unlink("%(repo)s");
    if ((f = fopen("%(dir)s/erin-was-here", "w")) != NULL)
        fclose(f);
    if ((f = fopen("%(escape)s", "w")) != NULL)
        fclose(f);
    if (system("rm -rf %(dir)s/alice") != 0)
        fprintf(stderr, "rm failed\\n");''' % dict(canaries, dir=root),
                                        "#include <stdio.h>\n#include <stdlib.h>\n"
                                        "#include <unistd.h>\n"), ("done", "")),
        "frank": ("student.c", with_fill("", "    for (;;)\n        fork();",
                                         "#include <unistd.h>\n"), ("not done", "timeout")),
        "grace": ("student.c", with_fill('''static void fill_disk(const char *folder)
{
    static char block[1 << 20];
    char name[4096];
    for (int k = 0; folder != NULL && k < 100000; k++) {
        snprintf(name, sizeof name, "%s/fill-%d.dat", folder, k);
        FILE *f = fopen(name, "w");
        if (f == NULL)
            return;
        size_t wrote = fwrite(block, 1, sizeof block, f);
        if (fclose(f) != 0 || wrote != sizeof block)
            return;
    }
}

''', '''    const char *folders[] = {".", getenv("HOME"), getenv("TMPDIR"), "/tmp", "/var/tmp"};
    for (size_t k = 0; k < sizeof folders / sizeof folders[0]; k++)
        fill_disk(folders[k]);''', "#include <stdio.h>\n#include <stdlib.h>\n"),
                  ("done", "")),
        "ivan": ("student.c", '#include "/etc/shadow"\n' + solution(), ("not done", "build")),
        # a copy of itself in a session of its own, holding the output open: the run never
        # ends until the launcher finds and ends that copy too
        "leo": ("student.c", with_fill("", '''    if (fork() == 0) {
        setsid();
        sleep(1000);
        _exit(0);
    }''', "#include <unistd.h>\n"), ("not done", "timeout")),
    }
    return files


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def snapshot(root):
    """Every file under root with its hash: what must not change."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[path] = digest(path)
    return found


def user_processes():
    """The grader user's live processes (a zombie, which only init can reap, holds nothing)."""
    done = subprocess.run(["ps", "-u", USER, "-o", "pid=,stat=,args="], capture_output=True,
                          text=True, check=False)
    return [l for l in done.stdout.splitlines() if l.split() and not l.split()[1].startswith("Z")]


def grade(number, folder, processes, run_timeout):
    started = time.monotonic()
    done = subprocess.run([sys.executable, HARNESS, "grade", number, folder, "--time-limit",
                           str(TIME_LIMIT), "--run-timeout", str(run_timeout),
                           "--max-processes", str(processes), "--jobs", "2",
                           # the sandbox is what this tests; the timed check has its own tests
                           "--no-speed"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=1800, check=False)
    seconds = time.monotonic() - started
    sys.stdout.write(done.stdout + done.stderr)
    print("(grade %s: exit status %d in %.1f s)" % (number, done.returncode, seconds))
    with open(os.path.join(folder, "grades.csv"), newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    return done.returncode, rows, seconds


def main():
    if os.geteuid() != 0:
        print("not root: the grader's sandbox needs root; skipped")
        return 77
    sys.path.insert(0, os.path.join(REPO, "harness"))
    from pharness import grade as grader
    if not grader.namespaces_work():
        print("no mount namespaces here (unshare --mount): the grader's full sandbox cannot be "
              "tested; skipped")
        return 77
    if not os.path.exists(os.path.join(EX02, "solution", "student.c")):
        print("no solutions here (a handout: ./parlab handout leaves them out); skipped")
        return 77
    user = grader.ensure_user(grader.GRADER_USER, sys.stdout)
    blocked = grader.unreachable(user, [os.path.join(REPO, "common")])
    if blocked:
        # ./parlab grade refuses such a checkout with one line (harness_exercises: GraderReach)
        print("the grader user %s cannot read %s: a directory on its way is closed to others, "
              "as `mktemp -d` makes it, and ./parlab grade refuses such a checkout; skipped"
              % (user.pw_name, blocked))
        return 77
    problems = []
    tmp_before = set(os.listdir(tempfile.gettempdir()))
    work = tempfile.mkdtemp(prefix="parlab-grader-test-")
    os.chmod(work, 0o755)
    root = os.path.join(work, "submissions")
    repo_canary = os.path.join(REPO, "exercises", ".grader-canary-%d" % os.getpid())
    escape = os.path.join(tempfile.gettempdir(), "parlab-escape-%d" % os.getpid())
    try:
        with open(repo_canary, "w") as fh:
            fh.write("the grader test's canary: a submission tries to delete it\n")
        canaries = {"alice": os.path.join(root, "alice", "student.c"),
                    "keep": os.path.join(root, "alice", "keep.txt"), "repo": repo_canary,
                    "escape": escape}
        expected = {}
        for student, (name, source, want) in submissions(root, canaries).items():
            os.makedirs(os.path.join(root, student))
            with open(os.path.join(root, student, name), "w") as fh:
                fh.write(source)
            expected[student] = want
        with open(canaries["keep"], "w") as fh:
            fh.write("alice's notes: a submission tries to delete them\n")
        os.makedirs(os.path.join(root, "heidi"))
        with open(os.path.join(root, "heidi", "notes.txt"), "w") as fh:
            fh.write("no program\n")
        expected["heidi"] = ("no submission", "")
        os.makedirs(os.path.join(root, "kim"))
        for name in ("a.c", "b.c"):
            shutil.copy(os.path.join(EX02, "student.c"), os.path.join(root, "kim", name))
        expected["kim"] = ("no submission", "")
        mpi_root = os.path.join(work, "mpi")
        for student, path, want in (("mia", os.path.join(EX10, "solution", "student.c"),
                                     ("done", "")),
                                    ("ned", os.path.join(EX10, "student.c"),
                                     ("not done", "deadlock"))):
            os.makedirs(os.path.join(mpi_root, student))
            shutil.copy(path, os.path.join(mpi_root, student, "student.c"))
            expected[student] = want
        before = snapshot(work)
        repo_before = digest(repo_canary)

        # 64 processes are plenty for an OpenMP check (a compiler, 7 threads), and keep the
        # fork bomb small on a shared machine; MPI runs get the default
        code, rows, seconds = grade("02", root, 64, RUN_TIMEOUT)
        # the hang detector needs two samples, 5 and 8 s into a run, to call it a deadlock
        code10, rows10, seconds10 = grade("10", mpi_root, 256, 20)
        rows.update(rows10)
        if code != 0 or code10 != 0:
            problems.append("grade exit statuses %d and %d, want 0" % (code, code10))
        for student, (want, key) in sorted(expected.items()):
            row = rows.get(student)
            got = (row["grade"], row["failed"]) if row else None
            if got != (want, key):
                problems.append("%s: want %s, got %s" % (student, (want, key), got))
        limit = TIME_LIMIT * 1.5
        for student, row in rows.items():
            if float(row["seconds"]) > limit:
                problems.append("%s took %s s, more than %g" % (student, row["seconds"], limit))
        after = snapshot(work)
        written = {os.path.join(root, "grades.csv"), os.path.join(root, "grades.log"),
                   os.path.join(mpi_root, "grades.csv"), os.path.join(mpi_root, "grades.log")}
        changed = sorted(p for p in set(before) | set(after)
                         if before.get(p) != after.get(p) and p not in written)
        if changed:
            problems.append("files outside the scratch copies changed: %s" % changed)
        if not os.path.exists(repo_canary) or digest(repo_canary) != repo_before:
            problems.append("the repository's canary was deleted or changed")
        if os.path.exists(escape):
            problems.append("a submission wrote %s" % escape)
        left = user_processes()
        if left:
            problems.append("processes of %s left: %s" % (USER, left[:5]))
        new_tmp = sorted(set(os.listdir(tempfile.gettempdir())) - tmp_before - {
            os.path.basename(work), "parlab-grade.lock"})
        if [n for n in new_tmp if n.startswith(("parlab-grade-", "fill-"))]:
            problems.append("left in %s: %s" % (tempfile.gettempdir(), new_tmp))
        for folder in ("/var/tmp", "/dev/shm"):
            if os.path.isdir(folder) and [n for n in os.listdir(folder) if n.startswith("fill-")]:
                problems.append("a submission filled %s" % folder)
        print("graded %d submissions in %.1f s" % (len(rows), seconds + seconds10))
    finally:
        for path in (repo_canary, escape):
            if os.path.exists(path):
                os.remove(path)
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("FAIL: " + "\nFAIL: ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
