#include "kiln/primitives/reduce.h"

#include <algorithm>
#include <ostream>

#include "kiln/backend/common/reduce_ops.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/scan.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/primitives/rules.h"

namespace kiln {

namespace {

Shape with_ones(Shape shape, const std::vector<int>& axes) {
  for (int ax : axes) shape[ax] = 1;
  return shape;
}

int64_t diagonal_length(const Shape& shape, int offset, int axis1, int axis2) {
  int64_t n1 = shape[axis1], n2 = shape[axis2], off = offset;
  return std::max<int64_t>(off >= 0 ? std::min(n1, n2 - off) : std::min(n1 + off, n2), 0);
}

}  // namespace

Dtype sum_dtype(Dtype in) {
  return dispatch_dtype(in, []<typename T>(type_tag<T>) { return dtype_v<red::sum_out_t<T>>; });
}

const char* Reduce::name() const {
  switch (op_) {
    case And: return "All";
    case Or: return "Any";
    case Sum: return "Sum";
    case Prod: return "Prod";
    case Max: return "Max";
    case Min: return "Min";
  }
  return "Reduce";
}

std::string Reduce::label() const {
  std::string s = std::string(name()) + "(axes=[";
  for (size_t i = 0; i < axes_.size(); ++i) s += (i ? ", " : "") + std::to_string(axes_[i]);
  return s + "])";
}

std::vector<Shape> Reduce::output_shapes(const std::vector<array>& inputs) {
  return {with_ones(inputs[0].shape(), axes_)};
}

std::vector<Shape> ArgReduce::output_shapes(const std::vector<array>& inputs) {
  return {with_ones(inputs[0].shape(), {axis_})};
}

DiagonalSpan Trace::diagonal(const array& in) const {
  const Strides& st = in.strides();
  DiagonalSpan d{diagonal_length(in.shape(), offset_, axis1_, axis2_), st[axis1_] + st[axis2_], 0,
                 {}, {}};
  if (d.len > 0) d.start = offset_ >= 0 ? offset_ * st[axis2_] : -int64_t(offset_) * st[axis1_];
  for (int i = 0; i < in.ndim(); ++i) {
    if (i == axis1_ || i == axis2_) continue;
    d.kshape.push_back(in.shape()[i]);
    d.kstrides.push_back(st[i]);
  }
  return d;
}

std::vector<Shape> Trace::output_shapes(const std::vector<array>& inputs) {
  Shape out;
  const Shape& in = inputs[0].shape();
  for (int i = 0; i < int(in.size()); ++i) {
    if (i != axis1_ && i != axis2_) out.push_back(in[i]);
  }
  return {out};
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

std::vector<int> shifted(const std::vector<int>& axes, int batch) {
  std::vector<int> out;
  for (int a : axes) out.push_back(rules::shift_axis(a, batch));
  return out;
}

// For each element of x, the product of the other elements reduced with it (exactly, zeros
// included): exclusive products from both ends of the merged reduced axes.
array product_of_others(const array& x, const std::vector<int>& axes, Stream s) {
  std::vector<int> perm = axes_to_back(x.ndim(), axes);
  Shape merged;
  for (size_t i = 0; i + axes.size() < perm.size(); ++i) merged.push_back(x.shape()[perm[i]]);
  int64_t n = 1;
  for (int a : axes) n *= x.shape()[a];
  merged.push_back(n);
  array xt = transpose(x, perm, s);
  Shape moved = xt.shape();
  array m = reshape(xt, merged, s);
  array before = cumprod(m, -1, false, false, std::nullopt, s);
  array after = cumprod(m, -1, true, false, std::nullopt, s);
  return transpose(reshape(multiply(before, after, s), moved, s), inverse_permutation(perm), s);
}

// Where x attains the reduced extreme `out` (kept dims), divided by how many times it does:
// the derivative is shared among ties.
array extreme_share(const array& x, const array& out, const std::vector<int>& axes, Stream s) {
  array hit = astype(equal(x, out, s), x.dtype(), s);
  return divide(hit, sum(hit, axes, true, s), s);
}

}  // namespace

std::vector<array> Reduce::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>& outputs) {
  const array &x = primals[0], &c = cotangents[0];
  Stream s = stream();
  array cb = broadcast_to(astype(c, x.dtype(), s), x.shape(), s);
  switch (op_) {
    case Sum: return {cb};
    case Prod: return {multiply(cb, product_of_others(x, axes_, s), s)};
    case Max:
    case Min: return {multiply(cb, extreme_share(x, outputs[0], axes_, s), s)};
    case And:
    case Or: return {zeros_like(x, std::nullopt, s)};
  }
  throw std::logic_error("[Reduce] unknown reduction");
}
std::vector<array> Reduce::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents, const std::vector<int>&) {
  const array &x = primals[0], &t = tangents[0];
  Stream s = stream();
  switch (op_) {
    case Sum: return {sum(t, axes_, true, s)};
    case Prod: return {sum(multiply(t, product_of_others(x, axes_, s), s), axes_, true, s)};
    case Max:
    case Min: {
      array out = op_ == Max ? max(x, axes_, true, s) : min(x, axes_, true, s);
      return {sum(multiply(t, extreme_share(x, out, axes_, s), s), axes_, true, s)};
    }
    case And:
    case Or: return {zeros(output_shapes(primals)[0], bool_, s)};
  }
  throw std::logic_error("[Reduce] unknown reduction");
}
std::pair<std::vector<array>, std::vector<int>> Reduce::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  const array& x = inputs[0];
  int b = axes[0];
  std::vector<int> ax = shifted(axes_, b);
  // The node's own output dtype is not known here: 16-bit floats sum in float32 (as the
  // kernels accumulate anyway) and vmap casts to the traced dtype.
  bool half = x.dtype() == float16 || x.dtype() == bfloat16;
  Dtype out = op_ == And || op_ == Or      ? bool_
              : op_ == Max || op_ == Min   ? x.dtype()
              : op_ == Sum && half         ? float32
                                           : sum_dtype(x.dtype());
  Shape shape = x.shape();
  for (int a : ax) shape[a] = 1;
  return {{array(shape, out, std::make_shared<Reduce>(stream(), op_, ax), {x})}, {b}};
}

std::vector<array> ArgReduce::vjp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&, const std::vector<array>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}
std::vector<array> ArgReduce::jvp(const std::vector<array>& primals, const std::vector<array>&,
                                  const std::vector<int>&) {
  return {zeros(output_shapes(primals)[0], uint32, stream())};
}
std::pair<std::vector<array>, std::vector<int>> ArgReduce::vmap(const std::vector<array>& inputs,
                                                                const std::vector<int>& axes) {
  const array& x = inputs[0];
  int ax = rules::shift_axis(axis_, axes[0]);
  Shape shape = x.shape();
  shape[ax] = 1;
  auto p = std::make_shared<ArgReduce>(stream(), op_, ax);
  return {{array(shape, uint32, p, {x})}, {axes[0]}};
}

std::vector<array> Trace::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>&) {
  const array& x = primals[0];
  Stream s = stream();
  Shape d = cotangents[0].shape();
  d.push_back(diagonal_length(x.shape(), offset_, axis1_, axis2_));
  array diag = broadcast_to(expand_dims(cotangents[0], {-1}, s), d, s);
  return {rules::diagonal_embed(diag, x.shape(), offset_, axis1_, axis2_, s)};
}
std::vector<array> Trace::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  const array& t = tangents[0];
  auto p = std::make_shared<Trace>(stream(), offset_, axis1_, axis2_);
  return {array(output_shapes(primals)[0], t.dtype(), p, {t})};
}
std::pair<std::vector<array>, std::vector<int>> Trace::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  array x = rules::batch_to_front(inputs[0], axes[0], stream());
  auto p = std::make_shared<Trace>(stream(), offset_, axis1_ + 1, axis2_ + 1);
  return {{array(p->output_shapes({x})[0], x.dtype(), p, {x})}, {0}};
}

// A count does not change with the values it counts.
std::vector<array> NumberOfElements::vjp(const std::vector<array>& primals,
                                         const std::vector<array>&, const std::vector<int>&,
                                         const std::vector<array>&) {
  return {zeros_like(primals[0], std::nullopt, stream())};
}

std::vector<array> NumberOfElements::jvp(const std::vector<array>&, const std::vector<array>&,
                                         const std::vector<int>&) {
  return {zeros({}, dtype_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> NumberOfElements::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Every slice has the same count: the axes of one slice, past the mapped axis.
  std::vector<int> counted;
  for (int a : axes_) counted.push_back(axes[0] >= 0 && a >= axes[0] ? a + 1 : a);
  auto p = std::make_shared<NumberOfElements>(stream(), std::move(counted), dtype_);
  return {{array(Shape{}, dtype_, std::move(p), {inputs[0]})}, {-1}};
}

}  // namespace kiln
