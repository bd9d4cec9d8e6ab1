#include "kiln/primitives/slicing.h"

#include "kiln/ops/utils.h"

namespace kiln {

void Slice::make_view(const array& in, const SliceSpec& spec, array& out) {
  int64_t offset = in.offset();
  Strides st(in.ndim());
  for (int i = 0; i < in.ndim(); ++i) {
    offset += spec.start[i] * in.strides()[i] * int64_t(in.itemsize());
    st[i] = in.strides()[i] * spec.step[i];
  }
  ArrayFlags f = layout_flags(out.shape(), st);
  size_t ds = f.contiguous ? size_t(out.size()) : data_span(out.shape(), st);
  out.copy_shared_buffer(in, st, f, ds, offset);
}

bool Slice::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Slice*>(&other);
  return o && o->spec_ == spec_;
}

bool SliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const SliceUpdate*>(&other);
  return o && o->spec_ == spec_;
}

}  // namespace kiln
