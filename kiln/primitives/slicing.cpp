#include "kiln/primitives/slicing.h"

#include "kiln/backend/copy.h"
#include "kiln/ops/creation.h"
#include "kiln/primitives/rules.h"

namespace kiln {

// ---------------------------------------------------------------- evaluation

void Slice::eval(const std::vector<array>& inputs, array& out) {
  if (out.size() == 0) return backend::allocate(out, stream());
  const array& in = inputs[0];
  int64_t offset = in.offset();
  Strides st(in.ndim());
  for (int i = 0; i < in.ndim(); ++i) {
    offset += spec_.start[i] * in.strides()[i] * int64_t(in.itemsize());
    st[i] = in.strides()[i] * spec_.step[i];
  }
  out.set_view(in, std::move(st), offset);
}

// The source's values (its own memory when donated), then the update written through the
// slice's strides.
void SliceUpdate::eval(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array& upd = inputs[1];
  backend::copy_or_donate(src, out, stream());
  if (upd.size() == 0) return;
  int64_t offset = 0;
  Strides st(out.ndim());
  for (int i = 0; i < out.ndim(); ++i) {
    offset += spec_.start[i] * out.strides()[i];
    st[i] = out.strides()[i] * spec_.step[i];
  }
  backend::copy_general(upd, upd.shape(), upd.strides(), 0, out, st, offset, stream());
}

}  // namespace kiln

// ---------------------------------------------------------------- transform rules

namespace kiln {

namespace {

// The spec with a whole axis of n elements inserted at `axis`.
SliceSpec with_axis(const SliceSpec& spec, int axis, int64_t n) {
  SliceSpec out = spec;
  out.start.insert(out.start.begin() + axis, 0);
  out.step.insert(out.step.begin() + axis, 1);
  out.count.insert(out.count.begin() + axis, n);
  return out;
}

array slice_node(const array& x, const SliceSpec& spec, Stream s) {
  return array(spec.count, x.dtype(), std::make_shared<Slice>(s, spec), {x});
}

array slice_update_node(const array& src, const array& upd, const SliceSpec& spec, Stream s) {
  return array(src.shape(), src.dtype(), std::make_shared<SliceUpdate>(s, spec), {src, upd});
}

}  // namespace

std::vector<array> Slice::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>&) {
  const array& c = cotangents[0];
  array z = zeros(primals[0].shape(), c.dtype(), stream());
  return {slice_update_node(z, c, spec_, stream())};
}
std::vector<array> Slice::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  return {slice_node(tangents[0], spec_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> Slice::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  const array& x = inputs[0];
  int b = axes[0];
  return {{slice_node(x, with_axis(spec_, b, x.shape()[b]), stream())}, {b}};
}

std::vector<array> SliceUpdate::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums, const std::vector<array>&) {
  const array &c = cotangents[0], &upd = primals[1];
  std::vector<array> out;
  for (int i : argnums) {
    if (i == 0) {
      out.push_back(slice_update_node(c, zeros_like(upd, std::nullopt, stream()), spec_, stream()));
    } else {
      out.push_back(slice_node(c, spec_, stream()));
    }
  }
  return out;
}
std::vector<array> SliceUpdate::jvp(const std::vector<array>& primals,
                                    const std::vector<array>& tangents,
                                    const std::vector<int>& argnums) {
  array ts = rules::tangent_or_zeros(primals, tangents, argnums, 0, stream());
  array tu = rules::tangent_or_zeros(primals, tangents, argnums, 1, stream());
  return {slice_update_node(ts, tu, spec_, stream())};
}
std::pair<std::vector<array>, std::vector<int>> SliceUpdate::vmap(const std::vector<array>& inputs,
                                                                  const std::vector<int>& axes) {
  std::vector<array> in = rules::all_batched(inputs, axes, stream());
  return {{slice_update_node(in[0], in[1], with_axis(spec_, 0, in[0].shape()[0]), stream())}, {0}};
}

}  // namespace kiln
