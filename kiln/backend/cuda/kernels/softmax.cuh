// Softmax and logsumexp along one axis of a row-major (rows, n, post) array (AxisParams).
// 16-bit floats compute in float. Rows that fit in registers are read once and written
// once (softmax_block); longer rows and logsumexp keep a running (max, sum) pair that is
// rescaled when the max grows, so the input is read once for the statistics.
//
// Special values are those of the two-pass definition (max, then the sum of exp(x - max)): a
// NaN or a +inf in a row makes its softmax NaN; a row of -inf gives NaN (softmax) and -inf
// (logsumexp).
#pragma once

#include "kiln/backend/cuda/kernels/reduce_common.cuh"

namespace kiln::cu {

template <typename T> struct FloatAcc { typedef float type; };
template <> struct FloatAcc<double> { typedef double type; };

// The running statistics of a set of values: m is their max (NaN if any is NaN) and s the
// sum of exp(x - m). While m is -inf, s stays 0: those terms only matter if no larger value
// comes, and then the result does not depend on s.
template <typename C>
struct Online {
  C m, s;
};

template <typename C>
__device__ Online<C> shfl_down(Online<C> v, int delta) {
  return {shfl_down(v.m, delta), shfl_down(v.s, delta)};
}

template <typename C>
struct OnlineOp {
  static __device__ Online<C> init() { return {red::Limits<C>::lowest(), C(0)}; }
  static __device__ void add(Online<C>& st, C x) {
    if (math::isnan(x)) {
      st.m = x;
      st.s = x;
    } else if (x > st.m) {
      // exp(x - x) rather than 1: an incoming +inf makes the sum NaN, as two passes would.
      st.s = st.s * math::exp(st.m - x) + math::exp(x - x);
      st.m = x;
    } else if (st.m != red::Limits<C>::lowest()) {
      st.s += math::exp(x - st.m);
    }
  }
  __device__ Online<C> operator()(Online<C> a, Online<C> b) const {
    if (math::isnan(a.m) || math::isnan(b.m)) return {a.m + b.m, a.m + b.m};
    C m = a.m > b.m ? a.m : b.m;
    if (m == red::Limits<C>::lowest()) return {m, C(0)};
    C sa = a.m == red::Limits<C>::lowest() ? C(0) : a.s * math::exp(a.m - m);
    C sb = b.m == red::Limits<C>::lowest() ? C(0) : b.s * math::exp(b.m - m);
    return {m, sa + sb};
  }
};

template <typename C>
__device__ C log_sum_exp(Online<C> st) {
  return math::isinf(st.m) ? st.m : st.m + math::log(st.s);
}

// Softmax of rows of up to blockDim.x * K * V elements held in registers: one block per row
// (grid-stride), blockDim.x a multiple of 32. Thread t holds the V-element vectors
// j * blockDim.x + t, j < K. The output may share the input's memory: a block reads its
// whole row before writing it.
template <typename T, int K>
__global__ void __launch_bounds__(kSoftmaxRowThreads)
    softmax_block(const T* in, T* out, AxisParams p) {
  typedef typename FloatAcc<T>::type C;
  constexpr int V = VecWidth<T>::value;
  KILN_SHARED_ARRAY(C, smem, 32);
  __shared__ C shared_stat;
  for (long long row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* x = in + row * p.n;
    T* y = out + row * p.n;
    C v[K][V];
    C m = red::Limits<C>::lowest();
#pragma unroll
    for (int j = 0; j < K; ++j) {
      long long q = ((long long)j * blockDim.x + threadIdx.x) * V;
      if (p.vec && q + V <= p.n) {
        Vec<T, V> a = *reinterpret_cast<const Vec<T, V>*>(x + q);
#pragma unroll
        for (int k = 0; k < V; ++k) v[j][k] = C(a.v[k]);
      } else {
#pragma unroll
        for (int k = 0; k < V; ++k) v[j][k] = q + k < p.n ? C(x[q + k]) : red::Limits<C>::lowest();
      }
#pragma unroll
      for (int k = 0; k < V; ++k) m = ew::Maximum{}(m, v[j][k]);
    }
    m = group_reduce<red::Max<C>>(m, blockDim.x, smem);
    if (threadIdx.x == 0) shared_stat = m;
    __syncthreads();
    m = shared_stat;
    C s = C(0);
#pragma unroll
    for (int j = 0; j < K; ++j) {
      long long q = ((long long)j * blockDim.x + threadIdx.x) * V;
#pragma unroll
      for (int k = 0; k < V; ++k) {
        v[j][k] = math::exp(v[j][k] - m);
        if (q + k < p.n) s += v[j][k];
      }
    }
    s = group_reduce<red::Sum<C>>(s, blockDim.x, smem);
    if (threadIdx.x == 0) shared_stat = C(1) / s;
    __syncthreads();
    C r = shared_stat;
#pragma unroll
    for (int j = 0; j < K; ++j) {
      long long q = ((long long)j * blockDim.x + threadIdx.x) * V;
      if (p.vec && q + V <= p.n) {
        Vec<T, V> a;
#pragma unroll
        for (int k = 0; k < V; ++k) a.v[k] = T(v[j][k] * r);
        *reinterpret_cast<Vec<T, V>*>(y + q) = a;
      } else {
#pragma unroll
        for (int k = 0; k < V; ++k) {
          if (q + k < p.n) y[q + k] = T(v[j][k] * r);
        }
      }
    }
    __syncthreads();  // shared_stat is rewritten by the next row
  }
}

// The (max, sum) statistics of x[0, n) over the lanes of a group; the group's first thread
// gets them.
template <typename T>
__device__ Online<typename FloatAcc<T>::type> row_stats(const T* x, long long n, int lane,
                                                        int group,
                                                        Online<typename FloatAcc<T>::type>* smem) {
  typedef typename FloatAcc<T>::type C;
  Online<C> st = OnlineOp<C>::init();
  auto visit = [&](T v, long long) { OnlineOp<C>::add(st, C(v)); };
  for_span(x, n, lane, group, visit);
  return group_reduce<OnlineOp<C>>(st, group, smem);
}

// Softmax of long rows: one block per row (grid-stride) reads the row for its statistics,
// then reads it again to write the output.
template <typename T>
__global__ void __launch_bounds__(kSoftmaxRowThreads)
    softmax_looped(const T* in, T* out, AxisParams p) {
  typedef typename FloatAcc<T>::type C;
  KILN_SHARED_ARRAY(Online<C>, smem, 32);
  __shared__ C shared_m, shared_r;
  for (long long row = blockIdx.x; row < p.rows; row += gridDim.x) {
    const T* x = in + row * p.n;
    T* y = out + row * p.n;
    Online<C> st = row_stats(x, p.n, threadIdx.x, blockDim.x, smem);
    if (threadIdx.x == 0) {
      shared_m = st.m;
      shared_r = C(1) / st.s;
    }
    __syncthreads();
    C m = shared_m, r = shared_r;
    for (long long i = threadIdx.x; i < p.n; i += blockDim.x) y[i] = T(math::exp(C(x[i]) - m) * r);
    __syncthreads();
  }
}

// Logsumexp of rows: `group` threads per row (a power of two up to 32, or the block).
// Grid-stride over groups; block: 1-d.
template <typename T>
__global__ void logsumexp_rows(const T* in, T* out, AxisParams p) {
  typedef typename FloatAcc<T>::type C;
  KILN_SHARED_ARRAY(Online<C>, smem, 32);
  int per_block = blockDim.x / p.group;
  int lane = threadIdx.x % p.group;
  for (long long base = (long long)blockIdx.x * per_block; base < p.rows;
       base += (long long)gridDim.x * per_block) {
    long long row = base + threadIdx.x / p.group;
    bool active = row < p.rows;
    Online<C> st = row_stats(in + (active ? row : 0) * p.n, active ? p.n : 0, lane, p.group, smem);
    if (active && lane == 0) out[row] = T(log_sum_exp(st));
  }
}

// Softmax (Softmax = true) or logsumexp along an axis with post > 1: threads across the
// rows * post columns (x), each taking a chunk of the axis (y); the chunks' statistics
// merge in order. Grid: 1-d, grid-stride over column tiles; block: (x, y), at most
// kReduceThreads.
template <typename T, bool Softmax>
__global__ void softmax_cols(const T* in, T* out, AxisParams p) {
  typedef typename FloatAcc<T>::type C;
  KILN_SHARED_ARRAY(Online<C>, smem, kReduceThreads);
  ColumnShare w(p.rows * p.post, p.n);
  for (long long tile = blockIdx.x; tile < w.tiles(); tile += gridDim.x) {
    long long col = w.column(tile);
    long long base = axis_column_start(p, col);
    Online<C> st = OnlineOp<C>::init();
    if (col < w.cols) {
      for (long long i = w.b; i < w.e; ++i) OnlineOp<C>::add(st, C(in[base + i * p.post]));
    }
    smem[w.slot] = st;
    __syncthreads();
    if (threadIdx.y == 0) {
      for (int y = 1; y < blockDim.y; ++y) st = OnlineOp<C>{}(st, smem[y * blockDim.x + threadIdx.x]);
      if (!Softmax && col < w.cols) out[col] = T(log_sum_exp(st));
      smem[threadIdx.x] = st;
    }
    __syncthreads();
    if (Softmax && col < w.cols) {
      st = smem[threadIdx.x];
      C rs = C(1) / st.s;
      for (long long i = w.b; i < w.e; ++i) {
        long long at = base + i * p.post;
        out[at] = T(math::exp(C(in[at]) - st.m) * rs);
      }
    }
    __syncthreads();
  }
}

}  // namespace kiln::cu
