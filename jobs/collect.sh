#!/bin/bash
#SBATCH --job-name=parlab-collect
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab: collect a scaling sweep (jobs/sweep.sh): the harness checks that every array task
# recorded and that every variant's result equals the serial one, then writes the report and
# the plots next to the records:
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

# Completeness, agreement, the report and the plots: the harness, whatever wrote the records
# (the harness itself, or raw program lines from PARLAB_SWEEP_RECORDER=raw).
harness=$PARLAB_ROOT/harness/parlab_harness.py
read -r -a sweep_workers <<<"${PARLAB_SWEEP_WORKERS:-1 2}"
read -r -a sweep_variants <<<"${PARLAB_SWEEP_VARIANTS:-openmp mpi}"
check=(report "$file" --output "$report" --expect-workers "$(IFS=,; echo "${sweep_workers[*]}")"
       --expect-variants "$(IFS=,; echo "${sweep_variants[*]}")")
parlab_log "report: python3 $harness ${check[*]}"
python3 "$harness" "${check[@]}" || parlab_die "the sweep's records are incomplete or disagree (see the report above)"
if command -v gnuplot >/dev/null; then
    parlab_log "plots: python3 $harness plot $file --out $plots"
    python3 "$harness" plot "$file" --out "$plots"
else
    parlab_log "gnuplot not found here: no plots (load it in site.env, or run"
    parlab_log "  python3 harness/parlab_harness.py plot $file   where gnuplot is installed)"
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
