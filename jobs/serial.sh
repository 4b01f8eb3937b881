#!/bin/bash
#SBATCH --job-name=parlab-serial
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab: the serial programs (the baseline every other variant must match).
#   sbatch jobs/serial.sh                      (from the parlab checkout; or jobs/submit.sh serial)
#   PARLAB_N=100000000 sbatch jobs/serial.sh   problem size; see jobs/README.md for all knobs
#   sbatch -N 3 jobs/serial.sh                 one copy on each of 3 nodes (each its own result)
# No partition, account or module here: they belong in jobs/site.env.
set -euo pipefail

# sbatch runs a spool copy of this file: find parlab through the submit directory.
PARLAB_ROOT=${PARLAB_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
[[ -f $PARLAB_ROOT/jobs/lib.sh ]] || PARLAB_ROOT=$PARLAB_ROOT/..
# shellcheck source=lib.sh
source "$PARLAB_ROOT/jobs/lib.sh" || { echo "parlab job: cannot find jobs/lib.sh: submit from the parlab checkout or set PARLAB_ROOT" >&2; exit 2; }

parlab_setup
parlab_where
nodes=${SLURM_JOB_NUM_NODES:-1}
parlab_omp 1 1
parlab_layout "$nodes" 1 --ntasks-per-node=1
workloads=$(parlab_workloads serial)
for workload in $workloads; do
    parlab_args "$workload"
    exe=$(parlab_bin "${workload}_serial")
    parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]}"
    parlab_each_node 1 "$exe" "${PARLAB_PROG_ARGS[@]}" | parlab_expect_result "$nodes"
done
parlab_log "done"
