// Matrix-vector products, bound by reading the matrix once: 16-byte loads, float
// accumulation, enough blocks to keep every SM's memory pipes busy.
#pragma once

#include "kiln/backend/cuda/kernels/params.cuh"
#include "kiln/types/cast.h"

namespace kiln::cu {

template <typename T, int N>
struct alignas(sizeof(T) * N) GemvVec {
  T v[N];
};

// y[n] = sum_k x[k] * w[n * ld + k]: the matrix's rows are contiguous (x @ W.T with W
// row-major). One warp per row; each lane reads N consecutive elements per step.
template <typename T, int N>
__global__ void gemv_rows(const T* x, const T* w, T* y, long long rows, long long k, long long ld) {
  long long row = (long long)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const T* wr = w + row * ld;
  float acc = 0.0f;
  long long vec_end = k / N * N;
  for (long long i = (long long)lane * N; i < vec_end; i += 32 * N) {
    GemvVec<T, N> a = *reinterpret_cast<const GemvVec<T, N>*>(wr + i);
    GemvVec<T, N> b = *reinterpret_cast<const GemvVec<T, N>*>(x + i);
#pragma unroll
    for (int j = 0; j < N; ++j) acc += float(a.v[j]) * float(b.v[j]);
  }
  for (long long i = vec_end + lane; i < k; i += 32) acc += float(wr[i]) * float(x[i]);
#pragma unroll
  for (int off = 16; off > 0; off /= 2) acc += __shfl_down_sync(0xffffffffu, acc, off);
  if (lane == 0) y[row] = cast_to<T>(acc);
}

// partial[split][n] = sum over this split's k of x[k] * w[k * ld + n]: the matrix's columns
// are contiguous across threads (x @ W with W row-major). Each thread owns N consecutive
// columns; blockIdx.y picks a slice of k. gemv_cols_finish sums the slices.
template <typename T, int N>
__global__ void gemv_cols(const T* x, const T* w, float* partial, long long k, long long cols,
                          long long ld, long long k_per_split) {
  long long c0 = ((long long)blockIdx.x * blockDim.x + threadIdx.x) * N;
  if (c0 >= cols) return;
  long long k0 = (long long)blockIdx.y * k_per_split;
  long long k1 = k0 + k_per_split < k ? k0 + k_per_split : k;
  float acc[N];
#pragma unroll
  for (int j = 0; j < N; ++j) acc[j] = 0.0f;
  if (c0 + N <= cols) {
    for (long long i = k0; i < k1; ++i) {
      float xv = float(x[i]);
      GemvVec<T, N> a = *reinterpret_cast<const GemvVec<T, N>*>(w + i * ld + c0);
#pragma unroll
      for (int j = 0; j < N; ++j) acc[j] += xv * float(a.v[j]);
    }
  } else {
    for (long long i = k0; i < k1; ++i) {
      float xv = float(x[i]);
      for (int j = 0; j < N && c0 + j < cols; ++j) acc[j] += xv * float(w[i * ld + c0 + j]);
    }
  }
  float* out = partial + (long long)blockIdx.y * cols;
  for (int j = 0; j < N && c0 + j < cols; ++j) out[c0 + j] = acc[j];
}

template <typename T>
__global__ void gemv_cols_finish(const float* partial, T* y, long long cols, int splits) {
  long long stride = (long long)gridDim.x * blockDim.x;
  for (long long c = (long long)blockIdx.x * blockDim.x + threadIdx.x; c < cols; c += stride) {
    float s = 0.0f;
    for (int i = 0; i < splits; ++i) s += partial[(long long)i * cols + c];
    y[c] = cast_to<T>(s);
  }
}

}  // namespace kiln::cu
