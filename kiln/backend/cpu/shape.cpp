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

}  // namespace kiln
