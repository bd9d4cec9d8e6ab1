// Per-op graph overhead (a chain of dependent adds on a tiny array: building the nodes,
// scheduling and evaluating them) and a float32 matrix product, timed from C++.
#include <benchmark/benchmark.h>

#include "kiln/kiln.h"

using namespace kiln;

namespace {

// state.range(0) dependent `x = x + 1` on 16 float32 elements, then one eval.
void BM_AddChain(benchmark::State& state) {
  int64_t ops = state.range(0);
  array x = zeros({16}, float32);
  eval({x});
  array one(1.0f);
  for (auto _ : state) {
    array y = x;
    for (int64_t i = 0; i < ops; ++i) y = add(y, one);
    eval({y});
    benchmark::DoNotOptimize(y.data<float>()[0]);
  }
  // Seconds per op (printed with an SI prefix, e.g. 1.2us).
  state.counters["time_per_op"] = benchmark::Counter(
      double(ops) * double(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AddChain)->Arg(100)->Unit(benchmark::kMicrosecond)->UseRealTime();

// Building the same chain without evaluating it: the graph-construction share.
void BM_AddChainBuildOnly(benchmark::State& state) {
  int64_t ops = state.range(0);
  array x = zeros({16}, float32);
  eval({x});
  array one(1.0f);
  for (auto _ : state) {
    array y = x;
    for (int64_t i = 0; i < ops; ++i) y = add(y, one);
    benchmark::DoNotOptimize(y.id());
  }
  // Seconds per op (printed with an SI prefix, e.g. 1.2us).
  state.counters["time_per_op"] = benchmark::Counter(
      double(ops) * double(state.iterations()),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_AddChainBuildOnly)->Arg(100)->Unit(benchmark::kMicrosecond);

// Deterministic, non-trivial n x n float32 values (no random ops needed).
array test_matrix(int64_t n, double phase) {
  array r = reshape(arange(0.0, double(n * n), 1.0, float32), {n, n});
  return sin(add(r, array(float(phase))));
}

// n x n x n float32 product, inputs evaluated beforehand.
void BM_Matmul(benchmark::State& state) {
  int64_t n = state.range(0);
  array a = test_matrix(n, 0.0);
  array b = test_matrix(n, 0.5);
  eval({a, b});
  for (auto _ : state) {
    array c = matmul(a, b);
    eval({c});
  }
  state.counters["GFLOPS"] = benchmark::Counter(
      2.0 * double(n) * double(n) * double(n) * double(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Matmul)->Arg(64)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
