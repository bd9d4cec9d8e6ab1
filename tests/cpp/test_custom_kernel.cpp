// Custom CUDA kernels without a GPU: the generated sources compile with NVRTC for sm_90
// (every atomic operation on every dtype included), compile errors carry the log and the
// source, and calls on the CPU fail clearly.
#include <gtest/gtest.h>

#include "kiln/kiln.h"

#if KILN_HAS_CUDA
#include "kiln/backend/cuda/jit.h"
#endif

using namespace kiln;

namespace {

#if KILN_HAS_CUDA
void compiles(const fast::CudaKernelSource& ks) {
  try {
    cuda::CompiledModule m =
        cuda::compile(ks.source, {ks.instance}, "sm_90", cuda::toolkit_include_options());
    EXPECT_FALSE(m.cubin.empty());
  } catch (const std::exception& e) {
    ADD_FAILURE() << ks.instance << ":\n" << e.what();
  }
}
#endif

}  // namespace

TEST(CustomKernel, SignatureFollowsInputs) {
  auto ks = fast::cuda_kernel_source(
      "myexp", {"inp", "w"}, {"out"},
      "  long long i = blockIdx.x * blockDim.x + threadIdx.x;\n"
      "  out[i] = T(math::exp(float(inp[elem_to_loc(i, inp_shape, inp_strides, inp_ndim)])));\n",
      "", false, {float16, int32}, {float32}, {{"T", float32}, {"N", 3}, {"B", true}});
  EXPECT_NE(ks.source.find("const kiln::float16_t* __restrict__ inp,"), std::string::npos);
  EXPECT_NE(ks.source.find("const kiln::cu::Dims inp_shape,"), std::string::npos);
  EXPECT_NE(ks.source.find("const kiln::cu::Dims inp_strides,"), std::string::npos);
  EXPECT_NE(ks.source.find("const int inp_ndim,"), std::string::npos);
  EXPECT_EQ(ks.source.find("w_shape"), std::string::npos);  // not used by the body
  EXPECT_NE(ks.source.find("const int32_t* __restrict__ w,"), std::string::npos);
  EXPECT_NE(ks.source.find("    float* out,"), std::string::npos);
  EXPECT_NE(ks.source.find("template <typename T, int N, bool B>"), std::string::npos);
  EXPECT_EQ(ks.instance, "kiln::cu::custom_kernel_myexp<float, 3, true>");
#if KILN_HAS_CUDA
  compiles(ks);
#endif
}

TEST(CustomKernel, BadNamesAreRejected) {
  EXPECT_THROW(fast::cuda_kernel("my kernel", {"a"}, {"b"}, ""), std::invalid_argument);
  EXPECT_THROW(fast::cuda_kernel("k", {"1a"}, {"b"}, ""), std::invalid_argument);
  EXPECT_THROW(fast::cuda_kernel("k", {"a"}, {"a"}, ""), std::invalid_argument);
  EXPECT_THROW(fast::cuda_kernel("k", {"a"}, {}, ""), std::invalid_argument);
  EXPECT_THROW(fast::cuda_kernel_source("k", {"a"}, {"b"}, "", "", false, {float32}, {float32},
                                        {{"T", float32}, {"T", 1}}),
               std::invalid_argument);
}

TEST(CustomKernel, CpuStreamIsAClearError) {
  auto k = fast::cuda_kernel("copy", {"a"}, {"b"}, "b[0] = a[0];");
  array a({1.0f, 2.0f});
  try {
    k({a}, {{2}}, {float32}, {2, 1, 1}, {2, 1, 1}, {}, std::nullopt, false, Device::cpu);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("only on the GPU"), std::string::npos) << e.what();
  }
  EXPECT_THROW(fast::precompiled_cuda_kernel("k", "ptx", {a}, {{2}}, {float32}, {}, {2, 1, 1},
                                             {2, 1, 1}, 0, std::nullopt, false, Device::cpu),
               std::invalid_argument);
}

#if KILN_HAS_CUDA

TEST(CustomKernel, EveryAtomicOnEveryDtypeCompiles) {
  // Integer-only and ordered operations are left out where the type has no such operation.
  const char* body =
      "  auto i = blockIdx.x * blockDim.x + threadIdx.x;\n"
      "  T v = T(a[i]);\n"
      "  out[0].fetch_add(v);\n"
      "  out[1].fetch_sub(v);\n"
      "  out[2].exchange(v);\n"
      "  out[3].store(v);\n"
      "  T expected = out[4].load();\n"
      "  out[4].compare_exchange(expected, v);\n"
      "  atomic_fetch_add_explicit(&out[5], v, memory_order_relaxed);\n"
      "  if constexpr (Ordered) {\n"
      "    out[6].fetch_max(v);\n"
      "    atomic_fetch_min_explicit(&out[7], v, memory_order_relaxed);\n"
      "  }\n";
  for (Dtype d : all_dtypes) {
    if (d == bool_) continue;  // bool has no arithmetic: checked below
    auto ks = fast::cuda_kernel_source("atomics", {"a"}, {"out"}, body, "", true, {float32}, {d},
                                       {{"T", d}, {"Ordered", !is_complex(d)}});
    compiles(ks);
  }
  auto flags = fast::cuda_kernel_source(
      "flags", {"a"}, {"out"},
      "  out[threadIdx.x % 3].store(a[threadIdx.x] > 0);\n"
      "  bool e = false;\n"
      "  out[3].compare_exchange(e, true);\n"
      "  out[4].fetch_max(true);\n",
      "", true, {float32}, {bool_}, {});
  compiles(flags);
}

TEST(CustomKernel, CooperativeGroupsAndHeaderCompile) {
  auto ks = fast::cuda_kernel_source(
      "cg_copy", {"inp"}, {"out"},
      "  auto elem = cooperative_groups::this_grid().thread_rank();\n"
      "  out[elem] = twice(inp[elem]);\n",
      "template <typename T> __device__ T twice(T x) { return x + x; }\n", false, {float32},
      {float32}, {});
  compiles(ks);
}

TEST(CustomKernel, CompileErrorsCarryTheLogAndSource) {
  auto ks = fast::cuda_kernel_source("broken", {"a"}, {"b"}, "  b[0] = a[0] + undefined_name;\n",
                                     "", false, {float32}, {float32}, {});
  try {
    cuda::compile(ks.source, {ks.instance}, "sm_90", cuda::toolkit_include_options());
    FAIL() << "expected a compile error";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("undefined_name"), std::string::npos) << msg;
    EXPECT_NE(msg.find("source(1)"), std::string::npos) << msg;  // the line in the body
    EXPECT_NE(msg.find("custom_kernel_broken"), std::string::npos) << msg;
  }
}

#endif
