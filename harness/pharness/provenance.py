"""Where a timing came from: machine, code version, toolchain, MPI, OpenMP, Slurm."""
import os
import platform
import re
import socket
import subprocess

SLURM_VARS = {
    "job_id": "SLURM_JOB_ID",
    "array_job_id": "SLURM_ARRAY_JOB_ID",
    "array_task_id": "SLURM_ARRAY_TASK_ID",
    "cpus_per_task": "SLURM_CPUS_PER_TASK",
    "ntasks": "SLURM_NTASKS",
    "nodelist": "SLURM_JOB_NODELIST",
}


def usable_cores():
    """CPUs this process may run on (affinity mask: honours taskset, cgroups and Slurm)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def load_warning(cores=None):
    """One line when the 1-minute load average exceeds the usable cores (other work is running,
    so timings are noisy and speedups look worse than they are); None otherwise."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return None
    cores = cores or usable_cores()
    if load <= cores:
        return None
    return ("WARNING: the 1-minute load average is %.2f on %d usable cores: other work is "
            "running, so these times are noisy and speedups look worse than they are"
            % (load, cores))


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _run(cmd, timeout=10, cwd=None):
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout, cwd=cwd, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None, ""
    return out.returncode, out.stdout.decode("utf-8", "replace")


def git_info(repo_dir):
    rc, out = _run(["git", "-C", repo_dir, "rev-parse", "HEAD"])
    commit = out.strip() if rc == 0 and re.fullmatch(r"[0-9a-f]{40}", out.strip()) else None
    dirty = None
    if commit:
        rc, out = _run(["git", "-C", repo_dir, "status", "--porcelain", "--untracked-files=no"])
        dirty = bool(out.strip()) if rc == 0 else None
    return commit, dirty


def slurm_info(environ=None):
    env = os.environ if environ is None else environ
    return {key: env[var] for key, var in SLURM_VARS.items() if env.get(var)}


def launcher_version(launcher):
    """First meaningful line of `mpiexec --version` (Open MPI: 'mpiexec (OpenRTE) 4.1.4',
    MPICH: 'Version: 4.0.2' from the HYDRA block)."""
    if not launcher:
        return None
    rc, out = _run([launcher, "--version"])
    if rc is None:
        return None
    lines = [l.strip() for l in out.splitlines() if l.strip()]
    for l in lines:
        if l.startswith("Version:"):
            return "HYDRA " + l.split(":", 1)[1].strip()
    return lines[0] if lines else None


def host_provenance(repo_dir):
    """The part that does not depend on the program being run."""
    commit, dirty = git_info(repo_dir)
    return {
        "git_commit": commit,
        "git_dirty": dirty,
        "host": socket.gethostname(),
        "cpu_model": cpu_model(),
        "cores": usable_cores(),
        "cores_online": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "slurm": slurm_info(),
    }


# What a parlab program reports about the machine it ran on (report.c), for every run: the
# program's word is the record's, and the harness's own view of these is kept only where no
# program ran (perf's probe, numpy and seed references, its header).  "cores" stays the
# harness's: the CPUs its allocation may use, another fact than the program's own count (the
# CPUs its ranks may use, which decides "oversubscribed"), which stays in the record's program.
PROGRAM_KNOWS = ("host", "cpu_model")


def record_provenance(host_prov, program_json, launcher=None, launcher_ver=None):
    """A run's provenance: what the program reports about itself and its machine (host, CPU,
    cores, compiler, flags, MPI library, OpenMP settings), and what only the harness knows
    (the git commit, Slurm, the launcher, the load average)."""
    pj = program_json
    prov = {k: v for k, v in host_prov.items() if k not in PROGRAM_KNOWS}
    for key in PROGRAM_KNOWS + ("compiler", "compiler_version", "cflags", "mpi_library"):
        prov[key] = pj.get(key)
    prov["mpi_launcher"] = launcher
    prov["mpi_launcher_version"] = launcher_ver
    prov["omp"] = pj.get("omp") if isinstance(pj.get("omp"), dict) else None
    prov["program_version"] = pj.get("version")
    try:  # other work on the machine makes timings noisy: keep the load next to them
        prov["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        prov["load_average"] = None
    return prov
