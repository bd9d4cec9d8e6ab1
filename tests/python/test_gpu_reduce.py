"""GPU reductions, arg-reductions, softmax, logsumexp, scans and trace against NumPy (and
against the CPU backend for special values), on shapes large enough to reach every kernel
variant: all-reductions split across blocks, short/medium/long rows, columns with and
without split reductions, layouts without a unit stride, unaligned starts, empty and 0-d
arrays. The small-shape dtype sweeps are test_reduce.py and test_scan.py, which run on the
GPU too with KILN_TEST_DEVICE=gpu."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import FLOAT_DTYPES, INT_DTYPES, TOLERANCES, kdtype, random_np, to_kiln, to_numpy
import test_scan

pytestmark = pytest.mark.gpu_only

# (shape, axis): an all-reduction split across blocks, rows split across blocks, rows per
# warp or per group of lanes, short rows, columns split across blocks, wide columns, short
# columns, and two axes of a 3-d array (runs with a stride).
LAYOUTS = [
    (((1 << 22) + 3,), None),
    ((3, 100003), 1),
    ((1000, 300), 1),
    ((4000, 5), 1),
    ((50000, 100), 0),
    ((64, 70000), 0),
    ((2, 30001, 3), 1),
    ((40, 50, 60), (0, 2)),
]
LAYOUT_IDS = [f"{s}-{a}" for s, a in LAYOUTS]


@pytest.fixture(autouse=True)
def on_gpu():
    before = mx.default_device()
    mx.set_default_device(mx.gpu)
    yield
    mx.set_default_device(before)


def sum_tolerance(x, axis):
    """Float sums: error bounded by a few ulps of float32 times the sum of magnitudes."""
    return 1e-5 * np.sum(np.abs(x.astype(np.float64)), axis=axis) + 1e-6


def on_cpu(fn, *args, **kwargs):
    return to_numpy(fn(*args, **kwargs, stream=mx.cpu))


def assert_same(gpu, cpu):
    """Exact agreement, NaNs included (integer, bool and index results)."""
    np.testing.assert_array_equal(to_numpy(gpu), cpu)


def assert_near(gpu, cpu, rtol):
    """Agreement within rtol, with NaNs and infinities in the same places."""
    np.testing.assert_allclose(to_numpy(gpu), cpu, rtol=rtol, atol=0, equal_nan=True)


# ---------------------------------------------------------------- Reduce


@pytest.mark.parametrize("shape,axis", LAYOUTS, ids=LAYOUT_IDS)
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
def test_float_sums(rng, shape, axis, dtype):
    x = random_np(rng, shape, dtype)
    out = mx.sum(to_kiln(x, dtype), axis=axis)
    ref = np.sum(x.astype(np.float64), axis=axis)
    tol = 5e-3 if dtype in ("float16", "bfloat16") else 1e-5
    # 16-bit inputs accumulate in float32; only the final rounding to the dtype is lossy.
    np.testing.assert_allclose(to_numpy(out), ref, rtol=tol, atol=np.max(sum_tolerance(x, axis)))
    assert out.dtype == kdtype(dtype)


@pytest.mark.parametrize("shape,axis", LAYOUTS, ids=LAYOUT_IDS)
def test_integer_and_bool_reductions_are_exact(rng, shape, axis):
    x = random_np(rng, shape, "int32")
    a = mx.array(x)
    np.testing.assert_array_equal(np.asarray(mx.sum(a, axis=axis)), np.sum(x, axis=axis))
    np.testing.assert_array_equal(np.asarray(mx.max(a, axis=axis)), np.max(x, axis=axis))
    np.testing.assert_array_equal(np.asarray(mx.min(a, axis=axis)), np.min(x, axis=axis))
    b = x > 30  # mostly False: any and all both have work to do
    np.testing.assert_array_equal(np.asarray(mx.any(mx.array(b), axis=axis)), np.any(b, axis=axis))
    np.testing.assert_array_equal(np.asarray(mx.all(mx.array(~b), axis=axis)), np.all(~b, axis=axis))
    np.testing.assert_array_equal(np.asarray(mx.sum(mx.array(b), axis=axis)), np.sum(b, axis=axis))


@pytest.mark.parametrize("dtype", INT_DTYPES + ["bool_", "complex64"])
@pytest.mark.parametrize("shape,axis", [((3, 100003), 1), ((50000, 100), 0)])
def test_every_dtype_on_long_layouts(rng, dtype, shape, axis):
    x = random_np(rng, shape, dtype)
    a = to_kiln(x, dtype)
    if dtype == "complex64":  # float sums: the order differs from the CPU's
        ref = np.sum(x.astype(np.complex128), axis=axis)
        np.testing.assert_allclose(np.asarray(mx.sum(a, axis=axis)), ref, rtol=1e-5, atol=1e-2)
        return
    for name in ("sum", "max", "min"):
        assert_same(getattr(mx, name)(a, axis=axis), on_cpu(getattr(mx, name), a, axis=axis))


def test_integer_sums_wrap_and_prod(rng):
    big = np.full((3, 40000), 2**30, np.int32)
    np.testing.assert_array_equal(np.asarray(mx.sum(mx.array(big), axis=1)),
                                  np.sum(big, axis=1, dtype=np.int32))
    x = rng.integers(-3, 4, (5, 20000)).astype(np.int64)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(np.asarray(mx.prod(mx.array(x), axis=1)), np.prod(x, axis=1))
    f = 1 + rng.uniform(-1e-4, 1e-4, (50000, 8)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(mx.prod(mx.array(f), axis=0)),
                               np.prod(f.astype(np.float64), axis=0), rtol=1e-3)


@pytest.mark.parametrize("shape,axis", LAYOUTS, ids=LAYOUT_IDS)
def test_nan_propagates_through_max_and_min(rng, shape, axis):
    x = random_np(rng, shape, "float32")
    x.flat[rng.integers(0, x.size, 5)] = np.nan
    x.flat[rng.integers(0, x.size, 5)] = np.inf
    a = mx.array(x)
    for name in ("max", "min"):
        got = to_numpy(getattr(mx, name)(a, axis=axis))
        np.testing.assert_array_equal(got, getattr(np, name)(x, axis=axis))
        assert_same(getattr(mx, name)(a, axis=axis), on_cpu(getattr(mx, name), a, axis=axis))


def test_layouts_without_unit_stride_and_unaligned_starts(rng):
    x = random_np(rng, (600, 800), "float32")
    a = mx.array(x)
    views = [(a.T, x.T), (a[::2, ::3], x[::2, ::3]), (a[:, 1:], x[:, 1:]), (a[::-1], x[::-1])]
    for v, ref in views:
        for axis in (None, 0, 1):
            np.testing.assert_allclose(np.asarray(mx.sum(v, axis=axis)),
                                       np.sum(ref.astype(np.float64), axis=axis),
                                       rtol=1e-5, atol=np.max(sum_tolerance(ref, axis)))
            np.testing.assert_array_equal(np.asarray(mx.max(v, axis=axis)), np.max(ref, axis=axis))
    flat = random_np(rng, (1 << 20) + 7, "float16")
    for start in range(1, 8):  # every misalignment of 16-bit data to 16 bytes
        got = mx.sum(mx.array(flat)[start:]).astype(mx.float32).item()
        assert got == pytest.approx(float(np.sum(flat[start:].astype(np.float64))), rel=5e-3,
                                    abs=1e-4 * float(np.sum(np.abs(flat[start:].astype(np.float64)))))
    b = mx.broadcast_to(mx.array(np.arange(7, dtype=np.float32)), (30000, 7))
    np.testing.assert_allclose(np.asarray(mx.sum(b, axis=0)), 30000 * np.arange(7))
    np.testing.assert_allclose(np.asarray(mx.sum(b)), 30000 * 21)


def test_mean_var_std(rng):
    x = random_np(rng, (3000, 700), "float16")
    a = mx.array(x)
    w = x.astype(np.float64)
    for axis in (None, 0, 1):
        np.testing.assert_allclose(to_numpy(mx.mean(a, axis=axis)), np.mean(w, axis=axis),
                                   rtol=2e-3, atol=2e-3)
        np.testing.assert_allclose(to_numpy(mx.var(a, axis=axis)), np.var(w, axis=axis),
                                   rtol=2e-3, atol=2e-3)
        np.testing.assert_allclose(to_numpy(mx.std(a, axis=axis, ddof=1)),
                                   np.std(w, axis=axis, ddof=1), rtol=2e-3, atol=2e-3)


def test_sums_are_deterministic(rng):
    x = random_np(rng, (1 << 22) + 3, "float32")
    m = random_np(rng, (50000, 100), "float32")
    a, b = mx.array(x), mx.array(m)
    assert mx.sum(a).item() == mx.sum(a).item()
    assert np.array_equal(np.asarray(mx.sum(b, axis=0)), np.asarray(mx.sum(b, axis=0)))


def test_empty_and_zero_d():
    e = mx.zeros((0, 3))
    assert mx.sum(e).item() == 0
    assert mx.sum(e, axis=0).tolist() == [0, 0, 0]
    assert mx.prod(e, axis=0).tolist() == [1, 1, 1]
    assert mx.sum(e, axis=1).shape == (0,)
    assert mx.all(e, axis=0).tolist() == [True] * 3
    assert mx.any(e, axis=0).tolist() == [False] * 3
    assert mx.max(e, axis=1).shape == (0,)
    assert mx.sum(mx.zeros((0,), mx.int8)).item() == 0
    assert np.isnan(mx.mean(e).item())
    # One element that only the host holds: uploaded by the kernel launch.
    assert mx.sum(mx.array([[5.0]]), axis=0).tolist() == [5.0]
    assert mx.max(mx.array([[2, 7]], mx.int16), axis=1).tolist() == [7]
    assert mx.sum(mx.array(3.0)).item() == 3.0
    assert mx.argmax(mx.array(3.0)).item() == 0


# ---------------------------------------------------------------- ArgReduce


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("shape,axis", [((3, 100003), 1), ((1000, 300), 1), ((4000, 5), 1),
                                        ((100003, 3), 0), ((7, 9000, 5), 1), ((3000, 70), 0)])
@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "bool_", "float64"])
def test_arg_reductions_first_index_and_nan(rng, name, shape, axis, dtype):
    x = random_np(rng, shape, dtype)
    if dtype in FLOAT_DTYPES:
        x = np.round(x)  # few distinct values: many ties
        x.flat[rng.integers(0, x.size, 3)] = np.nan
    a = to_kiln(x, dtype)
    out = getattr(mx, name)(a, axis=axis)
    # NumPy's argmax/argmin: the first NaN wins, else the first extreme.
    np.testing.assert_array_equal(np.asarray(out), getattr(np, name)(x, axis=axis))
    assert_same(out, on_cpu(getattr(mx, name), a, axis=axis))


def test_arg_reduction_views(rng):
    x = np.round(random_np(rng, (300, 500), "float32"))
    a = mx.array(x)
    for v, ref in [(a.T, x.T), (a[::-1], x[::-1]), (a[:, ::3], x[:, ::3])]:
        for axis in (0, 1):
            np.testing.assert_array_equal(np.asarray(mx.argmax(v, axis=axis)), np.argmax(ref, axis=axis))
            np.testing.assert_array_equal(np.asarray(mx.argmin(v, axis=axis)), np.argmin(ref, axis=axis))
    flat = np.round(random_np(rng, (1 << 20) + 3, "float32"))
    assert mx.argmax(mx.array(flat)).item() == np.argmax(flat)


# ---------------------------------------------------------------- Softmax and LogSumExp


def np_softmax(x, axis):
    w = x.astype(np.float64)
    e = np.exp(w - np.max(w, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def np_logsumexp(x, axis):
    w = x.astype(np.float64)
    m = np.max(w, axis=axis, keepdims=True)
    return np.squeeze(m + np.log(np.sum(np.exp(w - m), axis=axis, keepdims=True)), axis)


# Row lengths: one thread's registers, one warp, most of a block, the 8192 of the benchmark,
# longer than a block holds (two passes); columns (axis 0) of several shapes.
SOFTMAX_SHAPES = [((64, 1), -1), ((50, 7), -1), ((40, 1000), -1), ((16, 8192), -1),
                  ((3, 40001), -1), ((9000, 3), 0), ((5, 300, 70), 1)]


@pytest.mark.parametrize("shape,axis", SOFTMAX_SHAPES, ids=[f"{s}-{a}" for s, a in SOFTMAX_SHAPES])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_softmax_and_logsumexp(rng, shape, axis, dtype):
    x = random_np(rng, shape, dtype, low=-20, high=20)
    a = to_kiln(x, dtype)
    rtol = {"float16": 4e-3, "bfloat16": 2e-2, "float32": 1e-5, "float64": 1e-12}[dtype]
    s = mx.softmax(a, axis=axis)
    assert s.dtype == kdtype(dtype) and s.shape == shape
    np.testing.assert_allclose(to_numpy(s), np_softmax(x, axis), rtol=rtol, atol=rtol * 1e-2)
    lse = mx.logsumexp(a, axis=axis)
    np.testing.assert_allclose(to_numpy(lse), np_logsumexp(x, axis), rtol=rtol, atol=rtol)


def test_softmax_of_views_and_donated_inputs(rng):
    x = random_np(rng, (500, 600), "float32")
    a = mx.array(x)
    np.testing.assert_allclose(np.asarray(mx.softmax(a.T, axis=-1)), np_softmax(x.T, -1), rtol=1e-5,
                               atol=1e-8)
    np.testing.assert_allclose(np.asarray(mx.softmax(a[:, 1:], axis=-1)), np_softmax(x[:, 1:], -1),
                               rtol=1e-5, atol=1e-8)
    # An intermediate nothing else holds: the output may take its memory.
    y = mx.softmax(a * 2, axis=-1)
    np.testing.assert_allclose(np.asarray(y), np_softmax(2 * x, -1), rtol=1e-5, atol=1e-8)
    np.testing.assert_array_equal(np.asarray(a), x)


@pytest.mark.parametrize("n", [5, 3000, 40001])
def test_softmax_special_values_match_cpu(n):
    inf, nan = np.inf, np.nan
    rows = np.zeros((6, n), np.float32)
    rows[0, 1] = nan  # a NaN: the row is NaN
    rows[1, 2] = inf  # +inf: NaN too (inf - inf)
    rows[2, :] = -inf  # all -inf: softmax NaN, logsumexp -inf
    rows[3, ::2] = -inf  # some -inf: zeros there
    rows[4, 0] = 80  # exp overflows without the max
    rows[5, :] = -1e30
    a = mx.array(rows)
    for axis, data in ((1, a), (0, mx.array(np.ascontiguousarray(rows.T)))):
        assert_near(mx.softmax(data, axis=axis), on_cpu(mx.softmax, data, axis=axis), 1e-6)
        assert_near(mx.logsumexp(data, axis=axis), on_cpu(mx.logsumexp, data, axis=axis), 1e-6)


# ---------------------------------------------------------------- Scan


SCAN_SHAPES = [((2, 300001), 1), ((100, 1000), 1), ((1000, 50), 1), ((1000, 300), 0),
               ((7, 500, 9), 1), (((1 << 20) + 5,), None)]


@pytest.mark.parametrize("shape,axis", SCAN_SHAPES, ids=[f"{s}-{a}" for s, a in SCAN_SHAPES])
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_scans(rng, shape, axis, name):
    x = random_np(rng, shape, "float32")
    if name == "cumprod":
        x = 1 + (x / 4e4).astype(np.float32)  # long products stay in range
    if name in ("cummax", "cummin"):
        x.flat[rng.integers(x.size // 2, x.size, 2)] = np.nan
    a = mx.array(x)
    # Running log-sum-exps accumulate in float (as on the CPU, whose serial chain drifts by
    # about 1e-3 over 1M elements; the GPU's combining tree is shallow).
    tol = 1e-4 if name == "logcumsumexp" else 2e-5
    for reverse in (False, True):
        for inclusive in (True, False):
            out = getattr(mx, name)(a, axis=axis, reverse=reverse, inclusive=inclusive)
            ref = test_scan.np_scan(name, test_scan.wide(x, name), axis, reverse, inclusive)
            with np.errstate(invalid="ignore"):
                np.testing.assert_allclose(np.asarray(out), ref, rtol=tol, atol=10 * tol)


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "bool_", "float16", "bfloat16",
                                   "complex64"])
@pytest.mark.parametrize("shape,axis", [((2, 300001), 1), ((1000, 300), 0)])
def test_scan_dtypes_match_cpu(rng, dtype, shape, axis):
    x = random_np(rng, shape, dtype)
    a = to_kiln(x, dtype)
    exact = dtype not in TOLERANCES
    # Float products of random values overflow in an order-dependent way: integers only.
    names = ["cumsum", "cumprod"] if exact else ["cumsum"]
    if dtype != "complex64":
        names.append("cummax")
    for name in names:
        for reverse in (False, True):
            kwargs = dict(axis=axis, reverse=reverse, inclusive=not reverse)
            out = getattr(mx, name)(a, **kwargs)
            ref = on_cpu(getattr(mx, name), a, **kwargs)
            if exact or name == "cummax":
                assert_same(out, ref)
            elif dtype == "complex64":
                # complex64 sums accumulate in float, in another order than the CPU's.
                np.testing.assert_allclose(to_numpy(out), ref, rtol=1e-4, atol=0.1)
            else:
                # 16-bit floats accumulate in double on both: only the final rounding differs.
                np.testing.assert_allclose(to_numpy(out), ref, rtol=TOLERANCES[dtype][0], atol=1e-3)


def test_scan_of_views(rng):
    x = random_np(rng, (300, 400), "int32")
    a = mx.array(x)
    np.testing.assert_array_equal(np.asarray(mx.cumsum(a.T, axis=1)), np.cumsum(x.T, axis=1))
    np.testing.assert_array_equal(np.asarray(mx.cumsum(a[::-2], axis=0)), np.cumsum(x[::-2], axis=0))
    assert mx.cumsum(mx.zeros((0, 3)), axis=0).shape == (0, 3)
    assert mx.cumsum(mx.array(3.0), inclusive=False).tolist() == [0.0]


# ---------------------------------------------------------------- Trace


@pytest.mark.parametrize("dtype", ["float32", "int8", "float16", "bool_"])
def test_trace(rng, dtype):
    x = random_np(rng, (6, 70, 50, 3), dtype)
    a = to_kiln(x, dtype)
    for offset, ax1, ax2 in ((0, 1, 2), (5, 1, 2), (-7, 2, 1), (0, 0, 3)):
        out = mx.trace(a, offset=offset, axis1=ax1, axis2=ax2)
        if dtype in TOLERANCES:
            ref = np.trace(x.astype(np.float64), offset, ax1, ax2)
            np.testing.assert_allclose(to_numpy(out), ref, rtol=10 * TOLERANCES[dtype][0], atol=1e-2)
        else:
            assert_same(out, on_cpu(mx.trace, a, offset=offset, axis1=ax1, axis2=ax2))
