// GPU evaluation of the gathers: Gather (slices at index-given starts), GatherAxis
// (take_along_axis, and take) and DynamicSlice (a view at an index-given start).
#include "kiln/backend/cuda/indexing.h"
#include "kiln/primitives/indexing.h"

namespace kiln {

using namespace cuda;

void Gather::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  allocate(out, s);
  if (out.size() == 0) return;
  const array& a = inputs[0];
  Shape index_shape = axes_.empty() ? Shape{} : inputs[1].shape();
  std::vector<IndexBound> bounds;
  Strides axis_strides;
  for (size_t t = 0; t < axes_.size(); ++t) {
    int ax = axes_[t];
    bounds.push_back({&inputs[t + 1], ax, a.shape()[ax], a.shape()[ax] - slice_sizes_[ax]});
    axis_strides.push_back(a.strides()[ax]);
  }
  IndexCheck check("Gather", bounds, s);
  cu::IndexSpace ix =
      index_space(index_shape, bounds, Strides(index_shape.size(), 0), axis_strides);
  // Each output slice is row-contiguous; its rows are runs in both arrays.
  auto sl = make_strided<2>(slice_sizes_, {row_strides(slice_sizes_), a.strides()});
  const int64_t cols = sl.shape[sl.ndim - 1];
  const int64_t slice_rows = shape_size(slice_sizes_) / cols;
  const int64_t rows = shape_size(index_shape) * slice_rows;
  RowGrid g = row_grid(rows, cols, stream_device(s));
  launch_kernel(s, gather_spec(a.itemsize()), g.grid, g.block, 0, device_ptr<const void>(a),
                device_ptr<void>(out), ix, sl, (long long)slice_rows, (long long)rows,
                check.device_flag());
  check.raise_if_any();
}

void GatherAxis::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  allocate(out, s);
  if (out.size() == 0) return;
  const array& a = inputs[0];
  const array& idx = inputs[1];
  const int64_t size = a.shape()[axis_];
  IndexCheck check("GatherAxis", {{&idx, axis_, size, size - 1}}, s);
  // a's position along the axis comes from the index value alone.
  Strides a_strides = a.strides();
  a_strides[axis_] = 0;
  auto sp = make_strided<3>(out.shape(), {out.strides(), idx.strides(), a_strides});
  const int64_t cols = sp.shape[sp.ndim - 1], rows = out.size() / cols;
  RowGrid g = row_grid(rows, cols, stream_device(s));
  launch_kernel(s, gather_axis_spec(a.itemsize()), g.grid, g.block, 0, device_ptr<const void>(a),
                device_ptr<const void>(idx), idx.dtype().index(), device_ptr<void>(out), sp,
                (long long)rows, (long long)size, (long long)a.strides()[axis_],
                check.device_flag());
  check.raise_if_any();
}

void DynamicSlice::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  std::vector<int64_t> pos =
      slice_starts(inputs[1], axes_, a.shape(), slice_size_, "slice", stream());
  if (out.size() == 0) return allocate(out, stream());
  int64_t offset = a.offset();
  for (size_t t = 0; t < axes_.size(); ++t) {
    offset += pos[t] * a.strides()[axes_[t]] * int64_t(a.itemsize());
  }
  out.set_view(a, a.strides(), offset);
}

}  // namespace kiln
