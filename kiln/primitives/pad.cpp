#include "kiln/primitives/pad.h"

#include "kiln/backend/common/index_map.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/indexing.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/slicing.h"
#include "kiln/primitives/rules.h"

namespace kiln {

static_assert(int(PadMode::constant) == index_map::constant &&
              int(PadMode::edge) == index_map::edge &&
              int(PadMode::reflect) == index_map::reflect &&
              int(PadMode::symmetric) == index_map::symmetric);

std::vector<AxisMap> Pad::axis_maps(const Shape& in_shape) const {
  std::vector<AxisMap> maps(in_shape.size());
  for (size_t d = 0; d < in_shape.size(); ++d) {
    AxisMap& m = maps[d];
    m.resize(size_t(low_[d] + in_shape[d] + high_[d]));
    for (int64_t i = 0; i < int64_t(m.size()); ++i) {
      m[i] = index_map::source_index(i, low_[d], in_shape[d], int(mode_));
    }
  }
  return maps;
}

std::vector<Shape> Pad::output_shapes(const std::vector<array>& inputs) {
  Shape s = inputs[0].shape();
  for (size_t d = 0; d < s.size(); ++d) s[d] = checked_add(s[d], low_[d] + high_[d], "pad");
  return {s};
}

std::vector<AxisMap> Roll::axis_maps(const Shape& in_shape) const {
  std::vector<AxisMap> maps(in_shape.size());
  for (size_t d = 0; d < in_shape.size(); ++d) {
    int64_t n = in_shape[d];
    maps[d].resize(size_t(n));
    for (int64_t i = 0; i < n; ++i) {
      maps[d][i] = index_map::source_index(i, shifts_[d], n, index_map::wrap);
    }
  }
  return maps;
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

array pad_node(const array& a, const array& value, const Shape& low, const Shape& high,
               PadMode mode, Stream s) {
  Shape shape = a.shape();
  for (size_t d = 0; d < shape.size(); ++d) shape[d] += low[d] + high[d];
  return array(std::move(shape), a.dtype(), std::make_shared<Pad>(s, low, high, mode),
               {a, value});
}

array roll_node(const array& a, const Shape& shifts, Stream s) {
  return array(a.shape(), a.dtype(), std::make_shared<Roll>(s, shifts), {a});
}

}  // namespace

std::vector<array> Pad::vjp(const std::vector<array>& primals,
                            const std::vector<array>& cotangents,
                            const std::vector<int>& argnums, const std::vector<array>&) {
  const array &a = primals[0], &c = cotangents[0];
  Stream s = stream();
  std::vector<SliceBound> interior(size_t(a.ndim()));
  for (int d = 0; d < a.ndim(); ++d) interior[d] = {low_[d], low_[d] + a.shape()[d], 1};
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 1) {  // the fill value receives what lands outside the input
      array g = mode_ == PadMode::constant
                    ? subtract(sum(c, false, s), sum(slice(c, interior, s), false, s), s)
                    : zeros({}, c.dtype(), s);
      out.push_back(g);
      continue;
    }
    if (mode_ == PadMode::constant) {
      out.push_back(slice(c, interior, s));
      continue;
    }
    // Edge and reflections copy input elements outward: one axis at a time, the padded
    // positions' cotangents are added to the input positions they copied.
    std::vector<AxisMap> maps = axis_maps(a.shape());
    array g = c;
    for (int d = 0; d < a.ndim(); ++d) {
      std::vector<SliceBound> inner(size_t(d) + 1);
      inner[d] = interior[d];
      array kept = slice(g, inner, s);
      std::vector<int64_t> from, to;
      for (int64_t j = 0; j < int64_t(maps[d].size()); ++j) {
        if (j < low_[d] || j >= low_[d] + a.shape()[d]) {
          from.push_back(j);
          to.push_back(maps[d][j]);
        }
      }
      if (!from.empty()) {
        int64_t n = int64_t(from.size());
        array pads = take(g, array(from, {n}, int64), d, s);
        array upd = expand_dims(moveaxis(pads, d, 0, s), {d + 1}, s);
        kept = scatter_add(kept, {array(to, {n}, int64)}, upd, {d}, s);
      }
      g = kept;
    }
    out.push_back(g);
  }
  return out;
}
std::vector<array> Pad::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                            const std::vector<int>& argnums) {
  array ta = rules::tangent_or_zeros(primals, tangents, argnums, 0, stream());
  array tv = rules::tangent_or_zeros(primals, tangents, argnums, 1, stream());
  return {pad_node(ta, tv, low_, high_, mode_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Pad::vmap(const std::vector<array>& inputs,
                                                          const std::vector<int>& axes) {
  Stream s = stream();
  Shape low{0}, high{0};
  low.insert(low.end(), low_.begin(), low_.end());
  high.insert(high.end(), high_.begin(), high_.end());
  if (axes[1] < 0 || mode_ != PadMode::constant) {
    array x = rules::all_batched({inputs[0]}, {axes[0]}, s)[0];
    array v = axes[1] < 0 ? inputs[1] : array(0, x.dtype());  // read in constant mode only
    return {{pad_node(x, v, low, high, mode_, s)}, {0}};
  }
  // One fill value per slice: pad with zeros, then fill where the padding lands.
  std::vector<array> in = rules::all_batched(inputs, axes, s);
  const array &x = in[0], &v = in[1];
  array base = pad_node(x, array(0, x.dtype()), low, high, mode_, s);
  Shape unmapped(x.shape().begin() + 1, x.shape().end());
  array fill = pad_node(zeros(unmapped, bool_, s), array(true), low_, high_, mode_, s);
  Shape column{v.shape()[0]};
  column.insert(column.end(), unmapped.size(), 1);
  return {{where(fill, reshape(v, column, s), base, s)}, {0}};
}

std::vector<array> Roll::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>&,
                             const std::vector<array>&) {
  Shape back(shifts_.size());
  for (size_t d = 0; d < shifts_.size(); ++d) {
    int64_t n = primals[0].shape()[d];
    back[d] = shifts_[d] == 0 ? 0 : n - shifts_[d];
  }
  return {roll_node(cotangents[0], back, stream())};
}
std::vector<array> Roll::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {roll_node(tangents[0], shifts_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Roll::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  Shape shifts{0};
  shifts.insert(shifts.end(), shifts_.begin(), shifts_.end());
  return {{roll_node(rules::batch_to_front(inputs[0], axes[0], stream()), shifts, stream())},
          {0}};
}

}  // namespace kiln
