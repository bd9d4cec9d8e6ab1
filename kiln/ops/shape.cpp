#include "kiln/ops/shape.h"

#include <algorithm>
#include <numeric>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/slicing.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/shape.h"

namespace kiln {

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  // Shapeless compile keeps the -1 in the primitive, which infers it anew for new shapes.
  Shape requested = shape;
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("[reshape] only one dimension can be -1");
      infer = int(i);
    } else if (shape[i] < 0) {
      fail("reshape", "invalid dimension ", shape[i], " in shape ", shape_to_string(shape));
    } else {
      known = checked_mul(known, shape[i], "reshape");
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      fail("reshape", "cannot reshape array of shape ", shape_to_string(a.shape()), " into ",
           shape_to_string(shape));
    }
    shape[infer] = a.size() / known;
  }
  if (shape_size(shape, "reshape") != a.size()) {
    fail("reshape", "cannot reshape array of size ", a.size(), " into shape ",
         shape_to_string(shape));
  }
  if (shape == a.shape() && !(infer >= 0 && detail::in_shapeless_trace())) return a;
  auto p = std::make_shared<Reshape>(
      to_stream(s), infer >= 0 && detail::in_shapeless_trace() ? requested : shape);
  return array(std::move(shape), a.dtype(), std::move(p), {a});
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1}, s);
  int st = normalize_axis(start_axis, a.ndim(), "flatten");
  int en = normalize_axis(end_axis, a.ndim(), "flatten");
  if (st > en) {
    fail("flatten", "start_axis ", start_axis, " is after end_axis ", end_axis);
  }
  Shape shape(a.shape().begin(), a.shape().begin() + st);
  int64_t n = 1;
  for (int i = st; i <= en; ++i) n *= a.shape()[i];
  shape.push_back(n);
  shape.insert(shape.end(), a.shape().begin() + en + 1, a.shape().end());
  return reshape(a, std::move(shape), s);
}

array squeeze(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = normalize_axes(axes, a.ndim(), "squeeze");
  Shape shape;
  for (int i = 0, j = 0; i < a.ndim(); ++i) {
    if (j < int(ax.size()) && ax[j] == i) {
      if (a.shape()[i] != 1) {
        fail("squeeze", "cannot squeeze axis ", i, " of size ", a.shape()[i]);
      }
      ++j;
    } else {
      shape.push_back(a.shape()[i]);
    }
  }
  return reshape(a, std::move(shape), s);
}

array squeeze(const array& a, StreamOrDevice s) {
  std::vector<int> axes;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] == 1) axes.push_back(i);
  }
  return squeeze(a, axes, s);
}

array expand_dims(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  int nd = a.ndim() + int(axes.size());
  auto ax = normalize_axes(axes, nd, "expand_dims");
  Shape shape;
  for (int i = 0, j = 0, k = 0; i < nd; ++i) {
    if (j < int(ax.size()) && ax[j] == i) {
      shape.push_back(1);
      ++j;
    } else {
      shape.push_back(a.shape()[k++]);
    }
  }
  return reshape(a, std::move(shape), s);
}

array transpose(const array& a, std::vector<int> axes, StreamOrDevice s) {
  if (int(axes.size()) != a.ndim()) {
    fail("transpose", "axes ", axes_to_string(axes), " do not match an array of ", a.ndim(),
         " dimensions");
  }
  for (auto& ax : axes) ax = normalize_axis(ax, a.ndim(), "transpose");
  std::vector<int> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < a.ndim(); ++i) {
    if (sorted[i] != i) {
      fail("transpose", "axes ", axes_to_string(axes), " are not a permutation");
    }
  }
  bool identity = true;
  for (int i = 0; i < a.ndim(); ++i) identity &= axes[i] == i;
  if (identity) return a;
  Shape shape(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) shape[i] = a.shape()[axes[i]];
  auto p = std::make_shared<Transpose>(to_stream(s), std::move(axes));
  return array(std::move(shape), a.dtype(), std::move(p), {a});
}

array transpose(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.rbegin(), axes.rend(), 0);
  return transpose(a, std::move(axes), s);
}

std::vector<int> axes_to_back(int ndim, const std::vector<int>& axes) {
  std::vector<int> perm;
  for (int i = 0; i < ndim; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) perm.push_back(i);
  }
  perm.insert(perm.end(), axes.begin(), axes.end());
  return perm;
}

std::vector<int> inverse_permutation(const std::vector<int>& perm) {
  std::vector<int> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = int(i);
  return inverse;
}

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  checked_size(shape, a.dtype(), "broadcast_to");
  Shape out = broadcast_shapes(a.shape(), shape, "broadcast_to");
  if (out != shape) {
    fail("broadcast_to", "cannot broadcast shape ", shape_to_string(a.shape()), " to ",
         shape_to_string(shape));
  }
  return array(shape, a.dtype(), std::make_shared<Broadcast>(to_stream(s), shape), {a});
}

std::vector<array> broadcast_arrays(const std::vector<array>& arrays, StreamOrDevice s) {
  std::vector<Shape> shapes;
  for (auto& a : arrays) shapes.push_back(a.shape());
  Shape shape = broadcast_shapes(shapes, "broadcast_arrays");
  std::vector<array> out;
  for (auto& a : arrays) out.push_back(broadcast_to(a, shape, s));
  return out;
}

array astype(const array& a, Dtype dtype, StreamOrDevice s) {
  if (a.dtype() == dtype) return a;
  return array(a.shape(), dtype, std::make_shared<AsType>(to_stream(s), dtype), {a});
}

array contiguous(const array& a, bool allow_col_major, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<Contiguous>(to_stream(s), allow_col_major),
               {a});
}

array unflatten(const array& a, int axis, Shape shape, StreamOrDevice s) {
  if (shape.empty()) throw std::invalid_argument("[unflatten] shape must not be empty");
  int ax = normalize_axis(axis, a.ndim(), "unflatten");
  int64_t n = a.shape()[ax];
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && infer < 0) {
      infer = int(i);
    } else if (shape[i] < 0) {
      fail("unflatten", "invalid shape ", shape_to_string(shape));
    } else {
      known = checked_mul(known, shape[i], "unflatten");
    }
  }
  if (infer >= 0 && known != 0 && n % known == 0) shape[infer] = n / known;
  if ((infer >= 0 && shape[infer] < 0) || (infer < 0 && known != n)) {
    fail("unflatten", "cannot unflatten axis ", axis, " of size ", n, " into ",
         shape_to_string(shape));
  }
  Shape out(a.shape().begin(), a.shape().begin() + ax);
  out.insert(out.end(), shape.begin(), shape.end());
  out.insert(out.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(a, std::move(out), s);
}

array swapaxes(const array& a, int axis1, int axis2, StreamOrDevice s) {
  int a1 = normalize_axis(axis1, a.ndim(), "swapaxes");
  int a2 = normalize_axis(axis2, a.ndim(), "swapaxes");
  std::vector<int> perm(a.ndim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[a1], perm[a2]);
  return transpose(a, std::move(perm), s);
}

array moveaxis(const array& a, int source, int destination, StreamOrDevice s) {
  int src = normalize_axis(source, a.ndim(), "moveaxis");
  int dst = normalize_axis(destination, a.ndim(), "moveaxis");
  std::vector<int> perm;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != src) perm.push_back(i);
  }
  perm.insert(perm.begin() + dst, src);
  return transpose(a, std::move(perm), s);
}

array flip(const array& a, const std::vector<int>& axes, StreamOrDevice s) {
  std::vector<SliceBound> bounds(a.ndim());
  for (int ax : normalize_axes(axes, a.ndim(), "flip")) bounds[ax].step = -1;
  return slice(a, bounds, s);
}

array flip(const array& a, StreamOrDevice s) {
  std::vector<int> axes(a.ndim());
  std::iota(axes.begin(), axes.end(), 0);
  return flip(a, axes, s);
}

array atleast_1d(const array& a, StreamOrDevice s) {
  return a.ndim() >= 1 ? a : reshape(a, {1}, s);
}

array atleast_2d(const array& a, StreamOrDevice s) {
  if (a.ndim() >= 2) return a;
  return reshape(a, a.ndim() == 0 ? Shape{1, 1} : Shape{1, a.shape()[0]}, s);
}

array atleast_3d(const array& a, StreamOrDevice s) {
  switch (a.ndim()) {
    case 0: return reshape(a, {1, 1, 1}, s);
    case 1: return reshape(a, {1, a.shape()[0], 1}, s);
    case 2: return reshape(a, {a.shape()[0], a.shape()[1], 1}, s);
    default: return a;
  }
}

array diagonal(const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
  if (a.ndim() < 2) {
    fail("diagonal", "the array must have at least 2 dimensions, got ", a.ndim());
  }
  int a1 = normalize_axis(axis1, a.ndim(), "diagonal");
  int a2 = normalize_axis(axis2, a.ndim(), "diagonal");
  if (a1 == a2) {
    fail("diagonal", "axis1 and axis2 are the same axis (", a1, ")");
  }
  int64_t n1 = a.shape()[a1], n2 = a.shape()[a2], off = offset;
  int64_t len = off >= 0 ? std::min(n1, n2 - off) : std::min(n1 + off, n2);
  Shape shape;
  for (int i = 0; i < a.ndim(); ++i) {
    if (i != a1 && i != a2) shape.push_back(a.shape()[i]);
  }
  shape.push_back(std::max<int64_t>(len, 0));
  auto p = std::make_shared<Diagonal>(to_stream(s), offset, a1, a2);
  return array(std::move(shape), a.dtype(), std::move(p), {a});
}

array diag(const array& a, int k, StreamOrDevice s) {
  if (a.ndim() == 2) return diagonal(a, k, 0, 1, s);
  if (a.ndim() != 1) {
    fail("diag", "the array must be 1-d or 2-d, got ", a.ndim(), " dimensions");
  }
  // Write `a` through a flat strided slice (step n + 1) of a zero matrix.
  int64_t len = a.shape()[0], kk = k;
  int64_t n = checked_add(len, std::abs(kk), "diag");
  array flat = zeros({checked_mul(n, n, "diag")}, a.dtype(), s);
  if (len > 0) {
    int64_t start = kk >= 0 ? kk : -kk * n;
    flat = slice_update(flat, a, {SliceBound{start, start + (len - 1) * (n + 1) + 1, n + 1}}, s);
  }
  return reshape(flat, {n, n}, s);
}

array as_strided(const array& a, Shape shape, Strides strides, int64_t offset, StreamOrDevice s) {
  if (shape.size() != strides.size()) {
    fail("as_strided", "shape ", shape_to_string(shape), " and ", strides.size(),
         " strides differ in length");
  }
  if (shape_size(shape) > 0) {
    int64_t lo = offset, hi = offset;
    bool overflow = false;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t ext;
      overflow |= __builtin_mul_overflow(strides[i], shape[i] - 1, &ext);
      overflow |= __builtin_add_overflow(ext > 0 ? hi : lo, ext, ext > 0 ? &hi : &lo);
    }
    if (overflow || lo < 0 || hi >= a.size()) {
      fail("as_strided", "the view with shape ", shape_to_string(shape), ", strides ",
           shape_to_string(strides), " and offset ", offset,
           " reaches elements outside the array of size ", a.size());
    }
  }
  auto p = std::make_shared<AsStrided>(to_stream(s), shape, std::move(strides), offset);
  return array(std::move(shape), a.dtype(), std::move(p), {a});
}

array view(const array& a, Dtype dtype, StreamOrDevice s) {
  if (dtype == a.dtype()) return a;
  Shape shape = a.shape();
  if (dtype.size != a.itemsize()) {
    if (a.ndim() == 0) {
      fail("view", "cannot view a 0-d ", dtype_name(a.dtype()), " array as ", dtype_name(dtype),
           ": the item sizes differ");
    }
    int64_t bytes = shape.back() * int64_t(a.itemsize());
    if (bytes % dtype.size != 0) {
      fail("view", "the last axis (", shape.back(), " x ", dtype_name(a.dtype()),
           ") is not a whole number of ", dtype_name(dtype));
    }
    shape.back() = bytes / dtype.size;
  }
  return array(std::move(shape), dtype, std::make_shared<View>(to_stream(s), dtype), {a});
}

array diff(const array& a, int n, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) throw std::invalid_argument("[diff] the array must be at least 1-d");
  if (n < 0) fail("diff", "order n must be non-negative, got ", n);
  int ax = normalize_axis(axis, a.ndim(), "diff");
  array r = a;
  std::vector<SliceBound> head(ax + 1), tail(ax + 1);
  head[ax].stop = -1;
  tail[ax].start = 1;
  for (int i = 0; i < n && r.shape()[ax] > 0; ++i) {
    array lo = slice(r, head, s), hi = slice(r, tail, s);
    r = r.dtype() == bool_ ? not_equal(hi, lo, s) : subtract(hi, lo, s);
  }
  return r;
}

}  // namespace kiln
