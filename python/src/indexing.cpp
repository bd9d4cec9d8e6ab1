// Bindings of the indexing family (take, take_along_axis, put_along_axis, slice,
// slice_update) and NumPy-style indexing of arrays: __getitem__, __setitem__, .at[] and
// iteration. Basic indices (ints, slices, None, ...) become views; integer arrays become
// gathers and scatters, with NumPy's placement rules for the indexed dimensions.
#include "convert.h"
#include "kiln/ops/utils.h"

using namespace kiln;
using namespace kiln::python;

namespace {

enum class Kind { Int, Slice, NewAxis, Ellipsis, Array, Mask };

struct Index {
  Kind kind;
  int64_t value = 0;         // Int
  SliceBound slice;          // Slice
  std::optional<array> arr;  // Array (integer) or Mask (bool)
  int pos = 0;               // position in the index tuple as written
  bool known = false;        // an Array converted from a list or NumPy: checked at once
};

[[noreturn]] void bad_index(py::handle obj) {
  throw py::type_error("only integers, slices (`:`), ellipsis (`...`), None (`mx.newaxis`) and "
                       "integer or boolean arrays are valid indices, got " +
                       std::string(py::str(py::type::of(obj).attr("__name__"))));
}

std::optional<int64_t> slice_part(py::handle v) {
  if (v.is_none()) return std::nullopt;
  PyObject* i = PyNumber_Index(v.ptr());
  if (!i) {
    PyErr_Clear();
    throw py::type_error("slice indices must be integers or None");
  }
  auto obj = py::reinterpret_steal<py::int_>(i);
  try {
    return py::cast<int64_t>(obj);
  } catch (py::cast_error&) {
    // Beyond int64: clamp, as Python does for slices.
    return py::cast<bool>(obj.attr("__gt__")(0)) ? INT64_MAX : INT64_MIN;
  }
}

Index from_array(const array& a) {
  if (a.dtype() == bool_) return {Kind::Mask, 0, {}, a};
  if (is_integral(a.dtype())) return {Kind::Array, 0, {}, a};
  throw py::type_error(std::string("arrays used as indices must be of integer or boolean type, "
                                   "got ") + dtype_name(a.dtype()));
}

Index parse_one(py::handle obj) {
  if (obj.is_none()) return {Kind::NewAxis};
  if (obj.ptr() == Py_Ellipsis) return {Kind::Ellipsis};
  if (py::isinstance<py::slice>(obj)) {
    Index e{Kind::Slice};
    e.slice.start = slice_part(obj.attr("start"));
    e.slice.stop = slice_part(obj.attr("stop"));
    e.slice.step = slice_part(obj.attr("step")).value_or(1);
    if (e.slice.step == 0) throw py::value_error("slice step cannot be zero");
    return e;
  }
  if (py::isinstance<array>(obj)) return from_array(py::cast<array>(obj));
  char kind = scalar_kind(obj);
  if (kind == 'b') return {Kind::Mask, 0, {}, array(PyObject_IsTrue(obj.ptr()) == 1)};
  if (kind == 'i') {
    try {
      auto i = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
      return {Kind::Int, py::cast<int64_t>(i)};
    } catch (py::cast_error&) {
      throw py::index_error("index " + std::string(py::str(obj)) + " is out of bounds");
    }
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj) ||
      py::isinstance<py::array>(obj)) {
    if (!py::isinstance<py::array>(obj) && py::len(obj) == 0) {
      return {Kind::Array, 0, {}, array(nullptr, Shape{0}, int32)};
    }
    Index e = from_array(to_array(obj));
    e.known = true;
    return e;
  }
  if (kind == 0 && py::hasattr(obj, "__index__")) {
    return {Kind::Int, py::cast<int64_t>(obj.attr("__index__")())};
  }
  bad_index(obj);
}

// The index entries with the ellipsis (explicit, or implied at the end) expanded into
// full slices; each entry remembers where it was written.
std::vector<Index> parse_index(py::handle idx, int ndim) {
  std::vector<Index> raw;
  if (py::isinstance<py::tuple>(idx)) {
    for (auto item : idx) raw.push_back(parse_one(item));
  } else {
    raw.push_back(parse_one(idx));
  }
  int consumed = 0, ellipsis = -1;
  for (int i = 0; i < int(raw.size()); ++i) {
    raw[i].pos = i;
    switch (raw[i].kind) {
      case Kind::Int: case Kind::Slice: case Kind::Array: consumed += 1; break;
      case Kind::Mask: consumed += raw[i].arr->ndim(); break;
      case Kind::Ellipsis:
        if (ellipsis >= 0) throw py::index_error("an index can only have a single ellipsis ('...')");
        ellipsis = i;
        break;
      case Kind::NewAxis: break;
    }
  }
  if (consumed > ndim) {
    throw py::index_error("too many indices for array: array is " + std::to_string(ndim) +
                          "-dimensional, but " + std::to_string(consumed) + " were indexed");
  }
  std::vector<Index> out;
  int fill_pos = ellipsis >= 0 ? ellipsis : int(raw.size());
  auto fill = [&] {
    for (int k = consumed; k < ndim; ++k) {
      Index e{Kind::Slice};
      e.pos = fill_pos;
      out.push_back(e);
    }
  };
  for (auto& e : raw) {
    if (e.kind == Kind::Ellipsis) {
      fill();
    } else {
      out.push_back(std::move(e));
    }
  }
  if (ellipsis < 0) fill();
  return out;
}

bool has_kind(const std::vector<Index>& entries, Kind k) {
  for (auto& e : entries) {
    if (e.kind == k) return true;
  }
  return false;
}

int64_t wrap_int(int64_t i, int64_t size, int axis) {
  int64_t w = i < 0 ? i + size : i;
  if (w < 0 || w >= size) {
    throw py::index_error("index " + std::to_string(i) + " is out of bounds for axis " +
                          std::to_string(axis) + " with size " + std::to_string(size));
  }
  return w;
}

// Index arrays converted from lists and NumPy are checked now, so the error points at the
// indexing expression; kiln arrays are checked when the gather or scatter runs.
void check_known_index(const array& idx, int64_t size, int axis) {
  dispatch_dtype(idx.dtype(), [&]<typename T>(type_tag<T>) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      const T* p = idx.data<T>();
      for (int64_t k = 0; k < idx.size(); ++k) {
        bool bad;
        if constexpr (std::is_unsigned_v<T>) {
          bad = uint64_t(p[k]) >= uint64_t(size);
        } else {
          bad = int64_t(p[k]) < -size || int64_t(p[k]) >= size;
        }
        if (bad) {
          throw py::index_error("index " + std::to_string(p[k]) + " is out of bounds for axis " +
                                std::to_string(axis) + " with size " + std::to_string(size));
        }
      }
    }
  });
}

// ---------------------------------------------------------------- basic indexing

// Ints, slices and new axes only: a strided view reshaped (also a view).
struct BasicPlan {
  std::vector<SliceBound> bounds;
  Shape result;  // the shape of a[idx]
};

BasicPlan basic_plan(const array& a, const std::vector<Index>& entries) {
  BasicPlan p;
  int d = 0;
  std::vector<int> kept;  // source dims kept by slices, in order, with -1 for new axes
  for (auto& e : entries) {
    if (e.kind == Kind::Int) {
      int64_t i = wrap_int(e.value, a.shape()[d], d);
      p.bounds.push_back({i, i + 1, 1});
      ++d;
    } else if (e.kind == Kind::Slice) {
      p.bounds.push_back(e.slice);
      kept.push_back(d++);
    } else if (e.kind == Kind::NewAxis) {
      kept.push_back(-1);
    }
  }
  for (int k : kept) {
    if (k < 0) {
      p.result.push_back(1);
    } else {
      p.result.push_back(resolve_slice(p.bounds[k], a.shape()[k]).count);
    }
  }
  return p;
}

array basic_get(const array& a, const BasicPlan& p) { return reshape(slice(a, p.bounds), p.result); }

// The value broadcast to the shape `target` (leading size-1 dimensions beyond the target's
// rank are dropped, as NumPy does).
array fit_value(array v, const Shape& target) {
  while (v.ndim() > int(target.size()) && v.shape()[0] == 1) {
    v = reshape(v, Shape(v.shape().begin() + 1, v.shape().end()));
  }
  bool ok = v.ndim() <= int(target.size());
  if (ok) {
    try {
      ok = broadcast_shapes(v.shape(), target) == target;
    } catch (std::invalid_argument&) {
      ok = false;
    }
  }
  if (!ok) {
    throw py::value_error("cannot assign a value of shape " + shape_to_string(v.shape()) +
                          " to an index of shape " + shape_to_string(target));
  }
  return broadcast_to(v, target);
}

array basic_set(const array& a, const BasicPlan& p, const array& value) {
  // The slice's own shape keeps a size-1 dimension for each int and has no new axes.
  Shape slice_shape;
  for (int d = 0; d < int(p.bounds.size()); ++d) {
    slice_shape.push_back(resolve_slice(p.bounds[d], a.shape()[d]).count);
  }
  for (int d = int(p.bounds.size()); d < a.ndim(); ++d) slice_shape.push_back(a.shape()[d]);
  array upd = reshape(fit_value(value, p.result), slice_shape);
  return slice_update(a, upd, p.bounds);
}

// ---------------------------------------------------------------- advanced indexing

// Labels of result dimensions: source dims are 0..ndim-1, the broadcast index dims are
// ndim + j, and new axes are -1.
struct AdvancedPlan {
  std::vector<SliceBound> bounds;  // slices applied before the gather (full on indexed dims)
  std::vector<int> axes;           // the indexed source dims
  std::vector<array> indices;      // one per axis, broadcast to `index_shape`
  Shape index_shape;
  std::vector<int> result_labels;  // NumPy's order of a[idx]'s dimensions
};

AdvancedPlan advanced_plan(const array& a, const std::vector<Index>& entries) {
  AdvancedPlan p;
  int d = 0, first = -1, last = -1, n_adv = 0;
  std::vector<Shape> shapes;
  for (auto& e : entries) {
    if (e.kind == Kind::Int || e.kind == Kind::Array) {
      if (e.kind == Kind::Int) {
        int64_t i = wrap_int(e.value, a.shape()[d], d);
        p.indices.push_back(array(i, i > INT32_MAX ? int64 : int32));
      } else {
        if (e.known) check_known_index(*e.arr, a.shape()[d], d);
        p.indices.push_back(*e.arr);
      }
      shapes.push_back(p.indices.back().shape());
      p.axes.push_back(d++);
      p.bounds.push_back({});
      if (first < 0) first = e.pos;
      last = e.pos;
      ++n_adv;
    } else if (e.kind == Kind::Slice) {
      p.bounds.push_back(e.slice);
      ++d;
    }
  }
  try {
    p.index_shape = broadcast_shapes(shapes);
  } catch (std::invalid_argument&) {
    std::string s;
    for (auto& sh : shapes) s += " " + shape_to_string(sh);
    throw py::index_error("shape mismatch: indexing arrays could not be broadcast together "
                          "with shapes" + s);
  }
  for (auto& idx : p.indices) idx = broadcast_to(idx, p.index_shape);
  // Indexed dims written next to each other keep their place; otherwise they go first.
  bool adjacent = last - first + 1 == n_adv;
  int nd = a.ndim(), nb = int(p.index_shape.size());
  auto push_block = [&] {
    for (int j = 0; j < nb; ++j) p.result_labels.push_back(nd + j);
  };
  if (!adjacent) push_block();
  d = 0;
  bool placed = !adjacent;
  for (auto& e : entries) {
    if (e.kind == Kind::NewAxis) {
      p.result_labels.push_back(-1);
    } else if (e.kind == Kind::Slice) {
      p.result_labels.push_back(d++);
    } else {
      if (!placed) push_block();
      placed = true;
      ++d;
    }
  }
  return p;
}

// Puts the dims of `x` (labelled `have`) in the order `want` (new axes: inserted size 1).
array arrange(const array& x, const std::vector<int>& have, const std::vector<int>& want) {
  std::vector<int> perm;
  Shape shape;
  for (int w : want) {
    if (w < 0) {
      shape.push_back(1);
      continue;
    }
    int k = int(std::find(have.begin(), have.end(), w) - have.begin());
    perm.push_back(k);
    shape.push_back(x.shape()[k]);
  }
  return reshape(transpose(x, perm), shape);
}

array advanced_get(const array& a, const std::vector<Index>& entries) {
  AdvancedPlan p = advanced_plan(a, entries);
  array v = slice(a, p.bounds);
  int nd = a.ndim(), nb = int(p.index_shape.size());
  std::vector<int> labels;
  array g = v;
  if (p.axes.size() == 1) {
    // take keeps the index dims in the indexed dim's place, rows copied whole.
    int ax = p.axes[0];
    g = take(v, p.indices[0], ax);
    for (int d = 0; d < ax; ++d) labels.push_back(d);
    for (int j = 0; j < nb; ++j) labels.push_back(nd + j);
    for (int d = ax + 1; d < nd; ++d) labels.push_back(d);
  } else {
    Shape sizes = v.shape(), shape = p.index_shape;
    for (int ax : p.axes) sizes[ax] = 1;
    for (int j = 0; j < nb; ++j) labels.push_back(nd + j);
    for (int d = 0; d < nd; ++d) {
      if (std::find(p.axes.begin(), p.axes.end(), d) != p.axes.end()) continue;
      labels.push_back(d);
      shape.push_back(v.shape()[d]);
    }
    g = reshape(gather(v, p.indices, p.axes, sizes), shape);
  }
  return arrange(g, labels, p.result_labels);
}

// Scatters `value` (a's dtype) into a[idx]. Slices other than a full `:` become index
// ranges, so every update lands through the scatter's indices.
array advanced_scatter(const array& a, const std::vector<Index>& entries, const array& value,
                       ScatterReduce reduce) {
  AdvancedPlan p = advanced_plan(a, entries);
  int nd = a.ndim(), nb = int(p.index_shape.size());
  Shape result;  // NumPy's shape of a[idx]
  std::vector<int> partial, full;
  std::vector<int64_t> counts(nd, 0);
  std::vector<array> ranges(nd, array(0));
  for (int d = 0; d < nd; ++d) {
    if (std::find(p.axes.begin(), p.axes.end(), d) != p.axes.end()) continue;
    auto [start, step, count] = resolve_slice(p.bounds[d], a.shape()[d]);
    counts[d] = count;
    if (start == 0 && step == 1 && count == a.shape()[d]) {
      full.push_back(d);
    } else {
      partial.push_back(d);
      std::vector<int64_t> r(static_cast<size_t>(count));
      for (int64_t k = 0; k < count; ++k) r[k] = start + k * step;
      ranges[d] = array(r, Shape{count});
    }
  }
  for (int l : p.result_labels) {
    result.push_back(l < 0 ? 1 : l >= nd ? p.index_shape[l - nd] : counts[l]);
  }
  array upd = fit_value(value, result);
  // Update layout: index dims, then one dim per partial slice, then a's dims (1 where
  // indexed).
  std::vector<int> have, want;
  Shape have_shape;
  for (size_t k = 0; k < p.result_labels.size(); ++k) {
    if (p.result_labels[k] < 0) continue;
    have.push_back(p.result_labels[k]);
    have_shape.push_back(result[k]);
  }
  upd = reshape(upd, have_shape);
  for (int j = 0; j < nb; ++j) want.push_back(nd + j);
  want.insert(want.end(), partial.begin(), partial.end());
  want.insert(want.end(), full.begin(), full.end());
  upd = arrange(upd, have, want);
  Shape ushape(p.index_shape);
  for (int d : partial) ushape.push_back(counts[d]);
  for (int d = 0; d < nd; ++d) {
    ushape.push_back(std::find(full.begin(), full.end(), d) != full.end() ? a.shape()[d] : 1);
  }
  upd = reshape(upd, ushape);

  int np_ = int(partial.size());
  std::vector<array> indices;
  std::vector<int> axes = p.axes;
  for (auto& idx : p.indices) {
    Shape s = p.index_shape;
    s.resize(size_t(nb + np_), 1);
    indices.push_back(reshape(idx, s));
  }
  for (int k = 0; k < np_; ++k) {
    Shape s(size_t(nb + np_), 1);
    s[nb + k] = counts[partial[k]];
    indices.push_back(reshape(ranges[partial[k]], s));
    axes.push_back(partial[k]);
  }
  switch (reduce) {
    case ScatterReduce::None: return scatter(a, indices, upd, axes);
    case ScatterReduce::Add: return scatter_add(a, indices, upd, axes);
    case ScatterReduce::Prod: return scatter_prod(a, indices, upd, axes);
    case ScatterReduce::Max: return scatter_max(a, indices, upd, axes);
    case ScatterReduce::Min: return scatter_min(a, indices, upd, axes);
  }
  throw std::logic_error("advanced_scatter: bad reduction");
}

// ---------------------------------------------------------------- boolean masks

int64_t count_true(const array& mask) {
  array m = contiguous(mask);
  {
    py::gil_scoped_release release;
    m.eval();
  }
  int64_t n = 0;
  for (int64_t k = 0; k < m.size(); ++k) n += m.data<bool>()[k];
  return n;
}

// a[..., mask, ...] = value, the mask covering dims [p, p + mask.ndim) and full slices
// elsewhere.
array mask_set(const array& a, const std::vector<Index>& entries, const array& value) {
  int d = 0, p = -1;
  array mask(false);
  for (auto& e : entries) {
    bool full_slice = false;
    if (e.kind == Kind::Slice) {
      auto r = resolve_slice(e.slice, a.shape()[d]);
      full_slice = r.start == 0 && r.step == 1 && r.count == a.shape()[d];
      ++d;
    } else if (e.kind == Kind::Mask) {
      if (p >= 0) throw py::value_error("only one boolean mask is supported in an assignment");
      p = d;
      mask = *e.arr;
      d += mask.ndim();
      full_slice = true;
    }
    if (!full_slice) {
      throw py::value_error("a boolean mask can only be combined with full slices (`:` or "
                            "`...`) in an assignment");
    }
  }
  int k = mask.ndim();
  for (int i = 0; i < k; ++i) {
    if (mask.shape()[i] != a.shape()[p + i]) {
      throw py::index_error("boolean index did not match indexed array along axis " +
                            std::to_string(p + i) + "; size of axis is " +
                            std::to_string(a.shape()[p + i]) +
                            " but size of corresponding boolean axis is " +
                            std::to_string(mask.shape()[i]));
    }
  }
  Shape pre(a.shape().begin(), a.shape().begin() + p);
  Shape post(a.shape().begin() + p + k, a.shape().end());
  Shape mshape(size_t(p), 1);
  mshape.insert(mshape.end(), mask.shape().begin(), mask.shape().end());
  mshape.resize(size_t(a.ndim()), 1);
  array m = reshape(mask, mshape);
  // The value lines up with a[mask]'s shape: pre + (selected count,) + post.
  array v = value;
  int np_ = int(post.size()), want = p + 1 + np_;
  while (v.ndim() > want && v.shape()[0] == 1) {
    v = reshape(v, Shape(v.shape().begin() + 1, v.shape().end()));
  }
  int64_t n = v.ndim() > np_ ? v.shape()[v.ndim() - 1 - np_] : 1;
  Shape target = pre;
  target.push_back(n);
  target.insert(target.end(), post.begin(), post.end());
  v = fit_value(v, target);
  if (n == 1) {
    // One value per masked row: a select, with no dependence on the count.
    Shape vshape = pre;
    vshape.resize(size_t(p + k), 1);
    vshape.insert(vshape.end(), post.begin(), post.end());
    return where(m, reshape(v, vshape), a);
  }
  if (mask.is_available()) {
    int64_t c = count_true(mask);
    if (c > n) {
      throw py::value_error("boolean mask assignment: " + std::to_string(n) +
                            " values for " + std::to_string(c) + " selected positions");
    }
  }
  // With the mask's dims first, the selected positions in row-major order take whole rows
  // of v in order: the first rows when there are more values than positions (as MLX does).
  std::vector<int> perm;
  for (int i = 0; i < k; ++i) perm.push_back(p + i);
  for (int i = 0; i < p; ++i) perm.push_back(i);
  for (int i = p + k; i < a.ndim(); ++i) perm.push_back(i);
  std::vector<int> back(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) back[perm[i]] = int(i);
  array out = masked_scatter(transpose(a, perm), transpose(m, perm), moveaxis(v, p, 0));
  return transpose(out, back);
}

// ---------------------------------------------------------------- entry points

array getitem(const array& a, py::handle idx) {
  // The most common case first: one int on a contiguous array (a view of a row).
  if (py::isinstance<py::int_>(idx) && !py::isinstance<py::bool_>(idx) && a.ndim() > 0) {
    int64_t i;
    try {
      i = py::cast<int64_t>(idx);
    } catch (py::cast_error&) {
      throw py::index_error("index " + std::string(py::str(idx)) + " is out of bounds");
    }
    return take(a, wrap_int(i, a.shape()[0], 0), 0);
  }
  auto entries = parse_index(idx, a.ndim());
  if (has_kind(entries, Kind::Mask)) {
    throw py::value_error("boolean masks cannot be used to read: the result's shape would depend "
                          "on the data; use mx.where, or convert the mask with NumPy's nonzero");
  }
  if (!has_kind(entries, Kind::Array)) return basic_get(a, basic_plan(a, entries));
  return advanced_get(a, entries);
}

array value_for(const array& a, py::handle value) {
  return astype(to_array_like(value, a), a.dtype());
}

array setitem(const array& a, py::handle idx, py::handle value) {
  auto entries = parse_index(idx, a.ndim());
  array v = value_for(a, value);
  if (has_kind(entries, Kind::Mask)) return mask_set(a, entries, v);
  if (!has_kind(entries, Kind::Array)) return basic_set(a, basic_plan(a, entries), v);
  return advanced_scatter(a, entries, v, ScatterReduce::None);
}

enum class AtOp { Add, Subtract, Multiply, Divide, Maximum, Minimum };

array at_update(const array& a, py::handle idx, py::handle value, AtOp op) {
  auto entries = parse_index(idx, a.ndim());
  if (has_kind(entries, Kind::Mask)) {
    throw py::value_error("boolean masks are not supported by .at[]; use mx.where");
  }
  bool advanced = has_kind(entries, Kind::Array);
  array v = to_array_like(value, a);
  if (op == AtOp::Divide) {
    // Divide by the product of the divisors landing on each position, in floating point.
    Dtype t = to_inexact(promote_types(a.dtype(), v.dtype()));
    if (!advanced) {
      BasicPlan p = basic_plan(a, entries);
      return basic_set(a, p, astype(divide(basic_get(a, p), astype(v, t)), a.dtype()));
    }
    array d = advanced_scatter(ones(a.shape(), t), entries, astype(v, t), ScatterReduce::Prod);
    return astype(divide(a, d), a.dtype());
  }
  v = astype(v, a.dtype());
  if (!advanced) {
    // Basic indices never repeat a position: an elementwise op on the slice.
    BasicPlan p = basic_plan(a, entries);
    array cur = basic_get(a, p);
    array r = op == AtOp::Add ? add(cur, v)
              : op == AtOp::Subtract ? subtract(cur, v)
              : op == AtOp::Multiply ? multiply(cur, v)
              : op == AtOp::Maximum ? maximum(cur, v)
                                    : minimum(cur, v);
    return basic_set(a, p, astype(r, a.dtype()));
  }
  switch (op) {
    case AtOp::Add: return advanced_scatter(a, entries, v, ScatterReduce::Add);
    case AtOp::Subtract:
      if (a.dtype() == bool_) {
        throw py::value_error("[subtract] not supported for bool inputs; use logical_xor");
      }
      return advanced_scatter(a, entries, negative(v), ScatterReduce::Add);
    case AtOp::Multiply: return advanced_scatter(a, entries, v, ScatterReduce::Prod);
    case AtOp::Maximum: return advanced_scatter(a, entries, v, ScatterReduce::Max);
    default: return advanced_scatter(a, entries, v, ScatterReduce::Min);
  }
}

// `a.at[idx]`: the target of a functional update.
struct ArrayAt {
  array a;
  std::optional<py::object> indices;  // unset until indexed (None is an index: a new axis)
  array apply(py::handle value, AtOp op) const {
    if (!indices) {
      throw py::value_error("give the indices first: a.at[idx].add(value)");
    }
    return at_update(a, *indices, value, op);
  }
};

struct ArrayIterator {
  array a;
  int64_t next = 0;
};

}  // namespace

void init_indexing(py::module_& m) {
  m.def("take", [](const array& a, py::object indices, py::object axis, StreamOrDevice s) {
    std::optional<int> ax;
    if (!axis.is_none()) ax = py::cast<int>(axis);
    if (py::isinstance<py::int_>(indices) && !py::isinstance<py::bool_>(indices)) {
      int64_t i = py::cast<int64_t>(indices);
      return ax ? take(a, i, *ax, s) : take(a, i, s);
    }
    array idx = to_array(indices);
    return ax ? take(a, idx, *ax, s) : take(a, idx, s);
  }, py::arg("a"), py::pos_only(), py::arg("indices"), py::arg("axis") = py::none(),
     py::kw_only(), py::arg("stream") = py::none(),
     "Elements of `a` at `indices` along `axis` (of the flattened array when axis is None).");
  m.def("take_along_axis", [](const array& a, const array& indices, py::object axis,
                              StreamOrDevice s) {
    if (axis.is_none()) return take_along_axis(reshape(a, {-1}, s), reshape(indices, {-1}, s), 0, s);
    return take_along_axis(a, indices, py::cast<int>(axis), s);
  }, py::arg("a"), py::pos_only(), py::arg("indices"), py::arg("axis") = py::none(),
     py::kw_only(), py::arg("stream") = py::none(),
     "Values of `a` at `indices` along `axis`; indices and `a` broadcast on the other axes.");
  m.def("put_along_axis", [](const array& a, const array& indices, py::object values,
                             py::object axis, StreamOrDevice s) {
    array v = to_array_like(values, a);
    if (axis.is_none()) {
      array flat = put_along_axis(reshape(a, {-1}, s), reshape(indices, {-1}, s), v, 0, s);
      return reshape(flat, a.shape(), s);
    }
    return put_along_axis(a, indices, v, py::cast<int>(axis), s);
  }, py::arg("a"), py::pos_only(), py::arg("indices"), py::arg("values"),
     py::arg("axis") = py::none(), py::kw_only(), py::arg("stream") = py::none(),
     "A copy of `a` with `values` written at `indices` along `axis`.");
  m.def("slice", [](const array& a, const array& start_indices, std::vector<int> axes,
                    Shape slice_size, StreamOrDevice s) {
    return slice_dynamic(a, start_indices, axes, slice_size, s);
  }, py::arg("a"), py::arg("start_indices"), py::arg("axes"), py::arg("slice_size"),
     py::kw_only(), py::arg("stream") = py::none(),
     "The slice of shape `slice_size` starting at `start_indices` (an array) on `axes`.");
  m.def("slice_update", [](const array& a, py::object update, const array& start_indices,
                           std::vector<int> axes, StreamOrDevice s) {
    return slice_update_dynamic(a, to_array_like(update, a), start_indices, axes, s);
  }, py::arg("a"), py::arg("update"), py::arg("start_indices"), py::arg("axes"), py::kw_only(),
     py::arg("stream") = py::none(),
     "A copy of `a` with `update` written at `start_indices` (an array) on `axes`.");

  py::class_<ArrayAt>(m, "ArrayAt", "The target of a functional update: a.at[idx].add(y).")
      .def("__getitem__", [](const ArrayAt& at, py::object idx) { return ArrayAt{at.a, idx}; })
      .def("add", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Add); },
           py::arg("value"))
      .def("subtract", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Subtract); },
           py::arg("value"))
      .def("multiply", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Multiply); },
           py::arg("value"))
      .def("divide", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Divide); },
           py::arg("value"))
      .def("maximum", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Maximum); },
           py::arg("value"))
      .def("minimum", [](const ArrayAt& at, py::object v) { return at.apply(v, AtOp::Minimum); },
           py::arg("value"));

  py::class_<ArrayIterator>(m, "ArrayIterator", "Iterates over the first axis of an array.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](ArrayIterator& it) {
        if (it.next >= it.a.shape()[0]) throw py::stop_iteration();
        return take(it.a, it.next++, 0);
      });

  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  cls.def("__getitem__", [](const array& a, py::object idx) { return getitem(a, idx); })
      .def("__setitem__", [](array& a, py::object idx, py::object value) {
        a.overwrite_descriptor(setitem(a, idx, value));
      })
      .def_property_readonly("at", [](const array& a) { return ArrayAt{a, std::nullopt}; },
                             "Functional updates with repeated indices combined: "
                             "a.at[idx].add(y).")
      .def("__iter__", [](const array& a) {
        if (a.ndim() == 0) throw py::type_error("iteration over a 0-d array");
        return ArrayIterator{a};
      });
}
