// Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011), the counter-based generator behind RandomBits. This header compiles as
// host C++ (the CPU kernel), as CUDA device code and under NVRTC (CMake embeds its text), so
// both backends produce the same bits for the same key.
//
// Counter layout (kiln's own): the 32-bit words drawn from one key are numbered 0, 1, 2...;
// words 2b and 2b + 1 are the two outputs of block b, the hash of the counter
// (low half of b, high half of b). A 64-bit draw i is block i, first output in the low half.
#pragma once

#include "kiln/types/host_device.h"

namespace kiln::threefry {

struct Pair {
  uint32_t x0, x1;
};

KILN_HD uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Four rounds with rotations r0..r3, then the key injection number s.
#define KILN_THREEFRY_ROUNDS(r0, r1, r2, r3, s)           \
  x0 += x1; x1 = rotl(x1, r0); x1 ^= x0;                  \
  x0 += x1; x1 = rotl(x1, r1); x1 ^= x0;                  \
  x0 += x1; x1 = rotl(x1, r2); x1 ^= x0;                  \
  x0 += x1; x1 = rotl(x1, r3); x1 ^= x0;                  \
  x0 += ks[(s) % 3]; x1 += ks[((s) + 1) % 3] + uint32_t(s);

// The Random123 reference function threefry2x32 with 20 rounds.
KILN_HD Pair hash(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1) {
  const uint32_t ks[3] = {k0, k1, 0x1BD11BDAu ^ k0 ^ k1};
  uint32_t x0 = c0 + k0, x1 = c1 + k1;
  KILN_THREEFRY_ROUNDS(13, 15, 26, 6, 1)
  KILN_THREEFRY_ROUNDS(17, 29, 16, 24, 2)
  KILN_THREEFRY_ROUNDS(13, 15, 26, 6, 3)
  KILN_THREEFRY_ROUNDS(17, 29, 16, 24, 4)
  KILN_THREEFRY_ROUNDS(13, 15, 26, 6, 5)
  return {x0, x1};
}
#undef KILN_THREEFRY_ROUNDS

// Block b of the stream of key (k0, k1).
KILN_HD Pair block(uint32_t k0, uint32_t k1, uint64_t b) {
  return hash(k0, k1, uint32_t(b), uint32_t(b >> 32));
}

}  // namespace kiln::threefry
