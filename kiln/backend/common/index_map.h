// The per-axis index maps of Pad and Roll, written once for the primitives (which build the
// CPU's tables from them) and the GPU kernels (which evaluate them in place). Compiles as host
// C++, as CUDA device code and under NVRTC.
#pragma once

#include "kiln/types/host_device.h"

namespace kiln::index_map {

// The values of PadMode, then Roll's cyclic shift.
enum Mode : int { constant = 0, edge = 1, reflect = 2, symmetric = 3, wrap = 4 };

KILN_HD int64_t floor_mod(int64_t a, int64_t m) {
  int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// The input index that output index i reads along an axis of input length n whose output
// starts `low` elements before the input (for wrap: the shift, in [0, n)); -1 means the
// fill value. Only positions outside the input take the mode-specific branches.
KILN_HD int64_t source_index(int64_t i, int64_t low, int64_t n, int mode) {
  int64_t k = i - low;
  if (k >= 0 && k < n) return k;
  switch (mode) {
    case edge:
      return k < 0 ? 0 : n - 1;
    case reflect: {  // period 2(n - 1): 0 1 .. n-1 n-2 .. 1
      int64_t p = 2 * (n - 1);
      int64_t t = p == 0 ? 0 : floor_mod(k, p);
      return t < n ? t : p - t;
    }
    case symmetric: {  // period 2n: 0 1 .. n-1 n-1 .. 0
      int64_t t = floor_mod(k, 2 * n);
      return t < n ? t : 2 * n - 1 - t;
    }
    case wrap:
      return k < 0 ? k + n : k - n;
    default:
      return -1;
  }
}

}  // namespace kiln::index_map
