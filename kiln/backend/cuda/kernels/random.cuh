// RandomBits: one thread per Threefry block, with the CPU's counter layout
// (kiln/backend/common/threefry.h), so both devices draw the same bits.
#pragma once

#include "kiln/backend/common/threefry.h"

namespace kiln::cu {

// Block b of a key's slice: 32-bit draws 2b and 2b + 1 (one 8-byte store when the slice
// length is even: the slice and the pair are then 8-byte aligned), or 64-bit draw b.
__device__ __forceinline__ void store_block(uint32_t* dst, long long b, long long per_key,
                                            threefry::Pair p) {
  if ((per_key & 1) == 0) {
    *reinterpret_cast<uint2*>(dst + 2 * b) = make_uint2(p.x0, p.x1);
  } else {
    dst[2 * b] = p.x0;
    if (2 * b + 1 < per_key) dst[2 * b + 1] = p.x1;
  }
}
__device__ __forceinline__ void store_block(uint64_t* dst, long long b, long long,
                                            threefry::Pair p) {
  dst[b] = (uint64_t)p.x0 | ((uint64_t)p.x1 << 32);
}

// keys: row-major (num_keys, 2); out: row-major (num_keys, per_key). Grid-stride over the
// blocks of all keys; consecutive threads write consecutive blocks of one key.
template <typename T>
__global__ void random_bits(const uint32_t* keys, T* out, long long num_keys, long long per_key) {
  const long long blocks = sizeof(T) == 8 ? per_key : (per_key + 1) / 2;
  const long long total = num_keys * blocks;
  const long long stride = (long long)gridDim.x * blockDim.x;
  for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < total; t += stride) {
    long long j = num_keys == 1 ? 0 : t / blocks;
    long long b = t - j * blocks;
    threefry::Pair p = threefry::block(keys[2 * j], keys[2 * j + 1], (uint64_t)b);
    store_block(out + j * per_key, b, per_key, p);
  }
}

}  // namespace kiln::cu
