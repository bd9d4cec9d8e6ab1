// GPU evaluation of Binary and Select: dense operands (or a dense one and a single value) take
// the vectorized binary kernel, anything else (broadcast, transposed, sliced) the strided ones.
#include <cstring>

#include "kiln/backend/cuda/elementwise.h"
#include "kiln/backend/cuda/instances.h"
#include "kiln/primitives/binary.h"

namespace kiln {

using namespace cuda;

namespace {

// How binary_dense reads operands a and b (cu::OperandRead). At least one is a dense vector:
// the launcher never passes two single values (see Binary::eval_gpu).
bool dense_reads_valid(int ra, int rb) { return ra == cu::kReadDense || rb == cu::kReadDense; }

// vw: 1, or the vector_width of the operands.
KernelSpec binary_dense_spec(BinaryOp op, Dtype t, Dtype tout, int vw, int ra, int rb) {
  return {kElementwiseFile, "binary_dense",
          {KernelArg::ew(binary_op_name(op)), t, tout, vw, ra, rb}};
}

KernelSpec binary_strided_spec(BinaryOp op, Dtype t, Dtype tout) {
  return {kElementwiseFile, "binary_strided", {KernelArg::ew(binary_op_name(op)), t, tout}};
}

KernelSpec select_spec(Dtype t) { return {kElementwiseFile, "select_strided", {t}}; }

bool same_dense_layout(const array& x, const array& like) {
  return x.flags().contiguous && x.shape() == like.shape() && x.strides() == like.strides() &&
         x.data_size() == size_t(x.size());
}

// How the dense kernel reads an operand: by value for a one-element operand only the host
// holds (no upload, e.g. the Python scalar of `a + 1`); else `read`.
int operand_read(const array& x, int read, cu::ScalarBits& bits) {
  bits = {};
  if (!is_host_scalar(x)) return read;
  std::memcpy(bits.words, x.data<char>(), x.itemsize());
  return cu::kReadByValue;
}

}  // namespace

std::vector<KernelSpec> cuda::binary_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype t : all_dtypes) {
    for (BinaryOp op : all_binary_ops) {
      if (!binary_supports(op, t)) continue;
      Dtype out = binary_output_dtype(op, t);
      for (int w : vector_widths(t.size, out.size)) {
        for (int ra : {cu::kReadElement0, cu::kReadDense, cu::kReadByValue}) {
          for (int rb : {cu::kReadElement0, cu::kReadDense, cu::kReadByValue}) {
            if (dense_reads_valid(ra, rb)) v.push_back(binary_dense_spec(op, t, out, w, ra, rb));
          }
        }
      }
      v.push_back(binary_strided_spec(op, t, out));
    }
    v.push_back(select_spec(t));
  }
  return v;
}

void Binary::eval_gpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  const Stream& s = stream();
  auto dense = [&](int ra, int rb, int64_t n) {
    cu::ScalarBits va{}, vb{};
    ra = operand_read(a, ra, va);
    rb = operand_read(b, rb, vb);
    // No instance takes both by value: one goes up.
    if (ra == cu::kReadByValue && rb == cu::kReadByValue) ra = cu::kReadDense;
    if (n == 1) {  // a lone element is read alike either way
      ra = ra == cu::kReadElement0 ? cu::kReadDense : ra;
      rb = rb == cu::kReadElement0 ? cu::kReadDense : rb;
    }
    const void* pa = ra == cu::kReadByValue ? nullptr : device_ptr<const void>(a);
    const void* pb = rb == cu::kReadByValue ? nullptr : device_ptr<const void>(b);
    int vw = vector_width({{pa ? pa : device_ptr(out), a.itemsize()},
                           {pb ? pb : device_ptr(out), b.itemsize()},
                           {device_ptr(out), out.itemsize()}});
    launch_kernel(s, binary_dense_spec(op_, a.dtype(), out.dtype(), vw, ra, rb),
                  grid_blocks(ceil_div(n, vw), stream_device(s)), kBlockThreads, 0, pa, pb, va,
                  vb, device_ptr<void>(out), (long long)n);
  };
  if (a.shape() == b.shape() && same_dense_layout(a, b)) {
    set_output_like(a.is_donatable() ? a : b, out, s);
    return dense(cu::kReadDense, cu::kReadDense, int64_t(a.data_size()));
  }
  if (a.data_size() == 1 && b.shape() == out.shape() && b.flags().contiguous) {
    set_output_like(b, out, s);
    return dense(cu::kReadElement0, cu::kReadDense, int64_t(b.data_size()));
  }
  if (b.data_size() == 1 && a.shape() == out.shape() && a.flags().contiguous) {
    set_output_like(a, out, s);
    return dense(cu::kReadDense, cu::kReadElement0, int64_t(a.data_size()));
  }
  allocate(out, s);
  if (out.size() == 0) return;
  auto p = make_strided<3>(out.shape(), {out.strides(), broadcast_strides(a, out.shape()),
                                         broadcast_strides(b, out.shape())});
  launch_kernel(s, binary_strided_spec(op_, a.dtype(), out.dtype()),
                grid_blocks(out.size(), stream_device(s)), kBlockThreads, 0,
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
  launch_kernel(s, select_spec(out.dtype()), grid_blocks(out.size(), stream_device(s)),
                kBlockThreads, 0, device_ptr<const bool>(inputs[0]),
                device_ptr<const void>(inputs[1]), device_ptr<const void>(inputs[2]),
                device_ptr<void>(out), (long long)out.size(), p);
}

}  // namespace kiln
