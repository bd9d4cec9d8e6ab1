#include "kiln/primitives/shape.h"

#include <optional>

#include "kiln/ops/utils.h"

namespace kiln {

std::optional<Strides> Reshape::view_strides(const array& in, const Shape& shape) {
  if (in.flags().row_contiguous) return row_strides(shape);
  // NumPy's rule: match groups of old and new dims with equal products; each old group
  // must be contiguous with itself. Size-1 old dims do not constrain anything.
  Shape od;
  Strides os;
  for (int i = 0; i < in.ndim(); ++i) {
    if (in.shape()[i] != 1) {
      od.push_back(in.shape()[i]);
      os.push_back(in.strides()[i]);
    }
  }
  Strides ns(shape.size(), 1);
  size_t oi = 0, ni = 0;
  while (ni < shape.size() && oi < od.size()) {
    size_t oj = oi + 1, nj = ni + 1;
    int64_t np = shape[ni], op = od[oi];
    while (np != op) {
      if (np < op) {
        np *= shape[nj++];
      } else {
        op *= od[oj++];
      }
    }
    for (size_t k = oi; k + 1 < oj; ++k) {
      if (os[k] != od[k + 1] * os[k + 1]) return std::nullopt;
    }
    ns[nj - 1] = os[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) ns[k - 1] = ns[k] * shape[k];
    ni = nj;
    oi = oj;
  }
  return ns;
}

bool Reshape::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Reshape*>(&other);
  return o && o->shape_ == shape_;
}

bool Transpose::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Transpose*>(&other);
  return o && o->axes_ == axes_;
}

std::vector<Shape> Transpose::output_shapes(const std::vector<array>& inputs) {
  Shape s(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) s[i] = inputs[0].shape()[axes_[i]];
  return {s};
}

bool Broadcast::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Broadcast*>(&other);
  return o && o->shape_ == shape_;
}

bool AsType::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AsType*>(&other);
  return o && o->dtype_ == dtype_;
}

bool Contiguous::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Contiguous*>(&other);
  return o && o->allow_col_ == allow_col_;
}

void Diagonal::make_view(const array& in, array& out) const {
  Strides st;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i != axis1_ && i != axis2_) st.push_back(in.strides()[i]);
  }
  st.push_back(in.strides()[axis1_] + in.strides()[axis2_]);
  int64_t start = offset_ >= 0 ? int64_t(offset_) * in.strides()[axis2_]
                               : -int64_t(offset_) * in.strides()[axis1_];
  ArrayFlags f = layout_flags(out.shape(), st);
  size_t ds = f.contiguous ? size_t(out.size()) : data_span(out.shape(), st);
  out.copy_shared_buffer(in, std::move(st), f, ds,
                         in.offset() + start * int64_t(in.itemsize()));
}

bool Diagonal::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Diagonal*>(&other);
  return o && o->offset_ == offset_ && o->axis1_ == axis1_ && o->axis2_ == axis2_;
}

bool AsStrided::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AsStrided*>(&other);
  return o && o->shape_ == shape_ && o->strides_ == strides_ && o->offset_ == offset_;
}

std::optional<Strides> View::view_strides(const array& in, Dtype dtype) {
  int64_t from = int64_t(in.itemsize()), to = int64_t(dtype.size);
  if (from == to) return in.strides();
  // The last axis must be dense (its bytes regroup into the new items) and every other
  // stride a whole number of new items.
  int nd = in.ndim();
  if (in.shape()[nd - 1] != 1 && in.strides()[nd - 1] != 1) return std::nullopt;
  Strides st(nd);
  for (int i = 0; i < nd - 1; ++i) {
    if ((in.strides()[i] * from) % to != 0) return std::nullopt;
    st[i] = in.strides()[i] * from / to;
  }
  st[nd - 1] = 1;
  if (in.offset() % to != 0) return std::nullopt;  // keep the new items aligned
  return st;
}

bool View::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const View*>(&other);
  return o && o->dtype_ == dtype_;
}

}  // namespace kiln
