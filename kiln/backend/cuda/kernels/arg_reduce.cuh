// Arg-reduction kernels: the first index of the maximum (IsMax) or minimum along one axis
// (ArgParams), compared in red::cmp_t (16-bit floats as float). A NaN beats every number and
// the first NaN wins, as in NumPy. Long axes with few outputs split across blocks into
// candidates that arg_merge combines in order, so every result is deterministic.
#pragma once

#include "kiln/backend/cuda/kernels/reduce_common.cuh"

namespace kiln::cu {

template <typename C>
__device__ bool is_nan(C x) {
  if constexpr (is_same_type<C, float>::value || is_same_type<C, double>::value) {
    return x != x;
  } else if constexpr (is_complex_type<C>::value) {
    return x.real != x.real || x.imag != x.imag;
  } else {
    return false;
  }
}

// A candidate: value and position (-1: none yet). 16 bytes for every compare type, so the
// host can size partial buffers without knowing C.
template <typename C>
struct alignas(8) ArgBest {
  C value;
  long long index;
};

template <typename C>
__device__ ArgBest<C> shfl_down(ArgBest<C> b, int delta) {
  return {shfl_down(b.value, delta), shfl_down(b.index, delta)};
}

// Keeps the better candidate: strictly greater (IsMax) or smaller, a NaN beating any number;
// equal ones keep the lower position, so the first occurrence wins.
template <bool IsMax, typename C>
struct ArgOp {
  static __device__ bool better(C x, C best) {
    bool strict = IsMax ? best < x : x < best;
    return strict || (is_nan(x) && !is_nan(best));
  }
  static __device__ ArgBest<C> init() { return {C(0), -1}; }
  __device__ ArgBest<C> operator()(ArgBest<C> a, ArgBest<C> b) const {
    if (b.index < 0) return a;
    if (a.index < 0) return b;
    if (better(b.value, a.value)) return b;
    if (better(a.value, b.value)) return a;
    return b.index < a.index ? b : a;
  }
};

// Rows (stride 1), grouped and split like row_reduce. Writes out (splits == 1) or
// partial[o * splits + s].
template <bool IsMax, typename T>
__global__ void arg_rows(const T* in, uint32_t* out, ArgBest<red::cmp_t<T>>* partial,
                         ArgParams p) {
  typedef red::cmp_t<T> C;
  typedef ArgOp<IsMax, C> Op;
  static_assert(sizeof(ArgBest<C>) == 16, "partials are 16 bytes");
  KILN_SHARED_ARRAY(ArgBest<C>, smem, 32);
  int per_block = blockDim.x / p.group;
  int lane = threadIdx.x % p.group;
  long long tasks = p.n_out * p.splits;
  for (long long base = (long long)blockIdx.x * per_block; base < tasks;
       base += (long long)gridDim.x * per_block) {
    long long t = base + threadIdx.x / p.group;
    ArgBest<C> best = Op::init();
    if (t < tasks) {
      long long o = t / p.splits, s = t - o * p.splits;
      long long off[1];
      strided_offsets(p.kept, o, off);
      long long b = p.n * s / p.splits, e = p.n * (s + 1) / p.splits;
      // A lane sees its positions in increasing order: strictly better keeps the first.
      auto visit = [&](T v, long long i) {
        C c = cast_to<C>(v);
        if (best.index < 0 || Op::better(c, best.value)) best = {c, b + i};
      };
      for_span(in + off[0] + b, e - b, lane, p.group, visit);
    }
    best = group_reduce<Op>(best, p.group, smem);
    if (t < tasks && lane == 0) {
      if (p.splits > 1) {
        partial[t] = best;
      } else {
        out[t] = uint32_t(best.index);
      }
    }
  }
}

// The winners of `splits` partials per output. Grid-stride over warps; block: 1-d.
template <bool IsMax, typename C>
__global__ void arg_merge(const ArgBest<C>* partial, uint32_t* out, long long n_out,
                          long long splits) {
  typedef ArgOp<IsMax, C> Op;
  int lane = threadIdx.x % 32, per_block = blockDim.x / 32;
  for (long long base = (long long)blockIdx.x * per_block; base < n_out;
       base += (long long)gridDim.x * per_block) {
    long long o = base + threadIdx.x / 32;
    ArgBest<C> best = Op::init();
    if (o < n_out) {
      for (long long s = lane; s < splits; s += 32) best = Op{}(best, partial[o * splits + s]);
    }
    best = group_reduce<Op>(best, 32, (ArgBest<C>*)nullptr);
    if (o < n_out && lane == 0) out[o] = uint32_t(best.index);
  }
}

// Any other stride: threads across outputs (x), each walking a chunk of the axis (y); the
// chunks merge in order. With p.splits > 1 the axis is first cut into that many slices, one
// task each, whose candidates go to `partial` (arg_merge finishes them): a few thousand
// columns alone would leave most of the GPU idle. Grid: 1-d, grid-stride over (slice, output
// tile) tasks; block: (x, y), at most kReduceThreads.
template <bool IsMax, typename T>
__global__ void arg_cols(const T* in, uint32_t* out, ArgBest<red::cmp_t<T>>* partial,
                         ArgParams p) {
  typedef red::cmp_t<T> C;
  typedef ArgOp<IsMax, C> Op;
  KILN_SHARED_ARRAY(ArgBest<C>, smem, kReduceThreads);
  const long long tiles = (p.n_out + blockDim.x - 1) / blockDim.x;
  const int slot = threadIdx.y * blockDim.x + threadIdx.x;
  for (long long task = blockIdx.x; task < tiles * p.splits; task += gridDim.x) {
    long long s = task / tiles, o = (task - s * tiles) * blockDim.x + threadIdx.x;
    long long sb = p.n * s / p.splits, len = p.n * (s + 1) / p.splits - sb;
    long long b = sb + len * threadIdx.y / blockDim.y;
    long long e = sb + len * (threadIdx.y + 1) / blockDim.y;
    ArgBest<C> best = Op::init();
    if (o < p.n_out) {
      long long off[1];
      strided_offsets(p.kept, o, off);
      const T* x = in + off[0];
      auto visit = [&](T v, long long i) {
        C c = cast_to<C>(v);
        if (best.index < 0 || Op::better(c, best.value)) best = {c, i};
      };
      // Four loads in flight before any comparison: one left the memory system idle.
      long long i = b;
      for (; i + 4 <= e; i += 4) {
        T v[4];
#pragma unroll
        for (int u = 0; u < 4; ++u) v[u] = x[(i + u) * p.stride];
#pragma unroll
        for (int u = 0; u < 4; ++u) visit(v[u], i + u);
      }
      for (; i < e; ++i) visit(x[i * p.stride], i);
    }
    smem[slot] = best;
    __syncthreads();
    if (threadIdx.y == 0 && o < p.n_out) {
      for (int y = 1; y < blockDim.y; ++y) best = Op{}(best, smem[y * blockDim.x + threadIdx.x]);
      if (p.splits > 1) {
        partial[o * p.splits + s] = best;
      } else {
        out[o] = uint32_t(best.index);
      }
    }
    __syncthreads();
  }
}

}  // namespace kiln::cu
