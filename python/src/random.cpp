// Bindings of mlx.core.random. Python keeps its own global key, in the list
// mx.random.state (one uint32 key, made on first use): a function called without a key
// splits state[0], keeps one half there and draws from the other. Because the key lives in
// a list, mx.compile(f, inputs=mx.random.state, outputs=mx.random.state) passes it into a
// compiled call and writes the advanced key back, so compiled code draws the same sequence
// as uncompiled code.
#include <chrono>

#include "convert.h"

using namespace kiln;
using namespace kiln::python;
using namespace pybind11::literals;

namespace {

py::handle random_module;  // borrowed: the module lives as long as the interpreter

py::list state() { return random_module.attr("state"); }  // made by __getattr__ on first use

array next_key(StreamOrDevice s) {
  py::list st = state();
  if (st.size() != 1 || !py::isinstance<array>(st[0])) {
    throw py::value_error("[random] mx.random.state must be a list holding one key array");
  }
  auto [keep, out] = random::split(py::cast<array>(st[0]), s);
  st[0] = py::cast(keep);
  return out;
}

array key_or_next(py::handle key, StreamOrDevice s) {
  return key.is_none() ? next_key(s) : to_array(key);
}

// A distribution parameter: Python scalars take `dtype` directly, arrays keep theirs.
array param(py::handle obj, std::optional<Dtype> dtype) {
  return scalar_kind(obj) ? to_array(obj, dtype) : to_array(obj);
}

std::optional<array> optional_param(py::handle obj, Dtype dtype) {
  if (obj.is_none()) return std::nullopt;
  return param(obj, dtype);
}

std::optional<Shape> optional_shape(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return to_shape(obj);
}

Dtype dtype_or(py::handle obj, Dtype fallback) { return to_dtype(obj).value_or(fallback); }

}  // namespace

void init_random(py::module_& m) {
  py::module_ rnd = m.def_submodule("random", "Random number generation (mirrors mlx.core.random)");
  random_module = rnd;

  rnd.def("__getattr__", [](const std::string& name) -> py::object {
    if (name != "state") {
      throw py::attribute_error("module 'kiln.core.random' has no attribute '" + name + "'");
    }
    auto now = std::chrono::system_clock::now().time_since_epoch().count();
    py::list st;
    st.append(py::cast(random::key(uint64_t(now))));
    random_module.attr("state") = st;
    return st;
  });

  rnd.def("seed", [](uint64_t seed) {
    state()[0] = py::cast(random::key(seed));
    random::seed(seed);  // the C++ API's sequence too
  }, "seed"_a, "Seeds the global key: the numbers drawn without a key repeat after each seed.");
  rnd.def("key", &random::key, "seed"_a, "The key (a uint32 array of shape (2,)) of a seed.");
  rnd.def("split", [](const array& key, int num, StreamOrDevice s) {
    return random::split(key, num, s);
  }, "key"_a, "num"_a = 2, "stream"_a = py::none(),
     "num new keys drawn from key, as an array of shape (num, 2).");

  rnd.def("uniform", [](py::object low, py::object high, py::object shape, py::object dtype,
                        py::object key, StreamOrDevice s) {
    Dtype dt = dtype_or(dtype, float32);
    return random::uniform(param(low, dt), param(high, dt), to_shape(shape), dt,
                           key_or_next(key, s), s);
  }, "low"_a = 0, "high"_a = 1, "shape"_a = py::list(), "dtype"_a = float32,
     "key"_a = py::none(), "stream"_a = py::none(),
     "Uniform samples in [low, high) (never high); low and high broadcast to shape.");

  rnd.def("normal", [](py::object shape, py::object dtype, py::object loc, py::object scale,
                       py::object key, StreamOrDevice s) {
    Dtype dt = dtype_or(dtype, float32);
    Dtype scale_dt = is_complex(dt) ? float32 : dt;  // a scale is real, even for complex
    return random::normal(to_shape(shape), dt, optional_param(loc, dt),
                          optional_param(scale, scale_dt), key_or_next(key, s), s);
  }, "shape"_a = py::list(), "dtype"_a = float32, "loc"_a = py::none(), "scale"_a = py::none(),
     "key"_a = py::none(), "stream"_a = py::none(),
     "Normal samples loc + scale * N(0, 1); loc and scale broadcast to shape. For complex\n"
     "dtypes the real and imaginary parts of N(0, 1) are each N(0, 1/2).");

  rnd.def("randint", [](py::object low, py::object high, py::object shape, py::object dtype,
                        py::object key, StreamOrDevice s) {
    return random::randint(to_array(low), to_array(high), to_shape(shape),
                           dtype_or(dtype, int32), key_or_next(key, s), s);
  }, "low"_a, "high"_a, "shape"_a = py::list(), "dtype"_a = int32, "key"_a = py::none(),
     "stream"_a = py::none(),
     "Integers uniform in [low, high); an empty range gives low.");

  rnd.def("bernoulli", [](py::object p, py::object shape, py::object key, StreamOrDevice s) {
    return random::bernoulli(param(p, float32), optional_shape(shape), key_or_next(key, s), s);
  }, "p"_a = 0.5, "shape"_a = py::none(), "key"_a = py::none(), "stream"_a = py::none(),
     "True with probability p (of p's shape unless shape is given).");

  rnd.def("truncated_normal", [](py::object lower, py::object upper, py::object shape,
                                 py::object dtype, py::object key, StreamOrDevice s) {
    Dtype dt = dtype_or(dtype, float32);
    return random::truncated_normal(param(lower, dt), param(upper, dt), optional_shape(shape), dt,
                                    key_or_next(key, s), s);
  }, "lower"_a, "upper"_a, "shape"_a = py::none(), "dtype"_a = float32, "key"_a = py::none(),
     "stream"_a = py::none(),
     "Standard normal samples restricted to [lower, upper].");

  rnd.def("gumbel", [](py::object shape, py::object dtype, py::object key, StreamOrDevice s) {
    return random::gumbel(to_shape(shape), dtype_or(dtype, float32), key_or_next(key, s), s);
  }, "shape"_a = py::list(), "dtype"_a = float32, "key"_a = py::none(), "stream"_a = py::none(),
     "Standard Gumbel samples.");

  rnd.def("categorical", [](const array& logits, int axis, py::object shape,
                            std::optional<int64_t> num_samples, py::object key,
                            StreamOrDevice s) {
    return random::categorical(logits, axis, optional_shape(shape), num_samples,
                               key_or_next(key, s), s);
  }, "logits"_a, "axis"_a = -1, "shape"_a = py::none(), "num_samples"_a = py::none(),
     "key"_a = py::none(), "stream"_a = py::none(),
     "Class indices (uint32) drawn with probabilities softmax(logits) along axis.");

  rnd.def("laplace", [](py::object shape, py::object dtype, double loc, double scale,
                        py::object key, StreamOrDevice s) {
    return random::laplace(to_shape(shape), dtype_or(dtype, float32), loc, scale,
                           key_or_next(key, s), s);
  }, "shape"_a = py::list(), "dtype"_a = float32, "loc"_a = 0.0, "scale"_a = 1.0,
     "key"_a = py::none(), "stream"_a = py::none(), "Laplace(loc, scale) samples.");

  rnd.def("permutation", [](py::object x, int axis, py::object key, StreamOrDevice s) {
    std::optional<array> k = to_optional_array(key);
    if (py::isinstance<py::int_>(x)) return random::permutation(py::cast<int64_t>(x), k, s);
    return random::permutation(to_array(x), axis, k, s);
  }, "x"_a, "axis"_a = 0, "key"_a = py::none(), "stream"_a = py::none(),
     "A random permutation of arange(x), or of x along axis (needs argsort: not available "
     "yet).");

  rnd.def("multivariate_normal", [](const array& mean, const array& cov, py::object shape,
                                    py::object dtype, py::object key, StreamOrDevice s) {
    return random::multivariate_normal(mean, cov, to_shape(shape), dtype_or(dtype, float32),
                                       to_optional_array(key), s);
  }, "mean"_a, "cov"_a, "shape"_a = py::list(), "dtype"_a = float32, "key"_a = py::none(),
     "stream"_a = py::none(),
     "Samples of N(mean, cov) (needs linalg.cholesky: not available yet).");
}
