// Device pieces shared by the reduction, softmax and scan kernels: warp shuffles of any
// element type, group and block reductions over a rule of backend/common/reduce_ops.h, and
// the vector loads and work shares the kernels have in common.
#pragma once

#include "kiln/backend/common/reduce_ops.h"
#include "kiln/backend/cuda/kernels/common.cuh"
#include "kiln/backend/cuda/kernels/reduce_params.cuh"
#include "kiln/types/cast.h"

namespace kiln::cu {

// Elements of T in one 16-byte access.
template <typename T>
struct VecWidth {
  static constexpr int value = sizeof(T) >= 16 ? 1 : int(16 / sizeof(T));
};

// Warp shuffles of any 1- to 8-byte type, moved as the bits of a 32- or 64-bit word.
template <int Size> struct Bits;
template <> struct Bits<1> { typedef uint8_t type; };
template <> struct Bits<2> { typedef uint16_t type; };
template <> struct Bits<4> { typedef uint32_t type; };
template <> struct Bits<8> { typedef uint64_t type; };

template <bool Up, typename T>
__device__ T shuffle(T v, int delta) {
  typedef typename Bits<sizeof(T)>::type B;
  typedef typename Bits<(sizeof(T) == 8 ? 8 : 4)>::type W;
  W w = W(bit_cast<B>(v));
  w = Up ? __shfl_up_sync(0xffffffffu, w, delta) : __shfl_down_sync(0xffffffffu, w, delta);
  return bit_cast<T>(B(w));
}
template <typename T>
__device__ T shfl_down(T v, int delta) {
  return shuffle<false>(v, delta);
}
template <typename T>
__device__ T shfl_up(T v, int delta) {
  return shuffle<true>(v, delta);
}

// Combines v over groups of `group` consecutive threads of a 1-d block: a power of two up to
// 32 (shuffles within the warp) or the whole block (blockDim.x, a multiple of 32, through
// `smem`, 32 slots). The group's first thread gets the result; lower threads' values come
// first in every combine. Every thread of the block must call it (it synchronizes when the
// group is the block). Op provides init() and operator(); the state type S needs shfl_down.
template <class Op, typename S>
__device__ S group_reduce(S v, int group, S* smem) {
  Op op;
  int width = group < 32 ? group : 32;
  for (int d = width / 2; d > 0; d /= 2) v = op(v, shfl_down(v, d));
  if (group <= 32) return v;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  if (lane == 0) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < nwarps ? smem[lane] : Op::init();
    for (int d = 16; d > 0; d /= 2) v = op(v, shfl_down(v, d));
  }
  __syncthreads();  // smem is free again
  return v;
}

// Exclusive scan of v over a 1-d block (blockDim.x a multiple of 32); `total` receives the
// combination of every thread's value. `smem` holds 32 slots. Every thread must call it.
template <class Op, typename S>
__device__ S block_exclusive_scan(S v, S& total, S* smem) {
  Op op;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32, nwarps = blockDim.x / 32;
  for (int d = 1; d < 32; d *= 2) {
    S u = shfl_up(v, d);
    if (lane >= d) v = op(u, v);
  }
  if (lane == 31) smem[warp] = v;
  __syncthreads();
  if (warp == 0) {
    S w = lane < nwarps ? smem[lane] : Op::init();
    for (int d = 1; d < 32; d *= 2) {
      S u = shfl_up(w, d);
      if (lane >= d) w = op(u, w);
    }
    if (lane < nwarps) smem[lane] = w;
  }
  __syncthreads();
  S before = shfl_up(v, 1);
  S prefix = warp > 0 ? smem[warp - 1] : Op::init();
  if (lane > 0) prefix = op(prefix, before);
  total = smem[nwarps - 1];
  __syncthreads();  // smem is free again
  return prefix;
}

// A thread's share of a kernel that runs across columns (block (x, y), at most
// kReduceThreads threads, grid-stride over tiles of blockDim.x adjacent columns): chunk
// [b, e) of the n positions each column combines, and the slot of its partial result in
// shared memory (row y).
struct ColumnShare {
  long long cols, b, e;
  int slot;
  __device__ ColumnShare(long long columns, long long n)
      : cols(columns),
        b(n * threadIdx.y / blockDim.y),
        e(n * (threadIdx.y + 1) / blockDim.y),
        slot(threadIdx.y * blockDim.x + threadIdx.x) {}
  __device__ long long tiles() const { return (cols + blockDim.x - 1) / blockDim.x; }
  __device__ long long column(long long tile) const { return tile * blockDim.x + threadIdx.x; }
};

// The first element of column `col` (of rows * post) of a (rows, n, post) array.
__device__ inline long long axis_column_start(const AxisParams& p, long long col) {
  long long r = col / p.post;
  return r * p.n * p.post + (col - r * p.post);
}

// Shared memory for `count` values of T (raw bytes: element types may have constructors).
#define KILN_SHARED_ARRAY(T, name, count)                        \
  alignas(16) __shared__ unsigned char name##_raw[sizeof(T) * (count)]; \
  T* name = reinterpret_cast<T*>(name##_raw)

// The first element of `x` at or after which 16-byte accesses are aligned (at most n).
template <typename T>
__device__ long long aligned_head(const T* x, long long n) {
  long long h = (long long)((16 - ((unsigned long long)x & 15)) & 15) / (long long)sizeof(T);
  return h < n ? h : n;
}

// Calls f(value, position) for the positions of x[0, n) that `lane` of a group of `group`
// threads owns, in increasing order, with 16-byte loads in the aligned middle.
template <typename T, typename F>
__device__ void for_span(const T* x, long long n, int lane, int group, F& f) {
  constexpr int V = VecWidth<T>::value;
  long long head = aligned_head(x, n);
  for (long long i = lane; i < head; i += group) f(x[i], i);
  long long nv = (n - head) / V;
  const Vec<T, V>* xv = reinterpret_cast<const Vec<T, V>*>(x + head);
#pragma unroll 4
  for (long long j = lane; j < nv; j += group) {
    Vec<T, V> a = xv[j];
#pragma unroll
    for (int k = 0; k < V; ++k) f(a.v[k], head + j * V + k);
  }
  for (long long i = head + nv * V + lane; i < n; i += group) f(x[i], i);
}

}  // namespace kiln::cu
