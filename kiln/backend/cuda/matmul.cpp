// GPU matrix products through cuBLASLt. cuBLASLt is column-major: the row-major product
// C = A B is computed as the column-major C^T = B^T A^T, which reads the same memory.
// Operands already row- or column-major (any leading dimension) are used in place; batch
// axes that collapse to one stride become a strided-batched call. float32 uses full-precision
// FP32 unless TF32 is enabled (gpu::set_allow_tf32 / KILN_ALLOW_TF32=1).
#include <cublasLt.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "kiln/backend/cuda/copy.h"
#include "kiln/backend/cuda/instances.h"
#include "kiln/backend/gpu.h"
#include "kiln/primitives/matmul.h"

namespace kiln {

using namespace cuda;

namespace {

void lt_check(cublasStatus_t st, const char* what) {
  if (st != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("[cublasLt] ") + what + " failed with status " +
                             std::to_string(int(st)));
  }
}
#define KILN_LT_CHECK(call) lt_check((call), #call)

std::atomic<int> allow_tf32{-1};  // -1: not read from the environment yet

bool tf32_enabled() {
  int v = allow_tf32.load();
  if (v < 0) {
    const char* e = std::getenv("KILN_ALLOW_TF32");
    v = e && std::string(e) == "1";
    allow_tf32.store(v);
  }
  return v == 1;
}

cublasLtHandle_t lt_handle(int device) {
  static std::mutex m;
  static std::unordered_map<int, cublasLtHandle_t> handles;
  std::lock_guard<std::mutex> lock(m);
  auto it = handles.find(device);
  if (it != handles.end()) return it->second;
  cublasLtHandle_t h;
  KILN_LT_CHECK(cublasLtCreate(&h));
  handles[device] = h;
  return h;
}

constexpr size_t kWorkspace = size_t(32) << 20;

// One workspace per stream: products on different streams may run at the same time.
void* workspace(const Stream& s) {
  static std::mutex m;
  static std::unordered_map<int, void*> spaces;
  std::lock_guard<std::mutex> lock(m);
  auto it = spaces.find(s.index);
  if (it != spaces.end()) return it->second;
  void* p = device_allocator(stream_device(s)).allocate(kWorkspace);  // kept for the process
  spaces[s.index] = p;
  return p;
}

struct Types {
  cudaDataType_t data, scale;
  cublasComputeType_t compute;
};

Types types_for(Dtype d) {
  switch (d.val) {
    case Dtype::Val::float16: return {CUDA_R_16F, CUDA_R_32F, CUBLAS_COMPUTE_32F};
    case Dtype::Val::bfloat16: return {CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F};
    case Dtype::Val::float32:
      return {CUDA_R_32F, CUDA_R_32F,
              tf32_enabled() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F};
    case Dtype::Val::float64: return {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F};
    case Dtype::Val::complex64: return {CUDA_C_32F, CUDA_C_32F, CUBLAS_COMPUTE_32F};
    default:
      throw std::invalid_argument(std::string("[matmul] unsupported dtype on the GPU: ") +
                                  dtype_name(d));
  }
}

// A stored matrix as cuBLASLt reads it: column-major with leading dimension ld, of
// rows x cols (in column-major terms).
struct LtMatrix {
  const char* ptr;
  cublasOperation_t op;
  int64_t rows, cols, ld;
  Strides batch_strides;  // elements, over the output's batch shape
  std::optional<array> copy;
};

// Row-major view (rows x cols, strides srow/scol) as column-major storage, transposed or not.
std::optional<std::pair<bool, int64_t>> column_major(int64_t rows, int64_t cols, int64_t srow,
                                                     int64_t scol) {
  // Row-major storage (scol == 1): column-major it is the transpose, ld = srow.
  if ((scol == 1 || cols == 1) && (rows == 1 || srow >= std::max<int64_t>(cols, 1))) {
    return std::make_pair(false, rows == 1 ? std::max<int64_t>(cols, 1) : srow);
  }
  // Column-major storage (srow == 1): ld = scol.
  if ((srow == 1 || rows == 1) && (cols == 1 || scol >= std::max<int64_t>(rows, 1))) {
    return std::make_pair(true, cols == 1 ? std::max<int64_t>(rows, 1) : scol);
  }
  return std::nullopt;
}

// `in` seen as (batch..., rows, cols) = full. `swap` gives the operand cuBLASLt wants for
// C^T = B^T A^T: the transpose of the stored row-major matrix.
LtMatrix prepare(const array& in, const Shape& full, const Stream& s) {
  int nb = int(full.size()) - 2;
  int64_t rows = full[nb], cols = full[nb + 1];
  Strides st = broadcast_strides(in, full);
  LtMatrix m;
  auto cm = column_major(rows, cols, st[nb], st[nb + 1]);
  if (!cm) {
    // One compact row-major copy (broadcast batch axes materialize).
    array c(full, in.dtype(), nullptr, {});
    allocate(c, s);
    cuda::copy_general(in, full, st, 0, c, c.strides(), 0, s);
    st = c.strides();
    m.copy = c;
    cm = std::make_pair(false, cols);
  }
  const array& src = m.copy ? *m.copy : in;
  m.ptr = device_ptr<const char>(src);
  m.batch_strides = Strides(st.begin(), st.begin() + nb);
  // Row-major storage is the column-major transpose: cuBLASLt reads it untransposed as the
  // (cols x rows) matrix we need in C^T = B^T A^T.
  if (!cm->first) {
    m.op = CUBLAS_OP_N;
    m.rows = cols;
    m.cols = rows;
  } else {
    m.op = CUBLAS_OP_T;
    m.rows = rows;
    m.cols = cols;
  }
  m.ld = cm->second;
  return m;
}

struct Plan {
  cublasLtMatmulDesc_t desc;
  cublasLtMatrixLayout_t a, b, c;
  cublasLtMatmulAlgo_t algo;
};

cublasLtMatrixLayout_t make_layout(cudaDataType_t t, int64_t rows, int64_t cols, int64_t ld,
                                   int64_t batch, int64_t stride) {
  cublasLtMatrixLayout_t l;
  KILN_LT_CHECK(cublasLtMatrixLayoutCreate(&l, t, uint64_t(rows), uint64_t(cols), ld));
  if (batch > 1) {
    int32_t count = int32_t(batch);
    KILN_LT_CHECK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                                   sizeof(count)));
    KILN_LT_CHECK(cublasLtMatrixLayoutSetAttribute(
        l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
  }
  return l;
}

const Plan& get_plan(const Types& t, const LtMatrix& A, const LtMatrix& B, int64_t m, int64_t n,
                     int64_t k, int64_t ldc, int64_t batch, int64_t sa, int64_t sb, int64_t sc,
                     bool accumulate, int device) {
  std::string key;
  for (int64_t v : {int64_t(device), int64_t(t.data), int64_t(t.compute), int64_t(A.op),
                    int64_t(B.op), m, n, k, A.ld, B.ld, ldc, batch, sa, sb, sc,
                    int64_t(accumulate)}) {
    key += std::to_string(v) + ',';
  }
  static std::mutex mtx;
  static std::unordered_map<std::string, Plan> plans;
  std::lock_guard<std::mutex> lock(mtx);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  Plan p;
  KILN_LT_CHECK(cublasLtMatmulDescCreate(&p.desc, t.compute, t.scale));
  cublasOperation_t oa = A.op, ob = B.op;
  KILN_LT_CHECK(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &oa, sizeof(oa)));
  KILN_LT_CHECK(cublasLtMatmulDescSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &ob, sizeof(ob)));
  p.a = make_layout(t.data, A.rows, A.cols, A.ld, batch, sa);
  p.b = make_layout(t.data, B.rows, B.cols, B.ld, batch, sb);
  p.c = make_layout(t.data, m, n, ldc, batch, sc);
  cublasLtMatmulPreference_t pref;
  KILN_LT_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  size_t ws = kWorkspace;
  KILN_LT_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                     &ws, sizeof(ws)));
  cublasLtMatmulHeuristicResult_t result;
  int found = 0;
  cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(lt_handle(device), p.desc, p.a, p.b, p.c,
                                                     p.c, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (st != CUBLAS_STATUS_SUCCESS || found == 0) {
    throw std::runtime_error("[matmul] cuBLASLt found no algorithm for this product (" +
                             key + ")");
  }
  p.algo = result.algo;
  return plans.emplace(key, p).first->second;
}

// The dtypes of our own matrix-vector kernels (kernels/gemv.cuh).
bool gemv_supports(Dtype dt) { return dt == float16 || dt == bfloat16 || dt == float32; }

// n: elements per load, 1 or dense_width(dt.size).
KernelSpec gemv_rows_spec(Dtype dt, int n) { return {"gemv.cuh", "gemv_rows", {dt, n}}; }
KernelSpec gemv_cols_spec(Dtype dt, int n) { return {"gemv.cuh", "gemv_cols", {dt, n}}; }
KernelSpec gemv_cols_finish_spec(Dtype dt) { return {"gemv.cuh", "gemv_cols_finish", {dt}}; }

// One vector times a matrix (M == 1, no batch), for the gemv_supports dtypes: our own
// bandwidth-bound kernels beat the general GEMM here. Returns false when the layout does
// not fit (the caller then uses cuBLASLt).
bool try_gemv(const array& a, const array& b, array& out, const Stream& s) {
  Dtype dt = out.dtype();
  if (!gemv_supports(dt)) return false;
  if (out.ndim() != 2 || a.ndim() != 2 || b.ndim() != 2 || out.shape(0) != 1) return false;
  int64_t K = a.shape(1), N = b.shape(1);
  if (K == 0 || N == 0 || (a.strides(1) != 1 && K > 1)) return false;
  int vw = dense_width(dt.size);
  const char* xp = device_ptr<const char>(a);
  const char* wp = device_ptr<const char>(b);
  int device = stream_device(s);
  if (b.strides(0) == 1 && (N == 1 || b.strides(1) >= K)) {
    // b = W.T with W's rows contiguous: out[n] = <W[n, :], x>.
    int64_t ld = N == 1 ? K : b.strides(1);
    int n = (aligned(xp, 16) && aligned(wp, 16) && ld % vw == 0) ? vw : 1;
    constexpr int kRowsPerBlock = 8;
    launch_kernel(s, gemv_rows_spec(dt, n), dim3(unsigned(ceil_div(N, kRowsPerBlock))),
                  dim3(32 * kRowsPerBlock), 0,
                  static_cast<const void*>(xp), static_cast<const void*>(wp),
                  device_ptr<void>(out), (long long)N, (long long)K, (long long)ld);
    return true;
  }
  if (b.strides(1) == 1 && (K == 1 || b.strides(0) >= N)) {
    // b = W row-major: lanes across columns, k split across warps and blocks, then a sum of
    // the blocks' slices.
    int64_t ld = K == 1 ? N : b.strides(0);
    int n = (aligned(wp, 16) && ld % vw == 0) ? vw : 1;
    int64_t col_blocks = ceil_div(N, 32 * n);
    // Half a wave of 256-thread blocks (four per SM), each warp with many rows: measured
    // fastest (benchmarks/README.md, "GEMV slices of k").
    int64_t target = int64_t(sm_count(device)) * 4;
    int64_t max_splits = std::max<int64_t>(1, K / (4 * cu::kGemvColWarps));
    int splits = int(std::clamp<int64_t>(target / col_blocks, 1, max_splits));
    int64_t k_per_split = ceil_div(K, splits);
    splits = int(ceil_div(K, k_per_split));
    array partial(Shape{splits, N}, float32, nullptr, {});
    allocate(partial, s);
    launch_kernel(s, gemv_cols_spec(dt, n), dim3(unsigned(col_blocks), unsigned(splits)),
                  dim3(32, cu::kGemvColWarps), 0,
                  static_cast<const void*>(xp), static_cast<const void*>(wp),
                  device_ptr<void>(partial), (long long)K, (long long)N, (long long)ld,
                  (long long)k_per_split);
    launch_kernel(s, gemv_cols_finish_spec(dt), grid_blocks(N, device), kBlockThreads, 0,
                  device_ptr<const void>(partial), device_ptr<void>(out), (long long)N, splits);
    return true;
  }
  return false;
}

// The shared kernel of Matmul and AddMM on the GPU.
void gpu_product(const std::vector<array>& inputs, array& out, float alpha, float beta,
                 const Stream& s) {
  const array& a_in = inputs[0];
  const array& b_in = inputs[1];
  bool has_c = inputs.size() > 2 && beta != 0.0f;
  allocate(out, s);
  if (out.size() == 0) return;
  if (inputs.size() == 2 && alpha == 1.0f && try_gemv(a_in, b_in, out, s)) return;
  if (has_c) {
    const array& c = inputs[2];
    cuda::copy_general(c, out.shape(), broadcast_strides(c, out.shape()), 0, out, out.strides(), 0, s);
  }
  int nb = out.ndim() - 2;
  Shape batch(out.shape().begin(), out.shape().begin() + nb);
  int64_t M = out.shape(-2), N = out.shape(-1), K = a_in.shape(-1);
  if (K == 0) {
    // An empty sum: beta * c, or zeros.
    if (!has_c) {
      KILN_CUDA_CHECK(cudaMemsetAsync(device_ptr(out), 0, out.nbytes(), cuda_stream(s)));
    } else if (beta != 1.0f) {
      launch_kernel(s, scale_spec(out.dtype()), grid_blocks(out.size(), stream_device(s)),
                    kBlockThreads, 0, device_ptr<void>(out), (long long)out.size(), double(beta));
    }
    return;
  }
  Shape full_a = batch, full_b = batch;
  full_a.insert(full_a.end(), {M, K});
  full_b.insert(full_b.end(), {K, N});
  LtMatrix A = prepare(b_in, full_b, s);  // C^T = B^T A^T: b's matrix comes first
  LtMatrix B = prepare(a_in, full_a, s);
  Strides out_bs(out.strides().begin(), out.strides().end() - 2);
  auto lay = collapse_contiguous_dims(batch, {A.batch_strides, B.batch_strides, out_bs});
  // The innermost collapsed batch axis goes to cuBLASLt; outer ones loop here.
  int inner = int(lay.shape.size()) - 1;
  int64_t count = lay.shape[inner];
  int64_t outer = shape_size(lay.shape) / std::max<int64_t>(count, 1);
  Types t = types_for(out.dtype());
  int device = stream_device(s);
  const Plan& plan = get_plan(t, A, B, N, M, K, out.strides()[out.ndim() - 2], count,
                              lay.strides[0][inner], lay.strides[1][inner],
                              lay.strides[2][inner], has_c, device);
  size_t es = out.itemsize();
  double alpha_d = alpha, beta_d = has_c ? beta : 0.0;
  float alpha_f = alpha, beta_f = float(beta_d);
  float alpha_c[2] = {alpha, 0.0f}, beta_c[2] = {float(beta_d), 0.0f};
  const void* pa = t.scale == CUDA_R_64F ? static_cast<const void*>(&alpha_d)
                   : t.scale == CUDA_C_32F ? static_cast<const void*>(alpha_c)
                                           : static_cast<const void*>(&alpha_f);
  const void* pb = t.scale == CUDA_R_64F ? static_cast<const void*>(&beta_d)
                   : t.scale == CUDA_C_32F ? static_cast<const void*>(beta_c)
                                           : static_cast<const void*>(&beta_f);
  char* base_out = device_ptr<char>(out);
  for (int64_t o = 0; o < outer; ++o) {
    int64_t oa = 0, ob = 0, oc = 0, rem = o;
    for (int d = inner - 1; d >= 0; --d) {
      int64_t idx = rem % lay.shape[d];
      rem /= lay.shape[d];
      oa += idx * lay.strides[0][d];
      ob += idx * lay.strides[1][d];
      oc += idx * lay.strides[2][d];
    }
    const void* ap = A.ptr + oa * int64_t(es);
    const void* bp = B.ptr + ob * int64_t(es);
    void* cp = base_out + oc * int64_t(es);
    KILN_LT_CHECK(cublasLtMatmul(lt_handle(device), plan.desc, pa, ap, plan.a, bp, plan.b, pb, cp,
                                 plan.c, cp, plan.c, &plan.algo, workspace(s), kWorkspace,
                                 cuda_stream(s)));
  }
}

}  // namespace

std::vector<KernelSpec> cuda::gemv_kernels() {
  std::vector<KernelSpec> v;
  for (Dtype dt : all_dtypes) {
    if (!gemv_supports(dt)) continue;
    for (int n : vector_widths(dt.size)) {
      v.push_back(gemv_rows_spec(dt, n));
      v.push_back(gemv_cols_spec(dt, n));
    }
    v.push_back(gemv_cols_finish_spec(dt));
  }
  return v;
}

void Matmul::eval_gpu(const std::vector<array>& inputs, array& out) {
  gpu_product(inputs, out, 1.0f, 0.0f, stream());
}

void AddMM::eval_gpu(const std::vector<array>& inputs, array& out) {
  gpu_product(inputs, out, alpha_, beta_, stream());
}

}  // namespace kiln

namespace kiln::gpu {
void set_allow_tf32(bool allow) { allow_tf32.store(allow ? 1 : 0); }
}  // namespace kiln::gpu
