/* pitfalls/deadlock/exchange_fixed.c: exchange.c with its swap done by MPI_Sendrecv, so that the
 * same hang detection can be shown passing it at every size (./parlab pitfall deadlock).
 *
 * MPI_Sendrecv sends and receives at once: the library posts the receive before it waits for the
 * send, so the two ranks can never wait for each other, whatever the protocol.  (Ordering the calls
 * also works: rank 0 sends then receives, rank 1 receives then sends.  So do MPI_Isend and
 * MPI_Irecv followed by MPI_Waitall.)  Usage and output are exchange.c's. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends `bytes` to the partner and receives as many from it, both at once. */
static void swap(const unsigned char *mine, unsigned char *theirs, int bytes, int partner)
{
    MPI_Sendrecv(mine, bytes, MPI_BYTE, partner, 0, theirs, bytes, MPI_BYTE, partner, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
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
        error = "usage: mpiexec -n 2 exchange_fixed FIRST LAST [STEP|x2] (sizes in bytes)";
    else if (first < 0 || last < 0 || step < 0)
        error = "expected a whole number of bytes from 1 to 1073741824";
    else if (first > last)
        error = "FIRST must not be larger than LAST";
    else if (size != 2)
        error = "needs exactly 2 ranks (mpiexec -n 2; is mpiexec from the same MPI?)";
    if (error) {
        if (rank == 0 && argc >= 3 && (first < 0 || last < 0 || step < 0))
            fprintf(stderr, "exchange_fixed: %s: %s, got '%s'\n", bad, error, got);
        else if (rank == 0)
            fprintf(stderr, "exchange_fixed: %s\n", error);
        MPI_Finalize();
        return 2;
    }

    unsigned char *mine = malloc((size_t)last), *theirs = malloc((size_t)last);
    if (mine == NULL || theirs == NULL) {
        fprintf(stderr, "exchange_fixed: no memory for two messages of %ld bytes\n", last);
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
            fprintf(stderr, "exchange_fixed: rank %d: byte %ld of %ld arrived wrong\n", rank, i,
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
