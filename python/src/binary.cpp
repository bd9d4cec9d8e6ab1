// Bindings of the binary elementwise ops and the array operators. Python scalars are weak:
// they take the dtype of the array next to them (MLX's rule).
#include "convert.h"

using namespace kiln;
using namespace kiln::python;

namespace {
using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

array apply(BinaryFn fn, py::handle a, py::handle b, StreamOrDevice s = {}) {
  auto [x, y] = to_arrays(a, b);
  return fn(x, y, s);
}

// Operators return NotImplemented for operands that are not array-like, so Python can try
// the other operand's reflected method.
bool array_like(py::handle h) {
  return py::isinstance<array>(h) || scalar_kind(h) || py::isinstance<py::list>(h) ||
         py::isinstance<py::tuple>(h) || py::hasattr(h, "__array__");
}
}  // namespace

void init_binary(py::module_& m) {
  struct Entry {
    const char* name;
    BinaryFn fn;
  };
  const Entry entries[] = {
      {"add", &add}, {"subtract", &subtract}, {"multiply", &multiply}, {"divide", &divide},
      {"floor_divide", &floor_divide}, {"remainder", &remainder}, {"power", &power},
      {"maximum", &maximum}, {"minimum", &minimum}, {"logaddexp", &logaddexp},
      {"arctan2", &arctan2}, {"equal", &equal}, {"not_equal", &not_equal}, {"less", &less},
      {"less_equal", &less_equal}, {"greater", &greater}, {"greater_equal", &greater_equal},
      {"logical_and", &logical_and}, {"logical_or", &logical_or},
      {"logical_xor", &logical_xor}, {"bitwise_and", &bitwise_and},
      {"bitwise_or", &bitwise_or}, {"bitwise_xor", &bitwise_xor}, {"left_shift", &left_shift},
      {"right_shift", &right_shift},
  };
  for (auto& e : entries) {
    BinaryFn fn = e.fn;
    m.def(e.name, [fn](py::object a, py::object b, StreamOrDevice s) { return apply(fn, a, b, s); },
          py::arg("a"), py::arg("b"), py::arg("stream") = py::none());
  }
  m.attr("pow") = m.attr("power");
  m.attr("atan2") = m.attr("arctan2");
  m.attr("bitwise_left_shift") = m.attr("left_shift");
  m.attr("bitwise_right_shift") = m.attr("right_shift");
  m.def("divmod", [](py::object a, py::object b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    auto [q, r] = divmod(x, y, s);
    return py::make_tuple(q, r);
  }, py::arg("a"), py::arg("b"), py::arg("stream") = py::none());
  m.def("isclose", [](py::object a, py::object b, double rtol, double atol, bool equal_nan,
                      StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return isclose(x, y, rtol, atol, equal_nan, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8,
     py::kw_only(), py::arg("equal_nan") = false, py::arg("stream") = py::none());
  m.def("where", [](py::object c, py::object x, py::object y, StreamOrDevice s) {
    auto [a, b] = to_arrays(x, y);
    return where(to_array(c), a, b, s);
  }, py::arg("condition"), py::arg("x"), py::arg("y"), py::pos_only(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("clip", [](const array& a, py::object lo, py::object hi, StreamOrDevice s) {
    std::optional<array> l, h;
    if (!lo.is_none()) l = to_array_like(lo, a);
    if (!hi.is_none()) h = to_array_like(hi, a);
    return clip(a, l, h, s);
  }, py::arg("a"), py::pos_only(), py::arg("a_min"), py::arg("a_max"), py::kw_only(),
     py::arg("stream") = py::none());

  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  struct Op {
    const char* name;
    BinaryFn fn;
    bool reflected;
  };
  const Op ops[] = {
      {"__add__", &add, false},          {"__radd__", &add, true},
      {"__sub__", &subtract, false},     {"__rsub__", &subtract, true},
      {"__mul__", &multiply, false},     {"__rmul__", &multiply, true},
      {"__truediv__", &divide, false},   {"__rtruediv__", &divide, true},
      {"__div__", &divide, false},       {"__rdiv__", &divide, true},
      {"__floordiv__", &floor_divide, false}, {"__rfloordiv__", &floor_divide, true},
      {"__mod__", &remainder, false},    {"__rmod__", &remainder, true},
      {"__pow__", &power, false},        {"__rpow__", &power, true},
      {"__lt__", &less, false},          {"__le__", &less_equal, false},
      {"__gt__", &greater, false},       {"__ge__", &greater_equal, false},
      {"__and__", &bitwise_and, false},  {"__rand__", &bitwise_and, true},
      {"__or__", &bitwise_or, false},    {"__ror__", &bitwise_or, true},
      {"__xor__", &bitwise_xor, false},  {"__rxor__", &bitwise_xor, true},
      {"__lshift__", &left_shift, false}, {"__rlshift__", &left_shift, true},
      {"__rshift__", &right_shift, false}, {"__rrshift__", &right_shift, true},
  };
  for (auto& op : ops) {
    BinaryFn fn = op.fn;
    bool refl = op.reflected;
    cls.def(op.name, [fn, refl](const array& a, py::object b) -> py::object {
      if (!array_like(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
      return py::cast(refl ? apply(fn, b, py::cast(a)) : apply(fn, py::cast(a), b));
    });
  }
  // In-place operators rebind the Python name to the new node (arrays are immutable).
  const Op inplace[] = {
      {"__iadd__", &add, false}, {"__isub__", &subtract, false}, {"__imul__", &multiply, false},
      {"__itruediv__", &divide, false}, {"__ifloordiv__", &floor_divide, false},
      {"__imod__", &remainder, false}, {"__ipow__", &power, false},
      {"__iand__", &bitwise_and, false}, {"__ior__", &bitwise_or, false},
      {"__ixor__", &bitwise_xor, false}, {"__ilshift__", &left_shift, false},
      {"__irshift__", &right_shift, false},
  };
  for (auto& op : inplace) {
    BinaryFn fn = op.fn;
    cls.def(op.name, [fn](array& a, py::object b) -> py::object {
      if (!array_like(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
      array r = apply(fn, py::cast(a), b);
      a.overwrite_descriptor(r);
      return py::cast(a);
    });
  }
  cls.def("__eq__", [](const array& a, py::object b) -> py::object {
    if (!array_like(b)) return py::bool_(false);
    return py::cast(apply(&equal, py::cast(a), b));
  });
  cls.def("__ne__", [](const array& a, py::object b) -> py::object {
    if (!array_like(b)) return py::bool_(true);
    return py::cast(apply(&not_equal, py::cast(a), b));
  });
  cls.attr("__hash__") = py::none();
}
