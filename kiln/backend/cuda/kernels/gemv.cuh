// Matrix-vector products, bound by reading the matrix once: 16-byte loads, float
// accumulation, enough blocks to keep every SM's memory pipes busy.
#pragma once

#include "kiln/backend/cuda/kernels/common.cuh"
#include "kiln/types/cast.h"

namespace kiln::cu {

// Loads issued per thread before any is used: one 16-byte load in flight per thread left HBM
// idle (47% of bandwidth on an H200); four reached 53-58% in benchmarks/gpu_ops.py (eight,
// with grid-stride rows, measured worse).
constexpr int kGemvUnroll = 4;

template <typename T, int N>
__device__ inline Vec<T, N> gemv_load(const T* p) {
  return *reinterpret_cast<const Vec<T, N>*>(p);
}

// y[n] = sum_k x[k] * w[n * ld + k]: the matrix's rows are contiguous (x @ W.T with W
// row-major). One warp per row; each lane reads N consecutive elements per step.
template <typename T, int N>
__global__ void gemv_rows(const T* __restrict__ x, const T* __restrict__ w, T* y, long long rows,
                          long long k, long long ld) {
  long long row = (long long)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  int lane = threadIdx.x % 32;
  if (row >= rows) return;
  const T* wr = w + row * ld;
  float acc = 0.0f;
  long long vec_end = k / N * N;
  constexpr long long kStep = 32 * N;
  long long i = (long long)lane * N;
  for (; i + (kGemvUnroll - 1) * kStep < vec_end; i += kGemvUnroll * kStep) {
    Vec<T, N> a[kGemvUnroll], b[kGemvUnroll];
#pragma unroll
    for (int u = 0; u < kGemvUnroll; ++u) {
      a[u] = gemv_load<T, N>(wr + i + u * kStep);
      b[u] = gemv_load<T, N>(x + i + u * kStep);
    }
#pragma unroll
    for (int u = 0; u < kGemvUnroll; ++u) {
#pragma unroll
      for (int j = 0; j < N; ++j) acc += float(a[u].v[j]) * float(b[u].v[j]);
    }
  }
  for (; i < vec_end; i += kStep) {
    Vec<T, N> a = gemv_load<T, N>(wr + i), b = gemv_load<T, N>(x + i);
#pragma unroll
    for (int j = 0; j < N; ++j) acc += float(a.v[j]) * float(b.v[j]);
  }
  for (long long t = vec_end + lane; t < k; t += 32) acc += float(wr[t]) * float(x[t]);
#pragma unroll
  for (int off = 16; off > 0; off /= 2) acc += __shfl_down_sync(0xffffffffu, acc, off);
  if (lane == 0) y[row] = cast_to<T>(acc);
}


// partial[split][n] = sum over this split's k of x[k] * w[k * ld + n]: the matrix's columns
// are contiguous (x @ W with W row-major). A block of 32 x kGemvColWarps threads owns 32 * N
// consecutive columns (lane: N of them, one 16-byte load per row); its warps take every
// kGemvColWarps-th row of blockIdx.y's slice of k, then add their sums in shared memory, so
// few slices (and a small partial array) are needed to fill the GPU.
template <typename T, int N>
__global__ void gemv_cols(const T* __restrict__ x, const T* __restrict__ w, float* partial,
                          long long k, long long cols, long long ld, long long k_per_split) {
  __shared__ float sums[kGemvColWarps][32 * (N + 1)];  // N + 1: no bank conflicts
  int lane = threadIdx.x, warp = threadIdx.y;
  long long chunk = (long long)blockIdx.x * 32 * N;
  long long c0 = chunk + (long long)lane * N;
  long long k0 = (long long)blockIdx.y * k_per_split;
  long long k1 = k0 + k_per_split < k ? k0 + k_per_split : k;
  float acc[N];
#pragma unroll
  for (int j = 0; j < N; ++j) acc[j] = 0.0f;
  if (c0 + N <= cols) {
    constexpr int kStep = kGemvColWarps;
    long long i = k0 + warp;
    for (; i + (kGemvUnroll - 1) * kStep < k1; i += kGemvUnroll * kStep) {
      Vec<T, N> a[kGemvUnroll];
#pragma unroll
      for (int u = 0; u < kGemvUnroll; ++u) a[u] = gemv_load<T, N>(w + (i + u * kStep) * ld + c0);
#pragma unroll
      for (int u = 0; u < kGemvUnroll; ++u) {
        float xv = float(x[i + u * kStep]);
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] += xv * float(a[u].v[j]);
      }
    }
    for (; i < k1; i += kStep) {
      float xv = float(x[i]);
      Vec<T, N> a = gemv_load<T, N>(w + i * ld + c0);
#pragma unroll
      for (int j = 0; j < N; ++j) acc[j] += xv * float(a.v[j]);
    }
  } else {
    for (long long i = k0 + warp; i < k1; i += kGemvColWarps) {
      float xv = float(x[i]);
      for (int j = 0; j < N && c0 + j < cols; ++j) acc[j] += xv * float(w[i * ld + c0 + j]);
    }
  }
#pragma unroll
  for (int j = 0; j < N; ++j) sums[warp][lane * (N + 1) + j] = acc[j];
  __syncthreads();
  // Thread t of the block finishes column chunk + t (and chunk + t + 256, ... for N > 8).
  float* out = partial + (long long)blockIdx.y * cols;
  for (int t = warp * 32 + lane; t < 32 * N; t += 32 * kGemvColWarps) {
    if (chunk + t >= cols) break;
    int idx = (t / N) * (N + 1) + t % N;
    float s = 0.0f;
#pragma unroll
    for (int v = 0; v < kGemvColWarps; ++v) s += sums[v][idx];
    out[chunk + t] = s;
  }
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
