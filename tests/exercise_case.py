#!/usr/bin/env python3
"""One case of the exercises suite: `./parlab check NN --file FILE` must give EXPECTED.

Why a test per file: every exercise promises three things, and each is a file the check must
judge rightly: the skeleton fails its check (with the failure the table names), the solution
passes it, and every wrong solution in exercises/NN-name/wrong/ fails with the failure its
opening comment names ("Expected: KEY").  A check that passes a wrong solution, or fails with
the wrong reason, is a broken lesson.  The sizes are drawn at random as for a student, and the
seed is printed, so that a failure can be repeated with --seed.

    exercise_case.py NUMBER FILE EXPECTED      (EXPECTED: done, or a failure key, or keys
                                                joined by '|', any one of which will do)

PARLAB_EXERCISES_FULL=1 runs the full matrix (`--full`: every count from 1 to 8).  It also
checks the form of the output: a header, one line per check ("  ok", "  FAIL",
"  info"), then "done: ..." or "not done (KEY): ..." and "hint: ...", and the exit status
(0 done, 1 not done).

A timed check (exercises 02, 03, 05, 06: pharness/speed.py) that the machine was too busy to
decide ends the check "inconclusive" (exit status 3, after every other check passed): the case
is then skipped (exit status 77, meson's SKIP), with the check's reason, never passed.  Only a
case that reaches the timed check can be skipped; tests/speed_checks.py tests that path.
"""
import os
import re
import subprocess
import sys
import time

HARNESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness",
                       "parlab_harness.py")
LINE = re.compile(r"^(parlab check \d\d-\S+: .* \(seed \d+: --seed \d+ draws the same sizes\)"
                  r"|  (ok|FAIL|info|busy)  .+|done: .+|not done \([a-z-]+\): .+|inconclusive: .+"
                  r"|hint: .+)$")
INCONCLUSIVE, SKIP = 3, 77


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: exercise_case.py NUMBER FILE EXPECTED\n")
        return 2
    number, path, expected = sys.argv[1:]
    started = time.monotonic()
    # PARLAB_EXERCISES_FULL=1: the full matrix (every count from 1 to 8), not only the
    # exercise's own runs
    full = ["--full"] if os.environ.get("PARLAB_EXERCISES_FULL") == "1" else []
    done = subprocess.run([sys.executable, HARNESS, "check", number, "--file", path] + full,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=900, check=False)
    seconds = time.monotonic() - started
    sys.stdout.write(done.stdout)
    sys.stdout.write(done.stderr)
    print("(%s: exit status %d in %.1f s)" % (os.path.basename(path), done.returncode, seconds))
    lines = done.stdout.splitlines()
    problems = []
    strays = [l for l in lines if not LINE.match(l)]
    if strays:
        problems.append("lines not in the check's form: %r" % strays[:3])
    if done.stderr.strip():
        problems.append("the check wrote to stderr: %r" % done.stderr.strip()[:300])
    if done.returncode == INCONCLUSIVE and lines and lines[-2].startswith("inconclusive: ") \
            and not strays and not done.stderr.strip():
        print("SKIP: the machine was too busy to time it; every other check passed")
        return SKIP
    verdicts = [l for l in lines if l.startswith(("done:", "not done ("))]
    fails = [l for l in lines if l.startswith("  FAIL")]
    if expected == "done":
        if done.returncode != 0 or verdicts != lines[-1:] or not lines[-1].startswith("done:"):
            problems.append("the solution must pass, its last line 'done: ...': exit status %d, "
                            "verdicts %r" % (done.returncode, verdicts))
        if fails:
            problems.append("a passing check printed a FAIL line: %r" % fails[0])
    else:
        if done.returncode != 1:
            problems.append("a failing check must exit 1, got %d" % done.returncode)
        if len(lines) < 3 or verdicts != lines[-2:-1] or not lines[-1].startswith("hint: ") \
                or fails != lines[-3:-2]:
            problems.append("want one FAIL line, then 'not done (KEY): ...', then 'hint: ...' at "
                            "the end; got %d FAIL lines and verdicts %r" % (len(fails), verdicts))
        key = re.match(r"not done \(([a-z-]+)\)", verdicts[0]) if verdicts else None
        if (key.group(1) if key else None) not in expected.split("|"):
            problems.append("want the failure %r, got %r" % (expected,
                                                             key.group(1) if key else None))
    if problems:
        print("FAIL: " + "\nFAIL: ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
