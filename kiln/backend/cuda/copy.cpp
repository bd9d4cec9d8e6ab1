#include "kiln/backend/cuda/copy.h"

#include <algorithm>
#include <cstdlib>

#include "kiln/backend/cuda/instances.h"

namespace kiln::cuda {

namespace {

constexpr const char kFile[] = "copy.cuh";

// vw: 1, or the vector_width of the operands.
KernelSpec copy_dense_spec(Dtype tin, Dtype tout, int vw) {
  return {kFile, "copy_dense", {tin, tout, vw}};
}
KernelSpec copy_strided_spec(Dtype tin, Dtype tout) { return {kFile, "copy_strided", {tin, tout}}; }
KernelSpec copy_transpose_spec(Dtype tin, Dtype tout) {
  return {kFile, "copy_transpose", {tin, tout}};
}
// Rows of `itemsize`-byte elements moved as raw bits, v elements per access (1 or 16 bytes).
KernelSpec copy_rows_spec(size_t itemsize, int v) {
  return {kFile, "copy_rows", {bits_dtype(itemsize, "copy"), v}};
}

// Dense copies within one dtype are a cudaMemcpyAsync: the kernel only runs to convert.
bool copy_dense_converts(Dtype tin, Dtype tout) { return tin != tout; }

void copy_dense(const void* in, Dtype tin, void* out, Dtype tout, int64_t n, const Stream& s) {
  if (n == 0) return;
  if (!copy_dense_converts(tin, tout)) {
    KILN_CUDA_CHECK(cudaMemcpyAsync(out, in, size_t(n) * tin.size, cudaMemcpyDeviceToDevice,
                                    cuda_stream(s)));
    return;
  }
  int vw = vector_width({{in, tin.size}, {out, tout.size}});
  launch_kernel(s, copy_dense_spec(tin, tout, vw), grid_blocks(ceil_div(n, vw), stream_device(s)),
                kBlockThreads, 0, in, out, (long long)n);
}

// Rows shorter than this go to the strided kernel: a warp per row would mostly idle.
constexpr int64_t kMinRowBytes = 128;

// Same-dtype copies whose last axis is contiguous on both sides (slices, concatenation):
// rows of raw bits, with 16-byte accesses when the pointers and strides allow.
bool copy_rows(const char* in, char* out, size_t itemsize, const CollapsedLayout& l,
               const Stream& s) {
  int nd = int(l.shape.size());
  const Strides& ds = l.strides[0];
  const Strides& ss = l.strides[1];
  if (nd < 2 || nd - 1 > cu::kMaxDims || ds[nd - 1] != 1 || ss[nd - 1] != 1) return false;
  int64_t cols = l.shape[nd - 1];
  if (cols * int64_t(itemsize) < kMinRowBytes) return false;
  cu::Strided<2> outer{};
  outer.ndim = nd - 1;
  int64_t rows = 1, v = 16 / int64_t(itemsize);
  bool vec = aligned(in, 16) && aligned(out, 16);
  for (int d = 0; d < nd - 1; ++d) {
    outer.shape[d] = l.shape[d];
    outer.strides[0][d] = ds[d];
    outer.strides[1][d] = ss[d];
    vec = vec && ds[d] % v == 0 && ss[d] % v == 0;
    rows *= l.shape[d];
  }
  if (!vec) v = 1;
  int64_t threads = rows * ceil_div(cols, cu::kCopyRowSpan * v) * 32;
  launch_kernel(s, copy_rows_spec(itemsize, int(v)), grid_blocks(threads, stream_device(s)),
                kBlockThreads, 0, static_cast<const void*>(in), static_cast<void*>(out),
                (long long)rows, (long long)cols, outer);
  return true;
}

// Both sides of the tiled transpose need at least this many elements along r and c; thinner
// layouts waste most of a 64x64 tile and go to the strided kernel.
constexpr int64_t kMinTransposeSide = 16;

// The tiled transpose, when the destination's contiguous axis c is not the source's densest:
// r is the axis with the smallest nonzero source stride, smaller than the one along c, and
// every other axis becomes a batch axis. Returns false when the layout is not such a case.
bool copy_transpose(const char* in, Dtype tin, char* out, Dtype tout, const CollapsedLayout& l,
                    const Stream& s) {
  int nd = int(l.shape.size());
  const Strides& ds = l.strides[0];
  const Strides& ss = l.strides[1];
  if (nd < 2 || nd - 2 > cu::kMaxDims) return false;
  int c = -1;
  for (int d = 0; d < nd; ++d) {
    if (ds[d] == 1) c = d;
  }
  if (c < 0 || ss[c] == 0) return false;
  int r = -1;
  for (int d = 0; d < nd; ++d) {
    int64_t a = std::abs(ss[d]);
    if (d != c && a != 0 && a < std::abs(ss[c]) && (r < 0 || a < std::abs(ss[r]))) r = d;
  }
  if (r < 0 || l.shape[r] < kMinTransposeSide || l.shape[c] < kMinTransposeSide) return false;
  cu::TransposeParams p{};
  p.rows = l.shape[r];
  p.cols = l.shape[c];
  p.src_row = ss[r];
  p.src_col = ss[c];
  p.dst_row = ds[r];
  p.dst_col = 1;
  p.batch = 1;
  // 16-byte accesses need unit inner strides and every other stride and both pointers aligned
  // to the kernel's vector.
  int64_t v = cu::transpose_width(tin.size, tout.size);
  bool vec = p.src_row == 1 && p.src_col % v == 0 && p.dst_row % v == 0 &&
             aligned(in, size_t(v) * tin.size) && aligned(out, size_t(v) * tout.size);
  for (int d = 0; d < nd; ++d) {
    if (d == r || d == c) continue;
    p.batch_shape[p.batch_ndim] = l.shape[d];
    p.src_batch[p.batch_ndim] = ss[d];
    p.dst_batch[p.batch_ndim] = ds[d];
    vec = vec && ss[d] % v == 0 && ds[d] % v == 0;
    p.batch *= l.shape[d];
    ++p.batch_ndim;
  }
  p.vectorized = vec;
  constexpr int64_t kMaxGridYZ = 65535;
  dim3 grid(unsigned(ceil_div(p.cols, cu::kTransposeTile)),
            unsigned(std::min(ceil_div(p.rows, cu::kTransposeTile), kMaxGridYZ)),
            unsigned(std::min<int64_t>(p.batch, kMaxGridYZ)));
  launch_kernel(s, copy_transpose_spec(tin, tout), grid, dim3(cu::kTransposeThreads), 0,
                static_cast<const void*>(in), static_cast<void*>(out), p);
  return true;
}

}  // namespace

Dtype bits_dtype(size_t itemsize, const char* op) {
  switch (itemsize) {
    case 1: return uint8;
    case 2: return uint16;
    case 4: return uint32;
    case 8: return uint64;
  }
  throw std::logic_error(std::string("[") + op + "] unsupported item size " +
                         std::to_string(itemsize));
}

KernelSpec fill_spec(Dtype t) { return {kFile, "fill", {t}}; }
KernelSpec arange_spec(Dtype t) { return {kFile, "arange", {t}}; }
KernelSpec scale_spec(Dtype t) { return {kFile, "scale", {t}}; }

std::vector<KernelSpec> copy_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype a : all_dtypes) {
    for (Dtype b : all_dtypes) {
      if (copy_dense_converts(a, b)) {
        for (int w : vector_widths(a.size, b.size)) v.push_back(copy_dense_spec(a, b, w));
      }
      v.push_back(copy_strided_spec(a, b));
      v.push_back(copy_transpose_spec(a, b));
    }
    v.push_back(fill_spec(a));
    if (a != bool_) v.push_back(arange_spec(a));
    if (is_inexact(a)) v.push_back(scale_spec(a));
  }
  // copy_rows moves raw bits: one instance per item size.
  for (size_t size : {1, 2, 4, 8}) {
    for (int w : vector_widths(size)) v.push_back(copy_rows_spec(size, w));
  }
  return v;
}

void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides, int64_t dst_offset,
                  const Stream& s) {
  int64_t n = shape_size(shape);
  if (n == 0) return;
  const char* in = device_ptr<const char>(src) + src_offset * int64_t(src.itemsize());
  char* out = device_ptr<char>(dst) + dst_offset * int64_t(dst.itemsize());
  CollapsedLayout l = collapse_contiguous_dims(shape, {dst_strides, src_strides});
  int nd = int(l.shape.size());
  const auto& ds = l.strides[0];
  const auto& ss = l.strides[1];
  if (nd == 1 && ds[0] == 1 && ss[0] == 1) {
    return copy_dense(in, src.dtype(), out, dst.dtype(), n, s);
  }
  if (src.dtype() == dst.dtype() && copy_rows(in, out, src.itemsize(), l, s)) return;
  if (copy_transpose(in, src.dtype(), out, dst.dtype(), l, s)) return;
  auto p = make_strided<2>(shape, {dst_strides, src_strides});
  launch_kernel(s, copy_strided_spec(src.dtype(), dst.dtype()), grid_blocks(n, stream_device(s)),
                kBlockThreads, 0, static_cast<const void*>(in), static_cast<void*>(out),
                (long long)n, p);
}

void copy_to_new(const array& src, array& dst, const Stream& s, bool row_major) {
  if (src.flags().contiguous && (!row_major || src.flags().row_contiguous)) {
    if (src.is_donatable() && src.itemsize() == dst.itemsize()) {
      dst.copy_shared_buffer(src);
      if (src.dtype() == dst.dtype()) return;
    } else {
      allocate(dst, s, src.data_size(), src.strides(), src.flags());
    }
    copy_dense(device_ptr<const void>(src), src.dtype(), device_ptr(dst), dst.dtype(),
               int64_t(src.data_size()), s);
    return;
  }
  allocate(dst, s);
  copy_general(src, src.shape(), src.strides(), 0, dst, dst.strides(), 0, s);
}

array row_major_copy(const array& in, const Stream& s) {
  array tmp(in.shape(), in.dtype(), nullptr, {});
  copy_to_new(in, tmp, s, /*row_major=*/true);
  return tmp;
}

}  // namespace kiln::cuda
