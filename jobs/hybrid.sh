#!/bin/bash
#SBATCH --job-name=parlab-hybrid
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=2
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab: the hybrid programs, --ntasks MPI ranks x --cpus-per-task OpenMP threads each.
#   sbatch jobs/hybrid.sh                               1 rank x 2 threads (fits the smallest
#                                                       node: ranks x threads <= its CPUs)
#   sbatch -n 2 -c 2 jobs/hybrid.sh                     2 ranks x 2 threads (a node with >= 4 CPUs)
#   sbatch -N 2 -n 4 -c 8 jobs/hybrid.sh                4 ranks x 8 threads on 2 nodes
#   PARLAB_MPI_LAUNCHER=mpirun sbatch jobs/hybrid.sh    mpirun --map-by slot:PE=<threads>
# Runs each workload whose <workload>_hybrid program is built (fails if there is none;
# PARLAB_WORKLOADS chooses).
# No partition, account or module here: they belong in jobs/site.env.
set -euo pipefail

# sbatch runs a spool copy of this file: find parlab through the submit directory.
PARLAB_ROOT=${PARLAB_ROOT:-${SLURM_SUBMIT_DIR:-$PWD}}
[[ -f $PARLAB_ROOT/jobs/lib.sh ]] || PARLAB_ROOT=$PARLAB_ROOT/..
# shellcheck source=lib.sh
source "$PARLAB_ROOT/jobs/lib.sh" || { echo "parlab job: cannot find jobs/lib.sh: submit from the parlab checkout or set PARLAB_ROOT" >&2; exit 2; }

parlab_setup
parlab_where
ranks=${SLURM_NTASKS:-1}
nodes=${SLURM_JOB_NUM_NODES:-1}
threads=$PARLAB_CPT
parlab_omp "$threads" $((threads * ((ranks + nodes - 1) / nodes)))
parlab_log "OpenMP: OMP_NUM_THREADS=$OMP_NUM_THREADS OMP_PLACES=${OMP_PLACES:-unset} OMP_PROC_BIND=${OMP_PROC_BIND:-unset} OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}"
parlab_layout "$ranks" "$threads"
workloads=$(parlab_workloads hybrid)
for workload in $workloads; do
    parlab_args "$workload"
    exe=$(parlab_bin "${workload}_hybrid")
    parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]} --expect-ranks ${PARLAB_EXPECT_RANKS:-$ranks} --expect-threads ${PARLAB_EXPECT_THREADS:-$threads}"
    parlab_mpi "$ranks" "$threads" "$exe" "${PARLAB_PROG_ARGS[@]}" \
        --expect-ranks "${PARLAB_EXPECT_RANKS:-$ranks}" --expect-threads "${PARLAB_EXPECT_THREADS:-$threads}" | parlab_expect_result 1
done
parlab_log "done"
