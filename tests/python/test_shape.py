"""Shape manipulation against NumPy: views (swapaxes, moveaxis, flip, diagonal, as_strided,
view, split), joins (concatenate, stack), copies through index maps (pad, roll, tile, repeat)
and the transposing copy, over dtypes, layouts, negative axes, empty and 0-d arrays."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import ALL_DTYPES, assert_close, kdtype, layouts, np_dtype, random_np, to_kiln

SOME_DTYPES = ["bool_", "uint8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
               "float64", "complex64"]


def all_layouts(rng, shape, dtype):
    """helpers.layouts plus views with negative strides (flip) and with gaps (a strided
    window into a larger buffer)."""
    out = layouts(rng, shape, dtype)
    base = random_np(rng, shape, dtype)
    out.append((mx.flip(to_kiln(base, dtype)), np.flip(base)))
    big = random_np(rng, tuple(2 * d for d in shape), dtype)
    strides = [2 * s for s in np.lib.stride_tricks.as_strided(big).strides]
    item = big.itemsize
    gapped = mx.as_strided(to_kiln(big, dtype), shape, [s // item for s in strides])
    out.append((gapped, big[tuple(slice(None, None, 2) for _ in shape)]))
    return out


def shares_memory(a, b):
    return np.shares_memory(np.asarray(a), np.asarray(b))


# ---- views: swapaxes, moveaxis, flip, atleast ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_swapaxes_moveaxis(rng, dtype):
    for x, ref in all_layouts(rng, (2, 3, 4), dtype):
        for a1, a2 in [(0, 2), (-1, 0), (1, 1), (-3, -2)]:
            assert_close(mx.swapaxes(x, a1, a2), np.swapaxes(ref, a1, a2))
            assert_close(x.swapaxes(a1, a2), np.swapaxes(ref, a1, a2))
            assert_close(mx.moveaxis(x, a1, a2), np.moveaxis(ref, a1, a2))
            assert_close(x.moveaxis(a1, a2), np.moveaxis(ref, a1, a2))
    x = mx.zeros((2, 0, 3))
    assert mx.moveaxis(x, 1, -1).shape == (2, 3, 0)
    base = mx.arange(24).reshape(2, 3, 4)
    assert shares_memory(mx.swapaxes(base, 0, 2), base)
    with pytest.raises(IndexError):
        mx.swapaxes(base, 0, 3)
    with pytest.raises(IndexError):
        mx.moveaxis(base, -4, 0)
    with pytest.raises(IndexError):
        mx.swapaxes(mx.array(1), 0, 0)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_flip(rng, dtype):
    for x, ref in all_layouts(rng, (3, 4, 5), dtype):
        for axis in [None, 0, -1, (0, 2), [1], ()]:
            assert_close(mx.flip(x, axis), np.flip(ref, axis))
    base = mx.arange(6)
    assert shares_memory(mx.flip(base), base)
    assert mx.flip(mx.array(3)).item() == 3
    assert mx.flip(mx.zeros((0, 2)), 0).shape == (0, 2)
    with pytest.raises(IndexError):
        mx.flip(base, 1)
    with pytest.raises(ValueError):
        mx.flip(base, (0, 0))


def test_atleast():
    for fn, npfn in [(mx.atleast_1d, np.atleast_1d), (mx.atleast_2d, np.atleast_2d),
                     (mx.atleast_3d, np.atleast_3d)]:
        for shape in [(), (3,), (2, 3), (2, 3, 4), (1, 2, 3, 4), (0,)]:
            x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
            assert_close(fn(mx.array(x)), npfn(x))
        many = fn(mx.array(1), mx.array([1, 2]))
        assert isinstance(many, list) and len(many) == 2
        assert [m.shape for m in many] == [npfn(1).shape, npfn(np.array([1, 2])).shape]
        assert fn(5).shape == npfn(5).shape  # Python scalars are accepted


def test_unflatten(rng):
    x = random_np(rng, (2, 12, 3), "float32")
    for axis, shape in [(1, (3, 4)), (-2, (2, -1, 3)), (0, (2,)), (2, (1, 3, 1))]:
        got = mx.unflatten(mx.array(x), axis, shape)
        ax = axis % 3
        dims = list(shape)
        if -1 in dims:
            dims[dims.index(-1)] = x.shape[ax] // -int(np.prod(dims))
        assert_close(got, x.reshape(x.shape[:ax] + tuple(dims) + x.shape[ax + 1:]))
    with pytest.raises(ValueError):
        mx.unflatten(mx.array(x), 1, (5, 3))
    with pytest.raises(ValueError):
        mx.unflatten(mx.array(x), 1, (-1, -1))
    with pytest.raises(ValueError):
        mx.unflatten(mx.array(x), 1, ())
    with pytest.raises(IndexError):
        mx.unflatten(mx.array(x), 3, (3, 4))


# ---- concatenate, stack, unstack, split ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_concatenate(rng, dtype):
    pairs = all_layouts(rng, (3, 4), dtype)
    xs, refs = [p[0] for p in pairs], [p[1] for p in pairs]
    for axis in [0, 1, -1, -2]:
        assert_close(mx.concatenate(xs, axis=axis), np.concatenate(refs, axis=axis))
    assert_close(mx.concatenate(xs, axis=None), np.concatenate(refs, axis=None))
    assert_close(mx.concat(xs[:2], 1), np.concatenate(refs[:2], 1))
    # Inputs of different lengths along the axis, including an empty one.
    a, b = random_np(rng, (2, 3), dtype), random_np(rng, (0, 3), dtype)
    c = random_np(rng, (5, 3), dtype)
    assert_close(mx.concatenate([to_kiln(v, dtype) for v in (a, b, c)]),
                 np.concatenate([a, b, c]))


def test_concatenate_promotes_and_checks():
    out = mx.concatenate([mx.array([1, 2], mx.int32), mx.array([0.5], mx.float16)])
    assert out.dtype == mx.float16
    assert out.tolist() == [1.0, 2.0, 0.5]
    out = mx.concatenate([mx.array([True]), mx.array([3], mx.uint8)])
    assert out.dtype == mx.uint8 and out.tolist() == [1, 3]
    assert mx.concatenate([mx.array(1), mx.array([2, 3])], axis=None).tolist() == [1, 2, 3]
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3)), mx.zeros((2, 4))], axis=0)
    with pytest.raises(ValueError):
        mx.concatenate([mx.zeros((2, 3)), mx.zeros((3,))])
    with pytest.raises(ValueError):
        mx.concatenate([mx.array(1), mx.array(2)])
    with pytest.raises(ValueError):
        mx.concatenate([])
    with pytest.raises(IndexError):
        mx.concatenate([mx.zeros((2, 3))] * 2, axis=2)


@pytest.mark.parametrize("dtype", SOME_DTYPES)
def test_stack_unstack(rng, dtype):
    pairs = all_layouts(rng, (3, 4), dtype)
    xs, refs = [p[0] for p in pairs], [p[1] for p in pairs]
    for axis in [0, 1, 2, -1, -3]:
        assert_close(mx.stack(xs, axis=axis), np.stack(refs, axis=axis))
    stacked = np.stack(refs, axis=1)
    for axis in [0, 1, -1]:
        parts = mx.unstack(to_kiln(stacked, dtype), axis=axis)
        expect = [np.take(stacked, i, axis=axis) for i in range(stacked.shape[axis])]
        assert len(parts) == len(expect)
        for p, e in zip(parts, expect):
            assert_close(p, e)
    assert mx.stack([mx.array(1), mx.array(2)]).tolist() == [1, 2]
    assert mx.unstack(mx.zeros((0, 2))) == []
    with pytest.raises(ValueError):
        mx.stack([mx.zeros((2,)), mx.zeros((3,))])
    with pytest.raises(ValueError):
        mx.stack([])
    with pytest.raises(IndexError):
        mx.stack([mx.zeros((2,))], axis=2)
    with pytest.raises(ValueError):
        mx.unstack(mx.array(1))
    with pytest.raises(IndexError):
        mx.unstack(mx.zeros((2,)), axis=1)


@pytest.mark.parametrize("dtype", SOME_DTYPES)
def test_split(rng, dtype):
    for x, ref in all_layouts(rng, (6, 8), dtype):
        for sections, axis in [(2, 0), (3, -2), (4, 1), (1, 1), ([1, 4], 1), ([2, -2], 0),
                               ([0, 10], 1), ([5, 2], 0), ([], 0)]:
            got = mx.split(x, sections, axis=axis)
            expect = np.split(ref, sections, axis=axis)
            assert isinstance(got, list) and len(got) == len(expect)
            for g, e in zip(got, expect):
                assert_close(g, e)
        got = x.split(2, axis=1)
        for g, e in zip(got, np.split(ref, 2, axis=1)):
            assert_close(g, e)
    base = mx.arange(12)
    assert all(shares_memory(p, base) for p in mx.split(base, 3))
    assert [p.shape for p in mx.split(mx.zeros((0,)), 2)] == [(0,), (0,)]
    with pytest.raises(ValueError):
        mx.split(base, 5)
    with pytest.raises(ValueError):
        mx.split(base, 0)
    with pytest.raises(IndexError):
        mx.split(base, 2, axis=1)


# ---- tile, repeat ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_tile(rng, dtype):
    for x, ref in all_layouts(rng, (2, 3), dtype):
        for reps in [2, (2, 1), (1, 3), (2, 2, 2), (0, 2), (3,), (1, 1)]:
            assert_close(mx.tile(x, reps), np.tile(ref, reps))
    assert_close(mx.tile(mx.array(5), (2, 3)), np.tile(5, (2, 3)))
    with pytest.raises(ValueError):
        mx.tile(mx.zeros((2,)), (-1,))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_repeat(rng, dtype):
    for x, ref in all_layouts(rng, (2, 3), dtype):
        for repeats, axis in [(2, None), (3, 0), (2, 1), (2, -1), (0, 0), (1, 1)]:
            assert_close(mx.repeat(x, repeats, axis), np.repeat(ref, repeats, axis))
    assert_close(mx.repeat(mx.array(7), 3), np.repeat(7, 3))
    with pytest.raises(ValueError):
        mx.repeat(mx.zeros((2,)), -1)
    with pytest.raises(IndexError):
        mx.repeat(mx.zeros((2,)), 2, axis=1)


# ---- sizes that do not fit ----

def test_shape_ops_with_overflowing_sizes_raise():
    # Each result size is checked arithmetic: past int64 elements or bytes is a ValueError
    # naming the op (these used to wrap into wrong shapes or crash).
    x = mx.zeros((4,))
    big = mx.broadcast_to(mx.zeros((), mx.int8), (2**62,))  # lazy, 2**62 bytes: representable
    assert big.shape == (2**62,)
    cases = [
        ("tile", lambda: mx.tile(x, 2**62)),
        ("tile", lambda: mx.tile(x, (2**40, 2**40))),
        ("repeat", lambda: mx.repeat(x, 2**62)),
        ("repeat", lambda: mx.repeat(x, 2**61, axis=0)),
        ("pad", lambda: mx.pad(x, 2**62)),
        ("pad", lambda: mx.pad(x, (0, 2**63 - 2))),
        ("pad", lambda: mx.pad(big, (2**62, 0))),
        ("broadcast_to", lambda: mx.broadcast_to(x, (2**32, 2**32, 4))),
        ("broadcast_to", lambda: mx.broadcast_to(mx.zeros(()), (2**62,))),
        ("reshape", lambda: mx.reshape(x, (2**32, 2**32, -1))),
        ("reshape", lambda: mx.reshape(x, (2**33, 2**31, 0, -1))),
        ("concatenate", lambda: mx.concatenate([big, big])),
    ]
    for op, make in cases:
        with pytest.raises(ValueError, match=op):
            make()
    # Huge shifts reduce modulo the axis, as in NumPy.
    ref = np.arange(5)
    for shift in [2**62, -(2**63), (2**62, 2**62, 2**62)]:
        axes = 0 if np.ndim(shift) == 0 else (0, 0, 0)
        total = int(np.sum(np.array(shift, dtype=object))) % 5
        assert mx.roll(mx.array(ref), shift, axes).tolist() == np.roll(ref, total).tolist()


# ---- pad, roll ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_modes(rng, dtype, mode):
    # Widths up to the axis size (NumPy versions agree there; wider reflections are tested
    # against the periodic definition below).
    for x, ref in all_layouts(rng, (4, 5), dtype):
        for width in [1, (2, 3), [(0, 1), (3, 2)], ((1,), (2,)), [(2, 0)], (0, 0)]:
            assert_close(mx.pad(x, width, mode=mode), np.pad(ref, width, mode=mode))
    if mode == "constant" and dtype != "bool_":
        x = random_np(rng, (3, 2), dtype)
        assert_close(mx.pad(to_kiln(x, dtype), 2, constant_values=3),
                     np.pad(x, 2, constant_values=3))


def _repeated_reflection(x, width, mode):
    """Reflections repeated past the array (NumPy >= 2.3's np.pad; older NumPy mixes phases
    once a pad is wider than the axis): along each axis the data extends periodically by the
    block x + its mirror without the end elements ('reflect', period 2n - 2) or with them
    ('symmetric', period 2n)."""
    out = x
    for axis, (lo, hi) in enumerate(width):
        n = out.shape[axis]
        inner = (slice(n - 2, 0, -1) if mode == "reflect" else slice(None, None, -1))
        block = np.concatenate([out, out[(slice(None),) * axis + (inner,)]], axis=axis)
        period = block.shape[axis]  # n = 1 gives x itself: NumPy's edge rule for one element
        reps = [1] * out.ndim
        reps[axis] = (lo + n + hi) // period + 2
        tiled = np.tile(block, reps)
        first = -lo % period  # x starts lo places in: tiled[first + i] is output i
        out = np.take(tiled, np.arange(first, first + lo + n + hi), axis=axis)
    return out


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
def test_pad_wide_reflections(rng, mode):
    # Pads from 0 up to many times the axis length, on random shapes; NumPy itself where all
    # widths stay within one reflection (every NumPy version agrees there).
    for _ in range(40):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(v) for v in rng.integers(1, 6, ndim))
        width = [tuple(int(v) for v in rng.integers(0, 6 * n + 3, 2)) for n in shape]
        x = random_np(rng, shape, "float32")
        got = mx.pad(mx.array(x), width, mode=mode)
        assert_close(got, _repeated_reflection(x, width, mode))
        limit = [n - 1 if mode == "reflect" else n for n in shape]
        small = [(min(lo, m), min(hi, m)) for (lo, hi), m in zip(width, limit)]
        assert_close(mx.pad(mx.array(x), small, mode=mode), np.pad(x, small, mode=mode))
    x = random_np(rng, (3, 4), "float32")
    assert_close(mx.pad(mx.array(x), [(7, 2), (3, 11)], mode=mode),
                 _repeated_reflection(x, [(7, 2), (3, 11)], mode))
    for mode2 in ["edge", "constant"]:  # unchanged by the width
        assert_close(mx.pad(mx.array(x), [(9, 1), (0, 13)], mode=mode2),
                     np.pad(x, [(9, 1), (0, 13)], mode=mode2))


def test_pad_edge_cases():
    x = mx.arange(6).reshape(2, 3)
    assert_close(mx.pad(x, 1, constant_values=-1.7), np.pad(np.arange(6).reshape(2, 3), 1,
                                                             constant_values=-1))
    assert mx.pad(x, 1, constant_values=mx.array(9.0)).dtype == mx.int32
    assert_close(mx.pad(mx.zeros((0, 2)), 1), np.pad(np.zeros((0, 2)), 1))
    assert mx.pad(mx.array(5), 2).item() == 5
    with pytest.raises(ValueError):
        mx.pad(mx.zeros((0, 2)), 1, mode="edge")
    with pytest.raises(ValueError):
        mx.pad(x, -1)
    with pytest.raises(ValueError):
        mx.pad(x, [(1, 1)] * 3)
    with pytest.raises(ValueError):
        mx.pad(x, (1, 2, 3))
    with pytest.raises(ValueError):
        mx.pad(x, 1, mode="wrap")
    with pytest.raises(ValueError):
        mx.pad(x, 1, constant_values=mx.array([1, 2]))
    with pytest.raises(TypeError):
        mx.pad(x, 1.5)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_roll(rng, dtype):
    for x, ref in all_layouts(rng, (3, 5), dtype):
        for shift, axis in [(2, None), (-7, None), (1, 0), (-2, 1), (13, -1), ((1, 2), (0, 1)),
                            ((1, 2), 1), (3, (0, 1)), (0, 0), ((1, -1), (0, 0))]:
            assert_close(mx.roll(x, shift, axis), np.roll(ref, shift, axis))
    assert mx.roll(mx.array(4), 3).item() == 4
    assert mx.roll(mx.zeros((0, 3)), 2, 0).shape == (0, 3)
    with pytest.raises(IndexError):
        mx.roll(mx.zeros((2,)), 1, 1)
    with pytest.raises(ValueError):
        mx.roll(mx.zeros((2, 2)), (1, 2, 3), (0, 1))


# ---- diagonal, diag ----

@pytest.mark.parametrize("dtype", SOME_DTYPES)
def test_diagonal(rng, dtype):
    for x, ref in all_layouts(rng, (4, 5, 3), dtype):
        for offset, a1, a2 in [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (2, 1, 2), (0, -1, 0),
                               (-1, 2, 0), (7, 0, 1), (-9, 1, 2)]:
            assert_close(mx.diagonal(x, offset, a1, a2), np.diagonal(ref, offset, a1, a2))
            assert_close(x.diagonal(offset, a1, a2), np.diagonal(ref, offset, a1, a2))
    base = mx.arange(16).reshape(4, 4)
    assert shares_memory(mx.diagonal(base, 1), base)
    with pytest.raises(ValueError):
        mx.diagonal(mx.zeros((3,)))
    with pytest.raises(ValueError):
        mx.diagonal(base, 0, 1, -1)
    with pytest.raises(IndexError):
        mx.diagonal(base, 0, 0, 2)


@pytest.mark.parametrize("dtype", SOME_DTYPES)
def test_diag(rng, dtype):
    for k in [0, 1, -2, 5]:
        v = random_np(rng, (4,), dtype)
        assert_close(mx.diag(to_kiln(v, dtype), k), np.diag(v, k))
        assert_close(to_kiln(v, dtype).diag(k), np.diag(v, k))
        for x, ref in all_layouts(rng, (3, 5), dtype):
            assert_close(mx.diag(x, k), np.diag(ref, k))
    assert_close(mx.diag(mx.zeros((0,)), 2), np.diag(np.zeros((0,)), 2))
    with pytest.raises(ValueError):
        mx.diag(mx.zeros((2, 2, 2)))
    with pytest.raises(ValueError):
        mx.diag(mx.array(1))


# ---- as_strided, view ----

@pytest.mark.parametrize("dtype", SOME_DTYPES)
def test_as_strided(rng, dtype):
    for x, ref in all_layouts(rng, (4, 6), dtype):
        flat = np.ascontiguousarray(ref).reshape(-1)
        for shape, strides, offset in [((21, 4), (1, 1), 0), ((3, 4), (6, 1), 2),
                                       ((2, 2, 3), (12, 1, 2), 5), ((4,), (-5,), 18),
                                       ((5, 0), (1, 100), 0), ((2, 3), (0, -2), 23)]:
            # Element i reads flat[offset + sum(i_d * strides_d)].
            index = offset + sum(i * s for i, s in zip(np.indices(shape), strides))
            assert_close(mx.as_strided(x, shape, strides, offset), flat[index])
    assert_close(mx.as_strided(mx.arange(6).reshape(2, 3).T), np.arange(6).reshape(2, 3).T)
    base = mx.arange(12)
    assert shares_memory(mx.as_strided(base, (3, 4), (4, 1)), base)
    with pytest.raises(ValueError):
        mx.as_strided(base, (3, 4), (4, 2))
    with pytest.raises(ValueError):
        mx.as_strided(base, (2,), (-1,), 0)
    with pytest.raises(ValueError):
        mx.as_strided(base, (2, 2), (1,))


VIEW_PAIRS = [("float32", "int32"), ("float32", "uint8"), ("int8", "int32"),
              ("complex64", "float32"), ("float16", "bfloat16"), ("uint16", "float64"),
              ("int64", "int16"), ("bool_", "uint8"), ("float64", "complex64")]


@pytest.mark.parametrize("src,dst", VIEW_PAIRS)
def test_view(rng, src, dst):
    for x, ref in all_layouts(rng, (4, 8), src):
        if src == "bfloat16" or dst == "bfloat16":
            continue
        expect = np.ascontiguousarray(ref).view(np_dtype(dst))
        got = np.ascontiguousarray(np.asarray(mx.view(x, kdtype(dst))))
        assert got.dtype == expect.dtype and got.shape == expect.shape
        # Bit patterns, compared as bytes (float views of random bits hold NaNs).
        np.testing.assert_array_equal(got.view(np.uint8), expect.view(np.uint8))
    # bfloat16 has no NumPy dtype: check the round trip through its bits.
    x = mx.array(random_np(rng, (3, 4), "float32")).astype(mx.bfloat16)
    bits = x.view(mx.uint16)
    assert bits.dtype == mx.uint16
    assert_close(bits.view(mx.bfloat16).astype(mx.float32), np.asarray(x.astype(mx.float32)))
    f = mx.array([1.0, -2.0])
    assert shares_memory(mx.view(f, mx.int32), f)
    assert mx.view(mx.array(1.0), mx.int32).item() == 0x3F800000
    assert mx.view(3, mx.float32).item() == np.array(3, np.int32).view(np.float32).item()
    with pytest.raises(ValueError):
        mx.view(mx.array(1.0), mx.int8)
    with pytest.raises(ValueError):
        mx.view(mx.zeros((2, 3), mx.int8), mx.int16)


# ---- diff ----

def stepwise_diff(ref, n, axis, dtype):
    """np.diff one order at a time, rounding to bfloat16 after each (NumPy's float32
    stands in for bfloat16 and would otherwise keep the extra precision)."""
    for _ in range(n):
        ref = np.diff(ref, 1, axis)
        if dtype == "bfloat16":
            ref = np.asarray(mx.array(ref).astype(mx.bfloat16).astype(mx.float32))
    return ref


@pytest.mark.parametrize("dtype", SOME_DTYPES)
def test_diff(rng, dtype):
    for x, ref in all_layouts(rng, (4, 6), dtype):
        for n, axis in [(1, -1), (2, 0), (3, 1), (0, 0), (10, 1)]:
            assert_close(mx.diff(x, n, axis), stepwise_diff(ref, n, axis, dtype))
    with pytest.raises(ValueError):
        mx.diff(mx.array(1))
    with pytest.raises(ValueError):
        mx.diff(mx.zeros((3,)), -1)
    with pytest.raises(IndexError):
        mx.diff(mx.zeros((3,)), 1, 1)


# ---- methods, T, the transposing copy ----

def test_methods(rng):
    x = random_np(rng, (2, 1, 3), "float32")
    a = mx.array(x)
    assert_close(a.T, x.T)
    assert_close(a.squeeze(), x.squeeze())
    assert_close(a.flatten(), x.flatten())
    assert_close(a.reshape(3, 2), x.reshape(3, 2))
    assert_close(a.transpose(2, 0, 1), x.transpose(2, 0, 1))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("shape,axes", [((67, 45), (1, 0)), ((3, 40, 33), (0, 2, 1)),
                                        ((9, 17, 35), (2, 0, 1)), ((130, 2, 70), (2, 1, 0))])
def test_transposing_copy(rng, dtype, shape, axes):
    x = random_np(rng, shape, dtype)
    t = mx.transpose(to_kiln(x, dtype), axes)
    assert_close(mx.contiguous(t), np.transpose(x, axes))
    assert_close(t.reshape(-1), np.transpose(x, axes).reshape(-1))
    target = "float32" if dtype != "float32" else "int32"
    if dtype != "complex64":
        assert_close(mx.astype(t, kdtype(target)).reshape(-1),
                     np.transpose(x, axes).astype(np_dtype(target)).reshape(-1))
