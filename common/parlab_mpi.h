/* parlab_mpi.h: what an MPI kernel file needs beyond MPI itself.
 * Why: MPI_SUM has no 128-bit integer type, and the exact checksum of the squares needs one. */
#ifndef PARLAB_MPI_H
#define PARLAB_MPI_H

#include <mpi.h>

#include "parlab.h"

/* Sum over all ranks of `mine`, exact in 128 bits; the result is meaningful on rank 0 only. */
u128 reduce_u128_to_root(u128 mine);

#endif
