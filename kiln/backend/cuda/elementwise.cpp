// GPU evaluation of Unary, Binary and Select: dense operands take the vectorized kernels,
// anything else (broadcast, transposed, sliced) the strided ones.
#include "kiln/backend/cuda/launch.h"
#include "kiln/primitives/binary.h"
#include "kiln/primitives/unary.h"

namespace kiln {

using namespace cuda;

namespace {

// Gives `out` the layout of dense `in`, taking in's memory when nothing else uses it.
void set_output_like(const array& in, array& out, const Stream& s) {
  if (in.is_donatable() && in.itemsize() == out.itemsize()) {
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
      for (auto [sa, sb] : {std::pair{1, 1}, {0, 1}, {1, 0}})                            \
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
  std::string op = std::string("kiln::ew::") + unary_op_name(op_);
  std::string tin = type_name(in.dtype()), tout = type_name(out.dtype());
  if (in.flags().contiguous) {
    set_output_like(in, out, s);
    int64_t n = int64_t(in.data_size());
    int vw = vector_width({{device_ptr(in), in.itemsize()}, {device_ptr(out), out.itemsize()}});
    launch_kernel(s, "elementwise.cuh",
                  instance("unary_dense", {op, tin, tout, std::to_string(vw)}),
                  grid_blocks(ceil_div(n, vw), stream_device(s)), kBlock, 0,
                  device_ptr<const void>(in), device_ptr<void>(out), (long long)n);
    return;
  }
  allocate(out, s);
  if (out.size() == 0) return;
  auto p = make_strided<2>(out.shape(), {out.strides(), in.strides()});
  launch_kernel(s, "elementwise.cuh", instance("unary_strided", {op, tin, tout}),
                grid_blocks(out.size(), stream_device(s)), kBlock, 0, device_ptr<const void>(in),
                device_ptr<void>(out), (long long)out.size(), p);
}

void Binary::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  const Stream& s = stream();
  std::string op = std::string("kiln::ew::") + binary_op_name(op_);
  std::string t = type_name(a.dtype()), tout = type_name(out.dtype());
  auto dense = [&](int sa, int sb, int64_t n) {
    int vw = vector_width({{device_ptr(a), a.itemsize()},
                           {device_ptr(b), b.itemsize()},
                           {device_ptr(out), out.itemsize()}});
    launch_kernel(s, "elementwise.cuh",
                  instance("binary_dense", {op, t, tout, std::to_string(vw), std::to_string(sa),
                                            std::to_string(sb)}),
                  grid_blocks(ceil_div(n, vw), stream_device(s)), kBlock, 0,
                  device_ptr<const void>(a), device_ptr<const void>(b), device_ptr<void>(out),
                  (long long)n);
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
  launch_kernel(s, "elementwise.cuh", instance("binary_strided", {op, t, tout}),
                grid_blocks(out.size(), stream_device(s)), kBlock, 0, device_ptr<const void>(a),
                device_ptr<const void>(b), device_ptr<void>(out), (long long)out.size(), p);
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
