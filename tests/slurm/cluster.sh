#!/bin/bash
# Throwaway Slurm clusters for parlab's tests (Debian's slurmctld + slurmd + munged), run as
# root without systemd, with all state in one scratch directory.  Why: the job scripts in jobs/
# are only believable once a real Slurm has run them, on nodes that declare no more CPUs than
# the machine has, and on several nodes at once.  docs/slurm.md explains the configuration.
#
#   cluster.sh start DIR [NODES]  start the cluster with state in DIR (an empty directory,
#                               e.g. from mktemp -d); prints the SLURM_CONF line.
#                               NODES=1 (default): one node, the machine itself (127.0.0.1).
#                               NODES>1: a head namespace (slurmctld, where jobs are submitted)
#                               and NODES node namespaces (one slurmd each), joined by veth
#                               pairs to a bridge in its own namespace; private addresses
#                               10.250.0.0/24 with no route out.  Every node shares this
#                               machine's cores: times across nodes mean nothing.
#                               Exit 77 (meson "skip") if Slurm/munge are not installed, not
#                               root, or (NODES>1) the kernel refuses namespaces.
#   cluster.sh on DIR HOST CMD... run CMD on HOST (head, node1, ...) of a multi-node cluster:
#                               in that host's network, UTS and mount namespaces.  Client
#                               commands (sbatch, squeue, ...) must run on head.
#   cluster.sh rsh DIR [OPTS] HOST WORDS...   an ssh stand-in for launchers (Open MPI's
#                               plm_rsh_agent, MPICH's -launcher-exec): runs WORDS with
#                               /bin/sh -c on HOST, as ssh would.  DIR/bin/rsh wraps it.
#   cluster.sh stop DIR         cancel all jobs, stop every daemon by the pid in its pid file,
#                               kill what is left of this cluster's job processes and of
#                               anything inside its namespaces, delete the namespaces.
#   cluster.sh watch DIR PID    (internal) stop the cluster in DIR once process PID is gone;
#                               the tests start it detached, so nothing outlives a killed test.
#   cluster.sh status DIR       show daemons and node state.
#
# Try the job scripts by hand (one node):
#   d=$(mktemp -d) && tests/slurm/cluster.sh start "$d" && export SLURM_CONF=$d/etc/slurm.conf
#   sbatch jobs/serial.sh; squeue; ...; tests/slurm/cluster.sh stop "$d"; rm -rf "$d"
# Three nodes: tests/slurm/cluster.sh start "$d" 3; then $d/bin/on head sbatch -N 3 ...
#
# Environment: PARLAB_SLURM_CPUS  CPUs each node declares (default and maximum: nproc).
# The configuration comes from slurm.conf.in next to this script (see its comments).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
SUBNET=10.250.0           # head .10, node i .(10+i); exists only inside the namespaces

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

pid_of() {  # pid_of NAME [COMM] -> pid from DIR/run/NAME.pid if alive and its command is COMM
    local f=$dir/run/$1.pid want=${2:-$1} pid comm
    [[ -s $f ]] || return 1
    pid=$(<"$f")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == "$want"* ]] || return 1
    echo "$pid"
}

daemons() {  # "pidfile-name command" lines, in stop order: every slurmd, slurmctld, munged
    local f name
    for f in "$dir"/run/slurmd-*.pid; do
        [[ -e $f ]] || continue
        name=$(basename "$f" .pid)
        echo "$name slurmd"
    done
    echo "slurmctld slurmctld"
    echo "munged munged"
}

wait_for() {  # wait_for SECONDS COMMAND... : poll every 0.2 s
    local deadline=$((SECONDS + $1)); shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

multi() { [[ -s $dir/etc/netns ]]; }

client() {  # client CMD...: a Slurm client command where it reaches slurmctld
    if multi; then cmd_on head "$@"; else "$@"; fi
}

nodes_idle() {  # every node idle
    local states
    states=$(client sinfo -h -N -o %T 2>/dev/null) || return 1
    [[ -n $states ]] && ! grep -qv '^idle' <<<"$states"
}

show_logs() {
    local f
    for f in "$dir"/log/*.log; do
        [[ -e $f ]] || continue
        echo "---- tail $f" >&2
        tail -n 20 "$f" >&2
    done
}

node_line() {  # node_line NAME ADDR CPUS: the node as this machine really is
    local name=$1 addr=$2 cpus=$3 topo
    if ((cpus == $(nproc))); then
        # slurmd -C: the real boards, sockets, cores and threads
        topo=$(slurmd -C | head -n 1 | grep -oE '(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+' | tr '\n' ' ')
    else
        topo="CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1"
    fi
    echo "NodeName=$name NodeAddr=$addr ${topo}RealMemory=1024 State=UNKNOWN"
}

# in_node NETNS HOSTNAME CMD...: start CMD in network namespace NETNS, with its own hostname
# and mount namespace, where /etc/hosts is the cluster's, DIR/tmp (the PMIx directories' base,
# mpi.conf, and every task's TMPDIR, bin/task-prolog) is the node's own, and so is /dev/shm (a
# tmpfs of its own, gone with the node).  Why the last two: node1 of every cluster on this
# machine is called node1 and runs the same job and step ids, so Open MPI's session directory
# (/tmp/ompi.node1.<uid>, removed by whichever process ends last) and its shared-memory
# files (/dev/shm/vader_segment.node1.<uid>.<hash of the step>.<rank>) would be the same for
# two clusters at once.  nsenter + unshare, not `ip netns exec`: that remounts /sys, which
# breaks slurmd's cgroup plugin.
in_node() {
    local ns=$1 host=$2
    shift 2
    mkdir -p "$dir/nodes/$host/tmp"
    # shellcheck disable=SC2016  # expanded by the inner shell
    nsenter --net="/run/netns/$ns" unshare --uts --mount --propagation private -- \
        bash -c 'set -e; hostname "$1"; mount --bind "$2/etc/hosts" /etc/hosts
                 mount --bind "$2/nodes/$1/tmp" "$2/tmp"
                 mount -t tmpfs -o mode=1777,nosuid,nodev "parlab-$1-shm" /dev/shm
                 shift 2; exec "$@"' \
        in_node "$host" "$dir" "$@"
}

make_network() {  # make_network NODES: bridge, head and node namespaces, recorded in etc/netns
    local n=$1 tag i ns br host
    tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
    br=parlab-$tag-br
    printf '%s\n' "$br" >"$dir/etc/netns"         # record first: stop deletes what is listed
    ip netns add "$br" || return 1
    ip -n "$br" link add br0 type bridge
    ip -n "$br" link set br0 up
    printf '127.0.0.1 localhost\n' >"$dir/etc/hosts"
    for i in $(seq 0 "$n"); do
        if ((i == 0)); then host="head"; else host="node$i"; fi
        ns=parlab-$tag-$host
        printf '%s\n' "$ns" >>"$dir/etc/netns"
        printf '%s %s\n' "$host" "$ns" >>"$dir/etc/hostmap"
        printf '%s.%d %s\n' "$SUBNET" $((10 + i)) "$host" >>"$dir/etc/hosts"
        ip netns add "$ns"
        # both ends are created inside the namespaces: nothing ever appears on this host
        ip -n "$br" link add "v-$host" type veth peer name eth0 netns "$ns"
        ip -n "$br" link set "v-$host" master br0 up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$SUBNET.$((10 + i))/24" dev eth0
        ip -n "$ns" link set eth0 up
        # IPv4 only: launchers would otherwise also try the link-local IPv6 addresses
        nsenter --net="/run/netns/$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
    done
}

ns_of() { awk -v h="$1" '$1 == h {print $2}' "$dir/etc/hostmap"; }

cmd_start() {
    local nodes=${2:-1} c missing=()
    [[ $nodes =~ ^[1-9][0-9]*$ ]] || die "NODES must be a positive number, not '$nodes'"
    for c in slurmctld slurmd munged sbatch squeue scontrol sinfo scancel python3; do
        command -v "$c" >/dev/null || missing+=("$c")
    done
    if ((nodes > 1)); then
        for c in ip nsenter unshare; do command -v "$c" >/dev/null || missing+=("$c"); done
    fi
    ((${#missing[@]} == 0)) || skip "not installed: ${missing[*]} (apt-get install slurmd slurmctld slurm-client munge iproute2)"
    [[ $(id -u) -eq 0 ]] || skip "the throwaway cluster runs its daemons as root"
    need_dir "${1:-}"
    [[ ! -e $conf ]] || die "$dir already holds a cluster; use an empty directory"
    if ((nodes > 1)); then
        unshare --uts --mount --propagation private true 2>/dev/null \
            || skip "the kernel refuses new UTS/mount namespaces (unshare --uts --mount failed)"
        local probe
        probe=parlab-probe-$$
        ip netns add "$probe" 2>/dev/null || skip "the kernel refuses network namespaces (ip netns add failed)"
        ip netns del "$probe"
    fi

    local up=$dir
    while [[ $up != / ]]; do
        up=$(dirname "$up")
        [[ $(( 8#$(stat -c %a "$up") & 1 )) -eq 1 ]] \
            || die "munged needs every directory above its socket searchable by all: chmod o+x $up"
    done
    mkdir -p "$dir"/{etc,munge,munge/private,state,spool,run,log,tmp,bin}
    # munged insists: socket directory reachable by all, key private.
    chmod 711 "$dir"
    chmod 755 "$dir/munge"
    chmod 700 "$dir/munge/private"
    touch "$dir/.parlab-slurm-scratch"

    local cpus real
    real=$(nproc)
    cpus=${PARLAB_SLURM_CPUS:-$real}
    [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "PARLAB_SLURM_CPUS must be a positive number, not '$cpus'"
    ((cpus <= real)) || die "PARLAB_SLURM_CPUS=$cpus but this machine has $real CPUs: a test node declares only CPUs it has"

    local ctld_host ctld_addr ctld_port slurmd_port i host
    if ((nodes == 1)); then
        read -r ctld_port slurmd_port < <(free_ports)
        ctld_host=$(hostname -s)
        ctld_addr=127.0.0.1
    else
        ctld_port=6817        # every namespace has its own ports: the standard ones are free
        slurmd_port=6818
        ctld_host="head"
        ctld_addr=$SUBNET.10
    fi
    sed -e "s|@DIR@|$dir|g" -e "s|@CTLD_HOST@|$ctld_host|g" -e "s|@CTLD_ADDR@|$ctld_addr|g" \
        -e "s|@CTLD_PORT@|$ctld_port|g" -e "s|@SLURMD_PORT@|$slurmd_port|g" \
        "$here/slurm.conf.in" >"$conf"
    if ((nodes == 1)); then
        node_line "$ctld_host" 127.0.0.1 "$cpus" >>"$conf"
    else
        for i in $(seq 1 "$nodes"); do
            node_line "node$i" "$SUBNET.$((10 + i))" "$cpus" >>"$conf"
        done
    fi
    echo "PartitionName=parlab Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >>"$conf"
    # The PMIx plugin's per-step directories default to /tmp/spmix_appdir_<uid>_<job>.<step>:
    # two clusters on one machine (same job ids), or two nodes of one cluster (same job, same
    # /tmp), would collide there.  mpi.conf sits next to slurm.conf; on several nodes each one
    # mounts its own directory over DIR/tmp (in_node).
    # PMIxCollFence=ring: every PMIx fence goes round the ring of the step's nodes, so it is a
    # barrier.  By default a fence that collects no data (the one that ends Open MPI's
    # MPI_Init) climbs a tree of TreeWidth (50) nodes, and when a step has fewer nodes than
    # that, Slurm builds no tree: each node is its own root, and the fence ends on every node as
    # soon as that node's ranks arrive.  A node that is ahead (these nodes share the machine's
    # cores) then sends to a rank still waiting for the modex, and that rank dies of SIGSEGV in
    # MPI_Init.  multinode.py checks the fence with pmix_barrier.py.
    printf '%s\n' "PMIxCliTmpDirBase=$dir/tmp" "PMIxCollFence=ring" >"$dir/etc/mpi.conf"
    # Marker: every daemon, step and job process of this cluster carries it (see cmd_stop).
    export SLURM_CONF=$conf
    # Wrappers that need no DIR argument (for a launcher's agent option, and for people).
    printf '#!/bin/bash\nexec %q on %q "$@"\n' "$self" "$dir" >"$dir/bin/on"
    printf '#!/bin/bash\nexec %q rsh %q "$@"\n' "$self" "$dir" >"$dir/bin/rsh"
    # slurm.conf's TaskProlog: every task's TMPDIR is DIR/tmp, each node's own (in_node).  And
    # Open MPI's ranks yield the core while they wait: this cluster's nodes, and jobs side by
    # side, share the machine's cores, which Open MPI cannot see (Slurm gives each node its
    # CPUs), and ranks that spin take the core from the rank they wait for (docs/slurm.md).
    printf '#!/bin/bash\n# TaskProlog of the cluster in %s (cluster.sh): the node'"'"'s own TMPDIR, and\n# Open MPI ranks that yield while they wait (the nodes share the machine'"'"'s cores)\necho %q\necho %q\n' \
        "$dir" "export TMPDIR=$dir/tmp" "export OMPI_MCA_mpi_yield_when_idle=1" >"$dir/bin/task-prolog"
    chmod 755 "$dir/bin/on" "$dir/bin/rsh" "$dir/bin/task-prolog"

    # Private munged: own key, socket, pid, log and seed files.  One munged serves every node:
    # its socket is a file, which all the namespaces see.
    head -c 1024 /dev/urandom >"$dir/munge/private/munge.key"
    chmod 400 "$dir/munge/private/munge.key"
    munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/private/munge.key" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
        --seed-file="$dir/munge/private/munged.seed" \
        || { show_logs; die "munged failed to start"; }
    wait_for 10 test -S "$dir/munge/munge.socket" || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "munged socket did not appear"; }

    if ((nodes == 1)); then
        mkdir -p "$dir/spool/slurmd-$ctld_host"
        slurmctld -f "$conf" || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "slurmctld failed to start"; }
        slurmd -f "$conf" || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "slurmd failed to start"; }
    else
        make_network "$nodes" || { cmd_stop "$dir" >/dev/null 2>&1; skip "the kernel refuses network namespaces or veth pairs here"; }
        in_node "$(ns_of head)" head slurmctld -f "$conf" \
            || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "slurmctld failed to start"; }
        for i in $(seq 1 "$nodes"); do
            host=node$i
            mkdir -p "$dir/spool/slurmd-$host"
            in_node "$(ns_of "$host")" "$host" slurmd -f "$conf" -N "$host" \
                || { show_logs; cmd_stop "$dir" >/dev/null 2>&1; die "slurmd on $host failed to start"; }
        done
    fi
    if ! wait_for 30 nodes_idle; then
        client sinfo -N -l >&2 || true
        show_logs
        cmd_stop "$dir" >/dev/null 2>&1 || true
        die "the nodes did not become idle within 30 s"
    fi
    if ((nodes == 1)); then
        echo "cluster up: node $ctld_host, $cpus CPUs declared ($real real), state in $dir"
    else
        echo "cluster up: head + $nodes nodes (node1..node$nodes, $cpus CPUs declared each), all on this machine's $real CPUs: times across nodes mean nothing; state in $dir"
        echo "run client commands on the head node: $dir/bin/on head sbatch ..."
    fi
    echo "export SLURM_CONF=$conf"
}

cmd_on() {  # cmd_on HOST CMD...: in HOST's namespaces (those of its daemon)
    local host=${1:?on needs a HOST} pid ns
    shift
    multi || die "the cluster in $dir has a single node: run commands directly"
    ns=$(ns_of "$host")
    [[ -n $ns ]] || die "no host '$host' in this cluster ($(awk '{printf "%s ", $1}' "$dir/etc/hostmap"))"
    if [[ $host == head ]]; then pid=$(pid_of slurmctld) || pid=; else pid=$(pid_of "slurmd-$host" slurmd) || pid=; fi
    if [[ -n $pid ]]; then
        # entering a mount namespace starts at /: back to this directory, as seen there; and
        # the host's own TMPDIR, as its Slurm tasks have it (bin/task-prolog)
        nsenter --target "$pid" --net --uts --mount -- env -C "$PWD" TMPDIR="$dir/tmp" "$@"
    else
        # the daemon is gone (clean-up): its network is all that is left
        nsenter --net="/run/netns/$ns" -- "$@"
    fi
}

cmd_rsh() {  # cmd_rsh [ssh options] HOST WORDS...: what `ssh HOST WORDS...` would run
    while [[ ${1:-} == -* ]]; do
        case $1 in
            -o|-p|-l|-i|-F|-E|-c|-m|-b) shift 2 ;;
            *) shift ;;
        esac
    done
    local host=${1:?rsh needs a HOST}
    shift
    cmd_on "$host" /bin/sh -c "$*"
}

ancestors() {  # this process and its ancestors: never kill these
    local p=$$
    while [[ -n $p && $p != 0 ]]; do
        echo "$p"
        p=$(awk '/^PPid:/ {print $2}' "/proc/$p/status" 2>/dev/null) || break
    done
}

leftovers() {  # job processes of this cluster (SLURM_CONF=$conf) and anything in its netns
    local e pid comm keep envs ns
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
    if [[ -s $dir/etc/netns ]]; then
        while read -r ns; do
            [[ -e /run/netns/$ns ]] || continue
            for pid in $(ip netns pids "$ns" 2>/dev/null); do
                [[ $keep == *" $pid "* ]] || echo "$pid"
            done
        done <"$dir/etc/netns"
    fi
}

cmd_stop() {
    need_dir "${1:-}"
    [[ -e $dir/.parlab-slurm-scratch ]] || { echo "cluster.sh: no cluster in $dir"; return 0; }
    [[ ! -e $dir/stopped ]] || { echo "cluster in $dir already stopped"; return 0; }
    export SLURM_CONF=$conf
    local name comm pid pids=() names=() jobs
    # Read the pid files first: the daemons delete them when they exit.
    while read -r name comm; do
        if pid=$(pid_of "$name" "$comm"); then pids+=("$pid"); names+=("$name"); fi
    done < <(daemons)
    if pid_of slurmctld >/dev/null; then
        jobs=$(timeout 5 "$self" _client "$dir" squeue -h -o %A 2>/dev/null | tr '\n' ' ') || jobs=
        if [[ -n ${jobs// /} ]]; then
            # shellcheck disable=SC2086  # word splitting of the job id list is intended
            timeout 5 "$self" _client "$dir" scancel $jobs 2>/dev/null || true
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
    left=$(leftovers | sort -u | tr '\n' ' ')
    if [[ -n ${left// /} ]]; then
        echo "killing leftover processes of this cluster: $left"
        # shellcheck disable=SC2086
        kill -KILL $left 2>/dev/null || true
    fi
    if [[ -s $dir/etc/netns ]]; then
        local ns deleted=()
        while read -r ns; do
            if [[ -e /run/netns/$ns ]]; then
                ip netns del "$ns" && deleted+=("$ns")
            fi
        done <"$dir/etc/netns"
        ((${#deleted[@]} == 0)) || echo "deleted network namespaces: ${deleted[*]}"
    fi
    touch "$dir/stopped"
    echo "cluster in $dir stopped"
}

cmd_watch() {
    need_dir "${1:-}"
    local watched=${2:?watch needs a PID}
    while kill -0 "$watched" 2>/dev/null; do
        sleep 1
    done
    # The test is gone: stop whatever it started (also a start that was cut short).
    if [[ -e $dir/.parlab-slurm-scratch && ! -e $dir/stopped ]]; then
        echo "cluster.sh watch: process $watched is gone; stopping the cluster in $dir" >&2
        cmd_stop "$dir"
    fi
}

cmd_status() {
    need_dir "${1:-}"
    export SLURM_CONF=$conf
    local name comm pid
    while read -r name comm; do
        if pid=$(pid_of "$name" "$comm"); then echo "$name: running (pid $pid)"; else echo "$name: not running"; fi
    done < <(daemons)
    if [[ -s $dir/etc/netns ]]; then
        echo "network namespaces: $(tr '\n' ' ' <"$dir/etc/netns")"
    fi
    client sinfo -N -o '%N %T %c' 2>/dev/null || true
}

case ${1:-} in
    start) cmd_start "${2:-}" "${3:-1}" ;;
    stop) cmd_stop "${2:-}" ;;
    watch) cmd_watch "${2:-}" "${3:-}" ;;
    status) cmd_status "${2:-}" ;;
    on) need_dir "${2:-}"; shift 2; cmd_on "$@" ;;
    rsh) need_dir "${2:-}"; shift 2; cmd_rsh "$@" ;;
    _client) need_dir "${2:-}"; shift 2; client "$@" ;;
    *) echo "usage: $0 start DIR [NODES] | stop|status DIR | on DIR HOST CMD... | rsh DIR HOST WORDS... | watch DIR PID" >&2; exit 2 ;;
esac
