// GPU evaluation of Unary, Binary and Select: dense operands take the vectorized kernels,
// anything else (broadcast, transposed, sliced) the strided ones.
#include <array>
#include <cstring>

#include "kiln/backend/cuda/launch.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/unary.h"

namespace kiln {

using namespace cuda;

namespace {

// Gives `out` the layout of dense `in`, taking in's memory when nothing else uses it (not a
// host scalar's: the kernel takes that by value, and its memory is on the host).
void set_output_like(const array& in, array& out, const Stream& s) {
  if (in.is_donatable() && in.itemsize() == out.itemsize() && !is_host_scalar(in)) {
    out.copy_shared_buffer(in);
  } else {
    allocate(out, s, in.data_size(), in.strides(), in.flags());
  }
}

bool same_dense_layout(const array& x, const array& like) {
  return x.flags().contiguous && x.shape() == like.shape() && x.strides() == like.strides() &&
         x.data_size() == size_t(x.size());
}

std::vector<int> widths(size_t a, size_t b) {
  int w = dense_width(a, b);
  return w == 1 ? std::vector<int>{1} : std::vector<int>{w, 1};
}


}  // namespace

namespace cuda {
std::vector<std::string> elementwise_instances() {
  std::vector<std::string> v;
  for (Dtype d : all_dtypes) {
    std::string t = type_name(d);
#define KILN_UNARY(name)                                                                 \
  if (unary_supports(UnaryOp::name, d)) {                                                \
    Dtype o = unary_output_dtype(UnaryOp::name, d);                                      \
    std::string op = "kiln::ew::" #name, to = type_name(o);                              \
    for (int w : widths(d.size, o.size))                                                 \
      v.push_back(instance("unary_dense", {op, t, to, std::to_string(w)}));               \
    v.push_back(instance("unary_strided", {op, t, to}));                                 \
  }
    KILN_UNARY_OPS(KILN_UNARY)
#undef KILN_UNARY
#define KILN_BINARY(name)                                                                \
  if (binary_supports(BinaryOp::name, d)) {                                              \
    Dtype o = binary_output_dtype(BinaryOp::name, d);                                    \
    std::string op = "kiln::ew::" #name, to = type_name(o);                              \
    for (int w : widths(d.size, o.size))                                                 \
      for (auto [sa, sb] : {std::pair{1, 1}, {0, 1}, {1, 0}, {2, 1}, {1, 2}})            \
        v.push_back(instance("binary_dense", {op, t, to, std::to_string(w),              \
                                              std::to_string(sa), std::to_string(sb)})); \
    v.push_back(instance("binary_strided", {op, t, to}));                                \
  }
    KILN_BINARY_OPS(KILN_BINARY)
#undef KILN_BINARY
    v.push_back(instance("select_strided", {t}));
  }
  return v;
}
}  // namespace cuda

void Unary::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  const Stream& s = stream();
  auto names = [&] {
    return std::array<std::string, 3>{std::string("kiln::ew::") + unary_op_name(op_),
                                      type_name(in.dtype()), type_name(out.dtype())};
  };
  uint64_t key = (uint64_t(op_) << 8) | uint64_t(in.dtype().index());
  if (in.flags().contiguous) {
    set_output_like(in, out, s);
    int64_t n = int64_t(in.data_size());
    int vw = vector_width({{device_ptr<const void>(in), in.itemsize()}, {device_ptr(out), out.itemsize()}});
    cudaKernel_t k = cached_kernel(s, "elementwise.cuh", key * 32 + uint64_t(vw), [&] {
      auto [op, tin, tout] = names();
      return instance("unary_dense", {op, tin, tout, std::to_string(vw)});
    });
    launch_kernel(s, k, grid_blocks(ceil_div(n, vw), stream_device(s)), kBlock, 0,
                  device_ptr<const void>(in), device_ptr<void>(out), (long long)n);
    return;
  }
  allocate(out, s);
  if (out.size() == 0) return;
  auto p = make_strided<2>(out.shape(), {out.strides(), in.strides()});
  cudaKernel_t k = cached_kernel(s, "elementwise.cuh", key, [&] {
    auto [op, tin, tout] = names();
    return instance("unary_strided", {op, tin, tout});
  });
  launch_kernel(s, k, grid_blocks(out.size(), stream_device(s)), kBlock, 0,
                device_ptr<const void>(in), device_ptr<void>(out), (long long)out.size(), p);
}

namespace {

// How the dense kernel reads an operand: 2, by value, for a one-element operand only the host
// holds (no upload, e.g. the Python scalar of `a + 1`); else `mode` (1 elementwise, 0 its
// element 0 from device memory).
int scalar_mode(const array& x, int mode, cu::ScalarBits& bits) {
  bits = {};
  if (!is_host_scalar(x)) return mode;
  std::memcpy(bits.words, x.data<char>(), x.itemsize());
  return 2;
}

}  // namespace

void Binary::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  const Stream& s = stream();
  uint64_t key = (uint64_t(op_) << 8) | uint64_t(a.dtype().index());
  auto names = [&] {
    return std::array<std::string, 3>{std::string("kiln::ew::") + binary_op_name(op_),
                                      type_name(a.dtype()), type_name(out.dtype())};
  };
  auto dense = [&](int sa, int sb, int64_t n) {
    cu::ScalarBits va{}, vb{};
    sa = scalar_mode(a, sa, va);
    sb = scalar_mode(b, sb, vb);
    if (sa == 2 && sb == 2) sa = 1;  // no instance takes both by value: one goes up
    if (n == 1) {                    // a lone element is read alike either way
      sa = sa == 0 ? 1 : sa;
      sb = sb == 0 ? 1 : sb;
    }
    const void* pa = sa == 2 ? nullptr : device_ptr<const void>(a);
    const void* pb = sb == 2 ? nullptr : device_ptr<const void>(b);
    int vw = vector_width({{pa ? pa : device_ptr(out), a.itemsize()},
                           {pb ? pb : device_ptr(out), b.itemsize()},
                           {device_ptr(out), out.itemsize()}});
    uint64_t variant = uint64_t(vw) * 9 + uint64_t(sa) * 3 + uint64_t(sb);
    cudaKernel_t k = cached_kernel(s, "elementwise.cuh", key * 512 + variant, [&] {
      auto [op, t, tout] = names();
      return instance("binary_dense", {op, t, tout, std::to_string(vw), std::to_string(sa),
                                       std::to_string(sb)});
    });
    launch_kernel(s, k, grid_blocks(ceil_div(n, vw), stream_device(s)), kBlock, 0, pa, pb, va,
                  vb, device_ptr<void>(out), (long long)n);
  };
  if (a.shape() == b.shape() && same_dense_layout(a, b)) {
    set_output_like(a.is_donatable() ? a : b, out, s);
    return dense(1, 1, int64_t(a.data_size()));
  }
  if (a.data_size() == 1 && b.shape() == out.shape() && b.flags().contiguous) {
    set_output_like(b, out, s);
    return dense(0, 1, int64_t(b.data_size()));
  }
  if (b.data_size() == 1 && a.shape() == out.shape() && a.flags().contiguous) {
    set_output_like(a, out, s);
    return dense(1, 0, int64_t(a.data_size()));
  }
  allocate(out, s);
  if (out.size() == 0) return;
  auto p = make_strided<3>(out.shape(), {out.strides(), broadcast_strides(a, out.shape()),
                                         broadcast_strides(b, out.shape())});
  cudaKernel_t k = cached_kernel(s, "elementwise.cuh", key, [&] {
    auto [op, t, tout] = names();
    return instance("binary_strided", {op, t, tout});
  });
  launch_kernel(s, k, grid_blocks(out.size(), stream_device(s)), kBlock, 0,
                device_ptr<const void>(a), device_ptr<const void>(b), device_ptr<void>(out),
                (long long)out.size(), p);
}

void Select::eval_gpu(const std::vector<array>& inputs, array& out) {
  const Stream& s = stream();
  allocate(out, s);
  if (out.size() == 0) return;
  auto p = make_strided<4>(out.shape(),
                           {out.strides(), broadcast_strides(inputs[0], out.shape()),
                            broadcast_strides(inputs[1], out.shape()),
                            broadcast_strides(inputs[2], out.shape())});
  launch_kernel(s, "elementwise.cuh", instance("select_strided", {type_name(out.dtype())}),
                grid_blocks(out.size(), stream_device(s)), kBlock, 0,
                device_ptr<const bool>(inputs[0]), device_ptr<const void>(inputs[1]),
                device_ptr<const void>(inputs[2]), device_ptr<void>(out), (long long)out.size(), p);
}

}  // namespace kiln
