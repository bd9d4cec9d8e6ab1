#include "kiln/backend/cpu/indexing.h"

#include <stdexcept>

#include "kiln/backend/common/strided.h"

namespace kiln::cpu {

void index_offsets(const std::vector<IndexOperand>& ops, int64_t b, int64_t e, int64_t* offs,
                   const char* op) {
  if (ops.empty()) std::fill(offs, offs + (e - b), int64_t(0));
  for (size_t t = 0; t < ops.size(); ++t) {
    const auto& o = ops[t];
    dispatch_integer(o.indices->dtype(), [&]<typename I>(type_tag<I>) {
      const I* p = o.indices->data<I>();
      walk_offsets(o.shape, o.strides, b, e, [&](int64_t k, int64_t off) {
        int64_t v = checked_index(p[off], o.size, o.limit, op, o.axis) * o.stride;
        offs[k] = t == 0 ? v : offs[k] + v;
      });
    });
  }
}

RowTable row_table(const Shape& shape, const Strides& first, const Strides& second) {
  auto lay = collapse_contiguous_dims(shape, {first, second});
  RowTable t;
  t.cols = lay.shape.back();
  t.rows = row_count(lay.shape);
  t.first_stride = lay.strides[0].back();
  t.second_stride = lay.strides[1].back();
  t.first.reserve(size_t(t.rows));
  t.second.reserve(size_t(t.rows));
  std::array<const int64_t*, 2> st{lay.strides[0].data(), lay.strides[1].data()};
  for_each_row<2>(lay.shape, st, 0, t.rows, [&](auto off, int64_t, auto) {
    t.first.push_back(off[0]);
    t.second.push_back(off[1]);
  });
  return t;
}

}  // namespace kiln::cpu
