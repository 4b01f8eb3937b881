#!/usr/bin/env python3
"""By hand, after eval "$(./parlab env)": a rank killed by SIGKILL is named in one line with a
hint (memory), and a program's own line for its exit 2 gets no box of Open MPI's.

Why: the settings alone (OMPI_MCA_orte_execute_quiet=1) hid Open MPI's notice of a killed rank,
and a student whose rank ran out of memory saw nothing but exit status 137.  `./parlab env`
now also defines mpirun as a function that lifts the quiet setting and filters Open MPI's
boxes (common/mpirun_errors.awk).  The control: the plain launcher (`command mpirun`) with the
settings alone prints nothing for the same kill, so the test can tell the two apart.

usage: mpi_dead_rank.py SUM_MPI LAUNCHER    (Open MPI only: MPICH's launcher names the rank
itself; skipped, 77)
"""
import os
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV_SCRIPT = os.path.join(REPO, "common", "launch_env.sh")
N = "30000007"  # unique among the machine's processes: how the ranks are found


def rank_pid(rank, started):
    """The pid of the run's rank `rank`, by its arguments and Open MPI's rank variable."""
    while time.monotonic() - started < 20:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % entry, "rb") as fh:
                    argv = fh.read().split(b"\0")
                if N.encode() not in argv or not argv[0].endswith(b"sum_mpi"):
                    continue
                with open("/proc/%s/environ" % entry, "rb") as fh:
                    env = fh.read().split(b"\0")
                if ("OMPI_COMM_WORLD_RANK=%d" % rank).encode() in env:
                    return int(entry)
            except OSError:
                continue
        time.sleep(0.1)
    return None


def run(program, launcher, plain, kill):
    """(exit status, stderr) of `mpirun -np 3 program` in a bash that ran the eval."""
    call = "command %s" % launcher if plain else "mpirun"
    args = "-n %s --repeat 5000" % N if kill else "--bogus"
    script = 'eval "$(%s)" && %s -np 3 %s %s' % (ENV_SCRIPT, call, program, args)
    if not plain and os.path.basename(launcher) != "mpirun":
        # the function is called mpirun; it calls the first mpirun on PATH: this launcher's
        script = 'PATH="%s:$PATH"; %s' % (os.path.dirname(launcher), script)
    proc = subprocess.Popen(["bash", "-c", script], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    if kill:
        pid = rank_pid(1, time.monotonic())
        if pid is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, "rank 1 was never found"
        time.sleep(0.3)
        os.kill(pid, signal.SIGKILL)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
    return proc.returncode, err.decode("utf-8", "replace")


def main():
    program, launcher = sys.argv[1], sys.argv[2]
    version = subprocess.run([launcher, "--version"], capture_output=True, text=True,
                             check=False).stdout + ""
    if "Open MPI" not in version and "OpenRTE" not in version:
        print("%s is not Open MPI's launcher; skipped" % launcher)
        return 77
    problems = []
    code, err = run(program, launcher, plain=False, kill=True)
    print("mpirun function, rank 1 killed: exit %s, stderr:\n%s" % (code, err))
    lines = [l for l in err.splitlines() if l.strip()]
    # 137 (128 + SIGKILL) mostly; under load Open MPI may report instead a rank that its own
    # teardown ended, or die itself (141, SIGPIPE): the function returns mpirun's status as it is
    if code is None or not 128 < code < 128 + 65:
        problems.append("exit status %s, want 128 + a signal" % code)
    if len(lines) != 1 or "rank 1 " not in lines[0] or "SIGKILL" not in lines[0] \
            or "memory" not in lines[0]:
        problems.append("want one line naming rank 1, SIGKILL and memory, got %r" % lines)

    code, err = run(program, launcher, plain=False, kill=False)
    print("mpirun function, bad flag: exit %s, stderr:\n%s" % (code, err))
    lines = [l for l in err.splitlines() if l.strip()]
    if code != 2 or not lines or any("unknown option" not in l for l in lines):
        problems.append("bad flag: want exit 2 and only the program's own lines, got %s %r"
                        % (code, lines))

    # the control: the settings alone hide the killed rank, as they did before
    code, err = run(program, launcher, plain=True, kill=True)
    print("plain launcher, rank 1 killed: exit %s, stderr:\n%s" % (code, err))
    # (mpirun itself may die of SIGPIPE in the same teardown: -13 here)
    if code is None or not (code < 0 or 128 < code < 128 + 65) or "rank 1" in err:
        problems.append("control: the plain launcher with the quiet setting should say nothing "
                        "and end by a signal, got exit %s and %r" % (code, err))
    if problems:
        print("FAIL: " + "\nFAIL: ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
