#!/bin/bash
#SBATCH --job-name=parlab-collect
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab: collect a scaling sweep (jobs/sweep.sh): check that every array task recorded and
# that every variant's result equals the serial one, then write the report and the plots
# next to the records:
#   $PARLAB_RESULTS/<sweep>.jsonl         the records (input)
#   $PARLAB_RESULTS/<sweep>.layout        where each array task ran (input, copied into the report)
#   $PARLAB_RESULTS/<sweep>.report.txt    the report
#   $PARLAB_RESULTS/<sweep>-plots/        speedup / efficiency / time plots
# Submitted by jobs/submit.sh sweep with --dependency=afterok:<array job>, so it only runs
# when every array task succeeded (and is cancelled if one failed).  PARLAB_SWEEP_NAME names
# the sweep (default: the newest results/sweep-*.jsonl).
set -euo pipefail

# sbatch runs a spool copy of this file: find parlab through the submit directory.
PARLAB_ROOT=${PARLAB_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
[[ -f $PARLAB_ROOT/jobs/lib.sh ]] || PARLAB_ROOT=$PARLAB_ROOT/..
# shellcheck source=lib.sh
source "$PARLAB_ROOT/jobs/lib.sh" || { echo "parlab job: cannot find jobs/lib.sh: submit from the parlab checkout or set PARLAB_ROOT" >&2; exit 2; }

parlab_setup
parlab_where
name=${PARLAB_SWEEP_NAME:-}
if [[ -z $name ]]; then
    newest=$(find "$PARLAB_RESULTS" -maxdepth 1 -name 'sweep-*.jsonl' -printf '%T@ %f\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2)
    [[ -n $newest ]] || parlab_die "no $PARLAB_RESULTS/sweep-*.jsonl found; set PARLAB_SWEEP_NAME"
    name=${newest%.jsonl}
fi
file=$PARLAB_RESULTS/$name.jsonl
[[ -s $file ]] || parlab_die "no records in $file"
report=$PARLAB_RESULTS/$name.report.txt
plots=$PARLAB_RESULTS/$name-plots
parlab_log "sweep $name: $(wc -l <"$file") record(s) in $file"

# Completeness and agreement, whatever wrote the records (harness or raw program lines).
python3 - "$file" "${PARLAB_SWEEP_WORKERS:-1 2}" "${PARLAB_SWEEP_VARIANTS:-openmp mpi}" <<'PY'
import json, sys
path, workers, variants = sys.argv[1], [int(w) for w in sys.argv[2].split()], sys.argv[3].split()
recs = [json.loads(l) for l in open(path) if l.strip()]
problems, seen, answers = [], set(), {}
for r in recs:
    w = r.get("workers") or r.get("threads", 1) * r.get("ranks", 1)
    seen.add((r["workload"], r["variant"], w))
    key = (r["workload"], r.get("mode"), r.get("n"), r.get("tasks"))
    # fsum --naive (the harness records it as a demonstration) changes its last bits with the
    # worker count by design: its runs must be verified (within their error bound), not equal
    if r.get("method") != "naive":
        answers.setdefault(key, {}).setdefault(r["result"], []).append("%s/%d" % (r["variant"], w))
    if not r.get("verified", False):
        problems.append("%s %s %d workers: not verified (result %s, expected %s)"
                        % (r["workload"], r["variant"], w, r["result"], r.get("expected")))
for wl in sorted({r["workload"] for r in recs}):
    need = {(wl, "serial", 1)} | {(wl, v, k) for v in variants for k in workers}
    for miss in sorted(need - seen):
        problems.append("missing record: %s %s with %d worker(s)" % miss)
for key, by_result in answers.items():
    if len(by_result) > 1:
        problems.append("results differ for %s: %s" % (key, by_result))
print("# check: %d records, %d workload(s), workers %s, variants %s: %s"
      % (len(recs), len({r["workload"] for r in recs}), workers, variants,
         "all present, all results identical to serial" if not problems else "PROBLEMS"))
for p in problems:
    print("# PROBLEM: " + p)
sys.exit(1 if problems else 0)
PY

harness=$PARLAB_ROOT/harness/parlab_harness.py
if [[ -f $harness ]] && grep -q '"schema"' <(head -n 1 "$file"); then
    parlab_log "report: python3 $harness report $file --output $report"
    python3 "$harness" report "$file" --output "$report"
    if command -v gnuplot >/dev/null; then
        parlab_log "plots: python3 $harness plot $file --out $plots"
        python3 "$harness" plot "$file" --out "$plots"
    else
        parlab_log "gnuplot not found here: no plots (load it in site.env, or run"
        parlab_log "  python3 harness/parlab_harness.py plot $file   where gnuplot is installed)"
    fi
else
    # Raw program lines (no harness in this checkout): a plain table and a gnuplot figure.
    mkdir -p "$plots"
    python3 - "$file" "$report" "$plots/speedup.dat" <<'PY'
import json, statistics, sys
path, report, dat = sys.argv[1:4]
recs = [json.loads(l) for l in open(path) if l.strip()]
lines, points = [], []
for wl in sorted({r["workload"] for r in recs}):
    rows = [r for r in recs if r["workload"] == wl]
    base = statistics.median(r["time_median"] for r in rows if r["variant"] == "serial")
    lines.append("%s (n=%s): serial median %.6f s" % (wl, rows[0].get("n"), base))
    lines.append("%-8s %7s %12s %8s %10s %s" % ("variant", "workers", "median s", "speedup",
                                               "efficiency", "note"))
    for r in sorted(rows, key=lambda r: (r["variant"], r["threads"] * r["ranks"])):
        w = r["threads"] * r["ranks"]
        s = base / r["time_median"] if r["time_median"] > 0 else float("nan")
        note = "oversubscribed: not valid for speedup" if r.get("oversubscribed") else ""
        lines.append("%-8s %7d %12.6f %8.2f %10.2f %s" % (r["variant"], w, r["time_median"], s, s / w, note))
        if r["variant"] != "serial":
            points.append("%s-%s %d %.6f" % (wl, r["variant"], w, s))
    lines.append("")
open(report, "w").write("\n".join(lines) + "\n")
open(dat, "w").write("\n".join(points) + "\n")
print("\n".join(lines))
PY
    if command -v gnuplot >/dev/null; then
        gnuplot <<GP || parlab_log "gnuplot failed: no plot"
set terminal svg size 640,480
set output "$plots/speedup.svg"
set title "parlab sweep $name: speedup over serial"
set xlabel "workers"; set ylabel "speedup"; set key left top
plot x title "ideal" with lines dashtype 2, "$plots/speedup.dat" using 2:3 title "runs" with points pointtype 7
GP
    else
        parlab_log "gnuplot not found: no plot (data in $plots/speedup.dat)"
    fi
fi
# Where the array tasks ran (jobs/sweep.sh wrote one line each): into the report, so that a
# sweep whose MPI runs spread over several nodes says so next to its numbers.
layout=$PARLAB_RESULTS/$name.layout
if [[ -s $layout ]]; then
    {
        echo
        echo "Where the sweep ran (one line per array task):"
        sort "$layout"
    } >>"$report"
    parlab_log "where the sweep ran:"
    sort "$layout" | sed 's/^/#   /'
fi
parlab_log "report: $report"
parlab_log "plots: $plots/"
parlab_log "done"
