#!/usr/bin/env python3
"""The timed checks of ./parlab check (pharness/speed.py) under load, and over many runs.

Why: a timed check must never fail a good program because the machine was busy, and never pass
a gross mistake.  By default (test exercise_speed_busy, in suite 'long') this builds exercise
02's solution, and its wrong answer that makes every addition atomic, as the check does, and
runs their timed step with a busy loop on one core: the first must end "done" or
"inconclusive", the second "not done (slow)" or "inconclusive", never the other way round.
(The cases of tests/exercise_case.py run the same files on whatever machine the suite leaves
them, and skip when it is too busy.)

    speed_checks.py                 the busy-loop cases above
    speed_checks.py --runs 50       on an idle machine: every timed check of every reference
                                    solution (02, 03, 05, 06), 50 times each; prints the count
                                    of each verdict, and fails on any "slow"
"""
import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "harness"))
from pharness import checker, exercises, speed  # noqa: E402



def spin(stop):
    while not stop.is_set():
        pass


class Timed:
    """The check of one file, built once, whose timed step (Checker.check_speed) runs again
    and again: 'done', 'slow' or 'inconclusive', and the step's line."""

    def __init__(self, ex, path):
        self.ex, self.workdir = ex, tempfile.mkdtemp(prefix="parlab-speed-")
        self.checker = checker.Checker(ex, path, workdir=self.workdir,
                                       out=open(os.devnull, "w"))
        checker.prepare_builds(ex)
        self.checker.prepare()
        self.checker.build_all()
        self.checker.build_speed_reference()

    def verdict(self):
        try:
            self.checker.check_speed()
            return "done", ""
        except checker.Inconclusive as why:
            return "inconclusive", why.message
        except checker.Failure as failure:
            return failure.key, failure.message

    def close(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def busy_cases():
    ex = exercises.find("02")
    cases = [(ex.solution(), ("done", "inconclusive")),
             (os.path.join(ex.folder, "wrong", "atomic-every-addition.c"),
              ("slow", "inconclusive"))]
    problems = []
    for path, allowed in cases:
        timed = Timed(ex, path)
        stop = multiprocessing.Event()
        loop = multiprocessing.Process(target=spin, args=(stop,), daemon=True)
        loop.start()
        try:
            verdict, text = timed.verdict()
        finally:
            stop.set()
            loop.join()
            timed.close()
        print("%s, with a busy loop on one core: %s %s" % (os.path.relpath(path, REPO),
                                                            verdict, text))
        if verdict not in allowed:
            problems.append("%s under a busy loop: %s; want %s" % (path, verdict,
                                                                   " or ".join(allowed)))
    return problems


def many_runs(runs):
    problems = []
    for ex in exercises.EXERCISES:
        if ex.speed is None:
            continue
        timed = Timed(ex, ex.solution())
        counts = {}
        for _ in range(runs):
            verdict, text = timed.verdict()
            counts[verdict] = counts.get(verdict, 0) + 1
            if verdict != "done":
                print("  %s: %s" % (verdict, text))
        timed.close()
        print("%s: %d runs of its solution's timed check: %s" % (
            ex.name, runs, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
        if set(counts) - {"done", "inconclusive"}:
            problems.append("%s: the solution's timed check said %s" % (ex.name, counts))
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, help="time every reference solution this many times")
    args = p.parse_args()
    problems = many_runs(args.runs) if args.runs else busy_cases()
    if problems:
        print("FAIL: " + "\nFAIL: ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
