// CPU evaluation of the gathers: Gather (slices at index-given starts), GatherAxis
// (take_along_axis) and DynamicSlice (a view at an index-given start).
#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/elementwise.h"
#include "kiln/backend/cpu/indexing.h"
#include "kiln/primitives/indexing.h"

namespace kiln {

namespace {

// Index positions whose offsets are computed together (kept on the stack).
constexpr int64_t kIndexChunk = 256;
// How far ahead loops over scattered single elements prefetch.
constexpr int64_t kPrefetch = 32;

template <typename T>
inline void copy_run(const T* src, int64_t src_stride, T* dst, int64_t n) {
  if (n == 1) {
    *dst = *src;
  } else if (src_stride == 1) {
    std::memcpy(dst, src, size_t(n) * sizeof(T));
  } else {
    for (int64_t k = 0; k < n; ++k) dst[k] = src[k * src_stride];
  }
}

}  // namespace

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.allocate();
  if (out.size() == 0) return;
  const array& a = inputs[0];
  Shape index_shape = axes_.empty() ? Shape{} : inputs[1].shape();
  int64_t n_index = shape_size(index_shape);

  std::vector<cpu::IndexOperand> ops;
  for (size_t t = 0; t < axes_.size(); ++t) {
    const array& idx = inputs[t + 1];
    int ax = axes_[t];
    auto lay = collapse_contiguous_dims(index_shape, {idx.strides()});
    ops.push_back({&idx, lay.shape, lay.strides[0], ax, a.shape()[ax],
                   a.shape()[ax] - slice_sizes_[ax], a.strides()[ax]});
  }
  // Each output slice is row-contiguous; rows of the slice are runs in both arrays.
  cpu::RowTable rows = cpu::row_table(slice_sizes_, row_strides(slice_sizes_), a.strides());
  const int64_t R = rows.rows, C = rows.cols, S = R * C;

  dispatch_bits(a.itemsize(), [&]<typename T>(type_tag<T>) {
    const T* src = a.data<T>();
    T* dst = out.data<T>();
    // Work items are (index position, slice row) pairs, so that a few large slices spread
    // over the threads as well as many small ones.
    int64_t grain = std::max<int64_t>(1, cpu::kElementwiseGrain / 4 / C);
    cpu::parallel_for(n_index * R, grain, [&](int64_t b, int64_t e) {
      int64_t offs[kIndexChunk];
      int64_t i_end = (e - 1) / R + 1;
      for (int64_t c0 = b / R; c0 < i_end; c0 += kIndexChunk) {
        int64_t c1 = std::min(i_end, c0 + kIndexChunk);
        cpu::index_offsets(ops, c0, c1, offs, "Gather");
        for (int64_t i = c0; i < c1; ++i) {
          const T* s0 = src + offs[i - c0];
          T* d0 = dst + i * S;
          int64_t rb = std::max(b, i * R) - i * R, re = std::min(e, (i + 1) * R) - i * R;
          for (int64_t r = rb; r < re; ++r) {
            copy_run(s0 + rows.second[r], rows.second_stride, d0 + rows.first[r], C);
          }
        }
      }
    });
  });
}

void GatherAxis::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.allocate();
  if (out.size() == 0) return;
  const array& a = inputs[0];
  const array& idx = inputs[1];
  const int64_t size = a.shape()[axis_], axis_stride = a.strides()[axis_];
  // a's position along the axis comes from the index value alone.
  Strides a_strides = a.strides();
  a_strides[axis_] = 0;
  auto lay = collapse_contiguous_dims(out.shape(), {out.strides(), idx.strides(), a_strides});
  int64_t rows = row_count(lay.shape), cols = lay.shape.back();
  std::array<const int64_t*, 3> st{lay.strides[0].data(), lay.strides[1].data(),
                                   lay.strides[2].data()};
  int axis = axis_;
  dispatch_bits(a.itemsize(), [&]<typename T>(type_tag<T>) {
    dispatch_integer(idx.dtype(), [&]<typename I>(type_tag<I>) {
      const T* src = a.data<T>();
      const I* ind = idx.data<I>();
      T* dst = out.data<T>();
      auto at = [&](I v) {
        return checked_index(v, size, size - 1, "GatherAxis", axis) * axis_stride;
      };
      cpu::parallel_for(rows * cols, cpu::kElementwiseGrain / 4, [&](int64_t b, int64_t e) {
        cpu::for_each_run<3>(lay.shape, st, b, e, [&](auto off, int64_t n, auto s) {
          T* o = dst + off[0];
          const I* ip = ind + off[1];
          const T* x = src + off[2];
          if (s[1] == 0 && s[0] == 1) {
            // One index for the whole run (take along an outer axis): a plain copy.
            copy_run(x + at(ip[0]), s[2], o, n);
          } else {
            if (s[0] == 1 && s[1] == 1 && s[2] == 0) {
              // Single elements at scattered positions: the loop waits on memory, so
              // fetch a few iterations ahead (a prefetch of a bad address is harmless).
              for (int64_t k = 0; k < n; ++k) {
                if (k + kPrefetch < n) {
                  __builtin_prefetch(x + int64_t(ip[k + kPrefetch]) * axis_stride);
                }
                o[k] = x[at(ip[k])];
              }
            } else {
              for (int64_t k = 0; k < n; ++k) o[k * s[0]] = x[k * s[2] + at(ip[k * s[1]])];
            }
          }
        });
      });
    });
  });
}

void DynamicSlice::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& start = inputs[1];
  int64_t offset = a.offset();
  dispatch_integer(start.dtype(), [&]<typename I>(type_tag<I>) {
    for (size_t t = 0; t < axes_.size(); ++t) {
      int ax = axes_[t];
      I v = start.data<I>()[int64_t(t) * start.strides()[0]];
      int64_t n = a.shape()[ax];
      int64_t pos = checked_index(v, n, n - slice_size_[ax], "slice", ax);
      offset += pos * a.strides()[ax] * int64_t(a.itemsize());
    }
  });
  if (out.size() == 0) {
    out.allocate();
    return;
  }
  out.set_view(a, a.strides(), offset);
}

}  // namespace kiln
