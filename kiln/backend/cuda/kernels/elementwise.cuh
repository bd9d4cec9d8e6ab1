// Elementwise kernels: unary, binary (with broadcasting) and select. Dense operands use
// 16-byte vector loads and stores; anything else walks the strided index space.
#pragma once

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/backend/cuda/kernels/common.cuh"

namespace kiln::cu {

// A 16-byte-aligned vector load. Vectors of 1-byte elements are loaded as 32-bit words and
// split with byte permutes: NVVM (CUDA 13) miscompiled lanes 0, 4, 8, 12 of an int8 vector
// feeding an add and then a max, dropping the sign extension of the sum (seen in the PTX
// of a fused kernel; the H200 run gave wrong results there). Opaque byte extraction avoids it.
template <typename T, int N>
__device__ __forceinline__ Vec<T, N> load_vec(const T* p) {
  if constexpr (sizeof(T) == 1 && N % 4 == 0) {
    Vec<unsigned, N / 4> w = *reinterpret_cast<const Vec<unsigned, N / 4>*>(p);
    Vec<T, N> out;
#pragma unroll
    for (int k = 0; k < N; ++k) {
      unsigned byte = __byte_perm(w.v[k / 4], 0u, 0x4440u | unsigned(k % 4));
      out.v[k] = static_cast<T>(byte);
    }
    return out;
  } else {
    return *reinterpret_cast<const Vec<T, N>*>(p);
  }
}

template <typename Op, typename In, typename Out, int N>
__global__ void unary_dense(const In* in, Out* out, long long n) {
  Op op;
  long long step = (long long)gridDim.x * blockDim.x * N;
  for (long long i = ((long long)blockIdx.x * blockDim.x + threadIdx.x) * N; i < n; i += step) {
    if (i + N <= n) {
      Vec<In, N> x = load_vec<In, N>(in + i);
      Vec<Out, N> y;
#pragma unroll
      for (int k = 0; k < N; ++k) y.v[k] = op(x.v[k]);
      *reinterpret_cast<Vec<Out, N>*>(out + i) = y;
    } else {
      for (long long k = i; k < n; ++k) out[k] = op(in[k]);
    }
  }
}

template <typename Op, typename In, typename Out>
__global__ void unary_strided(const In* in, Out* out, long long n, Strided<2> p) {
  Op op;
  long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    long long off[2];
    strided_offsets(p, i, off);
    out[off[0]] = op(in[off[1]]);
  }
}

// SA/SB: how each operand is read (OperandRead): a dense vector, its element 0 in device
// memory, or one value passed by value (va/vb).
template <typename Op, typename T, typename Out, int N, int SA, int SB>
__global__ void binary_dense(const T* a, const T* b, ScalarBits va, ScalarBits vb, Out* out,
                             long long n) {
  Op op;
  long long step = (long long)gridDim.x * blockDim.x * N;
  T sa = SA == kReadByValue ? scalar_value<T>(va) : (SA == kReadElement0 ? a[0] : T());
  T sb = SB == kReadByValue ? scalar_value<T>(vb) : (SB == kReadElement0 ? b[0] : T());
  for (long long i = ((long long)blockIdx.x * blockDim.x + threadIdx.x) * N; i < n; i += step) {
    if (i + N <= n) {
      Vec<T, N> x, y;
      if (SA == kReadDense) x = load_vec<T, N>(a + i);
      if (SB == kReadDense) y = load_vec<T, N>(b + i);
      Vec<Out, N> z;
#pragma unroll
      for (int k = 0; k < N; ++k) {
        z.v[k] = op(SA == kReadDense ? x.v[k] : sa, SB == kReadDense ? y.v[k] : sb);
      }
      *reinterpret_cast<Vec<Out, N>*>(out + i) = z;
    } else {
      for (long long k = i; k < n; ++k) {
        out[k] = op(SA == kReadDense ? a[k] : sa, SB == kReadDense ? b[k] : sb);
      }
    }
  }
}

template <typename Op, typename T, typename Out>
__global__ void binary_strided(const T* a, const T* b, Out* out, long long n, Strided<3> p) {
  Op op;
  long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    long long off[3];
    strided_offsets(p, i, off);
    out[off[0]] = op(a[off[1]], b[off[2]]);
  }
}

template <typename T>
__global__ void select_strided(const bool* c, const T* x, const T* y, T* out, long long n,
                               Strided<4> p) {
  long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    long long off[4];
    strided_offsets(p, i, off);
    out[off[0]] = c[off[1]] ? x[off[2]] : y[off[3]];
  }
}

}  // namespace kiln::cu
