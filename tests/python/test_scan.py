"""Cumulative ops (cumsum, cumprod, cummax, cummin, logcumsumexp) against NumPy over dtypes,
axes, directions, inclusive/exclusive and layouts, and on the GPU over shapes that reach
every kernel variant."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import (
    ALL_DTYPES,
    FLOAT_DTYPES,
    TOLERANCES,
    assert_close,
    assert_same,
    kdtype,
    layouts,
    on_cpu,
    random_np,
    to_kiln,
    to_numpy,
)

SHAPE = (3, 4, 5)
AXES = [None, 0, 1, 2, -1, -3]


def out_dtype(name, dtype):
    if name == "cumsum" and dtype == "bool_":
        return "int32"
    if name == "logcumsumexp" and dtype not in FLOAT_DTYPES + ["complex64"]:
        return "float32"
    return dtype


def identity(name, x):
    """The value an exclusive scan starts from, in the reference's dtype."""
    if name == "cumsum":
        return 0
    if name == "cumprod":
        return 1
    if name == "logcumsumexp":
        return -np.inf
    kind = x.dtype.kind
    low = name == "cummax"
    if kind == "b":
        return not low
    if kind in "iu":
        info = np.iinfo(x.dtype)
        return info.min if low else info.max
    if kind == "c":
        return complex(-np.inf, -np.inf) if low else complex(np.inf, np.inf)
    return -np.inf if low else np.inf


def complex_logaddexp(x, y):
    """log(exp(x) + exp(y)) shifted by the operand with the larger real part (NumPy's
    logaddexp refuses complex numbers)."""
    hi, lo = (x, y) if x.real >= y.real else (y, x)
    if lo.real == -np.inf or hi.real == np.inf:
        return hi
    return hi + np.log1p(np.exp(lo - hi))


def complex_logcumsumexp(v):
    out, acc = np.empty_like(v), complex(-np.inf, 0)
    for i, z in enumerate(v):
        acc = complex_logaddexp(acc, z)
        out[i] = acc
    return out


def np_scan(name, x, axis, reverse, inclusive):
    """Reference scan of x (already in a wide dtype) along axis (None: flattened)."""
    if axis is None:
        x, axis = x.reshape(-1), 0
    if reverse:
        x = np.flip(x, axis)
    with np.errstate(all="ignore"):
        if name == "cumsum":
            y = np.cumsum(x, axis=axis)
        elif name == "cumprod":
            y = np.cumprod(x, axis=axis)
        elif name == "cummax":
            y = np.maximum.accumulate(x, axis=axis)
        elif name == "cummin":
            y = np.minimum.accumulate(x, axis=axis)
        elif x.dtype.kind == "c":
            y = np.apply_along_axis(complex_logcumsumexp, axis, x)
        else:
            y = np.logaddexp.accumulate(x, axis=axis)
    if not inclusive:
        first = np.full_like(np.take(y, [0], axis=axis), identity(name, x))
        y = np.concatenate([first, np.take(y, np.arange(y.shape[axis] - 1), axis=axis)], axis=axis)
    if reverse:
        y = np.flip(y, axis)
    return y


def wide(x, name):
    x = np.asarray(x)
    if name == "logcumsumexp":
        return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    if name in ("cummax", "cummin"):
        return x if x.dtype.kind in "biuc" else x.astype(np.float64)
    if x.dtype.kind == "b":
        return x.astype(np.int64)
    if x.dtype.kind in "iu":
        return x.astype(np.uint64 if x.dtype.kind == "u" else np.int64)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def as_dtype(ref, dtype):
    if dtype == "bfloat16":
        return np.asarray(mx.array(np.asarray(ref, np.float32)).astype(mx.bfloat16).astype(mx.float32))
    with np.errstate(all="ignore"):
        return np.asarray(ref).astype(np.bool_ if dtype == "bool_" else np.dtype(dtype))


def check(out, ref, dtype):
    assert out.dtype == kdtype(dtype), f"{out.dtype} != {dtype}"
    if dtype in TOLERANCES:
        r, _ = TOLERANCES[dtype]
        with np.errstate(invalid="ignore"):  # inf - inf inside NumPy's own comparison
            assert_close(out, as_dtype(ref, dtype), dtype, rtol=10 * r, atol=40 * r)
    else:
        assert_close(out, as_dtype(ref, dtype), dtype)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_scan(rng, name, dtype):
    for a, x in layouts(rng, SHAPE, dtype):
        x = np.asarray(x)
        if name == "cumprod" and dtype in FLOAT_DTYPES + ["complex64"]:
            x = x / np.asarray(4, x.dtype)  # keep long products in range
            a = to_kiln(x, dtype)
        if name in ("cummax", "cummin") and dtype in FLOAT_DTYPES:
            x = x.copy()
            x.flat[rng.integers(0, x.size, 2)] = np.nan
            a = to_kiln(x, dtype)
        for axis in AXES:
            for reverse in (False, True):
                for inclusive in (True, False):
                    out = getattr(mx, name)(a, axis=axis, reverse=reverse, inclusive=inclusive)
                    ref = np_scan(name, wide(x, name), axis, reverse, inclusive)
                    check(out, ref, out_dtype(name, dtype))


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
def test_methods(rng, name):
    x = random_np(rng, SHAPE, "float32")
    a = mx.array(x)
    for axis in (None, 1):
        for reverse in (False, True):
            m = getattr(a, name)(axis, reverse=reverse, inclusive=False)
            f = getattr(mx, name)(a, axis=axis, reverse=reverse, inclusive=False)
            assert mx.array_equal(m, f, equal_nan=True).item()


def test_dtype_argument(rng):
    x = random_np(rng, (4, 6), "int8")
    a = mx.array(x)
    out = mx.cumsum(a, axis=1, dtype=mx.int64)
    assert out.dtype == mx.int64
    np.testing.assert_array_equal(np.asarray(out), np.cumsum(x.astype(np.int64), axis=1))
    out = mx.cumsum(a, dtype=mx.float32)
    assert out.dtype == mx.float32
    np.testing.assert_allclose(np.asarray(out), np.cumsum(x.astype(np.float64)))
    out = mx.cumprod(a, axis=0, dtype=mx.float64)
    assert out.dtype == mx.float64
    np.testing.assert_allclose(np.asarray(out), np.cumprod(x.astype(np.float64), axis=0))
    f = mx.array(np.array([1.7, 2.6, -3.5], np.float32))
    assert mx.cumsum(f, dtype=mx.int32).tolist() == [1, 3, 0]  # converted before summing
    assert mx.cumsum(mx.array([True, True]), dtype=mx.bool_).dtype == mx.int32
    assert mx.cumulative_sum is mx.cumsum and mx.cumulative_prod is mx.cumprod


def test_long_and_wide(rng):
    x = rng.standard_normal((3, 70000)).astype(np.float32)
    a = mx.array(x)
    # Long float32 running sums stay accurate (no drift along the axis).
    np.testing.assert_allclose(np.asarray(mx.cumsum(a, axis=1)), np.cumsum(x.astype(np.float64), axis=1),
                               rtol=2e-6, atol=1e-5)
    np.testing.assert_allclose(np.asarray(mx.cumsum(a, axis=0, reverse=True)),
                               np.flip(np.cumsum(np.flip(x, 0), axis=0), 0), rtol=1e-5, atol=1e-5)
    t = mx.transpose(a)  # the axis is not contiguous: copied to row-major first
    np.testing.assert_allclose(np.asarray(mx.cummax(t, axis=0)), np.maximum.accumulate(x.T, axis=0))
    lse = np.asarray(mx.logcumsumexp(a, axis=1))
    # Each step rounds its float32 logaddexp: over 70000 steps the error walks to ~3e-5.
    np.testing.assert_allclose(lse, np.logaddexp.accumulate(x.astype(np.float64), axis=1), rtol=1e-4)


def test_special_values():
    inf, nan = np.inf, np.nan
    x = mx.array([-inf, -inf, 1.0, inf, 2.0])
    assert mx.logcumsumexp(x).tolist() == [-inf, -inf, 1.0, inf, inf]
    assert np.isnan(mx.cumsum(mx.array([1.0, nan, 2.0])).tolist()[1:]).all()
    assert mx.cummax(mx.array([1.0, nan, 3.0])).tolist()[0] == 1.0
    assert np.isnan(mx.cummax(mx.array([1.0, nan, 3.0])).tolist()[1:]).all()
    assert mx.cumsum(mx.array([True, True, False])).tolist() == [1, 2, 2]
    assert mx.cumprod(mx.array([True, True, False, True])).tolist() == [True, True, False, False]
    big = mx.array([2**31 - 1, 1], mx.int32)
    assert mx.cumsum(big).tolist() == [2**31 - 1, -(2**31)]  # integer sums wrap


def test_complex_logaddexp_and_logcumsumexp(rng):
    # MLX supports complex logaddexp and logcumsumexp (NumPy does not): compared with the
    # reference above, in complex128.
    x = (rng.standard_normal((4, 6)) * 3 + 1j * rng.standard_normal((4, 6)) * 3)
    y = (rng.standard_normal((4, 6)) * 3 + 1j * rng.standard_normal((4, 6)) * 3)
    x, y = x.astype(np.complex64), y.astype(np.complex64)
    ref = np.vectorize(complex_logaddexp)(x.astype(np.complex128), y.astype(np.complex128))
    out = mx.logaddexp(mx.array(x), mx.array(y))
    assert out.dtype == mx.complex64
    np.testing.assert_allclose(np.array(out), ref, rtol=1e-5, atol=1e-5)
    inf = np.inf
    special = mx.array(np.array([complex(-inf, 0), complex(-inf, 1), 1 + 2j, complex(inf, 0)],
                                np.complex64))
    got = np.array(mx.logaddexp(special, mx.array(np.complex64(complex(-inf, 0)))))
    assert got[0].real == -inf and got[2] == 1 + 2j and got[3].real == inf
    lcse = np.array(mx.logcumsumexp(special))
    assert lcse[0].real == -inf and lcse[2] == 1 + 2j and lcse[3].real == inf
    # The derivative of the scan: the same as the derivative of its composition.
    w = mx.array(x[0])
    f = lambda v: mx.sum(mx.real(mx.logcumsumexp(v)) + 2 * mx.imag(mx.logcumsumexp(v)))
    g = lambda v: mx.sum(mx.real(mx.log(mx.cumsum(mx.exp(v))))
                         + 2 * mx.imag(mx.log(mx.cumsum(mx.exp(v)))))
    np.testing.assert_allclose(np.array(mx.grad(f)(w)), np.array(mx.grad(g)(w)), rtol=1e-4,
                               atol=1e-5)
    t = mx.array(y[0])
    _, jf = mx.jvp(mx.logcumsumexp, [w], [t])
    _, jg = mx.jvp(lambda v: mx.log(mx.cumsum(mx.exp(v))), [w], [t])
    np.testing.assert_allclose(np.array(jf[0]), np.array(jg[0]), rtol=1e-4, atol=1e-5)


def test_empty_zero_d_and_errors():
    e = mx.zeros((0, 3))
    for fn in (mx.cumsum, mx.cumprod, mx.cummax, mx.cummin, mx.logcumsumexp):
        assert fn(e, axis=0).shape == (0, 3)
        assert fn(e, axis=1).shape == (0, 3)
        assert fn(e).shape == (0,)
        z = fn(mx.array(3.0))
        assert z.shape == (1,) and z.item() == 3.0
        with pytest.raises(mx.AxisError, match="axis"):
            fn(mx.array(3.0), axis=0)
        with pytest.raises(mx.AxisError, match="axis"):
            fn(e, axis=2)
        with pytest.raises(mx.AxisError, match="axis"):
            fn(e, axis=-3)
        with pytest.raises(TypeError):
            fn(e, axis=(0, 1))
    assert mx.cumsum(mx.array(3.0), inclusive=False).tolist() == [0.0]


# ---------------------------------------------------------------- large shapes on the GPU

SCAN_SHAPES = [((2, 300001), 1), ((100, 1000), 1), ((1000, 50), 1), ((1000, 300), 0),
               ((7, 500, 9), 1), (((1 << 20) + 5,), None)]


@pytest.mark.gpu_only
@pytest.mark.usefixtures("on_gpu")
class TestLargeShapesOnGPU:
    """Long rows, columns and flattened arrays that reach every GPU scan kernel, and the
    other dtypes against the CPU backend. The tests above run on the GPU too with
    KILN_TEST_DEVICE=gpu."""

    @pytest.mark.parametrize("shape,axis", SCAN_SHAPES, ids=[f"{s}-{a}" for s, a in SCAN_SHAPES])
    @pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp"])
    def test_scans(self, rng, shape, axis, name):
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
                ref = np_scan(name, wide(x, name), axis, reverse, inclusive)
                with np.errstate(invalid="ignore"):
                    np.testing.assert_allclose(np.asarray(out), ref, rtol=tol, atol=10 * tol)

    @pytest.mark.parametrize("dtype", ["int8", "uint16", "int64", "bool_", "float16", "bfloat16",
                                       "complex64"])
    @pytest.mark.parametrize("shape,axis", [((2, 300001), 1), ((1000, 300), 0)])
    def test_scan_dtypes_match_cpu(self, rng, dtype, shape, axis):
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

    def test_scan_of_views(self, rng):
        x = random_np(rng, (300, 400), "int32")
        a = mx.array(x)
        np.testing.assert_array_equal(np.asarray(mx.cumsum(a.T, axis=1)), np.cumsum(x.T, axis=1))
        np.testing.assert_array_equal(np.asarray(mx.cumsum(a[::-2], axis=0)), np.cumsum(x[::-2], axis=0))
        assert mx.cumsum(mx.zeros((0, 3)), axis=0).shape == (0, 3)
        assert mx.cumsum(mx.array(3.0), inclusive=False).tolist() == [0.0]
