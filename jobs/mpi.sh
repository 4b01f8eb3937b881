#!/bin/bash
#SBATCH --job-name=parlab-mpi
#SBATCH --ntasks=2
#SBATCH --cpus-per-task=1
#SBATCH --time=00:10:00
#SBATCH --output=%x-%j.out
# parlab: the MPI programs, --ntasks ranks.
#   sbatch jobs/mpi.sh                                  2 ranks (fits the smallest node),
#                                                       launched with srun --mpi=pmix
#   sbatch -n 16 jobs/mpi.sh                            16 ranks (on as many nodes as Slurm picks)
#   PARLAB_MPI_LAUNCHER=mpirun sbatch jobs/mpi.sh       the alternative: the MPI's own mpirun
#                                                       inside the allocation (no -np needed)
# Every run passes --expect-ranks $SLURM_NTASKS: a launch that silently starts N one-rank
# copies (wrong --mpi plugin, mismatched mpirun) fails instead of reporting a "correct" sum.
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
parlab_omp 1 $(((ranks + nodes - 1) / nodes))
parlab_layout "$ranks" 1
workloads=$(parlab_workloads mpi)
for workload in $workloads; do
    parlab_args "$workload"
    exe=$(parlab_bin "${workload}_mpi")
    parlab_log "run: $exe ${PARLAB_PROG_ARGS[*]} --expect-ranks ${PARLAB_EXPECT_RANKS:-$ranks}"
    parlab_mpi "$ranks" 1 "$exe" "${PARLAB_PROG_ARGS[@]}" --expect-ranks "${PARLAB_EXPECT_RANKS:-$ranks}" | parlab_expect_result 1
done
parlab_log "done"
