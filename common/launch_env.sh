#!/bin/bash
# launch_env.sh: the environment for launching parlab's MPI programs on a small machine, as root,
# in a container, or in CI.  One list, used by meson test, the harness and `./parlab env`.
#
# Why not a default: these settings are right for a 2-8 core laptop or CI runner and wrong on a real
# cluster (where students are never root and ranks never exceed cores), so nothing sets them unless
# asked.  The comment above each line gives its reason; docs/mpi-launch.md says more.
#   ./common/launch_env.sh            print `export KEY=VALUE` lines, for: eval "$(./parlab env)"
#   ./common/launch_env.sh --lines    print KEY=VALUE lines, for programs that build an environment
set -euo pipefail

settings=(
  # More ranks than cores: Open MPI 4.x and 5.x spell it differently; MPICH ignores both.
  OMPI_MCA_rmaps_base_oversubscribe=1
  PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
  # Ranks that wait should yield the core instead of spinning on it (oversubscribed runs).
  OMPI_MCA_mpi_yield_when_idle=1
  # Containers forbid the single-copy (CMA) path; shared memory and self are all one host needs.
  OMPI_MCA_btl_vader_single_copy_mechanism=none
  OMPI_MCA_btl_base_warn_component_unused=0
  # A program that exits 1 or 2 has already said why in one line; without this mpirun adds a box.
  # (By hand, the mpirun function below lifts it and filters the boxes itself: it hides the
  # notice of a rank killed by a signal too.)
  OMPI_MCA_orte_execute_quiet=1
  # ...and ends the job at once: by default mpirun waits 1 s before it kills a job whose first
  # process exited non-zero, even when every process has already exited by itself.
  OMPI_MCA_odls_base_sigkill_timeout=0
  # OpenMP threads that wait should sleep, not spin, when cores are shared.
  OMP_WAIT_POLICY=PASSIVE
)
if [ "$(id -u)" = 0 ]; then
  # Open MPI refuses to run as root unless both are set.
  settings+=(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
fi

for setting in "${settings[@]}"; do
  if [ "${1:-}" = --lines ]; then
    printf '%s\n' "$setting"
  else
    printf 'export %s\n' "$setting"
  fi
done
[ "${1:-}" = --lines ] && exit 0

# By hand (bash; zsh too): mpirun and mpiexec as functions of the shell that ran the eval, so that a rank
# killed by a signal is named in one line with a hint (SIGKILL: memory), while a program's own
# line for its exit 1 or 2 still gets no box: Open MPI cannot do both by a setting, so its
# stderr goes through common/mpirun_errors.awk, which says why.  The exit status is mpirun's.
# Scripts do not inherit functions: they get the plain mpirun and the settings above.
filter="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/mpirun_errors.awk"
# Other shells (dash has no PIPESTATUS) keep the plain launcher.
cat <<FUNCTIONS
if [ -n "\${BASH_VERSION:-}\${ZSH_VERSION:-}" ]; then
mpirun() { _parlab_mpirun mpirun "\$@"; }
mpiexec() { _parlab_mpirun mpiexec "\$@"; }
_parlab_mpirun() {
  local rc
  { OMPI_MCA_orte_execute_quiet=0 command "\$@" 2>&1 1>&3 3>&- | awk -f '$filter' 1>&2 3>&-
    rc=\${PIPESTATUS[0]:-\${pipestatus[1]}}; } 3>&1
  return "\$rc"
}
fi
FUNCTIONS
