// Threefry-2x32 known answers and the counter layout of RandomBits.
#include <gtest/gtest.h>

#include "kiln/backend/common/threefry.h"
#include "helpers.h"

using namespace kiln;

namespace {

std::vector<uint64_t> words(const array& a) { return test::values_as<uint64_t>(a); }

}  // namespace

// Random123's known-answer vectors for threefry2x32 with 20 rounds (kat_vectors; the same
// values JAX tests against): key, counter -> output.
TEST(Random, ThreefryKnownAnswers) {
  struct Kat {
    uint32_t k0, k1, c0, c1, y0, y1;
  };
  for (const Kat& t : {Kat{0, 0, 0, 0, 0x6b200159u, 0x99ba4efeu},
                       Kat{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x1cb996fcu,
                           0xbb002be7u},
                       Kat{0x13198a2eu, 0x03707344u, 0x243f6a88u, 0x85a308d3u, 0xc4923a9cu,
                           0x483df7a0u}}) {
    threefry::Pair p = threefry::hash(t.k0, t.k1, t.c0, t.c1);
    EXPECT_EQ(p.x0, t.y0);
    EXPECT_EQ(p.x1, t.y1);
  }
}

TEST(Random, KeysAndTheCounterLayout) {
  EXPECT_EQ(words(random::key(0x0123456789abcdefull)),
            (std::vector<uint64_t>{0x01234567u, 0x89abcdefu}));
  array k = random::key(0);
  // 32-bit draws 2b and 2b + 1 are block b; block 0 is the hash of counter (0, 0).
  std::vector<uint64_t> w = words(random::bits({5}, 4, k));
  EXPECT_EQ(w[0], 0x6b200159u);
  EXPECT_EQ(w[1], 0x99ba4efeu);
  threefry::Pair b2 = threefry::block(0, 0, 2);
  EXPECT_EQ(w[4], b2.x0);
  // A 64-bit draw is one block, its first word low.
  std::vector<uint64_t> d = words(random::bits({3}, 8, k));
  threefry::Pair b1 = threefry::block(0, 0, 1);
  EXPECT_EQ(d[0], 0x99ba4efe6b200159ull);
  EXPECT_EQ(d[1], uint64_t(b1.x0) | (uint64_t(b1.x1) << 32));
  // A longer draw extends a shorter one.
  std::vector<uint64_t> longer = words(random::bits({7}, 4, k));
  EXPECT_EQ(std::vector<uint64_t>(longer.begin(), longer.begin() + 5), w);
}

TEST(Random, SplitDrawsFreshKeys) {
  array k = random::key(42);
  auto [a, b] = random::split(k);
  std::vector<uint64_t> ka = words(a), kb = words(b), all = words(random::split(k, 3));
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(std::vector<uint64_t>(all.begin(), all.begin() + 2), ka);
  EXPECT_EQ(std::vector<uint64_t>(all.begin() + 2, all.begin() + 4), kb);
  EXPECT_NE(ka, kb);
  EXPECT_THROW(random::split(array({1, 2}), 2), std::invalid_argument);  // int32 key
  EXPECT_THROW(random::split(k, -1), std::invalid_argument);
  EXPECT_THROW(random::bits({2}, 2, k), std::invalid_argument);
}

TEST(Random, GlobalSequenceRepeatsAfterSeed) {
  random::seed(5);
  std::vector<uint64_t> first = words(random::bits({4}));
  std::vector<uint64_t> second = words(random::bits({4}));
  random::seed(5);
  EXPECT_EQ(words(random::bits({4})), first);
  EXPECT_NE(first, second);
}

TEST(Random, UniformStaysInsideItsRange) {
  array u = random::uniform(array(1.0f), array(2.0f), {1 << 16}, float16, random::key(3));
  std::vector<uint64_t> bits = words(view(u, uint16));
  for (uint64_t b : bits) {
    EXPECT_GE(b, 0x3c00u);  // 1.0
    EXPECT_LT(b, 0x4000u);  // 2.0
  }
}
