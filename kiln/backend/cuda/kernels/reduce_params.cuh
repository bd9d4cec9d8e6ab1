// Parameter blocks of the reduction, arg-reduction, softmax and scan kernels, shared by the
// host launch code and the device code (passed by value).
#pragma once

#include "kiln/backend/cuda/kernels/params.cuh"

namespace kiln::cu {

// Threads per block of the reduction kernels (reduce, arg-reduce, scan, softmax rows and
// columns): the column kernels size their shared memory for blocks of at most this many.
constexpr int kReduceThreads = 256;

// Row layouts: every output combines `nruns` runs of `seg` contiguous elements. Output o
// (row-major over kept.shape) reads from kept offset 0 and writes to kept offset 1; run r
// (row-major over runs.shape) starts at runs offset 0 from there. `splits` > 1 shares each
// output between that many groups, whose results go to a partial buffer (a second pass
// combines them). `group` threads (a power of two up to 32, or the whole block) work on one
// output together.
struct RowReduceParams {
  long long n_out, nruns, seg, splits;
  int group;
  Strided<2> kept;
  Strided<1> runs;
};

// Column layouts: `seg` adjacent outputs (output stride seg_out) are updated together from
// adjacent inputs. kept: the other kept dimensions (input offset 0, output offset 1);
// reduced: the reduced dimensions (`nred` positions). Each block takes a tile of columns of
// one kept index; `splits` > 1 shares the reduced positions between that many blocks, whose
// results go to a partial buffer laid out as (splits, n_kept, seg). `vec` > 1: each thread
// loads `vec` adjacent columns at once (aligned).
struct ColReduceParams {
  long long seg, seg_out, nred, n_kept, ntiles, splits;
  int vec;
  Strided<2> kept;
  Strided<1> reduced;
};

// Arg-reductions along one axis of `n` elements `stride` apart; output o (row-major over
// kept.shape) reads from kept offset 0. Rows (stride 1) may be split like RowReduceParams.
struct ArgParams {
  long long n_out, n, stride, splits;
  int group;
  Strided<1> kept;
};

// Kernels along one axis of a row-major (rows, n, post) array: softmax, logsumexp, scans.
// Row scans may split each row into `nseg` segments of `seg_len` elements (in scan order).
// `group`: threads per row where the kernel groups them like row_reduce; `vec`: rows allow
// aligned vector accesses.
struct AxisParams {
  long long rows, n, post;
  long long seg_len, nseg;
  int group, reverse, inclusive, vec;
};

// Consecutive elements per thread in row scans (scan_rows): the launcher sizes segments in
// chunks of kScanItems per thread and vectorizes rows whose length it divides.
constexpr int kScanItems = 4;

// Most threads of a softmax row block (softmax_block, softmax_looped: their launch bounds).
constexpr int kSoftmaxRowThreads = 1024;

// The diagonal of each (axis1, axis2) plane: `len` elements `step` apart from `start`.
struct TraceParams {
  long long n_out, len, step, start;
  Strided<1> kept;
};

}  // namespace kiln::cu
