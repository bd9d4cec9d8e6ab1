#include "kiln/backend/copy.h"

#include "kiln/backend/cpu/copy.h"
#if KILN_HAS_CUDA
#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/runtime.h"
#endif

namespace kiln::backend {

// Each call goes to the GPU's copy when s is a GPU stream (only in a build with CUDA), else
// to the CPU's.

void allocate(array& out, const Stream& s) {
#if KILN_HAS_CUDA
  if (s.device.type == Device::gpu) return cuda::allocate(out, s);
#endif
  out.allocate();
}

void allocate(array& out, const Stream& s, size_t data_size, Strides strides, ArrayFlags flags) {
#if KILN_HAS_CUDA
  if (s.device.type == Device::gpu) {
    return cuda::allocate(out, s, data_size, std::move(strides), flags);
  }
#endif
  out.set_data(std::make_shared<Data>(data_size * out.itemsize()), data_size, std::move(strides),
               flags);
}

void copy_general(const array& src, const Shape& shape, const Strides& src_strides,
                  int64_t src_offset, array& dst, const Strides& dst_strides, int64_t dst_offset,
                  const Stream& s) {
#if KILN_HAS_CUDA
  if (s.device.type == Device::gpu) {
    return cuda::copy_general(src, shape, src_strides, src_offset, dst, dst_strides, dst_offset,
                              s);
  }
#endif
  cpu::copy_general(src, shape, src_strides, src_offset, dst, dst_strides, dst_offset);
}

void copy_to_new(const array& src, array& dst, const Stream& s, bool row_major) {
#if KILN_HAS_CUDA
  if (s.device.type == Device::gpu) return cuda::copy_to_new(src, dst, s, row_major);
#endif
  cpu::copy_to_new(src, dst, row_major);
}

array row_major_copy(const array& in, const Stream& s) {
#if KILN_HAS_CUDA
  if (s.device.type == Device::gpu) return cuda::row_major_copy(in, s);
#endif
  return cpu::row_major_copy(in);
}

void copy_or_donate(const array& src, array& out, const Stream& s) {
  if (src.size() > 0 && src.is_donatable() && src.flags().contiguous) {
    out.copy_shared_buffer(src);
    return;
  }
  allocate(out, s);
  copy_general(src, src.shape(), src.strides(), 0, out, out.strides(), 0, s);
}

}  // namespace kiln::backend
