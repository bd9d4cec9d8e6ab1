"""Shared helpers for the op tests: random inputs in every dtype and layout, and
comparisons against NumPy with tolerances that fit each dtype."""

import numpy as np

import kiln.core as mx

FLOAT_DTYPES = ["float16", "bfloat16", "float32", "float64"]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
ALL_DTYPES = ["bool_"] + INT_DTYPES + FLOAT_DTYPES + ["complex64"]

# rtol/atol for comparing against a float64 NumPy reference.
TOLERANCES = {
    "float16": (2e-3, 2e-3),
    "bfloat16": (1.6e-2, 1.6e-2),
    "float32": (2e-6, 2e-6),
    "float64": (1e-12, 1e-12),
    "complex64": (2e-6, 2e-6),
}


def kdtype(name):
    return getattr(mx, name)


def np_dtype(name):
    """The NumPy dtype holding a kiln dtype's values exactly (bfloat16 -> float32)."""
    if name == "bfloat16":
        return np.float32
    if name == "bool_":
        return np.bool_
    return np.dtype(name).type


def random_np(rng, shape, dtype, low=-4.0, high=4.0):
    """Random values representable in `dtype`, as a NumPy array of np_dtype(dtype)."""
    if dtype == "bool_":
        return rng.random(shape) < 0.5
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        lo, hi = max(info.min, int(low * 8)), min(info.max, int(high * 8))
        if dtype.startswith("u"):
            lo = 0
        return rng.integers(lo, hi + 1, size=shape, dtype=dtype)
    if dtype == "complex64":
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(np.complex64)
    x = rng.uniform(low, high, shape)
    if dtype == "bfloat16":
        # Round to bfloat16 precision so the kiln array and the reference hold the same values.
        return np.asarray(mx.array(x.astype(np.float32)).astype(mx.bfloat16).astype(mx.float32))
    return x.astype(dtype)


def to_kiln(x, dtype):
    """A kiln array of `dtype` from NumPy values."""
    return mx.array(x, dtype=kdtype(dtype))


def to_numpy(a):
    """NumPy copy of a kiln array (bfloat16 as float32)."""
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


def assert_close(actual, expected, dtype=None, rtol=None, atol=None, equal_nan=True):
    """Compare a kiln array with a NumPy reference: shape, and values within the dtype's
    tolerance (exact for integer and bool results)."""
    got = to_numpy(actual)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    name = dtype or str(actual.dtype).split(".")[-1]
    if name in TOLERANCES:
        r, a = TOLERANCES[name]
        np.testing.assert_allclose(got, expected, rtol=rtol or r, atol=atol or a, equal_nan=equal_nan)
    else:
        np.testing.assert_array_equal(got, expected)


def on_cpu(fn, *args, **kwargs):
    """fn's result computed on the CPU backend, as NumPy: the reference for GPU kernels where
    NumPy's order of operations or special-value rules differ."""
    return to_numpy(fn(*args, **kwargs, stream=mx.cpu))


def assert_same(actual, expected):
    """Exact agreement, NaNs included (integer, bool and index results)."""
    np.testing.assert_array_equal(to_numpy(actual), expected)


def assert_near(actual, expected, rtol):
    """Agreement within rtol, with NaNs and infinities in the same places."""
    np.testing.assert_allclose(to_numpy(actual), expected, rtol=rtol, atol=0, equal_nan=True)


def layouts(rng, shape, dtype):
    """Pairs (kiln array, NumPy array) with the same values in several layouts: contiguous,
    transposed, sliced with a step, and broadcast. `shape` must be 2-d or more."""
    base = random_np(rng, shape, dtype)
    out = [(to_kiln(base, dtype), base)]
    t = random_np(rng, shape[::-1], dtype)
    out.append((to_kiln(t, dtype).T, t.T))
    big = random_np(rng, tuple(2 * d for d in shape), dtype)
    sl = tuple(slice(None, None, 2) for _ in shape)
    out.append((to_kiln(big, dtype)[sl], big[sl]))
    row = random_np(rng, (1,) + tuple(shape[1:]), dtype)
    out.append((mx.broadcast_to(to_kiln(row, dtype), shape), np.broadcast_to(row, shape)))
    return out


def keep_f64(x):
    """mx.array keeping NumPy float64 data float64 (mx.array, like MLX, makes it float32):
    for tests whose float64 references need float64 inputs."""
    if isinstance(x, (np.ndarray, np.generic)) and np.asarray(x).dtype == np.float64:
        return mx.array(x, dtype=mx.float64)
    return mx.array(x)
