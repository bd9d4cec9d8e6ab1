// Custom CUDA kernels (mx.fast.cuda_kernel, mx.fast.precompiled_cuda_kernel): a user's kernel
// body, whose signature is generated from the inputs it is called with, or a kernel the user
// compiled to PTX or cubin. They run on the GPU only.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kiln/array.h"
#include "kiln/primitives/custom_kernel.h"
#include "kiln/stream.h"

namespace kiln::fast {

// A template argument: `template <int N>`, `template <bool B>` or `template <typename T>`.
using TemplateArg = std::variant<int, bool, Dtype>;
using TemplateArgs = std::vector<std::pair<std::string, TemplateArg>>;

// The generated source of one specialization of a custom kernel and the name expression
// (the kernel's name with its template arguments) that NVRTC instantiates.
struct CudaKernelSource {
  std::string source;
  std::string instance;
};

// Calls a custom kernel: `grid` counts threads (as in mx.fast.metal_kernel), `threadgroup` is
// the CUDA block. The kernel launches ceil(grid / threadgroup) blocks per dimension and
// threads outside `grid` return before the body. With `init_value`, the outputs are filled
// with it before the launch; else they start uninitialized. `verbose` prints the source.
using CudaKernelFunction = std::function<std::vector<array>(
    const std::vector<array>& inputs, const std::vector<Shape>& output_shapes,
    const std::vector<Dtype>& output_dtypes, Dims3 grid, Dims3 threadgroup,
    const TemplateArgs& template_args, std::optional<float> init_value, bool verbose,
    StreamOrDevice s)>;

// A kernel from the body `source`. Its generated signature takes, per input `x`, `const T* x`
// (T the input's element type) followed by `const kiln::cu::Dims x_shape`,
// `const kiln::cu::Dims x_strides` (elements) and `const int x_ndim` when the body mentions
// them; then per output `T* y` (`kiln::cu::atomic<T>* y` with atomic_outputs). Template
// arguments become the kernel's template parameters; `header` goes before the kernel.
// Inputs are made row contiguous first unless ensure_row_contiguous is false. The kernel
// is compiled with NVRTC on first use and cached in memory and on disk.
CudaKernelFunction cuda_kernel(const std::string& name, const std::vector<std::string>& input_names,
                               const std::vector<std::string>& output_names,
                               const std::string& source, const std::string& header = "",
                               bool ensure_row_contiguous = true, int shared_memory = 0,
                               bool atomic_outputs = false);

// The source a kernel made by cuda_kernel(...) generates for inputs of these dtypes and
// ranks (what a call compiles); needs no GPU.
CudaKernelSource cuda_kernel_source(const std::string& name,
                                    const std::vector<std::string>& input_names,
                                    const std::vector<std::string>& output_names,
                                    const std::string& source, const std::string& header,
                                    bool atomic_outputs, const std::vector<Dtype>& input_dtypes,
                                    const std::vector<Dtype>& output_dtypes,
                                    const TemplateArgs& template_args);

// Runs the kernel `name` (its symbol: an extern "C" name or a mangled one) from PTX text or a
// cubin. Its arguments are a pointer per input, a pointer per output, then the scalars.
std::vector<array> precompiled_cuda_kernel(
    const std::string& name, const std::string& compiled_source, const std::vector<array>& inputs,
    const std::vector<Shape>& output_shapes, const std::vector<Dtype>& output_dtypes,
    const std::vector<ScalarArg>& scalars, Dims3 grid, Dims3 threadgroup, int shared_memory = 0,
    std::optional<float> init_value = std::nullopt, bool ensure_row_contiguous = false,
    StreamOrDevice s = {});

#if KILN_HAS_CUDA
// Compiles `source` with NVRTC for `arch` ("sm_90") as custom kernels are compiled, with no
// GPU needed: the cubin and the lowered (mangled) name of the name expression `instance`.
struct CompiledCudaKernel {
  std::string cubin;
  std::string lowered_name;
};
CompiledCudaKernel compile_cuda_kernel(const std::string& source, const std::string& instance,
                                       const std::string& arch);
#endif

}  // namespace kiln::fast
