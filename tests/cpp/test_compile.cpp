// compile from C++: results equal the uncompiled function's, traces are reused, regions
// fuse, and the CUDA code generated for representative regions compiles with NVRTC for sm_90
// (no GPU needed; skipped when the CUDA backend is not built).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "helpers.h"
#include "kiln/kiln.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/compiled.h"
#include "kiln/primitives/matmul.h"
#include "kiln/primitives/reduce.h"
#include "kiln/primitives/scan.h"
#include "kiln/primitives/transforms.h"
#include "kiln/primitives/unary.h"

#if KILN_HAS_CUDA
#include "kiln/backend/cuda/compiled.h"
#include "kiln/backend/cuda/jit.h"
#endif

using namespace kiln;

namespace {

using test::values;

void expect_close(const array& a, const array& b, double tol) {
  EXPECT_EQ(a.shape(), b.shape());
  EXPECT_EQ(a.dtype(), b.dtype());
  auto x = values(a), y = values(b);
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << "element " << i;
  }
}

array ramp(Shape shape, Dtype dtype = float32, double scale = 0.01) {
  int64_t n = shape_size(shape);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = scale * double((i * 37) % 101 - 50);
  return array(v, std::move(shape), dtype);
}

array gelu(const array& x) {
  array inner = multiply(array(0.79788456f),
                         add(x, multiply(array(0.044715f), power(x, array(3.0f)))));
  return multiply(multiply(array(0.5f), x), add(array(1.0f), tanh(inner)));
}

const Compiled* compiled_of(const array& a) {
  return a.has_primitive() ? dynamic_cast<const Compiled*>(&a.primitive()) : nullptr;
}

}  // namespace

TEST(Compile, GeluFusesIntoOneRegion) {
  Function f = [](const std::vector<array>& in) { return std::vector{gelu(in[0])}; };
  Function cf = compile(f);
  array x = ramp({1000, 37});
  std::vector<array> out = cf({x});
  const Compiled* c = compiled_of(out[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->graph().outputs.size(), 1u);
  expect_close(out[0], f({x})[0], 1e-6);
}

TEST(Compile, TracesOncePerSignature) {
  Function cf = compile([](const std::vector<array>& in) {
    return std::vector{exp(multiply(in[0], in[1]))};
  });
  size_t before = detail::compile_trace_count();
  array a = ramp({8}), b = ramp({8}, float32, 0.02);
  cf({a, b});
  cf({b, a});
  EXPECT_EQ(detail::compile_trace_count(), before + 1);
  cf({ramp({9}), ramp({9})});  // new shape
  cf({ramp({8}, float64), ramp({8}, float64)});  // new dtype
  EXPECT_EQ(detail::compile_trace_count(), before + 3);
}

TEST(Compile, MultipleOutputsAndBroadcasts) {
  Function f = [](const std::vector<array>& in) {
    array s = sin(add(in[0], in[1]));  // (4, 5) from (4, 1) and (5,)
    array c = multiply(s, cos(s));
    return std::vector{s, c, greater(c, array(0.1f))};
  };
  Function cf = compile(f);
  array x = ramp({4, 1}), y = ramp({5}, float32, 0.03);
  auto got = cf({x, y});
  auto want = f({x, y});
  ASSERT_EQ(got.size(), 3u);
  const Compiled* c = compiled_of(got[1]);  // before evaluation detaches the node
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->graph().outputs.size(), 3u);
  for (size_t i = 0; i < got.size(); ++i) expect_close(got[i], want[i], 1e-6);
}

TEST(Compile, RegionsWithManyOutputsFreeTheirMemory) {
  // Three outputs of one node: evaluation must unlink them all, or they keep each other.
  Function cf = compile([](const std::vector<array>& in) {
    array a = add(in[0], array(1.0f));
    array b = multiply(a, in[0]);
    return std::vector{a, b, subtract(b, in[0])};
  });
  array x = ramp({1 << 18});
  eval({x});
  auto run = [&] {
    std::vector<array> out = cf({x});
    ASSERT_NE(compiled_of(out[0]), nullptr);
    EXPECT_EQ(compiled_of(out[0])->graph().outputs.size(), 3u);
    eval(out);
  };
  run();  // the trace, and buffers for the allocator's cache
  synchronize();  // GPU memory freed behind the stream's work returns at a synchronize
  size_t before = get_active_memory();
  for (int i = 0; i < 3; ++i) run();
  synchronize();
  EXPECT_EQ(get_active_memory(), before);
}

TEST(Compile, CommonSubexpressionsMerge) {
  Function cf = compile([](const std::vector<array>& in) {
    array a = exp(multiply(in[0], array(2.0f)));
    array b = exp(multiply(in[0], array(2.0f)));
    return std::vector{a, b};
  });
  auto out = cf({ramp({16})});
  EXPECT_TRUE(out[0].is_same(out[1]));
}

// Equivalence is per primitive type and parameters: CSE must not merge stop_gradient(x) into
// an earlier exp(x) of the same input, shape and dtype.
TEST(Compile, CommonSubexpressionsNeedTheSamePrimitive) {
  Function cf = compile([](const std::vector<array>& in) {
    return std::vector{exp(in[0]), stop_gradient(in[0])};
  });
  array x = ramp({16});
  auto out = cf({x});
  EXPECT_EQ(values(out[1]), values(x));
  EXPECT_NE(values(out[0]), values(out[1]));
}

TEST(Compile, EquivalenceComparesEveryParameter) {
  Stream s = default_stream(Device::cpu);
  EXPECT_TRUE(Unary(s, UnaryOp::Exp).is_equivalent(Unary(s, UnaryOp::Exp)));
  EXPECT_FALSE(Unary(s, UnaryOp::Exp).is_equivalent(Unary(s, UnaryOp::Log)));
  EXPECT_FALSE(StopGradient(s).is_equivalent(Unary(s, UnaryOp::Exp)));
  EXPECT_FALSE(Select(s).is_equivalent(Matmul(s)));
  EXPECT_TRUE(Scan(s, Scan::Sum, 0, false, true).is_equivalent(Scan(s, Scan::Sum, 0, false, true)));
  EXPECT_FALSE(Scan(s, Scan::Sum, 0, false, true).is_equivalent(Scan(s, Scan::Sum, 0, true, true)));
  EXPECT_FALSE(Reduce(s, Reduce::Sum, {0}).is_equivalent(Reduce(s, Reduce::Sum, {1})));
  // Parameters compare with ==: -0.0 matches 0.0 and NaN matches nothing.
  EXPECT_TRUE(AddMM(s, 1.0f, -0.0f).is_equivalent(AddMM(s, 1.0f, 0.0f)));
  float nan = std::nanf("");
  EXPECT_FALSE(AddMM(s, nan, 0.0f).is_equivalent(AddMM(s, nan, 0.0f)));
}

TEST(Compile, ComposesWithGradAndVmap) {
  Function f = [](const std::vector<array>& in) { return std::vector{sum(gelu(in[0]))}; };
  array x = ramp({6, 7}, float64);
  auto g_direct = grad(f)({x});
  auto g_of_compiled = grad(compile(f))({x});
  auto compiled_grad = compile(grad(f))({x});
  expect_close(g_of_compiled[0], g_direct[0], 1e-12);
  expect_close(compiled_grad[0], g_direct[0], 1e-12);

  Function h = [](const std::vector<array>& in) { return std::vector{gelu(in[0])}; };
  auto mapped = vmap(compile(h), {1}, {0})({x});
  expect_close(mapped[0], transpose(h({x})[0]), 1e-12);
}

TEST(Compile, ShapelessReusesTheTraceAndFollowsReshapes) {
  Function cf = compile([](const std::vector<array>& in) { return std::vector{gelu(in[0])}; },
                        /*shapeless=*/true);
  size_t before = detail::compile_trace_count();
  for (int64_t n : {5, 17, 3000}) {
    array x = ramp({n, 2});
    expect_close(cf({x})[0], gelu(x), 1e-6);
  }
  EXPECT_EQ(detail::compile_trace_count(), before + 1);

  // A -1 follows new shapes; a fixed target shape (not a squeeze) cannot.
  Function flat = compile([](const std::vector<array>& in) {
    return std::vector{reshape(exp(in[0]), {-1})};
  }, true);
  for (int64_t n : {2, 7}) {
    array x = ramp({n, 3});
    expect_close(flat({x})[0], reshape(exp(x), {-1}), 1e-6);
  }
  Function bad = compile([](const std::vector<array>& in) {
    return std::vector{reshape(exp(in[0]), {3, 2})};
  }, true);
  EXPECT_THROW(bad({ramp({2, 3})}), std::invalid_argument);
}

TEST(Compile, DisableCallsTheFunction) {
  Function cf = compile([](const std::vector<array>& in) {
    return std::vector{exp(add(in[0], in[0]))};
  });
  disable_compile();
  auto out = cf({ramp({4})});
  enable_compile();
  EXPECT_EQ(compiled_of(out[0]), nullptr);
  EXPECT_NE(compiled_of(cf({ramp({4})})[0]), nullptr);
}

TEST(Compile, EvaluatingATracedValueIsAnError) {
  Function cf = compile([](const std::vector<array>& in) {
    array y = exp(in[0]);
    y.eval();
    return std::vector{y};
  });
  EXPECT_THROW(cf({ramp({3})}), std::invalid_argument);
}

#if KILN_HAS_CUDA

namespace {

// The first fused region among f's compiled outputs, and the arrays it reads.
struct Region {
  std::vector<array> outputs;  // own the node
  const Compiled* compiled = nullptr;
  std::vector<array> inputs;
  // How the generated kernel reads each input: literal constants, one-element arrays, and
  // `others(k)` for the k-th of the rest.
  template <typename F>
  std::vector<Access> access(F others) const {
    std::vector<Access> a;
    for (size_t i = 0, k = 0; i < inputs.size(); ++i) {
      a.push_back(compiled->graph().constants[i] ? Access::literal
                  : inputs[i].size() == 1        ? Access::uniform
                                                 : others(k++));
    }
    return a;
  }
  std::vector<Access> dense() const { return access([](size_t) { return Access::dense; }); }
  // Strided, with the first non-scalar input gathered and the others alternating.
  std::vector<Access> strided() const {
    return access([](size_t k) { return k % 2 ? Access::dense : Access::gathered; });
  }
};

Region region_of(const Function& f, const std::vector<array>& inputs) {
  Region r;
  r.outputs = compile(f)(inputs);
  for (auto& o : r.outputs) {
    if (r.compiled || !compiled_of(o)) continue;
    r.compiled = compiled_of(o);
    r.inputs = o.inputs();
  }
  if (!r.compiled) throw std::logic_error("no fused region");
  return r;
}

// Compiles, with NVRTC for sm_90, every kernel eval_gpu may generate for the region: the
// dense path at its vector width and at width 1 (unaligned pointers), and the strided path
// with 32- and 64-bit offsets. Returns the seconds the dense compilation took.
double compile_every_variant(const Region& r) {
  const FusedGraph& g = r.compiled->graph();
  std::vector<Access> dense = r.dense();
  auto t0 = std::chrono::steady_clock::now();
  int width = cuda::fused_vector_width(g, dense);
  cuda::compile(cuda::fused_kernel_source(g, {dense, false, false}),
                {cuda::fused_kernel_instance(width), cuda::fused_kernel_instance(1)}, "sm_90");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<Access> strided = r.strided();
  if (std::find(strided.begin(), strided.end(), Access::gathered) != strided.end()) {
    for (bool index32 : {true, false}) {
      cuda::compile(cuda::fused_kernel_source(g, {strided, true, index32}),
                    {cuda::fused_kernel_instance(1)}, "sm_90");
    }
  }
  return seconds;
}

}  // namespace

TEST(CompileCuda, GeneratedGeluCompilesForSm90) {
  Function f = [](const std::vector<array>& in) { return std::vector{gelu(in[0])}; };
  Region r = region_of(f, {ramp({64})});
  const FusedGraph& g = r.compiled->graph();
  std::string src = cuda::fused_kernel_source(g, {r.dense(), false, false});
  // Deterministic: the same region gives the same text, also when traced again.
  Region again = region_of(f, {ramp({64})});
  EXPECT_EQ(src, cuda::fused_kernel_source(again.compiled->graph(), {r.dense(), false, false}));
  EXPECT_NE(src.find("kiln::ew::Tanh{}"), std::string::npos);
  std::vector<Access> dense = r.dense();
  EXPECT_NE(std::find(dense.begin(), dense.end(), Access::literal), dense.end());  // literals
  double seconds = compile_every_variant(r);
  std::printf("[ compile  ] NVRTC compile of the generated GELU kernel for sm_90: %.0f ms\n",
              seconds * 1e3);
}

TEST(CompileCuda, EveryDtypeBroadcastAndMultipleOutputsCompile) {
  // One region: a chain through every dtype, applying ops each supports, each dtype's
  // result an output too.
  Function f = [](const std::vector<array>& in) {
    std::vector<array> outs;
    array x = add(in[0], in[1]);  // (4, 5) from (4, 1) and (5,)
    for (Dtype d : all_dtypes) {
      array a = astype(outs.empty() ? x : outs.back(), d);
      array b = astype(in[1], d);
      if (d == bool_) {
        outs.push_back(logical_and(logical_not(a), b));
      } else if (is_integral(d)) {
        outs.push_back(bitwise_xor(maximum(multiply(a, b), floor_divide(a, b)), a));
      } else if (d == complex64) {
        outs.push_back(add(exp(multiply(a, b)), conjugate(a)));
      } else {
        outs.push_back(where(greater(a, b), tanh(a), logaddexp(a, b)));
      }
    }
    return outs;
  };
  Region r = region_of(f, {ramp({4, 1}), ramp({5}, float32, 0.05)});
  EXPECT_GE(r.compiled->graph().outputs.size(), size_t(Dtype::count));
  compile_every_variant(r);
}

TEST(CompileCuda, ScalarInputsAndHalfVectorsCompile) {
  Function f = [](const std::vector<array>& in) {
    array h = astype(in[0], float16);
    return std::vector{multiply(sigmoid(h), astype(in[1], float16)), astype(h, bfloat16)};
  };
  Region r = region_of(f, {ramp({64}), array(0.5f)});
  EXPECT_EQ(cuda::fused_vector_width(r.compiled->graph(), r.dense()), 4);  // float32 reads
  compile_every_variant(r);
}

TEST(CompileCuda, ByteRegionsUseSixteenWideVectors) {
  Function f = [](const std::vector<array>& in) {
    array a = greater(in[0], array(int8_t(3), int8)), b = astype(in[1], bool_);
    return std::vector{logical_or(logical_not(a), b), where(b, in[0], negative(in[0]))};
  };
  Region r = region_of(f, {astype(ramp({64}, float32, 1.0), int8), astype(ramp({64}), int8)});
  EXPECT_EQ(cuda::fused_vector_width(r.compiled->graph(), r.dense()), 16);
  compile_every_variant(r);
}

// A child process of GeneratedKernelsAreCachedAcrossProcesses: puts the GELU region's kernel
// in the disk cache ($KILN_CACHE_DIR) as the run-time compiler would and says whether it had
// to compile it.
TEST(CompileCuda, CacheProbe) {
  if (!std::getenv("KILN_COMPILE_CACHE_PROBE")) {
    GTEST_SKIP() << "run as a child process by GeneratedKernelsAreCachedAcrossProcesses";
  }
  Region r = region_of([](const std::vector<array>& in) { return std::vector{gelu(in[0])}; },
                       {ramp({64})});
  const FusedGraph& g = r.compiled->graph();
  bool compiled = cuda::warm_cache(cuda::fused_kernel_source(g, {r.dense(), false, false}),
                                   cuda::fused_kernel_instance(4), "sm_90");
  std::printf("probe: %s\n", compiled ? "compiled" : "cached");
}

TEST(CompileCuda, GeneratedKernelsAreCachedAcrossProcesses) {
  std::filesystem::path dir = std::filesystem::path(testing::TempDir()) /
                              ("kiln_compile_cache_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  auto probe = [&] {
    std::string cmd = "KILN_CACHE_DIR='" + dir.string() + "' KILN_COMPILE_CACHE_PROBE=1 '" +
                      self + "' --gtest_filter=CompileCuda.CacheProbe 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p && std::fgets(buf, sizeof(buf), p)) out += buf;
    EXPECT_EQ(p ? ::pclose(p) : -1, 0) << out;
    return out;
  };
  EXPECT_NE(probe().find("probe: compiled"), std::string::npos);
  EXPECT_FALSE(std::filesystem::is_empty(dir));
  EXPECT_NE(probe().find("probe: cached"), std::string::npos);  // a new process: from disk
  std::filesystem::remove_all(dir);
}

#endif
