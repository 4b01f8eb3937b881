#!/usr/bin/python3
"""`./parlab pingpong`: the alpha-beta fit (pharness/pingpong.py) on times made from known alpha
and beta, and, with PARLAB_BUILD, the whole command on the build's ping-pong at a tiny size."""
import os
import subprocess
import sys
import tempfile
import unittest

import helpers
from pharness import pingpong


def sizes(alpha, beta, noise=()):
    """The program's "sizes" list for T(m) = alpha + m/beta, each time times (1 + noise[k])."""
    out = []
    for k in range(23):
        m = 1 << k
        t = (alpha + m / beta) * (1 + (noise[k % len(noise)] if noise else 0))
        out.append({"bytes": m, "iterations": 10, "warmup": 1, "latency_min": t,
                    "latency_median": t, "latency_max": t, "bandwidth_gbs": m / t / 1e9})
    return out


class Fit(unittest.TestCase):
    def test_exact_model(self):
        got = pingpong.fit(sizes(1.5e-6, 10e9))
        self.assertAlmostEqual(got["alpha"] / 1.5e-6, 1, places=9)
        self.assertAlmostEqual(got["beta"] / 10e9, 1, places=9)
        self.assertLess(got["max_abs_residual"], 1e-9)
        self.assertAlmostEqual(got["half_size"], 1.5e-6 * 10e9, delta=1e-3)

    def test_relative_noise_moves_alpha_little(self):
        # +-10% on every size: plain least squares would let the 4 MiB point's 10% (40 us)
        # swamp alpha (1.5 us); the relative fit keeps it within the noise
        got = pingpong.fit(sizes(1.5e-6, 10e9, noise=(0.1, -0.1, 0.05, -0.05)))
        self.assertLess(abs(got["alpha"] / 1.5e-6 - 1), 0.15)
        self.assertLess(abs(got["beta"] / 10e9 - 1), 0.15)
        self.assertGreater(got["max_abs_residual"], 0.04)

    def test_no_fit(self):
        self.assertIsNone(pingpong.fit(sizes(1e-6, 1e9)[:1]))
        # times that shrink with the size: no positive alpha and beta describe them
        falling = sizes(1e-6, 1e9)
        for s in falling:
            s["latency_median"] = 1e-3 / s["bytes"]
        self.assertIsNone(pingpong.fit(falling))

    def test_report_names_alpha_beta_and_oversubscription(self):
        rec = {"sizes": sizes(2e-6, 5e9), "hosts": [{"host": "h", "ranks": 2, "cpus": 1}],
               "mpi_library": "X", "oversubscribed": True}
        text = pingpong.report_text("shared memory", rec, pingpong.fit(rec["sizes"]))
        self.assertIn("alpha = 2 us, beta = 5 GB/s", text)
        self.assertIn("oversubscribed", text)
        self.assertEqual(len([l for l in text.splitlines() if l.strip()[:1].isdigit()]), 23)


@unittest.skipUnless(os.environ.get("PARLAB_BUILD") and os.access(
    os.path.join(os.environ.get("PARLAB_BUILD", ""), "pingpong"), os.X_OK),
    "PARLAB_BUILD with a pingpong program")
class Command(unittest.TestCase):
    def test_tiny_run(self):
        with tempfile.TemporaryDirectory() as out:
            p = subprocess.run([sys.executable, helpers.SCRIPT, "pingpong", "--build",
                                os.environ["PARLAB_BUILD"], "--max-size", "4096",
                                "--iterations", "5", "--warmup", "1", "--out", out],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertRegex(p.stdout, r"alpha = \S+ us, beta = \S+ GB/s|no fit:")
            for ext in ("json", "png", "svg", "dat", "gp"):
                self.assertTrue(os.path.getsize(os.path.join(out, "pingpong." + ext)) > 0, ext)

    def test_bad_size_is_the_programs_line(self):
        p = subprocess.run([sys.executable, helpers.SCRIPT, "pingpong", "--build",
                            os.environ["PARLAB_BUILD"], "--min-size", "3", "--no-plot"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
        self.assertIn("--min-size", p.stderr)


if __name__ == "__main__":
    unittest.main()
