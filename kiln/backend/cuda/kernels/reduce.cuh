// Reduction kernels: Reduce (row and column layouts, see reduce_params.cuh) and Trace (the
// arg-reductions are in arg_reduce.cuh). Op is a rule from backend/common/reduce_ops.h;
// inputs load as its accumulator type, which is converted to the output type once at the
// end. Long reductions with few outputs split across blocks and write partials that a second
// launch of the same kernels combines, so every result is deterministic.
#pragma once

#include "kiln/backend/cuda/kernels/reduce_common.cuh"

namespace kiln::cu {

// Folds x[0, n) over the lanes of a group: each lane keeps one accumulator per vector lane
// and loads four 16-byte vectors before combining them (memory-level parallelism, and short
// float chains).
template <class Op, typename T>
__device__ typename Op::acc_t fold_span(const T* x, long long n, int lane, int group) {
  typedef typename Op::acc_t A;
  constexpr int V = VecWidth<T>::value;
  Op op;
  A acc = Op::init();
  long long head = aligned_head(x, n);
  for (long long i = lane; i < head; i += group) acc = op(acc, cast_to<A>(x[i]));
  long long nv = (n - head) / V;
  const Vec<T, V>* xv = reinterpret_cast<const Vec<T, V>*>(x + head);
  A part[V];
#pragma unroll
  for (int k = 0; k < V; ++k) part[k] = Op::init();
  long long j = lane;
  for (; j + 3 * group < nv; j += 4 * group) {
    Vec<T, V> a = xv[j], b = xv[j + group], c = xv[j + 2 * group], d = xv[j + 3 * group];
#pragma unroll
    for (int k = 0; k < V; ++k) {
      A ab = op(cast_to<A>(a.v[k]), cast_to<A>(b.v[k]));
      A cd = op(cast_to<A>(c.v[k]), cast_to<A>(d.v[k]));
      part[k] = op(part[k], op(ab, cd));
    }
  }
  for (; j < nv; j += group) {
    Vec<T, V> a = xv[j];
#pragma unroll
    for (int k = 0; k < V; ++k) part[k] = op(part[k], cast_to<A>(a.v[k]));
  }
  for (long long i = head + nv * V + lane; i < n; i += group) acc = op(acc, cast_to<A>(x[i]));
#pragma unroll
  for (int k = 0; k < V; ++k) acc = op(acc, part[k]);
  return acc;
}

// Folds the flattened positions [f0, f1) of one output (position f is element f % seg of
// run f / seg) over the lanes of a group.
template <class Op, typename T>
__device__ typename Op::acc_t fold_row_range(const T* x, const RowReduceParams& p,
                                             long long f0, long long f1, int lane) {
  typedef typename Op::acc_t A;
  Op op;
  A acc = Op::init();
  if (p.seg >= p.group) {
    // The lanes share each run.
    for (long long f = f0; f < f1;) {
      long long r = f / p.seg, pos = f - r * p.seg;
      long long len = p.seg - pos < f1 - f ? p.seg - pos : f1 - f;
      long long off[1];
      strided_offsets(p.runs, r, off);
      acc = op(acc, fold_span<Op>(x + off[0] + pos, len, lane, p.group));
      f += len;
    }
  } else {
    // Short runs: each lane takes whole runs.
    for (long long r = f0 / p.seg + lane; r * p.seg < f1; r += p.group) {
      long long off[1];
      strided_offsets(p.runs, r, off);
      long long b = r * p.seg > f0 ? r * p.seg : f0;
      long long e = r * p.seg + p.seg < f1 ? r * p.seg + p.seg : f1;
      for (long long f = b; f < e; ++f) acc = op(acc, cast_to<A>(x[off[0] + (f - r * p.seg)]));
    }
  }
  return acc;
}

// Grid: 1-d, grid-stride over groups; block: 1-d, a multiple of p.group (and of 32 when the
// group is the block). Writes out (splits == 1) or partial[o * splits + s].
template <class Op, typename T, typename O>
__global__ void row_reduce(const T* in, O* out, typename Op::acc_t* partial, RowReduceParams p) {
  typedef typename Op::acc_t A;
  KILN_SHARED_ARRAY(A, smem, 32);
  int per_block = blockDim.x / p.group;
  int lane = threadIdx.x % p.group;
  long long tasks = p.n_out * p.splits, total = p.nruns * p.seg;
  for (long long base = (long long)blockIdx.x * per_block; base < tasks;
       base += (long long)gridDim.x * per_block) {
    long long t = base + threadIdx.x / p.group;
    A acc = Op::init();
    long long off[2] = {0, 0};
    if (t < tasks) {
      long long o = t / p.splits, s = t - o * p.splits;
      strided_offsets(p.kept, o, off);
      acc = fold_row_range<Op>(in + off[0], p, total * s / p.splits, total * (s + 1) / p.splits,
                               lane);
    }
    acc = group_reduce<Op>(acc, p.group, smem);
    if (t < tasks && lane == 0) {
      if (p.splits > 1) {
        partial[t] = acc;
      } else {
        out[off[1]] = cast_to<O>(acc);
      }
    }
  }
}

// One tile of a column reduction, W adjacent columns per thread.
template <class Op, int W, typename T, typename O>
__device__ void col_tile(const T* in, O* out, typename Op::acc_t* partial,
                         const ColReduceParams& p, long long task, typename Op::acc_t* smem) {
  typedef typename Op::acc_t A;
  Op op;
  long long tile = task % p.ntiles, k = task / p.ntiles;
  long long off[2];
  strided_offsets(p.kept, k, off);
  long long c0 = (tile * blockDim.x + threadIdx.x) * W;
  long long s = blockIdx.y;
  long long r0 = p.nred * s / p.splits, r1 = p.nred * (s + 1) / p.splits;
  long long ya = r0 + (r1 - r0) * threadIdx.y / blockDim.y;
  long long yb = r0 + (r1 - r0) * (threadIdx.y + 1) / blockDim.y;
  A acc[W];
#pragma unroll
  for (int w = 0; w < W; ++w) acc[w] = Op::init();
  if (c0 < p.seg) {
    const T* x = in + off[0] + c0;
    // (W > 1 only when seg % W == 0: a thread's columns all exist.)
    auto fold = [&](const T* row) {
      if constexpr (W > 1) {
        Vec<T, W> a = *reinterpret_cast<const Vec<T, W>*>(row);
#pragma unroll
        for (int w = 0; w < W; ++w) acc[w] = op(acc[w], cast_to<A>(a.v[w]));
      } else {
        acc[0] = op(acc[0], cast_to<A>(row[0]));
      }
    };
    if (p.reduced.ndim == 1) {
      long long st = p.reduced.strides[0][0];
      const T* row = x + ya * st;
      long long r = ya;
      for (; r + 4 <= yb; r += 4) {
        // Four independent loads in flight, combined pairwise.
        A a[W], b[W];
#pragma unroll
        for (int w = 0; w < W; ++w) a[w] = b[w] = Op::init();
        if constexpr (W > 1) {
          Vec<T, W> v0 = *reinterpret_cast<const Vec<T, W>*>(row);
          Vec<T, W> v1 = *reinterpret_cast<const Vec<T, W>*>(row + st);
          Vec<T, W> v2 = *reinterpret_cast<const Vec<T, W>*>(row + 2 * st);
          Vec<T, W> v3 = *reinterpret_cast<const Vec<T, W>*>(row + 3 * st);
#pragma unroll
          for (int w = 0; w < W; ++w) {
            a[w] = op(cast_to<A>(v0.v[w]), cast_to<A>(v1.v[w]));
            b[w] = op(cast_to<A>(v2.v[w]), cast_to<A>(v3.v[w]));
          }
        } else {
          T v0 = row[0], v1 = row[st], v2 = row[2 * st], v3 = row[3 * st];
          a[0] = op(cast_to<A>(v0), cast_to<A>(v1));
          b[0] = op(cast_to<A>(v2), cast_to<A>(v3));
        }
#pragma unroll
        for (int w = 0; w < W; ++w) acc[w] = op(acc[w], op(a[w], b[w]));
        row += 4 * st;
      }
      for (; r < yb; ++r, row += st) fold(row);
    } else {
      for (long long r = ya; r < yb; ++r) {
        long long ro[1];
        strided_offsets(p.reduced, r, ro);
        fold(x + ro[0]);
      }
    }
  }
  // Combine the blockDim.y partial results of each column in order.
  int slot = (threadIdx.y * blockDim.x + threadIdx.x) * W;
#pragma unroll
  for (int w = 0; w < W; ++w) smem[slot + w] = acc[w];
  __syncthreads();
  if (threadIdx.y == 0 && c0 < p.seg) {
    for (int y = 1; y < blockDim.y; ++y) {
      int other = (y * blockDim.x + threadIdx.x) * W;
#pragma unroll
      for (int w = 0; w < W; ++w) acc[w] = op(acc[w], smem[other + w]);
    }
#pragma unroll
    for (int w = 0; w < W; ++w) {
      long long c = c0 + w;
      if (c >= p.seg) break;
      if (p.splits > 1) {
        partial[(s * p.n_kept + k) * p.seg + c] = acc[w];
      } else {
        out[off[1] + c * p.seg_out] = cast_to<O>(acc[w]);
      }
    }
  }
  __syncthreads();  // smem is free again
}

// Grid: (tiles x kept indices, grid-stride; splits); block: (columns, reduction lanes),
// at most kReduceThreads threads.
template <class Op, typename T, typename O>
__global__ void col_reduce(const T* in, O* out, typename Op::acc_t* partial, ColReduceParams p) {
  typedef typename Op::acc_t A;
  constexpr int V = VecWidth<T>::value;
  KILN_SHARED_ARRAY(A, smem, kReduceThreads * V);
  long long tasks = p.ntiles * p.n_kept;
  for (long long task = blockIdx.x; task < tasks; task += gridDim.x) {
    if (V > 1 && p.vec > 1) {
      col_tile<Op, V>(in, out, partial, p, task, smem);
    } else {
      col_tile<Op, 1>(in, out, partial, p, task, smem);
    }
  }
}

// ---------------------------------------------------------------- trace

// One warp per output sums its diagonal. Grid-stride over warps; block: 1-d.
template <typename A, typename T>
__global__ void trace(const T* in, T* out, TraceParams p) {
  typedef red::Sum<A> Op;
  int lane = threadIdx.x % 32, per_block = blockDim.x / 32;
  for (long long base = (long long)blockIdx.x * per_block; base < p.n_out;
       base += (long long)gridDim.x * per_block) {
    long long o = base + threadIdx.x / 32;
    A acc = Op::init();
    if (o < p.n_out) {
      long long off[1];
      strided_offsets(p.kept, o, off);
      const T* x = in + p.start + off[0];
      for (long long i = lane; i < p.len; i += 32) acc = Op{}(acc, cast_to<A>(x[i * p.step]));
    }
    acc = group_reduce<Op>(acc, 32, (A*)nullptr);
    if (o < p.n_out && lane == 0) out[o] = cast_to<T>(acc);
  }
}

}  // namespace kiln::cu
