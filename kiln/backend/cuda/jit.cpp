#include "kiln/backend/cuda/jit.h"

#include <nvrtc.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>

#include "kiln/backend/cuda/runtime.h"
#include "kiln/dtype.h"

namespace kiln::cuda {

namespace {

void nvrtc_check(nvrtcResult r, const char* what) {
  if (r != NVRTC_SUCCESS) {
    throw std::runtime_error(std::string("[nvrtc] ") + what + ": " + nvrtcGetErrorString(r));
  }
}

// 64-bit FNV-1a: stable across processes and builds (std::hash is not).
uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

uint64_t headers_hash() {
  static const uint64_t h = [] {
    uint64_t acc = 1469598103934665603ull;
    for (auto& [name, text] : embedded_sources()) acc = fnv1a(text, fnv1a(name, acc));
    return acc;
  }();
  return h;
}

std::string nvrtc_version() {
  int major = 0, minor = 0;
  nvrtcVersion(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string read_file(const std::filesystem::path& p) {
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) return {};
  std::string data;
  char buf[1 << 16];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;) data.append(buf, n);
  std::fclose(f);
  return data;
}

void write_file_atomically(const std::filesystem::path& p, const std::string& data) {
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  auto tmp = p;
  tmp += ".tmp" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return;  // an unwritable cache only costs compile time
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok &= std::fclose(f) == 0;
  if (!ok) return;
  std::filesystem::rename(tmp, p, ec);
}

struct LoadedKernel {
  cudaLibrary_t library;
  cudaKernel_t kernel;
};

std::mutex jit_mutex;
JitStats stats;

}  // namespace

std::string cache_dir() {
  if (const char* d = std::getenv("KILN_CACHE_DIR")) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::string(x) + "/kiln";
  if (const char* h = std::getenv("HOME")) return std::string(h) + "/.cache/kiln";
  return "/tmp/kiln-cache";
}

CompiledModule compile(const std::string& source, const std::vector<std::string>& instances,
                       const std::string& arch, const std::vector<std::string>& options) {
  const auto& headers = embedded_sources();
  std::vector<const char*> texts, names;
  for (auto& [name, text] : headers) {
    names.push_back(name.c_str());
    texts.push_back(text.c_str());
  }
  nvrtcProgram prog;
  nvrtc_check(nvrtcCreateProgram(&prog, source.c_str(), "kiln_kernel.cu", int(texts.size()),
                                 texts.data(), names.data()),
              "nvrtcCreateProgram");
  struct Guard {
    nvrtcProgram* p;
    ~Guard() { nvrtcDestroyProgram(p); }
  } guard{&prog};
  for (auto& inst : instances) nvrtc_check(nvrtcAddNameExpression(prog, inst.c_str()), inst.c_str());

  std::vector<std::string> opts = {"--gpu-architecture=" + arch, "-std=c++17", "-default-device"};
  opts.insert(opts.end(), options.begin(), options.end());
  std::vector<const char*> copts;
  for (auto& o : opts) copts.push_back(o.c_str());
  nvrtcResult r = nvrtcCompileProgram(prog, int(copts.size()), copts.data());
  if (r != NVRTC_SUCCESS) {
    size_t n = 0;
    nvrtcGetProgramLogSize(prog, &n);
    std::string log(n, '\0');
    nvrtcGetProgramLog(prog, log.data());
    log.resize(std::strlen(log.c_str()));  // the size counts the terminating NUL
    throw std::runtime_error("[nvrtc] compiling for " + arch + " failed:\n" + log +
                             "\n--- source ---\n" + source);
  }
  CompiledModule out;
  for (auto& inst : instances) {
    const char* lowered = nullptr;
    nvrtc_check(nvrtcGetLoweredName(prog, inst.c_str(), &lowered), "nvrtcGetLoweredName");
    out.lowered_names.emplace_back(lowered);
  }
  size_t size = 0;
  nvrtc_check(nvrtcGetCUBINSize(prog, &size), "nvrtcGetCUBINSize");
  out.cubin.resize(size);
  nvrtc_check(nvrtcGetCUBIN(prog, out.cubin.data()), "nvrtcGetCUBIN");
  return out;
}

namespace {
uint64_t cache_key(const std::string& source, const std::string& instance, const std::string& arch,
                   const std::vector<std::string>& options) {
  std::string opts;
  for (auto& o : options) opts += o + "|";
  return fnv1a(arch + "|" + nvrtc_version() + "|" + opts + instance + "|" + source, headers_hash());
}

// The cached cubin and lowered name, compiling and storing them when missing.
std::pair<std::string, std::string> cubin_for(const std::string& source,
                                              const std::string& instance,
                                              const std::string& arch,
                                              const std::vector<std::string>& options,
                                              bool* compiled) {
  std::filesystem::path base =
      std::filesystem::path(cache_dir()) / hex(cache_key(source, instance, arch, options));
  std::string cubin = read_file(base.string() + ".cubin");
  std::string lowered = read_file(base.string() + ".name");
  *compiled = cubin.empty() || lowered.empty();
  if (*compiled) {
    CompiledModule m = compile(source, {instance}, arch, options);
    cubin = std::move(m.cubin);
    lowered = m.lowered_names[0];
    write_file_atomically(base.string() + ".cubin", cubin);
    write_file_atomically(base.string() + ".name", lowered);
  }
  return {std::move(cubin), std::move(lowered)};
}

}  // namespace

std::string source_for(const std::string& file) {
  return "#include \"kiln/backend/cuda/kernels/" + file + "\"\n";
}

bool warm_cache(const std::string& source, const std::string& instance, const std::string& arch) {
  bool compiled = false;
  cubin_for(source, instance, arch, {}, &compiled);
  return compiled;
}

cudaKernel_t get_kernel(const std::string& source, const std::string& instance, int device,
                        const std::vector<std::string>& options) {
  const std::string arch = "sm_" + std::to_string(device_properties(device).arch);
  const uint64_t key = cache_key(source, instance, arch, options);
  static std::unordered_map<uint64_t, LoadedKernel> loaded;
  std::lock_guard<std::mutex> lock(jit_mutex);
  if (auto it = loaded.find(key); it != loaded.end()) return it->second.kernel;
  bool compiled = false;
  auto [cubin, lowered] = cubin_for(source, instance, arch, options, &compiled);
  ++(compiled ? stats.compiled : stats.disk_hits);
  LoadedKernel k;
  KILN_CUDA_CHECK(cudaLibraryLoadData(&k.library, cubin.data(), nullptr, nullptr, 0, nullptr,
                                      nullptr, 0));
  KILN_CUDA_CHECK(cudaLibraryGetKernel(&k.kernel, k.library, lowered.c_str()));
  loaded.emplace(key, k);
  return k.kernel;
}

void launch(cudaKernel_t kernel, dim3 grid, dim3 block, void** args, size_t shared_mem,
            cudaStream_t stream) {
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) return;
  KILN_CUDA_CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(kernel), grid, block, args,
                                   shared_mem, stream));
}

JitStats jit_stats() {
  std::lock_guard<std::mutex> lock(jit_mutex);
  return stats;
}

const char* kernel_type_name(int dtype_index) {
  static const char* names[Dtype::count] = {
      "bool",    "uint8_t", "uint16_t", "uint32_t", "uint64_t",
      "int8_t",  "int16_t", "int32_t",  "int64_t",  "kiln::float16_t",
      "kiln::bfloat16_t", "float", "double", "kiln::complex64_t"};
  return names[dtype_index];
}

}  // namespace kiln::cuda
