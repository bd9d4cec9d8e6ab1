// Pad and Roll: every output element reads the input through per-axis index maps
// (kiln/backend/common/index_map.h) or takes the fill value. Elements move as raw bits:
// T is the unsigned integer of the item size.
#pragma once

#include "kiln/backend/common/index_map.h"
#include "kiln/backend/cuda/kernels/params.cuh"

namespace kiln::cu {

// The fill value: read from device memory when `fill` is set, else passed in `bits`.
template <typename T>
__device__ __forceinline__ T remap_fill(const T* fill, unsigned long long bits) {
  return fill ? *fill : T(bits);
}

// One warp per task: a row (all output axes but the last) and a run of kRemapSpan columns
// of it. The row's input offset is computed once per warp (the lanes compute the
// same values in lockstep), so outer axes cost no per-element division; along the last axis
// consecutive lanes write consecutive elements.
template <typename T>
__global__ void remap_rows(const T* in, T* out, RemapParams p, const T* fill,
                           unsigned long long fill_bits) {
  const T f = remap_fill(fill, fill_bits);
  const int lane = threadIdx.x & 31;
  const int last = p.ndim - 1;
  const long long chunks = (p.cols + kRemapSpan - 1) / kRemapSpan;
  const long long tasks = p.rows * chunks;
  const long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
  for (long long task = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; task < tasks;
       task += warps) {
    long long row = task / chunks;
    long long c0 = (task - row * chunks) * kRemapSpan;
    long long off = 0;
    bool filled = false;
    long long r = row;
    for (int d = last - 1; d >= 0; --d) {
      long long i = r % p.out_shape[d];
      r /= p.out_shape[d];
      long long m = index_map::source_index(i, p.low[d], p.in_shape[d], p.mode);
      filled |= m < 0;
      off += m * p.in_strides[d];
    }
    T* o = out + row * p.cols;
#pragma unroll
    for (int k = 0; k < kRemapSpan / 32; ++k) {
      long long c = c0 + k * 32 + lane;
      if (c < p.cols) {
        T v = f;
        if (!filled) {
          long long m = index_map::source_index(c, p.low[last], p.in_shape[last], p.mode);
          if (m >= 0) v = in[off + m * p.in_strides[last]];
        }
        o[c] = v;
      }
    }
  }
}

// One thread per output element: for short last axes, where a warp per row would idle.
template <typename T>
__global__ void remap_elements(const T* in, T* out, RemapParams p, const T* fill,
                               unsigned long long fill_bits) {
  const T f = remap_fill(fill, fill_bits);
  const long long n = p.rows * p.cols;
  const long long step = (long long)gridDim.x * blockDim.x;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    long long r = i, off = 0;
    bool filled = false;
    for (int d = p.ndim - 1; d >= 0; --d) {
      long long c = r % p.out_shape[d];
      r /= p.out_shape[d];
      long long m = index_map::source_index(c, p.low[d], p.in_shape[d], p.mode);
      filled |= m < 0;
      off += m * p.in_strides[d];
    }
    out[i] = filled ? f : in[off];
  }
}

}  // namespace kiln::cu
