// Bindings of the contractions (matmul, addmm, tensordot, inner, outer, vecdot, kron,
// einsum); the @ operators are with the others in binary.cpp.
#include "convert.h"

using namespace kiln;
using namespace kiln::python;

namespace {

std::vector<int> int_list(py::handle obj) {
  if (py::isinstance<py::int_>(obj)) return {py::cast<int>(obj)};
  auto axes = to_axes(obj);
  return *axes;
}

array tensordot_py(const array& a, const array& b, py::handle axes, StreamOrDevice s) {
  if (py::isinstance<py::int_>(axes)) return tensordot(a, b, py::cast<int>(axes), s);
  if (py::isinstance<py::sequence>(axes) && !py::isinstance<py::str>(axes) &&
      py::len(axes) == 2) {
    auto seq = py::reinterpret_borrow<py::sequence>(axes);
    return tensordot(a, b, int_list(seq[0]), int_list(seq[1]), s);
  }
  throw py::type_error(
      "[tensordot] axes must be an int or a pair of sequences of ints (axes of a, axes of b)");
}

std::vector<array> operand_list(const py::args& operands) {
  std::vector<array> out;
  for (auto o : operands) out.push_back(to_array(o));
  return out;
}

}  // namespace

void init_matmul(py::module_& m) {
  m.def("matmul", [](py::object a, py::object b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return matmul(x, y, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
  "Matrix product with NumPy's rules for 1-d operands and broadcast batch axes.");
  m.def("addmm", [](py::object c, py::object a, py::object b, float alpha, float beta,
                    StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return addmm(to_array_like(c, x), x, y, alpha, beta, s);
  }, py::arg("c"), py::arg("a"), py::arg("b"), py::pos_only(), py::arg("alpha") = 1.0f,
     py::arg("beta") = 1.0f, py::kw_only(), py::arg("stream") = py::none(),
  "alpha * (a @ b) + beta * c, with c broadcast to the product's shape.");
  m.def("tensordot", [](py::object a, py::object b, py::object axes, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return tensordot_py(x, y, axes, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::arg("axes") = 2, py::kw_only(),
     py::arg("stream") = py::none(),
  "Sum of products over the last `axes` axes of a and the first of b, or over the given\n"
  "pairs of axes.");
  m.def("inner", [](py::object a, py::object b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return inner(x, y, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
  "Sum of products over the last axis of both operands.");
  m.def("outer", [](py::object a, py::object b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return outer(x, y, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("stream") = py::none(),
  "Outer product of the flattened operands.");
  m.def("vecdot", [](py::object a, py::object b, int axis, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return vecdot(x, y, axis, s);
  }, py::arg("a"), py::arg("b"), py::pos_only(), py::kw_only(), py::arg("axis") = -1,
     py::arg("stream") = py::none(),
  "Dot products of vectors along `axis` (the first operand conjugated); other axes\n"
  "broadcast.");
  m.def("kron", [](py::object a, py::object b, StreamOrDevice s) {
    auto [x, y] = to_arrays(a, b);
    return kron(x, y, s);
  }, py::arg("a"), py::arg("b"), py::kw_only(), py::arg("stream") = py::none(),
  "Kronecker product.");
  m.def("einsum", [](const std::string& subscripts, py::args operands, py::kwargs kwargs) {
    StreamOrDevice s;
    for (auto [key, value] : kwargs) {
      if (py::cast<std::string>(key) != "stream") {
        throw py::type_error("einsum() got an unexpected keyword argument '" +
                             py::cast<std::string>(key) + "'");
      }
      s = py::cast<StreamOrDevice>(value);
    }
    return einsum(subscripts, operand_list(operands), s);
  }, py::arg("subscripts"),
  "einsum(subscripts, *operands, stream=None): Einstein summation.");
  m.def("einsum_path", [](const std::string& subscripts, py::args operands) {
    auto [path, text] = einsum_path(subscripts, operand_list(operands));
    py::list steps;
    for (auto& st : path) {
      py::tuple t(st.size());
      for (size_t i = 0; i < st.size(); ++i) t[i] = st[i];
      steps.append(t);
    }
    return py::make_tuple(steps, text);
  }, py::arg("subscripts"),
  "einsum_path(subscripts, *operands): the contraction order einsum uses and a report of\n"
  "its cost.");
}
