#include "kiln/primitives/shape.h"

#include <algorithm>
#include <optional>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/copy.h"
#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/indexing.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/primitives/rules.h"

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

std::vector<Shape> Transpose::output_shapes(const std::vector<array>& inputs) {
  Shape s(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) s[i] = inputs[0].shape()[axes_[i]];
  return {s};
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

// ---------------------------------------------------------------- evaluation

std::vector<Shape> Reshape::output_shapes(const std::vector<array>& inputs) {
  auto infer = std::find(shape_.begin(), shape_.end(), int64_t(-1));
  if (infer == shape_.end()) {
    fail("reshape", "the target shape ", shape_to_string(shape_),
         " is fixed; only a -1 dimension follows new input shapes");
  }
  Shape out = shape_;
  int64_t known = 1;
  for (int64_t d : shape_) known *= d == -1 ? 1 : d;
  int64_t size = inputs[0].size();
  if (known == 0 || size % known != 0) {
    fail("reshape", "cannot reshape array of shape ", shape_to_string(inputs[0].shape()),
         " into ", shape_to_string(shape_));
  }
  *(out.begin() + (infer - shape_.begin())) = size / known;
  return {out};
}

std::vector<Shape> Broadcast::output_shapes(const std::vector<array>& inputs) {
  const Shape& in = inputs[0].shape();
  bool fits = in.size() <= shape_.size();
  for (size_t i = 0; fits && i < in.size(); ++i) {
    int64_t d = in[in.size() - 1 - i], t = shape_[shape_.size() - 1 - i];
    fits = d == t || d == 1;
  }
  if (!fits) {
    fail("broadcast_to", "cannot broadcast shape ", shape_to_string(in), " to ",
         shape_to_string(shape_), " (the target shape was fixed when the function was traced)");
  }
  return {shape_};
}

void Reshape::eval(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.size() == 0) return backend::allocate(out, stream());
  if (auto st = view_strides(in, out.shape())) return out.set_view(in, *st, in.offset());
  // The layout cannot be viewed: copy to row-major, then the new shape is a view of that.
  backend::allocate(out, stream());
  backend::copy_general(in, in.shape(), in.strides(), 0, out, row_strides(in.shape()), 0,
                        stream());
}

void Transpose::eval(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  Strides st(axes_.size());
  for (size_t i = 0; i < axes_.size(); ++i) st[i] = in.strides()[axes_[i]];
  out.set_view(in, std::move(st), in.offset());
}

void Broadcast::eval(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_view(in, broadcast_strides(in, shape_), in.offset());
}

void AsType::eval(const std::vector<array>& inputs, array& out) {
  backend::copy_to_new(inputs[0], out, stream());
}

void Contiguous::eval(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous || (allow_col_ && in.flags().col_contiguous)) {
    return out.copy_shared_buffer(in);
  }
  backend::copy_to_new(in, out, stream(), /*row_major=*/true);
}

void Diagonal::eval(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return backend::allocate(out, stream());
  const array& in = inputs[0];
  Strides st;
  for (int i = 0; i < in.ndim(); ++i) {
    if (i != axis1_ && i != axis2_) st.push_back(in.strides()[i]);
  }
  st.push_back(in.strides()[axis1_] + in.strides()[axis2_]);
  int64_t start = offset_ >= 0 ? int64_t(offset_) * in.strides()[axis2_]
                               : -int64_t(offset_) * in.strides()[axis1_];
  out.set_view(in, std::move(st), in.offset() + start * int64_t(in.itemsize()));
}

// A view of the input in row-major order (of a row-major copy when the input is not).
void AsStrided::eval(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return backend::allocate(out, stream());
  const array& in = inputs[0];
  array src = in.flags().row_contiguous ? in : backend::row_major_copy(in, stream());
  out.set_view(src, strides_, src.offset() + offset_ * int64_t(src.itemsize()));
}

void View::eval(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return backend::allocate(out, stream());
  array src = inputs[0];
  auto st = view_strides(src, dtype_);
  if (!st) {
    src = backend::row_major_copy(src, stream());
    st = view_strides(src, dtype_);
  }
  out.set_view(src, std::move(*st), src.offset());
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

array rules::diagonal_embed(const array& d, const Shape& shape, int offset, int axis1, int axis2,
                            StreamOrDevice s) {
  int64_t n1 = shape[axis1], n2 = shape[axis2];
  Shape flat;
  std::vector<int> perm(shape.size());
  for (int i = 0, k = 0; i < int(shape.size()); ++i) {
    if (i == axis1 || i == axis2) continue;
    flat.push_back(shape[i]);
    perm[i] = k++;
  }
  int others = int(flat.size());
  perm[axis1] = others;
  perm[axis2] = others + 1;
  flat.push_back(n1 * n2);
  array z = zeros(flat, d.dtype(), s);
  int64_t len = d.shape(-1);
  if (len > 0) {
    // The diagonal is a strided run (step n2 + 1) through each flattened matrix.
    int64_t start = offset >= 0 ? int64_t(offset) : -int64_t(offset) * n2;
    std::vector<SliceBound> bounds(size_t(others) + 1);
    bounds.back() = {start, start + (len - 1) * (n2 + 1) + 1, n2 + 1};
    z = slice_update(z, d, bounds, s);
  }
  Shape matrices(flat.begin(), flat.end() - 1);
  matrices.push_back(n1);
  matrices.push_back(n2);
  return transpose(reshape(z, matrices, s), perm, s);
}

std::vector<array> Reshape::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents, const std::vector<int>&,
                                const std::vector<array>&) {
  return {reshape(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Reshape::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                const std::vector<int>&) {
  return {reshape(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Reshape::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  Shape shape{x.shape()[0]};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  return {{reshape(x, shape, stream())}, {0}};
}

std::vector<array> Transpose::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {transpose(cotangents[0], inverse_permutation(axes_), stream())};
}
std::vector<array> Transpose::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {transpose(tangents[0], axes_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Transpose::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  std::vector<int> perm{0};
  for (int a : axes_) perm.push_back(a + 1);
  return {{transpose(x, perm, stream())}, {0}};
}

std::vector<array> Broadcast::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>&) {
  return {rules::unbroadcast(cotangents[0], primals[0].shape(), stream())};
}
std::vector<array> Broadcast::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  return {broadcast_to(tangents[0], shape_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Broadcast::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  int64_t n = x.shape()[0];
  Shape padded{n};
  padded.insert(padded.end(), shape_.size() - size_t(x.ndim() - 1), 1);
  padded.insert(padded.end(), x.shape().begin() + 1, x.shape().end());
  Shape target{n};
  target.insert(target.end(), shape_.begin(), shape_.end());
  return {{broadcast_to(reshape(x, padded, stream()), target, stream())}, {0}};
}

std::vector<array> AsType::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>&) {
  const array& x = primals[0];
  if (!is_inexact(dtype_)) return {zeros_like(x, std::nullopt, stream())};
  return {astype(cotangents[0], x.dtype(), stream())};
}
std::vector<array> AsType::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                               const std::vector<int>&) {
  return {astype(tangents[0], dtype_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> AsType::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  return {{astype(inputs[0], dtype_, stream())}, {axes[0]}};
}

std::vector<array> Contiguous::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                                   const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}
std::vector<array> Contiguous::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                   const std::vector<int>&) {
  return {tangents[0]};
}
std::pair<std::vector<array>, std::vector<int>> Contiguous::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{contiguous(inputs[0], allow_col_, stream())}, {axes[0]}};
}

std::vector<array> Diagonal::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents, const std::vector<int>&,
                                 const std::vector<array>&) {
  return {rules::diagonal_embed(cotangents[0], primals[0].shape(), offset_, axis1_, axis2_,
                                stream())};
}
std::vector<array> Diagonal::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                 const std::vector<int>&) {
  return {diagonal(tangents[0], offset_, axis1_, axis2_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Diagonal::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  return {{diagonal(x, offset_, axis1_ + 1, axis2_ + 1, stream())}, {0}};
}

std::vector<array> AsStrided::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents, const std::vector<int>&,
                                  const std::vector<array>&) {
  const array &x = primals[0], &c = cotangents[0];
  Stream s = stream();
  array flat = zeros({x.size()}, c.dtype(), s);
  if (c.size() > 0) {
    // Each output element reads element offset + sum(i_k * stride_k) of the input: scatter
    // the cotangents back there, summing where the view overlaps itself.
    array idx = full(shape_, array(offset_, int64), int64, s);
    for (size_t k = 0; k < shape_.size(); ++k) {
      Shape along(shape_.size(), 1);
      along[k] = shape_[k];
      array steps = multiply(arange(0, double(shape_[k]), 1, int64, true, s),
                             array(strides_[k], int64), s);
      idx = add(idx, reshape(steps, along, s), s);
    }
    flat = scatter_add(flat, {reshape(idx, {-1}, s)}, reshape(c, {c.size(), 1}, s), {0}, s);
  }
  return {reshape(flat, x.shape(), s)};
}
std::vector<array> AsStrided::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                                  const std::vector<int>&) {
  const array& t = tangents[0];
  return {array(shape_, t.dtype(), std::make_shared<AsStrided>(stream(), shape_, strides_, offset_),
                {t})};
}
std::pair<std::vector<array>, std::vector<int>> AsStrided::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  // The batched input in row-major order holds each slice's elements as one block.
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  int64_t n = x.shape()[0];
  Shape shape{n};
  shape.insert(shape.end(), shape_.begin(), shape_.end());
  Strides strides{x.size() / std::max<int64_t>(n, 1)};
  strides.insert(strides.end(), strides_.begin(), strides_.end());
  auto p = std::make_shared<AsStrided>(stream(), shape, strides, offset_);
  return {{array(shape, x.dtype(), p, {x})}, {0}};
}

// Reinterpreting bytes has no derivative.
std::vector<array> View::vjp(const std::vector<array>& primals, const std::vector<array>&,
                             const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}
std::vector<array> View::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  const array& t = tangents[0];
  return {zeros(view(t, dtype_, stream()).shape(), dtype_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> View::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  return {{view(x, dtype_, stream())}, {0}};
}

}  // namespace kiln
