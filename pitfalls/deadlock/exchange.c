/* pitfalls/deadlock/exchange.c: two ranks that swap a message, which works for small messages and
 * hangs for large ones, kept to show where the line lies (./parlab pitfall deadlock; README.md
 * says why).
 *
 * Each rank sends its message first, then receives the other's.  MPI_Send may return as soon as
 * the message is copied out of the caller's buffer, which MPI libraries do for small messages (the
 * "eager" protocol), or only when the other rank has posted the matching receive (the "rendezvous"
 * protocol, for large ones).  In the second case both ranks sit in MPI_Send, each waiting for the
 * other to receive.  exchange_fixed.c uses MPI_Sendrecv instead.
 *
 *   mpiexec -n 2 ./exchange FIRST LAST [STEP]
 * swaps messages of FIRST, FIRST + STEP, ... up to LAST bytes (STEP x2, the default: doubling),
 * and rank 0 prints "exchanged N bytes" after each, so the last line before a hang is the largest
 * size that still went through.  Exit status 0, 1 when a message arrived wrong, 2 for bad input. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends `bytes` to the partner, then receives as many from it. */
static void swap(const unsigned char *mine, unsigned char *theirs, int bytes, int partner)
{
    /* the bug: both ranks send first, and a large message waits for the receive */
    MPI_Send(mine, bytes, MPI_BYTE, partner, 0, MPI_COMM_WORLD);
    MPI_Recv(theirs, bytes, MPI_BYTE, partner, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* The byte at `i` of rank r's message: the receiver checks every one. */
static unsigned char pattern(int rank, long i) { return (unsigned char)(rank * 101 + i * 7); }

/* A whole number of bytes from 1 to 2^30 (MPI counts are ints), or -1. */
static long parse_bytes(const char *text)
{
    char *end;
    if (text[0] < '0' || text[0] > '9')
        return -1;
    long value = strtol(text, &end, 10);
    return *end == '\0' && value >= 1 && value <= (1L << 30) ? value : -1;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* Every rank reads the same arguments and so reaches the same verdict; rank 0 says it. */
    long first = argc >= 3 ? parse_bytes(argv[1]) : -1;
    long last = argc >= 3 ? parse_bytes(argv[2]) : -1;
    long step = argc == 4 && strcmp(argv[3], "x2") != 0 ? parse_bytes(argv[3]) : 0; /* 0: x2 */
    const char *error = NULL, *bad = first < 0 ? "FIRST" : last < 0 ? "LAST" : "STEP";
    const char *got = first < 0 ? argv[1] : last < 0 ? argv[2] : argv[argc - 1];
    if (argc < 3 || argc > 4)
        error = "usage: mpiexec -n 2 exchange FIRST LAST [STEP|x2] (sizes in bytes)";
    else if (first < 0 || last < 0 || step < 0)
        error = "expected a whole number of bytes from 1 to 1073741824";
    else if (first > last)
        error = "FIRST must not be larger than LAST";
    else if (size != 2)
        error = "needs exactly 2 ranks (mpiexec -n 2; is mpiexec from the same MPI?)";
    if (error) {
        if (rank == 0 && argc >= 3 && (first < 0 || last < 0 || step < 0))
            fprintf(stderr, "exchange: %s: %s, got '%s'\n", bad, error, got);
        else if (rank == 0)
            fprintf(stderr, "exchange: %s\n", error);
        MPI_Finalize();
        return 2;
    }

    unsigned char *mine = malloc((size_t)last), *theirs = malloc((size_t)last);
    if (mine == NULL || theirs == NULL) {
        fprintf(stderr, "exchange: no memory for two messages of %ld bytes\n", last);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int partner = 1 - rank, status = 0;
    for (long i = 0; i < last; i++)
        mine[i] = pattern(rank, i);
    for (long bytes = first; bytes <= last && status == 0;
         bytes = step ? bytes + step : 2 * bytes) {
        swap(mine, theirs, (int)bytes, partner);
        long i = 0;
        while (i < bytes && theirs[i] == pattern(partner, i))
            i++;
        if (i < bytes) {
            fprintf(stderr, "exchange: rank %d: byte %ld of %ld arrived wrong\n", rank, i,
                    bytes);
            status = 1;
        }
        /* Both ranks stop together, or one would wait in swap() for a partner that has left. */
        MPI_Allreduce(MPI_IN_PLACE, &status, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0 && status == 0) {
            printf("exchanged %ld bytes\n", bytes);
            fflush(stdout);
        }
    }
    free(mine);
    free(theirs);
    MPI_Finalize();
    return status;
}
