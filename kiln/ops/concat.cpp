#include "kiln/ops/concat.h"

#include "kiln/error.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/concat.h"

namespace kiln {

array concatenate(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) throw std::invalid_argument("[concatenate] no arrays to concatenate");
  const array& first = arrays[0];
  if (first.ndim() == 0) {
    throw std::invalid_argument("[concatenate] 0-d arrays cannot be concatenated");
  }
  int ax = normalize_axis(axis, first.ndim(), "concatenate");
  Shape shape = first.shape();
  Dtype dtype = first.dtype();
  for (size_t i = 1; i < arrays.size(); ++i) {
    const array& a = arrays[i];
    bool match = a.ndim() == first.ndim();
    for (int d = 0; match && d < a.ndim(); ++d) match = d == ax || a.shape()[d] == shape[d];
    if (!match) {
      fail("concatenate", "shapes ", shape_to_string(first.shape()), " and ",
           shape_to_string(a.shape()), " differ outside axis ", axis);
    }
    shape[ax] = checked_add(shape[ax], a.shape()[ax], "concatenate");
    dtype = promote_types(dtype, a.dtype());
  }
  if (arrays.size() == 1) return first;
  auto p = std::make_shared<Concatenate>(to_stream(s), ax);
  return array(std::move(shape), dtype, std::move(p), arrays);
}

array concatenate(const std::vector<array>& arrays, StreamOrDevice s) {
  std::vector<array> flat;
  flat.reserve(arrays.size());
  for (auto& a : arrays) flat.push_back(reshape(a, {-1}, s));
  return concatenate(flat, 0, s);
}

array stack(const std::vector<array>& arrays, int axis, StreamOrDevice s) {
  if (arrays.empty()) throw std::invalid_argument("[stack] no arrays to stack");
  int ax = normalize_axis(axis, arrays[0].ndim() + 1, "stack");
  std::vector<array> parts;
  parts.reserve(arrays.size());
  for (auto& a : arrays) {
    if (a.shape() != arrays[0].shape()) {
      fail("stack", "all arrays must have the same shape, got ", shape_to_string(arrays[0].shape()),
           " and ", shape_to_string(a.shape()));
    }
    parts.push_back(expand_dims(a, {ax}, s));
  }
  return concatenate(parts, ax, s);
}

std::vector<array> unstack(const array& a, int axis, StreamOrDevice s) {
  if (a.ndim() == 0) throw std::invalid_argument("[unstack] cannot unstack a 0-d array");
  int ax = normalize_axis(axis, a.ndim(), "unstack");
  std::vector<array> out;
  std::vector<SliceBound> bounds(ax + 1);
  for (int64_t i = 0; i < a.shape()[ax]; ++i) {
    bounds[ax].start = i;
    bounds[ax].stop = i + 1;
    out.push_back(squeeze(slice(a, bounds, s), {ax}, s));
  }
  return out;
}

std::vector<array> split(const array& a, int num_splits, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  int64_t n = a.shape()[ax];
  if (num_splits <= 0 || n % num_splits != 0) {
    fail("split", "axis ", axis, " of size ", n, " cannot be split into ", num_splits,
         " equal parts");
  }
  Shape indices;
  for (int i = 1; i < num_splits; ++i) indices.push_back(i * (n / num_splits));
  return split(a, indices, ax, s);
}

std::vector<array> split(const array& a, const Shape& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "split");
  std::vector<array> out;
  std::vector<SliceBound> bounds(ax + 1);
  int64_t start = 0;
  for (size_t i = 0; i <= indices.size(); ++i) {
    bounds[ax].start = start;
    bounds[ax].stop = i < indices.size() ? indices[i] : a.shape()[ax];
    out.push_back(slice(a, bounds, s));
    if (i < indices.size()) start = indices[i];
  }
  return out;
}

array tile(const array& a, std::vector<int64_t> reps, StreamOrDevice s) {
  for (auto r : reps) {
    if (r < 0) fail("tile", "negative repetition ", r);
  }
  int nd = std::max<int>(a.ndim(), int(reps.size()));
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape in = a.shape();
  in.insert(in.begin(), nd - a.ndim(), 1);
  // View each dim d as (1, d), broadcast to (r, d), and merge: one copy does the tiling.
  Shape expanded, broadcast, out;
  for (int i = 0; i < nd; ++i) {
    expanded.insert(expanded.end(), {1, in[i]});
    broadcast.insert(broadcast.end(), {reps[i], in[i]});
    out.push_back(checked_mul(reps[i], in[i], "tile"));
  }
  checked_size(out, a.dtype(), "tile");
  array x = reshape(a, in, s);
  if (out == in) return x;
  return reshape(broadcast_to(reshape(x, expanded, s), broadcast, s), out, s);
}

array repeat(const array& a, int64_t repeats, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "repeat");
  if (repeats < 0) {
    fail("repeat", "negative number of repeats ", repeats);
  }
  if (repeats == 1) return a;
  Shape broadcast = a.shape(), out = a.shape();
  broadcast.insert(broadcast.begin() + ax + 1, repeats);
  out[ax] = checked_mul(out[ax], repeats, "repeat");
  checked_size(out, a.dtype(), "repeat");
  return reshape(broadcast_to(expand_dims(a, {ax + 1}, s), broadcast, s), out, s);
}

array repeat(const array& a, int64_t repeats, StreamOrDevice s) {
  return repeat(reshape(a, {-1}, s), repeats, 0, s);
}

}  // namespace kiln
