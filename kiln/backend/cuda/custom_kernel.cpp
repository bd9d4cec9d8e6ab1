// GPU evaluation of CustomKernel: fills or allocates the outputs, makes the inputs row
// contiguous when asked, gets the kernel (NVRTC-compiled and cached, or loaded from the
// user's PTX/cubin) and launches it with the arguments its signature expects.
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/launch.h"
#include "kiln/primitives/custom_kernel.h"

namespace kiln::cuda {

const std::vector<std::string>& toolkit_include_options() {
  static const std::vector<std::string> options = [] {
    std::vector<std::string> roots;
    for (const char* env : {"CUDA_HOME", "CUDA_PATH"}) {
      if (const char* v = std::getenv(env)) roots.emplace_back(v);
    }
#ifdef KILN_CUDA_TOOLKIT_ROOT
    roots.emplace_back(KILN_CUDA_TOOLKIT_ROOT);
#endif
    roots.emplace_back("/usr/local/cuda");
    std::error_code ec;
    for (auto& r : roots) {
      std::filesystem::path inc = std::filesystem::path(r) / "include";
      if (!std::filesystem::exists(inc / "cooperative_groups.h", ec)) continue;
      std::vector<std::string> o = {"-I" + inc.string()};
      // CUDA 13 keeps libcu++ (cuda/std/...), which those headers use, in include/cccl.
      if (std::filesystem::exists(inc / "cccl", ec)) o.push_back("-I" + (inc / "cccl").string());
      return o;
    }
    return std::vector<std::string>{};
  }();
  return options;
}

}  // namespace kiln::cuda

namespace kiln {

using namespace cuda;

namespace {

static_assert(fast::kMaxKernelDims == cu::kMaxDims, "kiln::cu::Dims holds kMaxDims values");

// 64-bit FNV-1a of the code: the key of a loaded precompiled kernel.
uint64_t code_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// A kernel from the user's PTX or cubin, loaded once per code and name. The driver compiles
// PTX for the running GPU; its error log is part of the error.
cudaKernel_t precompiled_kernel(const std::string& code, const std::string& name) {
  static std::mutex mutex;
  static std::unordered_map<uint64_t, std::pair<cudaLibrary_t, cudaKernel_t>> loaded;
  uint64_t key = code_hash(code) ^ (code_hash(name) * 31);
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = loaded.find(key); it != loaded.end()) return it->second.second;
  char log[4096] = {0};
  cudaJitOption opts[] = {cudaJitErrorLogBuffer, cudaJitErrorLogBufferSizeBytes};
  void* values[] = {log, reinterpret_cast<void*>(uintptr_t(sizeof(log)))};
  cudaLibrary_t lib;
  // c_str(): PTX must end with a NUL; a cubin is read by its own header.
  cudaError_t err =
      cudaLibraryLoadData(&lib, code.c_str(), opts, values, 2, nullptr, nullptr, 0);
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error("[precompiled_cuda_kernel] loading the PTX/cubin of '" + name +
                             "' failed: " + cudaGetErrorString(err) +
                             (log[0] ? std::string("\n") + log : std::string()));
  }
  cudaKernel_t kernel;
  err = cudaLibraryGetKernel(&kernel, lib, name.c_str());
  if (err != cudaSuccess) {
    cudaGetLastError();
    cudaLibraryUnload(lib);
    throw std::runtime_error("[precompiled_cuda_kernel] no kernel named '" + name +
                             "' in the given PTX/cubin (" + cudaGetErrorString(err) +
                             "); C++ kernels need extern \"C\" or their mangled name");
  }
  loaded.emplace(key, std::make_pair(lib, kernel));
  return kernel;
}

// Argument values in the order of the kernel's parameters, each in its own storage.
class KernelArgs {
 public:
  template <typename T>
  void add(const T& v) {
    auto p = std::make_unique<char[]>(sizeof(T));
    std::memcpy(p.get(), &v, sizeof(T));
    ptrs_.push_back(p.get());
    storage_.push_back(std::move(p));
  }
  void** data() { return ptrs_.data(); }

 private:
  std::vector<std::unique_ptr<char[]>> storage_;
  std::vector<void*> ptrs_;
};

std::array<long long, cu::kMaxDims> dims(const std::vector<int64_t>& v) {
  std::array<long long, cu::kMaxDims> d{};
  for (size_t i = 0; i < v.size(); ++i) d[i] = v[i];
  return d;
}

}  // namespace

void CustomKernel::eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const Stream& s = stream();
  int device = stream_device(s);
  for (auto& out : outputs) {
    allocate(out, s);
    if (!init_value_ || out.size() == 0) continue;
    array value(*init_value_, out.dtype());
    launch_kernel(s, fill_spec(out.dtype()), grid_blocks(out.size(), device), kBlockThreads, 0,
                  device_ptr<void>(out), device_ptr<const void>(value), (long long)out.size());
  }
  std::vector<array> checked;
  for (const array& in : inputs) {
    if (ensure_row_contiguous_ && !in.flags().row_contiguous) {
      array c(in.shape(), in.dtype(), nullptr, {});
      copy_to_new(in, c, s, /*row_major=*/true);
      checked.push_back(std::move(c));
    } else {
      checked.push_back(in);
    }
  }

  const auto& [gx, gy, gz] = launch_.grid;
  const auto& [tx, ty, tz] = launch_.threadgroup;
  dim3 block(tx, ty, tz);
  dim3 grid(unsigned(ceil_div(gx, tx)), unsigned(ceil_div(gy, ty)), unsigned(ceil_div(gz, tz)));
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;

  cudaKernel_t kernel = precompiled_ ? precompiled_kernel(code_, symbol_)
                                     : get_kernel(code_, symbol_, device, toolkit_include_options());
  int smem = launch_.shared_memory;
  if (smem > 48 * 1024) {
    size_t limit = device_properties(device).max_shared_per_block;
    if (size_t(smem) > limit) {
      throw std::invalid_argument("[cuda_kernel] '" + name_ + "' asks for " +
                                  std::to_string(smem) + " bytes of shared memory; this GPU " +
                                  "allows " + std::to_string(limit) + " per block");
    }
    KILN_CUDA_CHECK(cudaKernelSetAttributeForDevice(
        kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem, device));
  }

  KernelArgs args;
  for (size_t i = 0; i < checked.size(); ++i) {
    const array& in = checked[i];
    args.add(in.size() ? device_ptr<const void>(in) : static_cast<const void*>(nullptr));
    if (precompiled_) continue;
    const ShapeInfo& info = shape_infos_[i];
    if (info.shape) args.add(dims(in.shape()));
    if (info.strides) args.add(dims(in.strides()));
    if (info.ndim) args.add(int(in.ndim()));
  }
  for (auto& out : outputs) {
    args.add(out.size() ? device_ptr<void>(out) : static_cast<void*>(nullptr));
  }
  if (precompiled_) {
    for (auto& sc : scalars_) std::visit([&](auto v) { args.add(v); }, sc);
  } else {
    args.add(uint3{unsigned(gx), unsigned(gy), unsigned(gz)});
  }
  launch(kernel, grid, block, args.data(), size_t(smem), cuda_stream(s));
}

}  // namespace kiln
