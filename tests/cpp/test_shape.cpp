// The shape and creation ops through the C++ API: views share memory, joins and index-map
// copies give NumPy's values, errors carry the right exception types.
#include <gtest/gtest.h>

#include "kiln/kiln.h"

using namespace kiln;

namespace {
std::vector<int> values(array a) {
  a = contiguous(a);
  eval({a});
  return std::vector<int>(a.data<int>(), a.data<int>() + a.size());
}
array iota(Shape shape) {
  int64_t n = shape_size(shape);
  return reshape(arange(0.0, double(n), 1.0, int32, true), std::move(shape));
}
}  // namespace

TEST(Shape, ViewsShareTheBuffer) {
  array a = iota({3, 4});
  eval({a});
  for (array v : {swapaxes(a, 0, 1), flip(a, {1}), diagonal(a, 1), split(a, 2, 1)[1],
                  as_strided(a, {2, 2}, {4, 1}, 1), view(a, float32)}) {
    eval({v});
    EXPECT_EQ(v.data_shared_ptr(), a.data_shared_ptr());
  }
  EXPECT_EQ(values(diagonal(a, 1)), (std::vector<int>{1, 6, 11}));
  EXPECT_EQ(values(flip(a, {1})), (std::vector<int>{3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}));
}

// A view's flags and span follow from its strides (array::set_view).
TEST(Shape, ViewsDeriveTheirLayout) {
  array a = iota({3, 4});
  array t = transpose(a), b = broadcast_to(iota({4}), {3, 4});
  array s = slice(a, {0, 0}, {3, 4}, {1, 2}), f = flip(a, {1});
  eval({t, b, s, f});
  EXPECT_TRUE(t.flags().contiguous && t.flags().col_contiguous && !t.flags().row_contiguous);
  EXPECT_EQ(t.data_size(), 12u);
  EXPECT_FALSE(b.flags().contiguous);
  EXPECT_EQ(b.data_size(), 4u);   // the broadcast rows share 4 elements
  EXPECT_FALSE(s.flags().contiguous);
  EXPECT_EQ(s.data_size(), 11u);  // elements 0 to 10
  EXPECT_FALSE(f.flags().contiguous);
  EXPECT_EQ(f.data_size(), 12u);
}

TEST(Shape, JoinsAndCopies) {
  array a = iota({2, 2});
  EXPECT_EQ(values(concatenate({a, a}, 1)), (std::vector<int>{0, 1, 0, 1, 2, 3, 2, 3}));
  EXPECT_EQ(stack({a, a}, 2).shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(values(tile(a, {1, 2})), (std::vector<int>{0, 1, 0, 1, 2, 3, 2, 3}));
  EXPECT_EQ(values(repeat(a, 2, 0)), (std::vector<int>{0, 1, 0, 1, 2, 3, 2, 3}));
  EXPECT_EQ(values(roll(a, 1)), (std::vector<int>{3, 0, 1, 2}));
  EXPECT_EQ(values(pad(iota({3}), {{2, 1}}, array(0), "reflect")),
            (std::vector<int>{2, 1, 0, 1, 2, 1}));
  EXPECT_EQ(values(pad(iota({2}), 1, array(7))), (std::vector<int>{7, 0, 1, 7}));
  EXPECT_EQ(values(diag(iota({2}), 1)), (std::vector<int>{0, 0, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(values(tril(ones({2, 3}, int32))), (std::vector<int>{1, 0, 0, 1, 1, 0}));
  EXPECT_EQ(values(linspace(0, 10, 6, true, int32)), (std::vector<int>{0, 2, 4, 6, 8, 10}));
}

TEST(Shape, Errors) {
  array a = iota({2, 3});
  EXPECT_THROW(concatenate({a, iota({3, 3})}, 1), std::invalid_argument);
  EXPECT_THROW(concatenate({a, a}, 2), std::out_of_range);
  EXPECT_THROW(split(a, 2, 1), std::invalid_argument);
  EXPECT_THROW(moveaxis(a, 0, -3), std::out_of_range);
  EXPECT_THROW(pad(a, {{1, 1}}), std::invalid_argument);
  EXPECT_THROW(as_strided(a, {7}, {1}), std::invalid_argument);
  EXPECT_THROW(view(array(1.0f), int8), std::invalid_argument);
  EXPECT_THROW(linspace(0, 1, -2), std::invalid_argument);
}
