"""How each variant is launched, and one guarded run of one program: the one launcher that the
harness, the perf benchmark and the tests share.

serial / openmp: run the binary directly with OMP_NUM_THREADS=T and --expect-threads T.
mpi / hybrid:    mpiexec -n R <binary> --expect-ranks R (hybrid also --expect-threads T),
                 stdin from /dev/null, with parlab's launch environment (common/launch_env.sh;
                 docs/mpi-launch.md says why each setting is there) set for this launch only,
                 never exported.
"""
import concurrent.futures
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from .registry import MPI_VARIANTS, OMP_VARIANTS


class LaunchError(Exception):
    """A run that produced no usable answer (crash, timeout, bad output, wrong shape)."""


def mpi_flavor_of_binary(binary):
    """'openmpi', 'mpich' or None, from the MPI library the binary links (ldd)."""
    try:
        out = subprocess.run(["ldd", binary], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = out.decode("utf-8", "replace")
    if "libmpich" in text or "/mpich/" in text:
        return "mpich"
    if "libmpi.so" in text or "openmpi" in text:
        return "openmpi"
    return None


def find_launcher(flavor):
    """The launcher that belongs to the library (never a bare `mpirun`: on Debian
    mpirun and mpicc are separate alternatives, docs/mpi-launch.md)."""
    names = {"openmpi": ["mpiexec.openmpi", "mpirun.openmpi"],
             "mpich": ["mpiexec.mpich", "mpirun.mpich", "mpiexec.hydra"]}.get(
                 flavor, ["mpiexec.openmpi", "mpiexec"])
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def launcher_flavor(version_line):
    v = (version_line or "").lower()
    if "openrte" in v or "open mpi" in v or "open-mpi" in v or "prte" in v:
        return "openmpi"
    if "hydra" in v or "mpich" in v:
        return "mpich"
    return None


REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCH_ENV_SCRIPT = os.path.join(REPO_ROOT, "common", "launch_env.sh")
_shared_env = {}


def shared_launch_env(script=LAUNCH_ENV_SCRIPT):
    """parlab's one list of MPI launch settings (oversubscription, root, transport, yield),
    as KEY=VALUE lines from common/launch_env.sh --lines; read once per process."""
    if script not in _shared_env:
        try:
            proc = subprocess.run(["bash", script, "--lines"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LaunchError("cannot run %s: %s" % (script, exc))
        if proc.returncode != 0:
            raise LaunchError("%s --lines failed: %s" % (script, tail(proc.stderr)))
        env = {}
        for line in proc.stdout.decode("utf-8", "replace").splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                env[key.strip()] = value.strip()
        _shared_env[script] = env
    return dict(_shared_env[script])


def mpi_launch_env(oversubscribed):
    """The shared list, minus OMP_WAIT_POLICY=PASSIVE unless cores are oversubscribed
    (sleeping waiters cost time in a hybrid run that has a core per thread)."""
    env = shared_launch_env()
    if not oversubscribed:
        env.pop("OMP_WAIT_POLICY", None)
    return env


AFFINITY_PREFIX = "parlab-affinity"


def command(variant, binary, prog_args, ranks=1, threads=1, oversubscribed=False,
            launcher=None, flavor=None, bind=False, show_binding=False):
    """(argv, env_overrides) for one run of a program, as given (no flags added).
    env_overrides are applied on top of a copy of the caller's environment from which every
    inherited OMP_* variable has been removed (child_environment)."""
    env = {"OMP_NUM_THREADS": str(threads)}
    if show_binding and variant in OMP_VARIANTS:
        env["OMP_DISPLAY_AFFINITY"] = "TRUE"
        env["OMP_AFFINITY_FORMAT"] = AFFINITY_PREFIX + " host=%H pid=%P thread=%n cpus=%A"
    if variant == "openmp" and bind:
        # runs are one at a time here, so pinning each thread to a core is safe, and it keeps
        # two threads off one core (docs/timing.md)
        env["OMP_PLACES"] = "cores"
        env["OMP_PROC_BIND"] = "close"
    if oversubscribed:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    if variant not in MPI_VARIANTS:
        return [binary] + list(prog_args), env
    if not launcher:
        raise LaunchError("no MPI launcher found (looked for mpiexec.openmpi / "
                          "mpiexec.mpich); pass --mpiexec PATH")
    env.update(mpi_launch_env(oversubscribed))
    argv = [launcher, "-n", str(ranks)]
    if flavor == "openmpi":
        if show_binding:
            argv.append("--report-bindings")
        if variant == "hybrid":
            # Open MPI binds each of 2 or fewer ranks to one core by default, and all of a
            # rank's threads would share it (docs/mpi-launch.md)
            argv += ["--bind-to", "none"]
    return argv + [binary] + list(prog_args), env


def build_launch(variant, binary, prog_args, ranks, threads, oversubscribed,
                 launcher=None, flavor=None, bind=True):
    """A checked benchmark run: the program must report --json and confirm the threads and
    ranks it got (--expect-threads / --expect-ranks), and the binding is shown and recorded."""
    args = list(prog_args)
    if variant in MPI_VARIANTS:
        args += ["--expect-ranks", str(ranks)]
    if variant != "mpi":
        args += ["--expect-threads", str(threads)]
    return command(variant, binary, args + ["--json"], ranks, threads, oversubscribed,
                   launcher, flavor, bind, show_binding=True)


def child_environment(overrides, inherit_omp=False):
    """The caller's environment, less its OpenMP settings (unless inherit_omp), plus overrides
    (an override of None removes the variable)."""
    env = {k: v for k, v in os.environ.items()
           if inherit_omp or not k.startswith(("OMP_", "GOMP_", "KMP_"))}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


_flavors = {}


def flavor_of_launcher(launcher):
    """'openmpi', 'mpich' or None, from the launcher's own --version (asked once)."""
    if launcher and launcher not in _flavors:
        try:
            out = subprocess.run([launcher, "--version"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
                                 check=False).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        _flavors[launcher] = launcher_flavor(out)
    return _flavors.get(launcher)


class HangError(LaunchError):
    """A run that stopped making progress: it was ended, and the message says where each rank
    was stuck.  `stdout` and `stderr` hold what the run had printed until then (a program's
    last progress line says how far it got)."""

    def __init__(self, message, stdout="", stderr=""):
        super().__init__(message)
        self.stdout, self.stderr = stdout, stderr


def _children():
    """{parent pid: [child pids]} for every process on this machine."""
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # the name may hold spaces and ')'
        kids.setdefault(int(fields[1]), []).append(int(entry))
    return kids


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """(state letter: R, S, D, T stopped, t traced, Z zombie; CPU seconds used so far), or
    (None, 0.0) if the process is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as fh:
            stat = fh.read().decode("utf-8", "replace")
    except OSError:
        return None, 0.0
    fields = stat[stat.rfind(")") + 2:].split()  # fields 3 on; utime and stime are 14 and 15
    return fields[0], (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _state(pid):
    return _stat(pid)[0]


def _rank_of(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as fh:
            env = dict(item.split(b"=", 1) for item in fh.read().split(b"\0") if b"=" in item)
    except OSError:
        return None
    for key in (b"OMPI_COMM_WORLD_RANK", b"PMI_RANK", b"PMIX_RANK"):
        if key in env and env[key].isdigit():
            return int(env[key])
    return None


class Ranks:
    """The processes of one run that run the program: the launcher's descendants whose
    executable is it (for a program started directly, the process itself), each with its MPI
    rank (from the environment the launcher gave it)."""

    def __init__(self, root, program):
        self.root = root
        self.exe = os.path.realpath(program)
        self.known = {}  # pid -> rank, every rank ever seen

    def find(self):
        kids, todo, found = _children(), [self.root], {}
        while todo:
            pid = todo.pop()
            try:
                exe = os.path.realpath("/proc/%d/exe" % pid)
            except OSError:
                exe = None
            if exe == self.exe:
                found[pid] = _rank_of(pid)
            todo += kids.get(pid, [])
        self.known.update(found)
        return found

    def name(self, pid):
        rank = self.known.get(pid)
        return "rank %s (pid %d)" % (rank, pid) if rank is not None else "pid %d" % pid


MPI_FRAME = re.compile(r"\bP?MPI_[A-Za-z_]+\b")
FRAME = re.compile(r"^#\d+\s+(?:0x[0-9a-f]+ in )?([A-Za-z_][A-Za-z0-9_.]*) \(")


def where(pid, timeout=20):
    """Where a process is stuck, from gdb: its MPI call and the program's functions that called
    it ('PMPI_Reduce <- sum_task <- task_once'), or its innermost frames; None if gdb is missing."""
    if not shutil.which("gdb"):
        return None
    try:
        out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-nx", "-ex",
                              "thread apply all bt"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                             check=False).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        return "(gdb could not attach)"
    best = None
    for thread in re.split(r"\n(?=Thread )", out):
        frames = [m.group(1) for m in (FRAME.match(l) for l in thread.splitlines()) if m]
        calls = [i for i, f in enumerate(frames) if MPI_FRAME.fullmatch(f)]
        if calls:
            i = calls[-1]  # the outermost MPI function: the one the program called
            callers = [f for f in frames[i + 1:] if not f.startswith(("__libc", "_start"))]
            best = " <- ".join([frames[i]] + callers[:3])
            break
        if frames and best is None and "main" in frames:
            best = " <- ".join(frames[:4])
    return best or "(no stack: %s)" % (tail(out, 1),)


# Calls that only start or end MPI: a rank may sit in them for seconds on a loaded machine (the
# launcher wires the ranks up), and a hang there is the launcher's, which the run's timeout ends.
START_AND_END = re.compile(r"P?MPI_(Init|Init_thread|Finalize)\b")


def _in_mpi(stack):
    """True when the stack is in an MPI call that waits for other ranks (not MPI's start or end)."""
    return (bool(stack) and bool(MPI_FRAME.match(stack))
            and not START_AND_END.match(stack))


RESCAN_MAX = 3.2  # seconds between searches for new ranks, once the ranks are known
# The deadlock check asks gdb where every rank is (all at once), and again SAMPLE_GAP seconds
# after that look ended.  A look costs gdb about half a second of CPU per rank, and most runs are
# merely slow, on a loaded machine, so gdb looks only at a run that looks stuck: every rank has
# used LOOK_CPU seconds of CPU (ranks that wait in MPI spin: Open MPI's and MPICH's do, while a
# check's small run needs little CPU), or the run is LATE_LOOK seconds old (a rank that waits
# without spinning).  Never before FIRST_SAMPLE seconds.  docs/testing.md has what it costs.
FIRST_SAMPLE, SAMPLE_GAP, LOOK_CPU, LATE_LOOK = 1.5, 2.0, 1.0, 10.0


def where_all(pids):
    """{pid: where(pid)} for every pid, gdb on all of them at once."""
    pids = list(pids)
    if not pids:
        return {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(pids)) as pool:
        return dict(zip(pids, pool.map(where, pids)))


def run(argv, env_overrides, timeout, inherit_omp=False, watch=None, deadlock_check=False,
        output_cap=None):
    """Run one program; return (returncode, stdout, stderr, wall_seconds).

    Nothing may hang: after `timeout` seconds the run is ended, and HangError says so.  With
    `watch` (the program's path, for MPI runs) its ranks are watched too:
      * a rank stopped by a signal (SIGSTOP, SIGTSTP) ends the run within about a second;
      * deadlock_check: once the run looks stuck (LOOK_CPU, LATE_LOOK), gdb looks at every rank
        every two seconds, and when every rank sits in the same MPI call (not MPI's start or
        end) twice in a row, the run is a deadlock and is ended;
      * before a hung run is ended, every rank is shown with the MPI call it is stuck in;
      * a run whose launcher reports a signal (exit status 128 + N) gets one more stderr line
        naming the rank that ended first.
    Every process of the run is ended: the launcher's process group, and every rank seen.

    Each run gets a TMPDIR of its own, removed afterwards: Open MPI's launchers keep one session
    directory per host and user under it, and two launches at once race on it (one removes it
    while the other creates its part: "ORTE_ERROR_LOG: Error in file util/session_dir.c").
    A TMPDIR in env_overrides is used instead (the exercise sandbox's, for its own user).
    With output_cap, each stream is kept to its first output_cap bytes (read_capped): the
    exercise checks run programs that may print without end."""
    if "TMPDIR" in env_overrides:
        return _run(argv, env_overrides, timeout, inherit_omp, watch, deadlock_check,
                    output_cap)
    try:
        tmp = tempfile.mkdtemp(prefix="parlab-run-")
    except OSError as exc:
        raise LaunchError("cannot make a temporary directory for %s: %s"
                          % (argv[0], exc.strerror))
    try:
        return _run(argv, dict({"TMPDIR": tmp}, **env_overrides), timeout, inherit_omp, watch,
                    deadlock_check, output_cap)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(argv, env_overrides, timeout, inherit_omp, watch, deadlock_check, output_cap):
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                env=child_environment(env_overrides, inherit_omp),
                                start_new_session=True)
    except OSError as exc:
        raise LaunchError("cannot start %s: %s" % (argv[0], exc.strerror))
    ranks = Ranks(proc.pid, watch) if watch else None
    output = {}
    reader = threading.Thread(target=lambda: output.update(zip(("out", "err"),
                                                               read_capped(proc, output_cap))))
    reader.start()
    problem, last_sample, next_sample, stopped, ended = None, None, t0 + FIRST_SAMPLE, {}, []
    # Each rank's end is seen the moment it happens (a pidfd becomes readable), so that the
    # rank that died first can be named even when the launcher ends the others at once.
    poller, pidfds = select.poll(), {}
    # Finding the ranks reads every process's /proc/PID/stat, which costs a few ms of CPU on a
    # busy machine; a timed run must not pay that every 200 ms (`./parlab perf` measures it:
    # mpi_hang_watcher_cost).  So the search runs every 200 ms until it finds the ranks, and then
    # ever less often, up to every RESCAN_MAX seconds, while it finds none that it did not know;
    # the ranks it knows are checked (one small file each) every 200 ms.
    current, next_scan, scan_gap = {}, t0, 0.2
    try:
        while reader.is_alive():
            if pidfds:
                for fd, _ in poller.poll(200):
                    pid = pidfds.pop(fd)
                    ended.append(pid)
                    current.pop(pid, None)
                    poller.unregister(fd)
                    os.close(fd)
            else:
                reader.join(0.2)
            now = time.monotonic()
            if ranks and reader.is_alive():
                if now >= next_scan:
                    known = set(ranks.known)
                    current = ranks.find()
                    new = set(current) - known
                    scan_gap = 0.2 if new or not known else min(2 * scan_gap, RESCAN_MAX)
                    next_scan = now + scan_gap
                stats = {pid: _stat(pid) for pid in current}
                states = {pid: state for pid, (state, _) in stats.items()}
                current = {pid: rank for pid, rank in current.items()
                           if states[pid] not in (None, "Z")}  # gone, or ended (a zombie)
                for pid in current:
                    if pid not in ended and pid not in pidfds.values():
                        try:
                            fd = os.pidfd_open(pid)
                        except OSError:
                            continue
                        pidfds[fd] = pid
                        poller.register(fd, select.POLLIN)
                for pid in current:
                    # "T" only: "t" is a tracer's stop, which ends by itself: gdb's (this
                    # watcher's samples, or a student's), or LeakSanitizer's at exit, which
                    # stops every thread while it scans memory, for seconds under load
                    if states[pid] == "T":
                        stopped.setdefault(pid, now)
                    else:
                        stopped.pop(pid, None)
                late = [pid for pid, since in stopped.items() if now - since >= 1.0]
                if late:
                    problem = ("%s is stopped (by SIGSTOP or SIGTSTP) and can never finish"
                               % " and ".join(ranks.name(p) for p in sorted(late)))
                    break
                stuck = (all(stats[pid][1] >= LOOK_CPU for pid in current)
                         or now - t0 >= LATE_LOOK)
                if deadlock_check and current and now >= next_sample and stuck:
                    sample = where_all(current)
                    if all(_in_mpi(s) for s in sample.values()) and sample == last_sample:
                        problem = "deadlock: every rank waits in an MPI call that cannot finish"
                        break
                    last_sample, next_sample = sample, time.monotonic() + SAMPLE_GAP
            if now - t0 >= timeout:
                problem = "no result after %g s" % timeout
                if proc.poll() is not None:
                    problem += (" (the program itself ended, but a process it started still "
                                "holds its output open)")
                break
    except BaseException:  # Ctrl-C too: the run is in its own session, so stop it here
        _end(proc, ranks)
        reader.join()
        raise
    finally:
        for fd in pidfds:
            os.close(fd)
    if problem:
        stacks = ""
        if ranks:
            # a deadlock was just sampled twice: its stacks are current, and gdb is slow
            alive = (last_sample if problem.startswith("deadlock") else
                     where_all(pid for pid in ranks.find() if _state(pid) not in ("T", "t")))
            stacks = "; ".join("%s in %s" % (ranks.name(p), s) for p, s in sorted(
                alive.items(), key=lambda kv: (ranks.known.get(kv[0]) or 0)) if s)
        _end(proc, ranks)
        reader.join(5)
        if reader.is_alive():  # a process that left the run's group and parent holds its pipes
            for pid in _pipe_holders(proc):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        reader.join()
        raise HangError("%s%s; every process of the run was ended; stderr tail: %s"
                        % (problem, "; " + stacks if stacks else "",
                           tail(output.get("err", b""))),
                        output.get("out", b"").decode("utf-8", "replace"),
                        output.get("err", b"").decode("utf-8", "replace"))
    reader.join()
    err = output["err"].decode("utf-8", "replace")
    if ranks and proc.returncode is not None and 128 < proc.returncode < 128 + 65:
        first = [p for p in ended if p in ranks.known][:1]
        err += ("parlab: %s: %s\n" % (describe_exit(proc.returncode),
                                       "%s was the first rank to end" % ranks.name(first[0])
                                       if first else "which rank, the launcher did not say"))
    _end(proc, ranks)  # nothing of the run may outlive it
    return (proc.returncode, output["out"].decode("utf-8", "replace"), err,
            time.monotonic() - t0)


# What the exercise checks keep of each output stream of a run (run(output_cap=...)): a
# student's program that prints gigabytes within its time limit must not cost the check (and
# the grader) that much memory.
OUTPUT_CAP = 1 << 20
CUT_NOTE = b"\n(output cut: more than 1 MiB on this stream; the rest was read and dropped)\n"


def read_capped(proc, cap=None):
    """(stdout, stderr) of proc as bytes, each its first `cap` bytes (all, for None) and
    CUT_NOTE when there was more; the rest is read and dropped, so that the program is never
    blocked on a full pipe.  Returns when both streams are closed and proc has ended."""
    streams = {proc.stdout.fileno(): "out", proc.stderr.fileno(): "err"}
    kept = {"out": bytearray(), "err": bytearray()}
    cut = set()
    poller = select.poll()
    for fd in streams:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while streams:
        for fd, _ in poller.poll():
            chunk = os.read(fd, 1 << 16)
            name = streams.get(fd)
            if not chunk:
                poller.unregister(fd)
                del streams[fd]
                continue
            room = len(chunk) if cap is None else cap - len(kept[name])
            if room > 0:
                kept[name] += chunk[:room]
            if len(chunk) > room:
                cut.add(name)
    proc.stdout.close()
    proc.stderr.close()
    proc.wait()
    return tuple(bytes(kept[n]) + (CUT_NOTE if n in cut else b"") for n in ("out", "err"))


def _end(proc, ranks):
    """SIGTERM to the run's process group (mpiexec passes it on to its ranks), then SIGKILL
    to whatever is left, ranks that left the group included, so that nothing survives to hold
    the output pipes open or to keep a core busy."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for pid in list(ranks.find()) if ranks else []:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _pipe_holders(proc):
    """The processes, other than this one, that hold the run's output pipes open: a process
    that left the run's process group (setsid) and was handed to init when its parent ended is
    still part of the run, and would keep the run from ending."""
    pipes = set()
    for stream in (proc.stdout, proc.stderr):
        try:
            pipes.add("pipe:[%d]" % os.fstat(stream.fileno()).st_ino)
        except (AttributeError, OSError, ValueError):
            pass
    holders = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % entry)
            if any(os.readlink("/proc/%s/fd/%s" % (entry, fd)) in pipes for fd in fds):
                holders.append(int(entry))
        except OSError:
            continue
    return holders


def instructions(program, args, threads=1, timeout=600, own_code_only=False):
    """Instructions the program executes, counted by valgrind (callgrind): repeatable to the
    last few digits, unlike seconds, so a test can judge them.  With own_code_only, only those
    in the program's own code, not in the libraries it calls: an OpenMP runtime's waiting
    threads spin or yield a different number of times every run, and most under load.  Returns
    (count, None), or (None, the reason) when valgrind failed or printed no count."""
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "callgrind.out")
        argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file,
                program] + args
        # valgrind runs one thread at a time: a thread that spins while it waits for the
        # others would add its spinning to the count, a different amount every run
        code, _, err, _ = run(argv, {"OMP_NUM_THREADS": str(threads),
                                     "OMP_WAIT_POLICY": "PASSIVE"}, timeout)
        match = re.search(r"Collected : (\d+)", err)
        if code != 0 or not match:
            return None, "valgrind %s: %s" % (describe_exit(code) if code
                                              else "printed no count", tail(err, 3))
        if not own_code_only:
            return int(match.group(1)), None
        return _own_instructions(out_file, program)


def _own_instructions(out_file, program):
    """The instructions callgrind counted in the program's own file (its "ob=" object), read
    from callgrind's output format: "ob=(id) name" (or "cob=", for a callee) names an object
    and "ob=(id)" reuses the name, a cost line is
    "position count", and the line after "calls=" is the cost of a call, already counted in
    the callee, so it is skipped."""
    own = os.path.realpath(program)
    names, current, total, skip_next = {}, None, 0, False
    with open(out_file, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(("ob=", "cob=")):
                ident, _, name = line.split("=", 1)[1].strip().partition(" ")
                if not ident.startswith("("):
                    ident, name = "", ident
                if name:
                    names[ident] = name
                if line.startswith("ob="):
                    current = names.get(ident, name)
            elif line.startswith("calls="):
                skip_next = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if skip_next:
                    skip_next = False
                elif current and os.path.realpath(current) == own:
                    fields = line.split()
                    total += int(fields[1]) if len(fields) > 1 else 0
    if total == 0:
        return None, "callgrind counted no instruction in %s itself" % program
    return total, None


def tail(text, n=5):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [l for l in (text or "").splitlines() if l.strip()]
    return " | ".join(lines[-n:]) if lines else "(empty)"


def describe_exit(returncode):
    """'exit status 1', or the signal that ended the program (or, through mpiexec, a rank)."""
    if returncode is not None and returncode < 0:
        return "killed by signal %d (%s)" % (-returncode, _signal_name(-returncode))
    if returncode is not None and 128 < returncode < 128 + 65:
        return ("exit status %d: a process died of signal %d (%s)"
                % (returncode, returncode - 128, _signal_name(returncode - 128)))
    return "exit status %s" % returncode


def _signal_name(number):
    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def parse_json_line(stdout, stderr, returncode):
    """The contract: exactly one line on stdout, a JSON object.  Lines that OpenMP runtimes
    print for OMP_DISPLAY_AFFINITY (clang's libomp prints them on stdout) are not part of it.
    More lines usually means N unconnected one-rank copies (launcher/library mismatch: a
    program started by another MPI's mpirun)."""
    lines = [l for l in stdout.splitlines() if l.strip() and AFFINITY_PREFIX not in l]
    if not lines and returncode not in (0, 1):
        raise LaunchError("no result: %s; stderr: %s" % (describe_exit(returncode),
                                                         tail(stderr)))
    if len(lines) != 1:
        raise LaunchError("expected exactly one JSON line on stdout, got %d (%s); "
                          "several lines often mean the MPI launcher does not match the "
                          "library; stdout: %s; stderr: %s"
                          % (len(lines), describe_exit(returncode), tail(stdout, 3),
                             tail(stderr)))
    try:
        obj = json.loads(lines[0])
    except ValueError as exc:
        raise LaunchError("stdout is not JSON (%s): %s; stderr: %s"
                          % (exc, lines[0][:200], tail(stderr)))
    if not isinstance(obj, dict):
        raise LaunchError("stdout JSON is not an object: %s" % lines[0][:200])
    return obj


def binding_lines(*streams):
    """Binding reports: Open MPI --report-bindings and OpenMP OMP_DISPLAY_AFFINITY lines, from
    whichever stream printed them (libgomp: stderr; clang's libomp: stdout)."""
    keep = []
    for line in "\n".join(streams).splitlines():
        s = line.strip()
        if AFFINITY_PREFIX in s or "MCW rank" in s:
            keep.append(s[s.find(AFFINITY_PREFIX):] if AFFINITY_PREFIX in s else s)
    return keep
