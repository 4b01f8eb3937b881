#!/bin/bash
# Static checks of parlab's Slurm job scripts (no Slurm needed), so that a machine without
# Slurm still catches a broken script, a site setting or a random pipefail failure:
#   check_static.sh SOURCE_DIR [BUILD_DIR]
# - bash -n on every jobs/*.sh and tests/slurm/*.sh;
# - job scripts: #!/bin/bash, set -euo pipefail, no site settings (partition, account, QOS,
#   reservation, modules) and no absolute paths outside comments;
# - shellcheck on jobs/*.sh, jobs/site.env, tests/slurm/*.sh, and the bash that launches
#   everything else: ./parlab, common/launch_env.sh and dist/*.sh (skipped if shellcheck is
#   not installed);
# - dry runs outside Slurm with faked SLURM_* variables (if BUILD_DIR holds the programs):
#   serial.sh, openmp.sh (OMP_NUM_THREADS must follow SLURM_CPUS_PER_TASK, not the caller's
#   OMP_NUM_THREADS), submission from inside jobs/, and a clear error for a missing build;
# - no `CMD | grep -q` in jobs/ (random failures under pipefail), and jobs/lib.sh tells an
#   MPICH program from an Open MPI one every time (srun's --mpi plugin).
set -euo pipefail

src=$(cd "${1:?usage: check_static.sh SOURCE_DIR [BUILD_DIR]}" && pwd)
build=${2:-}
[[ -z $build ]] || build=$(cd "$build" && pwd)
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok:   $*"; }

shopt -s nullglob
scripts=("$src"/jobs/*.sh "$src"/tests/slurm/*.sh)
((${#scripts[@]} > 0)) || { echo "FAIL: no scripts found under $src/jobs"; exit 1; }
job_scripts=()
for f in "$src"/jobs/*.sh; do
    grep -q '^#SBATCH ' "$f" && job_scripts+=("$f")
done
((${#job_scripts[@]} > 0)) || fail "no job scripts (#SBATCH lines) in $src/jobs"

others=("$src/parlab" "$src/common/launch_env.sh" "$src"/dist/*.sh)
for f in "${scripts[@]}" "$src/jobs/site.env" "${others[@]}"; do
    if bash -n "$f"; then pass "bash -n ${f#"$src"/}"; else fail "bash -n ${f#"$src"/}"; fi
done

for f in "${job_scripts[@]}"; do
    name=${f#"$src"/}
    [[ $(head -n 1 "$f") == '#!/bin/bash' ]] || fail "$name: first line must be #!/bin/bash"
    grep -q '^set -euo pipefail$' "$f" || fail "$name: no 'set -euo pipefail'"
    if grep -Eq '^#SBATCH[[:space:]]+(-p|--partition|-A|--account|--qos|-q|--reservation|--mail-user)\b' "$f"; then
        fail "$name: site settings in #SBATCH lines (partition/account/QOS/...): they belong in jobs/site.env"
    fi
    if grep -Eq '^[^#]*\bmodule[[:space:]]+(load|add|purge|use)\b' "$f"; then
        fail "$name: module commands: they belong in jobs/site.env"
    fi
    if grep -Eq '^[^#]*[[:space:]"=](/home|/work|/scratch|/project|/opt|/usr/local)/' "$f"; then
        fail "$name: hard-coded absolute path"
    fi
    grep -q 'SLURM_SUBMIT_DIR' "$f" || fail "$name: does not locate parlab through SLURM_SUBMIT_DIR"
done
((fails > 0)) || pass "job scripts: bash, strict mode, no site settings, no hard-coded paths"

# `CMD | grep -q` under pipefail fails at random: grep exits at its first match, CMD may still be
# writing and dies of SIGPIPE, and the pipeline's status is CMD's.  Read CMD's output whole.
piped=$(grep -nE '^[^#]*\|[[:space:]]*grep[[:space:]]+-[[:alnum:]]*q' "$src"/jobs/*.sh || true)
if [[ -z $piped ]]; then
    pass "jobs/: no 'CMD | grep -q' (a random SIGPIPE failure under pipefail)"
else
    fail "jobs/: 'CMD | grep -q' fails at random under pipefail (grep exits early, CMD gets SIGPIPE):"
    sed "s|^$src/||; s/^/    | /" <<<"$piped"
fi

if command -v shellcheck >/dev/null; then
    if shellcheck "$src"/jobs/*.sh "$src/jobs/site.env" "$src"/tests/slurm/*.sh "${others[@]}"; then
        pass "shellcheck jobs/*.sh jobs/site.env tests/slurm/*.sh parlab common/launch_env.sh dist/*.sh"
    else
        fail "shellcheck"
    fi
else
    echo "skip: shellcheck not installed (apt-get install shellcheck)"
fi

# The MPI flavour of a program, 200 times over: one wrong answer sends an MPICH program to
# srun --mpi=pmix, which starts N one-rank copies.  (It came from `ldd | grep -q` under
# pipefail: grep exits at the first match, ldd dies of SIGPIPE, 1 time in 9.)  Any program that
# links MPICH will do: this build's, or MPICH's own mpichversion.
mpich_exe=
for candidate in "${build:+$build/sum_mpi}" "$(command -v mpichversion || true)"; do
    if [[ -n $candidate && -x $candidate ]] && ldd "$candidate" 2>/dev/null >"${TMPDIR:-/tmp}/parlab-ldd.$$" \
        && grep -q libmpich "${TMPDIR:-/tmp}/parlab-ldd.$$"; then
        mpich_exe=$candidate
        break
    fi
done
rm -f "${TMPDIR:-/tmp}/parlab-ldd.$$"
if [[ -n $mpich_exe ]]; then
    # shellcheck disable=SC2016  # expanded by the inner shell
    wrong=$(bash -c 'set -euo pipefail; source "$1/jobs/lib.sh"; wrong=0
        for _ in $(seq 200); do [[ $(parlab_srun_mpi "$2") == pmi2 ]] || wrong=$((wrong + 1)); done
        echo "$wrong"' flavour "$src" "$mpich_exe") || wrong="error"
    if [[ $wrong == 0 ]]; then
        pass "parlab_srun_mpi picks pmi2 for an MPICH program in 200 of 200 tries (${mpich_exe##*/})"
    else
        fail "parlab_srun_mpi on ${mpich_exe##*/}: not pmi2 in $wrong of 200 tries"
    fi
else
    echo "skip: MPI flavour check (no program linking MPICH: apt-get install mpich)"
fi

# Dry runs outside Slurm.
if [[ -n $build && -x $build/sum_serial && -x $build/sum_openmp ]]; then
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    clean_env=(env -u SLURM_JOB_ID -u SLURM_JOBID -u SLURM_CPUS_PER_TASK -u SLURM_NTASKS
               -u SLURM_SUBMIT_DIR -u PARLAB_ROOT -u PARLAB_BUILD -u PARLAB_ARGS
               -u PARLAB_WORKLOADS -u PARLAB_SITE_ENV -u SBATCH_PARTITION -u SBATCH_ACCOUNT
               PARLAB_BUILD="$build" PARLAB_RESULTS="$scratch/results" PARLAB_N=1000
               PARLAB_REPEAT=1)
    # by default every workload that is built runs: one result line per *_serial program
    built=$(find "$build" -maxdepth 1 -type f -executable -name '*_serial' -printf '%f\n' | sed 's/_serial$//' | sort | tr '\n' ' ')
    if (cd "$scratch" && "${clean_env[@]}" SLURM_SUBMIT_DIR="$src" bash "$src/jobs/serial.sh") >"$scratch/serial.out" 2>&1 \
        && ran=$(grep '^{.*"variant":"serial"' "$scratch/serial.out" | grep -o '^{"workload":"[a-z0-9_]*"' | cut -d'"' -f4 | sort | tr '\n' ' ') \
        && [[ $ran == "$built" ]]; then
        pass "dry run: serial.sh (SLURM_SUBMIT_DIR = the checkout; every workload built: $built)"
    else
        echo "    built: $built; ran: ${ran:-}"
        fail "dry run: serial.sh"; sed 's/^/    | /' "$scratch/serial.out"
    fi
    if (cd "$scratch" && "${clean_env[@]}" SLURM_SUBMIT_DIR="$src/jobs" SLURM_CPUS_PER_TASK=2 OMP_NUM_THREADS=7 \
            OMP_PROC_BIND=spread PARLAB_WORKLOADS="sum square" bash "$src/jobs/openmp.sh") >"$scratch/openmp.out" 2>&1 \
        && [[ $(grep -c '^{.*"variant":"openmp".*"threads":2,' "$scratch/openmp.out") -eq 2 ]]; then
        pass "dry run: openmp.sh (submitted from jobs/; -c 2 gives 2 threads, caller's OMP_* ignored; PARLAB_WORKLOADS chooses)"
    else
        fail "dry run: openmp.sh"; sed 's/^/    | /' "$scratch/openmp.out"
    fi
    rc=0
    (cd "$scratch" && "${clean_env[@]}" PARLAB_BUILD="$scratch/nonexistent" SLURM_SUBMIT_DIR="$src" \
        bash "$src/jobs/serial.sh") >"$scratch/missing.out" 2>&1 || rc=$?
    if [[ $rc -eq 2 ]] && grep -q 'build directory' "$scratch/missing.out"; then
        pass "dry run: a missing build fails with exit 2 and says so"
    else
        fail "dry run: missing build gave exit $rc"; sed 's/^/    | /' "$scratch/missing.out"
    fi
else
    echo "skip: dry runs (no programs in '${build:-(no build dir given)}')"
fi

if ((fails > 0)); then
    echo "$fails static check(s) failed"
    exit 1
fi
echo "all static checks passed"
