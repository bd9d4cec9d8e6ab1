"""logsumexp and softmax against NumPy, over dtypes, axes, keepdims and layouts, and on the
GPU over shapes that reach every kernel variant."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import (
    FLOAT_DTYPES,
    assert_near,
    kdtype,
    layouts,
    on_cpu,
    random_np,
    to_kiln,
    to_numpy,
)
from test_reduce import SHAPE, check, mean_dtype, np_axis


def wide_float(x):
    return np.asarray(x).astype(np.complex128 if np.asarray(x).dtype.kind == "c" else np.float64)


def np_logsumexp(x, axis, keepdims=False):
    x = wide_float(x)
    m = np.max(x, axis=axis, keepdims=True)
    with np.errstate(all="ignore"):
        s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
        s = np.where(np.isinf(m), m, s)
    return s if keepdims else np.squeeze(s, axis=axis if axis is not None else None)


def np_softmax(x, axis):
    x = wide_float(x)
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ["int32", "uint8", "bool_"])
def test_logsumexp(rng, dtype):
    out_dtype = mean_dtype(dtype)
    for a, x in layouts(rng, SHAPE, dtype):
        for axis in [None, 0, 1, -1, (0, 2), (1, 2), (0, 1)]:
            for keepdims in (False, True):
                out = mx.logsumexp(a, axis=axis, keepdims=keepdims)
                ref = np_logsumexp(wide_float(x), np_axis(axis), keepdims)
                check(out, ref, out_dtype)


def test_logsumexp_extremes():
    x = mx.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0], [1000.0, 1000.0]])
    out = mx.logsumexp(x, axis=1).tolist()
    assert out[0] == -np.inf and out[1] == np.inf and np.isnan(out[2])
    assert abs(out[3] - (1000 + np.log(2))) < 1e-3
    np.testing.assert_allclose(np.asarray(mx.logsumexp(mx.transpose(x), axis=0)), out)
    c = np.array([1 + 1j, 2 - 0.5j], np.complex64)
    np.testing.assert_allclose(mx.logsumexp(mx.array(c)).item(), np.log(np.exp(c).sum()), rtol=1e-5)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ["int16", "bool_", "complex64"])
@pytest.mark.parametrize("precise", [False, True])
def test_softmax(rng, dtype, precise):
    out_dtype = mean_dtype(dtype)
    for a, x in layouts(rng, SHAPE, dtype):
        for axis in [None, 0, 1, -1, (0, 2), (1, 2), (0, 1), (2, 0)]:
            out = mx.softmax(a, axis=axis, precise=precise)
            ref = np_softmax(wide_float(x), np_axis(axis))
            if dtype == "complex64":
                check_complex_softmax(out, x, ref, np_axis(axis))
            else:
                check(out, ref, out_dtype)


def check_complex_softmax(out, x, ref, axis):
    """A complex denominator can nearly cancel, so the error is bounded relative to
    sum|e^x| / |sum e^x| (its conditioning) rather than to each value."""
    e = np.exp(wide_float(x) - np.max(wide_float(x), axis=axis, keepdims=True))
    cond = np.sum(np.abs(e), axis=axis, keepdims=True) / np.abs(np.sum(e, axis=axis, keepdims=True))
    err = np.abs(np.asarray(out).astype(np.complex128) - ref)
    bound = 16 * np.finfo(np.float32).eps * cond * (np.abs(ref) + np.abs(e) / np.sum(np.abs(e), axis=axis, keepdims=True))
    assert (err <= bound).all(), float(np.max(err / bound))


def test_softmax_rows_sum_to_one(rng):
    x = rng.standard_normal((64, 4097)).astype(np.float32) * 30
    out = np.asarray(mx.softmax(mx.array(x), axis=-1))
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(out, np_softmax(x.astype(np.float64), -1), rtol=1e-5, atol=1e-7)
    col = np.asarray(mx.softmax(mx.array(x), axis=0))
    np.testing.assert_allclose(col, np_softmax(x.astype(np.float64), 0), rtol=1e-5, atol=1e-7)
    inf_row = mx.softmax(mx.array([[1.0, np.inf], [-np.inf, 0.0], [np.nan, 0.0]]), axis=1).tolist()
    assert np.isnan(inf_row[0]).all()
    assert inf_row[1] == [0.0, 1.0]
    assert np.isnan(inf_row[2]).all()


def test_softmax_keeps_input_alive(rng):
    x = rng.standard_normal((8, 16)).astype(np.float32)
    a = mx.array(x)
    s = mx.softmax(a, axis=-1)
    mx.eval(s)
    np.testing.assert_array_equal(np.asarray(a), x)  # the input was not overwritten
    t = mx.softmax(a * 2, axis=-1)  # a donated temporary may be overwritten
    np.testing.assert_allclose(np.asarray(t), np_softmax(2 * x.astype(np.float64), -1), rtol=1e-5)


# ---------------------------------------------------------------- large shapes on the GPU

# Row lengths: one thread's registers, one warp, most of a block, the 8192 of the benchmark,
# longer than a block holds (two passes); columns (axis 0) of several shapes.
SOFTMAX_SHAPES = [((64, 1), -1), ((50, 7), -1), ((40, 1000), -1), ((16, 8192), -1),
                  ((3, 40001), -1), ((9000, 3), 0), ((5, 300, 70), 1)]


@pytest.mark.gpu_only
@pytest.mark.usefixtures("on_gpu")
class TestLargeShapesOnGPU:
    """Row lengths and layouts that reach every GPU softmax kernel, and special values against
    the CPU backend. The tests above run on the GPU too with KILN_TEST_DEVICE=gpu."""

    @pytest.mark.parametrize("shape,axis", SOFTMAX_SHAPES, ids=[f"{s}-{a}" for s, a in SOFTMAX_SHAPES])
    @pytest.mark.parametrize("dtype", FLOAT_DTYPES)
    def test_softmax_and_logsumexp(self, rng, shape, axis, dtype):
        x = random_np(rng, shape, dtype, low=-20, high=20)
        a = to_kiln(x, dtype)
        rtol = {"float16": 4e-3, "bfloat16": 2e-2, "float32": 1e-5, "float64": 1e-12}[dtype]
        s = mx.softmax(a, axis=axis)
        assert s.dtype == kdtype(dtype) and s.shape == shape
        np.testing.assert_allclose(to_numpy(s), np_softmax(x, axis), rtol=rtol, atol=rtol * 1e-2)
        lse = mx.logsumexp(a, axis=axis)
        np.testing.assert_allclose(to_numpy(lse), np_logsumexp(x, axis), rtol=rtol, atol=rtol)

    def test_softmax_of_views_and_donated_inputs(self, rng):
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
    def test_softmax_special_values_match_cpu(self, n):
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
