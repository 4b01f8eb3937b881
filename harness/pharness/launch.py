"""How each variant is launched, and one guarded run of one program: the one launcher that the
harness, the perf benchmark and the tests share.

serial / openmp: run the binary directly with OMP_NUM_THREADS=T and --expect-threads T.
mpi / hybrid:    mpiexec -n R <binary> --expect-ranks R (hybrid also --expect-threads T),
                 stdin from /dev/null, with parlab's launch environment (common/launch_env.sh;
                 docs/mpi-launch.md says why each setting is there) set for this launch only,
                 never exported.
"""
import json
import os
import shutil
import signal
import subprocess
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
    """The caller's environment, less its OpenMP settings (unless inherit_omp), plus overrides."""
    env = {k: v for k, v in os.environ.items()
           if inherit_omp or not k.startswith(("OMP_", "GOMP_", "KMP_"))}
    env.update(overrides)
    return env


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


def run(argv, env_overrides, timeout, inherit_omp=False):
    """Run one program; return (returncode, stdout, stderr, wall_seconds).
    The whole process group is killed on timeout (mpiexec and its ranks included)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                env=child_environment(env_overrides, inherit_omp),
                                start_new_session=True)
    except OSError as exc:
        raise LaunchError("cannot start %s: %s" % (argv[0], exc.strerror))
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException as exc:  # Ctrl-C too: the run is in its own session, so stop it here
        _kill_group(proc)
        if not isinstance(exc, subprocess.TimeoutExpired):
            raise
        out, err = proc.communicate()
        raise LaunchError("timed out after %g s (use --timeout to allow longer runs); "
                          "stderr tail: %s" % (timeout, tail(err)))
    return (proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
            time.monotonic() - t0)


def _kill_group(proc):
    """SIGTERM to the run's process group (mpiexec passes it on to its ranks), then SIGKILL
    to whatever is left, so no rank survives to hold the output pipes open."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


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
