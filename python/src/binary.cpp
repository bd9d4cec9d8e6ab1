// Bindings of the binary elementwise ops and the array operators (@ included). Python scalars are weak:
// they take the dtype of the array next to them (MLX's rule).
#include "convert.h"
#include "kiln/error.h"

using namespace kiln;
using namespace kiln::python;

namespace {
using BinaryFn = array (*)(const array&, const array&, StreamOrDevice);

array apply(BinaryFn fn, const char* op, py::handle a, py::handle b, StreamOrDevice s = {}) {
  auto [x, y] = to_arrays(a, b, op);
  return fn(x, y, s);
}

// MLX's operators take arrays and scalars; a list or tuple raises (ValueError) rather than
// converting, and compares unequal. Other objects that are not array-like return
// NotImplemented, so Python can try the other operand's reflected method.
bool is_list(py::handle h) { return py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h); }
bool operand_like(py::handle h) {
  return py::isinstance<array>(h) || scalar_kind(h) || py::hasattr(h, "__array__");
}
void reject_list(py::handle h, const char* op) {
  if (is_list(h)) {
    fail(op, "an array cannot be combined with a ",
         std::string(py::str(py::type::of(h).attr("__name__"))), " by an operator");
  }
}

// In-place operators keep the array's dtype (the array API's rule): a result of another
// dtype is cast back where NumPy's same-kind casting allows it (float32 into float16, int64
// into int8), else the operator raises (a float result into an integer array).
int kind_rank(Dtype d) {
  if (d == bool_) return 0;
  if (is_unsigned(d)) return 1;
  if (is_signed_integer(d)) return 2;
  return is_floating_point(d) ? 3 : 4;
}
array keep_dtype(const array& r, Dtype dt, const char* op) {
  if (r.dtype() == dt) return r;
  if (kind_rank(r.dtype()) > kind_rank(dt)) {
    fail(op, "the in-place result is ", dtype_name(r.dtype()), ", which cannot be stored in the ",
         dtype_name(dt), " array");
  }
  return astype(r, dt);
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
    const char* name = e.name;
    m.def(e.name, [fn, name](py::object a, py::object b, StreamOrDevice s) {
      return apply(fn, name, a, b, s);
    },
          py::arg("a"), py::arg("b"), py::arg("stream") = py::none());
  }
  m.attr("pow") = m.attr("power");
  m.attr("atan2") = m.attr("arctan2");
  m.attr("bitwise_left_shift") = m.attr("left_shift");
  m.attr("bitwise_right_shift") = m.attr("right_shift");
  m.def("divmod", [](py::object a, py::object b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b, "divmod");
    auto [q, r] = divmod(x, y, s);
    return py::make_tuple(q, r);
  }, py::arg("a"), py::arg("b"), py::arg("stream") = py::none());
  m.def("isclose", [](py::object a, py::object b, double rtol, double atol, bool equal_nan,
                      StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b, "isclose");
    return isclose(x, y, rtol, atol, equal_nan, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8,
     py::kw_only(), py::arg("equal_nan") = false, py::arg("stream") = py::none());
  m.def("where", [](py::object c, py::object x, py::object y, StreamOrDevice s) {
    auto [a, b] = to_arrays(x, y, "where");
    return where(to_array(c), a, b, s);
  }, py::arg("condition"), py::arg("x"), py::arg("y"), py::pos_only(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("clip", [](const array& a, py::object lo, py::object hi, StreamOrDevice s) {
    std::optional<array> l, h;
    py::object self = py::cast(a);
    if (!lo.is_none()) l = to_arrays(self, lo, "clip").second;
    if (!hi.is_none()) h = to_arrays(self, hi, "clip").second;
    return clip(a, l, h, s);
  }, py::arg("a"), py::pos_only(), py::arg("a_min"), py::arg("a_max"), py::kw_only(),
     py::arg("stream") = py::none());

  auto cls = py::reinterpret_borrow<py::class_<array>>(m.attr("array"));
  struct Op {
    const char* name;
    BinaryFn fn;
    const char* op;  // the function's name, for errors
    bool reflected;
  };
  const Op ops[] = {
      {"__add__", &add, "add", false},         {"__radd__", &add, "add", true},
      {"__sub__", &subtract, "subtract", false}, {"__rsub__", &subtract, "subtract", true},
      {"__mul__", &multiply, "multiply", false}, {"__rmul__", &multiply, "multiply", true},
      {"__truediv__", &divide, "divide", false}, {"__rtruediv__", &divide, "divide", true},
      {"__div__", &divide, "divide", false},     {"__rdiv__", &divide, "divide", true},
      {"__floordiv__", &floor_divide, "floor_divide", false},
      {"__rfloordiv__", &floor_divide, "floor_divide", true},
      {"__mod__", &remainder, "remainder", false}, {"__rmod__", &remainder, "remainder", true},
      {"__pow__", &power, "power", false},       {"__rpow__", &power, "power", true},
      {"__lt__", &less, "less", false},          {"__le__", &less_equal, "less_equal", false},
      {"__gt__", &greater, "greater", false},
      {"__ge__", &greater_equal, "greater_equal", false},
      {"__and__", &bitwise_and, "bitwise_and", false},
      {"__rand__", &bitwise_and, "bitwise_and", true},
      {"__or__", &bitwise_or, "bitwise_or", false}, {"__ror__", &bitwise_or, "bitwise_or", true},
      {"__xor__", &bitwise_xor, "bitwise_xor", false},
      {"__rxor__", &bitwise_xor, "bitwise_xor", true},
      {"__lshift__", &left_shift, "left_shift", false},
      {"__rlshift__", &left_shift, "left_shift", true},
      {"__rshift__", &right_shift, "right_shift", false},
      {"__rrshift__", &right_shift, "right_shift", true},
      {"__matmul__", &matmul, "matmul", false}, {"__rmatmul__", &matmul, "matmul", true},
  };
  for (auto& op : ops) {
    cls.def(op.name, [op](const array& a, py::object b) -> py::object {
      reject_list(b, op.op);
      if (!operand_like(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
      py::object self = py::cast(a);
      return py::cast(op.reflected ? apply(op.fn, op.op, b, self) : apply(op.fn, op.op, self, b));
    });
  }
  // In-place operators rebind the Python name to the new node (arrays are immutable).
  const Op inplace[] = {
      {"__iadd__", &add, "add", false}, {"__isub__", &subtract, "subtract", false},
      {"__imul__", &multiply, "multiply", false}, {"__itruediv__", &divide, "divide", false},
      {"__ifloordiv__", &floor_divide, "floor_divide", false},
      {"__imod__", &remainder, "remainder", false}, {"__ipow__", &power, "power", false},
      {"__iand__", &bitwise_and, "bitwise_and", false},
      {"__ior__", &bitwise_or, "bitwise_or", false},
      {"__ixor__", &bitwise_xor, "bitwise_xor", false},
      {"__ilshift__", &left_shift, "left_shift", false},
      {"__irshift__", &right_shift, "right_shift", false},
      {"__imatmul__", &matmul, "matmul", false},
  };
  for (auto& op : inplace) {
    cls.def(op.name, [op](array& a, py::object b) -> py::object {
      reject_list(b, op.op);
      if (!operand_like(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
      a.overwrite_descriptor(keep_dtype(apply(op.fn, op.op, py::cast(a), b), a.dtype(), op.op));
      return py::cast(a);
    });
  }
  cls.def("__eq__", [](const array& a, py::object b) -> py::object {
    if (is_list(b) || !operand_like(b)) return py::bool_(false);
    return py::cast(apply(&equal, "equal", py::cast(a), b));
  });
  cls.def("__ne__", [](const array& a, py::object b) -> py::object {
    if (is_list(b) || !operand_like(b)) return py::bool_(true);
    return py::cast(apply(&not_equal, "not_equal", py::cast(a), b));
  });
  cls.attr("__hash__") = py::none();
}
