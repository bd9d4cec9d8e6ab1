"""Accuracy of the vectorized CPU math (kiln/types/vector_math.h): dense sweeps over the
float32 bit patterns (every sign, binade, subnormals, inf, nan) measured in ulps against
float64 NumPy, float64 exp/log against extended precision, and every float16 value."""

import math

import numpy as np
import pytest

import kiln.core as mx
from helpers import keep_f64

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def float32_sweep(stride=4099):
    """Every stride-th float32 bit pattern, plus the special values."""
    bits = np.arange(0, 2**32, stride, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    extra = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1.1754944e-38,
                      3.4028235e38, -3.4028235e38, 1.0, -1.0], np.float32)
    return np.concatenate([x, extra])


def ulp_errors(got, ref, mant_bits=24, min_exp=-149):
    """|got - ref| in units of the last place of `ref` in a format with `mant_bits` bits of
    mantissa and smallest subnormal 2^min_exp. nan must match nan; a result that overflows
    must be the same infinity."""
    got = got.astype(ref.dtype)
    err = np.zeros(ref.shape)
    nan = np.isnan(ref)
    err[nan ^ np.isnan(got)] = np.inf
    inf = np.isinf(ref) | np.isinf(got)
    err[inf & (got != ref)] = np.inf
    fin = ~nan & ~np.isnan(got) & ~inf
    _, e = np.frexp(ref[fin].astype(np.float64))
    ulp = np.ldexp(1.0, np.maximum(e - mant_bits, min_exp)).astype(ref.dtype)
    err[fin] = (np.abs(got[fin] - ref[fin]) / ulp).astype(np.float64)
    return err


# name -> (reference on float64, max ulp allowed)
FLOAT32 = {
    "exp": (np.exp, 1.5),
    "expm1": (np.expm1, 2.0),
    "log": (np.log, 1.5),
    "log2": (np.log2, 2.0),
    "log10": (np.log10, 2.0),
    "log1p": (np.log1p, 2.0),
    "sin": (np.sin, 1.0),
    "cos": (np.cos, 1.0),
    "tanh": (np.tanh, 2.0),
    "sigmoid": (_sigmoid, 3.0),
    "erf": (_erf, 2.5),
    "tan": (np.tan, 1.5),
    "arcsin": (np.arcsin, 1.0),
    "arccos": (np.arccos, 1.0),
    "arctan": (np.arctan, 1.0),
    "sinh": (np.sinh, 1.0),
    "cosh": (np.cosh, 1.0),
    "arcsinh": (np.arcsinh, 1.0),
    "arccosh": (np.arccosh, 1.0),
    "arctanh": (np.arctanh, 1.0),
}


# On the GPU the functions are CUDA's, whose documented maximum errors (CUDA Math API,
# single precision) exceed ours for some: the bound there is the larger of the two.
CUDA_ULP = {"exp": 2, "sin": 2, "cos": 2, "tan": 4, "arcsin": 2, "arccos": 2, "arctan": 2,
            "sinh": 3, "cosh": 2, "tanh": 2, "arcsinh": 3, "arccosh": 4, "arctanh": 3,
            "log10": 2, "erf": 2, "arctan2": 3, "power": 4}


def ulp_bound(name, cpu_bound):
    on_gpu = mx.default_device() == mx.gpu
    return max(cpu_bound, CUDA_ULP.get(name, 0)) if on_gpu else cpu_bound


@pytest.mark.parametrize("name", sorted(FLOAT32))
def test_float32_ulp_sweep(name):
    ref_fn, bound = FLOAT32[name]
    bound = ulp_bound(name, bound)
    x = float32_sweep()
    got = np.array(getattr(mx, name)(mx.array(x)))
    with np.errstate(all="ignore"):
        ref = ref_fn(x.astype(np.float64))
    # A float32 result beyond the largest finite value is inf.
    ref = np.where(np.abs(ref) > 3.4028235677973366e38, np.copysign(np.inf, ref), ref)
    err = ulp_errors(got, ref)
    worst = int(np.argmax(err))
    assert err[worst] <= bound, f"{name}: {err[worst]:.2f} ulp at x={x[worst]!r}: {got[worst]!r} vs {ref[worst]!r}"
    # Exact results where libm's are exact: signed zeros pass through, 0 and 1 map exactly.
    zeros = np.array([0.0, -0.0], np.float32)
    out = np.array(getattr(mx, name)(mx.array(zeros)))
    ref0 = ref_fn(zeros.astype(np.float64))
    signed = ~np.isnan(ref0)  # a nan's sign bit is not part of the result
    np.testing.assert_array_equal(np.signbit(out[signed]), np.signbit(ref0[signed]))
    assert np.isnan(out[~signed]).all()


@pytest.mark.parametrize("name", ["power", "arctan2", "logaddexp"])
def test_float32_binary_ulp(rng, name):
    """Random bit patterns for both operands, plus a grid of magnitudes where power's result
    is finite and nonzero, plus every pair of special values."""
    bits = rng.integers(0, 2**32, size=(2, 400_000), dtype=np.uint64).astype(np.uint32)
    x, y = bits.view(np.float32)
    mag = np.exp2(rng.uniform(-8, 8, 200_000)).astype(np.float32)
    expo = rng.uniform(-15, 15, 200_000).astype(np.float32)
    ints = rng.integers(-40, 40, 50_000).astype(np.float32)
    sp = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 2.5, 1e-45, 16777216.0,
                   16777218.0, 3.4e38, np.inf, -np.inf, np.nan], np.float32)
    gx, gy = [g.ravel() for g in np.meshgrid(sp, sp)]
    x = np.concatenate([x, mag, -mag[:50_000], gx])
    y = np.concatenate([y, expo, ints, gy])
    got = np.array(getattr(mx, name)(mx.array(x), mx.array(y)))
    with np.errstate(all="ignore"):
        ref = getattr(np, name)(x.astype(np.float64), y.astype(np.float64))
    ref = np.where(np.abs(ref) > 3.4028235677973366e38, np.copysign(np.inf, ref), ref)
    err = ulp_errors(got, ref)
    if name == "logaddexp":
        # hi + log1p(exp(lo - hi)) cancels when the result is much smaller than the inputs
        # (as in any float32 evaluation): count ulps of the larger input there.
        scale = np.maximum(np.abs(x), np.abs(y)).astype(np.float64)
        fin = np.isfinite(ref) & np.isfinite(scale) & (scale > np.abs(ref))
        spacing = np.spacing(scale[fin].astype(np.float32)).astype(np.float64)
        err[fin] = np.minimum(err[fin], np.abs(got[fin] - ref[fin]) / spacing)
    worst = int(np.argmax(err))
    bound = ulp_bound(name, 2.0 if name == "logaddexp" else 1.0)
    assert err[worst] <= bound, f"{name}({x[worst]!r}, {y[worst]!r}) = {got[worst]!r}, not {ref[worst]!r}"
    special = np.arange(x.size) >= x.size - gx.size
    np.testing.assert_array_equal(np.signbit(got[special & (ref == 0)]),
                                  np.signbit(ref[special & (ref == 0)]))


@pytest.mark.parametrize("name", ["exp", "log"])
def test_float64_ulp(rng, name):
    bits = rng.integers(0, 2**63, size=200_000, dtype=np.int64).astype(np.uint64)
    bits |= rng.integers(0, 2, size=bits.size, dtype=np.uint64) << np.uint64(63)
    x = bits.view(np.float64)
    x = np.concatenate([x, rng.uniform(-750, 720, 100_000), rng.uniform(0, 3, 100_000),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308,
                         709.782712893384, 709.79, -745.1332191019411, -745.14, 1.0]])
    got = np.array(getattr(mx, name)(keep_f64(x)))
    with np.errstate(all="ignore"):
        ref = getattr(np, name)(x.astype(np.longdouble))  # 64-bit mantissa reference
    ref[np.abs(ref) > np.finfo(np.float64).max] *= np.inf
    err = ulp_errors(got, ref, mant_bits=53, min_exp=-1074)
    worst = int(np.argmax(err))
    assert err[worst] <= 1.5, f"{name}: {err[worst]:.2f} ulp at x={x[worst]!r}"


@pytest.mark.parametrize("name", ["exp", "log", "sin", "tanh", "erf", "sigmoid", "expm1"])
def test_every_float16(name):
    x = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    got = np.array(getattr(mx, name)(mx.array(x)))
    with np.errstate(all="ignore"):
        ref = FLOAT32[name][0](x.astype(np.float64))
    ref = np.where(np.abs(ref) >= 65520.0, np.copysign(np.inf, ref), ref)
    err = ulp_errors(got, ref, mant_bits=11, min_exp=-24)
    worst = int(np.argmax(err))
    # One rounding to float16 after a float32 result: at most half an ulp plus a hair.
    assert err[worst] <= 0.51, f"{name}: {err[worst]:.3f} ulp at x={x[worst]!r}"


def test_strided_and_donated_paths_agree():
    x = float32_sweep(stride=65537)
    k = mx.array(x)
    for name in FLOAT32:
        fn = getattr(mx, name)
        dense = np.array(fn(k))
        np.testing.assert_array_equal(np.array(fn(k * 1)), dense)  # donated buffer
        big = np.stack([x, x])
        strided = np.array(fn(mx.array(big).T))  # not dense in row order: the strided kernel
        np.testing.assert_array_equal(strided[:, 0], dense)
