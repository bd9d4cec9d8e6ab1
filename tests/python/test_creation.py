"""Array creation against NumPy: zeros/ones/full, arange, linspace, eye/identity/tri,
tril/triu, meshgrid and the window functions."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import ALL_DTYPES, assert_close, kdtype, layouts, np_dtype, random_np

NUMERIC = [d for d in ALL_DTYPES if d != "bool_"]


# ---- zeros, ones, full and the *_like forms ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_zeros_ones_full(dtype):
    dt, nd = kdtype(dtype), np_dtype(dtype)
    for shape in [(), (0,), (3,), (2, 3, 4), 5]:
        assert_close(mx.zeros(shape, dt), np.zeros(shape, nd))
        assert_close(mx.ones(shape, dt), np.ones(shape, nd))
        assert_close(mx.full(shape, 1, dt), np.full(shape, 1, nd))
        assert mx.zeros(shape, dt).dtype == dt
    x = mx.ones((2, 3), dt)
    assert mx.zeros_like(x).dtype == dt and mx.zeros_like(x).shape == (2, 3)
    assert_close(mx.ones_like(x, mx.int8), np.ones((2, 3), np.int8))
    assert_close(mx.full_like(x, 1), np.full((2, 3), 1, nd))


def test_full_values_and_broadcasting(rng):
    assert mx.full((2,), 3).dtype == mx.int32
    assert mx.full((2,), 2.5).dtype == mx.float32
    assert mx.full((2,), True).dtype == mx.bool_
    assert mx.full((2,), 2.5, mx.int32).tolist() == [2, 2]
    assert mx.full((2,), 2**40).dtype == mx.int64
    row = random_np(rng, (4,), "float32")
    assert_close(mx.full((3, 4), mx.array(row)), np.broadcast_to(row, (3, 4)))
    col = random_np(rng, (3, 1), "int16")
    out = mx.full((2, 3, 5), mx.array(col), mx.float64)
    assert out.dtype == mx.float64
    assert_close(out, np.broadcast_to(col, (2, 3, 5)).astype(np.float64))
    assert_close(mx.full_like(mx.zeros((2, 4)), mx.array(row)), np.broadcast_to(row, (2, 4)))
    with pytest.raises(ValueError):
        mx.full((3, 5), mx.array(row))
    with pytest.raises(ValueError):
        mx.zeros((2, -1))


# ---- sizes that do not fit ----

def test_sizes_that_overflow_raise_naming_the_op():
    # NumPy's rule: an element or byte count past int64 is a ValueError ("array is too big"),
    # zero dimensions included; it used to wrap (size 0) and crash later.
    cases = [
        ("zeros", lambda: mx.zeros((2**32, 2**32))),
        ("zeros", lambda: mx.zeros((2**62,))),  # 2**62 float32 is 2**64 bytes
        ("zeros", lambda: mx.zeros((0, 2**40, 2**40))),
        ("ones", lambda: mx.ones((2**31, 2**31, 4), mx.int8)),
        ("full", lambda: mx.full((2**63 - 1, 2), 1.0)),
        ("linspace", lambda: mx.linspace(0, 1, num=2**62)),
        ("arange", lambda: mx.arange(0, 2**61)),  # 2**61 int64 is 2**64 bytes
        ("eye", lambda: mx.eye(2**32)),
        ("tri", lambda: mx.tri(2**32, 2**32)),
    ]
    for op, make in cases:
        with pytest.raises(ValueError, match=op):
            make()
    for op, make in [("zeros", lambda: mx.zeros((3, -1))), ("ones", lambda: mx.ones(-2)),
                     ("full", lambda: mx.full((-1,), 2)), ("linspace", lambda: mx.linspace(0, 1, -1))]:
        with pytest.raises(ValueError, match=op):
            make()


def test_representable_but_huge_allocation_raises_memory_error():
    x = mx.zeros((2**61,), mx.int8)  # a valid shape: the allocation is what fails
    assert x.size == 2**61
    with pytest.raises(MemoryError):
        mx.eval(x)


# ---- arange ----

ARANGE_CASES = [(10,), (2, 10), (10, 2, -3), (-5, 5, 2), (0.5, 5, 0.7), (5, 0.5, -0.7),
                (0, 1, 0.1), (3, 3), (5, 1), (1, 5, -1), (-2.5, 2.5, 0.25)]


def test_arange_default_dtypes():
    for args in ARANGE_CASES:
        got = mx.arange(*args)
        integral = all(isinstance(a, int) for a in args)
        assert got.dtype == (mx.int32 if integral else mx.float32)
        assert_close(got, np.arange(*args, dtype=np.int32 if integral else np.float32))
    assert mx.arange(2**40, 2**40 + 3).dtype == mx.int64
    assert mx.arange(2**40, 2**40 + 3).tolist() == [2**40, 2**40 + 1, 2**40 + 2]
    assert mx.arange(10, step=3).tolist() == [0, 3, 6, 9]
    assert mx.arange(5, None, 2).tolist() == [0, 2, 4]


def test_arange_widens_to_int64():
    for args in [(2**31, 2**31 + 3), (-2**31 - 2, -2**31 + 2), (2**31 + 5, 2**31 - 2, -3),
                 (0, 3), (2**45, 2**45 + 50, 7)]:
        got = mx.arange(*args)
        fits = all(-2**31 <= v < 2**31 for v in args[:2])
        assert got.dtype == (mx.int32 if fits else mx.int64)
        assert got.tolist() == np.arange(*args, dtype=np.int64).tolist()


def test_arange_integers_stay_exact_past_2_53():
    # Integer bounds are kept as integers: a double would round them (2**60 + 5 was empty).
    for args in [(2**60, 2**60 + 5), (2**53 + 1, 2**53 + 4), (2**62, 2**62 - 10, -3),
                 (-2**63, -2**63 + 3), (2**63 - 4, 2**63 - 1), (0, 2**62, 2**61),
                 (-2**62, 2**62, 2**61 + 7)]:
        got = mx.arange(*args)
        assert got.dtype == mx.int64
        assert got.tolist() == list(range(*args)) == np.arange(*args).tolist()
    # Narrow integer dtypes wrap as NumPy's cast of each value does.
    for args, dtype in [((0, 300, 100), "int8"), ((250, 260, 3), "uint8")]:
        assert mx.arange(*args, dtype=kdtype(dtype)).tolist() == \
            np.arange(*args, dtype=dtype).tolist()
    assert mx.arange(2**60, 2**60 + 3, dtype=mx.float64).tolist() == [2.0**60] * 3
    with pytest.raises(ValueError, match="arange"):
        mx.arange(-2**62, 2**62, 1)  # 2**63 int64 values


def test_arange_keyword_forms():
    # MLX's two signatures: arange(start, stop, step=None, dtype=None) and
    # arange(stop, step=None, dtype=None).
    cases = [
        (dict(stop=5), np.arange(5, dtype=np.int32)),
        (dict(start=2, stop=9), np.arange(2, 9, dtype=np.int32)),
        (dict(start=1, stop=10, step=3, dtype=mx.float32), np.arange(1, 10, 3, dtype=np.float32)),
        (dict(stop=7, step=2), np.arange(0, 7, 2, dtype=np.int32)),
        (dict(stop=2.5), np.arange(2.5, dtype=np.float32)),
        (dict(start=0.5, stop=3.0, step=0.5), np.arange(0.5, 3.0, 0.5, dtype=np.float32)),
        (dict(stop=4, dtype=mx.int64), np.arange(4, dtype=np.int64)),
        (dict(start=3, stop=-3, step=-2, dtype=mx.float16), np.arange(3, -3, -2, dtype=np.float16)),
    ]
    for kwargs, ref in cases:
        got = mx.arange(**kwargs)
        assert got.dtype == kdtype(str(ref.dtype))
        assert_close(got, ref)
    assert_close(mx.arange(6, 1, -2), np.arange(6, 1, -2))
    assert_close(mx.arange(2, 8, dtype=mx.int16), np.arange(2, 8, dtype=np.int16))
    assert_close(mx.arange(5, step=2, dtype=mx.float32), np.arange(0, 5, 2, dtype=np.float32))
    with pytest.raises(TypeError):
        mx.arange(start=2)  # no stop: neither form matches
    with pytest.raises(TypeError, match="arange"):
        mx.arange("5")
    with pytest.raises(TypeError, match="arange"):
        mx.arange(0, 5, "1")


@pytest.mark.parametrize("dtype", NUMERIC)
def test_arange_dtypes(dtype):
    # NumPy's rule: the first two values are cast to the dtype, their difference is the step.
    for args in ARANGE_CASES + [(0.5, 5, 1.5), (0, 5, 0.5), (7.9, 1.2, -2.6)]:
        if dtype.startswith("u") and (min(args) < 0 or (len(args) == 3 and args[2] < 0
                                                        and args[0] - args[2] < 0)):
            continue
        if dtype == "bfloat16":
            # NumPy's float16 recipe with bfloat16 rounding: steps of bf16(start + step) -
            # bf16(start), accumulated in float32.
            start, stop, step = {1: (0, *args, 1), 2: (*args, 1), 3: args}[len(args)]
            bf16 = lambda v: np.asarray(mx.array(np.float32(v)).astype(mx.bfloat16)
                                        .astype(mx.float32))
            first, second = bf16(start), bf16(start + step)
            n = len(np.arange(*args))
            ref = bf16(first + np.arange(n, dtype=np.float32) * (second - first))
            assert_close(mx.arange(*args, dtype=mx.bfloat16), ref)
        else:
            assert_close(mx.arange(*args, dtype=kdtype(dtype)),
                         np.arange(*args, dtype=np_dtype(dtype)))


def test_arange_errors():
    with pytest.raises(ValueError):
        mx.arange(0, 5, 0)
    with pytest.raises(ValueError):
        mx.arange(0, 5, dtype=mx.bool_)
    with pytest.raises(ValueError):
        mx.arange(0, float("inf"))
    with pytest.raises(ValueError):
        mx.arange(0, 1e30, 1e-30)


# ---- linspace ----

LINSPACE_CASES = [(0, 1, 5, True), (0, 1, 5, False), (-3.5, 7.25, 50, True), (2, -2, 9, True),
                  (1, 10, 1, True), (1, 10, 1, False), (1, 10, 0, True), (0, 1e-310, 3, True),
                  (-5, 5, 7, False), (3, 3, 4, True)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64", "uint8",
                                   "int8", "bool_"])
def test_linspace(dtype):
    for start, stop, num, endpoint in LINSPACE_CASES:
        if dtype == "uint8" and min(start, stop) < 0:
            continue
        got = mx.linspace(start, stop, num, endpoint, dtype=kdtype(dtype))
        expect = np.linspace(start, stop, num, endpoint, dtype=np_dtype(dtype))
        assert got.dtype == kdtype(dtype)
        if dtype == "float64":
            np.testing.assert_array_equal(np.asarray(got), expect)  # same formula, exactly
        else:
            assert_close(got, expect)
    assert mx.linspace(0, 1).shape == (50,) and mx.linspace(0, 1).dtype == mx.float32
    with pytest.raises(ValueError):
        mx.linspace(0, 1, -1)


# ---- eye, identity, tri, tril, triu ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_eye_identity_tri(dtype):
    dt, nd = kdtype(dtype), np_dtype(dtype)
    for n, m, k in [(3, None, 0), (3, 5, 1), (5, 3, -2), (4, 4, 7), (4, 4, -7), (0, 3, 0),
                    (1, 1, 0)]:
        assert_close(mx.eye(n, m, k, dt), np.eye(n, m, k, nd))
        assert_close(mx.tri(n, m, k, dt), np.tri(n, m, k, nd))
    assert_close(mx.identity(4, dt), np.identity(4, nd))
    assert mx.eye(3).dtype == mx.float32 and mx.tri(2).dtype == mx.float32
    with pytest.raises(ValueError):
        mx.eye(-1)
    with pytest.raises(ValueError):
        mx.tri(2, -3)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_tril_triu(rng, dtype):
    for shape in [(4, 6), (6, 4), (2, 3, 5)]:
        for x, ref in layouts(rng, shape, dtype):
            for k in [0, 1, -1, 3, -8]:
                assert_close(mx.tril(x, k), np.tril(ref, k))
                assert_close(mx.triu(x, k), np.triu(ref, k))
                assert mx.tril(x, k).dtype == x.dtype
    assert mx.tril(mx.zeros((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError):
        mx.tril(mx.zeros((3,)))
    with pytest.raises(ValueError):
        mx.triu(mx.array(1))


# ---- meshgrid ----

@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(rng, indexing, sparse):
    for shapes, dtypes in [([(3,), (4,)], ["float32", "int32"]),
                           ([(2,), (3,), (5,)], ["int8", "float16", "bool_"]),
                           ([(4,)], ["float64"]), ([(0,), (3,)], ["float32", "float32"]),
                           ([(2, 2), (3,)], ["int64", "uint16"])]:
        xs = [random_np(rng, s, d) for s, d in zip(shapes, dtypes)]
        got = mx.meshgrid(*[mx.array(x) for x in xs], sparse=sparse, indexing=indexing)
        expect = np.meshgrid(*xs, sparse=sparse, indexing=indexing)
        assert isinstance(got, list) and len(got) == len(expect)
        for g, e in zip(got, expect):
            assert_close(g, e)
    assert mx.meshgrid() == []
    with pytest.raises(ValueError):
        mx.meshgrid(mx.zeros((2,)), indexing="yx")


# ---- windows ----

@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
def test_windows(name):
    for M in [-3, 0, 1, 2, 5, 12, 101]:
        got = getattr(mx, name)(M)
        assert got.dtype == mx.float32
        assert_close(got, getattr(np, name)(M), atol=1e-6, rtol=1e-5)
