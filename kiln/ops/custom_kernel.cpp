#include "kiln/ops/custom_kernel.h"

#include <cctype>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "kiln/error.h"
#include "kiln/primitives/custom_kernel.h"

#if KILN_HAS_CUDA
#include "kiln/backend/cuda/jit.h"
#endif

namespace kiln::fast {

namespace {

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

void check_identifier(const char* op, const std::string& what, const std::string& s) {
  if (!is_identifier(s)) {
    fail(op, what, " '", s,
         "' is not a valid C++ identifier (letters, digits and _, not starting with a digit)");
  }
}

// The element type as kernel code spells it (kiln/types and the NVRTC integer typedefs).
std::string cuda_type(Dtype d) {
  if (d == bool_) return "bool";
  if (d == float16) return "kiln::float16_t";
  if (d == bfloat16) return "kiln::bfloat16_t";
  if (d == float32) return "float";
  if (d == float64) return "double";
  if (d == complex64) return "kiln::complex64_t";
  return std::string(dtype_name(d)) + "_t";  // int8_t ... uint64_t
}

bool mentions(const std::string& text, const std::string& word) {
  return text.find(word) != std::string::npos;
}

// The stream a custom kernel runs on: a GPU stream, or a clear error.
Stream gpu_stream(const char* op, StreamOrDevice s) {
  if (s.kind == StreamOrDevice::Kind::none && !is_available(Device::gpu)) {
    fail(op,
         "custom CUDA kernels need a GPU, and none is usable here (the default device is the CPU)");
  }
  Stream st = to_stream(s);
  if (st.device.type != Device::gpu) {
    fail(op, "custom CUDA kernels run only on the GPU; got ", to_string(st),
         (is_available(Device::gpu) ? "" : " (no GPU is usable here)"));
  }
  return st;
}

void check_launch(const char* op, const Dims3& grid, const Dims3& threadgroup, int shared_memory) {
  int64_t threads = 1;
  const char* axis[] = {"x", "y", "z"};
  for (int d = 0; d < 3; ++d) {
    if (grid[d] < 0) {
      fail(op, "grid.", axis[d], " must not be negative; got ", grid[d]);
    }
    if (threadgroup[d] < 1) {
      fail(op, "threadgroup.", axis[d], " must be at least 1; got ", threadgroup[d]);
    }
    threads *= threadgroup[d];
    int64_t blocks = (int64_t(grid[d]) + threadgroup[d] - 1) / threadgroup[d];
    if (d > 0 && blocks > 65535) {
      fail(op, "grid.", axis[d], " = ", grid[d], " needs ", blocks,
           " blocks; CUDA allows at most 65535 along y and z");
    }
  }
  if (threads > 1024) {
    fail(op, "a threadgroup has at most 1024 threads; got ", threadgroup[0], " x ", threadgroup[1],
         " x ", threadgroup[2]);
  }
  if (shared_memory < 0) {
    fail(op, "shared_memory must not be negative; got ", shared_memory);
  }
}

void check_outputs(const char* op, size_t n, const std::vector<Shape>& shapes,
                   const std::vector<Dtype>& dtypes) {
  if (shapes.size() != n || dtypes.size() != n) {
    fail(op, "expected ", n, " output shapes and dtypes; got ", shapes.size(), " shapes and ",
         dtypes.size(), " dtypes");
  }
  for (auto& s : shapes) shape_size(s);  // throws on negative dimensions
}

std::string template_value(const TemplateArg& arg) {
  if (auto* b = std::get_if<bool>(&arg)) return *b ? "true" : "false";
  if (auto* i = std::get_if<int>(&arg)) return std::to_string(*i);
  return cuda_type(std::get<Dtype>(arg));
}

std::string template_param(const std::string& name, const TemplateArg& arg) {
  if (std::holds_alternative<bool>(arg)) return "bool " + name;
  if (std::holds_alternative<int>(arg)) return "int " + name;
  return "typename " + name;
}

}  // namespace

CudaKernelSource cuda_kernel_source(const std::string& name,
                                    const std::vector<std::string>& input_names,
                                    const std::vector<std::string>& output_names,
                                    const std::string& source, const std::string& header,
                                    bool atomic_outputs, const std::vector<Dtype>& input_dtypes,
                                    const std::vector<Dtype>& output_dtypes,
                                    const TemplateArgs& template_args) {
  std::set<std::string> seen;
  for (auto& [tname, arg] : template_args) {
    check_identifier("cuda_kernel", "template argument name", tname);
    if (!seen.insert(tname).second) {
      fail("cuda_kernel", "template argument '", tname, "' is given twice");
    }
  }
  std::string kernel = "custom_kernel_" + name;
  std::string s = "#include \"kiln/backend/cuda/kernels/custom_kernel.cuh\"\n";
  if (mentions(source, "cooperative_groups") || mentions(source, "cg::") ||
      mentions(header, "cooperative_groups") || mentions(header, "cg::")) {
    s += "#include <cooperative_groups.h>\nnamespace cg = cooperative_groups;\n";
  }
  if (!header.empty()) s += "#line 1 \"header\"\n" + header + "\n";
  s += "#line 1 \"kiln_generated\"\nnamespace kiln::cu {\n\n";
  if (!template_args.empty()) {
    s += "template <";
    for (size_t i = 0; i < template_args.size(); ++i) {
      s += (i ? ", " : "") + template_param(template_args[i].first, template_args[i].second);
    }
    s += ">\n";
  }
  s += "__global__ void " + kernel + "(\n";
  for (size_t i = 0; i < input_names.size(); ++i) {
    const std::string& n = input_names[i];
    s += "    const " + cuda_type(input_dtypes[i]) + "* __restrict__ " + n + ",\n";
    if (mentions(source, n + "_shape")) s += "    const kiln::cu::Dims " + n + "_shape,\n";
    if (mentions(source, n + "_strides")) s += "    const kiln::cu::Dims " + n + "_strides,\n";
    if (mentions(source, n + "_ndim")) s += "    const int " + n + "_ndim,\n";
  }
  for (size_t i = 0; i < output_names.size(); ++i) {
    std::string t = cuda_type(output_dtypes[i]);
    s += "    " + (atomic_outputs ? "kiln::cu::atomic<" + t + ">" : t) + "* " +
         output_names[i] + ",\n";
  }
  // Threads past the requested grid (the last block of each dimension may be partial)
  // leave before the body, so a body indexed by thread position stays in bounds.
  s += "    const uint3 kiln_grid_size_) {\n"
       "  if (blockIdx.x * blockDim.x + threadIdx.x >= kiln_grid_size_.x ||\n"
       "      blockIdx.y * blockDim.y + threadIdx.y >= kiln_grid_size_.y ||\n"
       "      blockIdx.z * blockDim.z + threadIdx.z >= kiln_grid_size_.z) {\n"
       "    return;\n"
       "  }\n"
       "#line 1 \"source\"\n";
  s += source;
  s += "\n}\n\n}  // namespace kiln::cu\n";

  std::string instance = "kiln::cu::" + kernel;
  if (!template_args.empty()) {
    instance += "<";
    for (size_t i = 0; i < template_args.size(); ++i) {
      instance += (i ? ", " : "") + template_value(template_args[i].second);
    }
    instance += ">";
  }
  return {std::move(s), std::move(instance)};
}

CudaKernelFunction cuda_kernel(const std::string& name, const std::vector<std::string>& input_names,
                               const std::vector<std::string>& output_names,
                               const std::string& source, const std::string& header,
                               bool ensure_row_contiguous, int shared_memory,
                               bool atomic_outputs) {
  const char* op = "cuda_kernel";
  check_identifier(op, "kernel name", name);
  if (output_names.empty()) {
    throw std::invalid_argument("[cuda_kernel] a kernel needs at least one output name");
  }
  std::set<std::string> names;
  for (auto* list : {&input_names, &output_names}) {
    for (auto& n : *list) {
      check_identifier(op, list == &input_names ? "input name" : "output name", n);
      if (!names.insert(n).second) {
        fail("cuda_kernel", "the name '", n, "' is used twice");
      }
    }
  }
  if (shared_memory < 0) {
    fail("cuda_kernel", "shared_memory must not be negative; got ", shared_memory);
  }
  std::vector<CustomKernel::ShapeInfo> shape_infos;
  for (auto& n : input_names) {
    shape_infos.push_back({mentions(source, n + "_shape"), mentions(source, n + "_strides"),
                           mentions(source, n + "_ndim")});
  }

  return [=](const std::vector<array>& inputs, const std::vector<Shape>& output_shapes,
             const std::vector<Dtype>& output_dtypes, Dims3 grid, Dims3 threadgroup,
             const TemplateArgs& template_args, std::optional<float> init_value, bool verbose,
             StreamOrDevice s) {
    if (inputs.size() != input_names.size()) {
      fail("cuda_kernel", "kernel '", name, "' takes ", input_names.size(), " inputs; got ",
           inputs.size());
    }
    check_outputs(op, output_names.size(), output_shapes, output_dtypes);
    check_launch(op, grid, threadgroup, shared_memory);
    std::vector<Dtype> input_dtypes;
    for (size_t i = 0; i < inputs.size(); ++i) {
      input_dtypes.push_back(inputs[i].dtype());
      bool dims = shape_infos[i].shape || shape_infos[i].strides;
      if (dims && inputs[i].ndim() > kMaxKernelDims) {
        fail("cuda_kernel", "input '", input_names[i], "' has ", inputs[i].ndim(),
             " dimensions; a kernel's shape and strides parameters hold at most ", kMaxKernelDims);
      }
    }
    CudaKernelSource ks =
        cuda_kernel_source(name, input_names, output_names, source, header, atomic_outputs,
                           input_dtypes, output_dtypes, template_args);
    Stream st = gpu_stream(op, s);
    if (verbose) {
      std::printf("Generated source of %s:\n%s\n", ks.instance.c_str(), ks.source.c_str());
      std::fflush(stdout);
    }
    auto prim = std::make_shared<CustomKernel>(
        st, name, std::move(ks.source), std::move(ks.instance), /*precompiled=*/false,
        CustomKernel::Launch{grid, threadgroup, shared_memory}, shape_infos,
        ensure_row_contiguous, init_value, std::vector<ScalarArg>{});
    return array::make_arrays(output_shapes, output_dtypes, prim, inputs);
  };
}

std::vector<array> precompiled_cuda_kernel(
    const std::string& name, const std::string& compiled_source, const std::vector<array>& inputs,
    const std::vector<Shape>& output_shapes, const std::vector<Dtype>& output_dtypes,
    const std::vector<ScalarArg>& scalars, Dims3 grid, Dims3 threadgroup, int shared_memory,
    std::optional<float> init_value, bool ensure_row_contiguous, StreamOrDevice s) {
  const char* op = "precompiled_cuda_kernel";
  if (name.empty()) {
    throw std::invalid_argument("[precompiled_cuda_kernel] the kernel name must not be empty");
  }
  if (compiled_source.empty()) {
    throw std::invalid_argument("[precompiled_cuda_kernel] compiled_source is empty; pass PTX "
                                "text or a cubin");
  }
  if (output_shapes.empty()) {
    throw std::invalid_argument("[precompiled_cuda_kernel] a kernel needs at least one output");
  }
  check_outputs(op, output_shapes.size(), output_shapes, output_dtypes);
  check_launch(op, grid, threadgroup, shared_memory);
  Stream st = gpu_stream(op, s);
  auto prim = std::make_shared<CustomKernel>(
      st, name, compiled_source, name, /*precompiled=*/true,
      CustomKernel::Launch{grid, threadgroup, shared_memory},
      std::vector<CustomKernel::ShapeInfo>(inputs.size()), ensure_row_contiguous, init_value,
      scalars);
  return array::make_arrays(output_shapes, output_dtypes, prim, inputs);
}

#if KILN_HAS_CUDA
CompiledCudaKernel compile_cuda_kernel(const std::string& source, const std::string& instance,
                                       const std::string& arch) {
  cuda::CompiledModule mod =
      cuda::compile(source, {instance}, arch, cuda::toolkit_include_options());
  return {std::move(mod.cubin), std::move(mod.lowered_names[0])};
}
#endif

}  // namespace kiln::fast
