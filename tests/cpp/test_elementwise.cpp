// Elementwise kernels on views the Python tests cannot build yet: reversed (negative-step)
// and gapped slices, mixed with broadcast operands, for unary, binary and where.
#include <gtest/gtest.h>

#include <cmath>

#include "kiln/kiln.h"

using namespace kiln;

namespace {

std::vector<float> values(const array& x) {
  array c = contiguous(astype(x, float32));
  eval({c});
  return std::vector<float>(c.data<float>(), c.data<float>() + c.size());
}

// a[:, ::-1] and a[::-1, ::2] of a 3x8 arange.
array base() { return reshape(arange(0.0, 24.0, 1.0, float32, true), {3, 8}); }
const SliceBound every{std::nullopt, std::nullopt, 1};
const SliceBound reversed{std::nullopt, std::nullopt, -1};

}  // namespace

TEST(Elementwise, BinaryOnReversedViews) {
  array a = base();
  array r = slice(a, {every, reversed});                    // strides (8, -1)
  array s = slice(a, {reversed, SliceBound{0, 8, 1}});    // strides (-8, 1)
  array row = reshape(arange(0.0, 8.0, 1.0, float32, true), {1, 8});
  std::vector<float> got = values(add(r, s));
  std::vector<float> with_row = values(subtract(r, row));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 8; ++j) {
      float rv = float(8 * i + 7 - j), sv = float(8 * (2 - i) + j);
      EXPECT_EQ(got[8 * i + j], rv + sv) << i << "," << j;
      EXPECT_EQ(with_row[8 * i + j], rv - float(j)) << i << "," << j;
    }
  }
}

TEST(Elementwise, UnaryAndHalfOnGappedReversedViews) {
  array a = base();
  array v = slice(a, {reversed, SliceBound{std::nullopt, std::nullopt, 2}});  // 3x4, (-8, 2)
  std::vector<float> e = values(exp(negative(v)));
  std::vector<float> h = values(sqrt(astype(slice(a, {every, reversed}), float16)));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) {
      float x = float(8 * (2 - i) + 2 * j);
      EXPECT_FLOAT_EQ(e[4 * i + j], std::exp(-x));
    }
    for (int j = 0; j < 8; ++j) {
      EXPECT_NEAR(h[8 * i + j], std::sqrt(float(8 * i + 7 - j)), 3e-3);
    }
  }
}

TEST(Elementwise, WhereOnReversedViews) {
  array a = base();
  array r = slice(a, {every, reversed});
  array cond = greater(r, array(10.0f));
  std::vector<float> got = values(where(cond, r, array(-1.0f)));
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 8; ++j) {
      float x = float(8 * i + 7 - j);
      EXPECT_EQ(got[8 * i + j], x > 10 ? x : -1.0f);
    }
  }
}

TEST(Elementwise, IsCloseAndNanToNum) {
  float inf = INFINITY, nan = NAN;
  array a({1.0f, inf, nan, -inf, 1e30f});
  array b({1.0f + 1e-7f, inf, nan, inf, 1.1e30f});
  std::vector<float> c = values(isclose(a, b, 1e-5, 1e-8, true));
  EXPECT_EQ(c, (std::vector<float>{1, 1, 1, 0, 0}));
  std::vector<float> n = values(nan_to_num(a, 2.0, std::nullopt, -5.0));
  EXPECT_EQ(n, (std::vector<float>{1.0f, 3.4028234663852886e38f, 2.0f, -5.0f, 1e30f}));
}
