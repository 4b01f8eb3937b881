#!/bin/bash
#SBATCH --job-name=parlab-heat
#SBATCH --ntasks=2
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab's capstone on the cluster: the heat equation (docs/heat.md) on --ntasks ranks, with the
# blocking halo exchange and then with --overlap, each checked bit for bit against the serial
# field, and the final field drawn as a picture.
#   sbatch jobs/heat.sh                       2 ranks, the program's default grid and steps
#   sbatch -N 2 -n 8 jobs/heat.sh             8 ranks on 2 nodes (MPI_Dims_create: 4 x 2)
#   sbatch -N 2 -n 4 -c 2 jobs/heat.sh        hybrid: 4 ranks x 2 threads (heat_hybrid)
#   PARLAB_N_heat=4096 PARLAB_ARGS_heat="--steps 200" sbatch -N 4 -n 64 jobs/heat.sh
# Why a script of its own: mpi.sh and hybrid.sh run heat once, among the other workloads.  This
# one shows what the capstone is about: the same bits from every split and from both ways of
# exchanging, the share of each run the slowest rank spent in the exchange, and the field
# ($PARLAB_RESULTS/heat-<job id>.png).  docs/heat.md says how to choose the ranks for a grid.
# No partition, account or module here: they belong in jobs/site.env.
set -euo pipefail

# sbatch runs a spool copy of this file: find parlab through the submit directory.
PARLAB_ROOT=${PARLAB_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
[[ -f $PARLAB_ROOT/jobs/lib.sh ]] || PARLAB_ROOT=$PARLAB_ROOT/..
# shellcheck source=lib.sh
source "$PARLAB_ROOT/jobs/lib.sh" || { echo "parlab job: cannot find jobs/lib.sh: submit from the parlab checkout or set PARLAB_ROOT" >&2; exit 2; }

# json_field NAME LINE: the value of NAME in a program's JSON line (a string without quotes).
json_field() {
    local re="\"$1\":\"?([^\",}]*)"
    [[ $2 =~ $re ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

parlab_setup
parlab_where
ranks=${SLURM_NTASKS:-1}
threads=${SLURM_CPUS_PER_TASK:-1}
nodes=${SLURM_JOB_NUM_NODES:-1}
variant=mpi
((threads == 1)) || variant=hybrid
per_node=$(((ranks + nodes - 1) / nodes))
parlab_omp "$threads" $((per_node * threads))
parlab_layout "$ranks" "$threads"
parlab_args heat
serial=$(parlab_bin heat_serial)
exe=$(parlab_bin "heat_$variant")
mkdir -p "$PARLAB_RESULTS"
picture=$PARLAB_RESULTS/heat-${SLURM_JOB_ID:-manual}.png
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The reference: the serial program, once, in the batch shell.
parlab_log "run: $serial ${PARLAB_PROG_ARGS[*]}"
OMP_NUM_THREADS=1 "$serial" "${PARLAB_PROG_ARGS[@]}" | parlab_expect_result 1 | tee "$out"
line=$(grep '^{' "$out")
want=$(json_field digest "$line")
summary="serial digest $want"

for exchange in blocking overlap; do
    extra=(--expect-ranks "$ranks" --expect-threads "$threads")
    [[ $exchange == blocking ]] || extra+=(--overlap --picture "$picture")
    parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]} ${extra[*]}"
    parlab_mpi "$ranks" "$threads" "$exe" "${PARLAB_PROG_ARGS[@]}" "${extra[@]}" \
        | parlab_expect_result 1 | tee "$out"
    line=$(grep '^{' "$out")
    got=$(json_field digest "$line")
    [[ $got == "$want" ]] || parlab_die "heat_$variant ($exchange exchange) gave the field digest $got, serial $want: the split changed the arithmetic (docs/heat.md)"
    share=$(json_field exchange_share_max "$line")
    grid=$(grep -o '"process_grid":\[[0-9]*,[0-9]*\]' <<<"$line" | tr -dc '0-9,' | tr , x)
    summary+="; $exchange exchange: the same, $ranks ranks (process grid $grid) x $threads thread(s), median $(json_field time_median "$line") s, the slowest rank $(awk -v s="$share" 'BEGIN { printf "%.0f", 100 * s }')% in the exchange"
done
parlab_log "heat: $summary"
parlab_log "picture of the final field: $picture"
parlab_log "done"
