#include "kiln/ops/shape.h"

#include <algorithm>
#include <numeric>

#include "kiln/ops/utils.h"
#include "kiln/primitives/shape.h"

namespace kiln {

array reshape(const array& a, Shape shape, StreamOrDevice s) {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw std::invalid_argument("[reshape] only one dimension can be -1");
      infer = int(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument("[reshape] invalid dimension " + std::to_string(shape[i]) +
                                  " in shape " + shape_to_string(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || a.size() % known != 0) {
      throw std::invalid_argument("[reshape] cannot reshape array of shape " +
                                  shape_to_string(a.shape()) + " into " + shape_to_string(shape));
    }
    shape[infer] = a.size() / known;
  }
  if (shape_size(shape) != a.size()) {
    throw std::invalid_argument("[reshape] cannot reshape array of size " +
                                std::to_string(a.size()) + " into shape " +
                                shape_to_string(shape));
  }
  if (shape == a.shape()) return a;
  auto p = std::make_shared<Reshape>(to_stream(s), shape);
  return array(std::move(shape), a.dtype(), std::move(p), {a});
}

array flatten(const array& a, int start_axis, int end_axis, StreamOrDevice s) {
  if (a.ndim() == 0) return reshape(a, {1}, s);
  int st = normalize_axis(start_axis, a.ndim(), "flatten");
  int en = normalize_axis(end_axis, a.ndim(), "flatten");
  if (st > en) {
    throw std::invalid_argument("[flatten] start_axis " + std::to_string(start_axis) +
                                " is after end_axis " + std::to_string(end_axis));
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
        throw std::invalid_argument("[squeeze] cannot squeeze axis " + std::to_string(i) +
                                    " of size " + std::to_string(a.shape()[i]));
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
    throw std::invalid_argument("[transpose] axes " + axes_to_string(axes) +
                                " do not match an array of " + std::to_string(a.ndim()) +
                                " dimensions");
  }
  for (auto& ax : axes) ax = normalize_axis(ax, a.ndim(), "transpose");
  std::vector<int> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < a.ndim(); ++i) {
    if (sorted[i] != i) {
      throw std::invalid_argument("[transpose] axes " + axes_to_string(axes) +
                                  " are not a permutation");
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

array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s) {
  if (a.shape() == shape) return a;
  Shape out = broadcast_shapes(a.shape(), shape, "broadcast_to");
  if (out != shape) {
    throw std::invalid_argument("[broadcast_to] cannot broadcast shape " +
                                shape_to_string(a.shape()) + " to " + shape_to_string(shape));
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

}  // namespace kiln
