#!/bin/bash
# parlab: submit a job script with the site settings of jobs/site.env applied.
#
#   jobs/submit.sh JOB [sbatch options...]
#     JOB: serial | openmp | mpi | hybrid | sweep | collect | path/to/script.sh
#   jobs/submit.sh mpi -n 8                  8 MPI ranks
#   jobs/submit.sh openmp -c 16              16 OpenMP threads
#   PARLAB_SWEEP_WORKERS="1 2 4 8" jobs/submit.sh sweep
#       the scaling sweep: sweep.sh as a job array (one task per worker count, --ntasks =
#       the largest count), then collect.sh with --dependency=afterok on the whole array.
#       Options that shape the allocation (-N, -n, -c, --mem, -w, ...) go to the sweep only;
#       with -N > 1 its MPI runs span the nodes and its OpenMP runs stay on one, and the
#       sweep's output and report say so.
#
# Why this wrapper: sbatch reads SBATCH_PARTITION, SBATCH_ACCOUNT, ... from the environment,
# so exporting them in jobs/site.env (sourced here) sets partition/account/QOS for every job
# without editing the scripts.  Plain `sbatch jobs/<job>.sh` works as well (export the
# SBATCH_* variables in your shell, or pass -p/-A yourself).
# Prints one line per submitted job; the last line is "jobs: ID [ID]".  When sbatch rejects a
# job (say, more CPUs than a node has: see jobs/README.md, "Size a request to the node"), its
# message is shown, nothing more is submitted, and the exit status is 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PARLAB_ROOT=${PARLAB_ROOT:-$(dirname "$here")}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
case ${1:-} in
    -h|--help) usage; exit 0 ;;
    '') usage >&2; exit 2 ;;
esac
job=$1
shift

PARLAB_SITE_ENV=${PARLAB_SITE_ENV:-$PARLAB_ROOT/jobs/site.env}
if [[ -f $PARLAB_SITE_ENV ]]; then
    # shellcheck source=site.env
    source "$PARLAB_SITE_ENV"
fi
command -v sbatch >/dev/null || { echo "submit.sh: sbatch not found (not on a Slurm login node?)" >&2; exit 2; }

# collect_args SBATCH OPTIONS...: the options without those that shape the sweep's allocation
# (nodes, tasks, CPUs, memory, node lists, exclusivity): collect.sh is one CPU of work, and
# given -N 2 it would wait for, or hold, two nodes.  Time, partition, account, QOS and the
# like stay.  One option per line (NUL-free: option values have no newlines).
collect_args() {
    local skip=0 a
    for a in "$@"; do
        if ((skip)); then skip=0; continue; fi
        case $a in
            -N|-n|-c|-w|-x|-a|--nodes|--ntasks|--cpus-per-task|--ntasks-per-node|--ntasks-per-socket|--ntasks-per-core|--nodelist|--exclude|--mem|--mem-per-cpu|--array|--distribution|-m)
                skip=1 ;;
            -N?*|-n?*|-c?*|-w?*|-x?*|-a?*|-m?*|--nodes=*|--ntasks=*|--cpus-per-task=*|--ntasks-per-node=*|--ntasks-per-socket=*|--ntasks-per-core=*|--nodelist=*|--exclude=*|--mem=*|--mem-per-cpu=*|--array=*|--distribution=*|--exclusive|--exclusive=*|-O|--overcommit|--spread-job)
                ;;
            *) printf '%s\n' "$a" ;;
        esac
    done
}

script_for() {
    case $1 in
        */*|*.sh) echo "$1" ;;
        *) echo "$PARLAB_ROOT/jobs/$1.sh" ;;
    esac
}

# submit SCRIPT [sbatch options] -> prints the job id, or exits non-zero.  It runs inside $(...),
# where bash turns `set -e` off: every failure is checked by hand, and the caller must check
# the substitution's status (`id=$(submit ...) || exit`).
submit() {
    local script=$1 out id status=0
    shift
    [[ -f $script ]] || { echo "submit.sh: no job script $script" >&2; exit 2; }
    out=$(sbatch --parsable "$@" "$script") || status=$?
    if ((status != 0)); then
        # sbatch has printed its own reason on stderr just above
        echo "submit.sh: sbatch rejected $(basename "$script") (exit $status): nothing more submitted" >&2
        exit 1
    fi
    id=${out%%;*}
    if [[ ! $id =~ ^[0-9]+$ ]]; then
        echo "submit.sh: sbatch gave no job id for $(basename "$script") (it printed '$out'): nothing more submitted" >&2
        exit 1
    fi
    echo "submitted $(basename "$script" .sh) as job $id${SBATCH_PARTITION:+ (partition $SBATCH_PARTITION)}${SBATCH_ACCOUNT:+ (account $SBATCH_ACCOUNT)}" >&2
    echo "$id"
}

if [[ $job == sweep ]]; then
    read -r -a workers <<<"${PARLAB_SWEEP_WORKERS:-1 2}"
    ((${#workers[@]} > 0)) || { echo "submit.sh: PARLAB_SWEEP_WORKERS is empty" >&2; exit 2; }
    export PARLAB_SWEEP_WORKERS="${workers[*]}"
    max=0
    for w in "${workers[@]}"; do
        [[ $w =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: PARLAB_SWEEP_WORKERS: '$w' is not a positive integer" >&2; exit 2; }
        ((w > max)) && max=$w
    done
    array=$(submit "$(script_for sweep)" --array="0-$((${#workers[@]} - 1))" --ntasks="$max" "$@") || exit
    export PARLAB_SWEEP_NAME=${PARLAB_SWEEP_NAME:-sweep-$array}
    mapfile -t for_collect < <(collect_args "$@")
    if ! collect=$(submit "$(script_for collect)" --dependency="afterok:$array" "${for_collect[@]}"); then
        # a sweep nobody collects is work for nothing: take it back
        if scancel "$array"; then
            echo "submit.sh: cancelled the sweep array $array, since its collect job was rejected" >&2
        else
            echo "submit.sh: could not cancel the sweep array $array: scancel $array" >&2
        fi
        exit 1
    fi
    results=${PARLAB_RESULTS:-$PARLAB_ROOT/results}
    # as jobs/lib.sh decides: an installed copy is read-only, its sweeps write where submitted
    [[ -n ${PARLAB_RESULTS:-} || -w $PARLAB_ROOT ]] || results=$PWD/parlab-results
    echo "sweep $PARLAB_SWEEP_NAME: records -> $results/$PARLAB_SWEEP_NAME.jsonl, report and plots when job $collect ends"
    echo "jobs: $array $collect"
else
    id=$(submit "$(script_for "$job")" "$@") || exit
    echo "jobs: $id"
fi
