#!/bin/bash
#SBATCH --job-name=parlab-sweep
#SBATCH --array=0-1
#SBATCH --nodes=1
#SBATCH --ntasks=2
#SBATCH --cpus-per-task=1
#SBATCH --time=00:20:00
#SBATCH --output=%x-%A_%a.out
# parlab scaling sweep, one array task per worker count.
# Array task i takes the i-th entry of PARLAB_SWEEP_WORKERS (default "1 2"), runs the
# OpenMP program with that many threads and the MPI program with that many ranks (plus the
# serial reference), and records every run into $PARLAB_RESULTS/<sweep>.jsonl.  collect.sh,
# submitted with --dependency=afterok on this array, then writes the report and the plots.
#   jobs/submit.sh sweep                                   does both submissions for you
#   PARLAB_SWEEP_WORKERS="1 2 4 8 16" jobs/submit.sh sweep  (sets --array and --ntasks to match)
# By hand: id=$(sbatch --parsable jobs/sweep.sh)
#          sbatch --dependency=afterok:$id --export=ALL,PARLAB_SWEEP_NAME=sweep-$id jobs/collect.sh
# --ntasks must be at least the largest worker count (MPI ranks come out of the job's tasks;
# threads use the same CPUs), and no more than one node's CPUs (sinfo -o %c): the default
# "1 2" fits the smallest node.  One node, so that the scaling is that of one node.
# Recording: through the harness (python3 harness/parlab_harness.py bench) when it is in the
# checkout, else each program's --json line is appended as is (PARLAB_SWEEP_RECORDER=raw).
set -euo pipefail

# sbatch runs a spool copy of this file: find parlab through the submit directory.
PARLAB_ROOT=${PARLAB_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
[[ -f $PARLAB_ROOT/jobs/lib.sh ]] || PARLAB_ROOT=$PARLAB_ROOT/..
# shellcheck source=lib.sh
source "$PARLAB_ROOT/jobs/lib.sh" || { echo "parlab job: cannot find jobs/lib.sh: submit from the parlab checkout or set PARLAB_ROOT" >&2; exit 2; }

parlab_setup
read -r -a workers <<<"${PARLAB_SWEEP_WORKERS:-1 2}"
read -r -a variants <<<"${PARLAB_SWEEP_VARIANTS:-openmp mpi}"
mapfile -t workloads < <(parlab_workloads serial "${variants[@]}")
((${#workloads[@]} > 0)) || exit 2   # parlab_workloads has said why
index=${SLURM_ARRAY_TASK_ID:-}
[[ $index =~ ^[0-9]+$ ]] || parlab_die "not an array task: submit with jobs/submit.sh sweep (or sbatch --array=0-$((${#workers[@]} - 1)))"
((index < ${#workers[@]})) || parlab_die "array index $index but PARLAB_SWEEP_WORKERS has ${#workers[@]} entries (${workers[*]})"
k=${workers[index]}
capacity=${SLURM_NTASKS:-1}
((k <= capacity)) || parlab_die "worker count $k needs --ntasks >= $k (this job has $capacity)"

name=${PARLAB_SWEEP_NAME:-sweep-${SLURM_ARRAY_JOB_ID:-manual}}
file=$PARLAB_RESULTS/$name.jsonl
mkdir -p "$PARLAB_RESULTS"
harness=$PARLAB_ROOT/harness/parlab_harness.py
recorder=${PARLAB_SWEEP_RECORDER:-auto}
if [[ $recorder == auto ]]; then
    if [[ -f $harness ]] && command -v python3 >/dev/null; then recorder=harness; else recorder=raw; fi
fi

parlab_omp "$k" "$k"
parlab_where
parlab_log "sweep $name: array task $index of ${#workers[@]}, $k worker(s); variants: ${variants[*]}; workloads: ${workloads[*]}; recorder: $recorder"
parlab_log "records -> $file"

# Where this array task ran, for the report (collect.sh copies these lines into it).  The
# sweep is meant for one node; given several (-N), MPI spreads its ranks over them while
# OpenMP stays on the batch node, and that must be said wherever the times are shown.
nodes=${SLURM_JOB_NUM_NODES:-1}
if ((nodes > 1)); then
    where="WARNING: this sweep has $nodes nodes (${SLURM_JOB_NODELIST:-?}): its MPI runs spread their ranks over them, its OpenMP runs use $(hostname -s) only ($(parlab_nproc) CPU(s) of this job there), so MPI and OpenMP at the same worker count are not comparable"
    if ((${PARLAB_MACHINES:-$nodes} < nodes)); then
        where+="; and the $nodes nodes are ${PARLAB_MACHINES} machine(s), so times across nodes mean nothing"
    fi
    parlab_log "$where"
else
    where="one node, $(hostname -s), $(parlab_nproc) CPU(s) of this job"
fi
(
    flock 9
    printf 'array task %s, %s worker(s): %s\n' "$index" "$k" "$where" >&9
) 9>>"$PARLAB_RESULTS/$name.layout"

if [[ $recorder == harness ]]; then
    # The harness runs serial (the reference), then each variant with k workers, checks the
    # answers bit for bit, and appends one record per run (file locked, safe for arrays).
    # It launches MPI with the MPI's own mpiexec, which takes its hosts from this allocation.
    args=(bench --build "$PARLAB_BUILD" --results "$file" --workers "$k"
          --variants "$(IFS=,; echo "${variants[*]}")" --workloads "$(IFS=,; echo "${workloads[*]}")"
          --label "slurm:$name" --no-plots)
    [[ -z ${PARLAB_SWEEP_PRESET:-} ]] || args+=(--preset "$PARLAB_SWEEP_PRESET")
    [[ -z ${PARLAB_N:-} ]] || args+=(-n "$PARLAB_N")
    [[ -z ${PARLAB_REPEAT:-} ]] || args+=(--repeat "$PARLAB_REPEAT")
    parlab_log "run: python3 $harness ${args[*]}"
    # Without SRUN_CPUS_PER_TASK: the harness's mpiexec starts its per-node daemons with srun,
    # which would bind each of them, and all its ranks, to one CPU (see parlab_mpi).
    env -u SRUN_CPUS_PER_TASK python3 "$harness" "${args[@]}"
    parlab_log "done"
    exit 0
fi
[[ $recorder == raw ]] || parlab_die "PARLAB_SWEEP_RECORDER must be auto, harness or raw, not '$recorder'"

# raw: append each program's --json line (under an exclusive lock: array tasks may finish together)
record() {
    local line
    line=$(grep '^{' || true)
    [[ -n $line && $line != *$'\n'* ]] || parlab_die "expected one JSON line from the program, got: ${line:-nothing}"
    printf '%s\n' "$line"
    (
        flock 9
        printf '%s\n' "$line" >&9
    ) 9>>"$file"
}
for workload in "${workloads[@]}"; do
    parlab_args "$workload"
    if ((index == 0)); then
        exe=$(parlab_bin "${workload}_serial")
        parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]}"
        OMP_NUM_THREADS=1 "$exe" "${PARLAB_PROG_ARGS[@]}" | record
    fi
    for variant in "${variants[@]}"; do
        exe=$(parlab_bin "${workload}_${variant}")
        case $variant in
            openmp)
                parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]} --expect-threads $k"
                # in the batch shell, which may use all of the job's CPUs on this node (a
                # step asking srun for -c k > the job's --cpus-per-task only gets a warning)
                "$exe" "${PARLAB_PROG_ARGS[@]}" --expect-threads "$k" | record
                ;;
            mpi)
                parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]} --expect-ranks $k"
                OMP_NUM_THREADS=1 parlab_mpi "$k" 1 "$exe" "${PARLAB_PROG_ARGS[@]}" --expect-ranks "$k" | record
                ;;
            *) parlab_die "PARLAB_SWEEP_VARIANTS: unknown variant '$variant' (openmp, mpi)" ;;
        esac
    done
done
parlab_log "done"
