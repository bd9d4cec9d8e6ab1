// Bindings of the array-creation ops.
#include "convert.h"

using namespace kiln;
using namespace kiln::python;

namespace {
// A real Python or NumPy number as a double; anything else is a TypeError naming `what`.
double to_real(py::handle v, const char* what) {
  char kind = scalar_kind(v);
  if (kind != 'b' && kind != 'i' && kind != 'f') {
    throw py::type_error(std::string("[arange] ") + what + " must be an int or a float, got " +
                         std::string(py::str(py::type::of(v).attr("__name__"))));
  }
  return py::cast<double>(v);
}

// Integer bounds and step give an integer range (int32, or int64 where they do not fit); any
// float gives float32, unless `dtype` says otherwise. A stop of None makes start the stop,
// as in NumPy's arange(5, None, 2).
array arange_from(py::object start, py::object stop, py::handle step, py::handle dtype,
                  StreamOrDevice s) {
  if (stop.is_none()) std::swap(start, stop), start = py::int_(0);
  bool integral = scalar_kind(start) != 'f' && scalar_kind(stop) != 'f' &&
                  (step.is_none() || scalar_kind(step) != 'f');
  double st = step.is_none() ? 1.0 : to_real(step, "step");
  if (integral) {
    // Exact integer bounds where they fit int64 (past that, the double form raises).
    try {
      return arange(py::cast<int64_t>(start), py::cast<int64_t>(stop),
                    step.is_none() ? int64_t(1) : py::cast<int64_t>(step), to_dtype(dtype), s);
    } catch (py::cast_error&) {
    }
  }
  return arange(to_real(start, "start"), to_real(stop, "stop"), st, to_dtype(dtype), integral,
                s);
}
}  // namespace

void init_creation(py::module_& m) {
  m.def("zeros", [](py::object shape, py::object dtype, StreamOrDevice s) {
    return zeros(to_shape(shape), to_dtype(dtype).value_or(float32), s);
  }, py::arg("shape"), py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  m.def("ones", [](py::object shape, py::object dtype, StreamOrDevice s) {
    return ones(to_shape(shape), to_dtype(dtype).value_or(float32), s);
  }, py::arg("shape"), py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  m.def("full", [](py::object shape, py::object vals, py::object dtype, StreamOrDevice s) {
    auto dt = to_dtype(dtype);
    // A Python scalar converts straight to the requested dtype (no float32 detour).
    array v = dt && scalar_kind(vals) ? to_array(vals, dt) : to_array(vals);
    return full(to_shape(shape), v, dt, s);
  }, py::arg("shape"), py::arg("vals"), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("zeros_like", [](const array& a, py::object dtype, StreamOrDevice s) {
    return zeros_like(a, to_dtype(dtype), s);
  }, py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("ones_like", [](const array& a, py::object dtype, StreamOrDevice s) {
    return ones_like(a, to_dtype(dtype), s);
  }, py::arg("a"), py::pos_only(), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.def("full_like", [](const array& a, py::object vals, py::object dtype, StreamOrDevice s) {
    auto dt = to_dtype(dtype);
    return full_like(a, to_array_like(vals, dt ? zeros({}, *dt) : a), dt, s);
  }, py::arg("a"), py::arg("vals"), py::arg("dtype") = py::none(), py::kw_only(),
     py::arg("stream") = py::none());
  m.attr("empty") = m.attr("zeros");
  m.attr("empty_like") = m.attr("zeros_like");

  // MLX's two forms: arange(start, stop, step=None, dtype=None) and
  // arange(stop, step=None, dtype=None); pybind11 tries them in this order.
  m.def("arange", [](py::object start, py::object stop, py::object step, py::object dtype,
                     StreamOrDevice s) {
    return arange_from(start, stop, step, dtype, s);
  }, py::arg("start"), py::arg("stop"), py::arg("step") = py::none(),
     py::arg("dtype") = py::none(), py::kw_only(), py::arg("stream") = py::none());
  m.def("arange", [](py::object stop, py::object step, py::object dtype, StreamOrDevice s) {
    return arange_from(py::int_(0), stop, step, dtype, s);
  }, py::arg("stop"), py::arg("step") = py::none(), py::arg("dtype") = py::none(),
     py::kw_only(), py::arg("stream") = py::none());

  m.def("linspace", [](double start, double stop, int64_t num, bool endpoint, py::object dtype,
                       StreamOrDevice s) {
    return linspace(start, stop, num, endpoint, to_dtype(dtype).value_or(float32), s);
  }, py::arg("start"), py::arg("stop"), py::arg("num") = 50, py::arg("endpoint") = true,
     py::arg("dtype") = float32, py::arg("stream") = py::none());
  m.def("eye", [](int64_t n, py::object m, int k, py::object dtype, StreamOrDevice s) {
    return eye(n, m.is_none() ? n : py::cast<int64_t>(m), k, to_dtype(dtype).value_or(float32), s);
  }, py::arg("n"), py::arg("m") = py::none(), py::arg("k") = 0, py::arg("dtype") = float32,
     py::kw_only(), py::arg("stream") = py::none());
  m.def("identity", [](int64_t n, py::object dtype, StreamOrDevice s) {
    return identity(n, to_dtype(dtype).value_or(float32), s);
  }, py::arg("n"), py::arg("dtype") = float32, py::kw_only(), py::arg("stream") = py::none());
  m.def("tri", [](int64_t n, py::object m, int k, py::object dtype, StreamOrDevice s) {
    return tri(n, m.is_none() ? n : py::cast<int64_t>(m), k, to_dtype(dtype).value_or(float32), s);
  }, py::arg("n"), py::arg("m") = py::none(), py::arg("k") = 0, py::arg("dtype") = float32,
     py::kw_only(), py::arg("stream") = py::none());
  m.def("tril", [](const array& x, int k, StreamOrDevice s) { return tril(x, k, s); },
        py::arg("x"), py::arg("k") = 0, py::kw_only(), py::arg("stream") = py::none());
  m.def("triu", [](const array& x, int k, StreamOrDevice s) { return triu(x, k, s); },
        py::arg("x"), py::arg("k") = 0, py::kw_only(), py::arg("stream") = py::none());
  m.def("meshgrid", [](py::args arrays, bool sparse, const std::string& indexing,
                       StreamOrDevice s) {
    std::vector<array> in;
    for (auto a : arrays) in.push_back(to_array(a));
    return py::cast(meshgrid(in, sparse, indexing, s));
  }, py::kw_only(), py::arg("sparse") = false, py::arg("indexing") = "xy",
     py::arg("stream") = py::none());
  struct Window {
    const char* name;
    array (*fn)(int64_t, StreamOrDevice);
  };
  for (auto w : {Window{"bartlett", &bartlett}, Window{"blackman", &blackman},
                 Window{"hamming", &hamming}, Window{"hanning", &hanning}}) {
    m.def(w.name, [fn = w.fn](int64_t M, StreamOrDevice s) { return fn(M, s); }, py::arg("M"),
          py::kw_only(), py::arg("stream") = py::none());
  }
}
