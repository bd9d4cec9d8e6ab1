// The vectorized fold of a contiguous run, shared by the reduction kernels.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kiln/backend/cpu/elementwise.h"
#include "kiln/types/cast.h"

namespace kiln::cpu {

template <typename A, typename T>
inline A load(T x) {
  return cast_to<A>(x);
}

// Folds x[0, n) with one accumulator per SIMD lane (lane-wise work the compiler vectorizes
// without reassociating anything). Each step first combines two loaded vectors, so loads do
// not wait on the accumulator chain. Pairwise rules (sums) cascade: 64 steps per lane into a
// block, 64 blocks into a group, groups into the total, so no float chain gets long.
template <class Op, typename T, typename A = typename Op::acc_t>
KILN_SIMD_CLONES A fold_lanes(const T* x, int64_t n) {
  constexpr int W = 128 / sizeof(A) < 8 ? 8 : int(128 / sizeof(A));
  constexpr int64_t kSteps = Op::pairwise ? 64 : int64_t(1) << 40;
  constexpr int64_t kBlocks = Op::pairwise ? 64 : 1;
  A acc[W], group[W], blk[W];
  for (int j = 0; j < W; ++j) acc[j] = group[j] = Op::init();
  int64_t i = 0, full = n - n % (2 * W), blocks = 0;
  while (i < full) {
    int64_t stop = std::min(full, i + kSteps * 2 * W);
    for (int j = 0; j < W; ++j) blk[j] = Op::init();
    for (; i < stop; i += 2 * W) {
      for (int j = 0; j < W; ++j) {
        blk[j] = Op{}(blk[j], Op{}(load<A>(x[i + j]), load<A>(x[i + W + j])));
      }
    }
    for (int j = 0; j < W; ++j) group[j] = Op{}(group[j], blk[j]);
    if (++blocks % kBlocks == 0) {
      for (int j = 0; j < W; ++j) {
        acc[j] = Op{}(acc[j], group[j]);
        group[j] = Op::init();
      }
    }
  }
  A rest = Op::init();
  for (; i < n; ++i) rest = Op{}(rest, load<A>(x[i]));
  for (int j = 0; j < W; ++j) acc[j] = Op{}(acc[j], group[j]);
  for (int w = W / 2; w > 0; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] = Op{}(acc[j], acc[j + w]);
  }
  return Op{}(acc[0], rest);
}

}  // namespace kiln::cpu
