#include "kiln/ops/reduce.h"

#include <algorithm>
#include <string>

#include "kiln/ops/binary.h"
#include "kiln/ops/reduce_axes.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/reduce.h"

namespace kiln {

using detail::all_axes;
using detail::check_nonempty;
using detail::drop_shape;
using detail::keep_shape;

namespace {

int64_t reduced_count(const array& a, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int ax : axes) n *= a.shape()[ax];
  return n;
}

// reduced_count less `ddof` (at least 0) as a 0-d array of `dtype`: a constant, or a node
// that counts while shapeless compile traces (the shapes may change).
array reduced_count_of(const array& a, const std::vector<int>& axes, int ddof, Dtype dtype,
                       StreamOrDevice s) {
  if (!detail::in_shapeless_trace()) {
    return array(double(std::max<int64_t>(reduced_count(a, axes) - ddof, 0)), dtype);
  }
  array n(Shape{}, dtype, std::make_shared<NumberOfElements>(to_stream(s), axes, dtype), {a});
  if (ddof == 0) return n;
  return maximum(subtract(n, array(double(ddof), dtype), s), array(0.0, dtype), s);
}

// The Reduce node over normalized axes, squeezed unless keepdims.
array reduce_node(const array& a, Reduce::Op op, const std::vector<int>& axes, Dtype out,
                  bool keepdims, StreamOrDevice s) {
  array r(keep_shape(a.shape(), axes), out, std::make_shared<Reduce>(to_stream(s), op, axes),
          {a});
  return keepdims ? r : reshape(r, drop_shape(a.shape(), axes), s);
}

// Sums of `a` over axes in dtype `acc` (a pair Reduce supports), kept or squeezed.
array sum_as(const array& a, const std::vector<int>& axes, Dtype acc, bool keepdims,
             StreamOrDevice s) {
  if (axes.empty()) return astype(a, acc, s);
  return reduce_node(a, Reduce::Sum, axes, acc, keepdims, s);
}

// The float dtype mean/var accumulate in: float32 for integers, bool and 16-bit floats.
Dtype accumulate_dtype(Dtype d) {
  return d == float64 || d == complex64 ? d : float32;
}

}  // namespace

// ---------------------------------------------------------------- the plain reductions

#define KILN_REDUCTION_OVERLOADS(name)                                                      \
  array name(const array& a, bool keepdims, StreamOrDevice s) {                             \
    return name(a, all_axes(a), keepdims, s);                                               \
  }                                                                                         \
  array name(const array& a, int axis, bool keepdims, StreamOrDevice s) {                   \
    return name(a, std::vector<int>{axis}, keepdims, s);                                    \
  }

array all(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "all");
  array b = astype(a, bool_, s);
  if (ax.empty()) return b;
  return reduce_node(b, Reduce::And, ax, bool_, keepdims, s);
}
KILN_REDUCTION_OVERLOADS(all)

array any(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "any");
  array b = astype(a, bool_, s);
  if (ax.empty()) return b;
  return reduce_node(b, Reduce::Or, ax, bool_, keepdims, s);
}
KILN_REDUCTION_OVERLOADS(any)

array sum(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "sum");
  return sum_as(a, ax, sum_dtype(a.dtype()), keepdims, s);
}
KILN_REDUCTION_OVERLOADS(sum)

array prod(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "prod");
  Dtype out = sum_dtype(a.dtype());
  if (ax.empty()) return astype(a, out, s);
  return reduce_node(a, Reduce::Prod, ax, out, keepdims, s);
}
KILN_REDUCTION_OVERLOADS(prod)

array max(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "max");
  check_nonempty(a, ax, "max");
  if (ax.empty()) return a;
  return reduce_node(a, Reduce::Max, ax, a.dtype(), keepdims, s);
}
KILN_REDUCTION_OVERLOADS(max)

array min(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "min");
  check_nonempty(a, ax, "min");
  if (ax.empty()) return a;
  return reduce_node(a, Reduce::Min, ax, a.dtype(), keepdims, s);
}
KILN_REDUCTION_OVERLOADS(min)

array count_nonzero(const array& a, const std::vector<int>& axes, bool keepdims,
                    StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "count_nonzero");
  return sum_as(astype(a, bool_, s), ax, int32, keepdims, s);
}
KILN_REDUCTION_OVERLOADS(count_nonzero)

// ---------------------------------------------------------------- statistics

array mean(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "mean");
  Dtype acc = accumulate_dtype(a.dtype());
  // An empty reduction divides 0 by 0: NaN, as in NumPy.
  array total = sum_as(a, ax, acc, keepdims, s);
  array m = divide(total, reduced_count_of(a, ax, 0, acc, s), s);
  return astype(m, to_inexact(a.dtype()), s);
}
KILN_REDUCTION_OVERLOADS(mean)

#undef KILN_REDUCTION_OVERLOADS

array var(const array& a, const std::vector<int>& axes, bool keepdims, int ddof,
          StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "var");
  Dtype acc = accumulate_dtype(a.dtype());
  Dtype real_acc = acc == complex64 ? float32 : acc;
  array x = astype(a, acc, s);
  array mu = divide(sum_as(x, ax, acc, true, s), reduced_count_of(a, ax, 0, acc, s), s);
  array d = subtract(x, mu, s);
  array sq = is_complex(acc) ? square(abs(d, s), s) : square(d, s);
  array total = sum_as(sq, ax, real_acc, keepdims, s);
  array v = divide(total, reduced_count_of(a, ax, ddof, real_acc, s), s);
  Dtype out = is_complex(a.dtype()) ? float32 : to_inexact(a.dtype());
  return astype(v, out, s);
}
array var(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return var(a, all_axes(a), keepdims, ddof, s);
}
array var(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return var(a, std::vector<int>{axis}, keepdims, ddof, s);
}

array std(const array& a, const std::vector<int>& axes, bool keepdims, int ddof,
          StreamOrDevice s) {
  return sqrt(var(a, axes, keepdims, ddof, s), s);
}
array std(const array& a, bool keepdims, int ddof, StreamOrDevice s) {
  return std(a, all_axes(a), keepdims, ddof, s);
}
array std(const array& a, int axis, bool keepdims, int ddof, StreamOrDevice s) {
  return std(a, std::vector<int>{axis}, keepdims, ddof, s);
}

// ---------------------------------------------------------------- arg reductions

namespace {

array arg_reduce(const array& a, int axis, bool keepdims, ArgReduce::Op op, const char* name,
                 StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), name);
  check_nonempty(a, {ax}, name);
  array r(keep_shape(a.shape(), {ax}), uint32, std::make_shared<ArgReduce>(to_stream(s), op, ax),
          {a});
  return keepdims ? r : reshape(r, drop_shape(a.shape(), {ax}), s);
}

array arg_reduce_flat(const array& a, bool keepdims, ArgReduce::Op op, const char* name,
                      StreamOrDevice s) {
  if (a.size() == 0) {
    throw std::invalid_argument(std::string("[") + name + "] cannot reduce an empty array");
  }
  array r = arg_reduce(reshape(a, {a.size()}, s), 0, true, op, name, s);
  return reshape(r, keepdims ? Shape(a.ndim(), 1) : Shape{}, s);
}

}  // namespace

array argmax(const array& a, bool keepdims, StreamOrDevice s) {
  return arg_reduce_flat(a, keepdims, ArgReduce::ArgMax, "argmax", s);
}
array argmax(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMax, "argmax", s);
}
array argmin(const array& a, bool keepdims, StreamOrDevice s) {
  return arg_reduce_flat(a, keepdims, ArgReduce::ArgMin, "argmin", s);
}
array argmin(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return arg_reduce(a, axis, keepdims, ArgReduce::ArgMin, "argmin", s);
}

// ---------------------------------------------------------------- trace and comparisons

array trace(const array& a, int offset, int axis1, int axis2, std::optional<Dtype> dtype,
            StreamOrDevice s) {
  if (a.ndim() < 2) {
    throw std::invalid_argument("[trace] needs an array of at least 2 dimensions, got shape " +
                                shape_to_string(a.shape()));
  }
  int a1 = normalize_axis(axis1, a.ndim(), "trace");
  int a2 = normalize_axis(axis2, a.ndim(), "trace");
  if (a1 == a2) {
    throw std::invalid_argument("[trace] axis1 and axis2 must differ, got " +
                                std::to_string(axis1) + " and " + std::to_string(axis2));
  }
  Dtype dt = dtype ? *dtype : a.dtype();
  Shape out;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != a1 && i != a2) out.push_back(a.shape()[i]);
  }
  return array(std::move(out), dt, std::make_shared<Trace>(to_stream(s), offset, a1, a2),
               {astype(a, dt, s)});
}

array allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
               StreamOrDevice s) {
  Dtype d = to_inexact(promote_types(a.dtype(), b.dtype()));
  Dtype real_d = is_complex(d) ? float32 : d;
  array x = astype(a, d, s), y = astype(b, d, s);
  array tol = add(array(atol, real_d), multiply(array(rtol, real_d), abs(y, s), s), s);
  array close = less_equal(abs(subtract(x, y, s), s), tol, s);
  // Infinities are close only to themselves (their difference is NaN or infinite).
  close = where(logical_and(isfinite(x, s), isfinite(y, s), s), close, equal(x, y, s), s);
  if (equal_nan) close = logical_or(close, logical_and(isnan(x, s), isnan(y, s), s), s);
  return all(close, false, s);
}

array array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  Dtype d = promote_types(a.dtype(), b.dtype());
  array x = astype(a, d, s), y = astype(b, d, s);
  array eq = equal(x, y, s);
  if (equal_nan && is_inexact(d)) {
    eq = logical_or(eq, logical_and(isnan(x, s), isnan(y, s), s), s);
  }
  return all(eq, false, s);
}

}  // namespace kiln
