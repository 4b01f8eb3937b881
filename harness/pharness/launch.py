"""How each variant is launched, and one guarded run of one program.

serial / openmp: run the binary directly with OMP_NUM_THREADS=T and --expect-threads T.
mpi / hybrid:    mpiexec -n R <binary> --expect-ranks R (hybrid also --expect-threads T),
                 stdin from /dev/null, with parlab's launch environment (common/launch_env.sh:
                 field notes sections 1-3 and 11) set for this launch only, never exported.
"""
import json
import os
import shutil
import signal
import subprocess
import time

MPI_VARIANTS = ("mpi", "hybrid")
OMP_VARIANTS = ("openmp", "hybrid")


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
    """The launcher that belongs to the library (never a bare `mpirun`, R-LAUNCH-2)."""
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


def build_launch(variant, binary, prog_args, ranks, threads, oversubscribed,
                 launcher=None, flavor=None, bind=True):
    """Return (argv, env_overrides).  env_overrides are applied on top of a copy of the
    caller's environment from which every inherited OMP_* variable has been removed."""
    env = {"OMP_NUM_THREADS": str(threads)}
    if variant in OMP_VARIANTS:
        env["OMP_DISPLAY_AFFINITY"] = "TRUE"
        env["OMP_AFFINITY_FORMAT"] = AFFINITY_PREFIX + " host=%H pid=%P thread=%n cpus=%A"
    if variant == "openmp" and bind:
        # benchmark runs are sequential, so pinning threads is safe here (R-OMP-4)
        env["OMP_PLACES"] = "cores"
        env["OMP_PROC_BIND"] = "close"
    if oversubscribed:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    args = list(prog_args)
    if variant in MPI_VARIANTS:
        if not launcher:
            raise LaunchError("no MPI launcher found (looked for mpiexec.openmpi / "
                              "mpiexec.mpich); pass --mpiexec PATH")
        env.update(mpi_launch_env(oversubscribed))
        argv = [launcher, "-n", str(ranks)]
        if flavor == "openmpi":
            argv.append("--report-bindings")
            if variant == "hybrid":
                # default binding would put all of a rank's threads on one core (R-OMP-6)
                argv += ["--bind-to", "none"]
        argv.append(binary)
        argv += args + ["--expect-ranks", str(ranks)]
        if variant == "hybrid":
            argv += ["--expect-threads", str(threads)]
    else:
        argv = [binary] + args + ["--expect-threads", str(threads)]
    argv.append("--json")
    return argv, env


def child_environment(overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_", "KMP_"))}
    env.update(overrides)
    return env


def run(argv, env_overrides, timeout):
    """Run one program; return (returncode, stdout, stderr, wall_seconds).
    The whole process group is killed on timeout (mpiexec and its ranks included)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=child_environment(env_overrides),
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


def parse_json_line(stdout, stderr, returncode):
    """The contract: exactly one line on stdout, a JSON object.  More lines usually means
    N unconnected one-rank copies (launcher/library mismatch, R-LAUNCH-1)."""
    lines = [l for l in stdout.splitlines() if l.strip()]
    if len(lines) != 1:
        raise LaunchError("expected exactly one JSON line on stdout, got %d (exit status %s); "
                          "several lines often mean the MPI launcher does not match the "
                          "library; stdout: %s; stderr: %s"
                          % (len(lines), returncode, tail(stdout, 3), tail(stderr)))
    try:
        obj = json.loads(lines[0])
    except ValueError as exc:
        raise LaunchError("stdout is not JSON (%s): %s; stderr: %s"
                          % (exc, lines[0][:200], tail(stderr)))
    if not isinstance(obj, dict):
        raise LaunchError("stdout JSON is not an object: %s" % lines[0][:200])
    return obj


def binding_lines(stderr):
    """Binding reports: Open MPI --report-bindings and OpenMP OMP_DISPLAY_AFFINITY lines."""
    keep = []
    for line in stderr.splitlines():
        s = line.strip()
        if AFFINITY_PREFIX in s or "MCW rank" in s:
            keep.append(s[s.find(AFFINITY_PREFIX):] if AFFINITY_PREFIX in s else s)
    return keep
