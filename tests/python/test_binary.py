"""Binary and ternary elementwise ops against NumPy: every op over every dtype it supports,
layouts and broadcasting, empty and 0-d, weak Python scalars, reflected and in-place
operators, integer edge cases (division by zero, shifts, negative powers), nan/inf handling,
isclose, where, clip, and errors for unsupported dtypes and shapes."""

import operator

import numpy as np
import pytest

import kiln.core as mx
from helpers import (ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, keep_f64, kdtype, layouts,
                     random_np, to_kiln, to_numpy)

COMPLEX = ["complex64"]
NUMERIC = INT_DTYPES + FLOAT_DTYPES
SIGNED = ["int8", "int16", "int32", "int64"]


def _np_compute_dtype(dtype):
    """The NumPy dtype a reference computes in: 16-bit floats round once from float32, as
    Kiln's kernels do; complex64 is compared against complex128."""
    special = {"float16": np.float32, "bfloat16": np.float32, "complex64": np.complex128,
               "bool_": np.bool_}
    return special[dtype] if dtype in special else np.dtype(dtype).type


def _np_power(a, b):
    # NumPy refuses negative integer exponents; Kiln gives the truncated result (0 except for
    # bases 1 and -1), as integer division would.
    if a.dtype.kind in "iu" and (np.asarray(b) < 0).any():
        neg = b < 0
        safe = np.where(neg, 0, b).astype(b.dtype)
        out = np.power(a, safe)
        trunc = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
        return np.where(neg, trunc, out).astype(a.dtype)
    return np.power(a, b)


def _np_logaddexp(a, b):
    # NumPy refuses complex logaddexp; MLX (and Kiln) shift by the operand with the larger
    # real part.
    if a.dtype.kind != "c":
        return np.logaddexp(a, b)
    a, b = np.broadcast_arrays(a, b)
    hi = np.where(a.real >= b.real, a, b)
    lo = np.where(a.real >= b.real, b, a)
    keep = (lo.real == -np.inf) | (hi.real == np.inf)
    return np.where(keep, hi, hi + np.log1p(np.exp(lo - hi)))


# name -> (reference, supported dtypes, result dtype rule)
SAME = lambda d: d  # noqa: E731
TO_FLOAT = lambda d: d if d in FLOAT_DTYPES + COMPLEX else "float32"  # noqa: E731
TO_INT = lambda d: "int32" if d == "bool_" else d  # noqa: E731
BOOL = lambda d: "bool_"  # noqa: E731

BINARY = {
    "add": (np.add, ALL_DTYPES, SAME),
    "subtract": (np.subtract, NUMERIC + COMPLEX, SAME),
    "multiply": (np.multiply, ALL_DTYPES, SAME),
    "divide": (np.true_divide, ALL_DTYPES, TO_FLOAT),
    "floor_divide": (np.floor_divide, ["bool_"] + NUMERIC, TO_INT),
    "remainder": (np.remainder, ["bool_"] + NUMERIC, TO_INT),
    "power": (_np_power, ALL_DTYPES, TO_INT),
    "maximum": (np.maximum, ALL_DTYPES, SAME),
    "minimum": (np.minimum, ALL_DTYPES, SAME),
    "logaddexp": (_np_logaddexp, ["bool_"] + NUMERIC + COMPLEX, TO_FLOAT),
    "arctan2": (np.arctan2, ["bool_"] + NUMERIC, TO_FLOAT),
    "equal": (np.equal, ALL_DTYPES, BOOL),
    "not_equal": (np.not_equal, ALL_DTYPES, BOOL),
    "less": (np.less, ALL_DTYPES, BOOL),
    "less_equal": (np.less_equal, ALL_DTYPES, BOOL),
    "greater": (np.greater, ALL_DTYPES, BOOL),
    "greater_equal": (np.greater_equal, ALL_DTYPES, BOOL),
    "logical_and": (np.logical_and, ALL_DTYPES, BOOL),
    "logical_or": (np.logical_or, ALL_DTYPES, BOOL),
    "logical_xor": (np.logical_xor, ALL_DTYPES, BOOL),
    "bitwise_and": (np.bitwise_and, ["bool_"] + INT_DTYPES, SAME),
    "bitwise_or": (np.bitwise_or, ["bool_"] + INT_DTYPES, SAME),
    "bitwise_xor": (np.bitwise_xor, ["bool_"] + INT_DTYPES, SAME),
    "left_shift": (np.left_shift, ["bool_"] + INT_DTYPES, lambda d: "uint8" if d == "bool_" else d),
    "right_shift": (np.right_shift, ["bool_"] + INT_DTYPES, lambda d: "uint8" if d == "bool_" else d),
}


def _complex_lexicographic(name, a, b):
    """NumPy 1.x orders complex numbers lexicographically too, but maximum/minimum and the
    comparisons are spelled out here so the test does not depend on its version."""
    lt = (a.real < b.real) | ((a.real == b.real) & (a.imag < b.imag))
    eq = (a.real == b.real) & (a.imag == b.imag)
    return {"less": lt, "less_equal": lt | eq, "greater": ~(lt | eq), "greater_equal": ~lt,
            "maximum": np.where(lt, b, a), "minimum": np.where(lt | eq, a, b)}[name]


def _inputs(rng, name, shape, dtype):
    a = random_np(rng, shape, dtype)
    b = random_np(rng, shape, dtype)
    if name == "power":
        if dtype in INT_DTYPES:
            b = rng.integers(0, 4, size=shape).astype(dtype)  # keep magnitudes small
        elif dtype in FLOAT_DTYPES:
            a = np.abs(a)
    if name in ("left_shift", "right_shift") and dtype != "bool_":
        b = rng.integers(0, 8 * np.dtype(dtype).itemsize + 2, size=shape).astype(dtype)
    return a, b


def _reference(name, a, b, dtype):
    fn = BINARY[name][0]
    if dtype == "complex64" and name in ("less", "less_equal", "greater", "greater_equal",
                                         "maximum", "minimum"):
        return _complex_lexicographic(name, a.astype(np.complex128), b.astype(np.complex128))
    if dtype == "bool_" and name in ("floor_divide", "remainder", "power"):
        return fn(a.astype(np.int32), b.astype(np.int32))
    if dtype == "bool_" and name in ("left_shift", "right_shift"):
        return fn(a.astype(np.uint8), b.astype(np.uint8))
    if dtype in INT_DTYPES + ["bool_"] and BINARY[name][2] is TO_FLOAT:
        return fn(a.astype(np.float64), b.astype(np.float64))
    cd = _np_compute_dtype(dtype)
    with np.errstate(all="ignore"):
        return fn(a.astype(cd), b.astype(cd))


def _check(name, out, a, b, dtype):
    out_dtype = BINARY[name][2](dtype)
    assert out.dtype == kdtype(out_dtype), (name, dtype, out.dtype)
    with np.errstate(all="ignore"):
        expected = _reference(name, np.asarray(a), np.asarray(b), dtype)
        if out_dtype == "float16":
            expected = expected.astype(np.float16)  # overflows to inf as the result does
    assert_close(out, expected, dtype=out_dtype if out_dtype != "bool_" else None)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_binary_ops(rng, name, dtype):
    op = getattr(mx, name)
    if dtype not in BINARY[name][1]:
        a = to_kiln(random_np(rng, (3,), dtype), dtype)
        with pytest.raises(ValueError):
            op(a, a)
        return
    # Shapes: 0-d, empty, 1-d, and broadcasting pairs.
    for sa, sb in [((), ()), ((0,), (0,)), ((0, 3), (1, 3)), ((7,), (7,)), ((3, 1), (1, 4)),
                   ((4,), (3, 4)), ((), (2, 3)), ((2, 3, 4), (3, 1))]:
        a, _ = _inputs(rng, name, sa, dtype)
        _, b = _inputs(rng, name, sb, dtype)
        _check(name, op(to_kiln(a, dtype), to_kiln(b, dtype)), a, b, dtype)
    # Every pair of layouts (contiguous, transposed, broadcast).
    la = layouts(rng, (4, 5), dtype)
    lb = layouts(rng, (4, 5), dtype)
    if name in ("power", "left_shift", "right_shift") and dtype != "bool_":
        _, b = _inputs(rng, name, (4, 5), dtype)
        lb = [(to_kiln(b, dtype), b), (to_kiln(np.ascontiguousarray(b.T), dtype).T, b)]
    for ka, na in la:
        for kb, nb in lb:
            if name == "power" and dtype in FLOAT_DTYPES:
                ka, na = mx.abs(ka), np.abs(na)
            _check(name, op(ka, kb), na, nb, dtype)


def test_large_dense_and_donation(rng):
    # Longer than the parallel grain and the 16-bit block; one operand donated.
    for dtype in ("float32", "float16", "bfloat16", "int16", "float64"):
        a = random_np(rng, (70001,), dtype)
        b = random_np(rng, (70001,), dtype)
        out = (to_kiln(a, dtype) * 1) + to_kiln(b, dtype)
        assert_close(out, a.astype(_np_compute_dtype(dtype)) + b, dtype=dtype)
        out = mx.maximum(to_kiln(a, dtype), 0.5)
        assert_close(out, np.maximum(a.astype(_np_compute_dtype(dtype)), 0.5), dtype=dtype)


# ------------------------------------------------------------------ edge semantics


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_division_by_zero_and_signs(dtype):
    info = np.iinfo(dtype)
    vals = [0, 1, 7, info.max, info.min] + ([-1, -7, info.min + 1] if info.min < 0 else [])
    v = np.array(vals, dtype)
    a, b = [x.ravel() for x in np.meshgrid(v, np.append(v, np.array([0, 3], dtype)))]
    with np.errstate(all="ignore"):
        q, r = np.floor_divide(a, b), np.remainder(a, b)
    ka, kb = mx.array(a), mx.array(b)
    np.testing.assert_array_equal(np.array(mx.floor_divide(ka, kb)), q)
    np.testing.assert_array_equal(np.array(mx.remainder(ka, kb)), r)
    np.testing.assert_array_equal(np.array(ka // kb), q)
    np.testing.assert_array_equal(np.array(ka % kb), r)
    dq, dr = mx.divmod(ka, kb)
    np.testing.assert_array_equal(np.array(dq), q)
    np.testing.assert_array_equal(np.array(dr), r)


def test_float_floor_divide_remainder_specials():
    v = np.array([0.0, -0.0, 1.0, -1.0, 7.5, -7.5, 1e30, np.inf, -np.inf, np.nan], np.float64)
    a, b = [x.ravel() for x in np.meshgrid(v, v)]
    for dtype in ("float32", "float64"):
        x, y = a.astype(dtype), b.astype(dtype)
        with np.errstate(all="ignore"):
            for name in ("floor_divide", "remainder"):
                got = np.array(getattr(mx, name)(keep_f64(x), keep_f64(y)))
                ref = getattr(np, name)(x, y)
                np.testing.assert_array_equal(got, ref, err_msg=name)
                np.testing.assert_array_equal(np.signbit(got[got == 0]), np.signbit(ref[ref == 0]))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_shifts_past_the_width(dtype):
    bits = 8 * np.dtype(dtype).itemsize
    info = np.iinfo(dtype)
    sh = np.array([0, 1, bits - 1, bits, bits + 1, 2 * bits - 1] + [min(200, info.max)], dtype)
    for x in (info.max, info.min + (1 if info.min < 0 else 0), 1, 0):
        xs = np.full(sh.shape, x, dtype)
        np.testing.assert_array_equal(np.array(mx.left_shift(mx.array(xs), mx.array(sh))),
                                      np.left_shift(xs, sh))
        np.testing.assert_array_equal(np.array(mx.right_shift(mx.array(xs), mx.array(sh))),
                                      np.right_shift(xs, sh))
    if info.min < 0:  # negative shift counts give 0 (left) or the sign fill (right)
        assert mx.left_shift(mx.array([5], dtype=kdtype(dtype)), -1).tolist() == [0]
        assert mx.right_shift(mx.array([-5], dtype=kdtype(dtype)), -1).tolist() == [-1]
    assert mx.left_shift(mx.array([True]), mx.array([True])).dtype == mx.uint8


@pytest.mark.parametrize("dtype", SIGNED)
def test_integer_power_negative_exponents(dtype):
    base = mx.array([2, 1, -1, -1, 0, 3, -2], dtype=kdtype(dtype))
    exp = mx.array([-1, -5, -3, -4, 2, 0, 3], dtype=kdtype(dtype))
    assert mx.power(base, exp).tolist() == [0, 1, -1, 1, 0, 1, -8]
    assert (base ** -1).tolist() == [0, 1, -1, -1, 0, 0, 0]
    assert mx.power(mx.array(0, dtype=kdtype(dtype)), mx.array(-1, dtype=kdtype(dtype))).item() == 0


def test_maximum_minimum_nan_and_zeros():
    nan = float("nan")
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        a = mx.array([nan, 1.0, nan, -1.0], dtype=kdtype(dtype))
        b = mx.array([1.0, nan, nan, 2.0], dtype=kdtype(dtype))
        for fn in (mx.maximum, mx.minimum):
            got = fn(a, b).astype(mx.float32).tolist()
            assert all(np.isnan(got[:3])) and not np.isnan(got[3])
    z = mx.array([complex(nan, 0), 1 + 1j], dtype=mx.complex64)
    w = mx.array([1 + 0j, complex(0, nan)], dtype=mx.complex64)
    assert np.isnan(np.array(mx.maximum(z, w))).all()
    assert np.isnan(np.array(mx.minimum(z, w))).all()
    assert mx.maximum(mx.array([-0.0]), mx.array([0.0])).item() == 0.0


def test_logaddexp_and_arctan2_specials():
    inf, nan = np.inf, np.nan
    v = np.array([inf, -inf, nan, 0.0, -0.0, 1.0, -1e30, 1e30, 700.0], np.float64)
    a, b = [x.ravel() for x in np.meshgrid(v, v)]
    for dtype in ("float32", "float64"):
        x, y = a.astype(dtype), b.astype(dtype)
        with np.errstate(all="ignore"):
            for name in ("logaddexp", "arctan2"):
                got = np.array(getattr(mx, name)(mx.array(x), mx.array(y)))
                ref = getattr(np, name)(x, y)
                np.testing.assert_allclose(got, ref, rtol=1e-6, atol=0, equal_nan=True,
                                           err_msg=name)
                np.testing.assert_array_equal(np.signbit(got[ref == 0]), np.signbit(ref[ref == 0]))


def test_comparisons_with_nan():
    a = mx.array([float("nan"), 1.0])
    b = mx.array([float("nan"), float("nan")])
    for fn in (mx.equal, mx.less, mx.less_equal, mx.greater, mx.greater_equal):
        assert fn(a, b).tolist() == [False, False]
    assert mx.not_equal(a, b).tolist() == [True, True]


# ------------------------------------------------------------------ Python operators


ARITH = [
    (operator.add, "add"), (operator.sub, "subtract"), (operator.mul, "multiply"),
    (operator.truediv, "divide"), (operator.floordiv, "floor_divide"),
    (operator.mod, "remainder"), (operator.pow, "power"),
]
BITWISE = [(operator.and_, "bitwise_and"), (operator.or_, "bitwise_or"),
           (operator.xor, "bitwise_xor"), (operator.lshift, "left_shift"),
           (operator.rshift, "right_shift")]
COMPARE = [(operator.lt, "less"), (operator.le, "less_equal"), (operator.gt, "greater"),
           (operator.ge, "greater_equal"), (operator.eq, "equal"), (operator.ne, "not_equal")]


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "int64", "float16", "bfloat16",
                                   "float32", "float64"])
def test_weak_scalars_and_reflected(rng, dtype):
    x = random_np(rng, (3, 4), dtype, 1.0, 4.0)
    if dtype in INT_DTYPES:
        x = np.abs(x) % 5 + 1
    k = to_kiln(x, dtype)
    ops = ARITH + COMPARE + (BITWISE if dtype in INT_DTYPES else [])
    for fn, name in ops:
        for s in (2, 3.0) if dtype in FLOAT_DTYPES else (2,):
            for out, ref_a, ref_b in ((fn(k, s), x, s), (fn(s, k), s, x)):
                exp_dtype = BINARY[name][2](dtype)
                assert out.dtype == kdtype(exp_dtype), (name, dtype, s, out.dtype)
                with np.errstate(all="ignore"):
                    cd = _np_compute_dtype(dtype) if exp_dtype == dtype else np.float64
                    ra = np.asarray(ref_a).astype(cd) if isinstance(ref_a, np.ndarray) else ref_a
                    rb = np.asarray(ref_b).astype(cd) if isinstance(ref_b, np.ndarray) else rb_default(ref_b, cd)
                    ref = getattr(np, "true_divide" if name == "divide" else name)(ra, rb)
                assert_close(out, np.asarray(ref).astype(np.float64) if exp_dtype != "bool_" and
                             exp_dtype not in INT_DTYPES else ref,
                             dtype=exp_dtype if exp_dtype != "bool_" else None)
    # A Python float next to an integer array promotes it to float32.
    if dtype in INT_DTYPES:
        assert (k + 1.5).dtype == mx.float32
        assert (k * 2).dtype == kdtype(dtype)


def rb_default(v, cd):
    return v


def test_inplace_operators():
    a = mx.array([1, 2, 3])
    b = a
    c = a + 0
    a += 1
    # As in MLX (and NumPy), the update is seen through every name of the array object.
    assert a.tolist() == [2, 3, 4] and b.tolist() == [2, 3, 4] and c.tolist() == [1, 2, 3]
    a *= 3
    a -= 1
    a //= 2
    a %= 4
    a **= 2
    ref = ((((np.array([2, 3, 4]) * 3) - 1) // 2) % 4) ** 2
    assert a.tolist() == ref.tolist() and a.dtype == mx.int32
    a <<= 2
    a >>= 1
    a |= 1
    a &= 7
    a ^= 2
    ref = ((((ref << 2) >> 1) | 1) & 7) ^ 2
    assert a.tolist() == ref.tolist()
    f = mx.array([1.0, 2.0], dtype=mx.float16)
    f /= 2
    assert f.dtype == mx.float16 and f.tolist() == [0.5, 1.0]
    with pytest.raises(ValueError):
        f <<= 1


def test_operators_with_numpy_and_lists():
    a = mx.array([1.0, 2.0, 3.0])
    assert_close(a + np.array([1.0, 1.0, 1.0]), np.array([2.0, 3.0, 4.0]))
    assert_close(np.float32(2) * a, np.array([2.0, 4.0, 6.0]))
    # MLX: a list or tuple is not an array to the operators: == and != compare it as
    # "not an array", and arithmetic or ordering with it raises a ValueError naming the op.
    assert (a == [1.0, 0.0, 3.0]) is False and (a != (1.0, 2.0, 3.0)) is True
    assert (a == "text") is False and (a != None) is True  # noqa: E711
    for expr, op in [(lambda: a + [1, 1, 1], "add"), (lambda: [1, 1, 1] - a, "subtract"),
                     (lambda: a * (2,), "multiply"), (lambda: a < [1], "less"),
                     (lambda: a ** [2], "power")]:
        with pytest.raises(ValueError, match=op):
            expr()
    b = a
    with pytest.raises(ValueError, match="add"):
        b += [1, 1, 1]
    assert b is a and a.tolist() == [1.0, 2.0, 3.0]
    # The functions still take lists, as NumPy's do.
    assert mx.add(a, [1, 1, 1]).tolist() == [2.0, 3.0, 4.0]
    with pytest.raises(TypeError):
        a + "text"
    with pytest.raises(TypeError):
        a < object()


def test_python_ints_must_fit_the_array_dtype():
    # MLX: a Python int combined with an integer array takes its dtype, and one that does not
    # fit raises instead of wrapping.
    big = mx.array(2_000_000_000, dtype=mx.int32)
    with pytest.raises(ValueError, match="add"):
        big + 3_000_000_000
    with pytest.raises(ValueError, match="add"):
        3_000_000_000 + big
    with pytest.raises(ValueError, match="subtract"):
        mx.subtract(big, -2**31 - 1)
    with pytest.raises(ValueError, match="add"):
        big += 2**40
    assert big.item() == 2_000_000_000
    cases = [("int8", 128), ("int8", -129), ("uint8", -1), ("uint8", 256), ("int16", 2**15),
             ("uint16", -1), ("uint32", 2**32), ("int64", 2**63), ("int64", -2**63 - 1),
             ("uint64", 2**64), ("uint64", -1)]
    for dtype, v in cases:
        x = mx.array([1, 2], dtype=kdtype(dtype))
        for fn in (mx.multiply, mx.maximum, mx.equal, mx.bitwise_or):
            if -2**63 <= v < 2**64:
                with pytest.raises(ValueError, match=fn.__name__):
                    fn(x, v)
            else:  # no C++ integer holds it: the conversion's OverflowError
                with pytest.raises(OverflowError):
                    fn(x, v)
        with pytest.raises((ValueError, OverflowError)):
            mx.where(mx.array([True, False]), x, v)
        with pytest.raises((ValueError, OverflowError)):
            mx.clip(x, None, v)
    # The limits themselves fit, and the results match NumPy's.
    for dtype, v in [("int8", 127), ("int8", -128), ("uint8", 255), ("uint8", 0),
                     ("int64", 2**63 - 1), ("uint64", 2**64 - 1), ("int32", -2**31)]:
        ref = np.array([0, 1], dtype=dtype)
        x = mx.array(ref)
        assert (x | v).dtype == kdtype(dtype)
        assert (x | v).tolist() == (ref | np.array(v, dtype=dtype)).tolist()
        assert mx.maximum(x, v).tolist() == np.maximum(ref, np.array(v, dtype=dtype)).tolist()
    # Float arrays take any int (it becomes a float), as do Python scalars on both sides.
    assert (mx.array([1.0]) + 2**40).dtype == mx.float32
    assert (mx.array(2) ** 0.5).dtype == mx.float32


def test_inplace_operators_keep_the_dtype(rng):
    # An in-place operator stores into its array's dtype: a result of the same kind casts
    # back (NumPy's same_kind rule), a float result into an integer array raises.
    x = random_np(rng, (3, 4), "float16")
    y = random_np(rng, (3, 4), "float32")
    a = mx.array(x)
    a += mx.array(y)
    assert a.dtype == mx.float16
    assert_close(a, (x.astype(np.float32) + y).astype(np.float16), dtype="float16")
    i8 = np.array([100, -100, 5], np.int8)
    k = mx.array(i8)
    k *= mx.array([3, 3, 3], dtype=mx.int32)
    assert k.dtype == mx.int8 and k.tolist() == (i8.astype(np.int32) * 3).astype(np.int8).tolist()
    for dtype, other, op in [("int32", mx.array([1.5]), "add"), ("int32", 2.5, "multiply"),
                             ("int32", 2, "divide"), ("uint8", mx.array([1], mx.int8), "add"),
                             ("float32", mx.array([1j]), "subtract")]:
        a = mx.array([1, 2], dtype=kdtype(dtype))
        before = a
        with pytest.raises(ValueError, match=op):
            if op == "add":
                a += other
            elif op == "multiply":
                a *= other
            elif op == "divide":
                a /= other
            else:
                a -= other
        assert a is before and a.dtype == kdtype(dtype) and a.tolist() == [1, 2]
    b = mx.array([True, False])
    b |= mx.array([False, False])
    assert b.dtype == mx.bool_ and b.tolist() == [True, False]


# ------------------------------------------------------------------ promotion and errors


@pytest.mark.parametrize("a,b", [("int8", "uint8"), ("int32", "float16"), ("uint64", "int64"),
                                 ("float16", "bfloat16"), ("bool_", "int16"),
                                 ("float64", "complex64"), ("uint32", "int32")])
def test_mixed_dtypes(rng, a, b):
    x = random_np(rng, (3, 4), a)
    y = random_np(rng, (4,), b)
    out = mx.add(to_kiln(x, a), to_kiln(y, b))
    res = mx.result_type(to_kiln(x, a), to_kiln(y, b))
    assert out.dtype == res
    name = str(res).split(".")[-1]
    ref = x.astype(np.complex128 if name == "complex64" else np.float64) + y.astype(
        np.complex128 if name == "complex64" else np.float64)
    assert_close(out, ref.astype(np.complex64 if name == "complex64" else np.float64)
                 if name not in INT_DTYPES else ref.astype(name), dtype=name)


def test_binary_errors():
    f = mx.array([1.0, 2.0])
    i = mx.array([1, 2])
    b = mx.array([True, False])
    c = mx.array([1 + 1j])
    for fn in (mx.bitwise_and, mx.bitwise_or, mx.bitwise_xor, mx.left_shift, mx.right_shift):
        with pytest.raises(ValueError, match=fn.__name__):
            fn(f, i)
    with pytest.raises(ValueError, match="subtract"):
        b - b
    for fn in (mx.floor_divide, mx.remainder, mx.arctan2):  # complex logaddexp works
        with pytest.raises(ValueError):
            fn(c, c)
    with pytest.raises(ValueError, match="broadcast"):
        mx.add(mx.zeros((2, 3)), mx.zeros((3, 2)))
    with pytest.raises(ValueError, match="broadcast"):
        mx.where(mx.zeros((2,), mx.bool_), mx.zeros((3,)), 1.0)
    with pytest.raises(ValueError, match="clip"):
        mx.clip(f, None, None)
    with pytest.raises(ValueError, match="broadcast"):
        mx.isclose(mx.zeros((2,)), mx.zeros((3,)))


# ------------------------------------------------------------------ isclose


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_isclose(rng, dtype):
    a = random_np(rng, (5, 6), dtype)
    b = a + (random_np(rng, (5, 6), dtype) * 1e-6 if dtype in FLOAT_DTYPES + COMPLEX else 0)
    if dtype in FLOAT_DTYPES:
        b = b.astype(a.dtype)
        a[0, :4] = [np.inf, -np.inf, np.nan, np.inf]
        b[0, :4] = [np.inf, np.inf, np.nan, 1e30]
    ka, kb = to_kiln(a, dtype), to_kiln(np.asarray(b), dtype)
    b = to_numpy(kb)  # the values the kiln array holds (bfloat16 rounds b)
    cd = np.complex128 if dtype == "complex64" else np.float64
    for kw in ({}, {"rtol": 1e-2, "atol": 0.5}, {"equal_nan": True}):
        out = mx.isclose(ka, kb, **kw)
        assert out.dtype == mx.bool_
        ref = np.isclose(a.astype(cd), np.asarray(b).astype(cd), **kw)
        if dtype in ("float16", "bfloat16"):
            # The tolerance is applied in the array's precision; check only clear-cut cases.
            diff = np.abs(a.astype(np.float64) - np.asarray(b).astype(np.float64))
            tol = kw.get("atol", 1e-8) + kw.get("rtol", 1e-5) * np.abs(np.asarray(b, np.float64))
            clear = ~np.isfinite(diff) | (np.abs(diff - tol) > 0.05 * tol + 1e-3)
            np.testing.assert_array_equal(np.array(out)[clear], ref[clear])
        else:
            np.testing.assert_array_equal(np.array(out), ref)
    # broadcasting, scalars, transposed layout
    np.testing.assert_array_equal(np.array(mx.isclose(ka.T, kb.T)),
                                  np.isclose(a.T.astype(cd), np.asarray(b).T.astype(cd)))
    assert mx.isclose(ka, ka).shape == (5, 6)
    assert mx.isclose(mx.array(1.0), 1.0 + 1e-9).item() is True
    assert mx.isclose(mx.array([1.0, 2.0]), 1.0).tolist() == [True, False]
    assert mx.isclose(mx.zeros((0, 3)), mx.zeros((1, 3))).shape == (0, 3)


def test_isclose_asymmetric_and_inf():
    # |a - b| <= atol + rtol |b|: the tolerance scales with b only, as in NumPy.
    assert mx.isclose(mx.array(1.0), mx.array(1.8), rtol=0.5, atol=0).item() is True
    assert mx.isclose(mx.array(1.8), mx.array(1.0), rtol=0.5, atol=0).item() is False
    inf = float("inf")
    got = mx.isclose(mx.array([inf, inf, -inf, 1e38]), mx.array([inf, -inf, -inf, inf]),
                     rtol=1.0, atol=inf).tolist()
    assert got == [True, False, True, False]


# ------------------------------------------------------------------ where, clip


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_where(rng, dtype):
    for shape_c, shape_x, shape_y in [((), (), ()), ((0, 2), (0, 2), (1, 2)), ((9,), (9,), (9,)),
                                      ((3, 1), (1, 4), (3, 4)), ((2, 3, 4), (4,), ())]:
        c = rng.random(shape_c) < 0.5
        x = random_np(rng, shape_x, dtype)
        y = random_np(rng, shape_y, dtype)
        out = mx.where(mx.array(c), to_kiln(x, dtype), to_kiln(y, dtype))
        assert out.dtype == kdtype(dtype)
        assert_close(out, np.where(c, x, y))
    for (kx, nx), (ky, ny) in zip(layouts(rng, (4, 5), dtype), layouts(rng, (4, 5), dtype)[::-1]):
        for kc, nc in layouts(rng, (4, 5), "bool_"):
            assert_close(mx.where(kc, kx, ky), np.where(nc, nx, ny))
    # A numeric condition is tested against zero; scalars are weak.
    out = mx.where(mx.array([0, 2, 0]), mx.array([1, 2, 3], dtype=mx.int8), 7)
    assert out.dtype == mx.int8 and out.tolist() == [7, 2, 7]
    assert mx.where(True, 1.5, mx.array([1.0], dtype=mx.float16)).dtype == mx.float16


def test_where_large_dense_donates(rng):
    c = rng.random(100_003) < 0.3
    x = rng.standard_normal(100_003).astype(np.float32)
    y = rng.standard_normal(100_003).astype(np.float32)
    out = mx.where(mx.array(c), mx.array(x) * 1, mx.array(y))
    np.testing.assert_array_equal(np.array(out), np.where(c, x, y))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "float16", "bfloat16",
                                   "float32", "float64"])
def test_clip(rng, dtype):
    for k, n in layouts(rng, (4, 5), dtype):
        n = np.asarray(n)
        lo, hi = (-2, 3) if dtype in INT_DTYPES else (-1.5, 2.5)
        if dtype.startswith("u"):
            lo = 1
        assert_close(mx.clip(k, lo, hi), np.clip(n, lo, hi), dtype=dtype)
        assert_close(mx.clip(k, None, hi), np.minimum(n, hi), dtype=dtype)
        assert_close(mx.clip(k, lo, None), np.maximum(n, lo), dtype=dtype)
        assert mx.clip(k, lo, hi).dtype == kdtype(dtype)
    x = random_np(rng, (3, 4), dtype)
    lo = random_np(rng, (4,), dtype)
    hi = lo + (3 if dtype in INT_DTYPES else 3.0)
    hi = hi.astype(lo.dtype)
    out = mx.clip(to_kiln(x, dtype), to_kiln(lo, dtype), to_kiln(hi, dtype))
    assert_close(out, np.minimum(np.maximum(x, lo), hi), dtype=dtype)
    assert mx.clip(mx.array(float("nan")), 0.0, 1.0).item() != mx.clip(mx.array(float("nan")), 0.0, 1.0).item()


def test_outputs_past_the_streaming_threshold(rng):
    # Outputs of 16 MiB and more are written with streaming stores in 1 KiB blocks; odd sizes
    # give unaligned piece boundaries and tails.
    n = (1 << 22) + 37
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    kx, ky = keep_f64(x), keep_f64(y)
    np.testing.assert_array_equal(np.array(kx + ky), x + y)
    np.testing.assert_array_equal(np.array(kx < ky), x < y)
    np.testing.assert_array_equal(np.array(mx.abs(kx)), np.abs(x))
    np.testing.assert_array_equal(np.array(mx.where(kx > 0, kx, ky)), np.where(x > 0, x, y))
    col = rng.standard_normal((2049, 1)).astype(np.float32)
    row = rng.standard_normal((1, 2053)).astype(np.float32)
    np.testing.assert_array_equal(np.array(keep_f64(col) * keep_f64(row)), col * row)
    np.testing.assert_array_equal(np.array(keep_f64(x.astype(np.float64)) - 1.0), x.astype(np.float64) - 1.0)


def test_weak_scalars_are_pythons_own_numbers(rng):
    # A Python float (NumPy's float64 subclasses it) is weak next to an array, as in MLX;
    # other NumPy scalars carry their own dtype.
    h = mx.array(random_np(rng, (3,), "float16"))
    assert (h + np.float64(2)).dtype == mx.float16
    assert (h * 2.0).dtype == mx.float16
    assert (h + np.float32(2)).dtype == mx.float32
    assert (mx.array([1, 2], dtype=mx.int8) + np.int64(1)).dtype == mx.int64
    # A bool array takes a large weak int as a strong one would, instead of refusing it.
    b = mx.array([True, False])
    assert (b + 2**40).dtype == mx.int64 and (b + 2**40).tolist() == [2**40 + 1, 2**40]
    # The range check covers every weak-scalar argument, not only the operators'.
    with pytest.raises(ValueError, match="pad"):
        mx.pad(mx.array([1, 2], dtype=mx.int8), 1, constant_values=1000)


def test_matmul_operators_follow_the_operator_rules(rng):
    x, y = random_np(rng, (3, 4), "float32"), random_np(rng, (4, 2), "float32")
    a, b = mx.array(x), mx.array(y)
    assert_close(a @ b, x @ y)
    assert_close(b.__rmatmul__(x), x @ y)
    with pytest.raises(ValueError, match="matmul"):
        a @ [[1.0], [2.0], [3.0], [4.0]]
    with pytest.raises(TypeError):
        a @ "text"
    h = mx.array(x.astype(np.float16))
    h @= mx.array(np.eye(4, dtype=np.float32))
    assert h.dtype == mx.float16
    i = mx.array(np.eye(2, dtype=np.int32))
    with pytest.raises(ValueError, match="matmul"):
        i @= mx.array(np.eye(2, dtype=np.float32))
    assert i.dtype == mx.int32
