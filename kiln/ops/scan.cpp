#include "kiln/ops/scan.h"

#include "kiln/ops/shape.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/scan.h"

namespace kiln {

namespace {

array scan_op(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
              Scan::Op op, Dtype out, const char* name, StreamOrDevice s) {
  array x = axis ? a : reshape(a, {a.size()}, s);
  int ax = axis ? normalize_axis(*axis, a.ndim(), name) : 0;
  return array(x.shape(), out,
               std::make_shared<Scan>(to_stream(s), op, ax, reverse, inclusive), {x});
}

}  // namespace

array cumsum(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
             std::optional<Dtype> dtype, StreamOrDevice s) {
  array x = dtype ? astype(a, *dtype, s) : a;
  Dtype out = x.dtype() == bool_ ? int32 : x.dtype();
  return scan_op(x, axis, reverse, inclusive, Scan::Sum, out, "cumsum", s);
}

array cumprod(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
              std::optional<Dtype> dtype, StreamOrDevice s) {
  array x = dtype ? astype(a, *dtype, s) : a;
  return scan_op(x, axis, reverse, inclusive, Scan::Prod, x.dtype(), "cumprod", s);
}

array cummax(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan_op(a, axis, reverse, inclusive, Scan::Max, a.dtype(), "cummax", s);
}

array cummin(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
             StreamOrDevice s) {
  return scan_op(a, axis, reverse, inclusive, Scan::Min, a.dtype(), "cummin", s);
}

array logcumsumexp(const array& a, std::optional<int> axis, bool reverse, bool inclusive,
                   StreamOrDevice s) {
  array x = astype(a, to_inexact(a.dtype()), s);
  return scan_op(x, axis, reverse, inclusive, Scan::LogAddExp, x.dtype(), "logcumsumexp", s);
}

}  // namespace kiln
