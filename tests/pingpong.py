#!/usr/bin/env python3
"""The ping-pong (comm/pingpong.c) end to end, under this build's MPI (suite 'pingpong', and
'mpi', which ./parlab test also runs in its MPICH build).

Why a script of its own: the ping-pong is not a workload (tests/check.py's checks are the
registry's), and its contract is its own: one JSON line with a row per size, exit 1 with one
line when a message arrives wrong, exit 2 with one line for bad input and for any rank count but
2.  Launches go through the harness's one launcher (pharness/launch.py).  Few sizes and few
round trips: this checks the program, never its times (docs/testing.md).

  pingpong.py run      PROGRAM --launcher MPIEXEC   the JSON line, the table, --describe
  pingpong.py corrupt  PROGRAM --launcher MPIEXEC   --corrupt must be caught: exit 1, one line
  pingpong.py badinput PROGRAM --launcher MPIEXEC   exit 2, one line naming the flag, no stdout
"""
import argparse
import concurrent.futures
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "harness"))
from pharness import launch  # noqa: E402

TIMEOUT = 120
FIELDS = {"program", "variant", "ranks", "min_size", "max_size", "iterations", "warmup",
          "verified", "sizes", "clock", "timer_resolution", "cores", "oversubscribed", "hosts",
          "host", "compiler", "compiler_version", "mpi_library", "version"}
SIZE_FIELDS = {"bytes", "iterations", "warmup", "latency_min", "latency_median", "latency_max",
               "bandwidth_gbs"}
# The runtime's own warning, not the program's line (tests/check.py: RUNTIME_NOISE)
RUNTIME_NOISE = re.compile(r"^\[warn\] Epoll [A-Z]+\(\d+\) on fd \d+ failed")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(opts, args, ranks=2, quiet=False):
    """(exit status, stdout, stderr) of one launch; ranks=0: started directly (a singleton)."""
    if ranks:
        argv, env = launch.command("mpi", opts.program, args, ranks=ranks, oversubscribed=True,
                                   launcher=opts.launcher,
                                   flavor=launch.flavor_of_launcher(opts.launcher))
    else:
        argv, env = [opts.program] + list(args), {}
    if not quiet:
        print("$ " + " ".join(argv))
    try:
        code, out, err, _ = launch.run(argv, env, TIMEOUT, watch=opts.program,
                                       deadlock_check=bool(ranks))
    except launch.LaunchError as exc:
        fail("%s: %s" % (" ".join(argv), exc))
    return code, out, err


def check_run(opts):
    low, high, trips, warm = 1, 128 * 1024, 20, 2
    code, out, err = run(opts, ["--min-size", str(low), "--max-size", str(high),
                                "--iterations", str(trips), "--warmup", str(warm), "--json"])
    if code != 0:
        fail("exit %d: %s" % (code, err.strip()))
    lines = out.splitlines()
    if len(lines) != 1:
        fail("--json must print exactly one line, got %d:\n%s" % (len(lines), out))
    rec = json.loads(lines[0])
    missing = FIELDS - set(rec)
    if missing:
        fail("JSON lacks %s" % sorted(missing))
    problems = []
    if (rec["program"], rec["ranks"], rec["verified"]) != ("pingpong", 2, True):
        problems.append("program/ranks/verified: %s" % [rec["program"], rec["ranks"],
                                                         rec["verified"]])
    want = [1 << k for k in range(low.bit_length() - 1, high.bit_length())]
    got = [s.get("bytes") for s in rec["sizes"]]
    if got != want:
        problems.append("sizes %s, expected the powers of two %s" % (got, want))
    for s in rec["sizes"]:
        if SIZE_FIELDS - set(s):
            problems.append("size %s lacks %s" % (s.get("bytes"), sorted(SIZE_FIELDS - set(s))))
            continue
        large = s["bytes"] > 64 * 1024  # OSU's rule: a tenth of the round trips
        if (s["iterations"], s["warmup"]) != ((trips + 9) // 10 if large else trips,
                                              (warm + 9) // 10 if large else warm):
            problems.append("size %d: %d round trips after %d, against the rule"
                            % (s["bytes"], s["iterations"], s["warmup"]))
        if not 0 < s["latency_min"] <= s["latency_median"] <= s["latency_max"]:
            problems.append("size %d: not 0 < min <= median <= max: %s"
                            % (s["bytes"], [s["latency_min"], s["latency_median"],
                                            s["latency_max"]]))
        elif abs(s["bandwidth_gbs"] - s["bytes"] / s["latency_median"] / 1e9) > \
                1e-4 * s["bandwidth_gbs"]:
            problems.append("size %d: bandwidth %s is not bytes / median"
                            % (s["bytes"], s["bandwidth_gbs"]))
    hosts = rec["hosts"]
    if len(hosts) != 1 or hosts[0].get("ranks") != 2:
        problems.append("hosts %s: expected one host with both ranks" % hosts)
    elif rec["oversubscribed"] is not (hosts[0]["cpus"] < 2):
        problems.append("oversubscribed %s with %s usable cores" % (rec["oversubscribed"],
                                                                   hosts[0]["cpus"]))
    # the human table: a header, one row per size, and the check line counting every message
    code, out, err = run(opts, ["--max-size", "4", "--iterations", "3", "--warmup", "1"])
    rows = [l for l in out.splitlines() if re.match(r"^\s+\d+\s+\d+\s+[\d.]+", l)]
    if code != 0 or [int(r.split()[0]) for r in rows] != [1, 2, 4]:
        problems.append("the table (exit %d) has rows %s, expected sizes 1, 2, 4:\n%s%s"
                        % (code, [r.split()[0] for r in rows], out, err))
    if "Check: all %d messages arrived as sent" % (3 * 2 * (3 + 1)) not in out:
        problems.append("no 'Check: all 24 messages arrived as sent' line:\n" + out)
    # --describe, without mpiexec (a singleton), like every parlab program
    code, out, err = run(opts, ["--describe"], ranks=0)
    try:
        desc = json.loads(out)
        flags = [o["flag"] for o in desc["options"]]
    except (ValueError, KeyError, TypeError) as exc:
        problems.append("--describe: not the expected JSON line (%s): %r" % (exc, out))
    else:
        if code != 0 or out.count("\n") != 1 or not {"--min-size", "--max-size", "--iterations",
                                                     "--warmup", "--json"} <= set(flags):
            problems.append("--describe: exit %d, flags %s" % (code, flags))
    if problems:
        fail("\n".join(problems))
    print("ok: %d sizes, the table, --describe" % len(rec["sizes"]))


def check_corrupt(opts):
    """A flipped bit in one message must end the run: exit 1, nothing on stdout (no
    measurement of a broken transport), one line that names the message and the byte."""
    cases = [["--max-size", "1", "--iterations", "3", "--warmup", "0"],      # a lone tail byte
             ["--max-size", "131072", "--iterations", "2", "--warmup", "1", "--json"]]
    problems = []
    for args in cases:
        code, out, err = run(opts, args + ["--corrupt"])
        lines = [l for l in err.splitlines() if not RUNTIME_NOISE.match(l)]
        size = int(args[args.index("--max-size") + 1])
        byte = "byte %d is" % (size - 1)
        if code != 1 or out or len(lines) != 1 or "corrupted" not in lines[0] \
                or byte not in lines[0]:
            problems.append("%s --corrupt: exit %d (want 1), stdout %r (want nothing), stderr "
                            "%r (want one line with 'corrupted' and %r)"
                            % (" ".join(args), code, out, err, byte))
        else:
            print("  ok   " + lines[0])
    if problems:
        fail("\n".join(problems))


def check_badinput(opts):
    # The parser does not depend on MPI: every case runs without mpiexec (a singleton parses
    # before it counts its ranks), and the few that show what MPI changes (rank 0 alone speaks,
    # every rank exits 2, a line through the launcher's forwarding) also at 2 ranks.
    flag_cases = [
        (["--min-size", "3"], "--min-size"), (["--max-size", "134217728"], "--max-size"),
        (["--min-size", "1024", "--max-size", "512"], "--max-size"),
        (["--min-size", "8388608"], "--min-size"), (["--iterations", "0"], "--iterations"),
        (["--warmup", "1", "--warmup", "2"], "--warmup"), (["--json=1"], "--json"),
        (["-n", "5"], "-n"), (["extra"], "extra"), (["--max-size", "1k"], "--max-size"),
    ]
    through_mpiexec = [(["--iterations"], "--iterations"), (["--frobnicate"], "--frobnicate"),
                       (["--bad\nline"], "\\x0a"), (["--warmup", "x" * 3000], "--warmup")]
    runs = [(args, flag, 0) for args, flag in flag_cases]
    runs += [(args, flag, 2) for args, flag in through_mpiexec]
    runs += [([], "2 MPI ranks", r) for r in (0, 1, 3)]          # any rank count but 2

    def one(case, retried=False):
        args, flag, ranks = case
        code, out, err = run(opts, args, ranks=ranks, quiet=True)
        lines = err.splitlines()
        if not retried and any(RUNTIME_NOISE.match(l) for l in lines):
            return one(case, retried=True)
        why = []
        if code != 2:
            why.append("exit %s, want 2" % code)
        if out:
            why.append("stdout not empty: %r" % out)
        if len(lines) != 1:
            why.append("stderr has %d lines, want 1: %r" % (len(lines), err))
        elif flag not in lines[0]:
            why.append("stderr does not name %r: %r" % (flag, lines[0]))
        return case, lines, why

    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        for (args, flag, ranks), lines, why in pool.map(one, runs):
            where = "direct " if ranks == 0 else "np%d " % ranks
            print(("  ok   " if not why else "  BAD  ") + where + repr(args)[:60] + " -> "
                  + (lines[0][:110] if lines else "(nothing)"))
            if why:
                problems.append("%s%r: %s" % (where, args, "; ".join(why)))
    print("%d runs" % len(runs))
    if problems:
        fail("\n".join(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("check", choices=["run", "corrupt", "badinput"])
    ap.add_argument("program")
    ap.add_argument("--launcher", required=True)
    opts = ap.parse_args()
    {"run": check_run, "corrupt": check_corrupt, "badinput": check_badinput}[opts.check](opts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
