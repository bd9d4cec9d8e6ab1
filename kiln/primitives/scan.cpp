#include "kiln/primitives/scan.h"

#include <cmath>
#include <ostream>
#include <stdexcept>

#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/indexing.h"
#include "kiln/ops/pad.h"
#include "kiln/ops/scan.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/ops/unary.h"
#include "kiln/primitives/rules.h"

namespace kiln {

const char* Scan::name() const {
  switch (op_) {
    case Sum: return "CumSum";
    case Prod: return "CumProd";
    case Max: return "CumMax";
    case Min: return "CumMin";
    case LogAddExp: return "CumLogSumExp";
  }
  return "Scan";
}

std::string Scan::label() const {
  return std::string(name()) + "(axis=" + std::to_string(axis_) +
         ", reverse=" + std::to_string(int(reverse_)) +
         ", inclusive=" + std::to_string(int(inclusive_)) + ")";
}

std::vector<Shape> Scan::output_shapes(const std::vector<array>& inputs) {
  return {inputs[0].shape()};
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules
//
// The rules are worked out for a forward inclusive scan; the other scans map onto it by
// flipping the axis (reverse) and shifting by one element (exclusive: out[i] is the
// inclusive result at i - 1).

namespace kiln {

namespace {

struct ScanAxis {
  int axis;
  int64_t n;
  Stream s;

  array flip(const array& a) const { return kiln::flip(a, {axis}, s); }
  // a[1:] followed by one zero (cotangents of an exclusive scan, aligned with the inclusive
  // results they depend on).
  array shift_left(const array& a) const {
    std::vector<SliceBound> b(size_t(axis) + 1);
    b[axis].start = 1;
    std::vector<std::pair<int64_t, int64_t>> w(size_t(a.ndim()), {0, 0});
    w[axis] = {0, 1};
    return pad(slice(a, b, s), w, array(0, a.dtype()), "constant", s);
  }
  // One zero followed by a[:-1].
  array shift_right(const array& a) const {
    std::vector<SliceBound> b(size_t(axis) + 1);
    b[axis].stop = -1;
    std::vector<std::pair<int64_t, int64_t>> w(size_t(a.ndim()), {0, 0});
    w[axis] = {1, 0};
    return pad(slice(a, b, s), w, array(0, a.dtype()), "constant", s);
  }
  // Positions 0..n-1 along the axis, broadcast to `shape` (int32).
  array positions(const Shape& shape) const {
    Shape along(shape.size(), 1);
    along[axis] = n;
    return broadcast_to(reshape(arange(0, double(n), 1, int32, true, s), along, s), shape, s);
  }
  array cumsum(const array& a, bool reverse, bool inclusive = true) const {
    return kiln::cumsum(a, axis, reverse, inclusive, std::nullopt, s);
  }
  array cumprod(const array& a) const {
    return kiln::cumprod(a, axis, false, true, std::nullopt, s);
  }
  array log_cumsum_exp(const array& a, bool reverse) const {
    return logcumsumexp(a, axis, reverse, true, s);
  }
};

// Facts about zeros along the axis, for the exact derivatives of products.
struct ZeroFacts {
  array is_zero, first_zero, x_safe, out1;
  ZeroFacts(const array& x, const ScanAxis& ax) : is_zero(equal(x, array(0, x.dtype()), ax.s)),
      first_zero(is_zero), x_safe(x), out1(x) {
    array before = ax.cumsum(astype(is_zero, int32, ax.s), false, false);
    first_zero = logical_and(is_zero, equal(before, array(0), ax.s), ax.s);
    array one(1, x.dtype());
    x_safe = where(is_zero, one, x, ax.s);
    // The products with the first zero left out: the derivatives with respect to it.
    out1 = ax.cumprod(where(first_zero, one, x, ax.s));
  }
};

// x, out (forward inclusive results) and c along the axis, all forward.
array forward_vjp(Scan::Op op, const array& x, const array& out, const array& c,
                  const ScanAxis& ax) {
  Stream s = ax.s;
  array zero(0, c.dtype());
  switch (op) {
    case Scan::Sum: return ax.cumsum(c, true);
    case Scan::Prod: {
      ZeroFacts z(x, ax);
      array general = divide(ax.cumsum(multiply(c, out, s), true), z.x_safe, s);
      array at_first = ax.cumsum(multiply(c, z.out1, s), true);
      return where(z.first_zero, at_first, where(z.is_zero, zero, general, s), s);
    }
    case Scan::Max:
    case Scan::Min: {
      // Each running extreme belongs to the last position that reached it: that position
      // receives the cotangents up to the next one.
      array owner = equal(x, out, s);
      array pos = ax.positions(x.shape());
      array idx = where(owner, pos, array(int32_t(ax.n)), s);
      array next = minimum(cummin(idx, ax.axis, true, false, s), array(int32_t(ax.n)), s);
      array tail = ax.cumsum(c, true);
      std::vector<std::pair<int64_t, int64_t>> w(size_t(x.ndim()), {0, 0});
      w[ax.axis] = {0, 1};
      array after = take_along_axis(pad(tail, w, zero, "constant", s), next, ax.axis, s);
      return where(owner, subtract(tail, after, s), zero, s);
    }
    case Scan::LogAddExp: {
      // sum over i >= k of c_i exp(x_k - out_i), in log space. A complex log carries the
      // cotangents' signs (phases); real ones sum their positive and negative parts apart.
      if (is_complex(x.dtype())) {
        return exp(add(x, ax.log_cumsum_exp(subtract(log(c, s), out, s), true), s), s);
      }
      array ninf(-INFINITY, x.dtype());
      auto part = [&](const array& v) {
        array lv = where(greater(v, zero, s), subtract(log(v, s), out, s), ninf, s);
        return exp(add(x, ax.log_cumsum_exp(lv, true), s), s);
      };
      return subtract(part(c), part(negative(c, s)), s);
    }
  }
  throw std::logic_error("[Scan] unknown scan op");
}

array forward_jvp(Scan::Op op, const array& x, const array& out, const array& t,
                  const ScanAxis& ax) {
  Stream s = ax.s;
  array zero(0, t.dtype());
  switch (op) {
    case Scan::Sum: return ax.cumsum(t, false);
    case Scan::Prod: {
      ZeroFacts z(x, ax);
      array count = ax.cumsum(astype(z.is_zero, int32, s), false);
      array none = multiply(out, ax.cumsum(divide(t, z.x_safe, s), false), s);
      array one = multiply(ax.cumsum(where(z.first_zero, t, zero, s), false), z.out1, s);
      return where(equal(count, array(0), s), none,
                   where(equal(count, array(1), s), one, zero, s), s);
    }
    case Scan::Max:
    case Scan::Min: {
      array pos = ax.positions(x.shape());
      array last = cummax(where(equal(x, out, s), pos, array(-1), s), ax.axis, false, true, s);
      return take_along_axis(t, last, ax.axis, s);
    }
    case Scan::LogAddExp: {
      if (is_complex(x.dtype())) {
        return exp(subtract(ax.log_cumsum_exp(add(log(t, s), x, s), false), out, s), s);
      }
      array ninf(-INFINITY, x.dtype());
      auto part = [&](const array& v) {
        array lv = where(greater(v, zero, s), add(log(v, s), x, s), ninf, s);
        return exp(subtract(ax.log_cumsum_exp(lv, false), out, s), s);
      };
      return subtract(part(t), part(negative(t, s)), s);
    }
  }
  throw std::logic_error("[Scan] unknown scan op");
}

}  // namespace

std::vector<array> Scan::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>&,
                             const std::vector<array>& outputs) {
  ScanAxis ax{axis_, primals[0].shape()[axis_], stream()};
  auto fwd = [&](const array& a) { return reverse_ ? ax.flip(a) : a; };
  array x = fwd(primals[0]);
  array c = fwd(cotangents[0]);
  array out = fwd(outputs[0]);
  if (!inclusive_) {
    c = ax.shift_left(c);
    out = array(x.shape(), x.dtype(), std::make_shared<Scan>(stream(), op_, axis_, false, true),
                {x});
  }
  return {fwd(forward_vjp(op_, x, out, c, ax))};
}

std::vector<array> Scan::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  ScanAxis ax{axis_, primals[0].shape()[axis_], stream()};
  auto fwd = [&](const array& a) { return reverse_ ? ax.flip(a) : a; };
  array x = fwd(primals[0]);
  array out(x.shape(), x.dtype(), std::make_shared<Scan>(stream(), op_, axis_, false, true), {x});
  array t = forward_jvp(op_, x, out, fwd(tangents[0]), ax);
  return {fwd(inclusive_ ? t : ax.shift_right(t))};
}

std::pair<std::vector<array>, std::vector<int>> Scan::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  const array& x = inputs[0];
  auto p = std::make_shared<Scan>(stream(), op_, rules::shift_axis(axis_, axes[0]), reverse_,
                                  inclusive_);
  Dtype out = op_ == Sum && x.dtype() == bool_ ? int32 : x.dtype();
  return {{array(x.shape(), out, p, {x})}, {axes[0]}};
}

}  // namespace kiln
