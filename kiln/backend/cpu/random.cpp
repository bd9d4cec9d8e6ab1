// CPU evaluation of RandomBits: one Threefry block per pair of 32-bit words (or per 64-bit
// word), blocks split across the thread pool.
#include "kiln/backend/common/threefry.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/thread_pool.h"
#include "kiln/primitives/random.h"

namespace kiln {

namespace {

// Threefry blocks per piece of parallel work: each costs some 100 integer operations.
constexpr int64_t kBlockGrain = 1 << 14;

// Calls f(key, first block, last block) for the blocks [begin, end) of the whole output,
// blocks_per_key per key, without a division per block.
template <typename F>
void for_each_key_range(int64_t begin, int64_t end, int64_t blocks_per_key, F&& f) {
  int64_t key = begin / blocks_per_key;
  int64_t b = begin - key * blocks_per_key;
  while (begin < end) {
    int64_t n = std::min(end - begin, blocks_per_key - b);
    f(key, b, b + n);
    begin += n;
    ++key;
    b = 0;
  }
}

}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.allocate();
  int64_t num_keys = inputs[0].size() / 2;
  if (out.size() == 0 || num_keys == 0) return;
  array keys = inputs[0];
  if (!keys.flags().row_contiguous) {
    keys = array(inputs[0].shape(), uint32, nullptr, {});
    cpu::copy_to_new(inputs[0], keys, true);
  }
  const uint32_t* k = keys.data<uint32_t>();
  int64_t per_key = out.size() / num_keys;  // draws per key
  if (width_ == 8) {
    uint64_t* o = out.data<uint64_t>();
    cpu::parallel_for(out.size(), kBlockGrain, [&](int64_t begin, int64_t end) {
      for_each_key_range(begin, end, per_key, [&](int64_t j, int64_t b0, int64_t b1) {
        uint32_t k0 = k[2 * j], k1 = k[2 * j + 1];
        uint64_t* dst = o + j * per_key;
        for (int64_t b = b0; b < b1; ++b) {
          threefry::Pair p = threefry::block(k0, k1, uint64_t(b));
          dst[b] = uint64_t(p.x0) | (uint64_t(p.x1) << 32);
        }
      });
    });
    return;
  }
  uint32_t* o = out.data<uint32_t>();
  int64_t blocks = (per_key + 1) / 2;
  cpu::parallel_for(num_keys * blocks, kBlockGrain, [&](int64_t begin, int64_t end) {
    for_each_key_range(begin, end, blocks, [&](int64_t j, int64_t b0, int64_t b1) {
      uint32_t k0 = k[2 * j], k1 = k[2 * j + 1];
      uint32_t* dst = o + j * per_key;
      // An odd count leaves the last block's second word unused.
      int64_t full = std::min(b1, per_key / 2);
      for (int64_t b = b0; b < full; ++b) {
        threefry::Pair p = threefry::block(k0, k1, uint64_t(b));
        dst[2 * b] = p.x0;
        dst[2 * b + 1] = p.x1;
      }
      if (full < b1) dst[2 * full] = threefry::block(k0, k1, uint64_t(full)).x0;
    });
  });
}

}  // namespace kiln
