"""Unary elementwise ops against NumPy: every op over every dtype it supports, in several
layouts, empty and 0-d; special values (signed zeros, inf, nan); output dtypes; errors for
unsupported dtypes."""

import math

import numpy as np
import pytest

import kiln.core as mx
from helpers import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES, assert_close, keep_f64, kdtype, layouts, random_np, to_kiln, to_numpy

COMPLEX = ["complex64"]
REAL = ["bool_"] + INT_DTYPES + FLOAT_DTYPES
NUMERIC = INT_DTYPES + FLOAT_DTYPES
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _erfinv(x):
    import torch  # float64 erfinv reference

    return torch.erfinv(torch.from_numpy(np.asarray(x, np.float64))).numpy()


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


# Functions that compute in floating point: ints and bool give float32, complex stays complex.
# name -> (reference on float64/complex128, input range, complex supported)
FLOAT_FUNCS = {
    "sqrt": (np.sqrt, (0.0, 9.0), True),
    "rsqrt": (lambda x: 1.0 / np.sqrt(x), (0.1, 9.0), True),
    "reciprocal": (np.reciprocal, (0.5, 4.0), True),
    "exp": (np.exp, (-5.0, 5.0), True),
    "expm1": (np.expm1, (-3.0, 3.0), True),
    "log": (np.log, (0.1, 9.0), True),
    "log2": (np.log2, (0.1, 9.0), True),
    "log10": (np.log10, (0.1, 9.0), True),
    "log1p": (np.log1p, (-0.5, 9.0), True),
    "sin": (np.sin, (-6.0, 6.0), True),
    "cos": (np.cos, (-6.0, 6.0), True),
    "tan": (np.tan, (-1.2, 1.2), True),
    "arcsin": (np.arcsin, (-0.95, 0.95), True),
    "arccos": (np.arccos, (-0.95, 0.95), True),
    "arctan": (np.arctan, (-6.0, 6.0), True),
    "sinh": (np.sinh, (-4.0, 4.0), True),
    "cosh": (np.cosh, (-4.0, 4.0), True),
    "tanh": (np.tanh, (-4.0, 4.0), True),
    "arcsinh": (np.arcsinh, (-6.0, 6.0), True),
    "arccosh": (np.arccosh, (1.1, 9.0), True),
    "arctanh": (np.arctanh, (-0.9, 0.9), True),
    "erf": (_erf, (-3.0, 3.0), False),
    "erfinv": (_erfinv, (-0.95, 0.95), False),
    "sigmoid": (_sigmoid, (-8.0, 8.0), False),
    "degrees": (np.degrees, (-6.0, 6.0), True),
    "radians": (np.radians, (-200.0, 200.0), True),
}


def _values(rng, shape, dtype, lo, hi):
    """Random inputs in [lo, hi] for floats and complex; integers (and bool) in their natural
    small range (out-of-domain results become nan in both libraries)."""
    if dtype in FLOAT_DTYPES or dtype == "complex64":
        return random_np(rng, shape, dtype, lo, hi)
    return random_np(rng, shape, dtype)


def _float_result_dtype(dtype):
    return dtype if dtype in FLOAT_DTYPES + COMPLEX else "float32"


def _reference(fn, x, dtype):
    x64 = x.astype(np.complex128 if dtype == "complex64" else np.float64)
    with np.errstate(all="ignore"):
        return fn(x64)


def _complex_reference(name, fn, x64):
    # NumPy has no complex degrees/radians/rsqrt; they are plain scalings / a reciprocal.
    if name == "degrees":
        return x64 * (180.0 / np.pi)
    if name == "radians":
        return x64 * (np.pi / 180.0)
    return fn(x64)


@pytest.mark.parametrize("name", sorted(FLOAT_FUNCS))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_float_functions(rng, name, dtype):
    fn, (lo, hi), complex_ok = FLOAT_FUNCS[name]
    op = getattr(mx, name)
    if dtype == "complex64" and not complex_ok:
        with pytest.raises(ValueError, match=name):
            op(mx.array(np.ones(3, np.complex64)))
        return
    out_dtype = _float_result_dtype(dtype)
    shapes = [(), (0,), (0, 3), (7,)]
    cases = [(to_kiln(v, dtype), v) for v in (_values(rng, s, dtype, lo, hi) for s in shapes)]
    base = _values(rng, (5, 6), dtype, lo, hi)
    cases.append((to_kiln(base, dtype), base))
    cases += [(k, np.asarray(n)) for k, n in layouts(rng, (4, 6), dtype)
              if dtype not in FLOAT_DTYPES + COMPLEX]
    if dtype in FLOAT_DTYPES + COMPLEX:
        # layouts() draws from [-4, 4]; rebuild them inside this function's domain.
        t = _values(rng, (6, 4), dtype, lo, hi)
        cases.append((to_kiln(t, dtype).T, t.T))
        row = _values(rng, (1, 6), dtype, lo, hi)
        cases.append((mx.broadcast_to(to_kiln(row, dtype), (4, 6)), np.broadcast_to(row, (4, 6))))
    for k, n in cases:
        out = op(k)
        assert out.dtype == kdtype(out_dtype), (name, dtype, out.dtype)
        x64 = n.astype(np.complex128 if dtype == "complex64" else np.float64)
        with np.errstate(all="ignore"):
            expected = _complex_reference(name, fn, x64) if dtype == "complex64" else fn(x64)
        if dtype == "complex64" and name == "tanh":
            # Near tanh's poles (cosh 2x + cos 2y -> 0) the kernel's float32 rounding is
            # amplified by 1/|cosh 2x + cos 2y|: the bound scales with that conditioning.
            got = np.array(out).astype(np.complex128)
            den = np.abs(np.cosh(2 * x64.real) + np.cos(2 * x64.imag))
            bound = 2e-6 * (1 + 1 / np.maximum(den, 1e-30)) * np.abs(expected) + 2e-6
            assert np.all(np.abs(got - expected) <= bound), (name, got, expected)
            continue
        assert_close(out, expected, dtype=out_dtype)


# Ops that keep integer dtypes. name -> (numpy reference in the same dtype, supported dtypes)
SAME_DTYPE = {
    "abs": (np.abs, ALL_DTYPES),
    "sign": (np.sign, ALL_DTYPES),
    "negative": (np.negative, NUMERIC + COMPLEX),
    "square": (np.square, ALL_DTYPES),
    "floor": (np.floor, REAL),
    "ceil": (np.ceil, REAL),
    "trunc": (np.trunc, REAL),
    "round": (np.round, ALL_DTYPES),
    "conjugate": (np.conjugate, ALL_DTYPES),
    "conj": (np.conjugate, ALL_DTYPES),
    "real": (np.real, ALL_DTYPES),
    "imag": (np.imag, ALL_DTYPES),
    "bitwise_invert": (np.invert, ["bool_"] + INT_DTYPES),
}


def _same_dtype_reference(name, fn, n, dtype):
    if dtype == "bool_" and name == "square":
        return np.square(n.astype(np.int32))
    if dtype == "bool_" and name in ("sign", "abs"):
        return n
    if dtype == "complex64" and name == "sign":
        a = np.abs(n)
        return np.where(a == 0, 0, n / np.where(a == 0, 1, a))
    if dtype == "complex64" and name == "abs":
        return np.abs(n.astype(np.complex128))
    if dtype in ("float16", "bfloat16"):
        return fn(n.astype(np.float32))
    with np.errstate(all="ignore"):
        return fn(n)


def _same_dtype_result(name, dtype):
    if dtype == "bool_" and name == "square":
        return "int32"
    if dtype == "complex64" and name in ("abs", "real", "imag"):
        return "float32"
    return dtype


@pytest.mark.parametrize("name", sorted(SAME_DTYPE))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_same_dtype_ops(rng, name, dtype):
    fn, supported = SAME_DTYPE[name]
    op = getattr(mx, name)
    if dtype not in supported:
        with pytest.raises(ValueError):
            op(to_kiln(random_np(rng, (3,), dtype), dtype))
        return
    cases = [(to_kiln(v, dtype), v) for v in (random_np(rng, s, dtype) for s in [(), (0,), (2, 0), (9,)])]
    cases += layouts(rng, (4, 5), dtype)
    for k, n in cases:
        out = op(k)
        assert out.dtype == kdtype(_same_dtype_result(name, dtype)), (name, dtype, out.dtype)
        assert_close(out, _same_dtype_reference(name, fn, np.asarray(n), dtype))


# Predicates: every dtype gives bool. name -> (numpy reference, complex supported)
PREDICATES = {
    "isnan": (np.isnan, True),
    "isinf": (np.isinf, True),
    "isfinite": (np.isfinite, True),
    "isposinf": (np.isposinf, True),
    "isneginf": (np.isneginf, True),
    "logical_not": (np.logical_not, True),
}
# NumPy refuses complex isposinf/isneginf; MLX compares with the real infinity (+-inf + 0j).
COMPLEX_PREDICATES = {
    "isposinf": lambda z: (z.real == np.inf) & (z.imag == 0),
    "isneginf": lambda z: (z.real == -np.inf) & (z.imag == 0),
}


@pytest.mark.parametrize("name", sorted(PREDICATES))
@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_predicates(rng, name, dtype):
    fn, complex_ok = PREDICATES[name]
    op = getattr(mx, name)
    special = np.array([0.0, -0.0, 1.5, np.inf, -np.inf, np.nan, -3.0])
    if dtype == "complex64":
        if not complex_ok:
            with pytest.raises(ValueError, match=name):
                op(mx.array(np.ones(2, np.complex64)))
            return
        fn = COMPLEX_PREDICATES.get(name, fn)
        vals = (special[:, None] + 1j * special[None, :]).astype(np.complex64)
        cases = [(mx.array(vals), vals), (mx.array(vals).T, vals.T)]
    elif dtype in FLOAT_DTYPES:
        vals = special.astype(np.float32 if dtype == "bfloat16" else dtype)
        cases = [(to_kiln(vals, dtype), vals)] + layouts(rng, (3, 4), dtype)
    else:
        cases = layouts(rng, (3, 4), dtype)
    cases.append((to_kiln(random_np(rng, (), dtype), dtype), random_np(rng, (), dtype)))
    cases = [(to_kiln(np.asarray(n), dtype), np.asarray(n)) if i == len(cases) - 1 else (k, n)
             for i, (k, n) in enumerate(cases)]
    cases.append((to_kiln(random_np(rng, (0, 2), dtype), dtype), np.zeros((0, 2), bool)))
    for k, n in cases:
        out = op(k)
        assert out.dtype == mx.bool_
        assert_close(out, fn(np.asarray(n)) if n.size else np.zeros(n.shape, bool))


# ------------------------------------------------------------------ special values

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 1e-30, -1e-30, 1e-45, 1e30, -1e30,
           3.4e38, -3.4e38, np.inf, -np.inf, np.nan, 88.72, 88.73, -87.4, -103.9, -104.0, 700.0]

SPECIAL_REFS = {
    "exp": np.exp, "expm1": np.expm1, "log": np.log, "log2": np.log2, "log10": np.log10,
    "log1p": np.log1p, "sin": np.sin, "cos": np.cos, "tan": np.tan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh, "arcsin": np.arcsin, "arccos": np.arccos,
    "arctan": np.arctan, "arcsinh": np.arcsinh, "arccosh": np.arccosh, "arctanh": np.arctanh,
    "sqrt": np.sqrt, "erf": _erf, "sigmoid": _sigmoid, "abs": np.abs, "sign": np.sign,
    "negative": np.negative, "square": np.square, "floor": np.floor, "ceil": np.ceil,
    "trunc": np.trunc, "round": np.round, "reciprocal": np.reciprocal,
}


@pytest.mark.parametrize("name", sorted(SPECIAL_REFS))
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_special_values(name, dtype):
    """nan, infinities, zeros of both signs, subnormals, overflow and underflow edges: the
    same class of result as NumPy (nan, inf of the right sign, zero of the right sign)."""
    x = np.array(SPECIAL, dtype=np.float64).astype(dtype)
    out = np.array(getattr(mx, name)(keep_f64(x)))
    with np.errstate(all="ignore"):
        ref = SPECIAL_REFS[name](x.astype(np.float64)).astype(dtype)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref), err_msg=f"{name} nan at {x}")
    np.testing.assert_array_equal(np.isinf(out) * np.sign(out), np.isinf(ref) * np.sign(ref),
                                  err_msg=f"{name} inf at {x}")
    zero = ref == 0
    np.testing.assert_array_equal(out[zero], 0, err_msg=f"{name} zero at {x[zero]}")
    np.testing.assert_array_equal(np.signbit(out[zero]), np.signbit(ref[zero]),
                                  err_msg=f"{name} sign of zero at {x[zero]}")
    fin = np.isfinite(ref) & ~zero
    rtol = {"float16": 2e-3, "float32": 4e-7, "float64": 1e-14}[dtype]
    np.testing.assert_allclose(out[fin], ref[fin], rtol=rtol, atol=0, err_msg=name)


def test_sin_cos_tan_large_arguments():
    # Past 2^23 the vector formula hands over to libm element by element.
    x = np.array([1e7, 8388608.0, 8388609.0, 1e10, -3e20, 1e38, 0.5, np.inf, np.nan] * 40,
                 np.float32)
    for name in ("sin", "cos", "tan"):
        ref = getattr(np, name)(x.astype(np.float64)).astype(np.float32)
        got = np.array(getattr(mx, name)(mx.array(x)))
        np.testing.assert_allclose(got, ref, rtol=3e-7, atol=1e-7, equal_nan=True)
        got = np.array(getattr(mx, name)(mx.array(x) * 1))  # donated input, computed in place
        np.testing.assert_allclose(got, ref, rtol=3e-7, atol=1e-7, equal_nan=True)


def test_sign_zero_and_complex_inf():
    assert not np.signbit(np.array(mx.sign(mx.array([-0.0])))).any()
    z = np.array([complex(np.inf, 0), complex(-np.inf, np.inf), complex(0, -np.inf), 0j, 3 - 4j],
                 np.complex64)
    got = np.array(mx.sign(mx.array(z)))
    s = 1 / np.sqrt(2)
    np.testing.assert_allclose(got, [1, complex(-s, s), -1j, 0, 0.6 - 0.8j], rtol=1e-6)


def test_sigmoid_tails():
    x = np.array([-100.0, -80.0, -20.0, 20.0, 100.0], np.float32)
    got = np.array(mx.sigmoid(mx.array(x)))
    ref = _sigmoid(x.astype(np.float64))
    # Relative accuracy down to the subnormals (one subnormal step is 1.4e-45).
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1.5e-45)
    assert got[0] > 0


def test_complex_functions_edges():
    z = np.array([0j, 1 + 0j, -1 + 0j, 1e20 + 1j, -1e20 - 1j, 1e-6 + 1e-6j, 2 + 0j, -2 + 0j,
                  0.5 + 0.5j, -3 - 4j], np.complex64)
    for name in ("sqrt", "exp", "log", "expm1", "log1p", "arcsin", "arccos", "arctan",
                 "arcsinh", "arccosh", "arctanh", "sin", "cos", "tanh"):
        with np.errstate(all="ignore"):
            ref = getattr(np, name)(z.astype(np.complex128))
        got = np.array(getattr(mx, name)(mx.array(z)))
        ok = np.isclose(got, ref, rtol=3e-6, atol=1e-30, equal_nan=True)
        assert ok.all(), (name, z[~ok], got[~ok], ref[~ok])
    # Tiny arguments keep their relative accuracy (NumPy's complex log1p loses it).
    tiny = mx.array(np.array([1e-20 + 1e-20j, -3e-25 + 1e-30j], np.complex64))
    for name in ("log1p", "expm1", "arcsin", "arcsinh", "arctan", "arctanh", "sin", "tanh"):
        np.testing.assert_allclose(np.array(getattr(mx, name)(tiny)), np.array(tiny), rtol=1e-6)


def test_erfinv_near_one():
    import mpmath

    x = np.array([0.9, 0.99, 0.999999, -0.999999, 0.9999999999, -0.5, 1.0, -1.0, 1.5])
    got = np.array(mx.erfinv(keep_f64(x)))
    ref = np.array([float(mpmath.erfinv(v)) if abs(v) < 1 else
                    (np.copysign(np.inf, v) if abs(v) == 1 else np.nan) for v in x])
    np.testing.assert_allclose(got, ref, rtol=1e-14, equal_nan=True)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("decimals", [1, 2, -1, -2])
def test_round_decimals(rng, dtype, decimals):
    x = random_np(rng, (50,), dtype, -500.0, 500.0)
    out = mx.round(to_kiln(x, dtype), decimals)
    assert out.dtype == kdtype(dtype)
    ref_dtype = np.float32 if dtype in ("float16", "bfloat16") else x.dtype
    ref = np.round(x.astype(ref_dtype), decimals)
    assert_close(out, ref)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_round_integers(rng, dtype):
    x = random_np(rng, (40,), dtype)
    k = to_kiln(x, dtype)
    assert mx.round(k).tolist() == x.tolist()
    assert mx.round(k, 2).tolist() == x.tolist()
    out = mx.round(k, -1)
    assert out.dtype == kdtype(dtype)
    np.testing.assert_array_equal(np.array(out), np.round(x.astype(np.float64), -1).astype(dtype))
    halves = np.array([5, 15, 25, 35, 45, 54], dtype)
    assert mx.round(mx.array(halves), -1).tolist() == [0, 20, 20, 40, 40, 50]  # half to even


def test_round_half_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.675], np.float64)
    np.testing.assert_array_equal(np.array(mx.round(keep_f64(x))), np.round(x))
    np.testing.assert_array_equal(np.array(mx.round(keep_f64(x), 2)), np.round(x, 2))


# ------------------------------------------------------------------ nan_to_num


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_nan_to_num(rng, dtype):
    x = random_np(rng, (4, 5), dtype)
    x[0, :3] = [np.nan, np.inf, -np.inf]
    x[2, 1] = np.nan
    k = to_kiln(x, dtype)
    big = float(mx.finfo(kdtype(dtype)).max)
    out = mx.nan_to_num(k)
    assert out.dtype == kdtype(dtype)
    ref = np.nan_to_num(x.astype(np.float64), nan=0.0, posinf=big, neginf=-big)
    assert_close(out, ref)
    out = mx.nan_to_num(k.T, nan=-1.0, posinf=7.0, neginf=-9.0)
    assert_close(out, np.nan_to_num(x.T.astype(np.float64), nan=-1.0, posinf=7.0, neginf=-9.0))
    out = mx.nan_to_num(k, 3.0, neginf=-2.0)
    assert_close(out, np.nan_to_num(x.astype(np.float64), nan=3.0, posinf=big, neginf=-2.0))


def test_nan_to_num_complex_ints_scalars():
    z = np.array([complex(np.nan, np.inf), complex(-np.inf, 2), 1 + 1j], np.complex64)
    out = mx.nan_to_num(mx.array(z), posinf=5.0)
    assert out.dtype == mx.complex64
    np.testing.assert_array_equal(np.array(out), np.nan_to_num(z, posinf=5.0))
    i = mx.array([1, 2, 3])
    assert mx.nan_to_num(i).tolist() == [1, 2, 3] and mx.nan_to_num(i).dtype == mx.int32
    assert mx.nan_to_num(float("nan")).item() == 0.0
    assert mx.nan_to_num(mx.array(float("-inf"))).item() == float(np.finfo(np.float32).min)
    assert mx.nan_to_num(mx.zeros((0, 3))).shape == (0, 3)


# ------------------------------------------------------------------ dtypes, methods, errors


def test_output_dtypes():
    i = mx.array([1, 2], mx.int32)
    assert mx.exp(i).dtype == mx.float32
    assert mx.sqrt(mx.array([1], mx.int64)).dtype == mx.float32
    assert mx.sin(mx.array([True])).dtype == mx.float32
    assert mx.abs(mx.array([1 + 1j])).dtype == mx.float32
    assert mx.exp(mx.array([1.0], mx.float16)).dtype == mx.float16
    assert mx.exp(mx.array([1.0], mx.bfloat16)).dtype == mx.bfloat16
    assert mx.exp(mx.array([1.0], mx.float64)).dtype == mx.float64
    assert mx.abs(mx.array([-3], mx.int8)).dtype == mx.int8
    assert mx.floor(mx.array([3], mx.uint16)).dtype == mx.uint16
    assert mx.imag(mx.array([3.0])).tolist() == [0.0]
    assert mx.isnan(mx.array([1, 2])).tolist() == [False, False]


def test_unsupported_dtypes_raise():
    f = mx.array([1.5])
    c = mx.array([1 + 1j])
    b = mx.array([True])
    cases = [
        (mx.bitwise_invert, f), (mx.bitwise_invert, c), (mx.negative, b), (mx.erf, c),
        (mx.erfinv, c), (mx.sigmoid, c), (mx.floor, c), (mx.ceil, c), (mx.trunc, c),
    ]
    for fn, x in cases:
        with pytest.raises(ValueError):
            fn(x)
    with pytest.raises(ValueError, match="bitwise_invert"):
        ~f


def test_methods_aliases_operators(rng):
    x = random_np(rng, (3, 4), "float32", 0.5, 3.0)
    a = mx.array(x)
    for name in ("abs", "square", "sqrt", "rsqrt", "reciprocal", "exp", "log", "log2", "log10",
                 "log1p", "sin", "cos"):
        np.testing.assert_allclose(np.array(getattr(a, name)()), np.array(getattr(mx, name)(a)))
    np.testing.assert_allclose(np.array(a.round(1)), np.round(x, 1), rtol=1e-6)
    for alias, name in [("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan"),
                        ("asinh", "arcsinh"), ("acosh", "arccosh"), ("atanh", "arctanh")]:
        assert getattr(mx, alias) is getattr(mx, name)
    assert_close(-a, -x)
    assert_close(abs(mx.array([-1, 2, -3])), np.array([1, 2, 3], np.int32))
    assert (~mx.array([1, 2], mx.uint8)).tolist() == [254, 253]
    assert (~mx.array([True, False])).tolist() == [False, True]
    z = mx.array(np.array([1 + 2j], np.complex64))
    assert z.conj().tolist() == [1 - 2j] and mx.conj(z).tolist() == [1 - 2j]
    assert z.real.tolist() == [1.0] and z.imag.tolist() == [2.0]
    assert mx.positive(a) is not None and mx.positive(a).tolist() == a.tolist()
    # The CPU's exp and the GPU's (CUDA's) may differ by an ulp or two.
    np.testing.assert_allclose(np.array(mx.exp(a, stream=mx.cpu)), np.array(mx.exp(a)), rtol=3e-7)


def test_half_precision_blocks(rng):
    # Longer than one conversion block, with a tail: float16/bfloat16 go through float in blocks.
    for dtype in ("float16", "bfloat16"):
        x = random_np(rng, (1237,), dtype, -3.0, 3.0)
        k = to_kiln(x, dtype)
        assert_close(mx.exp(k), np.exp(x.astype(np.float64)), dtype=dtype)
        assert_close(mx.isnan(k), np.isnan(x))
        assert_close(mx.abs(k), np.abs(x), dtype=dtype)
