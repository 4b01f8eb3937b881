"""Meson's test logs (meson-logs/testlog.json, one JSON object per test) into the lines that end
every `./parlab test`: the 10 slowest tests, every failed test with the last lines of its output,
the total time, and last the one line that CI reads, "N passed, N failed, N skipped".

Why here and not in ./parlab: a few lines of Python inside a shell heredoc are code that no
test runs; here harness/tests/test_testlog.py does.  Why the slowest tests: a suite with a time
budget (docs/testing.md) needs to show where its time goes, on every run.  Why the failures again,
next to the count: a run prints thousands of lines, and whoever reads only its end (CI keeps the
end) must still learn what failed and why, without the build directory.  Exit status: 0 when
something passed and nothing failed; 1 otherwise (no test at all is a failure too: a suite that
ran nothing proves nothing); 2 for a log that cannot be read.
"""
import json
import os
import sys

PASSED = ("OK", "EXPECTEDFAIL")
SKIPPED = ("SKIP",)
SLOWEST = 10
FAILED_SHOWN = 10        # failed tests shown with their output; the rest by name only
TAIL_LINES = 8           # the last lines of a failed test's output
LINE_CHARS = 200         # a longer output line is cut, and says so


def build_of(path):
    """'build-test-clang' for build-test-clang/meson-logs/testlog.json."""
    return os.path.basename(os.path.dirname(os.path.dirname(os.path.abspath(path))))


def read(paths):
    """Every test of every log: dicts with build, name, result and duration (seconds)."""
    tests = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    t = json.loads(line)
                    test = {"build": build_of(path), "name": str(t["name"]),
                            "result": t["result"], "duration": float(t.get("duration") or 0),
                            "output": str(t.get("stdout") or "") + str(t.get("stderr") or "")}
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise ValueError("%s:%d: not a meson test log line (%s)" % (path, lineno, exc))
                tests.append(test)
    return tests


def count(paths):
    """(passed, failed, skipped) over every test of every log."""
    return tally(read(paths))


def tally(tests):
    passed = sum(1 for t in tests if t["result"] in PASSED)
    skipped = sum(1 for t in tests if t["result"] in SKIPPED)
    return passed, len(tests) - passed - skipped, skipped


def minutes(seconds):
    seconds = int(round(seconds))
    return "%d min %02d s" % divmod(seconds, 60) if seconds >= 60 else "%d s" % seconds


def summary(tests, elapsed=None):
    """The closing lines, the count last."""
    lines = ["the %d slowest tests:" % min(SLOWEST, len(tests))]
    for t in sorted(tests, key=lambda t: -t["duration"])[:SLOWEST]:
        # meson names a test "project:suite+suite / name"
        name = t["name"].split(":", 1)[-1]
        lines.append("  %7.1f s  %-22s %s%s" % (t["duration"], t["build"], name,
                                               "" if t["result"] in PASSED + SKIPPED
                                               else "  (%s)" % t["result"]))
    lines += failures(tests)
    test_time = sum(t["duration"] for t in tests)
    builds = len({t["build"] for t in tests})
    lines.append("total: %s%s of test time, %d tests in %d build%s"
                 % (minutes(elapsed) + " (building too), " if elapsed is not None else "",
                    minutes(test_time), len(tests), builds, "" if builds == 1 else "s"))
    lines.append("%d passed, %d failed, %d skipped" % tally(tests))
    return lines


def failures(tests):
    """Every failed test, the first FAILED_SHOWN with the last lines of their output."""
    failed = [t for t in tests if t["result"] not in PASSED + SKIPPED]
    if not failed:
        return []
    lines = ["the %d failed test%s:" % (len(failed), "" if len(failed) == 1 else "s")]
    for i, t in enumerate(failed):
        lines.append("  %s  %s  %s (%.1f s)" % (t["result"], t["build"], t["name"].split(":", 1)[-1],
                                                t["duration"]))
        if i >= FAILED_SHOWN:
            continue
        tail = [l for l in t["output"].splitlines() if l.strip()][-TAIL_LINES:]
        for line in tail:
            line = "".join(c if c.isprintable() else "?" for c in line)
            lines.append("      | " + (line if len(line) <= LINE_CHARS
                                       else line[:LINE_CHARS] + " [cut]"))
        if not tail:
            lines.append("      | (no output)")
    return lines


def main(paths, out=None, elapsed=None):
    out = out or sys.stdout
    try:
        tests = read(paths)
    except (OSError, ValueError) as exc:
        sys.stderr.write("parlab count-tests: %s\n" % exc)
        return 2
    out.write("\n".join(summary(tests, elapsed)) + "\n")
    passed, failed, _ = tally(tests)
    return 1 if failed or not passed else 0
