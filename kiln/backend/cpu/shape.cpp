// CPU evaluation of the shape primitives: views where the layout allows, copies otherwise.
#include "kiln/backend/cpu/copy.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/shape.h"

namespace kiln {

void Reshape::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.size() == 0) {
    out.allocate();
    return;
  }
  if (auto st = view_strides(in, out.shape())) {
    ArrayFlags f = layout_flags(out.shape(), *st);
    size_t ds = f.contiguous ? size_t(out.size()) : in.data_size();
    out.copy_shared_buffer(in, *st, f, ds, in.offset());
    return;
  }
  // The layout cannot be viewed: copy to row-major, then the new shape is a view of that.
  out.allocate();
  Strides dst = row_strides(in.shape());
  cpu::copy_general(in, in.shape(), in.strides(), 0, out, dst, 0);
}

void Transpose::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides st(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) st[i] = in.strides()[axes_[i]];
  ArrayFlags f = layout_flags(out.shape(), st);
  out.copy_shared_buffer(in, st, f, in.data_size(), in.offset());
}

void Broadcast::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides st(shape_.size(), 0);
  int off = int(shape_.size()) - in.ndim();
  for (int i = 0; i < in.ndim(); ++i) st[off + i] = in.shape()[i] == 1 ? 0 : in.strides()[i];
  ArrayFlags f = layout_flags(out.shape(), st);
  out.copy_shared_buffer(in, st, f, in.data_size(), in.offset());
}

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  cpu::copy_to_new(inputs[0], out);
}

void Contiguous::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous || (allow_col_ && in.flags().col_contiguous)) {
    out.copy_shared_buffer(in);
    return;
  }
  cpu::copy_to_new(in, out, /*row_major=*/true);
}

void Diagonal::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    out.allocate();
    return;
  }
  make_view(inputs[0], out);
}

namespace {
// A row-contiguous copy of `in` (used when a view needs row-major order that `in` lacks).
array row_major_copy(const array& in) {
  array tmp(in.shape(), in.dtype(), nullptr, {});
  cpu::copy_to_new(in, tmp, /*row_major=*/true);
  return tmp;
}
}  // namespace

void AsStrided::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    out.allocate();
    return;
  }
  array src = inputs[0].flags().row_contiguous ? inputs[0] : row_major_copy(inputs[0]);
  ArrayFlags f = layout_flags(out.shape(), strides_);
  size_t ds = f.contiguous ? size_t(out.size()) : data_span(out.shape(), strides_);
  out.copy_shared_buffer(src, strides_, f, ds, src.offset() + offset_ * int64_t(src.itemsize()));
}

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    out.allocate();
    return;
  }
  array src = inputs[0];
  auto st = view_strides(src, dtype_);
  if (!st) {
    src = row_major_copy(src);
    st = view_strides(src, dtype_);
  }
  ArrayFlags f = layout_flags(out.shape(), *st);
  size_t ds = f.contiguous ? size_t(out.size()) : data_span(out.shape(), *st);
  out.copy_shared_buffer(src, std::move(*st), f, ds, src.offset());
}

}  // namespace kiln
