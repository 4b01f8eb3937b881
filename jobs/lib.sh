# shellcheck shell=bash
# jobs/lib.sh: helpers shared by parlab's Slurm job scripts.  Not a job script: each
# jobs/*.sh that starts with #SBATCH lines sources it, after finding the checkout through
# SLURM_SUBMIT_DIR (sbatch runs a copy of the script from its spool directory, so the
# script's own path says nothing about where parlab is).
#
# Knobs (environment at submit time, or jobs/site.env): see jobs/README.md.
#   PARLAB_BUILD PARLAB_RESULTS PARLAB_N PARLAB_REPEAT PARLAB_ARGS PARLAB_WORKLOADS (see
#   parlab_workloads) PARLAB_N_<workload> PARLAB_ARGS_<workload> (see parlab_args)
#   PARLAB_MPI_LAUNCHER PARLAB_SRUN_MPI PARLAB_SRUN_ARGS PARLAB_MPIRUN PARLAB_MPIRUN_ARGS
#   PARLAB_OMP_PLACES PARLAB_OMP_PROC_BIND PARLAB_EXPECT_RANKS PARLAB_EXPECT_THREADS
#   sweep.sh / collect.sh: PARLAB_SWEEP_WORKERS PARLAB_SWEEP_VARIANTS PARLAB_SWEEP_NAME
#   PARLAB_SWEEP_PRESET PARLAB_SWEEP_RECORDER

parlab_log() { echo "# $*"; }
parlab_die() { echo "parlab job: ERROR: $*" >&2; exit 2; }

# parlab_setup: locate the checkout, build and results; source site.env; MPI/OpenMP environment.
parlab_setup() {
    [[ -d ${PARLAB_ROOT:-} ]] || parlab_die "PARLAB_ROOT '${PARLAB_ROOT:-}' is not a directory"
    PARLAB_ROOT=$(cd "$PARLAB_ROOT" && pwd)

    # Job scripts must not inherit thread settings from the submitting shell (sbatch
    # exports the whole environment by default).  OMP_* wanted on purpose go in site.env.
    local v
    for v in $(compgen -e); do
        if [[ $v == OMP_* ]]; then unset "$v"; fi
    done

    PARLAB_SITE_ENV=${PARLAB_SITE_ENV:-$PARLAB_ROOT/jobs/site.env}
    if [[ -f $PARLAB_SITE_ENV ]]; then
        # shellcheck source=site.env
        source "$PARLAB_SITE_ENV"
    fi

    PARLAB_BUILD=${PARLAB_BUILD:-$PARLAB_ROOT/build}
    if [[ -z ${PARLAB_RESULTS:-} ]]; then
        # a checkout keeps its results; an installed copy (read-only for students) cannot
        if [[ -w $PARLAB_ROOT ]]; then
            PARLAB_RESULTS=$PARLAB_ROOT/results
        else
            PARLAB_RESULTS=${SLURM_SUBMIT_DIR:-$PWD}/parlab-results
        fi
    fi
    [[ -d $PARLAB_BUILD ]] || parlab_die "build directory '$PARLAB_BUILD' not found: build parlab first (meson setup build && meson compile -C build) or set PARLAB_BUILD"
    export PARLAB_ROOT PARLAB_BUILD PARLAB_RESULTS

    # Open MPI refuses to start as root unless told twice; only set this for root (CI,
    # containers, the throwaway test cluster), never for students on a real cluster.
    if [[ $(id -u) -eq 0 ]]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi

    # Slurm 22.05 and later: srun does not inherit sbatch's --cpus-per-task.  Every srun in
    # these scripts passes --cpus-per-task explicitly; this export covers any srun you add.
    # Never hand it to an mpirun (parlab_mpi removes it): see there.
    PARLAB_CPT=${SLURM_CPUS_PER_TASK:-1}
    export SRUN_CPUS_PER_TASK=$PARLAB_CPT
}

# parlab_bin NAME: full path of a parlab program, or die.
parlab_bin() {
    local exe=$PARLAB_BUILD/$1
    [[ -x $exe ]] || parlab_die "$exe not found or not executable (is PARLAB_BUILD=$PARLAB_BUILD right, and built?)"
    echo "$exe"
}

# parlab_workloads VARIANT...: the workloads to run, one per line: PARLAB_WORKLOADS if set, else
# every workload whose <workload>_<VARIANT> programs (all of them) are in $PARLAB_BUILD.  The
# one place that decides, so that a new workload in the build needs no edit in jobs/.
parlab_workloads() {
    local exe workload variant found=()
    if [[ -n ${PARLAB_WORKLOADS:-} ]]; then
        read -r -a found <<<"$PARLAB_WORKLOADS"
    else
        for exe in "$PARLAB_BUILD"/*_"$1"; do
            [[ -f $exe && -x $exe ]] || continue
            workload=${exe##*/}
            workload=${workload%_"$1"}
            for variant in "$@"; do
                [[ -x $PARLAB_BUILD/${workload}_$variant ]] || continue 2
            done
            found+=("$workload")
        done
    fi
    ((${#found[@]} > 0)) || parlab_die "no program for variant(s) $* in $PARLAB_BUILD (is it built, with MPI for mpi and hybrid?)"
    printf '%s\n' "${found[@]}"
}

# parlab_args WORKLOAD: the program options of WORKLOAD's runs, into the array PARLAB_PROG_ARGS:
# --json, -n (PARLAB_N_<workload> if set, else PARLAB_N), --repeat, PARLAB_ARGS, and last
# PARLAB_ARGS_<workload>.  A grid's -n is its side, not an array length (heat: at most 32768, and
# n x n cells), so it takes a size of its own: PARLAB_N_heat=2048 PARLAB_ARGS_heat="--steps 100".
parlab_args() {
    local workload=${1:?parlab_args: which workload?} extra
    local n_var=PARLAB_N_$workload args_var=PARLAB_ARGS_$workload
    local n=${!n_var:-${PARLAB_N:-}}
    PARLAB_PROG_ARGS=(--json)
    [[ -z $n ]] || PARLAB_PROG_ARGS+=(-n "$n")
    [[ -z ${PARLAB_REPEAT:-} ]] || PARLAB_PROG_ARGS+=(--repeat "$PARLAB_REPEAT")
    read -r -a extra <<<"${PARLAB_ARGS:-} ${!args_var:-}"
    PARLAB_PROG_ARGS+=("${extra[@]}")
}

# parlab_nproc: CPUs this process may use (GNU nproc honours OMP_NUM_THREADS: drop it).
parlab_nproc() { env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc; }

parlab_cpus_allowed() {
    awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status 2>/dev/null || echo "?"
}

# parlab_omp THREADS WORKERS_ON_NODE: OpenMP environment for THREADS threads per process.
parlab_omp() {
    local threads=$1 workers=$2 cpus
    cpus=$(parlab_nproc)
    export OMP_NUM_THREADS=$threads
    PARLAB_OVERSUBSCRIBED=0
    if ((workers > cpus)); then
        # More busy workers than CPUs this job can use (a request larger than the node):
        # threads must yield instead of spin, and pinning would stack them on the same cores.
        parlab_log "WARNING: oversubscribed: $workers workers on $cpus usable CPUs; timings are not valid for speedup"
        PARLAB_OVERSUBSCRIBED=1
        export OMP_WAIT_POLICY=PASSIVE OMPI_MCA_mpi_yield_when_idle=1
        export OMP_PROC_BIND=false
        unset OMP_PLACES
    else
        export OMP_PLACES=${PARLAB_OMP_PLACES:-cores}
        export OMP_PROC_BIND=${PARLAB_OMP_PROC_BIND:-close}
    fi
    # One line per thread with the CPUs it may run on (OpenMP 5.0; printed by the runtime).
    export OMP_DISPLAY_AFFINITY=${OMP_DISPLAY_AFFINITY:-true}
    export OMP_AFFINITY_FORMAT=${OMP_AFFINITY_FORMAT:-"# omp: host %H pid %P thread %n/%N cpus %A"}
}

# parlab_where: print where the job runs (nodes, task layout, CPU binding of the batch shell).
parlab_where() {
    parlab_log "parlab job ${SLURM_JOB_ID:-(not under Slurm)}${SLURM_ARRAY_TASK_ID:+ array task $SLURM_ARRAY_TASK_ID} name ${SLURM_JOB_NAME:-$0}"
    parlab_log "cluster ${SLURM_CLUSTER_NAME:-?} partition ${SLURM_JOB_PARTITION:-?} account ${SLURM_JOB_ACCOUNT:-none}"
    parlab_log "nodes: ${SLURM_JOB_NODELIST:-$(hostname -s)} (${SLURM_JOB_NUM_NODES:-1} node(s)); batch shell on $(hostname -s)"
    parlab_log "tasks: ${SLURM_NTASKS:-1} (per node: ${SLURM_TASKS_PER_NODE:-1}); cpus per task: ${SLURM_CPUS_PER_TASK:-1}; cpus allocated on this node: ${SLURM_CPUS_ON_NODE:-?}"
    parlab_log "batch shell cpu binding: $(parlab_cpus_allowed) ($(parlab_nproc) usable; node has $(getconf _NPROCESSORS_ONLN))"
    parlab_log "parlab: $PARLAB_ROOT; build: $PARLAB_BUILD; submit dir: ${SLURM_SUBMIT_DIR:-$PWD}"
    parlab_nodes
}

# parlab_nodes: on a job with several nodes, one '# node:' line per node (its name, its CPUs,
# and which machine it is), and a warning when the nodes are one machine
# (containers or network namespaces on one host, like parlab's test cluster: they share its
# cores, so times measured across nodes mean nothing).  A machine is its kernel's boot id.
parlab_nodes() {
    parlab_in_slurm || return 0
    local nodes=${SLURM_JOB_NUM_NODES:-1} out machines
    ((nodes > 1)) || return 0
    # shellcheck disable=SC2016  # expanded by the task's shell, not here
    out=$(srun --ntasks="$nodes" --ntasks-per-node=1 --cpus-per-task=1 bash -c \
        'echo "# node: $(hostname -s) ($(getconf _NPROCESSORS_ONLN) cpus) machine $(cut -c1-8 /proc/sys/kernel/random/boot_id)"' \
        | sort)
    [[ -z $out ]] || printf '%s\n' "$out"
    [[ $(grep -c '^# node: ' <<<"$out") -eq $nodes ]] \
        || parlab_die "srun could not start one task on each of the job's $nodes nodes (see the srun errors above)"
    machines=$(awk '{print $NF}' <<<"$out" | sort -u | wc -l)
    # shellcheck disable=SC2034  # read by the job scripts (sweep.sh)
    PARLAB_MACHINES=$machines
    if ((machines < nodes)); then
        parlab_log "WARNING: these $nodes nodes are $machines machine(s) (same kernel boot id): they share its cores, so times measured across nodes mean nothing"
    fi
}

# parlab_in_slurm: true inside a Slurm allocation with srun available.
parlab_in_slurm() { [[ -n ${SLURM_JOB_ID:-} ]] && command -v srun >/dev/null; }

# parlab_layout NTASKS CPT [SRUN OPTIONS...]: one line per task of a step shaped like the real
# one: node, rank, CPUs it may run on (the binding Slurm applied).  Fails if not every task
# reported: a step that cannot launch may still leave srun with exit status 0 (Slurm 22.05).
parlab_layout() {
    parlab_in_slurm || return 0
    local ntasks=$1 cpt=$2 srun_extra=() out
    shift 2
    [[ -z ${PARLAB_SRUN_ARGS:-} ]] || read -r -a srun_extra <<<"$PARLAB_SRUN_ARGS"
    # shellcheck disable=SC2016  # expanded by the task's shell, not here
    out=$(srun --ntasks="$ntasks" --cpus-per-task="$cpt" "$@" "${srun_extra[@]}" bash -c \
        'echo "# layout: task $SLURM_PROCID (local $SLURM_LOCALID) on $(hostname -s) cpus $(awk "/^Cpus_allowed_list:/ {print \$2}" /proc/self/status)"' \
        | sort -t' ' -k4,4n)
    [[ -z $out ]] || printf '%s\n' "$out"
    [[ $(grep -c '^# layout: ' <<<"$out") -eq $ntasks ]] \
        || parlab_die "srun could not start $ntasks task(s) of $cpt CPU(s) each in this allocation (see the srun errors above)"
}

# parlab_expect_result [COUNT]: pass a program's stdout through; fail unless it held COUNT
# (default 1) JSON result lines, none of them oversubscribed unless parlab_omp said so.
# Needed because srun can exit 0 when a step failed to launch (Slurm 22.05, e.g. an MPI
# plugin error in slurmstepd): without this check the job would end COMPLETED with no result.
# And because a launcher can narrow the CPUs a program gets (MPICH's mpiexec, handed
# SRUN_CPUS_PER_TASK=1, packed each node's ranks onto one core): such a run is the wrong
# layout, and its times are worthless, even though its result is right.
parlab_expect_result() {
    local want=${1:-1} line seen=0 cores
    while IFS= read -r line; do
        printf '%s\n' "$line"
        [[ $line == '{'* ]] || continue
        seen=$((seen + 1))
        if [[ $line == *'"oversubscribed":true'* && ${PARLAB_OVERSUBSCRIBED:-0} != 1 ]]; then
            cores=$(grep -o '"cores":[0-9]*' <<<"$line" || true)
            parlab_die "wrong layout: the program ran oversubscribed (${cores:-cores unknown}) although this job's request fits its CPUs: the launcher narrowed its CPU binding (see the bindings above)"
        fi
    done
    ((seen > 0)) || parlab_die "no result line from the program: it failed, or its step did not launch (see above)"
    ((seen == want)) || parlab_die "expected $want result line(s) from the program, got $seen"
}

# parlab_each_node CPT EXE ARGS...: one process with CPT CPUs on each node of the job, or one
# process directly outside Slurm.  A serial or OpenMP program uses one node: on N nodes it runs
# as N independent copies, one result line per node.  One srun step per node, all at once, each
# captured apart and printed in node order: within one step, srun forwards each task's output
# in pieces of at most 1 KiB, so a longer line (heat's JSON line) from one task can be cut by
# another task's output (docs/slurm.md).
parlab_each_node() {
    local cpt=$1; shift
    if ! parlab_in_slurm; then
        "$@"
        return
    fi
    local srun_extra=() node dir i=0 pids=() status=0
    [[ -z ${PARLAB_SRUN_ARGS:-} ]] || read -r -a srun_extra <<<"$PARLAB_SRUN_ARGS"
    dir=$(mktemp -d)
    for node in $(scontrol show hostnames "${SLURM_JOB_NODELIST:-$(hostname -s)}"); do
        srun --nodes=1 --ntasks=1 --nodelist="$node" --cpus-per-task="$cpt" "${srun_extra[@]}" \
            "$@" >"$dir/$i" &
        pids+=($!)
        i=$((i + 1))
    done
    for i in "${!pids[@]}"; do
        wait "${pids[i]}" || status=$?
        cat "$dir/$i"
    done
    rm -rf "$dir"
    return "$status"
}

# parlab_mpi_flavor EXE: "mpich" if EXE links an MPICH-based MPI, else "openmpi".  ldd's output
# is read whole, never piped into `grep -q`: grep would exit at the first match, ldd would die
# of SIGPIPE, and under pipefail the test would fail at random (1 run in 9 on a busy machine).
parlab_mpi_flavor() {
    local libs
    libs=$(ldd "$1" 2>/dev/null) || libs=
    if [[ $libs =~ libmpich|libmpi\.so\.12 ]]; then echo mpich; else echo openmpi; fi
}

# parlab_srun_mpi EXE: the srun --mpi plugin for EXE (PARLAB_SRUN_MPI overrides).
# Open MPI (Debian: no PMI-1/PMI-2 support) needs pmix; MPICH-based MPIs use pmi2 (with pmix
# they silently start N one-rank copies, which --expect-ranks catches).
parlab_srun_mpi() {
    if [[ -n ${PARLAB_SRUN_MPI:-} && ${PARLAB_SRUN_MPI} != auto ]]; then
        echo "$PARLAB_SRUN_MPI"
    elif [[ $(parlab_mpi_flavor "$1") == mpich ]]; then
        echo pmi2
    else
        echo pmix
    fi
}

# parlab_mpi NTASKS CPT EXE ARGS...: launch an MPI program with NTASKS ranks of CPT CPUs each.
#   PARLAB_MPI_LAUNCHER=srun (default): srun --mpi=pmix|pmi2 --ntasks --cpus-per-task
#   PARLAB_MPI_LAUNCHER=mpirun: the MPI's own mpirun, which takes the rank count and the
#     hosts from the Slurm allocation (so: no -np), stdin from /dev/null.
parlab_mpi() {
    local ntasks=$1 cpt=$2 exe=$3
    shift 3
    case ${PARLAB_MPI_LAUNCHER:-srun} in
        srun)
            parlab_in_slurm || parlab_die "PARLAB_MPI_LAUNCHER=srun needs a Slurm allocation"
            local srun_extra=() plugin
            [[ -z ${PARLAB_SRUN_ARGS:-} ]] || read -r -a srun_extra <<<"$PARLAB_SRUN_ARGS"
            plugin=$(parlab_srun_mpi "$exe")
            local cmd=(srun --mpi="$plugin" --ntasks="$ntasks" --cpus-per-task="$cpt" "${srun_extra[@]}")
            parlab_log "launch: ${cmd[*]}"
            "${cmd[@]}" "$exe" "$@"
            ;;
        mpirun)
            local mpirun=${PARLAB_MPIRUN:-} margs=() version
            if [[ -z $mpirun ]]; then
                if [[ $(parlab_mpi_flavor "$exe") == mpich ]]; then
                    mpirun=$(command -v mpiexec.mpich || command -v mpirun) || true
                else
                    mpirun=$(command -v mpiexec.openmpi || command -v mpirun) || true
                fi
            fi
            [[ -n $mpirun ]] || parlab_die "no mpirun found (set PARLAB_MPIRUN or load the MPI module in site.env)"
            version=$("$mpirun" --version 2>/dev/null) || version=
            if [[ -n ${PARLAB_MPIRUN_ARGS:-} ]]; then
                read -r -a margs <<<"$PARLAB_MPIRUN_ARGS"
            elif [[ $version =~ Open\ MPI|OpenRTE|PRRTE|prte ]]; then
                margs=(--report-bindings)
                if ((cpt > 1)) && [[ ${OMP_PROC_BIND:-} != false ]]; then
                    # Open MPI binds each rank to ONE core by default (<= 2 ranks): give each
                    # rank cpt cores for its threads (Open MPI 4.x syntax).
                    margs+=(--map-by "slot:PE=$cpt" --bind-to core)
                elif ((cpt > 1)); then
                    margs+=(--bind-to none)
                fi
            fi
            # Inside an allocation mpirun takes the rank count and hosts from Slurm: no -np,
            # unless fewer ranks than the allocation's tasks are wanted (the sweep).
            [[ ${SLURM_NTASKS:-0} -eq $ntasks ]] || margs+=(-np "$ntasks")
            local cmd=("$mpirun" "${margs[@]}")
            parlab_log "launch: ${cmd[*]} (allocation: ${SLURM_NTASKS:-?} tasks)"
            # Without SRUN_CPUS_PER_TASK: mpirun starts its daemon on each node with srun, and
            # with this variable's -c 1 (and task/affinity) the daemon, and so every rank it
            # starts on that node, would be bound to one CPU.
            env -u SRUN_CPUS_PER_TASK "${cmd[@]}" "$exe" "$@" </dev/null
            ;;
        *) parlab_die "PARLAB_MPI_LAUNCHER must be srun or mpirun, not '${PARLAB_MPI_LAUNCHER}'" ;;
    esac
}
