// Bindings of the shape ops (functions and array methods).
#include "convert.h"
#include "kiln/ops/utils.h"

using namespace kiln;
using namespace kiln::python;

namespace {
// reshape(*shape) and reshape(shape) both work on arrays, as in NumPy.
Shape shape_from_args(py::args args) {
  if (args.size() == 1 && !py::isinstance<py::int_>(args[0])) return to_shape(args[0]);
  return to_shape(args);
}

std::vector<array> to_array_list(py::handle seq, const char* op) {
  if (!py::isinstance<py::sequence>(seq) || py::isinstance<py::str>(seq) ||
      py::isinstance<array>(seq)) {
    throw py::type_error(std::string("[") + op + "] expected a list or tuple of arrays");
  }
  std::vector<array> out;
  for (auto a : seq) out.push_back(to_array(a));
  return out;
}

// One array, or a list when several were given (NumPy's atleast_nd convention).
py::object atleast(py::args arys, array (*fn)(const array&, StreamOrDevice), StreamOrDevice s) {
  std::vector<array> out;
  for (auto a : arys) out.push_back(fn(to_array(a), s));
  if (out.size() == 1) return py::cast(out[0]);
  return py::cast(out);
}

py::list split_any(const array& a, py::object sections, int axis, StreamOrDevice s) {
  if (py::isinstance<py::int_>(sections) || scalar_kind(sections) == 'i') {
    return py::cast(split(a, py::cast<int>(sections), axis, s));
  }
  return py::cast(split(a, to_shape(sections), axis, s));
}

bool is_sequence(py::handle h) {
  return (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h));
}

// An int or a flat sequence of ints.
std::vector<int64_t> to_ints(py::handle h) {
  std::vector<int64_t> out;
  auto one = [&](py::handle v) {
    if (!py::isinstance<py::int_>(v) && scalar_kind(v) != 'i') {
      throw py::type_error("[pad] pad widths must be integers");
    }
    out.push_back(py::cast<int64_t>(v));
  };
  if (is_sequence(h)) {
    for (auto v : h) one(v);
  } else {
    one(h);
  }
  return out;
}

// NumPy's pad_width forms, which broadcast to ndim (before, after) pairs: n, (n,),
// (before, after), or a sequence of one such pair (or single width) per axis (or just one).
std::vector<std::pair<int64_t, int64_t>> to_pad_width(py::handle w, int ndim) {
  std::vector<std::vector<int64_t>> rows;
  if (is_sequence(w) && py::len(w) > 0 && is_sequence(py::reinterpret_borrow<py::sequence>(w)[0])) {
    for (auto row : w) rows.push_back(to_ints(row));
  } else {
    rows.push_back(to_ints(w));
  }
  bool ok = rows.size() == 1 || int(rows.size()) == ndim;
  for (auto& r : rows) ok &= r.size() == 1 || r.size() == 2;
  if (!ok) {
    throw py::value_error("[pad] pad_width " + std::string(py::str(w)) +
                          " does not give (before, after) widths for " + std::to_string(ndim) +
                          " axes");
  }
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int d = 0; d < ndim; ++d) {
    auto& r = rows[rows.size() == 1 ? 0 : d];
    out.emplace_back(r.front(), r.back());
  }
  return out;
}
}  // namespace

void init_shape(py::module_& m) {
  m.def("reshape", [](const array& a, py::object shape, StreamOrDevice s) {
    return reshape(a, to_shape(shape), s);
  }, py::arg("a"), py::pos_only(), py::arg("shape"), py::kw_only(), py::arg("stream") = py::none());
  m.def("flatten", [](const array& a, int start, int end, StreamOrDevice s) {
    return flatten(a, start, end, s);
  }, py::arg("a"), py::pos_only(), py::arg("start_axis") = 0, py::arg("end_axis") = -1,
     py::kw_only(), py::arg("stream") = py::none());
  m.def("squeeze", [](const array& a, py::object axis, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? squeeze(a, *axes, s) : squeeze(a, s);
  }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("expand_dims", [](const array& a, py::object axis, StreamOrDevice s) {
    return expand_dims(a, *to_axes(axis), s);
  }, py::arg("a"), py::pos_only(), py::arg("axis"), py::kw_only(), py::arg("stream") = py::none());
  m.def("transpose", [](const array& a, py::object axes, StreamOrDevice s) {
    auto ax = to_axes(axes);
    return ax ? transpose(a, *ax, s) : transpose(a, s);
  }, py::arg("a"), py::pos_only(), py::arg("axes") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.attr("permute_dims") = m.attr("transpose");
  m.attr("matrix_transpose") = m.attr("transpose");
  m.def("broadcast_to", [](py::object a, py::object shape, StreamOrDevice s) {
    return broadcast_to(to_array(a), to_shape(shape), s);
  }, py::arg("a"), py::pos_only(), py::arg("shape"), py::kw_only(), py::arg("stream") = py::none());
  m.def("broadcast_arrays", [](py::args arrays, StreamOrDevice s) {
    std::vector<array> in;
    for (auto a : arrays) in.push_back(to_array(a));
    return py::tuple(py::cast(broadcast_arrays(in, s)));
  }, py::kw_only(), py::arg("stream") = py::none());
  m.def("broadcast_shapes", [](py::args shapes) {
    std::vector<Shape> in;
    for (auto sh : shapes) in.push_back(to_shape(sh));
    return py::tuple(py::cast(broadcast_shapes(in)));
  });
  m.def("astype", [](const array& a, Dtype dtype, StreamOrDevice s) { return astype(a, dtype, s); },
        py::arg("a"), py::arg("dtype"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none());
  m.def("contiguous", [](const array& a, bool allow_col, StreamOrDevice s) {
    return contiguous(a, allow_col, s);
  }, py::arg("a"), py::pos_only(), py::arg("allow_col_major") = false, py::kw_only(),
     py::arg("stream") = py::none());

  m.def("unflatten", [](const array& a, int axis, py::object shape, StreamOrDevice s) {
    return unflatten(a, axis, to_shape(shape), s);
  }, py::arg("a"), py::pos_only(), py::arg("axis"), py::arg("shape"), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("swapaxes", [](const array& a, int axis1, int axis2, StreamOrDevice s) {
    return swapaxes(a, axis1, axis2, s);
  }, py::arg("a"), py::pos_only(), py::arg("axis1"), py::arg("axis2"), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("moveaxis", [](const array& a, int source, int destination, StreamOrDevice s) {
    return moveaxis(a, source, destination, s);
  }, py::arg("a"), py::pos_only(), py::arg("source"), py::arg("destination"), py::kw_only(),
     py::arg("stream") = py::none());
  for (const char* name : {"concatenate", "concat"}) {
    m.def(name, [name](py::object arrays, py::object axis, StreamOrDevice s) {
      auto in = to_array_list(arrays, name);
      return axis.is_none() ? concatenate(in, s) : concatenate(in, py::cast<int>(axis), s);
    }, py::arg("arrays"), py::arg("axis") = 0, py::kw_only(), py::arg("stream") = py::none());
  }
  m.def("stack", [](py::object arrays, py::object axis, StreamOrDevice s) {
    return stack(to_array_list(arrays, "stack"), axis.is_none() ? 0 : py::cast<int>(axis), s);
  }, py::arg("arrays"), py::arg("axis") = 0, py::kw_only(), py::arg("stream") = py::none());
  m.def("unstack", [](const array& x, int axis, StreamOrDevice s) {
    return py::cast(unstack(x, axis, s));
  }, py::arg("x"), py::pos_only(), py::kw_only(), py::arg("axis") = 0,
     py::arg("stream") = py::none());
  m.def("split", [](const array& a, py::object sections, int axis, StreamOrDevice s) {
    return split_any(a, sections, axis, s);
  }, py::arg("a"), py::pos_only(), py::arg("indices_or_sections"), py::arg("axis") = 0,
     py::kw_only(), py::arg("stream") = py::none());
  m.def("repeat", [](const array& a, int64_t repeats, py::object axis, StreamOrDevice s) {
    return axis.is_none() ? repeat(a, repeats, s) : repeat(a, repeats, py::cast<int>(axis), s);
  }, py::arg("array"), py::arg("repeats"), py::arg("axis") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("tile", [](const array& a, py::object reps, StreamOrDevice s) {
    return tile(a, to_shape(reps), s);
  }, py::arg("a"), py::arg("reps"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none());
  m.def("pad", [](const array& a, py::object pad_width, const std::string& mode,
                  py::object constant_values, StreamOrDevice s) {
    return pad(a, to_pad_width(pad_width, a.ndim()), to_array_like(constant_values, a, "pad"), mode, s);
  }, py::arg("a"), py::arg("pad_width"), py::arg("mode") = "constant",
     py::arg("constant_values") = 0, py::kw_only(), py::arg("stream") = py::none());
  m.def("flip", [](const array& a, py::object axis, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? flip(a, *axes, s) : flip(a, s);
  }, py::arg("a"), py::pos_only(), py::arg("axis") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("roll", [](const array& a, py::object shift, py::object axis, StreamOrDevice s) {
    Shape shifts = to_shape(shift);
    auto axes = to_axes(axis);
    if (!axes) return reshape(roll(reshape(a, {-1}, s), shifts, {0}, s), a.shape(), s);
    return roll(a, shifts, *axes, s);
  }, py::arg("a"), py::arg("shift"), py::arg("axis") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("atleast_1d", [](py::args arys, StreamOrDevice s) { return atleast(arys, &atleast_1d, s); },
        py::kw_only(), py::arg("stream") = py::none());
  m.def("atleast_2d", [](py::args arys, StreamOrDevice s) { return atleast(arys, &atleast_2d, s); },
        py::kw_only(), py::arg("stream") = py::none());
  m.def("atleast_3d", [](py::args arys, StreamOrDevice s) { return atleast(arys, &atleast_3d, s); },
        py::kw_only(), py::arg("stream") = py::none());
  m.def("as_strided", [](const array& a, py::object shape, py::object strides, int64_t offset,
                         StreamOrDevice s) {
    Shape sh = shape.is_none() ? a.shape() : to_shape(shape);
    Strides st = strides.is_none() ? row_strides(sh) : to_shape(strides);
    return as_strided(a, std::move(sh), std::move(st), offset, s);
  }, py::arg("a"), py::pos_only(), py::arg("shape") = py::none(), py::arg("strides") = py::none(),
     py::arg("offset") = 0, py::kw_only(), py::arg("stream") = py::none());
  m.def("view", [](py::object a, Dtype dtype, StreamOrDevice s) {
    return view(to_array(a), dtype, s);
  }, py::arg("a"), py::arg("dtype"), py::kw_only(), py::arg("stream") = py::none());
  m.def("diag", [](const array& a, int k, StreamOrDevice s) { return diag(a, k, s); },
        py::arg("a"), py::pos_only(), py::arg("k") = 0, py::kw_only(),
        py::arg("stream") = py::none());
  m.def("diagonal", [](const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
    return diagonal(a, offset, axis1, axis2, s);
  }, py::arg("a"), py::arg("offset") = 0, py::arg("axis1") = 0, py::arg("axis2") = 1,
     py::arg("stream") = py::none());
  m.def("diff", [](const array& a, int n, int axis, StreamOrDevice s) {
    return diff(a, n, axis, s);
  }, py::arg("a"), py::pos_only(), py::arg("n") = 1, py::arg("axis") = -1, py::kw_only(),
     py::arg("stream") = py::none());

  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  cls.def("reshape", [](const array& a, py::args shape, StreamOrDevice s) {
    return reshape(a, shape_from_args(shape), s);
  }, py::kw_only(), py::arg("stream") = py::none());
  cls.def("flatten", [](const array& a, int start, int end, StreamOrDevice s) {
    return flatten(a, start, end, s);
  }, py::arg("start_axis") = 0, py::arg("end_axis") = -1, py::kw_only(),
     py::arg("stream") = py::none());
  cls.def("squeeze", [](const array& a, py::object axis, StreamOrDevice s) {
    auto axes = to_axes(axis);
    return axes ? squeeze(a, *axes, s) : squeeze(a, s);
  }, py::arg("axis") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  cls.def("transpose", [](const array& a, py::args axes, StreamOrDevice s) {
    if (axes.empty()) return transpose(a, s);
    std::vector<int> ax;
    if (axes.size() == 1 && !py::isinstance<py::int_>(axes[0])) {
      ax = *to_axes(axes[0]);
    } else {
      ax = *to_axes(axes);
    }
    return transpose(a, ax, s);
  }, py::kw_only(), py::arg("stream") = py::none());
  cls.def_property_readonly("T", [](const array& a) { return transpose(a); });
  cls.def("astype", [](const array& a, Dtype dtype, StreamOrDevice s) { return astype(a, dtype, s); },
          py::arg("dtype"), py::arg("stream") = py::none());
  cls.def("swapaxes", [](const array& a, int axis1, int axis2, StreamOrDevice s) {
    return swapaxes(a, axis1, axis2, s);
  }, py::arg("axis1"), py::arg("axis2"), py::kw_only(), py::arg("stream") = py::none());
  cls.def("moveaxis", [](const array& a, int source, int destination, StreamOrDevice s) {
    return moveaxis(a, source, destination, s);
  }, py::arg("source"), py::arg("destination"), py::kw_only(), py::arg("stream") = py::none());
  cls.def("split", [](const array& a, py::object sections, int axis, StreamOrDevice s) {
    return split_any(a, sections, axis, s);
  }, py::arg("indices_or_sections"), py::arg("axis") = 0, py::kw_only(),
     py::arg("stream") = py::none());
  cls.def("diagonal", [](const array& a, int offset, int axis1, int axis2, StreamOrDevice s) {
    return diagonal(a, offset, axis1, axis2, s);
  }, py::arg("offset") = 0, py::arg("axis1") = 0, py::arg("axis2") = 1,
     py::arg("stream") = py::none());
  cls.def("diag", [](const array& a, int k, StreamOrDevice s) { return diag(a, k, s); },
          py::arg("k") = 0, py::kw_only(), py::arg("stream") = py::none());
  cls.def("view", [](const array& a, Dtype dtype, StreamOrDevice s) { return view(a, dtype, s); },
          py::arg("dtype"), py::kw_only(), py::arg("stream") = py::none());
}
