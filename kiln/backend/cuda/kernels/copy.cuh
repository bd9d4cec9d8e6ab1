// Copies with dtype conversion: dense (vectorized), strided, and a tiled transpose for
// layouts whose fastest axes differ between source and destination.
#pragma once

#include "kiln/backend/cuda/kernels/params.cuh"
#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/types/cast.h"

namespace kiln::cu {

template <typename T, int N>
struct alignas(sizeof(T) * N) CopyVec {
  T v[N];
};

template <typename In, typename Out, int N>
__global__ void copy_dense(const In* in, Out* out, long long n) {
  long long step = (long long)gridDim.x * blockDim.x * N;
  for (long long i = ((long long)blockIdx.x * blockDim.x + threadIdx.x) * N; i < n; i += step) {
    if (i + N <= n) {
      CopyVec<In, N> x = *reinterpret_cast<const CopyVec<In, N>*>(in + i);
      CopyVec<Out, N> y;
#pragma unroll
      for (int k = 0; k < N; ++k) y.v[k] = cast_to<Out>(x.v[k]);
      *reinterpret_cast<CopyVec<Out, N>*>(out + i) = y;
    } else {
      for (long long k = i; k < n; ++k) out[k] = cast_to<Out>(in[k]);
    }
  }
}

// p.strides[0]: destination, p.strides[1]: source.
template <typename In, typename Out>
__global__ void copy_strided(const In* in, Out* out, long long n, Strided<2> p) {
  long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    long long off[2];
    strided_offsets(p, i, off);
    out[off[0]] = cast_to<Out>(in[off[1]]);
  }
}

// dst[b, r, c] = src[b, r, c] where the source is contiguous along r and the destination
// along c: a 32x32 tile goes through shared memory so both sides access memory coalesced.
// Grid: (ceil(C/32), ceil(R/32), B); block: (32, 8).

template <typename In, typename Out>
__global__ void copy_transpose(const In* in, Out* out, TransposeParams p) {
  __shared__ Out tile[32][33];  // +1 column: no bank conflicts on the transposed read
  long long b = blockIdx.z;
  long long r0 = (long long)blockIdx.y * 32, c0 = (long long)blockIdx.x * 32;
  const In* src = in + b * p.src_batch;
  Out* dst = out + b * p.dst_batch;
  // Read: consecutive threads walk r (the source's contiguous axis).
  for (int j = threadIdx.y; j < 32; j += 8) {
    long long r = r0 + threadIdx.x, c = c0 + j;
    if (r < p.rows && c < p.cols) tile[j][threadIdx.x] = cast_to<Out>(src[r * p.src_row + c * p.src_col]);
  }
  __syncthreads();
  // Write: consecutive threads walk c (the destination's contiguous axis).
  for (int j = threadIdx.y; j < 32; j += 8) {
    long long r = r0 + j, c = c0 + threadIdx.x;
    if (r < p.rows && c < p.cols) dst[r * p.dst_row + c * p.dst_col] = tile[threadIdx.x][j];
  }
}

// Fill with one value read from device memory (a 0-d array).
template <typename T>
__global__ void fill(T* out, const T* value, long long n) {
  T v = *value;
  long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) out[i] = v;
}

// x *= s in place (AddMM's beta * c when the product is empty).
template <typename T>
__global__ void scale(T* p, long long n, double s) {
  long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    p[i] = ew::Multiply{}(p[i], cast_to<T>(s));
  }
}

// NumPy's arange fill: first + i * delta, in wrapping integer arithmetic for integer types
// and in the type's own precision (float for 16-bit floats) otherwise.
template <typename T> struct ArangeCompute { typedef float type; };
template <> struct ArangeCompute<double> { typedef double type; };

template <typename T>
__global__ void arange(T* out, long long n, double first, double delta,
                       unsigned long long ifirst, unsigned long long idelta) {
  long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
    if (ew::is_int<T>::value) {
      out[i] = T(ifirst + (unsigned long long)i * idelta);
    } else {
      typedef typename ArangeCompute<T>::type C;
      out[i] = cast_to<T>(C(first) + C(i) * C(delta));
    }
  }
}

}  // namespace kiln::cu
