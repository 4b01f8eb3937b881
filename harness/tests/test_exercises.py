#!/usr/bin/python3
"""The exercise checks' own logic, on made-up program output: contracts, the table, parsers.

Why: a contract that accepts a wrong output passes a wrong solution for every student, and the
end-to-end cases (tests/exercise_case.py) try only the wrong solutions someone thought of.  Here
each contract meets its every kind of wrong output, the formulas meet brute force, the static,C
schedule meets a simulation of the OpenMP rule, and the table meets its own promises (files,
expected failures, hints, odd counts and more ranks than items).
"""
import json
import os
import random
import unittest

import helpers  # noqa: F401  (sets sys.path)
from pharness import checker, contracts, exercises, grade
from pharness.contracts import Failure
from pharness.exercises import Run


def run_of(threads=1, ranks=1, env=None, variant="openmp"):
    run = Run(threads=threads, ranks=ranks, env=env)
    run.variant = variant
    return run


class GraderReach(unittest.TestCase):
    """The grader's user must reach parlab's headers and builds: a checkout under a directory
    closed to others (mode 0700) is named before any submission fails to build."""

    @unittest.skipUnless(os.geteuid() == 0, "needs root (setpriv to the grader user)")
    def test_closed_directory_is_named(self):
        import pwd
        import tempfile
        user = grade.ensure_user("parlab-grader", open(os.devnull, "w"))
        with tempfile.TemporaryDirectory() as d:          # mkdtemp: mode 0700
            inner = os.path.join(d, "parlab", "common")
            os.makedirs(inner)
            os.chmod(os.path.join(d, "parlab"), 0o755)
            self.assertEqual(grade.unreachable(user, [inner]), inner)
            os.chmod(d, 0o755)
            self.assertIsNone(grade.unreachable(user, [inner]))
        self.assertIsInstance(user, pwd.struct_passwd)


class Formulas(unittest.TestCase):
    def test_against_brute_force(self):
        for n in (1, 2, 3, 4, 5, 15, 16, 1000, 4097):
            self.assertEqual(contracts.sum_below(n), sum(range(n)))
            self.assertEqual(contracts.multiples_of_3_or_5(n),
                             sum(i for i in range(n) if i % 3 == 0 or i % 5 == 0))
            self.assertEqual(contracts.triangle(n), sum(sum(range(i + 1)) for i in range(n)))

    def test_static_chunks_follow_the_openmp_rule(self):
        # OpenMP: chunks of C iterations, dealt round-robin in thread order
        rng = random.Random(7)
        for _ in range(200):
            n, threads, chunk = rng.randint(1, 300), rng.randint(1, 8), rng.randint(1, 40)
            want = [0] * threads
            for i in range(n):
                want[(i // chunk) % threads] += i + 1
            self.assertEqual(contracts.static_units(n, threads, chunk), want)


class Hello(unittest.TestCase):
    C = contracts.Hello()

    def verify(self, lines, ranks, err=""):
        return self.C.verify(run_of(ranks=ranks, variant="mpi"), {}, 0,
                             "".join(l + "\n" for l in lines), err)

    def test_right(self):
        self.verify(["hello from rank 1 of 3", "hello from rank 0 of 3",
                     "hello from rank 2 of 3"], 3)

    def fails(self, key, lines, ranks, err=""):
        with self.assertRaises(Failure) as caught:
            self.verify(lines, ranks, err)
        self.assertEqual(caught.exception.key, key, caught.exception.message)

    def test_wrong(self):
        self.fails("copies", ["hello from rank 0 of 1"] * 3, 3)
        self.fails("size", ["hello from rank %d of 4" % r for r in range(3)], 3)
        self.fails("output", ["hello from rank 0 of 3", "hello from rank 1 of 3"], 3)
        self.fails("output", ["hello from rank %d of 2" % r for r in (0, 0)], 2)
        self.fails("output", ["hello from rank 0 of 1", "hi"], 1)
        self.fails("finalize", ["hello from rank 0 of 1"], 1,
                   "parlab-probe: pid=9 mpi=not-finalized rank=0 size=1\n")
        self.fails("no-init", ["hello from rank 0 of 1"], 1,
                   "parlab-probe: pid=9 mpi=never-initialized rank=-1 size=-1\n")


class Decomposition(unittest.TestCase):
    C = contracts.Decomposition()

    def verify(self, n, shares, total=None):
        ranks = len(shares)
        out = "".join("rank %d of %d: first %d count %d\n" % (r, ranks, f, c)
                      for r, (f, c) in enumerate(shares))
        covered = sum(i for f, c in shares for i in range(f, min(f + c, n)))
        out += "total: %d\n" % (covered if total is None else total)
        return self.C.verify(run_of(ranks=ranks, variant="mpi"), {"n": n}, 0, out, "")

    def block(self, n, ranks):
        q, r = divmod(n, ranks)
        return [(k * q + min(k, r), q + (k < r)) for k in range(ranks)]

    def fails(self, key, n, shares):
        with self.assertRaises(Failure) as caught:
            self.verify(n, shares)
        self.assertEqual(caught.exception.key, key, caught.exception.message)

    def test_right(self):
        for n in (1, 2, 3, 10, 11, 1000):
            for ranks in range(1, 8):
                self.verify(n, self.block(n, ranks))

    def test_wrong(self):
        self.fails("lost", 10, [(0, 3), (3, 3), (6, 3)])                 # n / size
        self.fails("overrun", 10, [(0, 4), (4, 4), (8, 4)])              # rounded up
        self.fails("overrun", 3, [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1)])
        self.fails("overlap", 10, [(0, 4), (3, 4), (7, 3)])
        self.fails("order", 10, [(5, 5), (0, 5)])
        self.fails("unbalanced", 11, [(0, 3), (3, 3), (6, 5)])           # remainder to the last
        self.fails("unbalanced", 3, [(0, 0), (0, 0), (0, 0), (0, 0), (0, 3)])
        with self.assertRaises(Failure) as caught:
            self.verify(10, self.block(10, 3), total=44)
        self.assertEqual(caught.exception.key, "wrong")


class Ring(unittest.TestCase):
    C = contracts.Ring()

    def out(self, ranks, n, left=None, shift=0):
        return "".join("rank %d of %d received sum %d from rank %d\n" % (
            r, ranks, self.C.sent((r - 1) % ranks, n) + shift,
            (r - 1) % ranks if left is None else left(r)) for r in range(ranks))

    def test_right_and_wrong(self):
        for ranks in (1, 2, 3, 5):
            self.C.verify(run_of(ranks=ranks, variant="mpi"), {"n": 100}, 0,
                          self.out(ranks, 100), "")
        for kwargs, key in (({"left": lambda r: (r + 1) % 3}, "neighbour"),
                            ({"shift": 1}, "wrong")):
            with self.assertRaises(Failure) as caught:
                self.C.verify(run_of(ranks=3, variant="mpi"), {"n": 100}, 0,
                              self.out(3, 100, **kwargs), "")
            self.assertEqual(caught.exception.key, key)


class Triangle(unittest.TestCase):
    C = contracts.Triangle()

    def out(self, n, units):
        return "total: %d\n" % contracts.triangle(n) + "".join(
            "thread %d: units %d\n" % (t, u) for t, u in enumerate(units)) + "time: 0.1\n"

    def verify(self, n, units, schedule):
        run = run_of(threads=len(units), env={"OMP_SCHEDULE": schedule})
        return self.C.verify(run, {"n": n}, 0, self.out(n, units), "")

    def test_static_chunks_exact(self):
        n = 1000
        self.verify(n, contracts.static_units(n, 3, 7), "static,7")
        with self.assertRaises(Failure) as caught:
            self.verify(n, contracts.static_units(n, 3, 8), "static,7")
        self.assertEqual(caught.exception.key, "schedule")

    def test_one_thread(self):
        n = 1000
        total = n * (n + 1) // 2
        with self.assertRaises(Failure) as caught:
            self.verify(n, [total, 0, 0], "static,7")
        self.assertEqual(caught.exception.key, "one-thread")
        self.verify(n, [0, total], "dynamic,3")   # dynamic may give one thread every chunk
        with self.assertRaises(Failure) as caught:
            self.verify(n, [total, 1], "dynamic,3")   # the units must add up
        self.assertEqual(caught.exception.key, "output")


class Slots(unittest.TestCase):
    def test_lines(self):
        size = contracts.line_size()
        c = contracts.Slots()

        def out(addresses):
            return "total: %d\n" % contracts.sum_below(50) + "".join(
                "slot %d at %#x\n" % (t, a) for t, a in enumerate(addresses))
        base = 0x7f0000000000
        c.verify(run_of(threads=3), {"n": 50}, 0, out([base + k * size for k in range(3)]), "")
        with self.assertRaises(Failure) as caught:
            c.verify(run_of(threads=3), {"n": 50}, 0, out([base, base + 8, base + 2 * size]), "")
        self.assertEqual(caught.exception.key, "false-sharing")


class Totals(unittest.TestCase):
    def test_keys(self):
        c = contracts.Total(contracts.sum_below)
        want = contracts.sum_below(100)
        for value, key in ((3 * want, "times-workers"), (0, "zero"), (want - 1, "wrong")):
            with self.assertRaises(Failure) as caught:
                c.verify(run_of(threads=3), {"n": 100}, 0, "total: %d\n" % value, "")
            self.assertEqual(caught.exception.key, key)
        with self.assertRaises(Failure) as caught:
            c.verify(run_of(threads=3), {"n": 100}, 0, "total: 1\ntotal: 2\n", "")
        self.assertEqual(caught.exception.key, "output")
        with self.assertRaises(Failure) as caught:
            c.verify(run_of(threads=3), {"n": 100}, 139, "", "Segmentation fault\n")
        self.assertEqual(caught.exception.key, "crash")


class Parsers(unittest.TestCase):
    def test_race_site(self):
        err = """WARNING: ThreadSanitizer: data race (pid=1)
  Write of size 8 at 0x7b by thread T1:
    #0 .omp_outlined._debug__ /x/student.c (p+0xd0) (BuildId: 1)
    #1 .omp_outlined. /x/student.c:25:1 (p+0xd0)
    #3 with_atomic /x/student.c:25:1 (p+0xd0)
  Previous write of size 8 at 0x7b by main thread:
    #0 .omp_outlined._debug__ /x/student.c:28:19 (p+0xd0) (BuildId: 1)
SUMMARY: ThreadSanitizer: data race /x/student.c in .omp_outlined._debug__
"""
        self.assertEqual(checker.race_site(err, "student.c"), (28, "with_atomic"))
        self.assertEqual(checker.race_site(err, "other.c"), (None, None))

    def test_enclosing_function(self):
        lines = ["static uint64_t add(uint64_t n)", "{", "    if (n) {", "        n++;",
                 "    }", "}", "", "int main(int argc, char **argv)", "{", "    return 0;"]
        self.assertEqual(checker.enclosing_function(lines, 4), "add")
        self.assertEqual(checker.enclosing_function(lines, 10), "main")

    def test_grade_reads_only_the_verdict(self):
        verdict = {"grade": "not done", "failed": "race", "reason": "at x.c:3:\n\x1b[2Jy",
                   "hint": "use a reduction", "checks_passed": 1, "left": []}
        self.assertEqual(grade.parse_verdict(json.dumps(verdict).encode()),
                         ("not done", "race", "at x.c:3: \\x1b[2Jy", "use a reduction", 1, []))
        verdict.update(grade="done", left=["7 (a.out)"])
        self.assertEqual(grade.parse_verdict(json.dumps(verdict).encode())[5], ["7 (a.out)"])
        # a check's text output is never a verdict, nor is a verdict with a grade it cannot give
        self.assertIsNone(grade.parse_verdict(b"  ok    a\ndone: x passes all 2 checks\n"))
        self.assertIsNone(grade.parse_verdict(json.dumps(dict(verdict, grade="A+")).encode()))
        self.assertIsNone(grade.parse_verdict(b""))

    def test_one_line(self):
        self.assertEqual(checker.one_line("a\n\tb\x1b[31m\u202e"), "a b\\x1b[31m\\u202e")
        self.assertEqual(checker.one_line("x" * 10, 4), "xxxx ...(cut)")


# A handout (./parlab handout) has the skeletons and no solution or wrong solution.
HANDOUT = not any(os.path.isdir(os.path.join(e.folder, "solution")) for e in exercises.EXERCISES)


class HeatField(unittest.TestCase):
    """The halo exercises' contract on made-up fields: a field file's format, the blocks, and
    each kind of wrong cell after one step.  The one-step fields here come from a stencil
    written for the test (Python's doubles round as C's do, without contraction), a brute
    force like the formulas above; the checks themselves compare with the C serial program."""
    NX, NY, R = 7, 6, 0.2
    BLOCKS = [(0, 0, 3, 4), (0, 4, 3, 3), (3, 0, 3, 4), (3, 4, 3, 3)]  # a 2 x 2 process grid
    SIZE = {"n": 7, "ny": 6, "steps": 1, "r": 0.2}

    def initial(self):
        import math
        return [[math.sin(math.pi * (x + 1) / (self.NX + 1)) *
                 math.sin(math.pi * (y + 1) / (self.NY + 1)) for x in range(self.NX)]
                for y in range(self.NY)]

    def step(self, u, halo=None):
        """One step; halo(y, x, dy, dx) may replace the value read across a block's edge."""
        def at(y, x, dy, dx):
            yy, xx = y + dy, x + dx
            inside = 0 <= yy < self.NY and 0 <= xx < self.NX
            value = u[yy][xx] if inside else 0.0
            if halo and contracts.owner(self.BLOCKS, y, x)[0] != (
                    contracts.owner(self.BLOCKS, yy, xx)[0] if inside else None):
                value = halo(y, x, dy, dx, value)
            return value
        return [[u[y][x] + self.R * (at(y, x, -1, 0) + at(y, x, 1, 0) + at(y, x, 0, 1)
                                     + at(y, x, 0, -1) - 4.0 * u[y][x])
                 for x in range(self.NX)] for y in range(self.NY)]

    def field(self, rows):
        import struct
        cells = b"".join(struct.pack("=d", v) for row in rows for v in row)
        return {"nx": self.NX, "ny": self.NY, "blocks": list(self.BLOCKS), "cells": cells}

    def key(self, got, contract=None):
        contract = contract or contracts.HeatField(ny=(5, 9), steps=(1, 3))
        want = self.field(self.step(self.initial()))
        index = contracts.first_difference(got, want)
        self.assertIsNotNone(index)
        failure = contract.diagnose(got, want, index, self.SIZE)
        self.assertIsInstance(failure, Failure)
        return failure.key, failure.message

    def test_file_format(self):
        import struct
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".bin") as fh:
            fh.write(b"parlab heat field: nx 3 ny 2 ranks 2\n"
                     b"rank 0: first_row 0 first_col 0 rows 1 cols 3\n"
                     b"rank 1: first_row 1 first_col 0 rows 1 cols 3\n"
                     + struct.pack("=6d", *range(6)))
            fh.flush()
            field = contracts.read_field(fh.name)
            self.assertEqual(field["blocks"], [(0, 0, 1, 3), (1, 0, 1, 3)])
            self.assertEqual(contracts._value(field, 4), 4.0)
            fh.truncate(fh.tell() - 8)
            with self.assertRaises(ValueError):
                contracts.read_field(fh.name)

    def test_same_bits_only(self):
        u = self.step(self.initial())
        self.assertIsNone(contracts.first_difference(self.field(u), self.field(u)))
        v = [row[:] for row in u]
        v[4][5] = u[4][5] * (1 + 2 ** -52)  # one unit in the last place
        self.assertEqual(contracts.first_difference(self.field(v), self.field(u)), 4 * 7 + 5)

    def test_blocks(self):
        c = contracts.HeatField(ny=(5, 9), steps=(1, 3))
        field = self.field(self.initial())
        c.check_blocks(field)
        for blocks in ([(0, 0, 3, 4), (0, 4, 3, 3), (3, 0, 3, 4)],             # a block missing
                       [(0, 0, 3, 4), (0, 3, 3, 4), (3, 0, 3, 4), (3, 4, 3, 3)],  # overlap
                       [(0, 0, 3, 4), (0, 4, 3, 4), (3, 0, 3, 4), (3, 4, 3, 3)]):  # past nx
            with self.assertRaises(Failure) as caught:
                c.check_blocks(dict(field, blocks=blocks))
            self.assertEqual(caught.exception.key, "split")

    def test_wrong_cells(self):
        u0 = self.initial()
        # a north halo that never arrived: zeros where rank 2's blocks meet rank 0's
        missing = self.step(u0, lambda y, x, dy, dx, v: 0.0 if dy == -1 else v)
        key, message = self.key(self.field(missing))
        self.assertEqual(key, "halo-missing")
        self.assertIn("rank 2, row 1, column 1", message)
        # the wrong neighbour's row: the row three above
        swapped = self.step(u0, lambda y, x, dy, dx, v: u0[y - 3][x] if dy == -1 and y >= 3
                            else v)
        self.assertEqual(self.key(self.field(swapped))[0], "neighbour")
        # a message into the boundary ring (a periodic grid)
        ring = self.step(u0, lambda y, x, dy, dx, v: u0[self.NY - 1][x]
                         if dy == -1 and y == 0 else v)
        key, message = self.key(self.field(ring))
        self.assertEqual(key, "neighbour")
        self.assertIn("boundary", message)
        # a column halo with other cells: 'column' where that is the lesson
        column = self.step(u0, lambda y, x, dy, dx, v: v / 2 if dx == 1 and x == 3 else v)
        self.assertEqual(self.key(self.field(column))[0], "neighbour")
        self.assertEqual(self.key(self.field(column), contracts.HeatField(
            ny=(5, 9), steps=(1, 3), column_key="column"))[0], "column")
        # a cell never updated
        skipped = self.step(u0)
        skipped[2][6] = u0[2][6]
        self.assertEqual(self.key(self.field(skipped))[0], "not-updated")
        # a cell next to no halo
        inner = self.step(u0)
        inner[1][1] += 0.5
        self.assertEqual(self.key(self.field(inner))[0], "interior")

    def test_gathered(self):
        c = contracts.HeatField(ny=(5, 9), steps=(1, 3), gather=True)
        want = self.field(self.step(self.initial()))
        right = self.step(self.initial())
        for change, key in ((lambda f: f[5].__setitem__(6, float("nan")), "not-gathered"),
                            (lambda f: f[4].__setitem__(0, f[1][2]), "misplaced"),
                            (lambda f: f[0].__setitem__(3, 12.5), "gather")):
            got = [row[:] for row in right]
            change(got)
            got = self.field(got)
            failure = c.explain(None, self.SIZE, got, want, contracts.first_difference(got, want))
            self.assertEqual(failure.key, key, failure.message)


class Table(unittest.TestCase):
    """What every row promises."""

    def test_files_and_expectations(self):
        self.assertGreaterEqual(len(exercises.EXERCISES), 12)
        numbers = [e.number for e in exercises.EXERCISES]
        self.assertEqual(numbers, ["%02d" % k for k in range(1, len(numbers) + 1)])
        for e in exercises.EXERCISES:
            for path in (os.path.join(e.folder, "README.md"), e.student()) + (
                    () if HANDOUT else (e.solution(),)):
                self.assertTrue(os.path.isfile(path), path)
            if not HANDOUT:
                self.assertGreaterEqual(len(e.wrong()), 2, "%s: fewer than 2 wrong solutions"
                                        % e.name)
            skeleton = e.skeleton if isinstance(e.skeleton, tuple) else (e.skeleton,)
            keys = [(exercises.expected_failure(w),) for w in e.wrong()] + [skeleton]
            for path, any_of in zip(e.wrong() + [e.student()], keys):
                for key in any_of:
                    self.assertIsNotNone(key, path)
                    self.assertIn(key, set(checker.DEFAULT_HINTS) | set(e.hints), path)
            for key in e.hints:
                self.assertIn(key, checker.DEFAULT_HINTS, "%s: hint for an unknown failure %r"
                              % (e.name, key))
            if e.speed:  # the README states the limit the row holds
                with open(os.path.join(e.folder, "README.md"), encoding="utf-8") as fh:
                    self.assertIn("at most %g" % e.speed.limit, " ".join(fh.read().split()),
                                  e.name)

    def test_counts(self):
        for e in exercises.EXERCISES:
            counts = [r.ranks if e.variant in ("mpi", "hybrid") else r.threads for r in e.runs]
            flat = [c for x in counts for c in (x if isinstance(x, tuple) else (x,))]
            self.assertGreaterEqual(len(e.runs), 3, e.name)
            self.assertTrue(any(c % 2 and c > 1 for c in flat), "%s: no odd count" % e.name)
            self.assertIn(1, flat, "%s: never runs on 1 worker" % e.name)
            if e.variant in ("mpi", "hybrid") and not isinstance(
                    e.contract, (contracts.Hello, contracts.Ring)):
                self.assertTrue(any(r.kind == "small" for r in e.runs),
                                "%s: no run with more ranks than items" % e.name)
            if e.variant in ("openmp",):
                self.assertIsNotNone(e.tsan, "%s: OpenMP without ThreadSanitizer" % e.name)
            if e.variant in ("openmp", "hybrid"):
                self.assertTrue(e.parallel, "%s: no function the thread probe checks" % e.name)

    def test_find(self):
        e = exercises.EXERCISES[1]
        for text in (e.number, str(int(e.number)), e.name, e.slug, "exercises/%s/" % e.name):
            self.assertIs(exercises.find(text), e)
        self.assertIsNone(exercises.find("99"))


if __name__ == "__main__":
    unittest.main()
