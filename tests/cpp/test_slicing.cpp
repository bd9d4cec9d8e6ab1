// Static slices and slice updates, including negative steps and clamped bounds.
#include <gtest/gtest.h>

#include "kiln/kiln.h"

using namespace kiln;

TEST(Slicing, StridedAndReversedViews) {
  array a = reshape(arange(0.0, 12.0, 1.0, int32, true), {3, 4});
  array b = slice(a, {SliceBound{std::nullopt, std::nullopt, -1}, SliceBound{1, 100, 2}});
  ASSERT_EQ(b.shape(), (Shape{3, 2}));
  array c = contiguous(b);
  eval({c});
  std::vector<int> expect{9, 11, 5, 7, 1, 3};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(c.data<int>()[i], expect[i]);
  array e = slice(a, {SliceBound{5, 7, 1}});
  EXPECT_EQ(e.shape(), (Shape{0, 4}));
  EXPECT_THROW(slice(a, {SliceBound{0, 1, 0}}), std::invalid_argument);
}

TEST(Slicing, UpdateWritesOnlyTheSlice) {
  array a = zeros({4, 4}, int32);
  array u = slice_update(a, array(7), {SliceBound{1, 3, 1}, SliceBound{std::nullopt, std::nullopt, 3}});
  eval({u});
  int count = 0;
  for (int i = 0; i < 16; ++i) count += u.data<int>()[i] == 7;
  EXPECT_EQ(count, 4);
  EXPECT_EQ(u.data<int>()[4], 7);
  EXPECT_EQ(u.data<int>()[7], 7);
  EXPECT_EQ(u.data<int>()[5], 0);
  eval({a});
  EXPECT_EQ(a.data<int>()[4], 0);  // the source is unchanged
}
