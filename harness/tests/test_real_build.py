#!/usr/bin/python3
"""`bench --preset tiny` against the real programs of a build directory.

The build directory comes from PARLAB_BUILD (meson sets it to its build root; default ./build),
not from the command line, so that `python3 -m unittest discover -s harness/tests` finds this
file like every other.  Skipped (exit 77 when run alone) when the build holds no programs yet."""
import os
import subprocess
import sys
import unittest

import helpers
from pharness import records, registry, plots

BUILD = os.path.abspath(os.environ.get("PARLAB_BUILD", "build"))
BUILT = all(os.path.exists(os.path.join(BUILD, p)) for p in ("sum_serial", "square_serial"))


def bench(d, *args):
    cmd = [sys.executable, helpers.SCRIPT, "bench", "--preset", "tiny", "--build", BUILD,
           "--results", os.path.join(d, "runs.jsonl"), "--plots", os.path.join(d, "plots")]
    proc = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=600, cwd=d)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@unittest.skipUnless(BUILT, "no parlab programs in %s (build first)" % BUILD)
class RealPrograms(unittest.TestCase):
    def test_tiny_matrix_agrees(self):
        with helpers.tempdir() as d:
            rc, out, err = bench(d)
            sys.stdout.write(out)
            self.assertEqual(rc, 0, out + err)
            recs = records.load(os.path.join(d, "runs.jsonl"))
            variants = {r["variant"] for r in recs}
            self.check_fsum(recs, out)
            self.check_pictures(recs, d, out)
            self.assertIn("serial", variants)
            for r in recs:
                self.assertTrue(r["agrees_closed_form"] and r["verified"], r)
                if registry.WORKLOADS[r["row"]].closed_form:
                    self.assertEqual(r["result"], r["expected"])
                self.assertEqual(r["workers"], r["ranks"] * r["threads"])
                self.assertIsNotNone(r["provenance"]["compiler"])
                if r["variant"] in ("mpi", "hybrid"):
                    lib = r["provenance"]["mpi_library"] or ""
                    launcher = r["provenance"]["mpi_launcher"] or ""
                    # the launcher belongs to the library the program links (docs/mpi-launch.md)
                    if "Open MPI" in lib:
                        self.assertIn("openmpi", launcher)
                    elif "MPICH" in lib:
                        self.assertIn("mpich", launcher)

    def check_pictures(self, recs, d, out):
        """A program that draws its result (heat: --picture) leaves one PNG per size in the
        plots, from its serial run, and the plots line names it."""
        for w in {r["workload"] for r in recs}:
            desc = registry.describe(os.path.join(BUILD, w + "_serial"))
            if "--picture" not in registry.options(desc):
                continue
            made = [f for f in os.listdir(os.path.join(d, "plots"))
                    if f.startswith(w + "_") and f.endswith("_field.png")]
            self.assertEqual(len(made), 1, made)
            with open(os.path.join(d, "plots", made[0]), "rb") as fh:
                self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
            self.assertEqual(out.count(made[0]), 1, out)
        if "heat" in {r["workload"] for r in recs}:   # and the field fading, frame by frame
            with open(os.path.join(d, "plots", "heat_animation.gif"), "rb") as fh:
                gif = fh.read()
            self.assertEqual(gif[:6], b"GIF89a")
            # a graphic control block per frame (the image data may hold those bytes too)
            self.assertGreaterEqual(gif.count(b"\x21\xf9\x04"), plots.ANIMATION_FRAMES)
            self.assertIn("heat_animation.gif", out)

    def test_n_beyond_a_workloads_limit_is_refused_first(self):
        """bench -n beyond heat's side limit: exit 2, one line naming heat and its limit, and no
        run before it (a grid's -n is its side)."""
        with helpers.tempdir() as d:
            rc, out, err = bench(d, "--workloads", "sum,heat", "-n", "40000")
            self.assertEqual(rc, 2, out + err)
            self.assertEqual(out, "")
            self.assertRegex(err.strip(), r"^parlab bench: -n 40000: heat takes at most 32768 ")
            self.assertFalse(os.path.exists(os.path.join(d, "runs.jsonl")))

    def check_fsum(self, recs, out):
        fs = [r for r in recs if "result_hex" in r]  # the float sum's records
        if not fs:
            return
        repro = [r for r in fs if r["method"] == "reproducible"]
        naive = [r for r in fs if r["method"] == "naive"]
        # one bit pattern at every worker count, and one exact sum everywhere
        self.assertEqual(len({r["result_hex"] for r in repro}), 1, repro)
        self.assertEqual(len({r["expected_hex"] for r in fs}), 1)
        self.assertEqual({(r["variant"], r["ranks"], r["threads"]) for r in repro},
                         {(r["variant"], r["ranks"], r["threads"]) for r in naive})
        for r in fs:
            self.assertLessEqual(r["error"], r["error_bound"])
            self.assertEqual(r["bytes"], 8 * r["n"])
        self.assertIn("naive demonstration", out)

    def test_describe_matches_the_registry(self):
        """Every program says what it accepts (--describe), and its closed form's text is the
        one of the Python closed form that checks it."""
        for w in registry.WORKLOADS.values():
            for v in registry.VARIANTS:
                path = os.path.join(BUILD, w.program_name(v))
                if not os.path.exists(path):
                    continue
                desc = registry.describe(path)
                self.assertEqual((desc["workload"], desc["program"], desc["variant"]),
                                 (w.program, w.program_name(v), v))
                forms = {r.closed_form.formula for r in registry.rows_of_program(w.program)
                         if r.closed_form}
                if forms:
                    self.assertIn(desc["formula"], forms, path)
                for size in w.sizes.values():
                    if "n" in size:
                        self.assertLessEqual(size["n"], registry.n_max(desc), path)
                for args in w.tests + [a for a in w.methods.values()]:
                    flags = {a for a in args if a.startswith("--")}
                    self.assertTrue(flags <= set(registry.options(desc)), (path, flags))

    def test_wrong_serial_reference_is_caught(self):
        broken = os.path.join(BUILD, "tests", "broken_sum")
        if not os.path.exists(broken):
            self.skipTest("no tests/broken_sum in the build")
        with helpers.tempdir() as d:
            rc, out, err = bench(d, "--workloads", "sum", "--variants", "openmp",
                                 "--workers", "2", "--no-plots", "--binary",
                                 "sum_serial=" + broken)
            self.assertEqual(rc, 1, out + err)
            self.assertIn("workload sum (array mode), variant serial, 1 worker: result", err)
            self.assertIn("!= closed form", err)
            self.assertIn("variant openmp, 2 workers: result", err)
            self.assertIn("!= serial reference", err)


if __name__ == "__main__":
    if not BUILT:
        print("skip: no parlab programs in %s (build first)" % BUILD)
        sys.exit(77)
    unittest.main(verbosity=2)
