#include "kiln/primitives/indexing.h"

#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/indexing.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/scan.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/rules.h"

namespace kiln {

const char* scatter_reduce_name(ScatterReduce r) {
  switch (r) {
    case ScatterReduce::None: return "none";
    case ScatterReduce::Add: return "add";
    case ScatterReduce::Prod: return "prod";
    case ScatterReduce::Max: return "max";
    case ScatterReduce::Min: return "min";
  }
  return "?";
}

std::vector<Shape> Gather::output_shapes(const std::vector<array>& inputs) {
  Shape shape = inputs.size() > 1 ? inputs[1].shape() : Shape{};
  shape.insert(shape.end(), slice_sizes_.begin(), slice_sizes_.end());
  return {shape};
}

std::string Gather::label() const {
  std::string s = "Gather(axes=";  // appended piecewise: GCC 12 misreports `literal + ...`
  s += axes_to_string(axes_);
  s += ", slice_sizes=";
  s += shape_to_string(slice_sizes_);
  return s + ")";
}

std::string Scatter::label() const {
  std::string s = "Scatter(";  // appended piecewise: GCC 12 misreports `literal + ...`
  s += scatter_reduce_name(reduce_);
  s += ", axes=";
  s += axes_to_string(axes_);
  return s + ")";
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

std::vector<array> tail(const std::vector<array>& v, size_t from, size_t to) {
  return std::vector<array>(v.begin() + from, v.begin() + to);
}

array gather_node(const array& a, const std::vector<array>& idx, const std::vector<int>& axes,
                  const Shape& slice_sizes, Stream s) {
  Shape shape = idx.empty() ? Shape{} : idx[0].shape();
  shape.insert(shape.end(), slice_sizes.begin(), slice_sizes.end());
  std::vector<array> in{a};
  in.insert(in.end(), idx.begin(), idx.end());
  return array(shape, a.dtype(), std::make_shared<Gather>(s, axes, slice_sizes), in);
}

array scatter_node(ScatterReduce r, const array& a, const std::vector<array>& idx,
                   const array& upd, const std::vector<int>& axes, Stream s) {
  std::vector<array> in{a};
  in.insert(in.end(), idx.begin(), idx.end());
  in.push_back(upd);
  return array(a.shape(), a.dtype(), std::make_shared<Scatter>(s, r, axes), in);
}

// 0, 1, ..., n-1 as int32 of shape (n, 1, ..., 1) with `ndim` axes in all, broadcast to
// `shape`: the index of the batch along a leading batch axis.
array batch_index(int64_t n, const Shape& shape, Stream s) {
  Shape column(shape.size(), 1);
  column[0] = n;
  return broadcast_to(reshape(arange(0, double(n), 1, int32, true, s), column, s), shape, s);
}

// Element ids of `shape` (row-major), for finding which write of a scatter survived.
array element_ids(const Shape& shape, Stream s) {
  int64_t n = shape_size(shape);
  Dtype dt = n < (int64_t(1) << 31) ? int32 : int64;
  return reshape(arange(0, double(n), 1, dt, true, s), shape, s);
}

// For a plain (last write wins) scatter: true for the update elements whose write survives.
array surviving_writes(const array& a, const std::vector<array>& idx, const array& upd,
                       const std::vector<int>& axes, Stream s) {
  size_t ni = idx.empty() ? 0 : size_t(idx[0].ndim());
  Shape ishape(upd.shape().begin(), upd.shape().begin() + ni);
  Shape ushape(upd.shape().begin() + ni, upd.shape().end());
  Shape column = ishape;
  column.insert(column.end(), ushape.size(), 1);
  array ids = broadcast_to(reshape(element_ids(ishape, s), column, s), upd.shape(), s);
  array owner = scatter_node(ScatterReduce::None, full(a.shape(), array(-1, ids.dtype()),
                                                       std::nullopt, s),
                             idx, ids, axes, s);
  return equal(gather_node(owner, idx, axes, ushape, s), ids, s);
}

// The parts of a scatter's derivative that depend on its reduction. For each update element
// and each position of `a`: how the output moves with them.
struct ScatterPartials {
  array da;    // d out / d a, per position
  array dupd;  // d out / d upd, per update element (times nothing else)
};

ScatterPartials scatter_partials(ScatterReduce r, const array& a, const std::vector<array>& idx,
                                 const array& upd, const std::vector<int>& axes, Stream s) {
  size_t ni = idx.empty() ? 0 : size_t(idx[0].ndim());
  Shape ushape(upd.shape().begin() + ni, upd.shape().end());
  array zero(0, a.dtype()), one(1, a.dtype());
  auto gather_back = [&](const array& x) { return gather_node(x, idx, axes, ushape, s); };
  switch (r) {
    case ScatterReduce::None:
      return {scatter_node(r, full(a.shape(), one, std::nullopt, s), idx,
                           zeros_like(upd, std::nullopt, s), axes, s),
              astype(surviving_writes(a, idx, upd, axes, s), a.dtype(), s)};
    case ScatterReduce::Add:
      return {ones_like(a, std::nullopt, s), ones_like(upd, std::nullopt, s)};
    case ScatterReduce::Prod: {
      // Exact with zeros: the product of the other factors of each position.
      array is_zero = equal(upd, zero, s);
      array zeros_at = scatter_node(ScatterReduce::Add, zeros_like(a, std::nullopt, s), idx,
                                    astype(is_zero, a.dtype(), s), axes, s);
      array nonzero_product = scatter_node(ScatterReduce::Prod, ones_like(a, std::nullopt, s),
                                           idx, where(is_zero, one, upd, s), axes, s);
      array count = gather_back(zeros_at), prodg = gather_back(nonzero_product);
      array if_nonzero = where(equal(count, zero, s), divide(prodg, where(is_zero, one, upd, s), s),
                               zero, s);
      array if_zero = where(equal(count, one, s), prodg, zero, s);
      array others = where(is_zero, if_zero, if_nonzero, s);
      array da = where(equal(zeros_at, zero, s), nonzero_product, zero, s);
      return {da, multiply(others, gather_back(a), s)};
    }
    case ScatterReduce::Max:
    case ScatterReduce::Min: {
      // The derivative goes to whatever attains the extreme, shared evenly among ties.
      array out = scatter_node(r, a, idx, upd, axes, s);
      array a_hit = astype(equal(a, out, s), a.dtype(), s);
      array u_hit = astype(equal(upd, gather_back(out), s), a.dtype(), s);
      array count = add(a_hit, scatter_node(ScatterReduce::Add, zeros_like(a, std::nullopt, s),
                                            idx, u_hit, axes, s), s);
      return {divide(a_hit, count, s), divide(u_hit, gather_back(count), s)};
    }
  }
  throw std::logic_error("[Scatter] unknown reduction");
}

}  // namespace

std::vector<array> Gather::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>&) {
  const array &a = primals[0], &c = cotangents[0];
  std::vector<array> idx = tail(primals, 1, primals.size());
  return {scatter_node(ScatterReduce::Add, zeros_like(a, std::nullopt, stream()), idx, c, axes_,
                       stream())};
}
std::vector<array> Gather::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents, const std::vector<int>&) {
  return {gather_node(tangents[0], tail(primals, 1, primals.size()), axes_, slice_sizes_,
                      stream())};
}
std::pair<std::vector<array>, std::vector<int>> Gather::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  Stream s = stream();
  std::vector<array> idx = tail(inputs, 1, inputs.size());
  std::vector<int> idx_axes(axes.begin() + 1, axes.end());
  bool idx_mapped = false;
  for (int a : idx_axes) idx_mapped = idx_mapped || a >= 0;
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  if (!idx_mapped) {  // the batch rides along as a whole slice axis
    array x = rules::batch_to_front(inputs[0], axes[0], s);
    Shape sizes{x.shape()[0]};
    sizes.insert(sizes.end(), slice_sizes_.begin(), slice_sizes_.end());
    int out_axis = idx.empty() ? 0 : idx[0].ndim();
    return {{gather_node(x, idx, shifted, sizes, s)}, {out_axis}};
  }
  std::vector<array> bidx = rules::all_batched(idx, idx_axes, s);
  if (axes[0] < 0) return {{gather_node(inputs[0], bidx, axes_, slice_sizes_, s)}, {0}};
  // Both mapped: index the batch axis too, one slice per batch element.
  array x = rules::batch_to_front(inputs[0], axes[0], s);
  int64_t n = x.shape()[0];
  std::vector<array> all{batch_index(n, bidx[0].shape(), s)};
  all.insert(all.end(), bidx.begin(), bidx.end());
  shifted.insert(shifted.begin(), 0);
  Shape sizes{1};
  sizes.insert(sizes.end(), slice_sizes_.begin(), slice_sizes_.end());
  array g = gather_node(x, all, shifted, sizes, s);
  Shape shape = g.shape();
  shape.erase(shape.begin() + bidx[0].ndim());
  return {{reshape(g, shape, s)}, {0}};
}

std::vector<array> Scatter::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &upd = primals.back(), &c = cotangents[0];
  std::vector<array> idx = tail(primals, 1, primals.size() - 1);
  size_t ni = idx.empty() ? 0 : size_t(idx[0].ndim());
  Shape ushape(upd.shape().begin() + ni, upd.shape().end());
  ScatterPartials d = scatter_partials(reduce_, a, idx, upd, axes_, s);
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(multiply(c, d.da, s));
    } else if (i == int(primals.size()) - 1) {
      out.push_back(multiply(gather_node(c, idx, axes_, ushape, s), d.dupd, s));
    } else {
      out.push_back(zeros_like(primals[i], std::nullopt, s));
    }
  }
  return out;
}
std::vector<array> Scatter::jvp(const std::vector<array>& primals,
                                const std::vector<array>& tangents,
                                const std::vector<int>& argnums) {
  Stream s = stream();
  const array &a = primals[0], &upd = primals.back();
  std::vector<array> idx = tail(primals, 1, primals.size() - 1);
  int last = int(primals.size()) - 1;
  array ta = rules::tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = rules::tangent_or_zeros(primals, tangents, argnums, last, s);
  if (reduce_ == ScatterReduce::None || reduce_ == ScatterReduce::Add) {
    return {scatter_node(reduce_, ta, idx, tu, axes_, s)};
  }
  ScatterPartials d = scatter_partials(reduce_, a, idx, upd, axes_, s);
  array from_upd = scatter_node(ScatterReduce::Add, zeros_like(a, std::nullopt, s), idx,
                                multiply(tu, d.dupd, s), axes_, s);
  return {add(multiply(ta, d.da, s), from_upd, s)};
}
std::pair<std::vector<array>, std::vector<int>> Scatter::vmap(const std::vector<array>& inputs,
                                                              const std::vector<int>& axes) {
  // Everything mapped on axis 0, and the batch indexed like another axis.
  Stream s = stream();
  std::vector<array> in = rules::all_batched(inputs, axes, s);
  int64_t n = in[0].shape()[0];
  std::vector<array> idx{batch_index(n, in.size() > 2 ? in[1].shape() : Shape{n}, s)};
  idx.insert(idx.end(), in.begin() + 1, in.end() - 1);
  std::vector<int> shifted{0};
  for (int a : axes_) shifted.push_back(a + 1);
  array upd = in.back();
  Shape ushape = upd.shape();
  ushape.insert(ushape.begin() + idx[0].ndim(), 1);
  return {{scatter_node(reduce_, in[0], idx, reshape(upd, ushape, s), shifted, s)}, {0}};
}

std::vector<array> GatherAxis::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents, const std::vector<int>&,
                                   const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &c = cotangents[0];
  array flat = zeros({a.size()}, c.dtype(), s);
  if (c.size() > 0) {
    // Scatter-add through flat positions: the index on the axis, the element's own
    // coordinate on the others.
    array idx = astype(primals[1], int64, s);
    int64_t n = a.shape()[axis_];
    idx = where(less(idx, array(int64_t(0)), s), add(idx, array(n), s), idx, s);
    Strides st = row_strides(a.shape());
    array linear = multiply(idx, array(st[axis_]), s);
    for (int d = 0; d < a.ndim(); ++d) {
      if (d == axis_) continue;
      Shape along(size_t(a.ndim()), 1);
      along[d] = c.shape()[d];
      array coord = arange(0, double(c.shape()[d]), 1, int64, true, s);
      linear = add(linear, reshape(multiply(coord, array(st[d]), s), along, s), s);
    }
    flat = scatter_node(ScatterReduce::Add, flat, {reshape(linear, {-1}, s)},
                        reshape(c, {c.size(), 1}, s), {0}, s);
  }
  return {reshape(flat, a.shape(), s)};
}
std::vector<array> GatherAxis::jvp(const std::vector<array>& primals,
                                   const std::vector<array>& tangents, const std::vector<int>&) {
  const array& idx = primals[1];
  return {array(idx.shape(), tangents[0].dtype(), std::make_shared<GatherAxis>(stream(), axis_),
                {tangents[0], idx})};
}
std::pair<std::vector<array>, std::vector<int>> GatherAxis::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> in = rules::all_batched(inputs, axes, stream());
  auto p = std::make_shared<GatherAxis>(stream(), axis_ + 1);
  return {{array(in[1].shape(), in[0].dtype(), p, in)}, {0}};
}

std::vector<array> ScatterAxis::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array &a = primals[0], &idx = primals[1], &upd = primals[2], &c = cotangents[0];
  auto put = [&](const array& x, const array& v) {
    return array(x.shape(), x.dtype(), std::make_shared<ScatterAxis>(s, axis_), {x, idx, v});
  };
  auto take = [&](const array& x) {
    return array(idx.shape(), x.dtype(), std::make_shared<GatherAxis>(s, axis_), {x, idx});
  };
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(put(c, zeros_like(upd, std::nullopt, s)));
    } else if (i == 2) {
      // Only the last write to a position survives; the others have no effect.
      array ids = element_ids(upd.shape(), s);
      array owner = put(full(a.shape(), array(-1, ids.dtype()), std::nullopt, s), ids);
      out.push_back(where(equal(take(owner), ids, s), take(c), array(0, c.dtype()), s));
    } else {
      out.push_back(zeros_like(idx, std::nullopt, s));
    }
  }
  return out;
}
std::vector<array> ScatterAxis::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  Stream s = stream();
  array ta = rules::tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = rules::tangent_or_zeros(primals, tangents, argnums, 2, s);
  return {array(ta.shape(), ta.dtype(), std::make_shared<ScatterAxis>(s, axis_),
                {ta, primals[1], tu})};
}
std::pair<std::vector<array>, std::vector<int>> ScatterAxis::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  std::vector<array> in = rules::all_batched(inputs, axes, stream());
  auto p = std::make_shared<ScatterAxis>(stream(), axis_ + 1);
  return {{array(in[0].shape(), in[0].dtype(), p, in)}, {0}};
}

std::vector<array> DynamicSlice::vjp(const std::vector<array>& primals,
                                     const std::vector<array>& cotangents,
                                     const std::vector<int>&, const std::vector<array>&) {
  Stream s = stream();
  const array& c = cotangents[0];
  array z = zeros_like(primals[0], std::nullopt, s);
  return {array(z.shape(), c.dtype(), std::make_shared<DynamicSliceUpdate>(s, axes_),
                {z, c, primals[1]})};
}
std::vector<array> DynamicSlice::jvp(const std::vector<array>& primals,
                                     const std::vector<array>& tangents, const std::vector<int>&) {
  return {array(slice_size_, tangents[0].dtype(),
                std::make_shared<DynamicSlice>(stream(), axes_, slice_size_),
                {tangents[0], primals[1]})};
}
std::pair<std::vector<array>, std::vector<int>> DynamicSlice::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  if (axes[1] < 0) {
    array x = rules::batch_to_front(inputs[0], axes[0], s);
    Shape size{x.shape()[0]};
    size.insert(size.end(), slice_size_.begin(), slice_size_.end());
    auto p = std::make_shared<DynamicSlice>(s, shifted, size);
    return {{array(size, x.dtype(), p, {x, inputs[1]})}, {0}};
  }
  // A start per batch element: a gather with one index array per sliced axis.
  array start = rules::batch_to_front(inputs[1], axes[1], s);
  std::vector<array> idx;
  for (size_t j = 0; j < axes_.size(); ++j) idx.push_back(take(start, int64_t(j), 1, s));
  if (axes[0] < 0) return {{gather_node(inputs[0], idx, axes_, slice_size_, s)}, {0}};
  array x = rules::batch_to_front(inputs[0], axes[0], s);
  int64_t n = x.shape()[0];
  idx.insert(idx.begin(), batch_index(n, {n}, s));
  shifted.insert(shifted.begin(), 0);
  Shape sizes{1};
  sizes.insert(sizes.end(), slice_size_.begin(), slice_size_.end());
  Shape shape{n};
  shape.insert(shape.end(), slice_size_.begin(), slice_size_.end());
  return {{reshape(gather_node(x, idx, shifted, sizes, s), shape, s)}, {0}};
}

std::vector<array> DynamicSliceUpdate::vjp(const std::vector<array>& primals,
                                           const std::vector<array>& cotangents,
                                           const std::vector<int>& argnums,
                                           const std::vector<array>&) {
  Stream s = stream();
  const array &upd = primals[1], &start = primals[2], &c = cotangents[0];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(array(c.shape(), c.dtype(), std::make_shared<DynamicSliceUpdate>(s, axes_),
                          {c, zeros_like(upd, std::nullopt, s), start}));
    } else if (i == 1) {
      out.push_back(array(upd.shape(), c.dtype(),
                          std::make_shared<DynamicSlice>(s, axes_, upd.shape()), {c, start}));
    } else {
      out.push_back(zeros_like(start, std::nullopt, s));
    }
  }
  return out;
}
std::vector<array> DynamicSliceUpdate::jvp(const std::vector<array>& primals,
                                           const std::vector<array>& tangents,
                                           const std::vector<int>& argnums) {
  Stream s = stream();
  array ts = rules::tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tu = rules::tangent_or_zeros(primals, tangents, argnums, 1, s);
  return {array(ts.shape(), ts.dtype(), std::make_shared<DynamicSliceUpdate>(s, axes_),
                {ts, tu, primals[2]})};
}
std::pair<std::vector<array>, std::vector<int>> DynamicSliceUpdate::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  std::vector<array> in = rules::all_batched({inputs[0], inputs[1]}, {axes[0], axes[1]}, s,
                                             rules::batch_size(inputs, axes));
  std::vector<int> shifted;
  for (int a : axes_) shifted.push_back(a + 1);
  if (axes[2] < 0) {
    auto p = std::make_shared<DynamicSliceUpdate>(s, shifted);
    return {{array(in[0].shape(), in[0].dtype(), p, {in[0], in[1], inputs[2]})}, {0}};
  }
  // A start per batch element: a scatter of one update slice per batch element.
  array start = rules::batch_to_front(inputs[2], axes[2], s);
  int64_t n = in[0].shape()[0];
  std::vector<array> idx{batch_index(n, {n}, s)};
  for (size_t j = 0; j < axes_.size(); ++j) idx.push_back(take(start, int64_t(j), 1, s));
  shifted.insert(shifted.begin(), 0);
  Shape ushape = in[1].shape();
  ushape.insert(ushape.begin() + 1, 1);
  return {{scatter_node(ScatterReduce::None, in[0], idx, reshape(in[1], ushape, s), shifted, s)},
          {0}};
}

std::vector<array> MaskedScatter::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums,
                                      const std::vector<array>&) {
  Stream s = stream();
  const array &mask = primals[1], &values = primals[2], &c = cotangents[0];
  array zero(0, c.dtype());
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(where(mask, zero, c, s));
    } else if (i == 2 && values.size() > 0) {
      // The k-th selected position (row-major) holds values[k].
      array flat_mask = reshape(mask, {-1}, s);
      array k = subtract(cumsum(astype(flat_mask, int32, s), 0, false, true, std::nullopt, s),
                         array(1), s);
      array picked = reshape(where(mask, c, zero, s), {c.size(), 1}, s);
      out.push_back(scatter_node(ScatterReduce::Add, zeros_like(values, std::nullopt, s),
                                 {maximum(k, array(0), s)}, picked, {0}, s));
    } else {
      out.push_back(zeros_like(primals[i], std::nullopt, s));
    }
  }
  return out;
}
std::vector<array> MaskedScatter::jvp(const std::vector<array>& primals,
                                      const std::vector<array>& tangents,
                                      const std::vector<int>& argnums) {
  Stream s = stream();
  array ta = rules::tangent_or_zeros(primals, tangents, argnums, 0, s);
  array tv = rules::tangent_or_zeros(primals, tangents, argnums, 2, s);
  return {array(ta.shape(), ta.dtype(), std::make_shared<MaskedScatter>(s),
                {ta, primals[1], tv})};
}
std::pair<std::vector<array>, std::vector<int>> MaskedScatter::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  std::vector<array> in = rules::all_batched(inputs, axes, s);
  const array &a = in[0], &values = in[2];
  int64_t n = a.shape()[0];
  array mask = reshape(broadcast_to(in[1], a.shape(), s), {n, -1}, s);
  if (values.shape()[1] == 0) {
    // No values: valid only where nothing is selected, which one flat masked scatter checks.
    array flat(Shape{a.size()}, a.dtype(), std::make_shared<MaskedScatter>(s),
               {reshape(a, {-1}, s), reshape(mask, {-1}, s), reshape(values, {-1}, s)});
    return {{reshape(flat, a.shape(), s)}, {0}};
  }
  // In each batch element the k-th selected position (row-major) takes values[k]: a gather
  // at the running count of selections. Too few values read out of range (an error, as in
  // the unbatched op); extra values are never read.
  array k = subtract(cumsum(astype(mask, int32, s), 1, false, true, std::nullopt, s), array(1), s);
  array picked = take_along_axis(values, where(mask, k, array(0), s), 1, s);
  array out = where(mask, picked, reshape(a, {n, -1}, s), s);
  return {{reshape(out, a.shape(), s)}, {0}};
}

}  // namespace kiln
