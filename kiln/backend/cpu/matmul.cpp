// CPU matrix products through OpenBLAS. float32, float64 and complex64 go to BLAS as they
// are; float16 and bfloat16 are converted to float32, multiplied by sgemm (float32
// accumulation) and converted back. Operands that BLAS can read in place (row- or
// column-major matrices with any leading dimension, batch axes of any stride) are not
// copied; anything else gets one compact copy.
#include <cblas.h>

#include <climits>
#include <mutex>
#include <optional>

#include "kiln/backend/common/strided.h"
#include "kiln/backend/cpu/copy.h"
#include "kiln/backend/cpu/thread_pool.h"
#include "kiln/error.h"
#include "kiln/primitives/matmul.h"

namespace kiln {

namespace {

// OpenBLAS runs a product on one thread below these sizes (its interface code compares
// M*N*K with 65536 * GEMM_MULTITHREAD_THRESHOLD, and a GEMV's M*N with 2304 * the same
// threshold, 4 by default). Below them, batch elements may run in parallel on our pool
// without the two thread teams competing for the cores; above them, batch elements run one
// after the other and OpenBLAS spreads each over its threads.
constexpr double kGemmSingleThread = 65536.0 * 4;
constexpr double kGemvSingleThread = 2304.0 * 4;

// Keeps OpenBLAS from using more threads than Kiln's pool may (KILN_NUM_THREADS), so the two
// never add up to more threads than the cores Kiln was given.
void limit_blas_threads() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (openblas_get_num_threads() > cpu::num_threads()) {
      openblas_set_num_threads(cpu::num_threads());
    }
  });
}

// How BLAS reads one stored matrix: row-major (no transpose) or column-major (BLAS's
// transpose flag), with a leading dimension.
struct MatLayout {
  bool trans;
  int64_t ld;
};

std::optional<MatLayout> blas_layout(int64_t rows, int64_t cols, int64_t srow, int64_t scol) {
  if ((scol == 1 || cols == 1) && (rows == 1 || srow >= std::max<int64_t>(cols, 1))) {
    return MatLayout{false, rows == 1 ? std::max<int64_t>(cols, 1) : srow};
  }
  if ((srow == 1 || rows == 1) && (cols == 1 || scol >= std::max<int64_t>(rows, 1))) {
    return MatLayout{true, cols == 1 ? std::max<int64_t>(rows, 1) : scol};
  }
  return std::nullopt;
}

// One operand as BLAS sees it: the matrix of batch element i starts at data + offset(i).
template <typename C>
struct Operand {
  const C* data;
  Strides batch_strides;  // over the output's batch shape, 0 where broadcast
  MatLayout layout;
  std::optional<array> copy;  // owns the compact copy, when one was made
};

array new_buffer(const Shape& shape, Dtype dtype) {
  return array(std::make_shared<Data>(size_t(shape_size(shape)) * dtype.size), shape, dtype,
               row_strides(shape), 0);
}

// `in` viewed as (batch..., rows, cols), `full` being that shape. A copy holds each
// distinct matrix once: batch axes broadcast in `in` stay broadcast (stride 0) in the copy.
template <typename C>
Operand<C> prepare(const array& in, const Shape& full) {
  int nb = int(full.size()) - 2;
  int64_t rows = full[nb], cols = full[nb + 1];
  Strides st = broadcast_strides(in, full);
  if (in.dtype() == dtype_v<C>) {
    if (auto lay = blas_layout(rows, cols, st[nb], st[nb + 1])) {
      return {in.data<C>(), Strides(st.begin(), st.begin() + nb), *lay, std::nullopt};
    }
  }
  Shape compact = full;
  for (int d = 0; d < nb; ++d) {
    if (st[d] == 0) compact[d] = 1;
  }
  array tmp = new_buffer(compact, dtype_v<C>);
  cpu::copy_general(in, compact, st, 0, tmp, tmp.strides(), 0);
  Strides bs(tmp.strides().begin(), tmp.strides().begin() + nb);
  for (int d = 0; d < nb; ++d) {
    if (compact[d] != full[d]) bs[d] = 0;
  }
  const C* p = tmp.data<C>();
  return {p, std::move(bs), MatLayout{false, std::max<int64_t>(cols, 1)}, std::move(tmp)};
}

CBLAS_TRANSPOSE flag(bool trans) { return trans ? CblasTrans : CblasNoTrans; }

void gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, flag(ta), flag(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool ta, bool tb, int m, int n, int k, float alpha, const double* a, int lda,
          const double* b, int ldb, float beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, flag(ta), flag(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(bool ta, bool tb, int m, int n, int k, float alpha, const complex64_t* a, int lda,
          const complex64_t* b, int ldb, float beta, complex64_t* c, int ldc) {
  complex64_t al(alpha), be(beta);
  cblas_cgemm(CblasRowMajor, flag(ta), flag(tb), m, n, k, &al, a, lda, b, ldb, &be, c, ldc);
}

// y = op(A) x for a row-major rows x cols matrix A.
void gemv(bool trans, int rows, int cols, float alpha, const float* a, int lda, const float* x,
          int incx, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, flag(trans), rows, cols, alpha, a, lda, x, incx, beta, y, 1);
}
void gemv(bool trans, int rows, int cols, float alpha, const double* a, int lda, const double* x,
          int incx, float beta, double* y) {
  cblas_dgemv(CblasRowMajor, flag(trans), rows, cols, alpha, a, lda, x, incx, beta, y, 1);
}
void gemv(bool trans, int rows, int cols, float alpha, const complex64_t* a, int lda,
          const complex64_t* x, int incx, float beta, complex64_t* y) {
  complex64_t al(alpha), be(beta);
  cblas_cgemv(CblasRowMajor, flag(trans), rows, cols, &al, a, lda, x, incx, &be, y, 1);
}

void check_blas_int(std::initializer_list<int64_t> values) {
  for (int64_t v : values) {
    if (v > INT_MAX) {
      fail("matmul", "a dimension or stride of ", v, " exceeds what BLAS can index (", INT_MAX,
           ")");
    }
  }
}

// One product C (m x n, row-major, ldc = n) = alpha * A B + beta * C. A vector operand
// (n == 1 or m == 1) goes to GEMV, which OpenBLAS runs faster than a GEMM of width one.
template <typename C>
void product(const C* a, MatLayout la, const C* b, MatLayout lb, C* c, int64_t m, int64_t n,
             int64_t k, float alpha, float beta) {
  if (n == 1) {
    int incx = int(lb.trans ? 1 : lb.ld);
    if (la.trans) {
      gemv(true, int(k), int(m), alpha, a, int(la.ld), b, incx, beta, c);
    } else {
      gemv(false, int(m), int(k), alpha, a, int(la.ld), b, incx, beta, c);
    }
  } else if (m == 1) {
    int incx = int(la.trans ? la.ld : 1);
    if (lb.trans) {
      gemv(false, int(n), int(k), alpha, b, int(lb.ld), a, incx, beta, c);
    } else {
      gemv(true, int(k), int(n), alpha, b, int(lb.ld), a, incx, beta, c);
    }
  } else {
    gemm(la.trans, lb.trans, int(m), int(n), int(k), alpha, a, int(la.ld), b, int(lb.ld), beta,
         c, int(n));
  }
}

// out (batch..., M, N) = alpha * a @ b + beta * out, in compute type C; `out` holds C's
// starting values when beta != 0.
template <typename C>
void batched_product(const array& a_in, const array& b_in, array& out, float alpha, float beta) {
  const Shape& shape = out.shape();
  int nd = int(shape.size());
  int64_t m = shape[nd - 2], n = shape[nd - 1], k = a_in.shape(-1);
  Shape batch(shape.begin(), shape.end() - 2);
  Shape full_a = batch, full_b = batch;
  full_a.insert(full_a.end(), {m, k});
  full_b.insert(full_b.end(), {k, n});
  Operand<C> a = prepare<C>(a_in, full_a);
  Operand<C> b = prepare<C>(b_in, full_b);
  Strides out_bs(out.strides().begin(), out.strides().end() - 2);
  auto lay = collapse_contiguous_dims(batch, {a.batch_strides, b.batch_strides, out_bs});
  int64_t count = shape_size(lay.shape);
  C* c = out.data<C>();

  // A right-hand matrix shared by all batch elements, with left-hand matrices stacked at
  // regular row spacing: one product with M' = count * M.
  if (count > 1 && lay.shape.size() == 1 && lay.strides[1][0] == 0 && !a.layout.trans &&
      lay.strides[0][0] == m * a.layout.ld && count * m <= INT_MAX) {
    m *= count;
    count = 1;
  }
  check_blas_int({m, n, k, a.layout.ld, b.layout.ld});
  limit_blas_threads();

  auto offset = [&](int op, int64_t i) {
    int64_t off = 0;
    for (int d = int(lay.shape.size()) - 1; d >= 0; --d) {
      off += (i % lay.shape[d]) * lay.strides[op][d];
      i /= lay.shape[d];
    }
    return off;
  };
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      product<C>(a.data + offset(0, i), a.layout, b.data + offset(1, i), b.layout,
                 c + offset(2, i), m, n, k, alpha, beta);
    }
  };
  double work = double(m) * double(n) * double(k);
  bool single = (m == 1 || n == 1) ? double(m) * n * k / std::min(m, n) < kGemvSingleThread
                                   : work <= kGemmSingleThread;
  if (count > 1 && single) {
    cpu::parallel_for(count, std::max<int64_t>(1, int64_t(65536 / std::max(work, 1.0))), run);
  } else {
    run(0, count);
  }
}

template <typename C>
void scale(C* p, int64_t n, float beta) {
  for (int64_t i = 0; i < n; ++i) p[i] = beta == 0.0f ? C(0.0f) : p[i] * C(beta);
}

// The shared kernel of Matmul (c absent) and AddMM.
void eval_product(const std::vector<array>& inputs, array& out, float alpha, float beta) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  const array* c = inputs.size() > 2 && beta != 0.0f ? &inputs[2] : nullptr;
  bool half = out.dtype() == float16 || out.dtype() == bfloat16;
  if (c && !half && c->dtype() == out.dtype() && c->shape() == out.shape() &&
      c->flags().row_contiguous && c->is_donatable()) {
    out.copy_shared_buffer(*c);
    c = nullptr;  // already in place
  } else {
    out.allocate();
  }
  if (out.size() == 0) return;
  // float16/bfloat16 accumulate in a float32 buffer of the output's shape.
  array acc = half ? new_buffer(out.shape(), float32) : out;
  if (c) cpu::copy_general(*c, out.shape(), broadcast_strides(*c, out.shape()), 0, acc,
                           acc.strides(), 0);
  bool has_c = inputs.size() > 2 && beta != 0.0f;
  auto dispatch = [&]<typename C>(type_tag<C>) {
    if (a.shape(-1) == 0) {
      scale(acc.data<C>(), acc.size(), has_c ? beta : 0.0f);
    } else {
      batched_product<C>(a, b, acc, alpha, has_c ? beta : 0.0f);
    }
  };
  switch (out.dtype().val) {
    case Dtype::Val::float16:
    case Dtype::Val::bfloat16:
    case Dtype::Val::float32: dispatch(type_tag<float>{}); break;
    case Dtype::Val::float64: dispatch(type_tag<double>{}); break;
    case Dtype::Val::complex64: dispatch(type_tag<complex64_t>{}); break;
    default:
      fail("matmul", "unsupported dtype ", dtype_name(out.dtype()));
  }
  if (half) cpu::copy_general(acc, out.shape(), acc.strides(), 0, out, out.strides(), 0);
}

}  // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  eval_product(inputs, out, 1.0f, 0.0f);
}

void AddMM::eval_cpu(const std::vector<array>& inputs, array& out) {
  eval_product(inputs, out, alpha_, beta_);
}

}  // namespace kiln
