// Bindings of mx.fast's custom CUDA kernels: cuda_kernel (returns a callable kernel object)
// and precompiled_cuda_kernel.
#include "convert.h"

#include "kiln/ops/custom_kernel.h"
#include "kiln/primitives/custom_kernel.h"

using namespace kiln;
using namespace kiln::python;

namespace {

std::string type_name(py::handle h) { return py::str(py::type::of(h).attr("__name__")); }

py::list as_list(py::handle obj, const std::string& what) {
  if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
    throw py::type_error(what + " must be a list, got a " + type_name(obj));
  }
  return py::list(py::reinterpret_borrow<py::object>(obj));
}

fast::Dims3 to_dims3(py::handle obj, const std::string& what) {
  if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
    throw py::type_error(what + " must be a tuple of 3 ints, got a " + type_name(obj));
  }
  py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
  if (py::len(seq) != 3) {
    throw py::value_error(what + " must have 3 entries (x, y, z), got " +
                          std::to_string(py::len(seq)));
  }
  fast::Dims3 d;
  for (int i = 0; i < 3; ++i) {
    if (!py::isinstance<py::int_>(seq[i]) || py::isinstance<py::bool_>(seq[i])) {
      throw py::type_error(what + " entries must be ints, got a " + type_name(seq[i]));
    }
    d[i] = py::cast<int>(seq[i]);
  }
  return d;
}

std::vector<array> input_arrays(py::handle obj, const std::string& op) {
  std::vector<array> out;
  for (auto x : as_list(obj, "[" + op + "] inputs")) out.push_back(to_array(x));
  return out;
}

std::vector<Shape> shape_list(py::handle obj, const std::string& op) {
  std::vector<Shape> out;
  for (auto x : as_list(obj, "[" + op + "] output_shapes")) out.push_back(to_shape(x));
  return out;
}

std::vector<Dtype> dtype_list(py::handle obj, const std::string& op) {
  std::vector<Dtype> out;
  for (auto x : as_list(obj, "[" + op + "] output_dtypes")) {
    if (!py::isinstance<Dtype>(x)) {
      throw py::type_error("[" + op + "] output_dtypes must hold dtypes, got a " + type_name(x));
    }
    out.push_back(py::cast<Dtype>(x));
  }
  return out;
}

fast::TemplateArgs template_list(py::handle obj) {
  fast::TemplateArgs out;
  if (obj.is_none()) return out;
  for (auto item : as_list(obj, "[cuda_kernel] template")) {
    bool pair = (py::isinstance<py::tuple>(item) || py::isinstance<py::list>(item)) &&
                py::len(item) == 2 && py::isinstance<py::str>(item[py::int_(0)]);
    if (!pair) throw py::type_error("[cuda_kernel] template entries must be (name, value) pairs");
    std::string name = py::cast<std::string>(item[py::int_(0)]);
    py::object v = item[py::int_(1)];
    if (py::isinstance<py::bool_>(v)) {
      out.emplace_back(name, py::cast<bool>(v));
    } else if (py::isinstance<py::int_>(v)) {
      out.emplace_back(name, py::cast<int>(v));
    } else if (py::isinstance<Dtype>(v)) {
      out.emplace_back(name, py::cast<Dtype>(v));
    } else {
      throw py::type_error("[cuda_kernel] template argument '" + name +
                           "' must be a bool, an int or a Dtype, got a " + type_name(v));
    }
  }
  return out;
}

std::vector<fast::ScalarArg> scalar_list(py::handle obj) {
  std::vector<fast::ScalarArg> out;
  for (auto x : as_list(obj, "[precompiled_cuda_kernel] scalars")) {
    if (py::isinstance<py::bool_>(x)) {
      out.emplace_back(py::cast<bool>(x));
    } else if (py::isinstance<py::int_>(x)) {
      out.emplace_back(py::cast<int>(x));
    } else if (py::isinstance<py::float_>(x)) {
      out.emplace_back(py::cast<float>(x));
    } else {
      throw py::type_error("[precompiled_cuda_kernel] scalars must be bools, ints or floats, "
                           "got a " + type_name(x));
    }
  }
  return out;
}

// What mx.fast.cuda_kernel returns: the kernel's definition, called with concrete inputs.
struct PyCudaKernel {
  std::string name;
  std::vector<std::string> input_names, output_names;
  std::string source, header;
  bool atomic_outputs;
  fast::CudaKernelFunction fn;
};

}  // namespace

void init_fast(py::module_& m) {
  py::module_ fast = py::hasattr(m, "fast")
                         ? py::reinterpret_borrow<py::module_>(m.attr("fast"))
                         : m.def_submodule("fast", "Fused operations and custom kernels");

  py::class_<PyCudaKernel>(fast, "CudaKernel",
                           "A custom CUDA kernel made by mx.fast.cuda_kernel; call it with "
                           "inputs to run it.")
      .def(
          "__call__",
          [](const PyCudaKernel& k, py::object inputs, py::object output_shapes,
             py::object output_dtypes, py::object grid, py::object threadgroup,
             py::object template_args, std::optional<float> init_value, bool verbose,
             StreamOrDevice s) {
            std::vector<array> outs =
                k.fn(input_arrays(inputs, "cuda_kernel"), shape_list(output_shapes, "cuda_kernel"),
                     dtype_list(output_dtypes, "cuda_kernel"),
                     to_dims3(grid, "[cuda_kernel] grid"),
                     to_dims3(threadgroup, "[cuda_kernel] threadgroup"),
                     template_list(template_args), init_value, /*verbose=*/false, s);
            if (verbose) {
              auto& p = static_cast<CustomKernel&>(outs[0].primitive());
              py::print("Generated source of " + p.symbol() + ":\n" + p.code());
            }
            return outs;
          },
          py::kw_only(), py::arg("inputs"), py::arg("output_shapes"), py::arg("output_dtypes"),
          py::arg("grid"), py::arg("threadgroup"), py::arg("template") = py::none(),
          py::arg("init_value") = py::none(), py::arg("verbose") = false,
          py::arg("stream") = py::none(),
          "Runs the kernel on `inputs` (arrays or scalars) and returns its outputs.\n\n"
          "grid counts threads per dimension and threadgroup is the CUDA block: the launch has\n"
          "ceil(grid / threadgroup) blocks, and threads outside grid return before the body.\n"
          "template: (name, value) pairs of bools, ints and dtypes, the kernel's template\n"
          "parameters. init_value fills the outputs before the launch; verbose prints the\n"
          "generated source.")
      .def(
          "_source",
          [](const PyCudaKernel& k, py::object inputs, py::object output_dtypes,
             py::object template_args) {
            std::vector<Dtype> in_dtypes;
            for (auto& a : input_arrays(inputs, "cuda_kernel")) in_dtypes.push_back(a.dtype());
            fast::CudaKernelSource ks = fast::cuda_kernel_source(
                k.name, k.input_names, k.output_names, k.source, k.header, k.atomic_outputs,
                in_dtypes, dtype_list(output_dtypes, "cuda_kernel"), template_list(template_args));
            return py::make_tuple(ks.source, ks.instance);
          },
          py::kw_only(), py::arg("inputs"), py::arg("output_dtypes"),
          py::arg("template") = py::none(),
          "(source, name expression) a call with these inputs compiles; needs no GPU.")
      .def("__repr__", [](const PyCudaKernel& k) { return "<CudaKernel " + k.name + ">"; });

  fast.def(
      "cuda_kernel",
      [](const std::string& name, std::vector<std::string> input_names,
         std::vector<std::string> output_names, const std::string& source,
         const std::string& header, bool ensure_row_contiguous, int shared_memory,
         bool atomic_outputs) {
        auto fn = fast::cuda_kernel(name, input_names, output_names, source, header,
                                    ensure_row_contiguous, shared_memory, atomic_outputs);
        return PyCudaKernel{name,   std::move(input_names), std::move(output_names), source,
                            header, atomic_outputs,         std::move(fn)};
      },
      py::arg("name"), py::arg("input_names"), py::arg("output_names"), py::arg("source"),
      py::arg("header") = "", py::arg("ensure_row_contiguous") = true,
      py::arg("shared_memory") = 0, py::arg("atomic_outputs") = false,
      "A custom CUDA kernel from the body `source`; its signature is generated from the\n"
      "inputs it is called with: `const T* x` per input x (plus x_shape, x_strides and x_ndim\n"
      "when the body uses them), `T* y` per output y (kiln::cu::atomic<T>* with\n"
      "atomic_outputs). `header` goes before the kernel (helpers, #includes). Inputs are made\n"
      "row contiguous unless ensure_row_contiguous=False; shared_memory is the dynamic\n"
      "shared memory in bytes. Compiled with NVRTC once and cached on disk.");

  fast.def(
      "precompiled_cuda_kernel",
      [](const std::string& name, py::bytes compiled_source, py::object inputs,
         py::object output_shapes, py::object output_dtypes, py::object scalars, py::object grid,
         py::object threadgroup, int shared_memory, std::optional<float> init_value,
         bool ensure_row_contiguous, StreamOrDevice s) {
        const char* op = "precompiled_cuda_kernel";
        return fast::precompiled_cuda_kernel(
            name, std::string(compiled_source), input_arrays(inputs, op),
            shape_list(output_shapes, op), dtype_list(output_dtypes, op), scalar_list(scalars),
            to_dims3(grid, "[precompiled_cuda_kernel] grid"),
            to_dims3(threadgroup, "[precompiled_cuda_kernel] threadgroup"), shared_memory,
            init_value, ensure_row_contiguous, s);
      },
      py::kw_only(), py::arg("name"), py::arg("compiled_source"), py::arg("inputs"),
      py::arg("output_shapes"), py::arg("output_dtypes"), py::arg("scalars"), py::arg("grid"),
      py::arg("threadgroup"), py::arg("shared_memory") = 0, py::arg("init_value") = py::none(),
      py::arg("ensure_row_contiguous") = false, py::arg("stream") = py::none(),
      "Runs the kernel `name` from PTX text or a cubin (bytes). Its parameters are a pointer\n"
      "per input, a pointer per output, then the scalars (bool, int32, float32). grid counts\n"
      "threads; the launch has ceil(grid / threadgroup) blocks.");

#if KILN_HAS_CUDA
  fast.def(
      "_nvrtc_compile",
      [](const std::string& source, const std::string& instance, const std::string& arch) {
        fast::CompiledCudaKernel k = fast::compile_cuda_kernel(source, instance, arch);
        return py::make_tuple(py::bytes(k.cubin), k.lowered_name);
      },
      py::arg("source"), py::arg("instance"), py::arg("arch") = "sm_90",
      "Compiles `source` with NVRTC for `arch` as custom kernels are compiled, without a GPU:\n"
      "(cubin bytes, lowered name of `instance`). For tests.");
#endif
}
