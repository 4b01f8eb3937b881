# mpirun_errors.awk: Open MPI's mpirun messages, by hand, as parlab's programs need them: a rank
# killed by a signal named in one line, and no box of text after a program's own one line.
#
# Why: a parlab program that exits 1 or 2 has already said why in one line, and agrees on its
# status across ranks; Open MPI adds two boxes to it ("...returned a non-zero exit code").  Its
# only switch, orte_execute_quiet, hides those boxes and also the one notice that matters when a
# rank is killed ("process rank 1 ... exited on signal 9 (Killed)"): the student whose rank ran
# out of memory would be told nothing.  So `./parlab env` (common/launch_env.sh) runs mpirun
# without that switch and passes its stderr through this filter: a box (the lines between two
# lines of dashes) that says a rank died of a signal becomes one line with a hint, the boxes
# about non-zero exits go, and everything else (the ranks' own stderr, Open MPI's other errors)
# passes unchanged.
function signame(n) {
    return n == 9 ? "SIGKILL" : n == 11 ? "SIGSEGV" : n == 6 ? "SIGABRT" : n == 7 ? "SIGBUS" : \
        n == 8 ? "SIGFPE" : n == 15 ? "SIGTERM" : n == 2 ? "SIGINT" : "signal " n
}
function hint(n) {
    if (n == 9)
        return "most often the out-of-memory killer (the ranks needed more memory than the " \
            "machine or the job's limit has; `dmesg` or the job's log says so), or a kill -9"
    if (n == 11 || n == 7)
        return "a bad memory access: run the program under gdb, or build with -fsanitize=address"
    if (n == 6)
        return "the program aborted itself (a failed assert(), or the C library found a " \
            "corrupted heap)"
    if (n == 8)
        return "an arithmetic error, such as an integer division by zero"
    return ""
}
function flush_box(    words, rank, sig, host, line) {
    if (match(box, /process rank [0-9]+ with PID [0-9]+ on node [^ ]+ exited on signal [0-9]+/)) {
        split(substr(box, RSTART, RLENGTH), words, " ")
        rank = words[3]; host = words[9]; sig = words[13]
        line = "mpirun: rank " rank " (on " host ") was killed by signal " sig " (" signame(sig) ")"
        if (hint(sig) != "")
            line = line ": " hint(sig)
        print line
    } else if (box !~ /non-zero exit code|exited with non-zero status/) {
        printf "%s\n%s%s\n", rule, box, rule
    }
    fflush()
}
/^-----------------------------------------+$/ {
    if (inbox) { flush_box(); inbox = 0 } else { inbox = 1; box = ""; rule = $0 }
    next
}
inbox { box = box $0 "\n"; next }
{ print; fflush() }
END { if (inbox) printf "%s\n%s", rule, box }
