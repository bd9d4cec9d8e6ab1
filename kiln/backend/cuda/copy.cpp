#include "kiln/backend/cuda/copy.h"

#include "kiln/backend/cuda/launch.h"

namespace kiln::cuda {

namespace {

void copy_dense(const void* in, Dtype tin, void* out, Dtype tout, int64_t n, const Stream& s) {
  if (n == 0) return;
  if (tin == tout) {
    KILN_CUDA_CHECK(cudaMemcpyAsync(out, in, size_t(n) * tin.size, cudaMemcpyDeviceToDevice,
                                    cuda_stream(s)));
    return;
  }
  int vw = vector_width({{in, tin.size}, {out, tout.size}});
  launch_kernel(s, "copy.cuh",
                instance("copy_dense", {type_name(tin), type_name(tout), std::to_string(vw)}),
                grid_blocks(ceil_div(n, vw), stream_device(s)), kBlock, 0, in, out, (long long)n);
}


}  // namespace

std::vector<std::string> copy_instances() {
  std::vector<std::string> v;
  for (Dtype a : all_dtypes) {
    std::string ta = type_name(a);
    for (Dtype b : all_dtypes) {
      std::string tb = type_name(b);
      int w = dense_width(a.size, b.size);
      v.push_back(instance("copy_dense", {ta, tb, std::to_string(w)}));
      if (w != 1) v.push_back(instance("copy_dense", {ta, tb, "1"}));
      v.push_back(instance("copy_strided", {ta, tb}));
      v.push_back(instance("copy_transpose", {ta, tb}));
    }
    v.push_back(instance("fill", {ta}));
    if (a != bool_) v.push_back(instance("arange", {ta}));
    if (is_inexact(a)) v.push_back(instance("scale", {ta}));
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
  // A transpose: the destination is contiguous along the last axis and the source along
  // another one. Tile through shared memory so both sides coalesce.
  if (nd >= 2 && ds[nd - 1] == 1 && ss[nd - 1] != 1) {
    int r = -1;
    for (int d = nd - 2; d >= 0; --d) {
      if (ss[d] == 1) r = d;
    }
    if (r >= 0 && nd <= 3 && (nd == 2 || r == 1)) {
      cu::TransposeParams p{};
      p.rows = l.shape[r];
      p.cols = l.shape[nd - 1];
      p.batch = nd == 3 ? l.shape[0] : 1;
      p.src_row = ss[r];
      p.src_col = ss[nd - 1];
      p.src_batch = nd == 3 ? ss[0] : 0;
      p.dst_row = ds[r];
      p.dst_col = 1;
      p.dst_batch = nd == 3 ? ds[0] : 0;
      if (p.batch <= 65535) {
        dim3 grid(unsigned(ceil_div(p.cols, 32)), unsigned(ceil_div(p.rows, 32)), unsigned(p.batch));
        launch_kernel(s, "copy.cuh",
                      instance("copy_transpose", {type_name(src.dtype()), type_name(dst.dtype())}),
                      grid, dim3(32, 8), 0, static_cast<const void*>(in), static_cast<void*>(out),
                      p);
        return;
      }
    }
  }
  auto p = make_strided<2>(shape, {dst_strides, src_strides});
  launch_kernel(s, "copy.cuh",
                instance("copy_strided", {type_name(src.dtype()), type_name(dst.dtype())}),
                grid_blocks(n, stream_device(s)), kBlock, 0, static_cast<const void*>(in),
                static_cast<void*>(out), (long long)n, p);
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

}  // namespace kiln::cuda
