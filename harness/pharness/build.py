"""Build one kernel file into a parlab program, outside Meson: for the pitfall lab, the exercise
checks and the tests that compile with several compilers.

Why here and not a Meson target: a student's file, a broken pitfall or a ThreadSanitizer build
must be compiled on demand, in a scratch directory, with a chosen compiler and flags, and its
compiler errors must reach the student as a message.  The program is linked exactly as Meson
links parlab's own: the kernel file, every shared source of common/, and the variant's "team"
and "threads" files (common/internal.h says what they are).

    build(source, variant, output, compiler="gcc", flags=(), werror=True, cache=None) -> output

A program with a main() of its own (an exercise that is not a parlab workload) is built with
parlab=False: the variant's OpenMP and MPI flags, and none of parlab's sources.  prefix is a
command the compiler runs under, e.g. the exercise grader's setpriv and prlimit.  cache is a
directory where parlab's own objects are kept between builds (see parlab_objects): a build
then compiles only the given sources, which is most of the time an exercise check takes.
"""
import hashlib
import os
import shutil
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMON = os.path.join(REPO, "common")
VARIANT_FILES = {  # (team, threads) of each variant
    "serial": ("team_single.c", "threads_single.c"),
    "openmp": ("team_single.c", "threads_openmp.c"),
    "mpi": ("team_mpi.c", "threads_single.c"),
    "hybrid": ("team_mpi.c", "threads_openmp.c"),
}
WARNINGS = ["-Wall", "-Wextra"]
# ThreadSanitizer with OpenMP: clang with its own runtime (libomp), whose internals TSan cannot
# see through and reports falsely; the suppressions name only the runtime's frames.
TSAN = ["-fsanitize=thread", "-g", "-O1"]
TSAN_SUPPRESSIONS = os.path.join(REPO, "harness", "tsan.supp")


class BuildError(Exception):
    """The compiler refused the file: str() is its first errors."""


def shared_sources():
    """Every source of common/ that all variants share (not the team and threads files)."""
    variant_files = {f for pair in VARIANT_FILES.values() for f in pair}
    return sorted(os.path.join(COMMON, f) for f in os.listdir(COMMON)
                  if f.endswith(".c") and f not in variant_files)


def mpi_flags(mpi="openmpi", link=True):
    """Compile and link flags of an MPI library, from pkg-config (ompi-c or mpich); with
    link=False the compile flags only."""
    package = {"openmpi": "ompi-c", "mpich": "mpich"}[mpi]
    try:
        out = subprocess.run(["pkg-config", "--cflags"] + (["--libs"] if link else []) + [package],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError("cannot run pkg-config for %s: %s" % (package, exc))
    if out.returncode != 0:
        raise BuildError("no %s for pkg-config (Debian: apt-get install %s)"
                         % (package, "libopenmpi-dev" if mpi == "openmpi" else "libmpich-dev"))
    return out.stdout.split()


def parlab_sources(variant):
    """parlab's own sources that a kernel file of `variant` links with."""
    team, threads = VARIANT_FILES[variant]
    return shared_sources() + [os.path.join(COMMON, team), os.path.join(COMMON, threads)]


def command(sources, variant, output, compiler="gcc", flags=(), werror=True, mpi="openmpi",
            extra_sources=(), parlab=True, objects=None):
    """The compiler command line that builds these kernel sources as a program of `variant`
    (parlab=False: sources that hold their own main(), without parlab's driver; objects:
    parlab's sources already compiled, from parlab_objects)."""
    cmd = [compiler, "-std=c11", "-D_GNU_SOURCE", '-DPARLAB_VERSION="scratch"', "-O2"]
    cmd += WARNINGS + (["-Werror"] if werror else []) + list(flags)
    cmd += ["-I", COMMON, "-o", output] + list(sources) + list(extra_sources)
    if parlab:
        cmd += list(objects) if objects else parlab_sources(variant)
    if variant in ("openmp", "hybrid"):
        cmd.append("-fopenmp")
    if variant in ("mpi", "hybrid"):
        cmd += mpi_flags(mpi)
    return cmd + ["-lm"]


_versions = {}


def parlab_objects(variant, compiler, flags, werror, mpi, cache, timeout=300):
    """parlab's own sources for `variant`, compiled with this compiler and these flags into a
    directory of `cache` named by a hash of all that (the compiler's --version, the flags, and
    every file of common/), and reused by every later build that matches.  A directory appears
    only when complete (os.rename), so builds that run at once never see half of one.  Never
    give a cache that the code being built can write to: it would compile into other builds."""
    if compiler not in _versions:
        _versions[compiler] = subprocess.run([compiler, "--version"], capture_output=True,
                                             text=True, timeout=30, check=False).stdout
    digest = hashlib.sha256(repr((_versions[compiler], variant, list(flags), werror, mpi,
                                  mpi_flags(mpi, link=False) if variant in ("mpi", "hybrid")
                                  else [])).encode())
    for name in sorted(os.listdir(COMMON)):
        with open(os.path.join(COMMON, name), "rb") as fh:
            digest.update(name.encode() + b"\0" + fh.read())
    sources = parlab_sources(variant)
    folder = os.path.join(cache, digest.hexdigest()[:24])
    objects = [os.path.join(folder, os.path.basename(s)[:-2] + ".o") for s in sources]
    if os.path.isdir(folder):
        return objects
    os.makedirs(cache, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix=".objects-", dir=cache)
    cmd = [compiler, "-std=c11", "-D_GNU_SOURCE", '-DPARLAB_VERSION="scratch"', "-O2"]
    cmd += WARNINGS + (["-Werror"] if werror else []) + list(flags) + ["-I", COMMON, "-c"]
    if variant in ("openmp", "hybrid"):
        cmd.append("-fopenmp")
    if variant in ("mpi", "hybrid"):
        cmd += mpi_flags(mpi, link=False)
    try:
        done = subprocess.run(cmd + sources, cwd=scratch, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise BuildError("parlab's own sources: " + done.stderr.strip()[-500:])
        try:
            os.rename(scratch, folder)
        except OSError:  # another build finished the same objects first: theirs are the same
            pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return objects


def build(sources, variant, output, compiler="gcc", flags=(), werror=True, mpi="openmpi",
          timeout=300, parlab=True, prefix=(), cache=None):
    """Compiles; returns the program's path, or raises BuildError with the compiler's errors."""
    if isinstance(sources, str):
        sources = [sources]
    if not shutil.which(compiler):
        raise BuildError("%s is not installed" % compiler)
    objects = (parlab_objects(variant, compiler, flags, werror, mpi, cache, timeout)
               if cache and parlab else None)
    cmd = list(prefix) + command(sources, variant, output, compiler, flags, werror, mpi,
                                 parlab=parlab, objects=objects)
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise BuildError("%s took more than %d s" % (compiler, timeout))
    if done.returncode != 0:
        lines = [l for l in done.stderr.splitlines() if "error" in l or "warning" in l]
        raise BuildError("; ".join(lines[:3]) or done.stderr.strip()[-500:])
    return output


def tsan_env():
    """The environment a ThreadSanitizer build runs with: the suppressions, and one report
    per race location on stderr, exit 66 when it found one.

    history_size=7 and suppress_equal_addresses=0: TSan (LLVM 14) drops a race's report when it
    cannot rebuild the earlier access's stack from the other thread's recent history, and by
    default it then stays silent about that address for the rest of the run.  A longer history
    and a second chance at the same address: on pitfalls/race at n = 4e6, with three busy loops
    beside it on 2 cores, 10 of 10 runs reported the race, against 2 of 10 with the defaults
    (10 of 10 either way on a quiet machine; pitfalls/race/README.md)."""
    return {"TSAN_OPTIONS": "suppressions=%s exitcode=66 halt_on_error=0 report_signal_unsafe=0 "
            "history_size=7 suppress_equal_addresses=0" % TSAN_SUPPRESSIONS}


def races(stderr):
    """The data races ThreadSanitizer reported: one (location, function) per SUMMARY line, e.g.
    ('race.c:14:13', '.omp_outlined._debug__.1'), in the order reported, without repeats."""
    found = []
    for line in stderr.splitlines():
        if line.startswith("SUMMARY: ThreadSanitizer: data race "):
            rest = line[len("SUMMARY: ThreadSanitizer: data race "):].split(" in ", 1)
            where = os.path.basename(rest[0].strip())
            item = (where, rest[1].strip() if len(rest) > 1 else "?")
            if item not in found:
                found.append(item)
    return found
