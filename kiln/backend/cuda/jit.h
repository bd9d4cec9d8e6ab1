// Run-time compilation of the kernel sources with NVRTC, for the running GPU's architecture.
// Kernels are cached in memory and on disk ($KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else
// ~/.cache/kiln), keyed by a hash of the source, the embedded headers, the instantiation, the
// architecture and the NVRTC version, so a new process starts warm.
#pragma once

#include <cuda_runtime.h>

#include <string>
#include <utility>
#include <vector>

namespace kiln::cuda {

// Headers and kernel files embedded at build time, keyed by include path.
const std::vector<std::pair<std::string, std::string>>& embedded_sources();

struct CompiledModule {
  std::string cubin;
  std::vector<std::string> lowered_names;  // one per requested instantiation
};

// Compiles `source` (CUDA C++ that may #include the embedded headers) and instantiates each
// name expression (e.g. "kiln::cu::unary_dense<kiln::ew::Exp, float, float, 4>") for
// `arch` ("sm_90"). Throws std::runtime_error with the compiler log and the source on error.
CompiledModule compile(const std::string& source, const std::vector<std::string>& instances,
                       const std::string& arch, const std::vector<std::string>& options = {});

// The kernel for one instantiation of `source` on `device`, compiled (with the extra NVRTC
// `options`) or loaded on first use.
cudaKernel_t get_kernel(const std::string& source, const std::string& instance, int device,
                        const std::vector<std::string>& options = {});

// Launches with cudaLaunchKernel; `args` points to each argument's value.
void launch(cudaKernel_t kernel, dim3 grid, dim3 block, void** args, size_t shared_mem,
            cudaStream_t stream);

// The module source that includes a kernel file (what launch_kernel compiles).
std::string source_for(const std::string& file);
// Compiles `instance` of `source` for `arch` into the disk cache unless it is there already.
// Returns true when it compiled.
bool warm_cache(const std::string& source, const std::string& instance, const std::string& arch);

// NVRTC options that make the toolkit's headers (cooperative_groups.h, cuda_fp16.h...)
// includable, for custom kernels: found from $CUDA_HOME, $CUDA_PATH, the toolkit Kiln was
// built with, or /usr/local/cuda; empty when none has them.
const std::vector<std::string>& toolkit_include_options();

// Statistics for tests: compilations done and disk-cache hits in this process.
struct JitStats {
  size_t compiled = 0;
  size_t disk_hits = 0;
};
JitStats jit_stats();
std::string cache_dir();

// The C++ spelling of a dtype in kernel code (e.g. "kiln::float16_t", "int64_t").
const char* kernel_type_name(int dtype_index);

}  // namespace kiln::cuda
