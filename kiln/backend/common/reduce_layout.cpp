#include "kiln/backend/common/reduce_layout.h"

#include <algorithm>
#include <cstdlib>

namespace kiln {

namespace {

struct Dim {
  int64_t n, in, out;
};

// Merges each dimension into the previous one when the pair is contiguous in every stride.
void merge(std::vector<Dim>& dims, bool with_out) {
  std::vector<Dim> m;
  for (const Dim& d : dims) {
    if (!m.empty() && m.back().in == d.in * d.n && (!with_out || m.back().out == d.out * d.n)) {
      m.back().n *= d.n;
      m.back().in = d.in;
      m.back().out = d.out;
    } else {
      m.push_back(d);
    }
  }
  dims = std::move(m);
}

}  // namespace

int64_t ReduceLayout::kept_size() const {
  int64_t n = 1;
  for (auto d : kshape) n *= d;
  return n;
}

int64_t ReduceLayout::reduced_size() const {
  int64_t n = 1;
  for (auto d : rshape) n *= d;
  return n;
}

std::optional<ReduceLayout> plan_reduce(const array& in, const std::vector<int>& axes,
                                        bool reorder, bool idempotent) {
  ReduceLayout L;
  Strides out_strides(in.ndim());
  {
    int64_t st = 1;
    for (int i = in.ndim() - 1; i >= 0; --i) {
      bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
      out_strides[i] = st;
      st *= reduced ? 1 : in.shape()[i];
    }
  }
  std::vector<Dim> kept, red;
  for (int i = 0; i < in.ndim(); ++i) {
    int64_t n = in.shape()[i], s = in.strides()[i];
    if (n == 1) continue;
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) {
      kept.push_back({n, s, out_strides[i]});
      continue;
    }
    if (reorder && s < 0) {  // visit the run backwards: same elements, positive stride
      L.in_offset += (n - 1) * s;
      s = -s;
    }
    if (idempotent && s == 0) continue;
    red.push_back({n, s, 0});
  }
  if (reorder) {
    // Largest stride outermost so runs merge; broadcast (stride 0) dimensions go outside all.
    std::stable_sort(red.begin(), red.end(), [](const Dim& a, const Dim& b) {
      if (a.in == 0 || b.in == 0) return a.in == 0 && b.in != 0;
      return a.in > b.in;
    });
  }
  merge(red, false);
  merge(kept, true);

  auto fill_kept = [&](int skip) {
    for (int i = 0; i < int(kept.size()); ++i) {
      if (i == skip) continue;
      L.kshape.push_back(kept[i].n);
      L.kin.push_back(kept[i].in);
      L.kout.push_back(kept[i].out);
    }
  };
  if (red.empty() || red.back().in == 1) {
    L.kind = ReduceLayout::Row;
    if (!red.empty()) {
      L.seg = red.back().n;
      red.pop_back();
    }
    int64_t kept_max = 0;
    for (auto& d : kept) kept_max = std::max(kept_max, std::abs(d.in));
    for (auto& d : red) {
      L.rshape.push_back(d.n);
      L.rin.push_back(d.in);
      if (L.outer == int(L.rshape.size()) - 1 && d.in > kept_max) ++L.outer;
    }
    fill_kept(-1);
    return L;
  }
  for (int i = int(kept.size()) - 1; i >= 0; --i) {
    if (kept[i].in == 1) {
      L.kind = ReduceLayout::Column;
      L.seg = kept[i].n;
      L.seg_out = kept[i].out;
      for (auto& d : red) {
        L.rshape.push_back(d.n);
        L.rin.push_back(d.in);
      }
      fill_kept(i);
      return L;
    }
  }
  return std::nullopt;
}

}  // namespace kiln
