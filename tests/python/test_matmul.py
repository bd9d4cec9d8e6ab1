"""Contractions against NumPy: matmul (every supported dtype, 1-d/2-d/batched/broadcast
shapes, transposed and broadcast operands, empty dimensions), addmm, tensordot, inner,
outer, vecdot, kron, einsum and the @ operators."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import layouts, random_np, to_kiln, to_numpy

PRODUCT_DTYPES = ["float16", "bfloat16", "float32", "float64", "complex64"]

# Error bound of a computed dot product, relative to sum(|a_i| |b_i|): the result's own
# rounding (float16/bfloat16 outputs) plus float32 or float64 accumulation.
BOUND = {"float16": 2e-3, "bfloat16": 1.6e-2, "float32": 1e-5, "float64": 1e-12,
         "complex64": 2e-5}


def ref(x):
    """float64 (complex128) copy of a NumPy operand, for the reference product."""
    return np.asarray(x, dtype=np.complex128 if np.iscomplexobj(x) else np.float64)


def assert_product(got, a, b, dtype, fn=np.matmul):
    """got == fn(a, b) within the bound for `dtype`, scaled by fn(|a|, |b|)."""
    expected = fn(ref(a), ref(b))
    scale = fn(np.abs(ref(a)), np.abs(ref(b)))
    g = to_numpy(got)
    assert g.shape == expected.shape, f"shape {g.shape} != {expected.shape}"
    assert str(got.dtype).split(".")[-1] == dtype
    err = np.abs(g.astype(expected.dtype) - expected)
    bad = err > BOUND[dtype] * scale + 1e-30
    assert not bad.any(), f"max error {err.max()} (bound {BOUND[dtype]} x scale)"


def operands(rng, shape_a, shape_b, dtype):
    a = random_np(rng, shape_a, dtype)
    b = random_np(rng, shape_b, dtype)
    return a, b, to_kiln(a, dtype), to_kiln(b, dtype)


SHAPES = [
    ((5,), (5,)),                    # dot product -> 0-d
    ((5,), (5, 3)),                  # vector @ matrix
    ((4, 5), (5,)),                  # matrix @ vector
    ((1, 5), (5, 3)),                # one row (gemv)
    ((4, 5), (5, 1)),                # one column (gemv)
    ((4, 5), (5, 3)),
    ((33, 17), (17, 29)),
    ((3, 4, 5), (3, 5, 6)),          # batched
    ((2, 1, 4, 5), (3, 5, 6)),       # broadcast batch axes
    ((6, 4, 5), (5, 3)),             # shared right-hand matrix (folded into M)
    ((6, 1, 5), (5, 3)),             # stacked rows
    ((6, 4, 5), (5,)),               # batched matrix @ vector
    ((5,), (6, 5, 3)),               # vector @ batched matrix
    ((4, 5), (2, 3, 5, 6)),          # left operand broadcast over two batch axes
    ((1, 1), (1, 1)),
]


@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_shapes(rng, dtype, shapes):
    a, b, x, y = operands(rng, *shapes, dtype)
    assert_product(mx.matmul(x, y), a, b, dtype)
    assert_product(x @ y, a, b, dtype)


@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
def test_matmul_transposed_operands(rng, dtype):
    # Column-major views go to BLAS with the transpose flag; each combination.
    at = random_np(rng, (7, 9), dtype)  # a = at.T, shape (9, 7)
    bt = random_np(rng, (5, 7), dtype)  # b = bt.T, shape (7, 5)
    a, b = at.T, bt.T
    xa, yb = to_kiln(a, dtype), to_kiln(b, dtype)
    xt, yt = to_kiln(at, dtype).T, to_kiln(bt, dtype).T
    for x, y in [(xt, yb), (xa, yt), (xt, yt)]:
        assert_product(x @ y, a, b, dtype)
    # Batched with the last two axes swapped, and matrix-vector with a transposed matrix.
    ab = random_np(rng, (3, 9, 7), dtype)
    xb = mx.transpose(to_kiln(ab, dtype), (0, 2, 1))
    bb = random_np(rng, (3, 9, 5), dtype)
    assert_product(xb @ to_kiln(bb, dtype), np.swapaxes(ab, 1, 2), bb, dtype)
    v = random_np(rng, (9,), dtype)
    w = random_np(rng, (7,), dtype)
    assert_product(xt @ to_kiln(w, dtype), a, w, dtype)  # transposed matrix @ vector
    assert_product(to_kiln(v, dtype) @ xt, v, a, dtype)  # vector @ transposed matrix


@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
def test_matmul_layouts(rng, dtype):
    # Every pairing of contiguous, transposed and broadcast operands.
    for x, a in layouts(rng, (5, 6), dtype):
        for y, b in layouts(rng, (6, 4), dtype):
            assert_product(x @ y, a, b, dtype)
            assert_product(mx.addmm(mx.zeros((4,), dtype=x.dtype), x, y), a, b, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float16", "complex64"])
def test_matmul_strided_views(rng, dtype):
    # Diagonals (einsum) are views with gaps between rows: BLAS reads them with a leading
    # dimension larger than the row; a view BLAS cannot read (broadcast rows) is copied.
    big = random_np(rng, (4, 4, 6), dtype)
    x = mx.einsum("iij->ij", to_kiln(big, dtype))
    a = np.einsum("iij->ij", big)
    b = random_np(rng, (6, 3), dtype)
    assert_product(x @ to_kiln(b, dtype), a, b, dtype)
    assert_product(mx.transpose(x) @ to_kiln(a, dtype), a.T, a, dtype)
    row = random_np(rng, (1, 6), dtype)
    xb = mx.broadcast_to(to_kiln(row, dtype), (5, 6))
    assert_product(xb @ to_kiln(b, dtype), np.broadcast_to(row, (5, 6)), b, dtype)
    col = random_np(rng, (6, 1), dtype)
    yb = mx.broadcast_to(to_kiln(col, dtype), (6, 4))
    assert_product(to_kiln(a, dtype) @ yb, a, np.broadcast_to(col, (6, 4)), dtype)
    # A vector with stride 0 (broadcast scalar).
    one = random_np(rng, (1,), dtype)
    s = mx.broadcast_to(to_kiln(one, dtype), (6,))
    assert_product(to_kiln(a, dtype) @ s, a, np.broadcast_to(one, (6,)), dtype)


@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
def test_matmul_many_small_batches(rng, dtype):
    # Small products run in parallel over the batch on the thread pool.
    a, b, x, y = operands(rng, (64, 8, 6), (64, 6, 7), dtype)
    assert_product(x @ y, a, b, dtype)
    a, b, x, y = operands(rng, (200, 4), (200, 4, 1), dtype)
    a = a[:, None, :]
    assert_product(mx.expand_dims(x, 1) @ y, a, b, dtype)


def test_matmul_large_float32(rng):
    # Big enough for OpenBLAS's own threads.
    a, b, x, y = operands(rng, (300, 257), (257, 311), "float32")
    assert_product(x @ y, a, b, "float32")
    a, b, x, y = operands(rng, (2, 200, 150), (2, 150, 180), "float32")
    assert_product(x @ y, a, b, "float32")


@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
@pytest.mark.parametrize("shapes", [((4, 0), (0, 3)), ((0, 5), (5, 3)), ((4, 5), (5, 0)),
                                    ((0, 4, 5), (5, 3)), ((2, 3, 0), (2, 0, 4)), ((0,), (0,)),
                                    ((0,), (0, 3))], ids=str)
def test_matmul_empty(rng, dtype, shapes):
    a, b, x, y = operands(rng, *shapes, dtype)
    out = x @ y
    expected = np.matmul(ref(a), ref(b))
    assert out.shape == expected.shape
    np.testing.assert_array_equal(to_numpy(out), expected)


def test_matmul_mixed_dtypes(rng):
    a = random_np(rng, (3, 4), "float16")
    b = random_np(rng, (4, 2), "float32")
    out = mx.matmul(mx.array(a), mx.array(b))
    assert out.dtype == mx.float32
    assert_product(out, a.astype(np.float32), b, "float32")
    i = rng.integers(-3, 4, (4, 2)).astype(np.int32)
    out = mx.matmul(mx.array(a), mx.array(i))
    assert out.dtype == mx.float16
    assert_product(out, a, i.astype(np.float16), "float16")
    out = mx.matmul(mx.array(a.astype(np.float32)), mx.array(b.astype(np.complex64)))
    assert out.dtype == mx.complex64


@pytest.mark.parametrize("dtype", ["int32", "int8", "uint64", "bool_"])
def test_matmul_rejects_integers(dtype):
    x = mx.ones((2, 2), dtype=getattr(mx, dtype))
    with pytest.raises(ValueError, match=r"\[matmul\] only floating point.*" + dtype.rstrip("_")):
        mx.matmul(x, x)
    with pytest.raises(ValueError, match="only floating point"):
        x @ x
    with pytest.raises(ValueError, match=r"\[addmm\] only floating point"):
        mx.addmm(x, x, x)


def test_matmul_shape_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\).*\(3\).*\(4\)"):
        mx.matmul(mx.ones((2, 3)), mx.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        mx.matmul(mx.ones((3,)), mx.ones((4,)))
    with pytest.raises(ValueError, match=r"batch dimensions of shapes \(2, 3, 4\) and \(5, 4, 1\)"):
        mx.matmul(mx.ones((2, 3, 4)), mx.ones((5, 4, 1)))
    with pytest.raises(ValueError, match="at least one dimension"):
        mx.matmul(mx.array(1.0), mx.ones((2,)))


def test_matmul_operators(rng):
    a, b, x, y = operands(rng, (3, 4), (4, 2), "float32")
    assert_product(y.__rmatmul__(x), a, b, "float32")
    with pytest.raises(ValueError, match="matmul"):  # operators refuse lists, as MLX's do
        [[float(v) for v in row] for row in a] @ y
    z = x
    z @= y  # rebinds the array object to the product, as MLX's in-place operators do
    assert z is x
    assert_product(z, a, b, "float32")
    with pytest.raises(TypeError):
        x @ "text"
    assert x.__matmul__(object()) is NotImplemented


def test_matmul_stays_lazy_and_reuses_graph(rng):
    a, b, x, y = operands(rng, (8, 8), (8, 8), "float64")
    z = (x @ y) @ (x @ y)
    mx.eval(z)
    assert_product(z, a @ b, a @ b, "float64")


# ---- addmm ----

@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
@pytest.mark.parametrize("shapes", [((4, 5), (5, 3), (4, 3)), ((4, 5), (5, 3), (3,)),
                                    ((4, 5), (5, 3), (4, 1)), ((4, 5), (5, 3), ()),
                                    ((2, 4, 5), (5, 3), (2, 1, 3)), ((5,), (5, 3), (3,)),
                                    ((4, 5), (5,), (4,)), ((5,), (5,), ()), ((4, 0), (0, 3), (4, 3)),
                                    ((6, 1, 5), (5, 3), (6, 1, 3))], ids=str)
@pytest.mark.parametrize("alpha,beta", [(1.0, 1.0), (0.5, -2.0), (2.0, 0.0)])
def test_addmm(rng, dtype, shapes, alpha, beta):
    sa, sb, sc = shapes
    a, b, x, y = operands(rng, sa, sb, dtype)
    c = random_np(rng, sc, dtype)
    out = mx.addmm(to_kiln(c, dtype), x, y, alpha=alpha, beta=beta)
    expected = alpha * np.matmul(ref(a), ref(b)) + beta * ref(c)
    scale = abs(alpha) * np.matmul(np.abs(ref(a)), np.abs(ref(b))) + abs(beta) * np.abs(ref(c))
    g = to_numpy(out)
    assert g.shape == expected.shape
    assert str(out.dtype).split(".")[-1] == dtype
    assert np.all(np.abs(g - expected) <= BOUND[dtype] * scale + 1e-30)


def test_addmm_beta_zero_ignores_c():
    c = mx.array([[np.nan, np.inf]], dtype=mx.float32)
    out = mx.addmm(c, mx.ones((1, 2)), mx.ones((2, 2)), beta=0.0)
    assert np.array(out).tolist() == [[2.0, 2.0]]


def test_addmm_donated_c(rng):
    # c computed in the graph and used only here: the product is accumulated into its buffer.
    a, b, x, y = operands(rng, (16, 8), (8, 16), "float32")
    c = random_np(rng, (16, 16), "float32")
    out = mx.addmm(mx.array(c) * 1.0, x, y, alpha=2.0, beta=3.0)
    np.testing.assert_allclose(np.array(out), 2 * a @ b + 3 * c, rtol=1e-5, atol=1e-5)


def test_addmm_errors():
    with pytest.raises(ValueError, match=r"\[addmm\] c of shape \(5,\) cannot be broadcast.*\(4, 3\)"):
        mx.addmm(mx.ones((5,)), mx.ones((4, 2)), mx.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[addmm\]"):
        mx.addmm(mx.ones((4, 3)), mx.ones((4, 2)), mx.ones((3, 3)))


# ---- tensordot, inner, outer, vecdot, kron ----

@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "float16"])
@pytest.mark.parametrize("case", [
    ((3, 4, 5), (4, 5, 6), 2), ((3, 4), (4, 5), 1), ((3, 4), (5, 6), 0),
    ((2, 3, 4), (3, 4), 2), ((3, 4, 5), (5, 4, 3), ([1, 2], [1, 0])),
    ((3, 4, 5), (3, 6), ([0], [0])), ((4, 3), (3, 4), [1, 0]), ((0, 3), (3, 2), 1),
], ids=str)
def test_tensordot(rng, dtype, case):
    sa, sb, axes = case
    a, b, x, y = operands(rng, sa, sb, dtype)
    assert_product(mx.tensordot(x, y, axes=axes), a, b, dtype,
                   fn=lambda p, q: np.tensordot(p, q, axes=axes))


def test_tensordot_errors():
    x = mx.ones((3, 4))
    with pytest.raises(ValueError, match=r"axis 1 of a .*size 4.*axis 0 of b .*size 5"):
        mx.tensordot(x, mx.ones((5, 2)), axes=([1], [0]))
    with pytest.raises(ValueError, match="axes=3"):
        mx.tensordot(x, x, axes=3)
    with pytest.raises(ValueError, match="same length"):
        mx.tensordot(x, x, axes=([0, 1], [0]))
    with pytest.raises(mx.AxisError, match=r"\[tensordot\] axis 2"):
        mx.tensordot(x, x, axes=([2], [0]))
    with pytest.raises(TypeError):
        mx.tensordot(x, x, axes="ij")


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "bfloat16"])
@pytest.mark.parametrize("shapes", [((5,), (5,)), ((3, 5), (5,)), ((3, 5), (2, 4, 5)),
                                    ((2, 3, 5), (4, 5))], ids=str)
def test_inner(rng, dtype, shapes):
    a, b, x, y = operands(rng, *shapes, dtype)
    assert_product(mx.inner(x, y), a, b, dtype, fn=np.inner)


def test_inner_scalar_and_errors(rng):
    a = random_np(rng, (3, 2), "int32")
    np.testing.assert_array_equal(np.array(mx.inner(mx.array(a), 3)), np.inner(a, 3))
    with pytest.raises(ValueError, match=r"\[inner\].*\(3, 2\) and \(3,\)"):
        mx.inner(mx.ones((3, 2)), mx.ones((3,)))


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "complex64", "bool_"])
def test_outer(rng, dtype):
    a = random_np(rng, (4,), dtype)
    b = random_np(rng, (2, 3), dtype)
    out = mx.outer(to_kiln(a, dtype), to_kiln(b, dtype))
    expected = np.outer(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(to_numpy(out), expected, rtol=2e-3 if dtype == "float16" else 1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "float16"])
@pytest.mark.parametrize("case", [((5,), (5,), -1), ((3, 5), (5,), -1), ((4, 3), (4, 1), 0),
                                  ((2, 1, 5), (3, 5), -1), ((40, 7), (40, 7), 1),
                                  ((6, 3, 2000), (6, 3, 2000), 2), ((4, 0), (4, 0), 1)], ids=str)
def test_vecdot(rng, dtype, case):
    sa, sb, axis = case
    a, b, x, y = operands(rng, sa, sb, dtype)
    if sb == (4, 1):
        b = np.broadcast_to(b, (4, 3)).copy()
        y = to_kiln(b, dtype)
    assert_product(mx.vecdot(x, y, axis=axis), a, b, dtype,
                   fn=lambda p, q: np.sum(np.conj(p) * q, axis=axis))


def test_vecdot_errors():
    with pytest.raises(ValueError, match=r"\[vecdot\]"):
        mx.vecdot(mx.ones((3, 4)), mx.ones((3, 5)))
    with pytest.raises(mx.AxisError, match=r"\[vecdot\] axis 2"):
        mx.vecdot(mx.ones((3, 4)), mx.ones((3, 4)), axis=2)


@pytest.mark.parametrize("dtypes", [("int32", "int32"), ("int8", "int16"), ("uint8", "int64"),
                                    ("bool_", "bool_"), ("bool_", "int32")], ids=str)
def test_vecdot_integers_are_exact(rng, dtypes):
    # Integer and bool vectors sum exactly in their promoted dtype, as NumPy's vecdot.
    a = random_np(rng, (3, 1, 6), dtypes[0])
    b = random_np(rng, (4, 6), dtypes[1])
    out = mx.vecdot(to_kiln(a, dtypes[0]), to_kiln(b, dtypes[1]))
    d = np.result_type(a, b)
    expected = np.sum(a.astype(d) * b.astype(d), axis=-1).astype(d)
    assert out.dtype == getattr(mx, "bool_" if d == np.bool_ else str(d))
    np.testing.assert_array_equal(np.array(out), expected)


@pytest.mark.parametrize("dtype", ["float32", "int32", "complex64", "float16"])
@pytest.mark.parametrize("shapes", [((2, 3), (4, 5)), ((3,), (2, 2)), ((2, 1, 2), (3, 2)),
                                    ((), (3,)), ((0, 2), (3, 3))], ids=str)
def test_kron(rng, dtype, shapes):
    a = random_np(rng, shapes[0], dtype)
    b = random_np(rng, shapes[1], dtype)
    out = mx.kron(to_kiln(a, dtype), to_kiln(b, dtype))
    expected = np.kron(a, b)
    assert out.shape == expected.shape
    np.testing.assert_allclose(to_numpy(out), expected, rtol=2e-3 if dtype == "float16" else 1e-6)


# ---- einsum ----

EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij->ji", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->i", [(5,), (5,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...i,...i->...", [(6, 3, 7), (3, 7)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("ij,jk,kl->il", [(30, 4), (4, 30), (30, 2)]),
    ("abc,cd,bd->a", [(2, 3, 4), (4, 5), (3, 5)]),
    ("iij->ij", [(3, 3, 4)]),
    ("ijk,ikj->i", [(3, 4, 5), (3, 5, 4)]),
    ("bA,Ab", [(2, 3), (3, 2)]),
    ("ij,ij->ij", [(2, 3), (1, 3)]),
    ("bi,bi->b", [(40, 6), (40, 6)]),
    ("i,ij,j", [(3,), (3, 4), (4,)]),
    ("ij,kl->ijkl", [(2, 3), (1, 2)]),
    ("ij,jk->ik", [(3, 0), (0, 2)]),
    ("ii->", [(0, 0)]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64"])
@pytest.mark.parametrize("case", EINSUM_CASES, ids=lambda c: str(c))
def test_einsum(rng, dtype, case):
    sub, shapes = case
    ins = [random_np(rng, s, dtype) for s in shapes]
    out = mx.einsum(sub, *[to_kiln(x, dtype) for x in ins])
    expected = np.einsum(sub, *[ref(x) for x in ins])
    scale = np.einsum(sub, *[np.abs(ref(x)) for x in ins])
    g = to_numpy(out)
    assert g.shape == expected.shape
    assert np.all(np.abs(g - expected) <= BOUND[dtype] * scale + 1e-30)


def test_einsum_integer_without_sums(rng):
    a = random_np(rng, (3, 3, 4), "int32")
    b = random_np(rng, (4,), "int32")
    np.testing.assert_array_equal(np.array(mx.einsum("iij->ji", mx.array(a))),
                                  np.einsum("iij->ji", a))
    np.testing.assert_array_equal(np.array(mx.einsum("ijk,k->ijk", mx.array(a), mx.array(b))),
                                  np.einsum("ijk,k->ijk", a, b))



@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int16"])
@pytest.mark.parametrize("case", EINSUM_CASES, ids=lambda c: str(c))
def test_einsum_integers_are_exact(rng, dtype, case):
    # Every equation works for integers, sums included, in the operands' dtype (where MLX
    # rejects the contractions it sends to matmul).
    sub, shapes = case
    ins = [random_np(rng, s, dtype) for s in shapes]
    out = mx.einsum(sub, *[mx.array(x) for x in ins])
    expected = np.einsum(sub, *ins)
    assert out.dtype == getattr(mx, dtype)
    np.testing.assert_array_equal(np.array(out), expected)


def test_einsum_integer_contraction_in_slices(rng):
    # 400 products for each of 90,000 outputs: summed over slices of the 400.
    a = rng.integers(-1000, 1000, (300, 400))
    b = rng.integers(-1000, 1000, (400, 300))
    out = mx.einsum("ij,jk->ik", mx.array(a), mx.array(b))
    assert out.dtype == mx.int64
    np.testing.assert_array_equal(np.array(out), a @ b)


def test_einsum_bool():
    a = np.array([[True, False], [True, True]])
    b = np.array([[False, True], [False, False]])
    for sub in ("ij,jk->ik", "ij->", "ij,ij->i"):
        out = mx.einsum(sub, mx.array(a), mx.array(b)) if "," in sub else mx.einsum(sub, mx.array(a))
        expected = np.einsum(sub, a, b) if "," in sub else np.einsum(sub, a)
        assert out.dtype == mx.bool_
        np.testing.assert_array_equal(np.array(out), expected)


def test_einsum_errors():
    x = mx.ones((3, 4))
    with pytest.raises(ValueError, match="2 operand"):
        mx.einsum("ij,jk->ik", x)
    with pytest.raises(ValueError, match=r"shape \(3, 4\).*\"ijk\""):
        mx.einsum("ijk->i", x)
    with pytest.raises(ValueError, match="invalid character"):
        mx.einsum("i1->i", x)
    with pytest.raises(ValueError, match="does not appear"):
        mx.einsum("ij->iz", x)
    with pytest.raises(ValueError, match="more than once"):
        mx.einsum("ij->ii", x)
    with pytest.raises(ValueError, match="size 4 in one operand and 5"):
        mx.einsum("ij,jk->ik", x, mx.ones((5, 2)))
    with pytest.raises(ValueError, match="repeated"):
        mx.einsum("ii->i", x)
    with pytest.raises(ValueError, match=r"'\.\.\.'"):
        mx.einsum("...j->j", mx.ones((2, 3, 4)))
    with pytest.raises(TypeError):
        mx.einsum("ij->i", x, axis=1)


def test_einsum_path():
    a, b, c = mx.ones((100, 10)), mx.ones((10, 100)), mx.ones((100, 10))
    path, text = mx.einsum_path("ij,jk,kl->il", a, b, c)
    assert path == [(1, 2), (0, 1)]  # the small (jk,kl) contraction first
    assert "Complete contraction: ij,jk,kl->il" in text
    assert "Optimized FLOP count: 4.000e+04" in text
    path, _ = mx.einsum_path("ij->i", a)
    assert path == [(0,)]


# ---- GEMV kernels on the GPU ----

@pytest.mark.gpu_only
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("k,n", [(4096, 1000), (37, 129), (1, 8), (5000, 3)])
def test_matrix_vector_layouts(rng, dtype, k, n):
    """x @ W.T (W's rows contiguous) and x @ W (W row-major) take the GEMV kernels."""
    x = rng.standard_normal((1, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    dt = getattr(mx, dtype)
    kx, kw = mx.array(x).astype(dt), mx.array(w).astype(dt)
    ref_x = np.array(kx.astype(mx.float32)).astype(np.float64)
    ref_w = np.array(kw.astype(mx.float32)).astype(np.float64)
    ref = ref_x @ ref_w.T
    scale = np.abs(ref_x) @ np.abs(ref_w).T + 1e-6
    tol = {"float16": 2e-3, "bfloat16": 1e-2, "float32": 1e-5}[dtype]
    for got in (mx.matmul(kx, kw.T, stream=mx.gpu),
                mx.matmul(kx, mx.contiguous(kw.T, stream=mx.gpu), stream=mx.gpu)):
        err = np.abs(np.array(got.astype(mx.float32)) - ref) / scale
        assert err.max() < tol
