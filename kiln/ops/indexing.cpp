#include "kiln/ops/indexing.h"

#include "kiln/error.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/indexing.h"

namespace kiln {

namespace {

void check_indices(const array& idx, const char* op) {
  if (!is_integral(idx.dtype())) {
    fail(op, "indices must be integers, got ", dtype_name(idx.dtype()));
  }
}

// Axes in the given order (each matched with an index array), checked and made positive.
std::vector<int> checked_axes(const std::vector<int>& axes, int ndim, const char* op) {
  std::vector<int> out;
  for (int ax : axes) out.push_back(normalize_axis(ax, ndim, op));
  normalize_axes(out, ndim, op);  // rejects repeats
  return out;
}

// Shared by gather and the scatters: checks the index arrays against the axes and
// broadcasts them to one shape.
std::vector<array> broadcast_indices(const std::vector<array>& indices,
                                     const std::vector<int>& axes, const char* op,
                                     StreamOrDevice s) {
  if (indices.size() != axes.size()) {
    fail(op, indices.size(), " index arrays for ", axes.size(), " axes");
  }
  std::vector<Shape> shapes;
  for (auto& idx : indices) {
    check_indices(idx, op);
    shapes.push_back(idx.shape());
  }
  Shape shape = broadcast_shapes(shapes, op);
  std::vector<array> out;
  for (auto& idx : indices) out.push_back(broadcast_to(idx, shape, s));
  return out;
}

int64_t checked_index(int64_t index, int64_t size, int axis, const char* op) {
  int64_t i = index < 0 ? index + size : index;
  if (i < 0 || i >= size) {
    fail<std::out_of_range>(op, "index ", index, " is out of bounds for axis ", axis, " with size ",
                            size);
  }
  return i;
}

// Every index into an axis of size 0 is out of bounds: a non-empty gather or scatter along
// one is an error now, at build time, rather than when its indices are read.
void check_axis_nonempty(const array& a, int axis, int64_t n_indices, const char* op) {
  if (a.shape()[axis] == 0 && n_indices > 0) {
    fail(op, n_indices, " indices into axis ", axis, " of size 0 (array of shape ",
         shape_to_string(a.shape()), "): every index is out of bounds");
  }
}

array scatter_impl(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, ScatterReduce reduce, const char* op,
                   StreamOrDevice s) {
  auto ax = checked_axes(axes, a.ndim(), op);
  auto idx = broadcast_indices(indices, ax, op, s);
  Shape shape = idx.empty() ? Shape{} : idx[0].shape();
  for (int x : ax) check_axis_nonempty(a, x, shape_size(shape), op);
  int ni = int(shape.size());
  if (updates.ndim() != ni + a.ndim()) {
    fail(op, "updates of shape ", shape_to_string(updates.shape()), " for indices of shape ",
         shape_to_string(shape), " into an array of shape ", shape_to_string(a.shape()),
         ": the updates need rank ", ni + a.ndim());
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (updates.shape()[ni + d] > a.shape()[d]) {
      fail(op, "update slices of shape ",
           shape_to_string(Shape(updates.shape().begin() + ni, updates.shape().end())),
           " do not fit an array of shape ", shape_to_string(a.shape()));
    }
  }
  shape.insert(shape.end(), updates.shape().begin() + ni, updates.shape().end());
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  inputs.push_back(astype(broadcast_to(updates, shape, s), a.dtype(), s));
  return array(a.shape(), a.dtype(), std::make_shared<Scatter>(to_stream(s), reduce, ax),
               std::move(inputs));
}

// A 0-d start becomes a 1-d one; one start per axis.
array start_vector(const array& start, size_t n_axes, const char* op, StreamOrDevice s) {
  check_indices(start, op);
  if (start.ndim() > 1 || size_t(start.size()) != n_axes) {
    fail(op, "start_indices of shape ", shape_to_string(start.shape()), " for ", n_axes,
         " axes; expected one start per axis");
  }
  return reshape(start, {int64_t(n_axes)}, s);
}

}  // namespace

array gather(const array& a, const std::vector<array>& indices, const std::vector<int>& axes,
             const Shape& slice_sizes, StreamOrDevice s) {
  auto ax = checked_axes(axes, a.ndim(), "gather");
  auto idx = broadcast_indices(indices, ax, "gather", s);
  for (int x : ax) check_axis_nonempty(a, x, idx[0].size(), "gather");
  if (int(slice_sizes.size()) != a.ndim()) {
    fail("gather", "slice_sizes ", shape_to_string(slice_sizes),
         " must have one entry per dimension of an array of shape ", shape_to_string(a.shape()));
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_sizes[d] < 0 || slice_sizes[d] > a.shape()[d]) {
      fail("gather", "slice_sizes ", shape_to_string(slice_sizes), " do not fit an array of shape ",
           shape_to_string(a.shape()));
    }
  }
  Shape shape = idx.empty() ? Shape{} : idx[0].shape();
  shape.insert(shape.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), idx.begin(), idx.end());
  return array(std::move(shape), a.dtype(),
               std::make_shared<Gather>(to_stream(s), std::move(ax), slice_sizes),
               std::move(inputs));
}

array take(const array& a, const array& indices, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "take");
  check_indices(indices, "take");
  check_axis_nonempty(a, ax, indices.size(), "take");
  // A take_along_axis with the (flattened) indices broadcast over the other axes: the
  // output comes out row-major in its final order, and rows sharing an index are copies.
  Shape ishape(a.ndim(), 1), oshape = a.shape();
  ishape[ax] = oshape[ax] = indices.size();
  array idx = broadcast_to(reshape(indices, ishape, s), oshape, s);
  array out(oshape, a.dtype(), std::make_shared<GatherAxis>(to_stream(s), ax), {a, idx});
  Shape final(a.shape().begin(), a.shape().begin() + ax);
  final.insert(final.end(), indices.shape().begin(), indices.shape().end());
  final.insert(final.end(), a.shape().begin() + ax + 1, a.shape().end());
  return reshape(out, std::move(final), s);
}

array take(const array& a, const array& indices, StreamOrDevice s) {
  return take(reshape(a, {-1}, s), indices, 0, s);
}

array take(const array& a, int64_t index, int axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "take");
  int64_t i = checked_index(index, a.shape()[ax], ax, "take");
  std::vector<SliceBound> bounds(size_t(ax) + 1);
  bounds[ax] = {i, i + 1, 1};
  Shape shape = a.shape();
  shape.erase(shape.begin() + ax);
  return reshape(slice(a, bounds, s), std::move(shape), s);
}

array take(const array& a, int64_t index, StreamOrDevice s) {
  return take(reshape(a, {-1}, s), index, 0, s);
}

array take_along_axis(const array& a, const array& indices, int axis, StreamOrDevice s) {
  if (a.ndim() != indices.ndim()) {
    fail("take_along_axis", "indices of rank ", indices.ndim(), " for an array of rank ", a.ndim(),
         "; the ranks must match");
  }
  int ax = normalize_axis(axis, a.ndim(), "take_along_axis");
  check_indices(indices, "take_along_axis");
  check_axis_nonempty(a, ax, indices.size(), "take_along_axis");
  Shape as = a.shape(), is = indices.shape();
  as[ax] = is[ax] = 1;
  Shape shape = broadcast_shapes(as, is, "take_along_axis");
  Shape ashape = shape, ishape = shape;
  ashape[ax] = a.shape()[ax];
  ishape[ax] = indices.shape()[ax];
  return array(ishape, a.dtype(), std::make_shared<GatherAxis>(to_stream(s), ax),
               {broadcast_to(a, ashape, s), broadcast_to(indices, ishape, s)});
}

array put_along_axis(const array& a, const array& indices, const array& values, int axis,
                     StreamOrDevice s) {
  if (a.ndim() != indices.ndim()) {
    fail("put_along_axis", "indices of rank ", indices.ndim(), " for an array of rank ", a.ndim(),
         "; the ranks must match");
  }
  int ax = normalize_axis(axis, a.ndim(), "put_along_axis");
  check_indices(indices, "put_along_axis");
  check_axis_nonempty(a, ax, indices.size(), "put_along_axis");
  // Each update's other coordinates are its own, so the indices may only broadcast up to
  // a's shape on the other axes.
  Shape shape = a.shape();
  shape[ax] = indices.shape()[ax];
  if (broadcast_shapes(indices.shape(), shape, "put_along_axis") != shape) {
    fail("put_along_axis", "indices of shape ", shape_to_string(indices.shape()),
         " do not match an array of shape ", shape_to_string(a.shape()), " outside axis ", ax);
  }
  array idx = broadcast_to(indices, shape, s);
  array vals = astype(broadcast_to(values, shape, s), a.dtype(), s);
  return array(a.shape(), a.dtype(), std::make_shared<ScatterAxis>(to_stream(s), ax),
               {a, idx, vals});
}

array scatter(const array& a, const std::vector<array>& indices, const array& updates,
              const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl(a, indices, updates, axes, ScatterReduce::None, "scatter", s);
}
array scatter_add(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl(a, indices, updates, axes, ScatterReduce::Add, "scatter_add", s);
}
array scatter_prod(const array& a, const std::vector<array>& indices, const array& updates,
                   const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl(a, indices, updates, axes, ScatterReduce::Prod, "scatter_prod", s);
}
array scatter_max(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl(a, indices, updates, axes, ScatterReduce::Max, "scatter_max", s);
}
array scatter_min(const array& a, const std::vector<array>& indices, const array& updates,
                  const std::vector<int>& axes, StreamOrDevice s) {
  return scatter_impl(a, indices, updates, axes, ScatterReduce::Min, "scatter_min", s);
}

array slice_dynamic(const array& a, const array& start_indices, const std::vector<int>& axes,
                    const Shape& slice_size, StreamOrDevice s) {
  auto ax = checked_axes(axes, a.ndim(), "slice");
  array start = start_vector(start_indices, ax.size(), "slice", s);
  if (int(slice_size.size()) != a.ndim()) {
    fail("slice", "slice_size ", shape_to_string(slice_size),
         " must have one entry per dimension of an array of shape ", shape_to_string(a.shape()));
  }
  for (int d = 0; d < a.ndim(); ++d) {
    if (slice_size[d] < 0 || slice_size[d] > a.shape()[d]) {
      fail("slice", "slice_size ", shape_to_string(slice_size), " does not fit an array of shape ",
           shape_to_string(a.shape()));
    }
  }
  return array(slice_size, a.dtype(),
               std::make_shared<DynamicSlice>(to_stream(s), std::move(ax), slice_size),
               {a, start});
}

array slice_update_dynamic(const array& a, const array& update, const array& start_indices,
                           const std::vector<int>& axes, StreamOrDevice s) {
  auto ax = checked_axes(axes, a.ndim(), "slice_update");
  array start = start_vector(start_indices, ax.size(), "slice_update", s);
  if (update.ndim() > a.ndim()) {
    fail("slice_update", "an update of shape ", shape_to_string(update.shape()),
         " has more dimensions than the array of shape ", shape_to_string(a.shape()));
  }
  Shape ushape(size_t(a.ndim() - update.ndim()), 1);
  ushape.insert(ushape.end(), update.shape().begin(), update.shape().end());
  for (int d = 0; d < a.ndim(); ++d) {
    if (ushape[d] > a.shape()[d]) {
      fail("slice_update", "an update of shape ", shape_to_string(update.shape()),
           " does not fit an array of shape ", shape_to_string(a.shape()));
    }
  }
  array upd = astype(reshape(update, ushape, s), a.dtype(), s);
  return array(a.shape(), a.dtype(),
               std::make_shared<DynamicSliceUpdate>(to_stream(s), std::move(ax)),
               {a, upd, start});
}

array masked_scatter(const array& a, const array& mask, const array& values, StreamOrDevice s) {
  if (mask.dtype() != bool_) {
    fail("masked_scatter", "the mask must be bool, got ", dtype_name(mask.dtype()));
  }
  if (broadcast_shapes(mask.shape(), a.shape(), "masked_scatter") != a.shape()) {
    fail("masked_scatter", "a mask of shape ", shape_to_string(mask.shape()),
         " does not broadcast to the array's shape ", shape_to_string(a.shape()));
  }
  array vals = astype(reshape(values, {-1}, s), a.dtype(), s);
  return array(a.shape(), a.dtype(), std::make_shared<MaskedScatter>(to_stream(s)),
               {a, broadcast_to(mask, a.shape(), s), vals});
}

}  // namespace kiln
