// Size arithmetic: element and byte counts that do not fit int64 raise std::invalid_argument
// naming the op, wherever a shape is made (they used to wrap).
#include <gtest/gtest.h>

#include "kiln/kiln.h"

using namespace kiln;

namespace {
// Runs f, expecting std::invalid_argument whose message starts with "[op]".
template <typename F>
void expect_size_error(const char* op, F f) {
  try {
    f();
    ADD_FAILURE() << "no error from " << op;
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind(std::string("[") + op + "]", 0), 0u) << e.what();
  }
}
constexpr int64_t big = int64_t(1) << 40;
}  // namespace

TEST(Sizes, CheckedArithmetic) {
  EXPECT_EQ(checked_mul(big, 1 << 20, "t"), int64_t(1) << 60);
  EXPECT_EQ(checked_add(INT64_MAX - 1, 1, "t"), INT64_MAX);
  expect_size_error("t", [] { checked_mul(big, big, "t"); });
  expect_size_error("t", [] { checked_add(INT64_MAX, 1, "t"); });
  EXPECT_EQ(shape_size({}), 1);
  EXPECT_EQ(shape_size({3, 0, 5}), 0);
  expect_size_error("s", [] { shape_size({big, big}, "s"); });
  expect_size_error("s", [] { shape_size({0, big, big}, "s"); });  // as NumPy: strides overflow
  expect_size_error("s", [] { shape_size({2, -1}, "s"); });
  EXPECT_EQ(checked_size({int64_t(1) << 61}, int16, "b"), int64_t(1) << 61);  // 2**62 bytes
  expect_size_error("b", [] { checked_size({int64_t(1) << 61}, int32, "b"); });  // 2**63
}

TEST(Sizes, EveryNodeChecksItsShape) {
  expect_size_error("zeros", [] { zeros({big, big}); });
  expect_size_error("array", [] { array(nullptr, Shape{int64_t(1) << 62}, float32); });
  array x = zeros({4});
  expect_size_error("tile", [&] { tile(x, {big, big}); });
  expect_size_error("repeat", [&] { repeat(x, INT64_MAX / 2, 0); });
  expect_size_error("pad", [&] { pad(x, {{INT64_MAX, 1}}, array(0.0f)); });
  expect_size_error("reshape", [&] { reshape(x, {big, big, -1}); });
  expect_size_error("broadcast_to", [&] { broadcast_to(x, {big, big, 4}); });
  array half = broadcast_to(zeros({}, int8), {int64_t(1) << 62});
  expect_size_error("concatenate", [&] { concatenate({half, half}, 0); });
  // Rolls by huge shifts reduce them first: no overflow, NumPy's result (2 * INT64_MAX is
  // 4 modulo 5).
  array r = contiguous(roll(arange(0.0, 5.0, 1.0, int32, true), Shape{INT64_MAX, INT64_MAX},
                            {0, 0}));
  eval({r});
  EXPECT_EQ(std::vector<int32_t>(r.data<int32_t>(), r.data<int32_t>() + 5),
            (std::vector<int32_t>{1, 2, 3, 4, 0}));
}
