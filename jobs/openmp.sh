#!/bin/bash
#SBATCH --job-name=parlab-openmp
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=2
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab: the OpenMP programs, one process with --cpus-per-task threads.
#   sbatch jobs/openmp.sh            2 threads (the default fits the smallest node)
#   sbatch -c 16 jobs/openmp.sh      16 threads (OMP_NUM_THREADS follows SLURM_CPUS_PER_TASK);
#                                    -c must not exceed one node's CPUs (sinfo -o %c)
#   sbatch -N 3 jobs/openmp.sh       one copy on each of 3 nodes (each its own result)
# No partition, account or module here: they belong in jobs/site.env.
set -euo pipefail

# sbatch runs a spool copy of this file: find parlab through the submit directory.
PARLAB_ROOT=${PARLAB_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
[[ -f $PARLAB_ROOT/jobs/lib.sh ]] || PARLAB_ROOT=$PARLAB_ROOT/..
# shellcheck source=lib.sh
source "$PARLAB_ROOT/jobs/lib.sh" || { echo "parlab job: cannot find jobs/lib.sh: submit from the parlab checkout or set PARLAB_ROOT" >&2; exit 2; }

parlab_setup
parlab_where
# OMP_NUM_THREADS = SLURM_CPUS_PER_TASK (1 if -c was not given); OMP_PLACES / OMP_PROC_BIND set.
threads=$PARLAB_CPT
nodes=${SLURM_JOB_NUM_NODES:-1}
parlab_omp "$threads" "$threads"
parlab_log "OpenMP: OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_PLACES=${OMP_PLACES:-unset} OMP_PROC_BIND=${OMP_PROC_BIND:-unset} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}"
parlab_layout "$nodes" "$threads" --ntasks-per-node=1
workloads=$(parlab_workloads openmp)
for workload in $workloads; do
    parlab_args "$workload"
    exe=$(parlab_bin "${workload}_openmp")
    parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]} --expect-threads ${PARLAB_EXPECT_THREADS:-$threads}"
    # srun gets --cpus-per-task again: since Slurm 22.05 it does not inherit sbatch's value.
    parlab_each_node "$threads" "$exe" "${PARLAB_PROG_ARGS[@]}" --expect-threads "${PARLAB_EXPECT_THREADS:-$threads}" | parlab_expect_result "$nodes"
done
parlab_log "done"
