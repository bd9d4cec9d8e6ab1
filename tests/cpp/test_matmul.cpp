// Matrix products over strided views that Python cannot build yet (slices with steps,
// reversed axes), checked against a plain triple loop in double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kiln/kiln.h"

using namespace kiln;

namespace {

// Values of a 2-d array (any layout, any floating dtype) as doubles, row-major.
std::vector<double> values(array a) {
  array c = contiguous(astype(a, float64));
  eval({c});
  return std::vector<double>(c.data<double>(), c.data<double>() + c.size());
}

void expect_product(const array& a, const array& b) {
  array out = matmul(a, b);
  int64_t m = a.shape(0), k = a.shape(1), n = b.shape(1);
  ASSERT_EQ(out.shape(), (Shape{m, n}));
  auto va = values(a), vb = values(b), vo = values(out);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0, mag = 0;
      for (int64_t p = 0; p < k; ++p) {
        s += va[i * k + p] * vb[p * n + j];
        mag += std::abs(va[i * k + p] * vb[p * n + j]);
      }
      EXPECT_NEAR(vo[i * n + j], s, 1e-5 * mag + 1e-12) << "at (" << i << ", " << j << ")";
    }
  }
}

array ramp(Shape shape, Dtype dtype = float32) {
  int64_t n = shape_size(shape);
  array r = reshape(arange(0.0, double(n), 1.0, float32), shape);
  // Small distinct values: sin keeps them away from round numbers.
  return astype(sin(r), dtype);
}

}  // namespace

TEST(Matmul, SlicedOperands) {
  array big = ramp({12, 10});
  array a = slice(big, {SliceBound{0, 12, 2}, SliceBound{1, 9, 1}});  // gaps between rows
  array b = slice(big, {SliceBound{2, 10, 1}, SliceBound{0, 10, 3}});  // gaps in rows: copied
  expect_product(a, b);
  expect_product(transpose(slice(big, {SliceBound{0, 6, 1}, SliceBound{0, 5, 1}})), a);
}

TEST(Matmul, ReversedOperands) {
  array big = ramp({6, 6});
  array a = slice(big, {SliceBound{std::nullopt, std::nullopt, -1}});
  array b = slice(big, {SliceBound{}, SliceBound{std::nullopt, std::nullopt, -2}});
  expect_product(a, b);
  expect_product(a, ramp({6, 1}));
}

TEST(Matmul, HalfPrecisionSliced) {
  array big = ramp({9, 9}, bfloat16);
  array a = slice(big, {SliceBound{0, 9, 3}, SliceBound{}});
  array out = matmul(a, transpose(big));
  ASSERT_EQ(out.dtype(), bfloat16);
  auto va = values(a), vb = values(big), vo = values(out);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 9; ++j) {
      double s = 0;
      for (int p = 0; p < 9; ++p) s += va[i * 9 + p] * vb[j * 9 + p];
      EXPECT_NEAR(vo[i * 9 + j], s, 2e-2 * (std::abs(s) + 1));
    }
  }
}

TEST(Matmul, ErrorsAtBuildTime) {
  EXPECT_THROW(matmul(ones({2, 3}), ones({4, 2})), std::invalid_argument);
  EXPECT_THROW(matmul(ones({2, 2}, int32), ones({2, 2}, int32)), std::invalid_argument);
  EXPECT_THROW(einsum("ij,jk", {ones({2, 3})}), std::invalid_argument);
}
