// CPU evaluation of Slice (a view) and SliceUpdate (copy the source unless donated, then
// write the update through the slice's strides).
#include "kiln/backend/cpu/copy.h"
#include "kiln/primitives/slicing.h"

namespace kiln {

void Slice::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) {
    out.allocate();
    return;
  }
  make_view(inputs[0], spec_, out);
}

void SliceUpdate::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  if (src.is_donatable() && src.flags().row_contiguous) {
    out.copy_shared_buffer(src);
  } else {
    out.allocate();
    cpu::copy_general(src, src.shape(), src.strides(), 0, out, out.strides(), 0);
  }
  if (upd.size() == 0) return;
  int64_t offset = 0;
  Strides st(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += spec_.start[i] * out.strides()[i];
    st[i] = out.strides()[i] * spec_.step[i];
  }
  cpu::copy_general(upd, upd.shape(), upd.strides(), 0, out, st, offset);
}

}  // namespace kiln
