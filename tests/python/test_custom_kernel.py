"""Custom CUDA kernels: mx.fast.cuda_kernel and mx.fast.precompiled_cuda_kernel.

The gpu_only tests run kernels against NumPy. Everywhere else, every kernel source those
tests generate is compiled with NVRTC for sm_90 (in CUDA builds), and argument errors and
calls on the CPU fail clearly."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import random_np, to_kiln, to_numpy

HAS_NVRTC = hasattr(mx.fast, "_nvrtc_compile")
needs_nvrtc = pytest.mark.skipif(not HAS_NVRTC, reason="Kiln was built without CUDA")
gpu_only = pytest.mark.gpu_only

# ---------------------------------------------------------------- the kernels under test

# MLX's documented example, unchanged: cooperative groups, a template type, CUDA's exp.
EXP = mx.fast.cuda_kernel(
    name="myexp",
    input_names=["inp"],
    output_names=["out"],
    source="""
        auto elem = cooperative_groups::this_grid().thread_rank();
        T tmp = inp[elem];
        out[elem] = exp(tmp);
    """,
)

# Any input dtype, computed in float with Kiln's math functions.
EXP_ANY = mx.fast.cuda_kernel(
    name="exp_any",
    input_names=["inp"],
    output_names=["out"],
    source="""
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        out[i] = T(math::exp(float(inp[i])));
    """,
)

# Integer, bool and dtype template arguments.
AXPB = mx.fast.cuda_kernel(
    name="axpb",
    input_names=["x"],
    output_names=["y"],
    source="""
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        float v = float(x[i]) * A;
        if (AddOne) v += 1.0f;
        y[i] = OutT(v);
    """,
)

# Strided access through x_shape / x_strides / x_ndim (a row-major copy of any layout).
GATHER = mx.fast.cuda_kernel(
    name="gather_rows",
    input_names=["x"],
    output_names=["out"],
    source="""
        long long elem = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        out[elem] = x[elem_to_loc(elem, x_shape, x_strides, x_ndim)];
    """,
    ensure_row_contiguous=False,
)

# The same body with the default ensure_row_contiguous=True: strides are row-major.
GATHER_CONTIG = mx.fast.cuda_kernel(
    name="gather_rows_contig",
    input_names=["x"],
    output_names=["out", "strides"],
    source="""
        long long elem = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        out[elem] = x[elem_to_loc(elem, x_shape, x_strides, x_ndim)];
        if (elem < x_ndim) strides[elem] = x_strides[elem];
    """,
)

# Atomic outputs: a histogram and a sum.
HISTOGRAM = mx.fast.cuda_kernel(
    name="histogram",
    input_names=["values"],
    output_names=["bins"],
    source="""
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        atomic_fetch_add_explicit(&bins[values[i]], 1, memory_order_relaxed);
    """,
    atomic_outputs=True,
)

SUM_MAX = mx.fast.cuda_kernel(
    name="sum_max",
    input_names=["x"],
    output_names=["total", "biggest"],
    source="""
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        total[0].fetch_add(x[i]);
        biggest[0].fetch_max(x[i]);
    """,
    atomic_outputs=True,
)

# Writes only the even entries: the odd ones keep init_value.
EVENS = mx.fast.cuda_kernel(
    name="evens",
    input_names=["x"],
    output_names=["out"],
    source="""
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        if (i % 2 == 0) out[i] = x[i];
    """,
)

# Two outputs, a scalar input, a helper from the header.
SPLIT = mx.fast.cuda_kernel(
    name="split",
    input_names=["x", "scale"],
    output_names=["pos", "neg"],
    header="__device__ inline float relu(float v) { return v > 0.0f ? v : 0.0f; }\n",
    source="""
        long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
        pos[i] = relu(x[i]) * scale[0];
        neg[i] = relu(-x[i]) * scale[0];
    """,
)

# Dynamic shared memory and barriers: per-block sums (the grid is whole blocks).
BLOCK_SUM = mx.fast.cuda_kernel(
    name="block_sum",
    input_names=["x"],
    output_names=["sums"],
    source="""
        extern __shared__ float buf[];
        unsigned t = threadIdx.x;
        buf[t] = x[blockIdx.x * blockDim.x + t];
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s /= 2) {
            if (t < s) buf[t] += buf[t + s];
            __syncthreads();
        }
        if (t == 0) sums[blockIdx.x] = buf[0];
    """,
    shared_memory=256 * 4,
)

BROKEN = mx.fast.cuda_kernel(
    name="broken",
    input_names=["a"],
    output_names=["b"],
    source="    b[0] = a[0] + undefined_name;\n",
)

# Every (kernel, input dtypes, output dtypes, template) the GPU tests run; each must compile.
SPECIALIZATIONS = (
    [(EXP, ["float32"], ["float32"], [("T", mx.float32)])]
    + [(EXP_ANY, [d], [d], [("T", getattr(mx, d))]) for d in ["float16", "bfloat16", "float32", "float64"]]
    + [(AXPB, ["float32"], [o], [("A", a), ("AddOne", b), ("OutT", getattr(mx, o))])
       for a, b, o in [(3, True, "float32"), (-2, False, "float16"), (5, True, "int32")]]
    + [(GATHER, [d], [d], None) for d in ["float32", "int64", "bfloat16"]]
    + [(GATHER_CONTIG, ["float32"], ["float32", "int64"], None)]
    + [(HISTOGRAM, ["int32"], ["int32"], None)]
    + [(SUM_MAX, [d], [d, d], None) for d in ["float32", "float16", "bfloat16", "float64", "int32", "int64", "uint8"]]
    + [(EVENS, ["float32"], ["float32"], None)]
    + [(SPLIT, ["float32", "float32"], ["float32", "float32"], None)]
    + [(BLOCK_SUM, ["float32"], ["float32"], None)]
)


def _id(spec):
    k, ins, outs, tmpl = spec
    return f"{repr(k)[12:-1]}-{'-'.join(ins)}-{'-'.join(outs)}"


# ---------------------------------------------------------------- compiles without a GPU


@needs_nvrtc
@pytest.mark.parametrize("spec", SPECIALIZATIONS, ids=_id)
def test_generated_source_compiles(spec):
    kernel, in_dtypes, out_dtypes, template = spec
    inputs = [mx.zeros((2,), dtype=getattr(mx, d)) for d in in_dtypes]
    source, instance = kernel._source(
        inputs=inputs, output_dtypes=[getattr(mx, d) for d in out_dtypes], template=template)
    cubin, lowered = mx.fast._nvrtc_compile(source, instance, "sm_90")
    assert len(cubin) > 0 and lowered.startswith("_Z")


def test_generated_signature():
    source, instance = GATHER._source(inputs=[mx.zeros((2, 3), dtype=mx.float16)],
                                      output_dtypes=[mx.float16])
    assert "const kiln::float16_t* __restrict__ x," in source
    assert "const kiln::cu::Dims x_shape," in source
    assert "const kiln::cu::Dims x_strides," in source
    assert "const int x_ndim," in source
    assert "kiln::float16_t* out," in source
    assert instance == "kiln::cu::custom_kernel_gather_rows"
    source, instance = AXPB._source(inputs=[mx.zeros((2,))], output_dtypes=[mx.int32],
                                    template=[("A", 3), ("AddOne", True), ("OutT", mx.int32)])
    assert "template <int A, bool AddOne, typename OutT>" in source
    assert "x_shape" not in source  # the body does not use it
    assert instance == "kiln::cu::custom_kernel_axpb<3, true, int32_t>"
    source, _ = HISTOGRAM._source(inputs=[mx.zeros((2,), dtype=mx.int32)],
                                  output_dtypes=[mx.int32])
    assert "kiln::cu::atomic<int32_t>* bins," in source


@needs_nvrtc
def test_compile_error_carries_log_and_source():
    source, instance = BROKEN._source(inputs=[mx.zeros((1,))], output_dtypes=[mx.float32])
    with pytest.raises(RuntimeError) as e:
        mx.fast._nvrtc_compile(source, instance, "sm_90")
    msg = str(e.value)
    assert "undefined_name" in msg and "source(1)" in msg  # the log points into the body
    assert "custom_kernel_broken" in msg  # and the generated source follows


# ---------------------------------------------------------------- errors (any machine)


def test_cpu_is_a_clear_error():
    x = mx.array([1.0, 2.0])
    with pytest.raises(ValueError, match="only on the GPU"):
        EXP(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype], grid=(2, 1, 1),
            threadgroup=(2, 1, 1), template=[("T", mx.float32)], stream=mx.cpu)
    with pytest.raises(ValueError, match="only on the GPU"):
        mx.fast.precompiled_cuda_kernel(
            name="k", compiled_source=b"ptx", inputs=[x], output_shapes=[(2,)],
            output_dtypes=[mx.float32], scalars=[], grid=(2, 1, 1), threadgroup=(2, 1, 1),
            stream=mx.cpu)
    if not mx.cuda.is_available():
        with pytest.raises(ValueError, match="need a GPU"):
            EXP(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype], grid=(2, 1, 1),
                threadgroup=(2, 1, 1), template=[("T", mx.float32)])


def test_bad_definitions():
    with pytest.raises(ValueError, match="identifier"):
        mx.fast.cuda_kernel("my kernel", ["a"], ["b"], "")
    with pytest.raises(ValueError, match="identifier"):
        mx.fast.cuda_kernel("k", ["a-b"], ["c"], "")
    with pytest.raises(ValueError, match="used twice"):
        mx.fast.cuda_kernel("k", ["a"], ["a"], "")
    with pytest.raises(ValueError, match="at least one output"):
        mx.fast.cuda_kernel("k", ["a"], [], "")
    with pytest.raises(ValueError, match="shared_memory"):
        mx.fast.cuda_kernel("k", ["a"], ["b"], "", shared_memory=-1)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(inputs=[]), ValueError, "takes 1 inputs; got 0"),
        (dict(output_shapes=[(2,), (2,)]), ValueError, "output shapes"),
        (dict(output_dtypes=["float32"]), TypeError, "dtypes"),
        (dict(grid=(2, 1)), ValueError, "3 entries"),
        (dict(grid=(2.0, 1, 1)), TypeError, "ints"),
        (dict(grid=(-1, 1, 1)), ValueError, "negative"),
        (dict(threadgroup=(0, 1, 1)), ValueError, "at least 1"),
        (dict(threadgroup=(1024, 2, 1)), ValueError, "1024"),
        (dict(grid=(1, 1 << 20, 1)), ValueError, "65535"),
        (dict(template=[("T", 1.5)]), TypeError, "bool, an int or a Dtype"),
        (dict(template=[("T",)]), TypeError, "pairs"),
        (dict(template=[("T", mx.float32), ("T", 2)]), ValueError, "twice"),
        (dict(template=[("1T", mx.float32)]), ValueError, "identifier"),
        (dict(output_shapes=[(-2,)]), ValueError, "negative"),
    ],
)
def test_bad_calls(kwargs, error, match):
    x = mx.array([1.0, 2.0])
    args = dict(inputs=[x], output_shapes=[(2,)], output_dtypes=[mx.float32], grid=(2, 1, 1),
                threadgroup=(2, 1, 1), template=[("T", mx.float32)], stream=mx.cpu)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        EXP(**args)


def test_too_many_dims_for_shape_params():
    x = mx.zeros((1,) * 11)
    with pytest.raises(ValueError, match="at most 10"):
        GATHER(inputs=[x], output_shapes=[x.shape], output_dtypes=[x.dtype], grid=(1, 1, 1),
               threadgroup=(1, 1, 1), stream=mx.cpu)


def test_repr():
    assert repr(EXP) == "<CudaKernel myexp>"


# ---------------------------------------------------------------- on the GPU


def run1(kernel, inputs, shape, dtype, n, tg=256, **kw):
    return kernel(inputs=inputs, output_shapes=[shape], output_dtypes=[dtype], grid=(n, 1, 1),
                  threadgroup=(tg, 1, 1), stream=mx.gpu, **kw)[0]


@gpu_only
def test_mlx_example(rng):
    a = rng.standard_normal((4, 16)).astype(np.float32)
    out = run1(EXP, [mx.array(a)], a.shape, mx.float32, a.size, template=[("T", mx.float32)])
    np.testing.assert_allclose(to_numpy(out), np.exp(a), rtol=1e-6)


@gpu_only
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("n", [1, 1000, 4099])  # partial last blocks: threads past n return
def test_elementwise(rng, dtype, n):
    a = random_np(rng, (n,), dtype, -3, 3)
    out = run1(EXP_ANY, [to_kiln(a, dtype)], (n,), getattr(mx, dtype), n,
               template=[("T", getattr(mx, dtype))])
    assert out.dtype == getattr(mx, dtype)
    tol = {"float16": 2e-3, "bfloat16": 1.6e-2, "float32": 1e-6, "float64": 1e-6}[dtype]
    np.testing.assert_allclose(to_numpy(out).astype(np.float64), np.exp(a.astype(np.float64)),
                               rtol=tol)


@gpu_only
@pytest.mark.parametrize("a, add_one, out", [(3, True, "float32"), (-2, False, "float16"),
                                             (5, True, "int32")])
def test_templates(rng, a, add_one, out):
    x = rng.integers(-8, 8, 300).astype(np.float32)
    y = run1(AXPB, [mx.array(x)], (300,), getattr(mx, out), 300, tg=128,
             template=[("A", a), ("AddOne", add_one), ("OutT", getattr(mx, out))])
    assert y.dtype == getattr(mx, out)
    np.testing.assert_array_equal(to_numpy(y), (x * a + (1 if add_one else 0)).astype(out))


@gpu_only
@pytest.mark.parametrize("dtype", ["float32", "int64", "bfloat16"])
def test_shape_and_strides(rng, dtype):
    base = random_np(rng, (6, 8, 5), dtype)
    views = {
        "transposed": (lambda x: x.transpose(2, 0, 1), lambda x: x.transpose(2, 0, 1)),
        "sliced": (lambda x: x[1:5:2, ::-1, 2:], lambda x: x[1:5:2, ::-1, 2:]),
        "broadcast": (lambda x: mx.broadcast_to(x[:1], (3, 8, 5)),
                      lambda x: np.broadcast_to(x[:1], (3, 8, 5))),
    }
    for name, (kview, nview) in views.items():
        v = kview(to_kiln(base, dtype))
        want = nview(base)
        out = run1(GATHER, [v], v.shape, v.dtype, v.size, tg=64)
        np.testing.assert_array_equal(to_numpy(out), want, err_msg=name)


@gpu_only
def test_ensure_row_contiguous_copies_first(rng):
    x = rng.standard_normal((4, 6)).astype(np.float32)
    v = mx.array(x).T
    out, strides = GATHER_CONTIG(inputs=[v], output_shapes=[v.shape, (2,)],
                                 output_dtypes=[mx.float32, mx.int64], grid=(v.size, 1, 1),
                                 threadgroup=(32, 1, 1), stream=mx.gpu)
    np.testing.assert_array_equal(to_numpy(out), x.T)
    np.testing.assert_array_equal(to_numpy(strides), [4, 1])  # row-major strides of (6, 4)


@gpu_only
def test_atomic_histogram(rng):
    values = rng.integers(0, 16, 5000).astype(np.int32)
    bins = run1(HISTOGRAM, [mx.array(values)], (16,), mx.int32, values.size, init_value=0)
    np.testing.assert_array_equal(to_numpy(bins), np.bincount(values, minlength=16))


@gpu_only
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64", "int32",
                                   "int64", "uint8"])
def test_atomic_sum_and_max(rng, dtype):
    # Small integers: every partial sum is exact, so the order of the atomics cannot matter.
    n = 200
    x = rng.integers(0, 2, n).astype(np.float64)
    x[rng.integers(0, n)] = 3
    kx = mx.array(x).astype(getattr(mx, dtype))
    total, biggest = SUM_MAX(inputs=[kx], output_shapes=[(1,), (1,)],
                             output_dtypes=[kx.dtype, kx.dtype], grid=(n, 1, 1),
                             threadgroup=(64, 1, 1), init_value=0, stream=mx.gpu)
    assert to_numpy(total)[0] == x.sum()
    assert to_numpy(biggest)[0] == 3


@gpu_only
@pytest.mark.parametrize("init", [None, 0.0, -7.5])
def test_init_value(rng, init):
    x = rng.standard_normal(101).astype(np.float32)
    out = to_numpy(run1(EVENS, [mx.array(x)], (101,), mx.float32, 101, tg=32, init_value=init))
    np.testing.assert_array_equal(out[::2], x[::2])
    if init is not None:
        np.testing.assert_array_equal(out[1::2], np.full(50, init, np.float32))


@gpu_only
def test_multiple_outputs_and_scalar_input(rng):
    x = rng.standard_normal(77).astype(np.float32)
    pos, neg = SPLIT(inputs=[mx.array(x), 2.0], output_shapes=[(77,), (77,)],
                     output_dtypes=[mx.float32, mx.float32], grid=(77, 1, 1),
                     threadgroup=(32, 1, 1), stream=mx.gpu)
    np.testing.assert_allclose(to_numpy(pos), np.maximum(x, 0) * 2, rtol=1e-6)
    np.testing.assert_allclose(to_numpy(neg), np.maximum(-x, 0) * 2, rtol=1e-6)


@gpu_only
def test_shared_memory(rng):
    x = rng.integers(-4, 4, 256 * 7).astype(np.float32)
    sums = run1(BLOCK_SUM, [mx.array(x)], (7,), mx.float32, x.size)
    np.testing.assert_array_equal(to_numpy(sums), x.reshape(7, 256).sum(axis=1))


@gpu_only
def test_outputs_feed_other_ops(rng):
    x = rng.standard_normal((8, 8)).astype(np.float32)
    y = run1(EXP_ANY, [mx.array(x)], x.shape, mx.float32, x.size, template=[("T", mx.float32)])
    z = (y * 2).sum()
    np.testing.assert_allclose(z.item(), (np.exp(x) * 2).sum(), rtol=1e-5)


@gpu_only
def test_empty_output_launches_nothing():
    x = mx.zeros((0,))
    out = run1(EXP_ANY, [x], (0,), mx.float32, 0, template=[("T", mx.float32)])
    assert out.shape == (0,)
    mx.eval(out)


@gpu_only
def test_compile_error_at_eval():
    out = run1(BROKEN, [mx.array([1.0])], (1,), mx.float32, 1)
    with pytest.raises(RuntimeError) as e:
        mx.eval(out)
    assert "undefined_name" in str(e.value) and "custom_kernel_broken" in str(e.value)


@gpu_only
def test_verbose_prints_source(capsys):
    x = mx.array([1.0, 2.0])
    mx.eval(run1(EXP_ANY, [x], (2,), mx.float32, 2, template=[("T", mx.float32)], verbose=True))
    printed = capsys.readouterr().out
    assert "custom_kernel_exp_any" in printed and "math::exp" in printed


@gpu_only
def test_repeated_calls_agree(rng):
    x = mx.array(rng.standard_normal(64).astype(np.float32))
    first = run1(EXP_ANY, [x], (64,), mx.float32, 64, template=[("T", mx.float32)])
    second = run1(EXP_ANY, [x], (64,), mx.float32, 64, template=[("T", mx.float32)])
    np.testing.assert_array_equal(to_numpy(first), to_numpy(second))


# add_one(const float* a, float* out, int n): out[i] = a[i] + 1 for i < n. PTX ISA 7.8 for
# sm_80, which the driver compiles for any newer GPU.
ADD_ONE_PTX = b"""
.version 7.8
.target sm_80
.address_size 64

.visible .entry add_one(
    .param .u64 add_one_a,
    .param .u64 add_one_out,
    .param .u32 add_one_n
)
{
    .reg .pred %p<2>;
    .reg .f32 %f<3>;
    .reg .b32 %r<6>;
    .reg .b64 %rd<8>;

    ld.param.u64 %rd1, [add_one_a];
    ld.param.u64 %rd2, [add_one_out];
    ld.param.u32 %r2, [add_one_n];
    mov.u32 %r3, %ctaid.x;
    mov.u32 %r4, %ntid.x;
    mov.u32 %r5, %tid.x;
    mad.lo.s32 %r1, %r3, %r4, %r5;
    setp.ge.s32 %p1, %r1, %r2;
    @%p1 bra DONE;
    cvta.to.global.u64 %rd3, %rd1;
    mul.wide.s32 %rd4, %r1, 4;
    add.s64 %rd5, %rd3, %rd4;
    ld.global.f32 %f1, [%rd5];
    add.f32 %f2, %f1, 0f3F800000;
    cvta.to.global.u64 %rd6, %rd2;
    add.s64 %rd7, %rd6, %rd4;
    st.global.f32 [%rd7], %f2;
DONE:
    ret;
}
"""


@gpu_only
def test_precompiled_ptx(rng):
    x = rng.standard_normal(1000).astype(np.float32)
    out = mx.fast.precompiled_cuda_kernel(
        name="add_one", compiled_source=ADD_ONE_PTX, inputs=[mx.array(x)],
        output_shapes=[(1000,)], output_dtypes=[mx.float32], scalars=[1000],
        grid=(1000, 1, 1), threadgroup=(256, 1, 1), stream=mx.gpu)[0]
    np.testing.assert_array_equal(to_numpy(out), x + 1)


@gpu_only
def test_precompiled_cubin(rng):
    source = """
    extern "C" __global__ void scale_add(const float* a, const float* b, float* out,
                                         float s, int n) {
      int i = blockIdx.x * blockDim.x + threadIdx.x;
      if (i < n) out[i] = a[i] * s + b[i];
    }
    """
    arch = mx.device_info(mx.gpu)["architecture"]
    cubin, name = mx.fast._nvrtc_compile(source, "scale_add", arch)
    assert name == "scale_add"
    a = rng.standard_normal(300).astype(np.float32)
    b = rng.standard_normal(300).astype(np.float32)
    out = mx.fast.precompiled_cuda_kernel(
        name=name, compiled_source=cubin, inputs=[mx.array(a), mx.array(b)],
        output_shapes=[(300,)], output_dtypes=[mx.float32], scalars=[0.5, 300],
        grid=(300, 1, 1), threadgroup=(128, 1, 1), stream=mx.gpu)[0]
    np.testing.assert_allclose(to_numpy(out), a * 0.5 + b, rtol=1e-6)


@gpu_only
def test_precompiled_missing_name_is_an_error():
    out = mx.fast.precompiled_cuda_kernel(
        name="nope", compiled_source=ADD_ONE_PTX, inputs=[mx.zeros((4,))],
        output_shapes=[(4,)], output_dtypes=[mx.float32], scalars=[4], grid=(4, 1, 1),
        threadgroup=(4, 1, 1), stream=mx.gpu)[0]
    with pytest.raises(RuntimeError, match="no kernel named 'nope'"):
        mx.eval(out)


@gpu_only
def test_no_gradient():
    x = mx.array([1.0, 2.0])

    def f(x):
        return run1(EXP_ANY, [x], (2,), mx.float32, 2, template=[("T", mx.float32)]).sum()

    with pytest.raises(ValueError, match="CustomKernel"):
        mx.grad(f)(x)
