#!/usr/bin/env python3
"""The exercise commands' edges: `./parlab handout` leaves every answer out and the copy still
checks; bad usage of check, grade and handout is one line on stderr and exit status 2.

Why: a handout with a solution in it gives the course away, and a handout whose checker does
not work leaves the students without their one command.  A command that answers a typo with a
traceback, or with silence, is one the students stop trusting.
"""
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(REPO, "harness", "parlab_harness.py")

sys.path.insert(0, os.path.join(REPO, "harness"))
from pharness import exercises  # noqa: E402

problems = []


def run(args, harness=HARNESS, cwd=None):
    done = subprocess.run([sys.executable, harness] + args, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=600, cwd=cwd, check=False)
    print("$ parlab %s -> exit %d" % (" ".join(args), done.returncode))
    return done


def bad_usage(args, names):
    """Exit 2, nothing on stdout, one line on stderr that names `names`."""
    done = run(args)
    lines = done.stderr.splitlines()
    print("  " + (lines[0] if lines else "(nothing on stderr)"))
    if done.returncode != 2 or done.stdout or len(lines) != 1 or names not in lines[0]:
        problems.append("%r: want exit 2, no stdout, one stderr line naming %r; got %d, %r, %r"
                        % (args, names, done.returncode, done.stdout[:200], lines[:3]))


def main():
    work = tempfile.mkdtemp(prefix="parlab-commands-test-")
    try:
        copy = os.path.join(work, "class")
        done = run(["handout", copy])
        print(done.stdout.strip())
        if done.returncode != 0:
            problems.append("handout failed: %s" % done.stderr.strip())
        found = []
        for folder, dirs, names in os.walk(copy):
            found += [os.path.relpath(os.path.join(folder, n), copy) for n in names]
        answers = [p for p in found if p.startswith("exercises/") and
                   ("/solution/" in p or "/wrong/" in p)]
        if answers:
            problems.append("the handout holds answers: %s" % answers[:5])
        for e in exercises.EXERCISES:
            for part in ("README.md", "student.c"):
                path = os.path.join("exercises", e.name, part)
                if path not in found:
                    problems.append("the handout lacks %s" % path)
        for path in ("exercises/README.md", "exercises/common/exercise.h", "parlab",
                     "harness/probes/threads.c", "harness/probes/mpi.c", "common/parlab.h"):
            if path not in found:
                problems.append("the handout lacks %s" % path)
        if not os.access(os.path.join(copy, "parlab"), os.X_OK):
            problems.append("the handout's parlab is not executable")
        # The copy's tests list its skeletons only, and its checker works on one.
        listed = subprocess.run([sys.executable, os.path.join(copy, "harness", "pharness",
                                                              "exercises.py"), "cases"],
                                capture_output=True, text=True, check=False).stdout.split("\n")
        names = sorted(l.split()[0] for l in listed if l.strip())
        want = sorted("%s_skeleton" % e.number for e in exercises.EXERCISES)
        if names != want:
            problems.append("the handout's cases: want the %d skeletons, got %s"
                            % (len(want), names))
        checked = run(["check", "07"], harness=os.path.join(copy, "harness", "parlab_harness.py"),
                      cwd=copy)
        print("  " + " | ".join(checked.stdout.strip().splitlines()[-2:]))
        if checked.returncode != 1 or "not done (false-sharing)" not in checked.stdout:
            problems.append("check 07 in the handout: want exit 1, not done (false-sharing); got "
                            "%d: %s %s" % (checked.returncode, checked.stdout[-300:],
                                           checked.stderr[-300:]))

        bad_usage(["handout", copy], copy)                          # not empty
        bad_usage(["handout", os.path.join(REPO, "handout-here")], "inside the repository")
        bad_usage(["check"], "NN")
        bad_usage(["check", "99"], "NN")
        bad_usage(["check", "two"], "NN")
        bad_usage(["check", "02", "--file", os.path.join(work, "none.c")], "--file")
        bad_usage(["check", "02", "--seed", "-3"], "--seed")
        bad_usage(["check", "02", "--run-timeout", "0"], "--run-timeout")
        bad_usage(["check", "02", "--mpi", "lam"], "--mpi")
        bad_usage(["check", "02", "--frobnicate"], "parlab check: unrecognized arguments: "
                  "--frobnicate")
        bad_usage(["grade", "02"], "DIR")
        bad_usage(["grade", "02", os.path.join(work, "nowhere")], "DIR")
        bad_usage(["grade", "02", work, "--time-limit", "x"], "--time-limit")
        bad_usage(["handout"], "DIR")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("FAIL: " + "\nFAIL: ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
