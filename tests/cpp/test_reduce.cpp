// Reductions and scans over strided views (steps, negative steps, broadcasts) must equal the
// same ops on a contiguous copy: these layouts reach the kernels' copy and flip paths, which
// the Python tests cannot build without indexing.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "helpers.h"
#include "kiln/backend/common/reduce_ops.h"
#include "kiln/kiln.h"
#include "kiln/primitives/reduce.h"

using namespace kiln;

namespace {

using test::values;

void expect_same(const array& got, const array& want, double tol = 0) {
  ASSERT_EQ(got.shape(), want.shape());
  ASSERT_EQ(got.dtype(), want.dtype());
  auto g = values(got), w = values(want);
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i])) {
      EXPECT_TRUE(std::isnan(g[i])) << i;
    } else if (std::isinf(w[i])) {
      EXPECT_EQ(g[i], w[i]) << i;
    } else {
      EXPECT_NEAR(g[i], w[i], tol * (1 + std::abs(w[i]))) << "element " << i;
    }
  }
}

// Small integer values (exact in every dtype and in any summation order), in a shape with
// room for steps.
array base(Dtype dtype) {
  array r = remainder(multiply(arange(0.0, 6.0 * 8 * 10, 1.0, int32, true), array(7)), array(11));
  return astype(subtract(reshape(r, {6, 8, 10}), array(5)), dtype);
}

std::vector<array> strided_views(const array& a) {
  using B = SliceBound;
  std::nullopt_t all = std::nullopt;
  return {
      slice(a, {B{all, all, 2}, B{1, 7, 3}, B{all, all, 2}}),      // gaps in every stride
      slice(a, {B{all, all, -1}, B{all, all, -2}, B{all, all, -1}}),  // all reversed
      slice(a, {B{1, 5, 1}, B{all, all, 1}, B{9, 0, -3}}),         // reversed inner stride
      transpose(slice(a, {B{all, all, 2}, B{all, all, 1}, B{all, all, 3}}), {2, 0, 1}),
      broadcast_to(slice(a, {B{0, 1, 1}, B{all, all, 2}, B{all, all, 1}}), {3, 4, 10}),
  };
}

const std::vector<std::vector<int>> kAxes = {{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};

}  // namespace

TEST(Reduce, StridedViewsMatchContiguous) {
  using Fn = std::function<array(const array&, const std::vector<int>&)>;
  const std::vector<std::pair<Dtype, std::vector<Fn>>> cases = {
      {float32,
       {[](auto& a, auto& ax) { return sum(a, ax); }, [](auto& a, auto& ax) { return max(a, ax); },
        [](auto& a, auto& ax) { return min(a, ax, true); },
        [](auto& a, auto& ax) { return mean(a, ax); }}},
      {int32,
       {[](auto& a, auto& ax) { return prod(a, ax); }, [](auto& a, auto& ax) { return sum(a, ax); },
        [](auto& a, auto& ax) { return all(a, ax); }, [](auto& a, auto& ax) { return any(a, ax); }}},
      {float16, {[](auto& a, auto& ax) { return sum(a, ax); }}},
      {complex64, {[](auto& a, auto& ax) { return sum(a, ax); }}},
  };
  for (auto& [dtype, fns] : cases) {
    for (const array& v : strided_views(base(dtype))) {
      array c = contiguous(v);
      for (auto& ax : kAxes) {
        for (auto& fn : fns) expect_same(fn(v, ax), fn(c, ax));
      }
    }
  }
}

TEST(Reduce, ArgReduceAndTraceOnStridedViews) {
  for (const array& v : strided_views(base(int16))) {
    array c = contiguous(v);
    for (int ax = 0; ax < 3; ++ax) {
      expect_same(argmax(v, ax), argmax(c, ax));
      expect_same(argmin(v, ax, true), argmin(c, ax, true));
    }
    expect_same(argmax(v), argmax(c));
    for (int off : {-1, 0, 2}) {
      expect_same(trace(v, off, 0, 2), trace(c, off, 0, 2));
      expect_same(trace(v, off, 2, 1), trace(c, off, 2, 1));
    }
  }
}

TEST(Reduce, FusedAndScansOnStridedViews) {
  for (const array& v : strided_views(base(float32))) {
    array c = contiguous(v);
    for (auto& ax : kAxes) {
      expect_same(softmax(v, ax), softmax(c, ax), 1e-6);
      expect_same(logsumexp(v, ax), logsumexp(c, ax), 1e-6);
    }
    for (int ax = 0; ax < 3; ++ax) {
      for (bool rev : {false, true}) {
        expect_same(cumsum(v, ax, rev), cumsum(c, ax, rev));
        expect_same(cummax(v, ax, rev, false), cummax(c, ax, rev, false));
        expect_same(logcumsumexp(v, ax, rev), logcumsumexp(c, ax, rev), 1e-6);
      }
    }
  }
}

TEST(Reduce, OutputDtypesAndShapes) {
  array a = zeros({2, 3}, int8);
  EXPECT_EQ(sum(a).dtype(), int32);
  EXPECT_EQ(prod(astype(a, uint16), 0).dtype(), uint32);
  EXPECT_EQ(sum(astype(a, uint64)).dtype(), uint64);
  EXPECT_EQ(mean(a).dtype(), float32);
  EXPECT_EQ(var(astype(a, float16), 1).dtype(), float16);
  EXPECT_EQ(kiln::std(astype(a, complex64)).dtype(), float32);
  EXPECT_EQ(argmax(a, 1).dtype(), uint32);
  EXPECT_EQ(count_nonzero(a).dtype(), int32);
  EXPECT_EQ(softmax(a, 1).dtype(), float32);
  EXPECT_EQ(logsumexp(a, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(argmax(a, true).shape(), (Shape{1, 1}));
  EXPECT_EQ(cumsum(astype(a, bool_)).dtype(), int32);
  EXPECT_EQ(cumsum(a, 0).shape(), (Shape{2, 3}));
  EXPECT_EQ(trace(a).dtype(), int8);
  EXPECT_THROW(sum(a, 2), std::out_of_range);
  EXPECT_THROW(sum(a, {0, -2}), std::invalid_argument);
  EXPECT_THROW(max(zeros({0})), std::invalid_argument);
  EXPECT_THROW(cumsum(a, -3), std::out_of_range);
}

// The dtype-level policy is derived from the type-level one (backend/common/reduce_ops.h):
// pin it for every dtype, since the GPU picks its kernels by it.
TEST(ReducePolicy, AccumulatorsPerDtype) {
  auto half = [](Dtype d) { return d == float16 || d == bfloat16; };
  for (Dtype d : all_dtypes) {
    Dtype out = d == bool_                       ? int32
                : is_signed_integer(d)           ? (d.size <= 4 ? int32 : int64)
                : is_unsigned(d)                 ? (d.size <= 4 ? uint32 : uint64)
                                                 : d;
    EXPECT_EQ(sum_dtype(d), out) << d;
    Dtype acc = half(d)    ? float32
                : d == int8  ? uint8
                : d == int16 ? uint16
                : d == int32 ? uint32
                : d == int64 ? uint64
                             : d;
    EXPECT_EQ(red::sum_accumulator(d), acc) << d;
    EXPECT_EQ(red::scan_accumulator(d), acc == float32 ? float64 : acc) << d;
    EXPECT_EQ(red::compare_dtype(d), half(d) ? float32 : d) << d;
  }
}

// The identities of max and min are the extremes of each accumulator type.
TEST(ReducePolicy, Identities) {
  EXPECT_EQ(red::Max<float>::init(), -INFINITY);
  EXPECT_EQ(red::Min<double>::init(), INFINITY);
  EXPECT_EQ(red::Max<int8_t>::init(), -128);
  EXPECT_EQ(red::Min<int64_t>::init(), INT64_MAX);
  EXPECT_EQ(red::Min<uint32_t>::init(), UINT32_MAX);
  EXPECT_EQ(red::Max<uint16_t>::init(), 0);
  EXPECT_FALSE(red::Max<bool>::init());
  EXPECT_TRUE(std::isnan(red::Max<float>{}(NAN, 1.0f)));
  EXPECT_TRUE(std::isnan(red::Min<float>{}(1.0f, NAN)));
  EXPECT_EQ(red::Sum<uint8_t>{}(250, 10), 4);
}
