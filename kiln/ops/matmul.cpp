#include "kiln/ops/matmul.h"

#include <algorithm>
#include <numeric>

#include "kiln/error.h"
#include "kiln/ops/binary.h"
#include "kiln/ops/creation.h"
#include "kiln/ops/reduce.h"
#include "kiln/ops/shape.h"
#include "kiln/ops/unary.h"
#include "kiln/ops/upcast.h"
#include "kiln/ops/utils.h"
#include "kiln/primitives/matmul.h"

namespace kiln {

namespace {

// The dtype the product computes in: BLAS has no integer GEMM, so (as in MLX) integer and
// bool operands are an error rather than a silent conversion.
Dtype product_dtype(const std::vector<Dtype>& dtypes, const char* op) {
  Dtype d = dtypes[0];
  for (size_t i = 1; i < dtypes.size(); ++i) d = promote_types(d, dtypes[i]);
  if (!is_inexact(d)) {
    std::string names;
    for (size_t i = 0; i < dtypes.size(); ++i) {
      names += (i ? (i + 1 == dtypes.size() ? " and " : ", ") : "") +
               std::string(dtype_name(dtypes[i]));
    }
    fail(op, "only floating point types are supported; got ", names, " (promoted to ",
         dtype_name(d), ")");
  }
  check_upcast(op, dtypes, d);
  return d;
}

// The operands of one Matmul/AddMM node after NumPy's promotion of 1-d operands, the shape
// that node produces (batch..., M, N) and the shape the user sees (the promoted axes gone).
struct MatmulPlan {
  array a, b;
  Shape node_shape;
  Shape out_shape;
};

MatmulPlan plan_matmul(const array& a_in, const array& b_in, Dtype d, const char* op,
                       StreamOrDevice s) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    fail(op, "inputs must have at least one dimension; got shapes ", shape_to_string(a_in.shape()),
         " and ", shape_to_string(b_in.shape()));
  }
  array a = a_in.ndim() == 1 ? reshape(a_in, {1, a_in.shape(0)}, s) : a_in;
  array b = b_in.ndim() == 1 ? reshape(b_in, {b_in.shape(0), 1}, s) : b_in;
  if (a.shape(-1) != b.shape(-2)) {
    fail(op, "shapes ", shape_to_string(a_in.shape()), " and ", shape_to_string(b_in.shape()),
         " are not aligned: the last dimension of the first (", a.shape(-1), ") must equal the ",
         (b_in.ndim() == 1 ? "only" : "second to last"), " dimension of the second (", b.shape(-2),
         ")");
  }
  Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape shape;
  try {
    shape = broadcast_shapes(batch_a, batch_b, op);
  } catch (const std::invalid_argument&) {
    fail(op, "the batch dimensions of shapes ", shape_to_string(a_in.shape()), " and ",
         shape_to_string(b_in.shape()), " cannot be broadcast");
  }
  shape.push_back(a.shape(-2));
  shape.push_back(b.shape(-1));
  Shape out = shape;
  if (b_in.ndim() == 1) out.erase(out.end() - 1);
  if (a_in.ndim() == 1) out.erase(out.end() - (b_in.ndim() == 1 ? 1 : 2));
  return {astype(a, d, s), astype(b, d, s), std::move(shape), std::move(out)};
}

// The permutation that moves `axes` (in the order given) after the other axes, or before
// them when `first`; the other axes keep their order.
std::vector<int> gather_axes(int ndim, const std::vector<int>& axes, bool first) {
  std::vector<int> rest;
  for (int i = 0; i < ndim; ++i) {
    if (std::find(axes.begin(), axes.end(), i) == axes.end()) rest.push_back(i);
  }
  std::vector<int> perm = first ? axes : rest;
  const auto& tail = first ? rest : axes;
  perm.insert(perm.end(), tail.begin(), tail.end());
  return perm;
}

int64_t product(const Shape& shape, const std::vector<int>& axes) {
  int64_t n = 1;
  for (int ax : axes) n *= shape[ax];
  return n;
}

array tensordot_impl(const array& a, const array& b, const std::vector<int>& axes_a,
                     const std::vector<int>& axes_b, const char* op, StreamOrDevice s) {
  Dtype d = product_dtype({a.dtype(), b.dtype()}, op);
  if (axes_a.size() != axes_b.size()) {
    fail(op, "the axes of a ", axes_to_string(axes_a), " and of b ", axes_to_string(axes_b),
         " must have the same length");
  }
  std::vector<int> ca, cb;
  for (int ax : axes_a) ca.push_back(normalize_axis(ax, a.ndim(), op));
  for (int ax : axes_b) cb.push_back(normalize_axis(ax, b.ndim(), op));
  normalize_axes(ca, a.ndim(), op);  // rejects repeats
  normalize_axes(cb, b.ndim(), op);
  for (size_t i = 0; i < ca.size(); ++i) {
    if (a.shape(ca[i]) != b.shape(cb[i])) {
      fail(op, "axis ", ca[i], " of a (shape ", shape_to_string(a.shape()), ") has size ",
           a.shape(ca[i]), " but axis ", cb[i], " of b (shape ", shape_to_string(b.shape()),
           ") has size ", b.shape(cb[i]));
    }
  }
  std::vector<int> pa = gather_axes(a.ndim(), ca, /*first=*/false);
  std::vector<int> pb = gather_axes(b.ndim(), cb, /*first=*/true);
  std::vector<int> free_a(pa.begin(), pa.end() - ca.size());
  std::vector<int> free_b(pb.begin() + cb.size(), pb.end());
  int64_t k = product(a.shape(), ca);
  Shape out;
  for (int ax : free_a) out.push_back(a.shape(ax));
  for (int ax : free_b) out.push_back(b.shape(ax));
  array a2 = reshape(transpose(a, pa, s), {product(a.shape(), free_a), k}, s);
  array b2 = reshape(transpose(b, pb, s), {k, product(b.shape(), free_b)}, s);
  return reshape(matmul(astype(a2, d, s), astype(b2, d, s), s), out, s);
}

}  // namespace

array matmul(const array& a, const array& b, StreamOrDevice s) {
  Dtype d = product_dtype({a.dtype(), b.dtype()}, "matmul");
  MatmulPlan p = plan_matmul(a, b, d, "matmul", s);
  array out(p.node_shape, d, std::make_shared<Matmul>(to_stream(s)), {p.a, p.b});
  return reshape(out, p.out_shape, s);
}

array addmm(const array& c, const array& a, const array& b, float alpha, float beta,
            StreamOrDevice s) {
  Dtype d = product_dtype({a.dtype(), b.dtype(), c.dtype()}, "addmm");
  MatmulPlan p = plan_matmul(a, b, d, "addmm", s);
  bool fits = c.ndim() <= int(p.out_shape.size());
  for (int i = 1; fits && i <= c.ndim(); ++i) {
    fits = c.shape(-i) == 1 || c.shape(-i) == p.out_shape[p.out_shape.size() - i];
  }
  if (!fits) {
    fail("addmm", "c of shape ", shape_to_string(c.shape()),
         " cannot be broadcast to the product's shape ", shape_to_string(p.out_shape));
  }
  // Give c the node's rank: leading ones, and ones where the 1-d promotions added axes.
  Shape cs(p.out_shape.size() - c.ndim(), 1);
  cs.insert(cs.end(), c.shape().begin(), c.shape().end());
  if (a.ndim() == 1) cs.insert(cs.end() - (b.ndim() == 1 ? 0 : 1), 1);
  if (b.ndim() == 1) cs.push_back(1);
  array c2 = reshape(astype(c, d, s), cs, s);
  array out(p.node_shape, d, std::make_shared<AddMM>(to_stream(s), alpha, beta),
            {p.a, p.b, c2});
  return reshape(out, p.out_shape, s);
}

array tensordot(const array& a, const array& b, int axes, StreamOrDevice s) {
  if (axes < 0 || axes > a.ndim() || axes > b.ndim()) {
    fail("tensordot", "axes=", axes, " must be between 0 and the smaller rank of shapes ",
         shape_to_string(a.shape()), " and ", shape_to_string(b.shape()));
  }
  std::vector<int> axes_a(axes), axes_b(axes);
  std::iota(axes_a.begin(), axes_a.end(), a.ndim() - axes);
  std::iota(axes_b.begin(), axes_b.end(), 0);
  return tensordot_impl(a, b, axes_a, axes_b, "tensordot", s);
}

array tensordot(const array& a, const array& b, const std::vector<int>& axes_a,
                const std::vector<int>& axes_b, StreamOrDevice s) {
  return tensordot_impl(a, b, axes_a, axes_b, "tensordot", s);
}

array inner(const array& a, const array& b, StreamOrDevice s) {
  if (a.ndim() == 0 || b.ndim() == 0) return multiply(a, b, s);
  if (a.shape(-1) != b.shape(-1)) {
    fail("inner", "the last dimensions of shapes ", shape_to_string(a.shape()), " and ",
         shape_to_string(b.shape()), " differ");
  }
  return tensordot_impl(a, b, {a.ndim() - 1}, {b.ndim() - 1}, "inner", s);
}

array outer(const array& a, const array& b, StreamOrDevice s) {
  return multiply(reshape(a, {a.size(), 1}, s), reshape(b, {1, b.size()}, s), s);
}

array vecdot(const array& a, const array& b, int axis, StreamOrDevice s) {
  // Integer and bool vectors sum exactly in their promoted dtype (no BLAS call needed).
  Dtype d = promote_types(a.dtype(), b.dtype());
  if (is_inexact(d)) d = product_dtype({a.dtype(), b.dtype()}, "vecdot");
  Shape shape = broadcast_shapes(a.shape(), b.shape(), "vecdot");
  int nd = int(shape.size());
  int ax = normalize_axis(axis, nd, "vecdot");
  int ax_a = ax - (nd - a.ndim()), ax_b = ax - (nd - b.ndim());
  if (ax_a < 0 || ax_b < 0 || a.shape(ax_a) != b.shape(ax_b)) {
    fail("vecdot", "axis ", axis, " of shapes ", shape_to_string(a.shape()), " and ",
         shape_to_string(b.shape()), " must exist in both with the same size");
  }
  int64_t k = a.shape(ax_a);
  array x = transpose(astype(a, d, s), gather_axes(a.ndim(), {ax_a}, false), s);
  array y = transpose(astype(b, d, s), gather_axes(b.ndim(), {ax_b}, false), s);
  if (is_complex(d)) x = conjugate(x, s);
  shape.erase(shape.begin() + ax);
  if (!is_inexact(d)) return astype(sum(multiply(x, y, s), -1, false, s), d, s);
  // Few long vectors: one matrix-vector product each. Many short ones: an elementwise
  // product and one matrix-vector product against ones, instead of a BLAS call per vector.
  if (shape_size(shape) <= 16 || k >= 1024) {
    array r = matmul(expand_dims(x, {-2}, s), expand_dims(y, {-1}, s), s);
    return reshape(r, shape, s);
  }
  array prod = reshape(multiply(x, y, s), {shape_size(shape), k}, s);
  return reshape(matmul(prod, ones({k}, d, s), s), shape, s);
}

array kron(const array& a, const array& b, StreamOrDevice s) {
  int nd = std::max(a.ndim(), b.ndim());
  Shape sa(nd - a.ndim(), 1), sb(nd - b.ndim(), 1);
  sa.insert(sa.end(), a.shape().begin(), a.shape().end());
  sb.insert(sb.end(), b.shape().begin(), b.shape().end());
  // Interleave: a as (a0, 1, a1, 1, ...) and b as (1, b0, 1, b1, ...), so their product's
  // axis pairs (i, i') merge into the blocks of the result.
  Shape ia, ib, out;
  for (int i = 0; i < nd; ++i) {
    ia.insert(ia.end(), {sa[i], 1});
    ib.insert(ib.end(), {1, sb[i]});
    out.push_back(sa[i] * sb[i]);
  }
  return reshape(multiply(reshape(a, ia, s), reshape(b, ib, s), s), out, s);
}

}  // namespace kiln
