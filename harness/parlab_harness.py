#!/usr/bin/env python3
"""parlab harness: run the serial / OpenMP / MPI / hybrid programs, check that their answers
agree, record timings with provenance, report, plot and compare.

  bench    run workloads x variants x worker counts; check; record; table; plots
  perf     the kernels against the bandwidth roof, the seed's Python and numpy; targets
  report   tables (time, speedup, efficiency, GB/s, Amdahl fit; perf targets) from results files
  plot     speedup / efficiency / time figures (PNG + SVG, gnuplot) from a results file
  compare  two results files: ratio table, flags time regressions beyond a tolerance
  pitfall  the pitfall lab: classic bugs, each with the tool that catches it (pitfalls/)
  pingpong the cost of a message: ping-pong between 2 ranks, the alpha-beta fit, a plot
  count-tests  meson's test logs -> the 10 slowest tests, the total time and, last, the line
               "N passed, N failed, N skipped" (for ./parlab test)
  check    an exercise: build, run and detect; "done", or the first reason why not, and a hint
  grade    every submission of an exercise under DIR: DIR/grades.csv and a summary
  handout  a copy of parlab for students: the exercises without their solutions (--site: and
           the course's website, built from the copy)
  site     the course as a static website from the repository's Markdown (docs/site.md);
           --serve serves it on localhost

Exit status: 0 fine; 1 a disagreement, failed run or flagged regression; 2 usage error or
an unreadable results file.  Python 3 standard library only.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pharness import bench, compare, perf, pitfall, records, registry, report, testlog  # noqa: E402
from pharness import exercises  # noqa: E402

# The exercise commands answer bad usage with one line naming the flag, like parlab's programs.
EXERCISE_COMMANDS = ("check", "grade", "handout")

DEFAULT_RESULTS = os.path.join("results", "runs.jsonl")


def _csv_list(text):
    return [x.strip() for x in text.split(",") if x.strip()]


def _int_list(text):
    try:
        vals = [int(x) for x in _csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError("expected a comma-separated list of integers, got %r"
                                         % text)
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError("worker counts must be integers >= 1")
    return sorted(set(vals))


def _int_list_ordered(text):
    try:
        vals = [int(float(x)) for x in _csv_list(text)]
    except ValueError:
        raise argparse.ArgumentTypeError("expected comma-separated whole numbers, got %r" % text)
    if any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError("sizes must be whole numbers >= 1")
    return vals


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected an integer, got %r" % text)
    if v < 1:
        raise argparse.ArgumentTypeError("expected an integer >= 1, got %d" % v)
    return v


def _number(minimum, inclusive):
    """An argparse type: a number >= minimum (inclusive) or > minimum."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError("expected a number, got %r" % text)
        if not (v >= minimum if inclusive else v > minimum):
            raise argparse.ArgumentTypeError("expected a number %s %g, got %r"
                                             % (">=" if inclusive else ">", minimum, text))
        return v
    return parse


_positive_float = _number(0, inclusive=False)
_nonneg_float = _number(0, inclusive=True)


def _percent(text):
    """A percentage in (0, 100), as a fraction: '5' -> 0.05."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a percentage between 0 and 100, got %r"
                                         % text)
    if not 0 < v < 100:
        raise argparse.ArgumentTypeError("expected a percentage between 0 and 100, got %r"
                                         % text)
    return v / 100


def _binary(text):
    if "=" not in text:
        raise argparse.ArgumentTypeError("expected VARIANT=PATH or PROGRAM=PATH "
                                         "(e.g. openmp=./my_sum or sum_openmp=./my_sum)")
    key, path = text.split("=", 1)
    known = set(registry.VARIANTS) | {w.program_name(v) for w in registry.WORKLOADS.values()
                                      for v in registry.VARIANTS}
    if key not in known:
        raise argparse.ArgumentTypeError("unknown variant or program %r (variants: %s)"
                                         % (key, ", ".join(bench.VARIANTS)))
    return key, path


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr ('parlab check: --seed: expected a
    whole number, got 'x''), exit status 2."""

    command = None  # set by main(): the top-level parser reports unknown arguments too

    def error(self, message):
        message = message.replace("argument ", "", 1)
        prog = self.prog if self.prog != "parlab" or not self.command else (
            "parlab " + self.command)
        self.exit(2, "%s: %s\n" % (prog, " ".join(message.split())))


def _exercise(text):
    found = exercises.find(text)
    if found is None:
        raise argparse.ArgumentTypeError("expected an exercise number or name (%s), got %r" % (
            ", ".join(e.number for e in exercises.EXERCISES), text))
    return found


def _port(text):
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError("expected a port from 0 (any free one) to 65535, got %r"
                                         % text)
    return int(text)


def _seed(text):
    if not text.isdigit():
        raise argparse.ArgumentTypeError("expected a whole number, got %r" % text)
    return int(text)


def _source(text):
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError("expected a C file, got %r (no such file)" % text)
    return text


def _folder(text):
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError("expected a directory, got %r (no such directory)" % text)
    return text


def add_exercise_commands(sub):
    k = sub.add_parser("check", help="check an exercise: done, or the first reason why not",
                       description="Builds the student's file with gcc and clang at -Wall "
                       "-Wextra -Werror, runs it at several thread and rank counts with sizes "
                       "drawn at random, checks each answer, runs ThreadSanitizer (OpenMP) and "
                       "the hang detector (MPI), and prints one line per check, then 'done' or "
                       "the first reason why not with a hint.  Timings are information only.  "
                       "Exit status: 0 done, 1 not done, 2 bad usage, 3 inconclusive (a timed "
                       "check that a busy machine left undecided).")
    k.add_argument("exercise", type=_exercise, metavar="NN",
                   help="the exercise: 01..%s, or its folder's name"
                   % exercises.EXERCISES[-1].number)
    k.add_argument("--file", type=_source, metavar="PATH",
                   help="the student's file (default: exercises/NN-name/student.c)")
    k.add_argument("--seed", type=_seed, help="draw the same sizes as an earlier check")
    k.add_argument("--full", action="store_true",
                   help="the full matrix: every thread or rank count from 1 to 8")
    k.add_argument("--mpi", choices=["openmpi", "mpich"], default="openmpi",
                   help="the MPI library to build and run with (default %(default)s)")
    k.add_argument("--mpiexec", metavar="PATH", help="the MPI launcher (default: the one that "
                   "belongs to the library, e.g. mpiexec.openmpi, else mpiexec on PATH)")
    k.add_argument("--run-timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                   help="seconds allowed per run of the program (default %(default)g)")
    k.add_argument("--no-speed", dest="speed", action="store_false",
                   help="do not run the timed check of exercises 02, 03, 05 and 06 (a busy "
                   "machine; docs/exercises.md, \"Speed\"): the others decide")
    k.add_argument("--keep", metavar="DIR",
                   help="keep the programs the check built in DIR, to run them by hand")
    k.add_argument("--sandbox-user", metavar="USER", help=argparse.SUPPRESS)
    k.add_argument("--sandbox-processes", type=_positive_int, default=256, help=argparse.SUPPRESS)
    k.add_argument("--workdir", metavar="DIR", help=argparse.SUPPRESS)
    k.add_argument("--verdict-fd", type=int, help=argparse.SUPPRESS)

    g = sub.add_parser("grade", help="check every submission under DIR; DIR/grades.csv",
                       description="Checks every student's submission of exercise NN (DIR "
                       "holds one folder per student, with that student's .c file), each in "
                       "its own scratch copy, as an unprivileged user, under ulimits and a time "
                       "limit, and writes DIR/grades.csv, DIR/grades.log and a summary table.  "
                       "Run it as root for the full sandbox (docs/grading.md).")
    g.add_argument("exercise", type=_exercise, metavar="NN", help="the exercise")
    g.add_argument("dir", type=_folder, metavar="DIR", help="one folder per student")
    g.add_argument("--seed", type=_seed, help="the sizes' seed (default: a new one, printed)")
    g.add_argument("--time-limit", type=_positive_float, default=180.0, metavar="SECONDS",
                   help="seconds allowed for one submission's whole check (default %(default)g)")
    g.add_argument("--run-timeout", type=_positive_float, default=20.0, metavar="SECONDS",
                   help="seconds allowed per run of a program (default %(default)g)")
    g.add_argument("--no-speed", dest="speed", action="store_false",
                   help="grade without the timed check of exercises 02, 03, 05 and 06, e.g. "
                   "on a shared machine, and time them later (docs/grading.md)")
    g.add_argument("--scratch-mb", type=_positive_int, default=256, metavar="MIB",
                   help="size of each submission's scratch file system (default %(default)s)")
    g.add_argument("--max-processes", type=_positive_int, default=256, metavar="N",
                   help="processes and threads the grader user may have at once, the "
                   "submission's compiler, MPI launcher and ranks included (default %(default)s)")
    g.add_argument("--memory-mb", type=_positive_int, default=2048, metavar="MIB",
                   help="memory for one submission's whole check, its compilers, launcher and "
                   "ranks included (a cgroup; default %(default)s)")
    g.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="submissions checked at once (default %(default)s; more needs root, "
                   "namespaces and cgroups, as each check then has its own)")
    g.add_argument("--user", default="parlab-grader",
                   help="the unprivileged user that runs submissions (default %(default)s; "
                   "created if missing)")

    h = sub.add_parser("handout", help="copy parlab for students, without the solutions",
                       description="Copies the repository into DIR (new or empty) without "
                       "the exercises' solution/ and wrong/ folders.")
    h.add_argument("dir", metavar="DIR", help="where to write the copy (new or empty)")
    h.add_argument("--site", action="store_true",
                   help="also build the course's website from the copy, so without the "
                   "solutions: DIR/build-site/html (docs/site.md)")


def build_parser(one_line=False):
    parser_class = OneLineParser if one_line else argparse.ArgumentParser
    p = parser_class(prog="parlab", description=__doc__.split("\n\n")[0],
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", parser_class=parser_class,
                           metavar="{bench,perf,report,plot,compare,pitfall,pingpong,check,grade,handout,site}")
    sub.required = True

    b = sub.add_parser("bench", help="run the matrix, check answers, record, table, plots",
                       description="Run workloads x variants x worker counts, check every "
                       "answer bit for bit against the serial run and the closed form, append "
                       "one record per run to the results file, print a table per workload "
                       "and draw plots.  Presets: " + "; ".join(
                           "%s = %s" % (k, v["about"]) for k, v in bench.PRESETS.items()))
    b.add_argument("--preset", choices=sorted(bench.PRESETS), default=bench.DEFAULT_PRESET,
                   help="named sizes (default %(default)s)")
    b.add_argument("--workloads", type=_csv_list,
                   help="comma list from: %s (default: the preset's)" % ", ".join(bench.WORKLOADS))
    b.add_argument("--variants", type=_csv_list,
                   help="comma list from: %s (default: every variant whose program exists; "
                   "serial always runs as the reference)" % ", ".join(bench.VARIANTS))
    b.add_argument("--workers", type=_int_list,
                   help="comma list of worker counts (threads, ranks, or ranks x threads); "
                   "default 1,2,4,.. up to the usable cores, plus 2 x cores (oversubscribed)")
    b.add_argument("--repeat", type=_positive_int, help="timed repetitions per configuration, "
                   "shared out over the rounds, each run after one untimed warm-up (default: "
                   "the preset's)")
    b.add_argument("--rounds", type=_positive_int, help="run the whole matrix this many times, "
                   "each round in a new shuffled order, so that drift is shared by every "
                   "variant (default: the preset's; docs/timing.md)")
    b.add_argument("--seed", type=_seed, help="the seed of the rounds' order (default: a new "
                   "one, printed and recorded)")
    b.add_argument("--ci-within", type=_percent, metavar="PERCENT",
                   help="after --rounds, run more rounds until every median's 95%% confidence "
                   "interval is within +-PERCENT of it, up to --max-rounds")
    b.add_argument("--max-rounds", type=_positive_int, default=10,
                   help="the cap for --ci-within (default %(default)s)")
    b.add_argument("-n", "--n", dest="n", type=_positive_int, help="array size (overrides preset)")
    b.add_argument("--tasks", type=_positive_int, help="sum: number of tasks (overrides preset)")
    b.add_argument("--delay", type=_nonneg_float,
                   help="seed workload: seconds of simulated work per number")
    b.add_argument("--hybrid-threads", type=_positive_int,
                   help="hybrid: threads per rank (default: the most square ranks x threads)")
    b.add_argument("--build", default="build", help="build directory holding the programs "
                   "(default: ./build)")
    b.add_argument("--binary", type=_binary, action="append", default=[], metavar="VARIANT=PATH",
                   help="run PATH for a variant (all workloads) or for one program, e.g. "
                   "openmp=./x or sum_openmp=./x; repeatable")
    b.add_argument("--mpiexec", help="MPI launcher (default: the one matching the library the "
                   "MPI program links, e.g. mpiexec.openmpi)")
    b.add_argument("--results", default=DEFAULT_RESULTS,
                   help="JSON Lines file to append to (default: %(default)s); a CSV view is "
                   "written next to it")
    b.add_argument("--plots", help="directory for this run's plots (default: 'plots' next to "
                   "the results file)")
    b.add_argument("--no-plots", dest="plots", action="store_const", const="",
                   help="do not draw plots")
    b.add_argument("--timeout", type=_positive_float,
                   help="seconds allowed per program run (default: the preset's)")
    b.add_argument("--label", help="free text stored in every record (e.g. laptop, cluster)")
    b.add_argument("--no-bind", dest="bind", action="store_false",
                   help="do not set OMP_PLACES=cores OMP_PROC_BIND=close for OpenMP runs "
                   "(use when other jobs share the cores)")
    b.add_argument("--no-scaling-check", dest="scaling_check", action="store_false",
                   help="skip the extra serial run at 2n that detects loops folded into "
                   "formulas")
    b.add_argument("--scaling", choices=("strong", "weak"), default="strong",
                   help="strong: one size for every worker count (speedup, Amdahl); weak: the "
                   "size grows with the workers, p times the preset's at p workers (an array's "
                   "-n, a grid's rows), and the table gives the weak-scaling efficiency: the "
                   "serial time at the preset's size over each variant's at p times it "
                   "(Gustafson)")
    b.add_argument("--no-naive", dest="naive", action="store_false",
                   help="fsum: skip the --naive demonstration runs")
    b.add_argument("--dry-run", action="store_true",
                   help="print the command lines (with their environment) and exit")
    b.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    pf = sub.add_parser("perf", help="the kernels against the bandwidth roof, Python and numpy",
                        description=perf.__doc__.split("\n\n")[1],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    pf.add_argument("--build", default="build", help="build directory (default: ./build)")
    pf.add_argument("--results", default="results", help="directory for perf-<date>.jsonl, "
                    ".txt and the plots (default: %(default)s)")
    pf.add_argument("-n", "--n", dest="n", type=_positive_int, default=50_000_000,
                    help="values per array for the bandwidth rows (default 5e7 = 400 MB)")
    pf.add_argument("--tasks", type=_positive_int, default=4,
                    help="sum tasks per timed run (default 4)")
    pf.add_argument("--heavy-n", type=_positive_int, default=100_000_000,
                    help="heavy: values per task (default 1e8; tasks = 2 x workers)")
    pf.add_argument("--repeat", type=_positive_int, default=5,
                    help="timed runs inside each program (default 5; the median is used)")
    pf.add_argument("--rounds", type=_positive_int, default=6,
                    help="rounds of every measurement; ratios are medians over them, with their "
                    "95%% confidence interval (>= 6)")
    pf.add_argument("--sizes", type=_int_list_ordered, default=[10**6, 10**7, 10**8, 10**9],
                    help="n for the cost-against-size rows (comma-separated; default "
                    "1000000,10000000,100000000,1000000000)")
    pf.add_argument("--workers", type=_positive_int,
                    help="largest worker count (default: the usable cores)")
    pf.add_argument("--python", default="/usr/bin/python3" if os.path.exists("/usr/bin/python3")
                    else sys.executable, help="Python for the seed and numpy (default: Debian's)")
    pf.add_argument("--mpiexec", help="MPI launcher (default: the one matching the library "
                    "sum_mpi links)")
    pf.add_argument("--label", help="free text stored in every record")
    pf.add_argument("--smoke", action="store_true",
                    help="tiny sizes and 1 round: checks that perf runs, not the machine")

    r = sub.add_parser("report", help="tables from a results file",
                       description="Per workload: time median with its 95% confidence "
                       "interval, speedup over the fastest one-worker run, efficiency, GB/s for memory-bound runs, and a fitted Amdahl "
                       "serial fraction.  Exit status 1 if any recorded result disagrees.")
    r.add_argument("files", nargs="*", default=[DEFAULT_RESULTS], metavar="FILE",
                   help="results files (default: %s)" % DEFAULT_RESULTS)
    r.add_argument("--run", help="only records of this run id (prefix), or 'latest'")
    r.add_argument("--output", help="also write the report to this file")
    r.add_argument("--expect-workers", type=_int_list, metavar="1,2,4",
                   help="a sweep's check: every workload must have a record for each of these "
                   "worker counts (with --expect-variants) and for serial; exit 1 if not")
    r.add_argument("--expect-variants", type=_csv_list, metavar="openmp,mpi",
                   help="the variants --expect-workers applies to (default: openmp,mpi)")

    pl = sub.add_parser("plot", help="figures from a results file",
                        description="Speedup (with the ideal line), efficiency and time "
                        "against workers, variants side by side, as PNG and SVG (gnuplot).")
    pl.add_argument("files", nargs="*", default=[DEFAULT_RESULTS], metavar="FILE")
    pl.add_argument("--run", help="only records of this run id (prefix), or 'latest'")
    pl.add_argument("--out", help="output directory (default: 'plots' next to the first file)")

    c = sub.add_parser("compare", help="compare two results files, flag regressions",
                       description=compare.__doc__)
    c.add_argument("old", help="baseline results file")
    c.add_argument("new", help="results file to judge")
    c.add_argument("--tolerance", type=_nonneg_float, default=0.10,
                   help="allowed slowdown as a fraction (default %(default)s = 10%%); a slower cell is flagged only when the two medians' 95%% intervals do not overlap as well")
    c.add_argument("--metric", choices=["median", "min"], default="median",
                   help="which time to compare (default %(default)s)")
    c.add_argument("--include-oversubscribed", action="store_true",
                   help="also judge oversubscribed runs")

    pt = sub.add_parser("pitfall", help="the pitfall lab: a bug, the tool that catches it, why",
                        description=pitfall.ABOUT)
    pt.add_argument("name", nargs="?", metavar="NAME",
                    help="one of: %s (none: list them)" % ", ".join(pitfall.BY_NAME))
    pt.add_argument("--all", action="store_true", help="run every pitfall, then a summary")
    pt.add_argument("--build", metavar="DIR", help="where Meson builds the pitfall programs, "
                    "one build directory per compiler and MPI library (default: build-check/, "
                    "shared with ./parlab check)")
    pt.add_argument("--runs", type=_positive_int, default=pitfall.RUNS,
                    help="runs of each detector, for its catch rate (default %(default)s)")
    pt.add_argument("--names", action="store_true", help="print the names, one a line")
    pt.add_argument("--programs", action="store_true", help=argparse.SUPPRESS)  # for Meson
    pt.add_argument("--alone", action="store_true", help=argparse.SUPPRESS)  # for Meson

    pp = sub.add_parser("pingpong", help="the cost of a message: ping-pong, alpha-beta fit, plot",
                        description="Runs the ping-pong (comm/pingpong.c) between 2 MPI ranks "
                        "on this machine (shared memory) through the harness's launcher, fits "
                        "T(m) = alpha + m/beta to the median one-way times, prints the table, "
                        "alpha, beta and the fit's relative residuals, and draws a PNG and SVG.  "
                        "--two-nodes also runs it across two nodes of the test cluster (TCP "
                        "between network namespaces; root).  docs/messages.md explains it.  "
                        "Exit status: 0 measured, 1 a failed run or a corrupted message, 2 bad "
                        "usage.")
    pp.add_argument("--build", default="build", help="build directory (default: ./build)")
    pp.add_argument("--min-size", type=_positive_int, metavar="BYTES",
                    help="smallest message, a power of two (default: the program's, 1)")
    pp.add_argument("--max-size", type=_positive_int, metavar="BYTES",
                    help="largest message, a power of two (default: the program's, 4 MiB)")
    pp.add_argument("--iterations", type=_positive_int, metavar="N",
                    help="timed round trips per size; above 64 KiB N/10 (default 1000)")
    pp.add_argument("--warmup", type=int, metavar="W",
                    help="untimed round trips per size first; above 64 KiB W/10 (default 100)")
    pp.add_argument("--two-nodes", action="store_true",
                    help="also across node1 and node2 of the test cluster (tests/slurm/"
                    "cluster.sh: starts it, runs, stops it; root, Slurm and munge)")
    pp.add_argument("--yield", dest="yield_when_idle", action="store_true",
                    help="let Open MPI's waiting ranks yield their core, as parlab's other "
                    "runs do (default: they spin, as on a cluster, unless oversubscribed)")
    pp.add_argument("--mpiexec", help="MPI launcher for the one-node run (default: the one "
                    "matching the library the program links)")
    pp.add_argument("--out", default=os.path.join("results", "pingpong"),
                    help="directory for pingpong[-two-nodes].json, .png, .svg, .dat and .gp "
                    "(default: %(default)s)")
    pp.add_argument("--no-plot", dest="plot", action="store_false", help="draw nothing")
    pp.add_argument("--timeout", type=_positive_float, default=300.0, metavar="SECONDS",
                    help="seconds allowed per run of the program (default %(default)g)")

    st = sub.add_parser("site", help="the course as a static website (MkDocs), links checked",
                        description="Builds the course's website from the repository's own "
                        "Markdown (README, course plan, exercises, pitfalls, docs) and the "
                        "pictures under results/, into OUT/html, with search that works offline; "
                        "then checks that every link and image resolves, on GitHub and on the "
                        "site.  When results/plots/ has no picture yet, runs the benchmark's "
                        "tiny preset first for them (seconds).  docs/site.md explains it.  Exit "
                        "status: 0 built and every link whole, 1 a broken link or a failed "
                        "build, 2 bad usage.")
    st.add_argument("--out", metavar="DIR",
                    help="where the site is built: DIR/html (default: build-site/ in the "
                    "repository)")
    st.add_argument("--build", help="the programs for the quick demo (default: build/ in the "
                    "repository)")
    st.add_argument("--no-demo", dest="demo", action="store_const", const="no", default="auto",
                    help="never run a demo: the site shows the pictures that exist, and says "
                    "which are missing")
    st.add_argument("--serve", action="store_true",
                    help="then serve the site over HTTP until Ctrl-C (a classroom's browsers)")
    st.add_argument("--bind", default="127.0.0.1",
                    help="address to serve on (default %(default)s; 0.0.0.0 for the room's "
                    "network)")
    st.add_argument("--port", type=_port, default=8000,
                    help="port (default %(default)s; 0: any free one, printed)")

    t = sub.add_parser("count-tests", help="meson test logs -> the slowest tests, the total, "
                       "and last 'N passed, N failed, N skipped'",
                       description=testlog.__doc__)
    t.add_argument("logs", nargs="+", metavar="TESTLOG_JSON")
    t.add_argument("--elapsed", type=_nonneg_float, metavar="SECONDS",
                   help="the whole run's wall time, for the total line")
    add_exercise_commands(sub)
    return p


def _load(files, run=None):
    recs = []
    for f in files:
        recs += records.load(f)
    if run:
        if run == "latest":
            if recs:
                run = recs[-1]["run_id"]
        sel = [r for r in recs if r["run_id"].startswith(run)]
        if not sel:
            raise bench.UsageError("no records with run id %r in %s" % (run, ", ".join(files)))
        recs = sel
    return recs


def run_exercise_command(args):
    from pharness import checker, grade, handout
    import random
    import signal
    # SIGTERM (a time limit, a job's end) unwinds like Ctrl-C: the run that is going on is
    # ended, and the scratch directory removed
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    try:
        if args.command == "check":
            sandbox = None
            if args.sandbox_user:
                if os.geteuid() != 0:
                    sys.stderr.write("parlab check: --sandbox-user: needs root\n")
                    return 2
                sandbox = checker.Sandbox(args.sandbox_user, nproc=args.sandbox_processes)
                checker.init_of_namespace()
            return checker.check(args.exercise, args.file or args.exercise.student(),
                                 seed=args.seed, full=args.full, workdir=args.workdir,
                                 sandbox=sandbox, run_timeout=args.run_timeout, mpi=args.mpi,
                                 keep=args.keep, mpiexec=args.mpiexec,
                                 verdict_fd=args.verdict_fd, timed=args.speed)
        if args.command == "grade":
            if args.seed is None:
                args.seed = random.SystemRandom().randrange(1, 1000000)
            return grade.grade(args.exercise, args.dir, args)
        if args.command == "handout":
            status = handout.handout(args.dir, sys.stdout)
            if status == 0 and args.site:
                from pharness import site
                try:
                    _, problems = site.build(root=args.dir, demo="no")
                except site.SiteError as exc:
                    if isinstance(exc, site.UsageError):
                        raise handout.UsageError("--site: %s" % exc)
                    problems = [str(exc)]
                for p in problems:
                    sys.stderr.write("parlab handout: --site: %s\n" % p)
                status = 1 if problems else 0
            return status
    except (grade.UsageError, handout.UsageError, checker.SetupError) as exc:
        sys.stderr.write("parlab %s: %s\n" % (args.command, exc))
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("parlab %s: interrupted\n" % args.command)
        return 130
    return 2


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    # Bad input is one line on stderr, for every command ('parlab bench: --rounds: expected
    # an integer >= 1, got 0'); with no command at all, argparse's usage says what there is.
    one_line = bool(argv) and not argv[0].startswith("-")
    OneLineParser.command = argv[0] if one_line else None
    args = build_parser(one_line=one_line).parse_args(argv)
    if args.command in EXERCISE_COMMANDS:
        return run_exercise_command(args)
    try:
        if args.command == "bench":
            args.binary = dict(args.binary)
            if args.plots is None:  # beside the results, so a scratch run keeps to its place
                args.plots = os.path.join(os.path.dirname(args.results) or ".", "plots")
            return bench.run_bench(args)
        if args.command == "perf":
            return perf.run_perf(args)
        if args.command == "pitfall":
            def write(text, stream=sys.stdout):
                stream.write(text)
                stream.flush()
            return pitfall.main(args.name, args.all, args.build, args.runs, write,
                                lambda text: write(text, sys.stderr), args.names,
                                args.programs, args.alone)
        if args.command == "pingpong":
            from pharness import pingpong
            try:
                return pingpong.main(args)
            except pingpong.PingpongError as exc:
                sys.stderr.write("parlab pingpong: %s\n" % exc)
                return exc.status
        if args.command == "count-tests":
            return testlog.main(args.logs, elapsed=args.elapsed)
        if args.command == "site":
            from pharness import site
            try:
                html_dir, problems = site.build(out=args.out, demo=args.demo, build=args.build)
            except site.SiteError as exc:
                sys.stderr.write("parlab site: %s\n" % exc)
                return 2 if isinstance(exc, site.UsageError) else 1
            if problems:
                sys.stderr.write("parlab site: %d broken link(s) or missing image(s):\n" %
                                 len(problems))
                for p in problems:
                    sys.stderr.write("  %s\n" % p)
                return 1
            if not args.serve:
                return 0
            try:
                return site.serve(html_dir, args.bind, args.port)
            except OSError as exc:
                sys.stderr.write("parlab site: --bind/--port: cannot serve on %s:%d: %s\n"
                                 % (args.bind, args.port, exc.strerror or exc))
                return 1
        if args.command == "report":
            recs = _load(args.files, args.run)
            text = report.report_text(recs)
            warning = report.load_note(recs)
            if warning:
                text += warning + "\n"
            missing = []
            if args.expect_workers:
                missing = report.missing_records(recs, args.expect_workers,
                                                 args.expect_variants or ["openmp", "mpi"])
                text += ("check: %d records; every workload has serial and %s at %s workers\n"
                         % (len(recs), "/".join(args.expect_variants or ["openmp", "mpi"]),
                            ",".join(map(str, args.expect_workers)))
                         if not missing else "".join("MISSING: %s\n" % m for m in missing))
            sys.stdout.write(text)
            if args.output:
                with open(args.output, "w", encoding="utf-8") as fh:
                    fh.write(text)
            return 0 if report.all_agree(recs) and not missing else 1
        if args.command == "plot":
            from pharness import plots
            recs = _load(args.files, args.run)
            out = args.out or os.path.join(os.path.dirname(args.files[0]) or ".", "plots")
            try:
                files = plots.plot_records(recs, out)
            except plots.PlotError as exc:
                sys.stderr.write("parlab plot: %s\n" % exc)
                return 1
            for f in files:
                print(f)
            return 0
        if args.command == "compare":
            old, new = records.load(args.old), records.load(args.new)
            text, flagged, matched = compare.compare(
                old, new, tolerance=args.tolerance,
                include_oversubscribed=args.include_oversubscribed,
                metric="time_min" if args.metric == "min" else "time_median",
                old_name=args.old, new_name=args.new)
            sys.stdout.write(text)
            if matched == 0:
                return 2
            return 1 if flagged else 0
    except records.ResultsFileError as exc:
        sys.stderr.write("parlab: error: %s\n" % exc)
        return 2
    except bench.UsageError as exc:
        sys.stderr.write("parlab %s: %s\n" % (args.command, exc))
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("parlab: interrupted; records written so far are kept\n")
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
