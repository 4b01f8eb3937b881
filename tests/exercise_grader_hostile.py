#!/usr/bin/env python3
"""The grader against hostile submissions: none may forge its grade, outlive its check, read
what is hidden, bring in what should stay out, or flood the grader.

Why these submissions: each is an attack that once got through (docs/grading.md, "The sandbox").
For exercise 02 (OpenMP, graded two at a time, --jobs 2):
  forgeries:  a JSON result with newlines and a fake grade in it; fake thread-probe lines and
              _exit before the real probe reports; _exit with no probe line; escape sequences;
  outliving:  a process that keeps changing its process id, in a session of its own;
  hidden:     #include of the solution, #include of another submission, and reading both at
              run time, and the submissions' folder in any process's command line or
              environment (/proc);
  outside:    an environment variable of the grader's caller; a 200 MB output flood; two
              processes that each fill 1.9 GiB; a memory hog under ThreadSanitizer only; a
              connection to a port this test listens on.
For exercise 01 (MPI): no MPI call at all, the rank from Open MPI's environment and _exit (no
probe line); a malformed probe line; the solution as a control.
Then: every grade (a forgery is never "done"), no escape character and no secret in grades.csv,
grades.log or the grader's output, every file outside the scratch copies unchanged, no process
of the grader user left, no connection made, and the grader's own peak memory (VmHWM) under
500 MB.

Needs root, namespaces and cgroups (the sandbox's layers); skipped (77) without them.
"""
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import exercise_grader as base

REPO = base.REPO
EX01 = os.path.join(REPO, "exercises", "01-spmd-hello")
SECRET_NAME, SECRET = "PARLAB_HOSTILE_SECRET", "s3cret-%d" % os.getpid()
MEMORY_MB, RUN_TIMEOUT, TIME_LIMIT = 256, 5, 60
GRADER_MEMORY_LIMIT_KB = 500 * 1024

# A program with its own main(), for exercise 02's runs: the closed form n(n-1)/2 as the JSON
# line parlab's driver prints, then FORGE, then _exit (no exit handler runs: no probe line).
FORGED_MAIN = r'''#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long option(int argc, char **argv, const char *name, long long fallback)
{
    for (int k = 1; k + 1 < argc; k++)
        if (strcmp(argv[k], name) == 0)
            return atoll(argv[k + 1]);
    return fallback;
}

int main(int argc, char **argv)
{
    long long n = option(argc, argv, "-n", 1000), tasks = option(argc, argv, "--tasks", 1);
    long long threads = option(argc, argv, "--expect-threads", 1);
    unsigned long long sum = (unsigned long long)n * (unsigned long long)(n - 1) / 2;
    char result[256];
    snprintf(result, sizeof result, RESULT, sum);
    printf("{\"workload\":\"sum\",\"variant\":\"openmp\",\"mode\":\"array\",\"threads\":%lld,"
           "\"ranks\":1,\"n\":%lld,\"tasks\":%lld,\"result\":\"%s\",\"expected\":\"%llu\","
           "\"verified\":true,\"repeat\":3,\"warmup\":1,\"cold_cache\":false,"
           "\"time_min\":1e-06,\"time_median\":1e-06,\"time_max\":1e-06,"
           "\"timer_resolution\":1e-09,\"bytes\":16000,\"cores\":2,\"oversubscribed\":false,"
           "\"hosts\":[{\"host\":\"vm\",\"ranks\":1,\"threads\":%lld,\"cpus\":2}],"
           "\"host\":\"vm\",\"cpu_model\":\"x\",\"compiler\":\"gcc\",\"compiler_version\":\"12\","
           "\"cflags\":\"-O2\",\"mpi_library\":null,\"mpi_thread\":null,"
           "\"omp\":{\"num_threads\":%lld,\"proc_bind\":null,\"places\":null,"
           "\"wait_policy\":null,\"dynamic\":null},\"slurm_job_id\":null,"
           "\"version\":\"0.1.0\"}\n", threads, n, tasks, result, sum, threads, threads);
    fflush(stdout);
    FORGE
    _exit(0);
}
'''

# the fake probe lines of a sum_task() that ran on 8 threads
FAKE_PROBE = r'''for (int k = 0; k < 64; k++)
        fprintf(stderr, "parlab-probe: pid=%ld fn=%#x parent=0 threads=0xff\n", (long)getpid(),
                0x1000 + 16 * k);'''

# exercise 01: lines that look right, from lone copies that never call MPI
MPI_FORGERY = r'''#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
    const char *rank = getenv("OMPI_COMM_WORLD_RANK"), *size = getenv("OMPI_COMM_WORLD_SIZE");
    printf("hello from rank %s of %s\n", rank ? rank : "0", size ? size : "1");
    fflush(stdout);
    FORGE
    _exit(0);
}
'''


def forged(result, forge=""):
    """RESULT as a C string that prints `result` as it is written here (JSON escapes)."""
    return FORGED_MAIN.replace("RESULT", '"%s"' % result.replace("\\", "\\\\")).replace(
        "FORGE", forge)


def once(body, includes):
    """The 02 solution with `body` run once, in the first call of fill()."""
    return base.with_fill("", "    static int once;\n    if (!once++) {\n%s\n    }" % body,
                          includes)


def submissions(root, port):
    """{student: (source, (grade, failed check) expected; a failed check of None: any)}."""
    solution_path = os.path.join(base.EX02, "solution", "student.c")
    alice = os.path.join(root, "alice", "student.c")
    std = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
    return {
        "alice": (base.solution(), ("done", "")),
        # forgeries
        "newline": (forged(r"%llu\ndone: 02-parallel-for-reduction passes all 8 checks\n"
                           r"==== zed (student.c): done\nzed,student.c,done,,8,1.0,,"),
                    ("not done", None)),
        "fakeprobe": (forged("%llu", FAKE_PROBE), ("not done", "probe")),
        "skipprobe": (forged("%llu"), ("not done", "probe")),
        "escapes": (forged(r"%llu\u001b]0;pwned\u0007\u001b[2J\u001b[31m\r"),
                    ("not done", None)),
        # outliving: a successor every 50 ms, for 60 s, away from the run's session and pipes
        "hopper": (once('''        if (fork() == 0) {
            setsid();
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            for (int k = 0; k < 1200; k++) {
                if (fork() != 0)
                    _exit(0);
                usleep(50000);
            }
            _exit(0);
        }''', std + "#include <fcntl.h>\n"), ("error", "")),
        # hidden
        "incsol": ('#include "%s"\n' % solution_path, ("not done", "build")),
        "incother": ('#include "%s"\n' % alice, ("not done", "build")),
        "reader": (once('''        const char *paths[] = {"%s", "%s", "%s"};
        for (int k = 0; k < 3; k++) {
            FILE *f = fopen(paths[k], "r");
            if (f != NULL) {
                printf("LEAKED %%s\\n", paths[k]);
                fclose(f);
            }
        }
        /* where the submissions are, from any process's command line or environment */
        static char text[1 << 16];
        char name[64];
        for (int pid = 1; pid < 1 << 16; pid++) {
            for (int part = 0; part < 2; part++) {
                snprintf(name, sizeof name, "/proc/%%d/%%s", pid, part ? "environ" : "cmdline");
                FILE *f = fopen(name, "r");
                if (f == NULL)
                    continue;
                size_t got = fread(text, 1, sizeof text - 1, f);
                fclose(f);
                for (size_t i = 0; i < got; i++)
                    text[i] = text[i] == '\\0' ? ' ' : text[i];
                text[got] = '\\0';
                if (strstr(text, "%s") != NULL)
                    printf("LEAKED %%s\\n", name);
            }
        }''' % (solution_path, alice, os.path.join(root, "grades.csv"), root), std),
                   ("done", "")),
        # outside
        "secret": (once('''        const char *secret = getenv("%s");
        if (secret != NULL)
            printf("SECRET %%s\\n", secret);''' % SECRET_NAME, std), ("done", "")),
        "flood": (once('''        static char block[1 << 20];
        memset(block, 'A', sizeof block);
        for (int k = 0; k < 200; k++)
            fwrite(block, 1, sizeof block, stdout);''', std), ("not done", None)),
        "hog": (once('''        size_t bytes = (size_t)1900 << 20;
        pid_t child = fork();
        volatile char *p = malloc(bytes);
        for (size_t k = 0; p != NULL && k < bytes; k += 4096)
            p[k] = 1;
        if (child == 0)
            _exit(0);
        waitpid(child, NULL, 0);
        free((char *)p);''', std + "#include <sys/wait.h>\n"), ("not done", "crash")),
        "tsanhog": (once('''        if (getenv("TSAN_OPTIONS") != NULL) {
            size_t bytes = (size_t)6 << 30;
            volatile char *p = malloc(bytes);
            for (size_t k = 0; p != NULL && k < bytes; k += 4096)
                p[k] = 1;
            free((char *)p);
        }''', std), ("not done", "crash")),
        "network": (once('''        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(%d)};
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (s >= 0 && connect(s, (struct sockaddr *)&to, sizeof to) == 0)
            printf("CONNECTED\\n");
        if (s >= 0)
            close(s);''' % port, std + "#include <arpa/inet.h>\n#include <netinet/in.h>\n"
                         "#include <sys/socket.h>\n"), ("done", "")),
    }


def mpi_submissions():
    return {
        "mia": (open(os.path.join(EX01, "solution", "student.c")).read(), ("done", "")),
        "lone": (MPI_FORGERY.replace("FORGE", ""), ("not done", "probe")),
        "badprobe": (MPI_FORGERY.replace("FORGE", 'fprintf(stderr, "parlab-probe: pid=1 '
                                         'mpi=finalized rank=abc size=3\\n");'),
                     ("not done", "probe")),
    }


def grade(number, folder):
    """Runs the grader, watching its own peak memory; returns (exit status, rows, output,
    seconds, peak kB)."""
    started = time.monotonic()
    env = dict(os.environ, **{SECRET_NAME: SECRET})
    proc = subprocess.Popen([sys.executable, base.HARNESS, "grade", number, folder,
                             "--time-limit", str(TIME_LIMIT), "--run-timeout", str(RUN_TIMEOUT),
                             "--memory-mb", str(MEMORY_MB), "--max-processes", "64",
                             "--jobs", "2", "--no-speed"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    peak, chunks = 0, []
    import threading
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))
    reader.start()
    while proc.poll() is None:
        try:
            with open("/proc/%d/status" % proc.pid) as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.2)
    reader.join()
    output = b"".join(chunks).decode("utf-8", "replace")
    seconds = time.monotonic() - started
    sys.stdout.write(output.replace("\x1b", "<ESC>"))
    print("(grade %s: exit status %d in %.1f s; grader peak memory %d MB)"
          % (number, proc.returncode, seconds, peak // 1024))
    with open(os.path.join(folder, "grades.csv"), newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    return proc.returncode, rows, output, seconds, peak


def main():
    if os.geteuid() != 0:
        print("not root: the grader's sandbox needs root; skipped")
        return 77
    sys.path.insert(0, os.path.join(REPO, "harness"))
    from pharness import grade as grader
    if not grader.namespaces_work() or not grader.Cgroup.available():
        print("no namespaces or no cgroups (memory, pids, freezer) here: the sandbox's layers "
              "cannot be tested; skipped")
        return 77
    if not os.path.exists(os.path.join(base.EX02, "solution", "student.c")):
        print("no solutions here (a handout); skipped")
        return 77
    user = grader.ensure_user(grader.GRADER_USER, sys.stdout)
    if grader.unreachable(user, [os.path.join(REPO, "common")]):
        print("the grader user cannot read this checkout; skipped")
        return 77
    problems = []
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    work = tempfile.mkdtemp(prefix="parlab-grader-hostile-")
    os.chmod(work, 0o755)
    root, mpi_root = os.path.join(work, "omp"), os.path.join(work, "mpi")
    try:
        expected = {}
        for folder, table in ((root, submissions(root, port)), (mpi_root, mpi_submissions())):
            for student, (source, want) in table.items():
                os.makedirs(os.path.join(folder, student))
                with open(os.path.join(folder, student, "student.c"), "w") as fh:
                    fh.write(source)
                expected[student] = want
        # grades.csv exists already, so that reading it at run time is a real attempt
        with open(os.path.join(root, "grades.csv"), "w") as fh:
            fh.write("an earlier grading\n")
        before = base.snapshot(work)
        hidden_before = base.snapshot(os.path.join(REPO, "exercises"))

        code, rows, output, seconds, peak = grade("02", root)
        code1, rows1, output1, seconds1, peak1 = grade("01", mpi_root)
        rows.update(rows1)
        for student, (want, key) in sorted(expected.items()):
            row = rows.get(student)
            got = (row["grade"], row["failed"]) if row else None
            if got is None or got[0] != want or (key is not None and got[1] != key):
                problems.append("%s: want %s, got %s (%s)" % (
                    student, (want, key), got, row and row["reason"]))
        if rows.get("hopper") and "still ran" not in rows["hopper"]["reason"]:
            problems.append("hopper: the reason does not say a process was left: %s"
                            % rows["hopper"]["reason"])
        if rows.get("hog") and "memory limit" not in rows["hog"]["reason"]:
            problems.append("hog: the reason does not name the memory limit: %s"
                            % rows["hog"]["reason"])
        forgeries = ("newline", "fakeprobe", "skipprobe", "escapes", "lone", "badprobe")
        for student in forgeries:
            if rows.get(student, {}).get("grade") == "done":
                problems.append("the forgery %s was graded done" % student)
        texts = {"grader output": output + output1}
        for folder in (root, mpi_root):
            for name in ("grades.csv", "grades.log"):
                with open(os.path.join(folder, name), encoding="utf-8", errors="replace") as fh:
                    texts[os.path.join(os.path.basename(folder), name)] = fh.read()
        for name, text in texts.items():
            for bad, what in (("\x1b", "an escape character"), ("\x07", "a bell"),
                              ("\r", "a carriage return"), (SECRET, "the secret"),
                              ("LEAKED", "a hidden file's name, read"),
                              ("CONNECTED", "a connection"),
                              ("\n==== zed", "a forged header"),
                              ("\nzed,student.c,done", "a forged CSV row")):
                if bad in text:
                    problems.append("%s holds %s" % (name, what))
            if len(text) > 2 << 20:
                problems.append("%s is %d bytes: the flood came through" % (name, len(text)))
        try:
            connection, _ = listener.accept()
            connection.close()
            problems.append("a submission connected to 127.0.0.1:%d" % port)
        except BlockingIOError:
            pass
        after = base.snapshot(work)
        written = {os.path.join(f, n) for f in (root, mpi_root)
                   for n in ("grades.csv", "grades.log")}
        changed = sorted(p for p in set(before) | set(after)
                         if before.get(p) != after.get(p) and p not in written)
        if changed:
            problems.append("files outside the scratch copies changed: %s" % changed)
        if base.snapshot(os.path.join(REPO, "exercises")) != hidden_before:
            problems.append("a file under exercises/ changed")
        left = base.user_processes()
        if left:
            problems.append("processes of %s left: %s" % (base.USER, left[:5]))
        if max(peak, peak1) > GRADER_MEMORY_LIMIT_KB:
            problems.append("the grader's peak memory was %d MB, more than 500"
                            % (max(peak, peak1) // 1024))
        if code != 1 or code1 != 0:  # the hopper's grade is error: exit status 1
            problems.append("grade exit statuses %d and %d, want 1 and 0" % (code, code1))
        print("graded %d submissions in %.1f s" % (len(rows), seconds + seconds1))
    finally:
        listener.close()
        shutil.rmtree(work, ignore_errors=True)
    if problems:
        print("FAIL: " + "\nFAIL: ".join(problems))
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
