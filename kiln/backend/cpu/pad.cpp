// CPU evaluation of Pad and Roll: a copy through per-axis index maps. Along the last axis
// the map is split into runs (fill, repeat, forward or backward strides), so interiors copy
// as dense blocks; outer axes are looked up once per row.
#include <algorithm>
#include <cstring>

#include "kiln/backend/cpu/elementwise.h"
#include "kiln/primitives/pad.h"

namespace kiln {

namespace {

// `len` outputs starting at `out` read input indices src, src + step, ...; src < 0: fill.
struct Run {
  int64_t out, len, src, step;
};

std::vector<Run> runs_of(const AxisMap& m) {
  std::vector<Run> runs;
  int64_t n = int64_t(m.size());
  for (int64_t j = 0; j < n;) {
    Run r{j, 1, m[j], 0};
    if (m[j] < 0) {
      while (j + r.len < n && m[j + r.len] < 0) ++r.len;
    } else if (j + 1 < n && m[j + 1] >= 0) {
      r.step = m[j + 1] - m[j];
      while (j + r.len < n && m[j + r.len] >= 0 && m[j + r.len] - m[j + r.len - 1] == r.step) {
        ++r.len;
      }
    }
    runs.push_back(r);
    j += r.len;
  }
  return runs;
}

// Elements are moved as raw bits (T is an unsigned integer of the item size).
template <typename T>
void remap(const array& in, const std::vector<AxisMap>& maps, T fill, array& out) {
  const T* src = in.data<T>();
  T* dst = out.data<T>();
  int nd = out.ndim();
  if (nd == 0) {
    *dst = *src;
    return;
  }
  const Shape& shape = out.shape();
  const Strides& ist = in.strides();
  std::vector<Run> runs = runs_of(maps[nd - 1]);
  int64_t cols = shape[nd - 1], rows = out.size() / cols, last = ist[nd - 1];
  cpu::parallel_for(rows, std::max<int64_t>(1, cpu::kElementwiseGrain / cols),
                    [&](int64_t begin, int64_t end) {
    std::vector<int64_t> idx(nd - 1);
    for (int64_t r = begin, d = nd - 2; d >= 0; --d) {
      idx[d] = r % shape[d];
      r /= shape[d];
    }
    for (int64_t row = begin; row < end; ++row) {
      T* o = dst + row * cols;
      int64_t off = 0;
      bool filled = false;
      for (int d = 0; d < nd - 1; ++d) {
        int64_t m = maps[d][idx[d]];
        filled |= m < 0;
        off += m * ist[d];
      }
      if (filled) {
        std::fill(o, o + cols, fill);
      } else {
        for (const Run& r : runs) {
          T* w = o + r.out;
          if (r.src < 0) {
            std::fill(w, w + r.len, fill);
            continue;
          }
          const T* x = src + off + r.src * last;
          int64_t st = r.step * last;
          if (st == 1) {
            std::memcpy(w, x, size_t(r.len) * sizeof(T));
          } else if (st == 0) {
            std::fill(w, w + r.len, *x);
          } else {
            for (int64_t k = 0; k < r.len; ++k) w[k] = x[k * st];
          }
        }
      }
      for (int d = nd - 2; d >= 0; --d) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
  });
}

void remap_any(const array& in, const std::vector<AxisMap>& maps, const array* fill,
               array& out) {
  out.allocate();
  if (out.size() == 0) return;
  auto run = [&]<typename T>(type_tag<T>) {
    T f{};
    if (fill) std::memcpy(&f, fill->data<char>(), sizeof(T));
    remap<T>(in, maps, f, out);
  };
  switch (out.itemsize()) {
    case 1: return run(type_tag<uint8_t>{});
    case 2: return run(type_tag<uint16_t>{});
    case 4: return run(type_tag<uint32_t>{});
    case 8: return run(type_tag<uint64_t>{});
  }
  throw std::logic_error(std::string("[pad] unsupported item size of ") +
                         dtype_name(out.dtype()));
}

}  // namespace

void Pad::eval_cpu(const std::vector<array>& inputs, array& out) {
  remap_any(inputs[0], axis_maps(inputs[0].shape()), &inputs[1], out);
}

void Roll::eval_cpu(const std::vector<array>& inputs, array& out) {
  remap_any(inputs[0], axis_maps(inputs[0].shape()), nullptr, out);
}

}  // namespace kiln
