#include "kiln/ops/softmax.h"

#include <utility>

#include "kiln/ops/binary.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/reduce_axes.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/softmax.h"

namespace kiln {

namespace {

bool consecutive(const std::vector<int>& axes) {
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] != axes[i - 1] + 1) return false;
  }
  return true;
}

// `a` with the (sorted) axes brought together into one: a reshape when they are adjacent,
// else a transpose that puts them last first. Returns the merged array and its axis; `perm`
// receives the transpose used (empty when none).
std::pair<array, int> merge_axes(const array& a, const std::vector<int>& axes,
                                 std::vector<int>& perm, StreamOrDevice s) {
  int64_t n = 1;
  for (int ax : axes) n *= a.shape()[ax];
  if (consecutive(axes)) {
    Shape shape(a.shape().begin(), a.shape().begin() + axes.front());
    shape.push_back(n);
    shape.insert(shape.end(), a.shape().begin() + axes.back() + 1, a.shape().end());
    return {reshape(a, std::move(shape), s), axes.front()};
  }
  perm = axes_to_back(a.ndim(), axes);
  Shape shape = detail::drop_shape(a.shape(), axes);
  shape.push_back(n);
  int axis = int(shape.size()) - 1;
  return {reshape(transpose(a, perm, s), std::move(shape), s), axis};
}

}  // namespace

array softmax(const array& a, const std::vector<int>& axes, bool precise, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "softmax");
  Dtype dt = to_inexact(a.dtype());
  array x = astype(a, dt, s);
  if (a.size() == 0) return x;
  if (ax.empty() || is_complex(dt)) {
    // No fused kernel: exp(x - max) / sum over the axes (ones when there are none).
    array m = ax.empty() ? x : max(x, ax, true, s);
    array e = exp(subtract(x, m, s), s);
    return divide(e, ax.empty() ? e : sum(e, ax, true, s), s);
  }
  std::vector<int> perm;
  auto [merged, axis] = merge_axes(x, ax, perm, s);
  array r(merged.shape(), dt, std::make_shared<Softmax>(to_stream(s), axis, precise), {merged});
  if (perm.empty()) return reshape(r, a.shape(), s);
  Shape moved;
  for (int p : perm) moved.push_back(a.shape()[p]);
  return transpose(reshape(r, std::move(moved), s), inverse_permutation(perm), s);
}
array softmax(const array& a, bool precise, StreamOrDevice s) {
  return softmax(a, detail::all_axes(a), precise, s);
}
array softmax(const array& a, int axis, bool precise, StreamOrDevice s) {
  return softmax(a, std::vector<int>{axis}, precise, s);
}

array logsumexp(const array& a, const std::vector<int>& axes, bool keepdims, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "logsumexp");
  detail::check_nonempty(a, ax, "logsumexp");
  Dtype dt = to_inexact(a.dtype());
  if (ax.empty()) return astype(a, dt, s);
  Shape out_shape =
      keepdims ? detail::keep_shape(a.shape(), ax) : detail::drop_shape(a.shape(), ax);
  if (is_complex(dt)) {
    array m = max(a, ax, true, s);
    array r = add(log(sum(exp(subtract(a, m, s), s), ax, true, s), s), m, s);
    return reshape(r, std::move(out_shape), s);
  }
  std::vector<int> perm;
  auto [x, axis] = merge_axes(astype(a, dt, s), ax, perm, s);
  array r(detail::keep_shape(x.shape(), {axis}), dt,
          std::make_shared<LogSumExp>(to_stream(s), axis), {x});
  return reshape(r, std::move(out_shape), s);
}
array logsumexp(const array& a, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, detail::all_axes(a), keepdims, s);
}
array logsumexp(const array& a, int axis, bool keepdims, StreamOrDevice s) {
  return logsumexp(a, std::vector<int>{axis}, keepdims, s);
}

}  // namespace kiln
