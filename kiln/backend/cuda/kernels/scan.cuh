// Scans along one axis of a row-major (rows, n, post) array (AxisParams): out[i] combines
// in[0..i] (inclusive) or in[0..i-1] (exclusive, the identity first), in scan order, which
// runs from the end of the axis when `reverse` is set. Op is a rule from
// backend/common/reduce_ops.h; values accumulate in its acc_t (red::scan_acc_t for sums and
// products: double for floats).
#pragma once

#include "kiln/backend/cuda/kernels/reduce_common.cuh"

namespace kiln::cu {

// Rows (post == 1), one block per (row, segment), blockDim.x a multiple of 32. Each block
// walks its segment in chunks of blockDim.x * kScanItems elements: a thread scans its
// items, the block scans the thread totals, and a running value carries across chunks.
// The segment starts from carry[task] when given; with out == nullptr the kernel only
// writes each segment's total to totals[task] (the first pass of a split row).
template <class Op, typename T, typename O>
__global__ void scan_rows(const T* in, O* out, typename Op::acc_t* totals,
                          const typename Op::acc_t* carry, AxisParams p) {
  typedef typename Op::acc_t A;
  constexpr int N = kScanItems;
  KILN_SHARED_ARRAY(A, smem, 32);
  Op op;
  long long tasks = p.rows * p.nseg;
  for (long long task = blockIdx.x; task < tasks; task += gridDim.x) {
    long long row = task / p.nseg, s = task - row * p.nseg;
    long long q0 = s * p.seg_len, q1 = q0 + p.seg_len < p.n ? q0 + p.seg_len : p.n;
    const T* x = in + row * p.n;
    O* y = out ? out + row * p.n : nullptr;
    A run = carry ? carry[task] : Op::init();
    for (long long c = q0; c < q1; c += (long long)blockDim.x * N) {
      long long qa = c + (long long)threadIdx.x * N;  // this thread's first position
      bool full = p.vec && qa + N <= q1;
      // Items in scan order; position q is element n - 1 - q when reversed.
      A v[N];
      if (full) {
        Vec<T, N> a = *reinterpret_cast<const Vec<T, N>*>(x + (p.reverse ? p.n - qa - N : qa));
#pragma unroll
        for (int k = 0; k < N; ++k) v[k] = cast_to<A>(a.v[p.reverse ? N - 1 - k : k]);
      } else {
#pragma unroll
        for (int k = 0; k < N; ++k) {
          long long q = qa + k;
          v[k] = q < q1 ? cast_to<A>(x[p.reverse ? p.n - 1 - q : q]) : Op::init();
        }
      }
#pragma unroll
      for (int k = 1; k < N; ++k) v[k] = op(v[k - 1], v[k]);
      A chunk;
      A before = block_exclusive_scan<Op>(v[N - 1], chunk, smem);
      A base = op(run, before);
      if (y) {
        O r[N];
#pragma unroll
        for (int k = 0; k < N; ++k) {
          A val = p.inclusive ? op(base, v[k]) : (k == 0 ? base : op(base, v[k - 1]));
          r[k] = cast_to<O>(val);
        }
        if (full) {
          Vec<O, N> a;
#pragma unroll
          for (int k = 0; k < N; ++k) a.v[p.reverse ? N - 1 - k : k] = r[k];
          *reinterpret_cast<Vec<O, N>*>(y + (p.reverse ? p.n - qa - N : qa)) = a;
        } else {
#pragma unroll
          for (int k = 0; k < N; ++k) {
            long long q = qa + k;
            if (q < q1) y[p.reverse ? p.n - 1 - q : q] = r[k];
          }
        }
      }
      run = op(run, chunk);
    }
    if (totals && threadIdx.x == 0) totals[task] = run;
  }
}

// Axes with post > 1 (or short rows): threads across the rows * post columns (x), each
// taking a chunk of the axis (y). With several chunks, a first pass finds each chunk's
// total and the chunks' starting values are scanned in order. Grid: 1-d, grid-stride over
// column tiles; block: (x, y), at most kReduceThreads threads.
template <class Op, typename T, typename O>
__global__ void scan_cols(const T* in, O* out, AxisParams p) {
  typedef typename Op::acc_t A;
  KILN_SHARED_ARRAY(A, smem, kReduceThreads);
  Op op;
  ColumnShare w(p.rows * p.post, p.n);
  for (long long tile = blockIdx.x; tile < w.tiles(); tile += gridDim.x) {
    long long col = w.column(tile);
    const T* x = in + axis_column_start(p, col);
    O* y = out + axis_column_start(p, col);
    // Element at scan position q.
    auto at = [&](long long q) { return (p.reverse ? p.n - 1 - q : q) * p.post; };
    A run = Op::init();
    if (blockDim.y > 1) {
      A total = Op::init();
      if (col < w.cols) {
        for (long long q = w.b; q < w.e; ++q) total = op(total, cast_to<A>(x[at(q)]));
      }
      smem[w.slot] = total;
      __syncthreads();
      if (threadIdx.y == 0) {
        A acc = Op::init();
        for (int j = 0; j < blockDim.y; ++j) {
          A t = smem[j * blockDim.x + threadIdx.x];
          smem[j * blockDim.x + threadIdx.x] = acc;
          acc = op(acc, t);
        }
      }
      __syncthreads();
      run = smem[w.slot];
      __syncthreads();
    }
    if (col < w.cols) {
      for (long long q = w.b; q < w.e; ++q) {
        long long i = at(q);
        A v = cast_to<A>(x[i]);
        if (p.inclusive) {
          run = op(run, v);
          y[i] = cast_to<O>(run);
        } else {
          y[i] = cast_to<O>(run);
          run = op(run, v);
        }
      }
    }
  }
}

}  // namespace kiln::cu
