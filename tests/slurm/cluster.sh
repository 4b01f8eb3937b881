#!/bin/bash
# Throwaway single-node Slurm cluster (Debian's slurmctld + slurmd + munged), run as root
# without systemd, with all state in one scratch directory.
#
#   cluster.sh start DIR        start munged, slurmctld, slurmd with state in DIR (an empty
#                               directory, e.g. from mktemp -d); prints the SLURM_CONF line.
#                               Exit 77 (meson "skip") if Slurm/munge are not installed or not root.
#   cluster.sh stop DIR         cancel all jobs, stop the daemons started in DIR by the pids in
#                               their pid files, then any leftover job step of this cluster.
#   cluster.sh watch DIR PID    (internal) stop the cluster in DIR once process PID is gone;
#                               the test starts it detached, so daemons never outlive a killed test.
#   cluster.sh status DIR       show daemons and node state.
#
# Try the job scripts by hand:
#   d=$(mktemp -d) && tests/slurm/cluster.sh start "$d" && export SLURM_CONF=$d/etc/slurm.conf
#   sbatch jobs/serial.sh; squeue; ...; tests/slurm/cluster.sh stop "$d"; rm -rf "$d"
#
# Environment: PARLAB_SLURM_CPUS  CPUs the node advertises (default: max(nproc, 4)).
# The configuration comes from slurm.conf.in next to this script (see its comments).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DAEMONS=(slurmd slurmctld munged)   # stop order

die() { echo "cluster.sh: $*" >&2; exit 1; }
skip() { echo "cluster.sh: SKIP: $*" >&2; exit 77; }

need_dir() {
    [[ -n ${1:-} ]] || die "missing DIR argument"
    [[ -d $1 ]] || die "no such directory: $1"
    dir=$(cd "$1" && pwd)
    conf=$dir/etc/slurm.conf
}

free_ports() {  # two distinct free TCP ports (both held open while choosing)
    python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])'
}

pid_of() {  # pid_of NAME -> pid from NAME's pid file if that process is alive and is NAME
    local f=$dir/run/$1.pid pid comm
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == "$1"* ]] || return 1
    echo "$pid"
}

wait_for() {  # wait_for SECONDS COMMAND... : poll every 0.2 s
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

node_idle() { [[ $(sinfo -h -o %T 2>/dev/null) == idle* ]]; }

show_logs() {
    local f
    for f in "$dir"/log/*.log; do
        [[ -e $f ]] || continue
        echo "---- tail $f" >&2
        tail -n 20 "$f" >&2
    done
}

cmd_start() {
    local c missing=()
    for c in slurmctld slurmd munged sbatch squeue scontrol sinfo scancel python3; do
        command -v "$c" >/dev/null || missing+=("$c")
    done
    ((${#missing[@]} == 0)) || skip "not installed: ${missing[*]} (apt-get install slurmd slurmctld slurm-client munge)"
    [[ $(id -u) -eq 0 ]] || skip "the throwaway cluster runs its daemons as root"
    need_dir "${1:-}"
    [[ ! -e $conf ]] || die "$dir already holds a cluster; use an empty directory"

    local up=$dir
    while [[ $up != / ]]; do
        up=$(dirname "$up")
        [[ $(( 8#$(stat -c %a "$up") & 1 )) -eq 1 ]] \
            || die "munged needs every directory above its socket searchable by all: chmod o+x $up"
    done
    mkdir -p "$dir"/{etc,munge,munge/private,state,spool,run,log,tmp}
    # munged insists: socket directory reachable by all, key private.
    chmod 711 "$dir"
    chmod 755 "$dir/munge"
    chmod 700 "$dir/munge/private"
    touch "$dir/.parlab-slurm-scratch"

    local host cpus mem ctld_port slurmd_port
    read -r ctld_port slurmd_port < <(free_ports)
    host=$(hostname -s)
    cpus=${PARLAB_SLURM_CPUS:-$(nproc)}
    ((cpus >= 4)) || cpus=4
    mem=1024
    sed -e "s|@DIR@|$dir|g" -e "s|@HOST@|$host|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEM@|$mem|g" \
        -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
        "$here/slurm.conf.in" >"$conf"
    mkdir -p "$dir/spool/slurmd-$host"
    # The PMIx plugin's per-step directories default to /tmp/spmix_appdir_<uid>_<job>.<step>:
    # two clusters on one machine (same job ids) would collide there.  mpi.conf sits next to
    # slurm.conf.
    echo "PMIxCliTmpDirBase=$dir/tmp" >"$dir/etc/mpi.conf"
    # Marker: every daemon, step and job process of this cluster carries it (see cmd_stop).
    export SLURM_CONF=$conf

    # Private munged: own key, socket, pid, log and seed files.
    head -c 1024 /dev/urandom >"$dir/munge/private/munge.key"
    chmod 400 "$dir/munge/private/munge.key"
    munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/private/munge.key" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/private/munged.seed" \
        || { show_logs; die "munged failed to start"; }
    wait_for 10 test -S "$dir/munge/munge.socket" || { show_logs; die "munged socket did not appear"; }

    slurmctld -f "$conf" || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "slurmctld failed to start"; }
    slurmd -f "$conf" || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "slurmd failed to start"; }
    if ! wait_for 30 node_idle; then
        sinfo -N -l >&2 || true
        show_logs
        cmd_stop "$dir" >/dev/null 2>&1 || true
        die "node did not become idle within 30 s"
    fi
    echo "cluster up: node $host, $cpus CPUs advertised ($(nproc) real), state in $dir"
    echo "export SLURM_CONF=$conf"
}

ancestors() {  # this process and its ancestors: never kill these
    local p=$$
    while [[ -n $p && $p != 0 ]]; do
        echo "$p"
        p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null) || break
    done
}

leftovers() {  # slurmstepd and job processes of this cluster (they carry SLURM_CONF=$conf)
    local e pid comm keep envs
    keep=" $(ancestors | tr '\n' ' ') "
    for e in /proc/[0-9]*/environ; do
        pid=${e#/proc/}; pid=${pid%/environ}
        [[ $keep == *" $pid "* ]] && continue
        envs=$({ tr '\0' '\n' <"$e"; } 2>/dev/null) || continue
        grep -qxF "SLURM_CONF=$conf" <<<"$envs" || continue
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
        if [[ $comm == slurmstepd* ]] || grep -q '^SLURM_JOB_ID=' <<<"$envs"; then
            echo "$pid"
        fi
    done
}

cmd_stop() {
    need_dir "${1:-}"
    [[ -e $conf ]] || { echo "cluster.sh: no cluster in $dir"; return 0; }
    export SLURM_CONF=$conf
    local name pid pids=() names=() jobs
    # Read the pid files first: the daemons delete them when they exit.
    for name in "${DAEMONS[@]}"; do
        if pid=$(pid_of "$name"); then pids+=("$pid"); names+=("$name"); fi
    done
    if pid_of slurmctld >/dev/null; then
        jobs=$(timeout 5 squeue -h -o %A 2>/dev/null | tr '\n' ' ') || jobs=
        if [[ -n ${jobs// /} ]]; then
            # shellcheck disable=SC2086  # word splitting of the job id list is intended
            timeout 5 scancel $jobs 2>/dev/null || true
            sleep 1
        fi
    fi
    local i
    for i in "${!pids[@]}"; do
        echo "stopping ${names[$i]} (pid ${pids[$i]})"
        kill -TERM "${pids[$i]}" 2>/dev/null || true
    done
    for i in "${!pids[@]}"; do
        if ! wait_for 10 bash -c "! kill -0 ${pids[$i]} 2>/dev/null"; then
            echo "killing ${names[$i]} (pid ${pids[$i]})"
            kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
    done
    local left
    left=$(leftovers | tr '\n' ' ')
    if [[ -n ${left// /} ]]; then
        echo "killing leftover job processes: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
    echo "cluster in $dir stopped"
}

cmd_watch() {
    need_dir "${1:-}"
    local watched=${2:?watch needs a PID}
    while [[ -e $conf ]] && kill -0 "$watched" 2>/dev/null; do
        sleep 1
    done
    if [[ -e $conf ]] && { pid_of slurmctld || pid_of slurmd || pid_of munged; } >/dev/null 2>&1; then
        echo "cluster.sh watch: process $watched is gone; stopping the cluster in $dir" >&2
        cmd_stop "$dir"
    fi
}

cmd_status() {
    need_dir "${1:-}"
    export SLURM_CONF=$conf
    local name pid
    for name in "${DAEMONS[@]}"; do
        if pid=$(pid_of "$name"); then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
    done
    sinfo -N -o '%N %T %c' 2>/dev/null || true
}

case ${1:-} in
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    watch) cmd_watch "${2:-}" "${3:-}" ;;
    status) cmd_status "${2:-}" ;;
    *) echo "usage: $0 start|stop|status DIR | watch DIR PID" >&2; exit 2 ;;
esac
