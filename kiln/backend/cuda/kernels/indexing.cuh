// Gather and scatter kernels. The gathers and scatters lay their work out as rows of columns:
// blockDim.x threads walk a row (the last merged dimension of a slice, so accesses along it
// coalesce), blockDim.y rows share a block, gridDim.x blocks stride over the rows and
// gridDim.y blocks split long rows. Row offsets are computed once per row; columns only add
// strides. Index values are read with their dtype given at run time, so one instantiation
// per element size serves every index type. An index outside its axis is never used: the
// element is skipped and the first such index is reported in `err` (when given).
#pragma once

#include "kiln/backend/common/elementwise_ops.h"
#include "kiln/backend/cuda/kernels/indexing_params.cuh"

namespace kiln::cu {

// ---------------------------------------------------------------- work layout
// Blocks of kRowBlock threads; registers are capped so that four blocks fit on an SM (enough
// loads in flight for the scattered accesses) without spilling.

__device__ __forceinline__ long long row_begin() {
  return (long long)blockIdx.x * blockDim.y + threadIdx.y;
}
__device__ __forceinline__ long long row_step() { return (long long)gridDim.x * blockDim.y; }
__device__ __forceinline__ long long col_begin() {
  return (long long)blockIdx.y * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ long long col_step() { return (long long)gridDim.y * blockDim.x; }

// Offsets of row r of a collapsed layout whose last dimension is the columns.
template <int K>
__device__ __forceinline__ void row_offsets(const Strided<K>& p, long long r, long long (&off)[K]) {
  strided_offsets(p, r, off, /*skip_last=*/true);
}

// Offsets of element i (row-major) of a collapsed layout.
template <int K>
__device__ __forceinline__ void element_offsets(const Strided<K>& p, long long i,
                                                long long (&off)[K]) {
  if (p.ndim == 1) {
    for (int k = 0; k < K; ++k) off[k] = i * p.strides[k][0];
  } else {
    strided_offsets(p, i, off);
  }
}

// ---------------------------------------------------------------- index values

// The value comes back sign-extended (signed) or as its bits (unsigned).
__device__ __forceinline__ long long load_index(const void* p, long long off, int dtype) {
  switch (dtype) {
    case kIndexUint8: return static_cast<const unsigned char*>(p)[off];
    case kIndexUint16: return static_cast<const unsigned short*>(p)[off];
    case kIndexUint32: return static_cast<const unsigned int*>(p)[off];
    case kIndexUint64: return (long long)static_cast<const unsigned long long*>(p)[off];
    case kIndexInt8: return static_cast<const signed char*>(p)[off];
    case kIndexInt16: return static_cast<const short*>(p)[off];
    case kIndexInt32: return static_cast<const int*>(p)[off];
    default: return static_cast<const long long*>(p)[off];
  }
}

// The position an index value names on an axis of `size` elements (negative values count
// from the end), or -1 unless it lies in [0, limit].
__device__ __forceinline__ long long wrap_index(long long raw, int dtype, long long size,
                                                long long limit) {
  if (dtype <= kIndexUint64) {
    return limit >= 0 && (unsigned long long)raw <= (unsigned long long)limit ? raw : -1;
  }
  long long x = raw < 0 ? raw + size : raw;
  return x >= 0 && x <= limit ? x : -1;
}

// Keeps the first bad index (its bits and which index array held it); the host reads it
// once the kernels are done.
__device__ __forceinline__ void report_index(unsigned long long* err, long long raw, int operand) {
  if (err && atomicCAS(err + kErrFlag, 0ull, 1ull) == 0ull) {
    err[kErrValue] = (unsigned long long)raw;
    err[kErrOperand] = (unsigned long long)operand;
  }
}

// Element offset of index position i of operand k of the index space.
__device__ __forceinline__ long long space_offset(const IndexSpace& s, int k, long long i) {
  if (s.ndim == 1) return i * s.strides[k][0];
  long long off = 0;
  for (int d = s.ndim - 1; d >= 0; --d) {
    long long c = i % s.shape[d];
    i /= s.shape[d];
    off += c * s.strides[k][d];
  }
  return off;
}

// The element offset of the start that index position i names (false, after reporting, when
// an index is out of range).
__device__ __forceinline__ bool index_start(const IndexSpace& s, long long i,
                                            unsigned long long* err, long long& start) {
  start = 0;
  for (int t = 0; t < s.count; ++t) {
    long long raw = load_index(s.ptr[t], space_offset(s, t + 1, i), s.dtype[t]);
    long long pos = wrap_index(raw, s.dtype[t], s.size[t], s.limit[t]);
    if (pos < 0) {
      report_index(err, raw, t);
      return false;
    }
    start += pos * s.stride[t];
  }
  return true;
}

// ---------------------------------------------------------------- gathers

// out[i, s] = src[start(i) + s] for index positions i and slice elements s. `sl` is the
// slice (merged; [0]: out within a slice, row-major, [1]: src) as slice_rows rows of its last
// dimension; work row r is (i, slice row) = (r / slice_rows, r % slice_rows).
template <typename T>
__global__ void __launch_bounds__(kRowBlock, 4)
    gather(const T* src, T* out, IndexSpace ix, Strided<2> sl, long long slice_rows, long long rows,
           unsigned long long* err) {
  const int last = sl.ndim - 1;
  const long long cols = sl.shape[last], sc = sl.strides[1][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long i = slice_rows == 1 ? r : r / slice_rows;
    long long start;
    if (!index_start(ix, i, err, start)) continue;
    long long off[2];
    row_offsets(sl, r - i * slice_rows, off);
    const T* s = src + start + off[1];
    T* o = out + r * cols;  // out is row-contiguous: i * slice size + slice row * cols
    for (long long c = col_begin(); c < cols; c += col_step()) o[c] = s[c * sc];
  }
}

// take_along_axis: out[p] = src[p with its coordinate on the axis replaced by the index at p].
// `sp` merges out's shape: [0] out, [1] the indices, [2] src with stride 0 on the axis.
template <typename T>
__global__ void __launch_bounds__(kRowBlock, 4)
    gather_axis(const T* src, const void* idx, int idx_dtype, T* out, Strided<3> sp, long long rows,
                long long size, long long axis_stride, unsigned long long* err) {
  const int last = sp.ndim - 1;
  const long long cols = sp.shape[last];
  const long long s0 = sp.strides[0][last], s1 = sp.strides[1][last], s2 = sp.strides[2][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long off[3];
    row_offsets(sp, r, off);
    for (long long c = col_begin(); c < cols; c += col_step()) {
      long long raw = load_index(idx, off[1] + c * s1, idx_dtype);
      long long pos = wrap_index(raw, idx_dtype, size, size - 1);
      if (pos < 0) {
        report_index(err, raw, 0);
        continue;
      }
      out[off[0] + c * s0] = src[off[2] + c * s2 + pos * axis_stride];
    }
  }
}

// ---------------------------------------------------------------- atomics

template <int Size> struct SubWord;
template <> struct SubWord<1> { typedef unsigned char type; };
template <> struct SubWord<2> { typedef unsigned short type; };

// *p = Op(*p, v) atomically, by compare-and-swap on the word holding *p (the aligned 32-bit
// word for 1- and 2-byte elements: every write to the output in a reduction kernel goes
// through here, so neighbours sharing the word only cause retries).
template <typename Op, typename T>
__device__ void atomic_combine_cas(T* p, T v) {
  Op op;
  if constexpr (sizeof(T) == 8) {
    unsigned long long* w = reinterpret_cast<unsigned long long*>(p);
    unsigned long long old = *w, assumed;
    do {
      assumed = old;
      unsigned long long next = bit_cast<unsigned long long>(op(bit_cast<T>(assumed), v));
      if (next == assumed) return;
      old = atomicCAS(w, assumed, next);
    } while (old != assumed);
  } else if constexpr (sizeof(T) == 4) {
    unsigned int* w = reinterpret_cast<unsigned int*>(p);
    unsigned int old = *w, assumed;
    do {
      assumed = old;
      unsigned int next = bit_cast<unsigned int>(op(bit_cast<T>(assumed), v));
      if (next == assumed) return;
      old = atomicCAS(w, assumed, next);
    } while (old != assumed);
  } else {
    typedef typename SubWord<sizeof(T)>::type B;
    unsigned long long addr = reinterpret_cast<unsigned long long>(p);
    unsigned int* w = reinterpret_cast<unsigned int*>(addr & ~3ull);
    const unsigned int shift = (unsigned int)(addr & 3ull) * 8u;
    const unsigned int mask = (unsigned int)B(~B(0)) << shift;
    unsigned int old = *w, assumed;
    do {
      assumed = old;
      T cur = bit_cast<T>(B((assumed & mask) >> shift));
      unsigned int bits = (unsigned int)bit_cast<B>(op(cur, v)) << shift;
      unsigned int next = (assumed & ~mask) | bits;
      if (next == assumed) return;
      old = atomicCAS(w, assumed, next);
    } while (old != assumed);
  }
}

// Hardware atomics where one exists for the op and type; the CAS loop otherwise.
template <typename Op, typename T>
struct AtomicCombine {
  __device__ static void apply(T* p, T v) { atomic_combine_cas<Op>(p, v); }
};
template <> struct AtomicCombine<ew::Add, float> {
  __device__ static void apply(float* p, float v) { atomicAdd(p, v); }
};
template <> struct AtomicCombine<ew::Add, double> {
  __device__ static void apply(double* p, double v) { atomicAdd(p, v); }
};
template <> struct AtomicCombine<ew::Add, int32_t> {
  __device__ static void apply(int32_t* p, int32_t v) { atomicAdd(p, v); }
};
template <> struct AtomicCombine<ew::Add, uint32_t> {
  __device__ static void apply(uint32_t* p, uint32_t v) { atomicAdd(p, v); }
};
// Two's complement: the unsigned 64-bit add wraps exactly as the signed one.
template <> struct AtomicCombine<ew::Add, int64_t> {
  __device__ static void apply(int64_t* p, int64_t v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), (unsigned long long)v);
  }
};
template <> struct AtomicCombine<ew::Add, uint64_t> {
  __device__ static void apply(uint64_t* p, uint64_t v) { atomicAdd(p, v); }
};
#define KILN_ATOMIC_MINMAX(T)                                                         \
  template <> struct AtomicCombine<ew::Maximum, T> {                                   \
    __device__ static void apply(T* p, T v) { atomicMax(p, v); }                      \
  };                                                                                  \
  template <> struct AtomicCombine<ew::Minimum, T> {                                   \
    __device__ static void apply(T* p, T v) { atomicMin(p, v); }                      \
  };
KILN_ATOMIC_MINMAX(int32_t)
KILN_ATOMIC_MINMAX(uint32_t)
KILN_ATOMIC_MINMAX(int64_t)
KILN_ATOMIC_MINMAX(uint64_t)
#undef KILN_ATOMIC_MINMAX

// ---------------------------------------------------------------- scatters

// Scatter work rows are (index position i, slice row), as in gather; `sl` merges the update
// slice: [0] out, [1] updates; ix.strides[0] places index position i in the updates. `out`
// is dense, so element offsets double as positions in the claim buffer `win`.

// Pass 1 of an assignment where positions may repeat: each element keeps the highest index
// position (plus one) that writes it, so that pass 2 writes it once, with the last update
// in index order (the CPU's order).
template <typename W>
__global__ void __launch_bounds__(kRowBlock, 4)
    scatter_claim(W* win, IndexSpace ix, Strided<2> sl, long long slice_rows, long long rows,
                  unsigned long long* err) {
  const int last = sl.ndim - 1;
  const long long cols = sl.shape[last], oc = sl.strides[0][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long i = slice_rows == 1 ? r : r / slice_rows;
    long long start;
    if (!index_start(ix, i, err, start)) continue;
    long long off[2];
    row_offsets(sl, r - i * slice_rows, off);
    W* w = win + start + off[0];
    for (long long c = col_begin(); c < cols; c += col_step()) atomicMax(w + c * oc, W(i + 1));
  }
}

// out[start(i) + s] = upd[i, s]; with `win`, only where index position i holds the claim.
template <typename T, typename W>
__global__ void __launch_bounds__(kRowBlock, 4)
    scatter_assign(T* out, const T* upd, const W* win, IndexSpace ix, Strided<2> sl,
                   long long slice_rows, long long rows, unsigned long long* err) {
  const int last = sl.ndim - 1;
  const long long cols = sl.shape[last], oc = sl.strides[0][last], uc = sl.strides[1][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long i = slice_rows == 1 ? r : r / slice_rows;
    long long start;
    if (!index_start(ix, i, err, start)) continue;
    long long off[2];
    row_offsets(sl, r - i * slice_rows, off);
    const long long o = start + off[0];
    const T* u = upd + space_offset(ix, 0, i) + off[1];
    for (long long c = col_begin(); c < cols; c += col_step()) {
      long long pos = o + c * oc;
      if (!win || win[pos] == W(i + 1)) out[pos] = u[c * uc];
    }
  }
}

// out[start(i) + s] = Op(out[start(i) + s], upd[i, s]), repeated positions combining all
// their updates.
template <typename Op, typename T>
__global__ void __launch_bounds__(kRowBlock, 4)
    scatter_reduce(T* out, const T* upd, IndexSpace ix, Strided<2> sl, long long slice_rows,
                   long long rows, unsigned long long* err) {
  const int last = sl.ndim - 1;
  const long long cols = sl.shape[last], oc = sl.strides[0][last], uc = sl.strides[1][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long i = slice_rows == 1 ? r : r / slice_rows;
    long long start;
    if (!index_start(ix, i, err, start)) continue;
    long long off[2];
    row_offsets(sl, r - i * slice_rows, off);
    T* o = out + start + off[0];
    const T* u = upd + space_offset(ix, 0, i) + off[1];
    for (long long c = col_begin(); c < cols; c += col_step()) {
      AtomicCombine<Op, T>::apply(o + c * oc, u[c * uc]);
    }
  }
}

// put_along_axis, in the same two passes. `sp` merges the indices' shape: [0] out with
// stride 0 on the axis, [1] the indices, [2] the updates; an update's claim is its row-major
// position among the indices (plus one).
template <typename W>
__global__ void __launch_bounds__(kRowBlock, 4)
    scatter_axis_claim(W* win, const void* idx, int idx_dtype, Strided<3> sp, long long rows,
                       long long size, long long axis_stride, unsigned long long* err) {
  const int last = sp.ndim - 1;
  const long long cols = sp.shape[last], s0 = sp.strides[0][last], s1 = sp.strides[1][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long off[3];
    row_offsets(sp, r, off);
    for (long long c = col_begin(); c < cols; c += col_step()) {
      long long raw = load_index(idx, off[1] + c * s1, idx_dtype);
      long long pos = wrap_index(raw, idx_dtype, size, size - 1);
      if (pos < 0) {
        report_index(err, raw, 0);
        continue;
      }
      atomicMax(win + off[0] + c * s0 + pos * axis_stride, W(r * cols + c + 1));
    }
  }
}

template <typename T, typename W>
__global__ void __launch_bounds__(kRowBlock, 4)
    scatter_axis_assign(T* out, const void* idx, int idx_dtype, const T* upd, const W* win,
                        Strided<3> sp, long long rows, long long size, long long axis_stride,
                        unsigned long long* err) {
  const int last = sp.ndim - 1;
  const long long cols = sp.shape[last];
  const long long s0 = sp.strides[0][last], s1 = sp.strides[1][last], s2 = sp.strides[2][last];
  for (long long r = row_begin(); r < rows; r += row_step()) {
    long long off[3];
    row_offsets(sp, r, off);
    for (long long c = col_begin(); c < cols; c += col_step()) {
      long long raw = load_index(idx, off[1] + c * s1, idx_dtype);
      long long pos = wrap_index(raw, idx_dtype, size, size - 1);
      if (pos < 0) {
        report_index(err, raw, 0);
        continue;
      }
      long long o = off[0] + c * s0 + pos * axis_stride;
      if (!win || win[o] == W(r * cols + c + 1)) out[o] = upd[off[2] + c * s2];
    }
  }
}

// ---------------------------------------------------------------- masked scatter

// The mask is walked in tiles of kMaskTile elements (row-major), kMaskItems chunks of one
// element per thread: count the true elements of each tile, scan the counts, then give the
// k-th true element values[k]. `sp` merges a's shape: [0] out, [1] the mask.
// counts[t] = true elements in tile t. Block: kMaskBlock threads.
__global__ void mask_count(const bool* mask, Strided<2> sp, long long n, long long* counts) {
  const long long tiles = (n + kMaskTile - 1) / kMaskTile;
  for (long long t = blockIdx.x; t < tiles; t += gridDim.x) {
    int count = 0;
    for (int j = 0; j < kMaskItems; ++j) {
      long long i = t * kMaskTile + j * kMaskBlock + threadIdx.x;
      bool m = false;
      if (i < n) {
        long long off[2];
        element_offsets(sp, i, off);
        m = mask[off[1]];
      }
      count += __syncthreads_count(m);
    }
    if (threadIdx.x == 0) counts[t] = count;
  }
}

__device__ __forceinline__ long long warp_inclusive_scan(long long x, int lane) {
  for (int d = 1; d < 32; d *= 2) {
    long long y = __shfl_up_sync(0xffffffffu, x, d);
    if (lane >= d) x += y;
  }
  return x;
}

// counts[0, tiles) becomes its exclusive prefix sums and counts[tiles] the total. One block
// of kScanBlock threads, each scanning a consecutive run of tiles.
__global__ void mask_scan(long long* counts, long long tiles) {
  __shared__ long long warp_sums[kScanBlock / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const long long per = (tiles + kScanBlock - 1) / kScanBlock;
  const long long b = threadIdx.x * per;
  const long long e = b + per < tiles ? b + per : tiles;
  long long sum = 0;
  for (long long k = b; k < e; ++k) sum += counts[k];
  long long x = warp_inclusive_scan(sum, lane);
  if (lane == 31) warp_sums[warp] = x;
  __syncthreads();
  if (warp == 0) warp_sums[lane] = warp_inclusive_scan(warp_sums[lane], lane);
  __syncthreads();
  long long run = x - sum + (warp > 0 ? warp_sums[warp - 1] : 0);
  for (long long k = b; k < e; ++k) {
    long long v = counts[k];
    counts[k] = run;
    run += v;
  }
  if (threadIdx.x == kScanBlock - 1) counts[tiles] = run;
}

// The k-th true element of the mask (row-major) receives values[k]; offsets[t] counts the
// true elements before tile t. Block: kMaskBlock threads.
template <typename T>
__global__ void masked_scatter(T* out, const bool* mask, const T* values, long long value_stride,
                               long long n_values, Strided<2> sp, long long n,
                               const long long* offsets) {
  __shared__ int warp_counts[kMaskBlock / 32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const long long tiles = (n + kMaskTile - 1) / kMaskTile;
  for (long long t = blockIdx.x; t < tiles; t += gridDim.x) {
    long long base = offsets[t];
    for (int j = 0; j < kMaskItems; ++j) {
      long long i = t * kMaskTile + j * kMaskBlock + threadIdx.x;
      long long off[2] = {0, 0};
      bool m = false;
      if (i < n) {
        element_offsets(sp, i, off);
        m = mask[off[1]];
      }
      unsigned int ballot = __ballot_sync(0xffffffffu, m);
      if (lane == 0) warp_counts[warp] = __popc(ballot);
      __syncthreads();
      int before = 0, total = 0;
      for (int w = 0; w < kMaskBlock / 32; ++w) {
        int c = warp_counts[w];
        before += w < warp ? c : 0;
        total += c;
      }
      if (m) {
        long long k = base + before + __popc(ballot & ((1u << lane) - 1u));
        if (k < n_values) out[off[0]] = values[k * value_stride];
      }
      base += total;
      __syncthreads();  // warp_counts is rewritten by the next chunk
    }
  }
}

}  // namespace kiln::cu
