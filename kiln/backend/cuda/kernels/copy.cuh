// Copies with dtype conversion: dense (vectorized), strided, and a tiled transpose for
// layouts whose fastest axes differ between source and destination; same-dtype copies of
// rows contiguous on both sides move raw bits.
#pragma once

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/backend/cuda/kernels/common.cuh"
#include "kiln/types/cast.h"

namespace kiln::cu {

template <typename In, typename Out, int N>
__global__ void copy_dense(const In* in, Out* out, long long n) {
  long long step = (long long)gridDim.x * blockDim.x * N;
  for (long long i = ((long long)blockIdx.x * blockDim.x + threadIdx.x) * N; i < n; i += step) {
    if (i + N <= n) {
      Vec<In, N> x = *reinterpret_cast<const Vec<In, N>*>(in + i);
      Vec<Out, N> y;
#pragma unroll
      for (int k = 0; k < N; ++k) y.v[k] = cast_to<Out>(x.v[k]);
      *reinterpret_cast<Vec<Out, N>*>(out + i) = y;
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

// Rows that are contiguous on both sides, copied as raw bits (T: the unsigned integer of the
// item size), V elements per access. Each warp takes a run of kCopyRowSpan vectors of one row;
// the row's offsets (over outer.shape, destination strides outer.strides[0], source
// outer.strides[1]) are computed once per warp, so no per-element division.
template <typename T, int V>
__global__ void copy_rows(const T* in, T* out, long long rows, long long cols, Strided<2> outer) {
  const int lane = threadIdx.x & 31;
  const long long span = (long long)kCopyRowSpan * V;
  const long long chunks = (cols + span - 1) / span;
  const long long tasks = rows * chunks;
  const long long warps = ((long long)gridDim.x * blockDim.x) >> 5;
  for (long long task = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5; task < tasks;
       task += warps) {
    long long row = task / chunks;
    long long c0 = (task - row * chunks) * span;
    long long off[2];
    strided_offsets(outer, row, off);
    const T* src = in + off[1];
    T* dst = out + off[0];
#pragma unroll
    for (int k = 0; k < kCopyRowSpan / 32; ++k) {
      long long c = c0 + (long long)(k * 32 + lane) * V;
      if (c + V <= cols) {
        *reinterpret_cast<Vec<T, V>*>(dst + c) =
            *reinterpret_cast<const Vec<T, V>*>(src + c);
      } else {
        for (long long e = c; e < cols; ++e) dst[e] = src[e];
      }
    }
  }
}

// dst[b, r, c] = src[b, r, c] where the source is contiguous (or densest) along r and the
// destination along c. A 64x64 tile goes through shared memory so both sides access memory
// coalesced: it is stored as tile[c][r] with one padding element per line, which keeps the
// accesses of both phases free of bank conflicts for 4-byte types (8 lanes cover a line of
// 8V elements while 4 neighbouring lines shift the banks by one each). Full tiles of aligned
// layouts move V elements per access; edge tiles and other layouts go element by element.
// Grid: (ceil(C/64), min(ceil(R/64), 65535), min(B, 65535)), looping over the rest of y and z;
// block: kTransposeThreads threads.
template <typename In, typename Out>
__global__ void __launch_bounds__(kTransposeThreads)
    copy_transpose(const In* in, Out* out, TransposeParams p) {
  constexpr int T = kTransposeTile;
  constexpr int V = transpose_width(sizeof(In), sizeof(Out));
  constexpr int RS = 8 * V;        // elements of a line that 8 lanes cover with one vector each
  constexpr int NV = 2 * (T / RS);  // vectors per thread per phase (16 elements)
  __shared__ Out tile[T][T + 1];
  const int t = threadIdx.x, lane = t & 31, warp = t >> 5;
  const int vi = t & 7, vj = t >> 3;  // vector path: position along the line, line (0..31)
  const long long row_tiles = (p.rows + T - 1) / T;
  const long long c0 = (long long)blockIdx.x * T;
  const int nc = p.cols - c0 < T ? int(p.cols - c0) : T;
  for (long long b = blockIdx.z; b < p.batch; b += gridDim.z) {
    long long sb = 0, db = 0;
    long long q = b;
    for (int d = p.batch_ndim - 1; d >= 0; --d) {
      long long i = q % p.batch_shape[d];
      q /= p.batch_shape[d];
      sb += i * p.src_batch[d];
      db += i * p.dst_batch[d];
    }
    for (long long ty = blockIdx.y; ty < row_tiles; ty += gridDim.y) {
      const long long r0 = ty * T;
      const int nr = p.rows - r0 < T ? int(p.rows - r0) : T;
      const In* src = in + sb + r0 * p.src_row + c0 * p.src_col;
      Out* dst = out + db + r0 * p.dst_row + c0 * p.dst_col;
      // The vectorized path needs a full tile; the host checked strides and alignment.
      const bool vec = p.vectorized && nr == T && nc == T;
      if (vec) {
        Vec<In, V> x[NV];
#pragma unroll
        for (int k = 0; k < NV; ++k) {
          int r = (k % (T / RS)) * RS + vi * V, c = (k / (T / RS)) * 32 + vj;
          x[k] = *reinterpret_cast<const Vec<In, V>*>(src + c * p.src_col + r);
        }
#pragma unroll
        for (int k = 0; k < NV; ++k) {
          int r = (k % (T / RS)) * RS + vi * V, c = (k / (T / RS)) * 32 + vj;
#pragma unroll
          for (int e = 0; e < V; ++e) tile[c][r + e] = cast_to<Out>(x[k].v[e]);
        }
      } else {
        // One warp per line c, consecutive lanes along r.
#pragma unroll
        for (int k = 0; k < T / 8; ++k) {
          int c = warp + 8 * k;
#pragma unroll
          for (int h = 0; h < T / 32; ++h) {
            int r = lane + 32 * h;
            if (r < nr && c < nc) tile[c][r] = cast_to<Out>(src[r * p.src_row + c * p.src_col]);
          }
        }
      }
      __syncthreads();
      if (vec) {
#pragma unroll
        for (int k = 0; k < NV; ++k) {
          int c = (k % (T / RS)) * RS + vi * V, r = (k / (T / RS)) * 32 + vj;
          Vec<Out, V> y;
#pragma unroll
          for (int e = 0; e < V; ++e) y.v[e] = tile[c + e][r];
          *reinterpret_cast<Vec<Out, V>*>(dst + r * p.dst_row + c) = y;
        }
      } else {
        // One warp per line r, consecutive lanes along c.
#pragma unroll
        for (int k = 0; k < T / 8; ++k) {
          int r = warp + 8 * k;
#pragma unroll
          for (int h = 0; h < T / 32; ++h) {
            int c = lane + 32 * h;
            if (r < nr && c < nc) dst[r * p.dst_row + c * p.dst_col] = tile[c][r];
          }
        }
      }
      __syncthreads();  // the next tile overwrites this one
    }
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
