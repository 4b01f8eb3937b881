"""Counts meson's test logs (meson-logs/testlog.json, one JSON object per test) into the one
closing line that CI reads: "N passed, N failed, N skipped".

Why here and not in ./parlab: a few lines of Python inside a shell heredoc are code that no
test runs; here harness/tests/test_testlog.py does.  Exit status: 0 when something passed and
nothing failed; 1 otherwise (no test at all is a failure too: a suite that ran nothing proves
nothing); 2 for a log that cannot be read.
"""
import json
import sys

PASSED = ("OK", "EXPECTEDFAIL")
SKIPPED = ("SKIP",)


def count(paths):
    """(passed, failed, skipped) over every test of every log."""
    passed = failed = skipped = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    result = json.loads(line)["result"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError("%s:%d: not a meson test log line (%s)" % (path, lineno, exc))
                if result in PASSED:
                    passed += 1
                elif result in SKIPPED:
                    skipped += 1
                else:
                    failed += 1
    return passed, failed, skipped


def main(paths, out=None):
    out = out or sys.stdout
    try:
        passed, failed, skipped = count(paths)
    except (OSError, ValueError) as exc:
        sys.stderr.write("parlab count-tests: %s\n" % exc)
        return 2
    out.write("%d passed, %d failed, %d skipped\n" % (passed, failed, skipped))
    return 1 if failed or not passed else 0
