"""Automatic differentiation: every differentiable op against central finite differences in
float64, vjp/jvp consistency, higher derivatives, composition with vmap, pytrees, custom
functions, checkpointing, errors, and memory over a long gradient loop."""

import os

import numpy as np
import pytest

import kiln.core as mx
from helpers import keep_f64

EPS = 1e-6


def any_(rng, shape):
    return rng.uniform(-2.0, 2.0, shape)


def pos(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


def unit(rng, shape):
    return rng.uniform(-0.9, 0.9, shape)


def gt1(rng, shape):
    return rng.uniform(1.2, 3.0, shape)


def distinct(rng, shape):
    """Values at least 0.1 apart (no ties for max, min, sorting-like ops)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.05, n) - n * 0.05).reshape(shape)


def with_zeros(rng, shape):
    x = rng.uniform(-2.0, 2.0, shape)
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, size=min(2, flat.size), replace=False)] = 0.0
    return x


def setitem(x, idx, v):
    y = x * 1.0
    y[idx] = v
    return y


def masked_set(x, v):
    mask = mx.array(np.array([[True, False, True, False], [False, False, True, True], [True] * 4]))
    return setitem(x, mask, v)


IDX = mx.array(np.array([2, 0, 2, 1], dtype=np.int32))
KEY = mx.random.key(17)

# (name, function of float64 arrays, input generators and shapes)
OPS = [
    # unary
    ("abs", mx.abs, [(any_, (3, 4))]),
    ("negative", mx.negative, [(any_, (3, 4))]),
    ("sign", mx.sign, [(any_, (3, 4))]),
    ("square", mx.square, [(any_, (3, 4))]),
    ("sqrt", mx.sqrt, [(pos, (3, 4))]),
    ("rsqrt", mx.rsqrt, [(pos, (3, 4))]),
    ("reciprocal", mx.reciprocal, [(pos, (3, 4))]),
    ("exp", mx.exp, [(any_, (3, 4))]),
    ("expm1", mx.expm1, [(any_, (3, 4))]),
    ("log", mx.log, [(pos, (3, 4))]),
    ("log2", mx.log2, [(pos, (3, 4))]),
    ("log10", mx.log10, [(pos, (3, 4))]),
    ("log1p", mx.log1p, [(pos, (3, 4))]),
    ("sin", mx.sin, [(any_, (3, 4))]),
    ("cos", mx.cos, [(any_, (3, 4))]),
    ("tan", mx.tan, [(unit, (3, 4))]),
    ("arcsin", mx.arcsin, [(unit, (3, 4))]),
    ("arccos", mx.arccos, [(unit, (3, 4))]),
    ("arctan", mx.arctan, [(any_, (3, 4))]),
    ("sinh", mx.sinh, [(any_, (3, 4))]),
    ("cosh", mx.cosh, [(any_, (3, 4))]),
    ("tanh", mx.tanh, [(any_, (3, 4))]),
    ("arcsinh", mx.arcsinh, [(any_, (3, 4))]),
    ("arccosh", mx.arccosh, [(gt1, (3, 4))]),
    ("arctanh", mx.arctanh, [(unit, (3, 4))]),
    ("erf", mx.erf, [(any_, (3, 4))]),
    ("erfinv", mx.erfinv, [(unit, (3, 4))]),
    ("sigmoid", mx.sigmoid, [(any_, (3, 4))]),
    ("floor", mx.floor, [(any_, (3, 4))]),
    ("ceil", mx.ceil, [(any_, (3, 4))]),
    ("round", mx.round, [(any_, (3, 4))]),
    ("degrees", mx.degrees, [(any_, (3, 4))]),
    ("radians", mx.radians, [(any_, (3, 4))]),
    # binary, with broadcasting
    ("add", mx.add, [(any_, (3, 4)), (any_, (4,))]),
    ("subtract", mx.subtract, [(any_, (3, 1)), (any_, (3, 4))]),
    ("multiply", mx.multiply, [(any_, (2, 3, 4)), (any_, (3, 1))]),
    ("divide", mx.divide, [(any_, (3, 4)), (pos, (4,))]),
    ("power", mx.power, [(pos, (3, 4)), (any_, (3, 4))]),
    ("power_scalar", lambda x: x**3, [(any_, (3, 4))]),
    ("maximum", mx.maximum, [(distinct, (3, 4)), (distinct, (3, 4))]),
    ("minimum", mx.minimum, [(distinct, (3, 4)), (distinct, (1, 4))]),
    ("logaddexp", mx.logaddexp, [(any_, (3, 4)), (any_, (3, 4))]),
    ("arctan2", mx.arctan2, [(any_, (3, 4)), (pos, (3, 4))]),
    ("remainder", mx.remainder, [(pos, (3, 4)), (pos, (3, 4))]),
    ("floor_divide", mx.floor_divide, [(pos, (3, 4)), (pos, (3, 4))]),
    ("where", lambda c, x, y: mx.where(c > 0, x, y),
     [(any_, (3, 4)), (any_, (4,)), (any_, (3, 1))]),
    ("clip", lambda x: mx.clip(x, -0.5, 0.7), [(any_, (3, 4))]),
    # shape
    ("reshape", lambda x: mx.reshape(x, (4, 3)), [(any_, (3, 4))]),
    ("transpose", lambda x: mx.transpose(x, (2, 0, 1)), [(any_, (2, 3, 4))]),
    ("broadcast_to", lambda x: mx.broadcast_to(x, (2, 3, 4)), [(any_, (3, 1))]),
    ("contiguous", lambda x: mx.contiguous(x.T), [(any_, (3, 4))]),
    ("diagonal", lambda x: mx.diagonal(x, 1, 0, 2), [(any_, (3, 2, 4))]),
    ("diagonal_neg", lambda x: mx.diagonal(x, -1), [(any_, (4, 3))]),
    ("as_strided", lambda x: mx.as_strided(x, (3, 3), (2, 1)), [(any_, (3, 4))]),
    ("moveaxis", lambda x: mx.moveaxis(x, 0, -1), [(any_, (2, 3, 4))]),
    ("flatten", lambda x: mx.flatten(x, 1), [(any_, (2, 3, 4))]),
    # slicing
    ("slice", lambda x: x[1:3, ::-2], [(any_, (4, 5))]),
    ("slice_update", lambda x, v: setitem(x, (slice(1, 3), slice(None, None, 2)), v),
     [(any_, (4, 5)), (any_, (2, 3))]),
    ("slice_dynamic", lambda x: mx.slice(x, mx.array([1]), [0], (2, 4)), [(any_, (4, 4))]),
    ("slice_update_dynamic", lambda x, u: mx.slice_update(x, u, mx.array([1, 2]), [0, 1]),
     [(any_, (4, 5)), (any_, (2, 2))]),
    # concatenation, padding, rolling
    ("concatenate", lambda a, b: mx.concatenate([a, b, a], axis=1),
     [(any_, (2, 3)), (any_, (2, 1))]),
    ("stack", lambda a, b: mx.stack([a, b], axis=1), [(any_, (2, 3)), (any_, (2, 3))]),
    ("split", lambda x: mx.split(x, [1, 3], axis=1)[1] * 2, [(any_, (2, 5))]),
    ("tile", lambda x: mx.tile(x, (2, 3)), [(any_, (2, 3))]),
    ("repeat", lambda x: mx.repeat(x, 3, axis=0), [(any_, (2, 3))]),
    ("pad_constant", lambda x, v: mx.pad(x, ((1, 2), (0, 1)), constant_values=v),
     [(any_, (2, 3)), (any_, ())]),
    ("pad_edge", lambda x: mx.pad(x, ((2, 1), (1, 3)), mode="edge"), [(any_, (2, 3))]),
    ("pad_reflect", lambda x: mx.pad(x, ((2, 3), (1, 0)), mode="reflect"), [(any_, (3, 3))]),
    ("pad_symmetric", lambda x: mx.pad(x, ((4, 1), (0, 2)), mode="symmetric"), [(any_, (2, 3))]),
    ("roll", lambda x: mx.roll(x, (1, -2), (0, 1)), [(any_, (3, 4))]),
    ("full", lambda v: mx.full((2, 3), v), [(any_, ())]),
    ("full_array", lambda v: mx.full((2, 3), v), [(any_, (3,))]),
    # reductions
    ("sum", lambda x: mx.sum(x, axis=(0, 2)), [(any_, (2, 3, 4))]),
    ("sum_all", mx.sum, [(any_, (2, 3))]),
    ("prod", lambda x: mx.prod(x, axis=1), [(any_, (3, 4))]),
    ("prod_zeros", lambda x: mx.prod(x, axis=(0, 1)), [(with_zeros, (3, 4))]),
    ("max", lambda x: mx.max(x, axis=1), [(distinct, (3, 4))]),
    ("min", lambda x: mx.min(x, axis=(0, 2)), [(distinct, (3, 2, 4))]),
    ("mean", lambda x: mx.mean(x, axis=0), [(any_, (3, 4))]),
    ("var", lambda x: mx.var(x, axis=1, ddof=1), [(any_, (3, 4))]),
    ("std", lambda x: mx.std(x), [(any_, (3, 4))]),
    ("logsumexp", lambda x: mx.logsumexp(x, axis=1), [(any_, (3, 4))]),
    ("logsumexp_axes", lambda x: mx.logsumexp(x, axis=(0, 2)), [(any_, (2, 3, 4))]),
    ("softmax", lambda x: mx.softmax(x, axis=-1), [(any_, (3, 4))]),
    ("softmax_axes", lambda x: mx.softmax(x, axis=(0, 2)), [(any_, (2, 3, 4))]),
    ("trace", lambda x: mx.trace(x, 1, 0, 2), [(any_, (3, 2, 4))]),
    # scans
    ("cumsum", lambda x: mx.cumsum(x, axis=1), [(any_, (3, 4))]),
    ("cumsum_rev_excl", lambda x: mx.cumsum(x, axis=0, reverse=True, inclusive=False),
     [(any_, (4, 3))]),
    ("cumprod", lambda x: mx.cumprod(x, axis=1), [(any_, (3, 5))]),
    ("cumprod_zeros", lambda x: mx.cumprod(x, axis=1), [(with_zeros, (2, 6))]),
    ("cumprod_rev_excl", lambda x: mx.cumprod(x, axis=1, reverse=True, inclusive=False),
     [(with_zeros, (3, 5))]),
    ("cummax", lambda x: mx.cummax(x, axis=1), [(distinct, (3, 5))]),
    ("cummin_rev", lambda x: mx.cummin(x, axis=0, reverse=True), [(distinct, (5, 3))]),
    ("cummax_excl", lambda x: mx.cummax(x, axis=1, inclusive=False)[:, 1:], [(distinct, (3, 5))]),
    ("logcumsumexp", lambda x: mx.logcumsumexp(x, axis=1), [(any_, (3, 5))]),
    ("logcumsumexp_rev_excl",
     lambda x: mx.logcumsumexp(x, axis=1, reverse=True, inclusive=False)[:, :-1], [(any_, (3, 5))]),
    # products
    ("matmul", mx.matmul, [(any_, (3, 4)), (any_, (4, 2))]),
    ("matmul_batched", mx.matmul, [(any_, (2, 1, 3, 4)), (any_, (3, 4, 2))]),
    ("matmul_vector", mx.matmul, [(any_, (4,)), (any_, (2, 4, 3))]),
    ("addmm", lambda c, a, b: mx.addmm(c, a, b, alpha=0.5, beta=2.0),
     [(any_, (3,)), (any_, (2, 4)), (any_, (4, 3))]),
    ("tensordot", lambda a, b: mx.tensordot(a, b, axes=([0, 2], [1, 0])),
     [(any_, (2, 3, 4)), (any_, (4, 2, 5))]),
    ("einsum", lambda a, b: mx.einsum("ij,jk->ik", a, b), [(any_, (2, 3)), (any_, (3, 4))]),
    ("outer", mx.outer, [(any_, (3,)), (any_, (4,))]),
    # gathers and scatters
    ("take", lambda x: mx.take(x, IDX, axis=1), [(any_, (3, 4))]),
    ("take_flat", lambda x: mx.take(x, IDX), [(any_, (3, 2))]),
    ("take_along_axis",
     lambda x: mx.take_along_axis(x, mx.array(np.array([[0, 2, 2], [1, 1, 0]])), axis=1),
     [(any_, (2, 3))]),
    ("put_along_axis",
     lambda x, v: mx.put_along_axis(x, mx.array(np.array([[0, 2, 0], [1, 1, 0]])), v, axis=1),
     [(any_, (2, 3)), (any_, (2, 3))]),
    ("take_negative", lambda x: mx.take(x, mx.array([-1, 0, -3, -1]), axis=0), [(any_, (3, 2))]),
    ("getitem_array", lambda x: x[IDX], [(any_, (3, 4))]),
    ("getitem_slices", lambda x: x[:, IDX, 1:], [(any_, (2, 3, 4))]),
    ("getitem_pair", lambda x: x[IDX, mx.array([0, 1, 3, 3])], [(any_, (3, 4))]),
    ("setitem_array", lambda x, v: setitem(x, IDX, v), [(any_, (3, 4)), (any_, (4, 4))]),
    ("at_add", lambda x, v: x.at[IDX].add(v), [(any_, (3, 4)), (any_, (4, 4))]),
    ("at_multiply", lambda x, v: x.at[IDX].multiply(v), [(any_, (3, 4)), (any_, (4, 4))]),
    ("at_multiply_zeros", lambda x, v: x.at[IDX].multiply(v),
     [(with_zeros, (3, 4)), (with_zeros, (4, 4))]),
    ("at_maximum", lambda x, v: x.at[IDX].maximum(v), [(distinct, (3, 4)), (distinct, (4, 4))]),
    ("at_minimum", lambda x, v: x.at[IDX].minimum(v), [(distinct, (3, 4)), (distinct, (4, 4))]),
    ("masked_setitem", masked_set, [(any_, (3, 4)), (any_, (8,))]),
    # random: with a fixed key, samples are smooth functions of the parameters
    ("random_uniform", lambda lo, hi: mx.random.uniform(lo - 3, hi + 3, (3, 4), mx.float64,
                                                        key=KEY).astype(lo.dtype),
     [(any_, (3, 4)), (any_, (4,))]),
    ("random_normal", lambda m, s: mx.random.normal((3, 4), mx.float64, loc=m, scale=s,
                                                    key=KEY).astype(m.dtype),
     [(any_, (3, 1)), (pos, (4,))]),
    # transforms' own primitives (stop_gradient departs from finite differences on purpose)
    ("depends", lambda x, y: mx.depends(x * 2, y) * y, [(any_, (3,)), (any_, (3,))]),
]


def np_of(a):
    return np.array(a)


def check_rule(fn, inputs, rng, rtol=1e-6, atol=1e-7):
    xs = [keep_f64(x) for x in inputs]
    out = fn(*xs)
    assert out.dtype == mx.float64
    for _ in range(2):
        vs = [rng.standard_normal(np.shape(x)) for x in inputs]
        plus = np_of(fn(*[keep_f64(x + EPS * v) for x, v in zip(inputs, vs)]))
        minus = np_of(fn(*[keep_f64(x - EPS * v) for x, v in zip(inputs, vs)]))
        fd = (plus - minus) / (2 * EPS)
        outs, (jv,) = mx.jvp(fn, xs, [keep_f64(v) for v in vs])
        np.testing.assert_allclose(np_of(outs[0]), np_of(out), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np_of(jv), fd, rtol=rtol, atol=atol)
        u = rng.standard_normal(out.shape)
        _, vjps = mx.vjp(fn, xs, [keep_f64(u)])
        assert len(vjps) == len(xs)
        for g, x in zip(vjps, inputs):
            assert g.shape == np.shape(x) and g.dtype == mx.float64
        lhs = sum(float((np_of(g) * v).sum()) for g, v in zip(vjps, vs))
        rhs = float((u * fd).sum())
        assert abs(lhs - rhs) <= rtol * 10 * (abs(rhs) + np.abs(u * fd).sum()) + atol
        # The same pairing computed exactly: vjp and jvp are transposes.
        exact = float((u * np_of(jv)).sum())
        assert abs(lhs - exact) <= 1e-9 * (abs(exact) + np.abs(u * np_of(jv)).sum() + 1)


@pytest.mark.parametrize("name,fn,spec", OPS, ids=[o[0] for o in OPS])
def test_rule_against_finite_differences(name, fn, spec, rng):
    inputs = [gen(rng, shape) for gen, shape in spec]
    check_rule(fn, inputs, rng)


@pytest.mark.parametrize("name,fn,spec", OPS, ids=[o[0] for o in OPS])
def test_rule_in_float32(name, fn, spec, rng):
    """The same rules in float32 give float32 cotangents close to the float64 ones."""
    inputs = [gen(rng, shape) for gen, shape in spec]
    out = fn(*[mx.array(x) for x in inputs])
    u = rng.standard_normal(out.shape)
    _, g64 = mx.vjp(fn, [keep_f64(x) for x in inputs], [keep_f64(u)])
    x32 = [mx.array(x.astype(np.float32)) for x in inputs]
    _, g32 = mx.vjp(fn, x32, [mx.array(u.astype(np.float32))])
    for a, b in zip(g32, g64):
        assert a.dtype == mx.float32
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rules_in_half_precision(dtype, rng):
    dt = getattr(mx, dtype)
    fns = [
        lambda x: mx.sum(mx.softmax(x, axis=-1) * mx.arange(4).astype(x.dtype)),
        lambda x: mx.sum(mx.tanh(mx.matmul(x, x.T))),
        lambda x: mx.mean(mx.exp(x) / (1 + x * x)),
        lambda x: mx.logsumexp(x),
        lambda x: mx.sum(mx.cumsum(mx.sigmoid(x), axis=1) * x[::-1]),
    ]
    for fn in fns:
        x = rng.uniform(-1, 1, (3, 4))
        ref = np.array(mx.grad(fn)(mx.array(x)))
        g = mx.grad(fn)(mx.array(x).astype(dt))
        assert g.dtype == dt
        np.testing.assert_allclose(np.array(g.astype(mx.float32)), ref, rtol=5e-2, atol=5e-2)


def test_complex_vjp_jvp_pairing(rng):
    """Complex vjps follow MLX's convention (cotangents are dL/d(conj z)), which pairs them
    with jvps through the Hermitian product: Re(sum(conj(vjp(u)) * v)) == Re(sum(conj(u) *
    jvp(v)))."""
    def c(shape):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)

    b = mx.array(c((3,)))
    fns = [mx.exp, mx.sin, lambda z: z * z, mx.conjugate, mx.real, mx.imag, mx.abs,
           lambda z: mx.sum(z * b), lambda z: mx.matmul(z.reshape(1, 3), b.reshape(3, 1))]
    for fn in fns:
        x = c((3,))
        v = c((3,))
        out, (jv,) = mx.jvp(fn, [mx.array(x)], [mx.array(v)])
        u = rng.standard_normal(out[0].shape).astype(np.float32)
        if out[0].dtype == mx.complex64:
            u = c(out[0].shape)
        _, (g,) = mx.vjp(fn, [mx.array(x)], [mx.array(u)])
        lhs = np.real(np.sum(np.conj(np.array(g)) * v))
        rhs = np.real(np.sum(np.conj(u) * np.array(jv)))
        assert abs(lhs - rhs) < 1e-4 * (1 + abs(rhs))


# ---------------------------------------------------------------- API and semantics


def test_grad_basics():
    x = mx.array([1.0, 2.0, 3.0])
    g = mx.grad(lambda x: mx.sum(x * x))(x)
    np.testing.assert_allclose(np.array(g), [2.0, 4.0, 6.0])
    v, g = mx.value_and_grad(lambda x: mx.sum(mx.sin(x)))(x)
    np.testing.assert_allclose(np.array(v), np.sin([1.0, 2.0, 3.0]).sum(), rtol=1e-6)
    np.testing.assert_allclose(np.array(g), np.cos([1.0, 2.0, 3.0]), rtol=1e-6)
    # A size-1 output of any rank is a scalar.
    g = mx.grad(lambda x: mx.sum(x, keepdims=True))(x)
    np.testing.assert_allclose(np.array(g), [1.0, 1.0, 1.0])


def test_dtypes_preserved():
    for dt in (mx.float16, mx.bfloat16, mx.float32, mx.float64):
        x = mx.array([0.5, 1.5]).astype(dt)
        g = mx.grad(lambda x: mx.sum(mx.exp(x)).astype(mx.float32))(x)
        assert g.dtype == dt
        np.testing.assert_allclose(np.array(g.astype(mx.float32)), np.exp([0.5, 1.5]), rtol=1e-2)


def test_gradient_through_casts_and_integers():
    x = mx.array([1.5, -2.5, 3.0])
    g = mx.grad(lambda x: mx.sum(x.astype(mx.float64) ** 2))(x)
    np.testing.assert_allclose(np.array(g), [3.0, -5.0, 6.0])
    # Integer intermediates carry no gradient.
    g = mx.grad(lambda x: mx.sum(x.astype(mx.int32).astype(mx.float32) * x))(x)
    np.testing.assert_allclose(np.array(g), [1.0, -2.0, 3.0])
    g = mx.grad(lambda x: mx.sum(mx.argmax(x) * x))(x)
    np.testing.assert_allclose(np.array(g), [2.0, 2.0, 2.0])
    g = mx.grad(lambda x: mx.sum(mx.where(x > 0, x, 0.0)))(x)
    np.testing.assert_allclose(np.array(g), [1.0, 0.0, 1.0])


def test_unused_and_constant_outputs():
    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    gx, gy = mx.grad(lambda x, y: mx.sum(x * 2), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(np.array(gy), [0.0, 0.0])
    g = mx.grad(lambda x: mx.array(5.0))(x)
    np.testing.assert_allclose(np.array(g), [0.0, 0.0])
    g = mx.grad(lambda x: mx.sum(x))(x)  # the output is a function of the input alone
    np.testing.assert_allclose(np.array(g), [1.0, 1.0])


def test_second_and_third_derivatives(rng):
    x = keep_f64(rng.uniform(-1, 1, (5,)))
    f = lambda x: mx.sum(mx.sin(x) * x**2)
    xs = np.array(x)
    g2 = mx.vmap(mx.grad(mx.grad(lambda t: mx.sin(t) * t**2)))(x)
    expect = -np.sin(xs) * xs**2 + 4 * xs * np.cos(xs) + 2 * np.sin(xs)
    np.testing.assert_allclose(np.array(g2), expect, rtol=1e-5, atol=1e-6)
    g3 = mx.grad(mx.grad(mx.grad(lambda t: t**4)))(keep_f64(1.5))
    np.testing.assert_allclose(np.array(g3), 24 * 1.5, rtol=1e-6)
    # Hessian-vector product: forward over reverse against finite differences of the gradient.
    xd = rng.uniform(-1, 1, (5,))
    v = rng.standard_normal(5)
    _, (hv,) = mx.jvp(mx.grad(f), [keep_f64(xd)], [keep_f64(v)])
    gp = np.array(mx.grad(f)(keep_f64(xd + EPS * v)))
    gm = np.array(mx.grad(f)(keep_f64(xd - EPS * v)))
    np.testing.assert_allclose(np.array(hv), (gp - gm) / (2 * EPS), rtol=1e-6, atol=1e-7)


def test_second_derivative_table(rng):
    """grad of grad through a spread of rules, against finite differences of the gradient."""
    fns = [
        lambda x: mx.sum(mx.exp(x) * mx.tanh(x)),
        lambda x: mx.sum(mx.softmax(x, axis=-1) ** 2),
        lambda x: mx.logsumexp(x),
        lambda x: mx.sum(mx.matmul(x, x.T) ** 2),
        lambda x: mx.sum(mx.cumprod(x, axis=1)),
        lambda x: mx.sum(mx.sqrt(x * x + 1.0) / (1.0 + mx.sigmoid(x))),
        lambda x: mx.sum(mx.take(x, IDX[:3], axis=1) ** 3),
        lambda x: mx.sum(mx.pad(x, ((1, 1), (2, 0)), mode="reflect") ** 3),
    ]
    for f in fns:
        x = rng.uniform(-1, 1, (3, 3))
        v = rng.standard_normal((3, 3))
        _, (hv,) = mx.jvp(mx.grad(f), [keep_f64(x)], [keep_f64(v)])
        gp = np.array(mx.grad(f)(keep_f64(x + EPS * v)))
        gm = np.array(mx.grad(f)(keep_f64(x - EPS * v)))
        np.testing.assert_allclose(np.array(hv), (gp - gm) / (2 * EPS), rtol=1e-5, atol=1e-6)
        # reverse over reverse gives the same Hessian-vector product
        hv2 = mx.grad(lambda x: mx.sum(mx.grad(f)(x) * keep_f64(v)))(keep_f64(x))
        np.testing.assert_allclose(np.array(hv2), np.array(hv), rtol=1e-8, atol=1e-10)


def test_control_flow_and_eval_inside(rng):
    def f(x):
        y = x * 2
        mx.eval(y)
        if y.sum().item() > 0:  # data-dependent branch
            return mx.sum(y * x)
        return mx.sum(mx.sin(x))

    x = mx.array([1.0, 2.0])
    np.testing.assert_allclose(np.array(mx.grad(f)(x)), [4.0, 8.0])
    x = mx.array([-1.0, -2.0])
    np.testing.assert_allclose(np.array(mx.grad(f)(x)), np.cos([-1.0, -2.0]), rtol=1e-6)

    def loop(x):
        # A Python while loop whose trip count depends on the values.
        n = 0
        while x.max().item() < 10.0:
            x = x * 2
            n += 1
        return mx.sum(x)

    g = mx.grad(loop)(mx.array([1.0, 3.0]))
    np.testing.assert_allclose(np.array(g), [4.0, 4.0])
    # eval of intermediates inside both levels of a second derivative
    def h(x):
        y = mx.exp(x)
        mx.eval(y)
        if y.item() > 0:
            return mx.sum(y * y)
        return x

    g2 = mx.grad(lambda x: mx.sum(mx.grad(h)(x)))(mx.array(0.5))
    # h = e^{2x}, h' = 2e^{2x}, h'' = 4e^{2x}
    np.testing.assert_allclose(np.array(g2), 4 * np.exp(1.0), rtol=1e-5)
    # a value read with item() is a constant
    g = mx.grad(lambda x: mx.sum(x * x.item()))(mx.array(3.0))
    np.testing.assert_allclose(np.array(g), 3.0)


def test_pytrees_argnums_argnames():
    params = {"w": mx.array([1.0, 2.0]), "b": [mx.array(3.0), (mx.array([4.0]),)]}

    def loss(p, x, scale=1.0):
        return scale * (mx.sum(p["w"] * x) + p["b"][0] ** 2 + mx.sum(p["b"][1][0] * 3))

    x = mx.array([5.0, 6.0])
    g = mx.grad(loss)(params, x)
    assert set(g) == {"w", "b"}
    np.testing.assert_allclose(np.array(g["w"]), [5.0, 6.0])
    np.testing.assert_allclose(np.array(g["b"][0]), 6.0)
    assert isinstance(g["b"][1], tuple)
    np.testing.assert_allclose(np.array(g["b"][1][0]), [3.0])

    gp, gx = mx.grad(loss, argnums=(0, 1))(params, x)
    np.testing.assert_allclose(np.array(gx), [1.0, 2.0])

    gpos, gkw = mx.grad(loss, argnums=1, argnames="scale")(params, x, scale=mx.array(2.0))
    np.testing.assert_allclose(np.array(gpos), [2.0, 4.0])
    expect_scale = 1 * 5 + 2 * 6 + 9 + 12
    np.testing.assert_allclose(np.array(gkw["scale"]), expect_scale)

    none_pos, gkw = mx.grad(loss, argnames=["scale"])(params, x, scale=mx.array(1.0))
    assert none_pos is None and list(gkw) == ["scale"]

    # value_and_grad with auxiliary outputs: the value is returned as the function gave it
    def with_aux(x):
        return mx.sum(x * x), {"aux": x + 1, "n": 3}

    (v, aux), g = mx.value_and_grad(with_aux)(x)
    np.testing.assert_allclose(np.array(v), 61.0)
    np.testing.assert_allclose(np.array(aux["aux"]), [6.0, 7.0])
    assert aux["n"] == 3
    np.testing.assert_allclose(np.array(g), [10.0, 12.0])

    # negative argnums count from the end
    g = mx.grad(lambda a, b: mx.sum(a * b), argnums=-1)(mx.array([2.0]), mx.array([3.0]))
    np.testing.assert_allclose(np.array(g), [2.0])


def test_errors():
    x = mx.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"scalar.*\(2,\)"):
        mx.grad(lambda x: x * 2)(x)
    with pytest.raises(ValueError, match=r"argument 2.*2 positional"):
        mx.grad(lambda x, y: mx.sum(x), argnums=2)(x, x)
    with pytest.raises(ValueError, match="bool"):
        mx.grad(lambda x: mx.sum(x))(mx.array([True, False]))
    with pytest.raises(ValueError, match="holds a float"):
        mx.grad(lambda x: x * 2)(2.0)
    with pytest.raises(ValueError, match="keyword argument 'y'"):
        mx.grad(lambda x, y=1: mx.sum(x), argnames="y")(x)
    with pytest.raises(ValueError, match="returned a str"):
        mx.grad(lambda x: "nope")(x)
    with pytest.raises(ValueError, match="both empty"):
        mx.grad(lambda x: x, argnums=[])
    with pytest.raises(ValueError, match="twice"):
        mx.grad(lambda x, y: mx.sum(x), argnums=(0, -2))(x, x)
    with pytest.raises(ValueError, match=r"cotangents 0 has shape \(3,\)"):
        mx.vjp(lambda x: x * 2, [x], [mx.ones((3,))])
    with pytest.raises(ValueError, match="2 cotangents for 1 outputs"):
        mx.vjp(lambda x: x * 2, [x], [x, x])
    with pytest.raises(ValueError, match="tangents 0 has shape"):
        mx.jvp(lambda x: x * 2, [x], [mx.ones((3,))])
    # An exception raised by the function reaches the caller unchanged.
    with pytest.raises(ZeroDivisionError):
        mx.grad(lambda x: 1 / 0)(x)


def test_vjp_jvp_api():
    x, y = mx.array([1.0, 2.0]), mx.array([3.0, 4.0])
    outs, vjps = mx.vjp(lambda a, b: (a * b, a + b), [x, y], [mx.ones((2,)), mx.array([1.0, 2.0])])
    assert len(outs) == 2 and len(vjps) == 2
    np.testing.assert_allclose(np.array(vjps[0]), [4.0, 6.0])
    np.testing.assert_allclose(np.array(vjps[1]), [2.0, 4.0])
    outs, jvps = mx.jvp(lambda a, b: [a * b], [x, y], [mx.ones((2,)), mx.zeros((2,))])
    np.testing.assert_allclose(np.array(jvps[0]), [3.0, 4.0])
    # the documented example
    outs, vjps = mx.vjp(mx.sin, (mx.array(1.0),), (mx.array(1.0),))
    np.testing.assert_allclose(np.array(vjps[0]), np.cos(1.0), rtol=1e-6)


def test_stop_gradient():
    x = mx.array([2.0, 3.0])
    g = mx.grad(lambda x: mx.sum(mx.stop_gradient(x) * x))(x)
    np.testing.assert_allclose(np.array(g), [2.0, 3.0])
    _, (t,) = mx.jvp(lambda x: mx.stop_gradient(x) * 3, [x], [mx.ones((2,))])
    np.testing.assert_allclose(np.array(t), [0.0, 0.0])
    np.testing.assert_allclose(np.array(mx.stop_gradient(x)), [2.0, 3.0])


# ---------------------------------------------------------------- custom functions


def test_custom_function_rules():
    calls = {"fwd": 0}

    @mx.custom_function
    def f(x, y):
        calls["fwd"] += 1
        return mx.sin(x) * y

    @f.vjp
    def f_vjp(primals, cotangent, output):
        x, y = primals
        return cotangent * mx.cos(x) * y * 10, cotangent * mx.sin(x) * 10

    @f.jvp
    def f_jvp(primals, tangents):
        x, y = primals
        dx, dy = tangents
        return (dx * mx.cos(x) * y + dy * mx.sin(x)) * 100

    x, y = mx.array([0.5, 1.0]), mx.array([2.0, 3.0])
    np.testing.assert_allclose(np.array(f(x, y)), np.sin([0.5, 1.0]) * [2.0, 3.0], rtol=1e-6)
    gx, gy = mx.grad(lambda x, y: mx.sum(f(x, y)), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(np.array(gx), 10 * np.cos([0.5, 1.0]) * [2.0, 3.0], rtol=1e-6)
    np.testing.assert_allclose(np.array(gy), 10 * np.sin([0.5, 1.0]), rtol=1e-6)
    _, (t,) = mx.jvp(f, [x, y], [mx.ones((2,)), mx.zeros((2,))])
    np.testing.assert_allclose(np.array(t), 100 * np.cos([0.5, 1.0]) * [2.0, 3.0], rtol=1e-6)

    # vmap of a custom function without a custom vmap keeps the custom vjp
    xs = mx.array([[0.5, 1.0], [0.2, 0.3]])
    g = mx.grad(lambda xs: mx.sum(mx.vmap(f, in_axes=(0, None))(xs, y)))(xs)
    np.testing.assert_allclose(np.array(g), 10 * np.cos(np.array(xs)) * [2.0, 3.0], rtol=1e-6)


def test_custom_function_fallbacks_and_vmap():
    @mx.custom_function
    def f(x):
        return mx.exp(x)

    # no rules: transforms of the function itself
    x = mx.array([0.1, 0.2])
    np.testing.assert_allclose(np.array(mx.grad(lambda x: mx.sum(f(x)))(x)), np.exp([0.1, 0.2]),
                               rtol=1e-6)
    _, (t,) = mx.jvp(f, [x], [mx.ones((2,))])
    np.testing.assert_allclose(np.array(t), np.exp([0.1, 0.2]), rtol=1e-6)

    @f.vmap
    def f_vmap(inputs, axes):
        return mx.exp(inputs) + 1000, axes

    out = mx.vmap(f, in_axes=1)(mx.zeros((2, 3)))
    np.testing.assert_allclose(np.array(out), np.full((3, 2), 1001.0))

    # single-argument rules receive the argument itself; trees in and out
    @mx.custom_function
    def g(p):
        return {"s": p["a"] * p["b"]}

    @g.vjp
    def g_vjp(p, cot, out):
        return {"a": cot["s"] * 2, "b": None}

    p = {"a": mx.array([1.0, 2.0]), "b": mx.array([3.0, 4.0])}
    grads = mx.grad(lambda p: mx.sum(g(p)["s"]))(p)
    np.testing.assert_allclose(np.array(grads["a"]), [2.0, 2.0])
    np.testing.assert_allclose(np.array(grads["b"]), [0.0, 0.0])


def test_multi_output_functions_values_and_gradients(rng):
    """Each output of one primitive application (custom_function, checkpoint, depends)."""
    x_np = rng.standard_normal(5)
    x = mx.array(x_np, dtype=mx.float64)
    mx.eval(x)

    @mx.custom_function
    def f(x):
        return mx.sin(x), mx.exp(x), x * x, x + 1

    @f.vjp
    def f_vjp(x, cots, outs):
        a, b, c, d = cots
        return a * mx.cos(x) + b * outs[1] + c * 2 * x + d

    want = [np.sin(x_np), np.exp(x_np), x_np * x_np, x_np + 1]
    for fn in (f, mx.checkpoint(lambda x: [mx.sin(x), mx.exp(x), x * x, x + 1])):
        for got, w in zip(fn(x), want):
            np.testing.assert_allclose(np.array(got), w, rtol=1e-12)
        g = mx.grad(lambda x: mx.sum(sum(o * k for k, o in enumerate(fn(x), 1))))(x)
        np.testing.assert_allclose(np.array(g), np.cos(x_np) + 2 * np.exp(x_np) + 6 * x_np + 4,
                                   rtol=1e-12)
    deps = mx.depends([x * 2, x * 3, x * 4], [x + 5])
    for k, d in enumerate(deps, 2):
        np.testing.assert_allclose(np.array(d), k * x_np, rtol=1e-12)


def test_multi_output_functions_free_their_outputs(rng):
    """Outputs dropped in any order, evaluated or not, free all of them."""
    @mx.custom_function
    def f(x):
        return mx.sin(x), mx.exp(x), x * x, x + 1

    mx.synchronize()
    base = mx.get_active_memory()
    big = mx.array(rng.standard_normal((64, 1024)))
    for evaluate in (False, True):
        for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
            outs = list(f(big))
            again = outs[1]
            if evaluate:
                mx.eval(outs[2])
            for i in order:
                outs[i] = None
            del again
            outs = None
            first = mx.depends([big * 2, big * 3, big * 4], [big + 1])[0]
            del first
    del big
    mx.synchronize()
    assert mx.get_active_memory() == base


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads Linux's /proc")
def test_many_outputs_cost_linear_memory():
    """The outputs of one primitive share one list of siblings and one of inputs: 4000
    outputs of a checkpoint (whose inputs include its 4000 inner results) used to keep 3999
    siblings and 4000 inputs each (over 500 MB); now they cost a few MB."""
    x = mx.array(1.0)
    fn = lambda n: mx.checkpoint(lambda x: [x + i for i in range(n)])
    mx.eval(fn(10)(x))  # warm up (not with n outputs: malloc would keep their memory)
    before = _rss_bytes()
    outs = fn(4000)(x)
    grown = _rss_bytes() - before
    mx.eval(outs)
    assert outs[-1].item() == 4000
    assert grown < 64 * 2**20, grown


def test_custom_function_constants_get_no_gradient():
    def outer(x, y):
        @mx.custom_function
        def f(x):
            return x * y

        @f.vjp
        def f_vjp(x, dx, fx):
            return dx * y

        return mx.sum(f(x))

    gx, gy = mx.grad(outer, argnums=(0, 1))(mx.array([1.0, 2.0]), mx.array([3.0, 4.0]))
    np.testing.assert_allclose(np.array(gx), [3.0, 4.0])
    np.testing.assert_allclose(np.array(gy), [0.0, 0.0])


def test_checkpoint():
    calls = {"n": 0}

    def block(x, w):
        calls["n"] += 1
        return mx.tanh(mx.matmul(x, w))

    rng = np.random.default_rng(0)
    x = keep_f64(rng.standard_normal((4, 3)))
    w = keep_f64(rng.standard_normal((3, 3)))

    def loss(w, fn):
        h = x
        for _ in range(3):
            h = fn(h, w)
        return mx.sum(h**2)

    g_plain = mx.grad(loss)(w, block)
    calls["n"] = 0
    g_ckpt = mx.grad(loss)(w, mx.checkpoint(block))
    # three forward calls, and three more to recompute in the backward pass
    assert calls["n"] == 6
    np.testing.assert_allclose(np.array(g_ckpt), np.array(g_plain), rtol=1e-12)
    # the forward value is unchanged, and checkpoint composes with vmap and grad of grad
    np.testing.assert_allclose(np.array(mx.checkpoint(block)(x, w)), np.array(block(x, w)))
    h2 = mx.grad(lambda w: mx.sum(mx.grad(loss)(w, mx.checkpoint(block))))(w)
    h1 = mx.grad(lambda w: mx.sum(mx.grad(loss)(w, block)))(w)
    np.testing.assert_allclose(np.array(h2), np.array(h1), rtol=1e-10)


def test_checkpoint_lowers_peak_memory():
    x = mx.array(np.random.default_rng(0).standard_normal((256, 256)).astype(np.float32))
    mx.eval(x)

    def block(h):
        for _ in range(10):
            h = mx.sin(h) * 1.01
        return h

    def peak(fn):
        mx.synchronize()
        mx.reset_peak_memory()
        base = mx.get_active_memory()
        g = mx.grad(lambda x: mx.sum(fn(fn(fn(x)))))(x)
        mx.eval(g)
        return mx.get_peak_memory() - base, np.array(g)

    plain, g1 = peak(block)
    ckpt, g2 = peak(mx.checkpoint(block))
    np.testing.assert_allclose(g2, g1, rtol=1e-6)
    assert ckpt < 0.7 * plain, (ckpt, plain)


# ---------------------------------------------------------------- composition


def test_vmap_of_grad_and_grad_of_vmap(rng):
    f = lambda x, w: mx.sum(mx.tanh(mx.matmul(w, x)) ** 2)
    xs = keep_f64(rng.standard_normal((5, 3)))
    w = keep_f64(rng.standard_normal((4, 3)))
    per_example = mx.vmap(mx.grad(f, argnums=1), in_axes=(0, None))(xs, w)
    loop = mx.stack([mx.grad(f, argnums=1)(xs[i], w) for i in range(5)])
    np.testing.assert_allclose(np.array(per_example), np.array(loop), rtol=1e-10, atol=1e-12)
    g = mx.grad(lambda w: mx.sum(mx.vmap(f, in_axes=(0, None))(xs, w)))(w)
    np.testing.assert_allclose(np.array(g), np.array(loop).sum(0), rtol=1e-10)
    # per-example input gradients, vmapped over axis 1
    gx = mx.vmap(mx.grad(f), in_axes=(1, None), out_axes=1)(xs.T, w)
    loopx = mx.stack([mx.grad(f)(xs[i], w) for i in range(5)], axis=1)
    np.testing.assert_allclose(np.array(gx), np.array(loopx), rtol=1e-10, atol=1e-12)


def test_jvp_of_vmap_and_vmap_of_jvp(rng):
    f = lambda x: mx.sin(x) * mx.sum(x)
    xs = mx.array(rng.standard_normal((4, 3)))
    ts = mx.array(rng.standard_normal((4, 3)))
    _, (t1,) = mx.jvp(mx.vmap(f), [xs], [ts])
    t2 = mx.vmap(lambda x, t: mx.jvp(f, [x], [t])[1][0])(xs, ts)
    loop = mx.stack([mx.jvp(f, [xs[i]], [ts[i]])[1][0] for i in range(4)])
    np.testing.assert_allclose(np.array(t1), np.array(loop), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.array(t2), np.array(loop), rtol=1e-10, atol=1e-12)


def test_deep_graph_gradient():
    """A long chain: the tape walk and the graph's destruction are iterative."""
    def f(x):
        for _ in range(20000):
            x = x * 1.0001
        return mx.sum(x)

    g = mx.grad(f)(mx.array([1.0, 2.0], dtype=mx.float64))
    np.testing.assert_allclose(np.array(g), [1.0001**20000] * 2, rtol=1e-10)


def test_memory_flat_over_gradient_loop():
    rng = np.random.default_rng(1)
    w = mx.array(rng.standard_normal((32, 32)).astype(np.float32) * 0.1)
    x = mx.array(rng.standard_normal((16, 32)).astype(np.float32))

    def loss(w):
        h = mx.tanh(mx.matmul(x, w))
        mx.eval(h)  # evaluation inside the traced function keeps the graph alive only while tracing
        return mx.mean(h * h)

    step = mx.value_and_grad(loss)
    for _ in range(50):
        v, g = step(w)
        w = w - 0.01 * g
        mx.eval(w, v)
    mx.synchronize()
    before = mx.get_active_memory()
    for _ in range(10000):
        v, g = step(w)
        w = w - 0.01 * g
        mx.eval(w, v)
    mx.synchronize()
    after = mx.get_active_memory()
    assert after <= before + 64 * 1024, (before, after)


def test_custom_function_loop_releases_python_objects():
    """Primitives holding Python callables die on worker threads; the references they hold
    are still released (no growth in arrays or Python objects)."""
    import gc

    rng = np.random.default_rng(2)
    w = mx.array(rng.standard_normal((16, 16)).astype(np.float32) * 0.1)
    x = mx.array(rng.standard_normal((8, 16)).astype(np.float32))

    @mx.custom_function
    def act(h):
        return mx.tanh(h)

    @act.vjp
    def act_vjp(h, c, o):
        return c * (1 - o * o)

    block = mx.checkpoint(lambda h, w: act(mx.matmul(h, w)))
    step = mx.value_and_grad(lambda w: mx.mean(block(block(x, w), w) ** 2))
    counts = []
    for i in range(1500):
        v, g = step(w)
        w = w - 0.01 * g
        mx.eval(w, v)
        if i in (500, 1499):
            mx.synchronize()
            gc.collect()
            counts.append((mx.get_active_memory(), len(gc.get_objects())))
    assert counts[1][0] <= counts[0][0]
    assert counts[1][1] <= counts[0][1] + 50, counts


# ---------------------------------------------------------------- issue 10: pytrees, rules, GC

def test_custom_vjp_returning_a_one_tuple_for_one_input():
    """MLX flattens the vjp's result: `(c * 10,)` for a one-input function is its cotangent."""
    rng = np.random.default_rng(10)
    x = mx.array(rng.standard_normal((5,)).astype(np.float32))

    @mx.custom_function
    def f(x):
        return mx.sin(x)

    @f.vjp
    def f_vjp(x, cotangent, output):
        return (cotangent * 10,)

    g = mx.grad(lambda x: mx.sum(f(x)))(x)
    assert g.shape == (5,)
    np.testing.assert_allclose(np.array(g), np.full(5, 10.0))

    @mx.custom_function
    def h(pair):
        return pair[0] * pair[1]

    @h.vjp
    def h_vjp(pair, c, o):
        return [[c * pair[1], c * pair[0]]]  # nested one level deeper than the argument

    a, b = (mx.array(rng.standard_normal((3,)).astype(np.float32)) for _ in range(2))
    ga, gb = mx.grad(lambda p: mx.sum(h(p)))([a, b])
    np.testing.assert_allclose(np.array(ga), np.array(b))
    np.testing.assert_allclose(np.array(gb), np.array(a))

    @mx.custom_function
    def k(x):
        return x * 2

    @k.vjp
    def k_vjp(x, c, o):
        return (c, c)

    with pytest.raises(ValueError, match="custom_function.*2 leaves, expected 1"):
        mx.grad(lambda x: mx.sum(k(x)))(x)


def test_trees_nested_too_deep_raise_recursion_error():
    deep = mx.ones((2,))
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(RecursionError, match="nested more than"):
        mx.grad(lambda t: mx.sum(mx.ones((1,))))(deep)
    looped = []
    looped.append(looped)
    with pytest.raises(RecursionError):
        mx.vmap(lambda x: looped)(mx.ones((2, 3)))
    with pytest.raises(RecursionError):
        mx.eval(looped)
    with pytest.raises(RecursionError):
        mx.compile(lambda t: mx.ones((1,)))(looped)


def test_pytree_node_types_survive_grad():
    from collections import OrderedDict, namedtuple
    from typing import NamedTuple

    class Params(NamedTuple):
        w: object
        b: object

    Pair = namedtuple("Pair", "x y")

    class MyList(list):
        pass

    class MyDict(dict):
        pass

    rng = np.random.default_rng(11)
    w, b = (mx.array(rng.standard_normal((3,)).astype(np.float32)) for _ in range(2))
    p = Params(w, b)
    g = mx.grad(lambda p: mx.sum(p.w * p.b))(p)
    assert type(g) is Params
    np.testing.assert_allclose(np.array(g.w), np.array(b))
    np.testing.assert_allclose(np.array(g.b), np.array(w))
    for tree in (Pair(w, b), MyList([w, b]), MyDict(x=w, y=b), OrderedDict(x=w, y=b)):
        leaves = lambda t: list(t.values()) if isinstance(t, dict) else list(t)
        g = mx.grad(lambda t: mx.sum(leaves(t)[0] * leaves(t)[1]))(tree)
        assert type(g) is type(tree)
        np.testing.assert_allclose(np.array(leaves(g)[0]), np.array(b))
    # The auxiliary values of value_and_grad keep their types too.
    (v, aux), g = mx.value_and_grad(lambda x: (mx.sum(x), Pair(x, 2 * x)))(w)
    assert type(aux) is Pair


def test_grad_validates_the_value_and_aux():
    x = mx.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"value_and_grad.*scalar.*\(2,\)"):
        mx.value_and_grad(lambda x: (x * 2, x))(x)
    # grad's function returns the scalar alone, as in MLX.
    with pytest.raises(ValueError, match=r"\[grad\].*scalar array; it returned a tuple"):
        mx.grad(lambda x: (mx.sum(x), x))(x)
    with pytest.raises(ValueError, match="value_and_grad.*empty tuple"):
        mx.value_and_grad(lambda x: ())(x)
    # MLX takes auxiliary values only after a tuple's first entry: a list is not a loss.
    with pytest.raises(ValueError, match="value_and_grad.*list"):
        mx.value_and_grad(lambda x: [mx.sum(x), x])(x)
    with pytest.raises(ValueError, match="value_and_grad.*first entry"):
        mx.value_and_grad(lambda x: ("loss", x))(x)
    (v, aux), g = mx.value_and_grad(lambda x: (mx.sum(x * x), {"x": x, "n": 3}))(x)
    assert aux["n"] == 3
    np.testing.assert_allclose(np.array(g), [2.0, 4.0])


def test_async_eval_inside_a_transform_raises():
    x = mx.ones((3,))
    with pytest.raises(RuntimeError, match="async_eval"):
        mx.grad(lambda x: (mx.async_eval(x), mx.sum(x))[1])(x)
    with pytest.raises(RuntimeError, match="async_eval"):
        mx.vmap(lambda x: (mx.async_eval(x), x)[1])(mx.ones((2, 3)))
    mx.async_eval(x)  # outside a transform it is fine


def _collected(make):
    """Builds a closure cycle through a transformed function; True when gc frees it."""
    import gc
    import weakref

    ref = make(weakref.ref)
    gc.collect()
    return ref() is None


def test_transformed_functions_take_part_in_gc():
    def through(transform):
        def make(weakref):
            def loss(x):
                return mx.sum(x * x) if g is not None else None

            g = transform(loss)  # loss -> its cell -> g -> loss
            return weakref(loss)
        return make

    assert _collected(through(mx.grad))
    assert _collected(through(mx.value_and_grad))
    assert _collected(through(mx.vmap))
    assert _collected(through(mx.checkpoint))
    assert _collected(through(mx.compile))
    assert _collected(through(mx.custom_function))

    def make(weakref):
        def rule(x, c, o):
            return c * r.__class__.__name__.__len__()

        r = mx.custom_function(lambda x: x * 2)
        r.vjp(rule)
        return weakref(rule)

    assert _collected(make)
    # The transformed functions still work.
    g = mx.grad(lambda x: mx.sum(x * x))
    np.testing.assert_allclose(np.array(g(mx.array([1.0, 2.0]))), [2.0, 4.0])


def test_changes_to_argument_containers_are_visible():
    """As in MLX, grad passes the caller's own lists and dicts: what the function stores in
    them stays, and the arrays it did not replace are the caller's again afterwards."""
    x = mx.array([1.0, 2.0])
    params = {"w": x, "log": []}

    def loss(p):
        p["log"].append("called")
        p["seen"] = p["w"].shape
        return mx.sum(p["w"] ** 2)

    g = mx.grad(loss)(params)
    assert params["log"] == ["called"] and params["seen"] == (2,)
    np.testing.assert_array_equal(np.array(params["w"]), [1.0, 2.0])  # the caller's array
    assert set(g) == {"w", "log"}  # the gradient keeps the structure the call was given
    np.testing.assert_allclose(np.array(g["w"]), [2.0, 4.0])


def test_integer_arrays_are_differentiable():
    x = mx.array([1, -2, 3])
    g = mx.grad(lambda x: mx.sum(x * x))(x)
    assert g.dtype == mx.int32
    np.testing.assert_array_equal(np.array(g), [2, -4, 6])
    assert mx.grad(lambda x: mx.sum(x))(x).tolist() == [1, 1, 1]
    # jvp: integer tangents go through integer arithmetic.
    (out,), (t,) = mx.jvp(lambda x: x * 3 + 1, [x], [mx.array([1, 0, 2])])
    assert t.dtype == mx.int32 and t.tolist() == [3, 0, 6]
    # Casts between integers and floats pass no derivative, as before.
    y = mx.array([1.5, -2.5, 3.0])
    g = mx.grad(lambda y: mx.sum(y.astype(mx.int32).astype(mx.float32) * y))(y)
    np.testing.assert_allclose(np.array(g), [1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match=r"grad.*bool"):
        mx.grad(lambda b: mx.sum(b))(mx.array([True]))


def test_complex_vjp_convention():
    """MLX's (and PyTorch's) convention: a cotangent is dL/d(conj z), and the vjp of a
    holomorphic f multiplies it by conj(f'(z)); gradient descent on a real loss then moves
    against the gradient."""
    rng = np.random.default_rng(12)
    z = (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(np.complex64)
    c = (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(np.complex64)
    w = np.complex64(2 + 3j)
    _, (g,) = mx.vjp(lambda a: a * mx.array(w), [mx.array(z)], [mx.array(c)])
    np.testing.assert_allclose(np.array(g), c * np.conj(w), rtol=1e-6)
    _, (g,) = mx.vjp(lambda a: mx.exp(a), [mx.array(z)], [mx.array(c)])
    np.testing.assert_allclose(np.array(g), c * np.conj(np.exp(z)), rtol=1e-5)
    # A real loss: |z|^2 has gradient 2z.
    g = mx.grad(lambda a: mx.sum(mx.abs(a) ** 2))(mx.array(z))
    np.testing.assert_allclose(np.array(g), 2 * z, rtol=1e-5)
