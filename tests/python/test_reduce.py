"""Reductions, arg-reductions, trace, allclose and array_equal against NumPy, over dtypes, axes,
keepdims and layouts, and on the GPU over shapes that reach every kernel variant. logsumexp
and softmax: test_softmax.py."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import (
    ALL_DTYPES,
    FLOAT_DTYPES,
    INT_DTYPES,
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
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2), ()]

SUM_DTYPE = {
    "bool_": "int32", "int8": "int32", "int16": "int32", "int32": "int32", "int64": "int64",
    "uint8": "uint32", "uint16": "uint32", "uint32": "uint32", "uint64": "uint64",
}


def sum_dtype(dtype):
    return SUM_DTYPE.get(dtype, dtype)


def mean_dtype(dtype):
    return dtype if dtype in FLOAT_DTYPES + ["complex64"] else "float32"


def np_axis(axis):
    return tuple(axis) if isinstance(axis, (tuple, list)) else axis


def wide(x):
    """Values in a NumPy type that holds every result exactly or in float64/complex128."""
    if x.dtype == np.bool_ or x.dtype.kind in "iu":
        return x.astype(np.uint64 if x.dtype.kind == "u" else np.int64)
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def as_dtype(ref, dtype):
    """A float64/int64 reference in the kiln result dtype (integers wrap like kiln's)."""
    if dtype == "bfloat16":
        return np.asarray(mx.array(np.asarray(ref, np.float32)).astype(mx.bfloat16).astype(mx.float32))
    if dtype == "bool_":
        return np.asarray(ref).astype(np.bool_)
    with np.errstate(all="ignore"):
        return np.asarray(ref).astype(np.dtype(dtype))


def check(out, ref, dtype, loose=1):
    """Exact for integer and bool results; within `loose` times the dtype's tolerance
    (scaled to values of magnitude 4) for floats."""
    assert out.dtype == kdtype(dtype), f"{out.dtype} != {dtype}"
    tol = TOLERANCES.get(dtype, (None, None))[0]
    if tol is None:
        assert_close(out, as_dtype(ref, dtype), dtype)
    else:
        assert_close(out, as_dtype(ref, dtype), dtype, rtol=tol * loose, atol=4 * tol * loose)


def with_nans(rng, x, dtype):
    if dtype in FLOAT_DTYPES:
        x = x.copy()
        x.flat[rng.integers(0, x.size, 2)] = np.nan
    return x


REDUCTIONS = {
    # name: (reference on wide values, output dtype)
    "sum": (lambda x, ax, kd: np.sum(x, axis=ax, keepdims=kd), sum_dtype),
    "prod": (lambda x, ax, kd: np.prod(x, axis=ax, keepdims=kd), sum_dtype),
    "max": (lambda x, ax, kd: np.max(x, axis=ax, keepdims=kd), lambda d: d),
    "min": (lambda x, ax, kd: np.min(x, axis=ax, keepdims=kd), lambda d: d),
    "all": (lambda x, ax, kd: np.all(x != 0, axis=ax, keepdims=kd), lambda d: "bool_"),
    "any": (lambda x, ax, kd: np.any(x != 0, axis=ax, keepdims=kd), lambda d: "bool_"),
    "mean": (lambda x, ax, kd: np.mean(x, axis=ax, keepdims=kd), mean_dtype),
    "count_nonzero": (lambda x, ax, kd: np.sum(x != 0, axis=ax, keepdims=kd), lambda d: "int32"),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_reduction(rng, name, dtype):
    ref_fn, out_dtype = REDUCTIONS[name]
    for a, x in layouts(rng, SHAPE, dtype):
        if name in ("max", "min"):
            x = with_nans(rng, np.asarray(x), dtype)
            a = to_kiln(x, dtype)
        elif name == "prod" and dtype in FLOAT_DTYPES + ["complex64"]:
            # Keep products of up to 60 factors in range.
            x = np.asarray(x) / np.asarray(4, x.dtype)
            a = to_kiln(x, dtype)
        for axis in AXES:
            for keepdims in (False, True):
                out = getattr(mx, name)(a, axis=axis, keepdims=keepdims)
                with np.errstate(all="ignore"):
                    ref = ref_fn(wide(np.asarray(x)), np_axis(axis), keepdims)
                check(out, ref, out_dtype(dtype), loose=1 if name in ("max", "min") else 10)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_var_std(rng, name, dtype):
    out_dtype = "float32" if dtype == "complex64" else mean_dtype(dtype)
    for a, x in layouts(rng, SHAPE, dtype):
        for axis in AXES[:-1]:
            for ddof in (0, 1):
                for keepdims in (False, True):
                    out = getattr(mx, name)(a, axis=axis, keepdims=keepdims, ddof=ddof)
                    ref = getattr(np, name)(wide(np.asarray(x)), axis=np_axis(axis),
                                            keepdims=keepdims, ddof=ddof)
                    check(out, ref, out_dtype, loose=10)


def test_var_ddof_past_count():
    # The divisor n - ddof clamps at 0: a positive sum gives inf, a zero one 0/0 = NaN.
    assert np.isinf(mx.var(mx.array([1.0, 2.0]), ddof=2).item())
    assert np.isnan(mx.var(mx.array([3.0, 3.0]), ddof=5).item())


def test_methods_match_functions(rng):
    x = random_np(rng, SHAPE, "float32")
    a = mx.array(x)
    for name in ["sum", "prod", "mean", "max", "min", "all", "any", "logsumexp"]:
        for axis in (None, 1, (0, 2)):
            m = getattr(a, name)(axis=axis, keepdims=True)
            f = getattr(mx, name)(a, axis=axis, keepdims=True)
            assert mx.array_equal(m, f, equal_nan=True).item(), name
    for name in ["var", "std"]:
        assert mx.array_equal(getattr(a, name)(1, False, 1), getattr(mx, name)(a, 1, ddof=1)).item()
    for name in ["argmax", "argmin"]:
        assert mx.array_equal(getattr(a, name)(1, True), getattr(mx, name)(a, axis=1, keepdims=True)).item()
        assert getattr(a, name)().item() == getattr(np, name)(x)


def test_float32_sum_is_accurate(rng):
    n = 1 << 24
    x = rng.random(n, dtype=np.float32) + np.float32(1)
    exact = np.sum(x.astype(np.float64))
    got = mx.sum(mx.array(x)).item()
    assert abs(got - exact) / exact < 1e-6
    # Columns of a tall matrix and rows of a wide one are long chains too.
    t = x.reshape(1 << 16, 256)
    got_cols = np.asarray(mx.sum(mx.array(t), axis=0))
    np.testing.assert_allclose(got_cols, t.astype(np.float64).sum(axis=0), rtol=1e-6)
    w = x.reshape(16, -1)
    np.testing.assert_allclose(np.asarray(mx.sum(mx.array(w), axis=1)),
                               w.astype(np.float64).sum(axis=1), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_sums_accumulate_in_float32(dtype):
    x = mx.ones((4096,), kdtype(dtype))
    # A float16 accumulator would stop at 2048 (1 + 2048 rounds back to 2048).
    assert mx.sum(x).item() == 4096
    assert mx.mean(x).item() == 1.0
    big = mx.full((100000,), 60000.0, mx.float16) if dtype == "float16" else None
    if big is not None:
        assert mx.mean(big).item() == 60000.0  # the float16 sum would overflow


@pytest.mark.parametrize("shape,axis", [
    ((1000, 3), 0), ((3, 1000), 1), ((7, 50000), 1), ((50000, 7), 0), ((2, 3, 40000), (0, 2)),
    ((40000, 2, 3), (0, 1)), ((64, 64, 64), (0, 2)), ((1 << 20,), 0), ((300, 300), None),
])
def test_large_shapes(rng, shape, axis):
    x = rng.standard_normal(shape).astype(np.float32)
    a = mx.array(x)
    for name in ["sum", "max", "min", "mean", "prod"]:
        ref = getattr(np, name)(x.astype(np.float64), axis=axis)
        out = np.asarray(getattr(mx, name)(a, axis=axis))
        if name == "prod":
            assert out.shape == np.shape(ref)
            continue
        np.testing.assert_allclose(out, ref, rtol=2e-5, atol=1e-4)
    ax = axis if isinstance(axis, int) else None
    if isinstance(axis, int) or axis is None:
        assert np.array_equal(np.asarray(mx.argmax(a, axis=ax)), np.argmax(x, axis=ax))
    t = mx.transpose(a)
    nt = x.T
    np.testing.assert_allclose(np.asarray(mx.sum(t, axis=0)), nt.astype(np.float64).sum(axis=0),
                               rtol=2e-5, atol=1e-4)


def test_broadcast_input():
    row = mx.array(np.arange(5, dtype=np.float32))
    b = mx.broadcast_to(row, (1000, 5))
    np.testing.assert_allclose(np.asarray(mx.sum(b, axis=0)), 1000 * np.arange(5))
    np.testing.assert_allclose(np.asarray(mx.sum(b)), 1000 * 10)
    assert mx.max(b).item() == 4
    col = mx.broadcast_to(mx.reshape(row, (5, 1)), (5, 300))
    np.testing.assert_allclose(np.asarray(mx.sum(col, axis=1)), 300 * np.arange(5))
    assert mx.argmax(col, axis=1).tolist() == [0] * 5
    assert mx.prod(mx.broadcast_to(mx.array(2, mx.int32), (3, 4))).item() == 4096


# ---------------------------------------------------------------- empty and 0-d


def test_empty_reductions():
    e = mx.zeros((0, 3))
    assert mx.sum(e).item() == 0
    assert mx.prod(e).item() == 1
    assert mx.sum(e, axis=0).tolist() == [0, 0, 0]
    assert mx.prod(e, axis=0).tolist() == [1, 1, 1]
    assert mx.sum(e, axis=1).shape == (0,)
    assert mx.all(e).item() is True
    assert mx.any(e).item() is False
    assert mx.count_nonzero(e).item() == 0
    assert np.isnan(mx.mean(e).item())
    assert np.isnan(np.asarray(mx.mean(e, axis=0))).all()
    assert mx.max(e, axis=1).shape == (0,)  # nothing to reduce per output
    assert mx.argmax(e, axis=1).shape == (0,)
    assert mx.logsumexp(e, axis=1).shape == (0,)
    assert mx.softmax(e, axis=0).shape == (0, 3)
    assert mx.sum(mx.zeros((0,), mx.int8)).dtype == mx.int32
    for fn in (mx.max, mx.min, mx.logsumexp):
        with pytest.raises(ValueError):
            fn(e)
        with pytest.raises(ValueError):
            fn(e, axis=0)
    for fn in (mx.argmax, mx.argmin):
        with pytest.raises(ValueError):
            fn(e)
        with pytest.raises(ValueError):
            fn(e, axis=0)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_zero_d(rng, dtype):
    x = random_np(rng, (), dtype)
    a = to_kiln(np.asarray(x), dtype)
    assert mx.sum(a).dtype == kdtype(sum_dtype(dtype))
    check(mx.sum(a), wide(np.asarray(x)), sum_dtype(dtype))
    check(mx.max(a, keepdims=True), x, dtype)
    assert mx.max(a, keepdims=True).shape == ()
    assert mx.argmax(a).item() == 0
    assert mx.argmin(a, keepdims=True).shape == ()
    check(mx.all(a), np.asarray(x) != 0, "bool_")
    with pytest.raises(IndexError):
        mx.sum(a, axis=0)
    with pytest.raises(IndexError):
        mx.argmax(a, axis=0)


def test_axis_errors():
    a = mx.zeros((2, 3))
    for fn in (mx.sum, mx.prod, mx.max, mx.min, mx.all, mx.any, mx.mean, mx.var, mx.std,
               mx.logsumexp, mx.count_nonzero, mx.softmax):
        with pytest.raises(IndexError):
            fn(a, axis=2)
        with pytest.raises(IndexError):
            fn(a, axis=(0, -3))
        with pytest.raises(ValueError, match="repeated"):
            fn(a, axis=(1, -1))
        with pytest.raises(TypeError):
            fn(a, axis="x")
    for fn in (mx.argmax, mx.argmin):
        with pytest.raises(IndexError):
            fn(a, axis=-3)
        with pytest.raises(TypeError):
            fn(a, axis=(0, 1))


# ---------------------------------------------------------------- arg reductions


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_arg_reductions(rng, name, dtype):
    for a, x in layouts(rng, SHAPE, dtype):
        x = np.asarray(x)
        if dtype in INT_DTYPES:  # few distinct values: ties must give the first index
            x = (x % 3).astype(x.dtype)
            a = to_kiln(x, dtype)
        elif dtype in FLOAT_DTYPES:
            x = with_nans(rng, x, dtype)
            a = to_kiln(x, dtype)
        for axis in (None, 0, 1, 2, -1, -3):
            for keepdims in (False, True):
                out = getattr(mx, name)(a, axis=axis, keepdims=keepdims)
                ref = getattr(np, name)(x, axis=axis)
                if keepdims:
                    ref = np.expand_dims(ref, axis) if axis is not None else np.reshape(ref, (1,) * x.ndim)
                assert out.dtype == mx.uint32
                assert out.shape == np.shape(ref)
                np.testing.assert_array_equal(np.asarray(out), ref)


def test_arg_reduction_long_rows(rng):
    x = rng.standard_normal(1 << 20).astype(np.float32)
    x[777777] = 10.0
    x[900000] = 10.0
    assert mx.argmax(mx.array(x)).item() == 777777
    x[500001] = np.nan
    x[600001] = np.nan
    assert mx.argmax(mx.array(x)).item() == 500001
    assert mx.argmin(mx.array(x)).item() == 500001


# ---------------------------------------------------------------- trace


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_trace(rng, dtype):
    for a, x in layouts(rng, (4, 5, 3), dtype):
        x = np.asarray(x)
        for offset in (-4, -1, 0, 2, 5):
            for ax1, ax2 in ((0, 1), (1, 0), (0, 2), (-1, -2)):
                out = mx.trace(a, offset, ax1, ax2)
                ref = np.trace(wide(x), offset, ax1, ax2)
                check(out, ref, dtype)
    x = random_np(rng, (3, 3), dtype)
    a = to_kiln(x, dtype)
    for target in ("int64", "float32", "float64"):
        with np.errstate(all="ignore"), np.testing.suppress_warnings() as sup:
            sup.filter(getattr(np, "exceptions", np).ComplexWarning)  # moved in NumPy 2
            ref = np.trace(wide(as_dtype(x, target)))
        check(mx.trace(a, dtype=kdtype(target)), ref, target)


def test_trace_errors():
    with pytest.raises(ValueError):
        mx.trace(mx.zeros((3,)))
    with pytest.raises(ValueError):
        mx.trace(mx.zeros((3, 3)), 0, 1, 1)
    with pytest.raises(ValueError):
        mx.trace(mx.zeros((3, 3)), 0, 1, -1)
    with pytest.raises(IndexError):
        mx.trace(mx.zeros((3, 3)), 0, 0, 2)
    assert mx.trace(mx.zeros((0, 3))).item() == 0


# ---------------------------------------------------------------- allclose, array_equal


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ["complex64"])
def test_allclose(rng, dtype):
    x = random_np(rng, (4, 5), dtype)
    a = to_kiln(x, dtype)
    r, _ = TOLERANCES[dtype]
    assert mx.allclose(a, a).item()
    assert mx.allclose(a, a * (1 + r / 10), rtol=r).item()
    assert not mx.allclose(a, a + 1.0).item()
    assert mx.allclose(a, a + 1.0, atol=1.5).item()
    assert mx.allclose(mx.ones((3, 4), kdtype(dtype)), 1.0).item()  # broadcasting


def test_allclose_special_values():
    inf, nan = np.inf, np.nan
    a = mx.array([1.0, inf, -inf, nan])
    assert not mx.allclose(a, a).item()
    assert mx.allclose(a, a, equal_nan=True).item()
    assert not mx.allclose(mx.array([inf]), mx.array([-inf])).item()
    assert not mx.allclose(mx.array([inf]), mx.array([1e30])).item()
    assert mx.allclose(mx.array([1, 2, 3]), mx.array([1, 2, 3])).item()
    assert mx.allclose(mx.array([1, 2]), 1.0, atol=1.0).item()
    assert not mx.allclose(mx.array([0, 255], mx.uint8), mx.array([255, 0], mx.uint8)).item()
    assert mx.allclose(mx.array([True]), mx.array([True])).item()
    assert mx.allclose(mx.zeros((0,)), mx.zeros((0,))).item()
    for x, y, kw in [([1e-8], [0.0], {}), ([1.0], [1.00001], {}), ([1e10], [1.00001e10], {}),
                     ([1.0, nan], [1.0, nan], {"equal_nan": True}), ([2.0], [1.0], {"rtol": 1.0})]:
        assert mx.allclose(mx.array(x), mx.array(y), **kw).item() == np.allclose(
            np.float32(x), np.float32(y), **kw)
    with pytest.raises(ValueError):
        mx.allclose(mx.zeros((2,)), mx.zeros((3,)))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_array_equal(rng, dtype):
    x = random_np(rng, (3, 4), dtype)
    a = to_kiln(x, dtype)
    assert mx.array_equal(a, to_kiln(x.copy(), dtype)).item()
    assert mx.array_equal(a, mx.transpose(mx.transpose(a))).item()
    assert not mx.array_equal(a, mx.reshape(a, (4, 3))).item()
    y = x.copy()
    y.flat[5] = (0 if y.flat[5] else 1) if dtype == "bool_" else y.flat[5] + 1
    assert not mx.array_equal(a, to_kiln(y, dtype)).item()
    if dtype != "complex64":  # (a float64 copy of a complex array drops the imaginary part)
        assert mx.array_equal(a, a.astype(mx.float64)).item()  # promoted, values exact


def test_array_equal_nan_and_scalars():
    a = mx.array([1.0, np.nan])
    assert not mx.array_equal(a, a).item()
    assert mx.array_equal(a, a, equal_nan=True).item()
    assert mx.array_equal(a, a, True).item()
    assert mx.array_equal(mx.array([1, 2]), mx.array([1.0, 2.0])).item()
    assert mx.array_equal(2, mx.array(2)).item()
    assert mx.array_equal(mx.array([1, 2], mx.int32), mx.array([1, 2], mx.int32), equal_nan=True).item()
    assert mx.array_equal(mx.zeros((0, 2)), mx.zeros((0, 2))).item()
    assert not mx.array_equal(mx.zeros((0, 2)), mx.zeros((2, 0))).item()


# ---------------------------------------------------------------- large shapes on the GPU

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


def sum_tolerance(x, axis):
    """Float sums: error bounded by a few ulps of float32 times the sum of magnitudes."""
    return 1e-5 * np.sum(np.abs(x.astype(np.float64)), axis=axis) + 1e-6


@pytest.mark.gpu_only
@pytest.mark.usefixtures("on_gpu")
class TestLargeShapesOnGPU:
    """Shapes large enough to reach every GPU kernel variant: all-reductions split across
    blocks, short/medium/long rows, columns with and without split reductions, layouts without
    a unit stride, unaligned starts, empty and 0-d arrays; against NumPy, and against the CPU
    backend for special values. The tests above run on the GPU too with KILN_TEST_DEVICE=gpu."""

    @pytest.mark.parametrize("shape,axis", LAYOUTS, ids=LAYOUT_IDS)
    @pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16", "float64"])
    def test_float_sums(self, rng, shape, axis, dtype):
        x = random_np(rng, shape, dtype)
        out = mx.sum(to_kiln(x, dtype), axis=axis)
        ref = np.sum(x.astype(np.float64), axis=axis)
        tol = 5e-3 if dtype in ("float16", "bfloat16") else 1e-5
        # 16-bit inputs accumulate in float32; only the final rounding to the dtype is lossy.
        np.testing.assert_allclose(to_numpy(out), ref, rtol=tol, atol=np.max(sum_tolerance(x, axis)))
        assert out.dtype == kdtype(dtype)

    @pytest.mark.parametrize("shape,axis", LAYOUTS, ids=LAYOUT_IDS)
    def test_integer_and_bool_reductions_are_exact(self, rng, shape, axis):
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
    def test_every_dtype_on_long_layouts(self, rng, dtype, shape, axis):
        x = random_np(rng, shape, dtype)
        a = to_kiln(x, dtype)
        if dtype == "complex64":  # float sums: the order differs from the CPU's
            ref = np.sum(x.astype(np.complex128), axis=axis)
            np.testing.assert_allclose(np.asarray(mx.sum(a, axis=axis)), ref, rtol=1e-5, atol=1e-2)
            return
        for name in ("sum", "max", "min"):
            assert_same(getattr(mx, name)(a, axis=axis), on_cpu(getattr(mx, name), a, axis=axis))

    def test_integer_sums_wrap_and_prod(self, rng):
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
    def test_nan_propagates_through_max_and_min(self, rng, shape, axis):
        x = random_np(rng, shape, "float32")
        x.flat[rng.integers(0, x.size, 5)] = np.nan
        x.flat[rng.integers(0, x.size, 5)] = np.inf
        a = mx.array(x)
        for name in ("max", "min"):
            got = to_numpy(getattr(mx, name)(a, axis=axis))
            np.testing.assert_array_equal(got, getattr(np, name)(x, axis=axis))
            assert_same(getattr(mx, name)(a, axis=axis), on_cpu(getattr(mx, name), a, axis=axis))

    def test_layouts_without_unit_stride_and_unaligned_starts(self, rng):
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

    def test_mean_var_std(self, rng):
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

    def test_sums_are_deterministic(self, rng):
        x = random_np(rng, (1 << 22) + 3, "float32")
        m = random_np(rng, (50000, 100), "float32")
        a, b = mx.array(x), mx.array(m)
        assert mx.sum(a).item() == mx.sum(a).item()
        assert np.array_equal(np.asarray(mx.sum(b, axis=0)), np.asarray(mx.sum(b, axis=0)))

    def test_empty_and_zero_d(self):
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


    # --------------------------------------------------- ArgReduce

    @pytest.mark.parametrize("name", ["argmax", "argmin"])
    @pytest.mark.parametrize("shape,axis", [((3, 100003), 1), ((1000, 300), 1), ((4000, 5), 1),
                                            ((100003, 3), 0), ((7, 9000, 5), 1), ((3000, 70), 0)])
    @pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "bool_", "float64"])
    def test_arg_reductions_first_index_and_nan(self, rng, name, shape, axis, dtype):
        x = random_np(rng, shape, dtype)
        if dtype in FLOAT_DTYPES:
            x = np.round(x)  # few distinct values: many ties
            x.flat[rng.integers(0, x.size, 3)] = np.nan
        a = to_kiln(x, dtype)
        out = getattr(mx, name)(a, axis=axis)
        # NumPy's argmax/argmin: the first NaN wins, else the first extreme.
        np.testing.assert_array_equal(np.asarray(out), getattr(np, name)(x, axis=axis))
        assert_same(out, on_cpu(getattr(mx, name), a, axis=axis))

    def test_arg_reduction_views(self, rng):
        x = np.round(random_np(rng, (300, 500), "float32"))
        a = mx.array(x)
        for v, ref in [(a.T, x.T), (a[::-1], x[::-1]), (a[:, ::3], x[:, ::3])]:
            for axis in (0, 1):
                np.testing.assert_array_equal(np.asarray(mx.argmax(v, axis=axis)), np.argmax(ref, axis=axis))
                np.testing.assert_array_equal(np.asarray(mx.argmin(v, axis=axis)), np.argmin(ref, axis=axis))
        flat = np.round(random_np(rng, (1 << 20) + 3, "float32"))
        assert mx.argmax(mx.array(flat)).item() == np.argmax(flat)

    # ------------------------------------------------------- Trace

    @pytest.mark.parametrize("dtype", ["float32", "int8", "float16", "bool_"])
    def test_trace(self, rng, dtype):
        x = random_np(rng, (6, 70, 50, 3), dtype)
        a = to_kiln(x, dtype)
        for offset, ax1, ax2 in ((0, 1, 2), (5, 1, 2), (-7, 2, 1), (0, 0, 3)):
            out = mx.trace(a, offset=offset, axis1=ax1, axis2=ax2)
            if dtype in TOLERANCES:
                ref = np.trace(x.astype(np.float64), offset, ax1, ax2)
                np.testing.assert_allclose(to_numpy(out), ref, rtol=10 * TOLERANCES[dtype][0], atol=1e-2)
            else:
                assert_same(out, on_cpu(mx.trace, a, offset=offset, axis1=ax1, axis2=ax2))
