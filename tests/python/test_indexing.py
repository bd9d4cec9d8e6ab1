"""Indexing against NumPy: __getitem__/__setitem__ with every index kind, .at[] updates,
iteration, take/take_along_axis/put_along_axis and the dynamic slices."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import ALL_DTYPES, INT_DTYPES, assert_close, kdtype, layouts, random_np, to_kiln

SHAPE = (4, 5, 6)

# Index expressions in NumPy's own terms; each is applied to a (4, 5, 6) array.
BASIC = [
    0, -1, 3, (1, 2), (-1, -5, -6), slice(None), slice(1, 3), slice(None, None, -1),
    slice(-2, None), slice(None, None, 2), (slice(1, None, 2), slice(None, -1), slice(5, 0, -2)),
    Ellipsis, (Ellipsis, 2), (1, Ellipsis, slice(2, 4)), None, (None, 1), (slice(None), None, 2),
    (Ellipsis, None), (2, None, Ellipsis, None, -1), slice(10, 20), slice(3, 1), (), (0, 0, 0),
]
ADVANCED = [
    [0, 2, 2, -1],                               # list, duplicates, negative
    np.array([[1, 0], [3, 3]]),                  # 2-d NumPy int array
    ([0, 1], [4, 0]),                            # two adjacent arrays
    ([0, 1], slice(None), [5, 0]),               # separated by a slice: index dims go first
    (slice(None), [1, 2], [3, 4]),               # adjacent, not leading
    (slice(1, 3), [[0], [4]], [1, 2, 3]),        # broadcasting between index arrays
    (0, slice(None), [1, 2]),                    # int + array, non-adjacent
    (slice(None), 0, [1, 2]),                    # int + array, adjacent
    (Ellipsis, [5, 0]),
    ([1], Ellipsis, [2]),
    (None, [1, 2], None, slice(None, None, -2)),
    ([0, 1], None, [1, 2]),                      # a new axis separates them
    (np.int64(2), [0, 1]),
    ([[[3]]], slice(2, None)),
    ([], slice(None)),                           # empty index array
    np.array([], dtype=np.int64),
    (slice(None), slice(None), np.array([[0, 5], [5, 0]], dtype=np.uint8)),
    ([-4, 3], [-5, 4], [-6, 5]),
]
VALUE_DTYPES = ["bool_", "uint8", "int32", "int64", "float16", "bfloat16", "float32", "complex64"]


def np_values(rng, dtype, shape=SHAPE):
    return random_np(rng, shape, dtype)


def data_ptr(a):
    return np.asarray(a).__array_interface__["data"][0]


# ----------------------------------------------------------------------------- getitem


@pytest.mark.parametrize("idx", BASIC + ADVANCED, ids=repr)
def test_getitem_layouts(rng, idx):
    for x, ref in layouts(rng, SHAPE, "float32"):
        assert_close(x[idx], ref[idx])


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_getitem_dtypes(rng, dtype):
    for x, ref in layouts(rng, SHAPE, dtype):
        for idx in [(1, slice(None, None, -2)), ([3, 0, 3],), (slice(None), [4, 1], [0, -1]),
                    (Ellipsis, None, [[2]]), (np.array([0, 2]), 1, slice(1, 4)),
                    ([1, 2], slice(None), [0, 5]), (slice(3, 0, -1), np.array([[4], [0]]))]:
            out = x[idx]
            assert out.dtype == x.dtype
            assert_close(out, ref[idx], dtype)


@pytest.mark.parametrize("index_dtype", INT_DTYPES)
def test_kiln_index_arrays(rng, index_dtype):
    ref = np_values(rng, "float32")
    idx = np.array([[3, 0], [1, 3]], dtype=index_dtype)
    x = mx.array(ref)
    assert_close(x[mx.array(idx)], ref[idx])
    assert_close(x[1:3, mx.array(idx)], ref[1:3, idx])
    assert_close(x[mx.array(idx), :, mx.array(idx)], ref[idx, :, idx])
    if not index_dtype.startswith("u"):
        assert_close(x[mx.array(-idx - 1)], ref[-idx - 1])


def test_zero_d_and_empty():
    z = mx.array(3.5)
    assert z[()].item() == 3.5
    assert z[...].shape == ()
    assert z[None].shape == (1,)
    assert z[None, ..., None].shape == (1, 1)
    with pytest.raises(IndexError):
        z[0]
    e = mx.zeros((0, 3))
    assert e[:, 1].shape == (0,)
    assert e[[]].shape == (0, 3)
    assert e[1:].shape == (0, 3)
    assert mx.zeros((3, 0))[[2, 0]].shape == (2, 0)
    x = mx.arange(6)
    assert x[mx.array(4)].item() == 4
    assert x[np.int32(-2)].item() == 4
    assert x[np.array(3)].item() == 3
    assert x[np.array([], dtype=np.int32)].shape == (0,)


def test_scalar_index_on_empty_axis_raises():
    with pytest.raises(IndexError):
        mx.zeros((0, 3))[0]
    with pytest.raises(IndexError):
        mx.zeros((0, 3))[[0]]


def test_slices_and_int_rows_are_views():
    x = mx.arange(24, dtype=mx.float32).reshape(4, 6)
    base = data_ptr(x)
    assert data_ptr(x[1]) == base + 6 * 4
    assert data_ptr(x[-1]) == base + 18 * 4
    assert data_ptr(x[2:, 1:]) == base + (12 + 1) * 4
    assert data_ptr(x[::2, None, 3]) == base + 3 * 4
    assert data_ptr(x[...]) == base
    # Reading through the view sees the right values.
    np.testing.assert_array_equal(np.array(x[1]), np.arange(6, 12))


def test_large_gathers_match_numpy(rng):
    ref = rng.standard_normal((3000, 200)).astype(np.float32)
    x = mx.array(ref)
    rows = rng.integers(-3000, 3000, 5000)
    cols = rng.integers(0, 200, 5000)
    assert_close(x[rows], ref[rows])
    assert_close(x[:, cols[:300]], ref[:, cols[:300]])
    assert_close(x[rows, cols], ref[rows, cols])
    assert_close(x.T[cols[:50], 10:20], ref.T[cols[:50], 10:20])
    many_rows = rng.integers(0, 3000, 300_000)
    many_cols = rng.integers(-200, 200, 300_000)
    assert_close(x[many_rows, many_cols], ref[many_rows, many_cols])
    assert_close(x[many_rows[:1000], :, None][:, ::7], ref[many_rows[:1000], :, None][:, ::7])


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("idx", [4, -5, (0, 5), (0, 0, -7), [0, 4], ([0], [5]),
                                 np.array([-5]), (slice(None), np.array([9], np.uint8))],
                         ids=repr)
def test_out_of_range_raises_index_error(idx):
    x = mx.zeros(SHAPE)
    with pytest.raises(IndexError):
        x[idx]
    with pytest.raises(IndexError):
        x[idx] = 1
    with pytest.raises(IndexError):
        x.at[idx].add(1)


def test_out_of_range_in_lazy_index_raises_at_eval():
    x = mx.arange(5)
    idx = mx.array([1, 2]) * 3  # not known until evaluated
    y = x[idx]
    with pytest.raises(IndexError):
        mx.eval(y)
    with pytest.raises(IndexError):
        (x.at[idx].add(1)).tolist()
    with pytest.raises(IndexError):
        mx.take(x, idx).tolist()
    assert x[mx.array([0]) * 3].tolist() == [0]  # the runtime stays usable


def test_bad_indices():
    x = mx.zeros(SHAPE)
    for bad in [1.5, "a", {1: 2}, [0.5, 1.0], np.array([1.0]), mx.array([1.0]),
                slice(0.5, 2), mx.array([1 + 2j])]:
        with pytest.raises(TypeError):
            x[bad]
    with pytest.raises(IndexError):
        x[0, 0, 0, 0]
    with pytest.raises(IndexError):
        x[..., 0, ...]
    with pytest.raises(IndexError):
        x[[0, 1], [0, 1, 2]]  # index arrays that do not broadcast
    with pytest.raises(ValueError):
        x[::0]
    with pytest.raises(ValueError):
        x[np.ones(4, bool)]
    with pytest.raises(ValueError):
        x[mx.array([True, False, True, True])]
    with pytest.raises(ValueError):
        x[True]


# ----------------------------------------------------------------------------- setitem


@pytest.mark.parametrize("idx", BASIC + ADVANCED, ids=repr)
def test_setitem_matches_numpy(rng, idx):
    ref = np_values(rng, "float32")
    target = ref[idx].shape
    for value_shape in [target, (), target[-1:] if target else ()]:
        val = rng.standard_normal(value_shape).astype(np.float32)
        expected = ref.copy()
        expected[idx] = val
        x = mx.array(ref)
        x[idx] = mx.array(val)  # where positions repeat, the last write wins in both
        assert_close(x, expected)


@pytest.mark.parametrize("dtype", VALUE_DTYPES)
def test_setitem_dtypes_and_layouts(rng, dtype):
    for x, ref in layouts(rng, SHAPE, dtype):
        ref = ref.copy()
        val = random_np(rng, (2, 6), dtype)
        x[[0, 2], 3] = to_kiln(val, dtype)
        ref[[0, 2], 3] = val
        x[1:3, ::-2, 0] = to_kiln(val[:, :3], dtype)
        ref[1:3, ::-2, 0] = val[:, :3]
        assert x.dtype == kdtype(dtype)
        assert_close(x, ref, dtype)


def test_setitem_weak_scalars_keep_dtype():
    h = mx.zeros((3,), mx.float16)
    h[1] = 2.5
    assert h.dtype == mx.float16 and h.tolist() == [0, 2.5, 0]
    i = mx.zeros((3,), mx.int8)
    i[[0, 2]] = 7
    i[1] = 1.9  # float into int truncates, as NumPy does
    assert i.dtype == mx.int8 and i.tolist() == [7, 1, 7]
    b = mx.zeros((2, 2), mx.bool_)
    b[0, 1] = True
    assert b.tolist() == [[False, True], [False, False]]
    c = mx.zeros((2,), mx.complex64)
    c[0] = 1 + 2j
    assert c.tolist() == [1 + 2j, 0]


def test_setitem_rebinds_only_that_array():
    x = mx.arange(4)
    y = x           # the same Python object: sees the update, like NumPy
    before = x + 0  # computed from the old node
    x[0] = 10
    assert y.tolist() == [10, 1, 2, 3]
    assert before.tolist() == [0, 1, 2, 3]


def test_setitem_duplicates_last_write_wins():
    x = mx.zeros((5,), mx.int32)
    x[mx.array([1, 3, 1, 1])] = mx.array([1, 2, 3, 4])
    assert x.tolist() == [0, 4, 0, 2, 0]


def test_setitem_value_shape_errors():
    x = mx.zeros((4, 5))
    with pytest.raises(ValueError):
        x[0] = mx.zeros((4,))
    with pytest.raises(ValueError):
        x[[0, 1]] = mx.zeros((3, 5))
    x[1] = mx.ones((1, 1, 5))  # leading size-1 dims are dropped, as NumPy does
    assert x[1].tolist() == [1] * 5


@pytest.mark.parametrize("dtype", VALUE_DTYPES)
def test_boolean_mask_assignment(rng, dtype):
    ref = np_values(rng, dtype)
    x = to_kiln(ref, dtype)
    mask = rng.random(SHAPE) < 0.4
    val = random_np(rng, (), dtype)
    expected = ref.copy()
    expected[mask] = val
    x[mx.array(mask)] = to_kiln(val, dtype)
    assert_close(x, expected, dtype)
    # Row masks, a value per masked row, and values consumed in order.
    rows = rng.random(4) < 0.5
    rows[0] = True
    expected[rows] = ref[0]
    x[rows] = to_kiln(ref[0], dtype)
    assert_close(x, expected, dtype)
    sel = rng.random(SHAPE) < 0.3
    vals = random_np(rng, (int(sel.sum()),), dtype)
    expected[sel] = vals
    x[sel] = to_kiln(vals, dtype)
    assert_close(x, expected, dtype)
    inner = rng.random((5, 6)) < 0.5
    vals = random_np(rng, (4, int(inner.sum())), dtype)
    expected[:, inner] = vals
    x[:, inner] = to_kiln(vals, dtype)
    assert_close(x, expected, dtype)


def test_boolean_mask_assignment_large_and_lazy(rng):
    ref = rng.standard_normal((300, 1000)).astype(np.float32)
    mask = ref > 0.5
    x = mx.array(ref)
    lazy_mask = mx.array(ref) > 0.5  # count unknown until evaluated
    vals = rng.standard_normal(int(mask.sum())).astype(np.float32)
    x[lazy_mask] = mx.array(vals)
    expected = ref.copy()
    expected[mask] = vals
    assert_close(x, expected)
    y = mx.array(ref)
    y[mx.array(ref) > 0.5] = mx.array(vals[:-1])  # one value short: found during eval
    with pytest.raises(ValueError):
        mx.eval(y)
    with pytest.raises(ValueError):  # a mask in host memory is counted at once; one only on
        y[lazy_mask] = mx.array(vals[:-1])  # the GPU is counted there, during eval
        mx.eval(y)


@pytest.mark.parametrize("lazy", [False, True])
def test_boolean_mask_assignment_takes_the_first_values(rng, lazy):
    # More values than selected positions: the first ones, in order, as MLX (and torch's
    # masked_scatter) do; NumPy's reference gets exactly as many.
    ref = rng.standard_normal(SHAPE).astype(np.float32)
    for mask, shape_of in [(ref > 0.3, lambda c: (c + 7,)),
                           (rng.random(4) < 0.5, lambda c: (c + 2, 5, 6)),
                           (rng.random((5, 6)) < 0.5, lambda c: (4, c + 3))]:
        count = int(mask.sum())
        vals = rng.standard_normal(shape_of(count)).astype(np.float32)
        expected = ref.copy()
        if mask.ndim == 2:  # x[:, mask]: rows of the values' last axis
            expected[:, mask] = vals[:, :count]
        else:
            expected[mask] = vals[:count]
        x = mx.array(ref)
        m = mx.array(mask)
        if lazy:
            m = mx.logical_not(mx.logical_not(m))  # the count is unknown until evaluated
        if mask.ndim == 2:
            x[:, m] = mx.array(vals)
        else:
            x[m] = mx.array(vals)
        assert_close(x, expected)


def test_boolean_mask_assignment_under_vmap(rng):
    # Each batch element selects its own number of positions and takes its first values.
    ref = rng.standard_normal((3, 4, 5)).astype(np.float32)
    masks = rng.random((3, 4, 5)) < 0.4
    masks[1] = False  # one element selects nothing
    vals = rng.standard_normal((3, 20)).astype(np.float32)

    def assign(x, m, v):
        y = x * 1
        y[m] = v
        return y

    out = mx.vmap(assign)(mx.array(ref), mx.array(masks), mx.array(vals))
    expected = ref.copy()
    for b in range(3):
        expected[b][masks[b]] = vals[b, :masks[b].sum()]
    assert_close(out, expected)
    grad = mx.grad(lambda v: mx.sum(mx.vmap(assign)(mx.array(ref), mx.array(masks), v) ** 2))
    g = np.zeros_like(vals)
    for b in range(3):
        c = masks[b].sum()
        g[b, :c] = 2 * vals[b, :c]
    assert_close(grad(mx.array(vals)), g, rtol=1e-5, atol=1e-6)
    with pytest.raises((ValueError, IndexError)):  # too few values in one batch element
        mx.eval(mx.vmap(assign)(mx.array(ref), mx.array(masks), mx.array(vals[:, :2])))


def test_at_with_new_axes(rng):
    ref = rng.standard_normal((3, 4)).astype(np.float32)
    for idx in [None, (None,), (None, 0), (0, None), (None, slice(1, 3), None, 2),
                (None, [0, 2]), ([1, 1], None, slice(None)), (None, Ellipsis, None)]:
        val = rng.standard_normal(ref[idx].shape).astype(np.float32)
        expected = ref.copy()
        np.add.at(expected, idx, val)
        assert_close(mx.array(ref).at[idx].add(mx.array(val)), expected, rtol=1e-6, atol=1e-6)
        expected = ref.copy()
        np.add.at(expected, idx, 1)
        assert_close(mx.array(ref).at[idx].add(1), expected)


def test_boolean_mask_assignment_errors():
    x = mx.zeros((3, 4))
    with pytest.raises(IndexError):
        x[np.array([True, False])] = 1
    with pytest.raises(ValueError):
        x[np.array([True, True, True])] = mx.zeros((2, 4))  # 2 rows for 3 selected
    with pytest.raises(ValueError):
        x[np.array([True, False, True]), 1] = 1
    x[True] = 5
    assert x.tolist() == [[5] * 4] * 3
    x[False] = 7
    assert x.tolist() == [[5] * 4] * 3


# ----------------------------------------------------------------------------- .at[]

AT_OPS = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "divide": np.divide, "maximum": np.maximum, "minimum": np.minimum,
}
AT_INDICES = [
    [0, 1, 0, 3, 0],
    ([2, 2, 1], slice(None), [0, 0, 5]),
    (slice(1, 3), [4, 4]),
    (1, slice(None, None, -1)),
    (slice(None), slice(2, 4)),
]


@pytest.mark.parametrize("op", list(AT_OPS))
@pytest.mark.parametrize("idx", AT_INDICES, ids=repr)
def test_at_accumulates_duplicates(rng, op, idx):
    ref = rng.uniform(1, 2, SHAPE).astype(np.float32)
    target = ref[idx].shape
    val = rng.uniform(1, 2, target).astype(np.float32)
    expected = ref.copy()
    AT_OPS[op].at(expected, idx, val)
    x = mx.array(ref)
    out = getattr(x.at[idx], op)(mx.array(val))
    assert_close(out, expected, rtol=1e-5, atol=1e-5)
    assert_close(x, ref)  # the source is unchanged


@pytest.mark.parametrize("dtype", ["bool_", "uint8", "int16", "int64", "float16", "bfloat16",
                                   "float64", "complex64"])
def test_at_dtypes(rng, dtype):
    ref = np_values(rng, dtype, (6, 3))
    idx = np.array([0, 5, 0, 0, 2])
    val = random_np(rng, (5, 3), dtype)
    x = to_kiln(ref, dtype)
    ops = ["add", "maximum", "minimum"] + ([] if dtype == "bool_" else ["multiply"])
    for op in ops:
        out = getattr(x.at[idx], op)(to_kiln(val, dtype))
        expected = ref.copy()
        if dtype == "bool_":
            ufunc = {"add": np.logical_or, "maximum": np.maximum, "minimum": np.minimum}[op]
        else:
            ufunc = AT_OPS[op]
        with np.errstate(over="ignore"):
            ufunc.at(expected, idx, val)
        assert out.dtype == x.dtype
        tol = {"float16": 1e-2, "bfloat16": 6e-2}.get(dtype)
        assert_close(out, expected, dtype, rtol=tol, atol=tol)


def test_at_scalar_values_and_int_divide():
    a = mx.array([0, 0])
    idx = mx.array([0, 1, 0, 1])
    assert a.at[idx].add(1).tolist() == [2, 2]
    assert a.at[idx].subtract(2).tolist() == [-4, -4]
    b = mx.array([12, 7])
    out = b.at[mx.array([0, 0, 1])].divide(2)
    assert out.dtype == mx.int32 and out.tolist() == [3, 3]
    with pytest.raises(ValueError):
        a.at[a > 0].add(1)
    with pytest.raises(ValueError):
        a.at.add(1)


# ----------------------------------------------------------------------------- iteration


def test_iteration_and_len():
    x = mx.arange(12).reshape(3, 4)
    rows = list(x)
    assert len(x) == 3 and len(rows) == 3
    assert [r.tolist() for r in rows] == np.arange(12).reshape(3, 4).tolist()
    assert [v.item() for v in mx.array([5, 6])] == [5, 6]
    assert list(mx.zeros((0, 2))) == []
    with pytest.raises(TypeError):
        iter(mx.array(1.0))
    a, b = mx.array([1, 2])  # unpacking
    assert (a.item(), b.item()) == (1, 2)


# ----------------------------------------------------------------------------- functions


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_take(rng, dtype):
    for x, ref in layouts(rng, SHAPE, dtype):
        idx = rng.integers(-5, 5, (2, 3))
        assert_close(mx.take(x, mx.array(idx), axis=1), np.take(ref, idx, axis=1), dtype)
        assert_close(mx.take(x, idx, axis=-1), np.take(ref, idx, axis=-1), dtype)
        flat = rng.integers(0, 120, 7)
        assert_close(mx.take(x, mx.array(flat)), np.take(ref, flat), dtype)
        assert_close(mx.take(x, -2, axis=0), np.take(ref, -2, axis=0), dtype)
        assert_close(mx.take(x, 17), np.take(ref, 17), dtype)
    with pytest.raises(IndexError):
        mx.take(mx.zeros((3,)), 3)
    with pytest.raises(IndexError):
        mx.take(mx.zeros((3,)), 0, axis=1)
    with pytest.raises(ValueError):
        mx.take(mx.zeros((3,)), mx.array([0.0]))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_take_and_put_along_axis(rng, dtype):
    for x, ref in layouts(rng, SHAPE, dtype):
        for axis in [0, 1, -1]:
            shape = list(SHAPE)
            shape[axis] = 3
            idx = rng.integers(-SHAPE[axis], SHAPE[axis], shape)
            assert_close(mx.take_along_axis(x, mx.array(idx), axis=axis),
                         np.take_along_axis(ref, idx, axis=axis), dtype)
            # Broadcast indices on the other axes.
            bshape = [1] * 3
            bshape[axis] = 2
            bidx = rng.integers(0, SHAPE[axis], bshape)
            assert_close(mx.take_along_axis(x, mx.array(bidx), axis=axis),
                         np.take_along_axis(ref, bidx, axis=axis), dtype)
            # Unique positions per line so the result does not depend on write order.
            perm = np.argsort(rng.random(SHAPE), axis=axis)
            uidx = np.take(perm, range(3), axis=axis)
            vals = random_np(rng, uidx.shape, dtype)
            expected = ref.copy()
            np.put_along_axis(expected, uidx, vals, axis=axis)
            assert_close(mx.put_along_axis(x, mx.array(uidx), to_kiln(vals, dtype), axis=axis),
                         expected, dtype)
    flat_idx = np.array([5, 0, 119])
    ref = np_values(rng, dtype)
    x = to_kiln(ref, dtype)
    assert_close(mx.take_along_axis(x, mx.array(flat_idx), axis=None),
                 np.take_along_axis(ref.reshape(-1), flat_idx, axis=0), dtype)
    expected = ref.copy().reshape(-1)
    expected[flat_idx] = expected[0]
    assert_close(mx.put_along_axis(x, mx.array(flat_idx), to_kiln(ref.reshape(-1)[0], dtype),
                                   axis=None), expected.reshape(SHAPE), dtype)


def test_put_along_axis_duplicates_and_errors():
    x = mx.zeros((2, 3), mx.int32)
    out = mx.put_along_axis(x, mx.array([[0, 0, 2]]), mx.array([[1, 2, 3]]), axis=1)
    assert out.tolist() == [[2, 0, 3], [2, 0, 3]]
    with pytest.raises(IndexError):
        mx.put_along_axis(x, mx.array([[3]]), 1, axis=1).tolist()
    with pytest.raises(ValueError):
        mx.take_along_axis(x, mx.array([0]), axis=1)  # rank mismatch
    with pytest.raises(IndexError):
        mx.take_along_axis(x, mx.array([[0]]), axis=2)
    with pytest.raises(IndexError):
        mx.take_along_axis(x, mx.array([[-4]]), axis=1).tolist()


@pytest.mark.parametrize("dtype", VALUE_DTYPES)
def test_dynamic_slice(rng, dtype):
    for x, ref in layouts(rng, SHAPE, dtype):
        out = mx.slice(x, mx.array([1, -3]), axes=(0, 2), slice_size=(2, 5, 3))
        assert_close(out, ref[1:3, :, 3:6], dtype)
        out = mx.slice(x, mx.array(2), axes=[1], slice_size=[4, 3, 6])
        assert_close(out, ref[:, 2:5], dtype)
        upd = random_np(rng, (2, 1, 6), dtype)
        expected = ref.copy()
        expected[2:4, 3:4, :] = upd
        out = mx.slice_update(x, to_kiln(upd, dtype), mx.array([2, 3]), axes=(0, 1))
        assert_close(out, expected, dtype)
    with pytest.raises(IndexError):
        mx.slice(mx.zeros((4,)), mx.array(3), axes=(0,), slice_size=(2,)).tolist()
    with pytest.raises(IndexError):
        mx.slice_update(mx.zeros((4,)), mx.ones((2,)), mx.array(-1), axes=(0,)).tolist()
    with pytest.raises(ValueError):
        mx.slice(mx.zeros((4,)), mx.array([0, 1]), axes=(0,), slice_size=(2,))
    with pytest.raises(ValueError):
        mx.slice(mx.zeros((4,)), mx.array(0), axes=(0,), slice_size=(5,))


def test_dynamic_slice_is_a_view():
    x = mx.arange(20, dtype=mx.float32).reshape(4, 5)
    s = mx.slice(x, mx.array([2, 1]), axes=(0, 1), slice_size=(2, 3))
    assert data_ptr(s) == data_ptr(x) + (2 * 5 + 1) * 4
    assert s.tolist() == [[11, 12, 13], [16, 17, 18]]


def test_large_scatters_match_numpy(rng):
    ref = rng.standard_normal((500, 3000)).astype(np.float32)
    idx = rng.integers(0, 500, 1000)
    vals = rng.standard_normal((1000, 3000)).astype(np.float32)
    expected = ref.copy()
    np.add.at(expected, idx, vals)
    assert_close(mx.array(ref).at[idx].add(mx.array(vals)), expected, rtol=1e-5, atol=1e-5)
    expected = ref.copy()
    expected[idx] = vals  # repeated rows: the last one wins
    x = mx.array(ref)
    x[idx] = mx.array(vals)
    assert_close(x, expected)
    big = rng.standard_normal(1 << 20).astype(np.float32)
    flat = rng.integers(0, 1 << 20, 1 << 18)
    upd = rng.standard_normal(1 << 18).astype(np.float32)
    expected = big.copy()
    np.maximum.at(expected, flat, upd)
    assert_close(mx.array(big).at[mx.array(flat)].maximum(mx.array(upd)), expected)
    expected = big.copy()
    expected[flat] = upd
    x = mx.array(big)
    x[mx.array(flat)] = mx.array(upd)
    assert_close(x, expected)
