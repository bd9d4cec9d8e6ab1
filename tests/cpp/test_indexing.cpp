// Gather and scatter from C++: results, duplicate handling and index errors at eval.
#include <gtest/gtest.h>

#include "kiln/kiln.h"

using namespace kiln;

namespace {
std::vector<int> values(array a) {
  a = contiguous(a);
  eval({a});
  return std::vector<int>(a.data<int>(), a.data<int>() + a.size());
}
}  // namespace

TEST(Indexing, GatherSlices) {
  array a = reshape(arange(0.0, 12.0, 1.0, int32, true), {3, 4});
  // Rows 2 and 0 (negative index), columns 1..2 of each.
  array idx({-1, 0}, int32);
  array cols({1}, int32);
  array g = gather(a, {idx, cols}, {0, 1}, {1, 2});
  ASSERT_EQ(g.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(values(g), (std::vector<int>{9, 10, 1, 2}));
}

TEST(Indexing, TakeAndTakeAlongAxis) {
  array a = reshape(arange(0.0, 12.0, 1.0, int32, true), {3, 4});
  EXPECT_EQ(values(take(a, array({3, 0}, int64), 1)), (std::vector<int>{3, 0, 7, 4, 11, 8}));
  EXPECT_EQ(values(take(a, -1, 0)), (std::vector<int>{8, 9, 10, 11}));
  EXPECT_THROW(take(a, 3, 0), std::out_of_range);
  array idx = reshape(array({2, 0, 1, 1}, uint8), {1, 4});
  EXPECT_EQ(values(take_along_axis(a, idx, 0)), (std::vector<int>{8, 1, 6, 7}));
}

TEST(Indexing, ScatterReductionsAccumulateDuplicates) {
  array a = zeros({4}, int32);
  array idx({1, 1, 3, 1}, int32);
  array upd = reshape(array({1, 2, 3, 4}, int32), {4, 1});
  EXPECT_EQ(values(scatter(a, {idx}, upd, {0})), (std::vector<int>{0, 4, 0, 3}));
  EXPECT_EQ(values(scatter_add(a, {idx}, upd, {0})), (std::vector<int>{0, 7, 0, 3}));
  array ones_ = ones({4}, int32);
  EXPECT_EQ(values(scatter_prod(ones_, {idx}, upd, {0})), (std::vector<int>{1, 8, 1, 3}));
  EXPECT_EQ(values(scatter_max(a, {idx}, upd, {0})), (std::vector<int>{0, 4, 0, 3}));
  EXPECT_EQ(values(scatter_min(ones_, {idx}, upd, {0})), (std::vector<int>{1, 1, 1, 1}));
}

TEST(Indexing, OutOfRangeIndexRaisesAtEval) {
  array a = zeros({4}, float32);
  array g = take(a, array({0, 4}, int32), 0);
  EXPECT_THROW(eval({g}), std::out_of_range);
  array sc = scatter_add(a, {array({-5}, int32)}, ones({1, 1}), {0});
  EXPECT_THROW(eval({sc}), std::out_of_range);
  array ds = slice_dynamic(a, array(3, int32), {0}, {2});
  EXPECT_THROW(eval({ds}), std::out_of_range);
  EXPECT_EQ(add(take(a, 0), array(1.0f)).item<float>(), 1.0f);  // still usable afterwards
}

TEST(Indexing, DynamicSliceIsAView) {
  array a = reshape(arange(0.0, 12.0, 1.0, int32, true), {3, 4});
  eval({a});
  array d = slice_dynamic(a, array({1, 2}, int32), {0, 1}, {2, 2});
  eval({d});
  EXPECT_EQ(d.data_shared_ptr(), a.data_shared_ptr());
  EXPECT_EQ(values(d), (std::vector<int>{6, 7, 10, 11}));
  array u = slice_update_dynamic(a, full({3, 2}, array(-1)), array(1, int32), {1});
  EXPECT_EQ(values(u), (std::vector<int>{0, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1, 11}));
}

TEST(Indexing, OverlappingScatterSlicesCombineInOrder) {
  // Slices of two elements starting at 0 and 1 overlap at position 1.
  array a = zeros({5}, int32);
  array idx({0, 1, -2}, int32);
  array upd = reshape(array({1, 2, 3, 4, 5, 6}, int32), {3, 2});
  EXPECT_EQ(values(scatter_add(a, {idx}, upd, {0})), (std::vector<int>{1, 5, 4, 5, 6}));
  EXPECT_EQ(values(scatter(a, {idx}, upd, {0})), (std::vector<int>{1, 3, 4, 5, 6}));
  EXPECT_THROW(eval({scatter(a, {array({4}, int32)}, reshape(array({1, 2}, int32), {1, 2}), {0})}),
               std::out_of_range);
}
