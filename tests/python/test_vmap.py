"""vmap: every primitive's batching rule against a Python loop plus stack, with the mapped
axis in different places and unmapped (None) inputs; pytrees, out_axes, errors."""

import numpy as np
import pytest

import kiln.core as mx
from helpers import keep_f64

B = 3


def f64(lo=-2.0, hi=2.0):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


def ints(lo, hi):
    return lambda rng, shape: rng.integers(lo, hi, shape).astype(np.int32)


def bools(rng, shape):
    return rng.random(shape) < 0.5


def keys(rng, shape):
    return rng.integers(0, 2**32, size=shape, dtype=np.uint32)


def distinct(rng, shape):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 - n * 0.05).reshape(shape)


ANY, POS, UNIT = f64(), f64(0.5, 2.0), f64(-0.9, 0.9)

UNARY = ["abs", "negative", "sign", "square", "sqrt", "rsqrt", "reciprocal", "exp", "expm1",
         "log", "log2", "log10", "log1p", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
         "sinh", "cosh", "tanh", "arcsinh", "arctanh", "erf", "erfinv", "sigmoid", "floor",
         "ceil", "round", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "logical_not"]
BINARY = ["add", "subtract", "multiply", "divide", "floor_divide", "remainder", "power", "maximum",
          "minimum", "logaddexp", "arctan2", "equal", "not_equal", "less", "less_equal",
          "greater", "greater_equal", "logical_and", "logical_or"]
BITWISE = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"]


def set_slice(x, v):
    y = x * 1
    y[1:3, ::2] = v
    return y


# (name, function, [(generator, unmapped shape)])
CASES = (
    [(f"unary_{n}", getattr(mx, n), [(POS if n in ("sqrt", "rsqrt", "log", "log2", "log10",
                                                    "log1p", "reciprocal") else UNIT, (2, 4))])
     for n in UNARY]
    + [(f"binary_{n}", getattr(mx, n), [(POS, (2, 4)), (POS, (4,))]) for n in BINARY]
    + [(f"bitwise_{n}", getattr(mx, n), [(ints(0, 8), (2, 4)), (ints(0, 3), (2, 1))])
       for n in BITWISE]
    + [
        ("bitwise_invert", mx.bitwise_invert, [(ints(0, 100), (2, 3))]),
        ("where", lambda c, x, y: mx.where(c, x, y), [(bools, (2, 4)), (ANY, (4,)), (ANY, (2, 1))]),
        ("astype", lambda x: x.astype(mx.float32), [(ANY, (2, 3))]),
        ("reshape", lambda x: x.reshape(4, 3), [(ANY, (2, 6))]),
        ("transpose", lambda x: mx.transpose(x, (1, 2, 0)), [(ANY, (2, 3, 4))]),
        ("broadcast_to", lambda x: mx.broadcast_to(x, (2, 3, 4)), [(ANY, (3, 1))]),
        ("contiguous", lambda x: mx.contiguous(x.T), [(ANY, (3, 4))]),
        ("diagonal", lambda x: mx.diagonal(x, 1, 0, 2), [(ANY, (3, 2, 4))]),
        ("as_strided", lambda x: mx.as_strided(x, (3, 3), (2, 1), 1), [(ANY, (3, 4))]),
        ("view", lambda x: x.view(mx.int32), [(ANY, (2, 3))]),
        ("slice", lambda x: x[1:, ::-2], [(ANY, (3, 5))]),
        ("slice_update", set_slice, [(ANY, (4, 5)), (ANY, (2, 3))]),
        ("slice_dynamic", lambda x, s: mx.slice(x, s, [0, 1], (2, 2)),
         [(ANY, (4, 5)), (ints(0, 3), (2,))]),
        ("slice_update_dynamic", lambda x, u, s: mx.slice_update(x, u, s, [1]),
         [(ANY, (3, 5)), (ANY, (3, 2)), (ints(0, 4), ())]),
        ("concatenate", lambda a, b: mx.concatenate([a, b], axis=1),
         [(ANY, (2, 3)), (ANY, (2, 2))]),
        ("pad", lambda x: mx.pad(x, ((1, 0), (2, 1))), [(ANY, (2, 3))]),
        ("pad_value", lambda x, v: mx.pad(x, ((1, 0), (2, 1)), constant_values=v),
         [(ANY, (2, 3)), (ANY, ())]),
        ("pad_reflect", lambda x: mx.pad(x, ((2, 1), (0, 2)), mode="reflect"), [(ANY, (3, 3))]),
        ("roll", lambda x: mx.roll(x, 2, axis=1), [(ANY, (2, 5))]),
        ("full", lambda v: mx.full((2, 3), v), [(ANY, ())]),
        ("sum", lambda x: mx.sum(x, axis=(0, 2)), [(ANY, (2, 3, 4))]),
        ("sum_half", lambda x: mx.mean(x.astype(mx.float16), axis=1).astype(mx.float64),
         [(ANY, (2, 8))]),
        ("prod", lambda x: mx.prod(x, axis=1), [(ANY, (3, 4))]),
        ("max", lambda x: mx.max(x, axis=0), [(ANY, (3, 4))]),
        ("min", lambda x: mx.min(x, axis=1, keepdims=True), [(ANY, (3, 4))]),
        ("all", lambda x: mx.all(x, axis=1), [(bools, (3, 4))]),
        ("any", lambda x: mx.any(x, axis=0), [(bools, (3, 4))]),
        ("argmax", lambda x: mx.argmax(x, axis=1), [(distinct, (3, 4))]),
        ("argmin", lambda x: mx.argmin(x), [(distinct, (3, 4))]),
        ("logsumexp", lambda x: mx.logsumexp(x, axis=1), [(ANY, (3, 4))]),
        ("softmax", lambda x: mx.softmax(x, axis=0), [(ANY, (3, 4))]),
        ("trace", lambda x: mx.trace(x, -1), [(ANY, (4, 3))]),
        ("cumsum", lambda x: mx.cumsum(x, axis=1, reverse=True), [(ANY, (3, 4))]),
        ("cumprod", lambda x: mx.cumprod(x, axis=0, inclusive=False), [(ANY, (3, 4))]),
        ("cummax", lambda x: mx.cummax(x, axis=1), [(ANY, (3, 4))]),
        ("logcumsumexp", lambda x: mx.logcumsumexp(x, axis=1), [(ANY, (3, 4))]),
        ("matmul", mx.matmul, [(ANY, (2, 3)), (ANY, (3, 4))]),
        ("matmul_batched", mx.matmul, [(ANY, (2, 2, 3)), (ANY, (3, 4))]),
        ("matmul_vector", mx.matmul, [(ANY, (3,)), (ANY, (3, 4))]),
        ("addmm", lambda c, a, b: mx.addmm(c, a, b, 0.5, 2.0),
         [(ANY, (4,)), (ANY, (2, 3)), (ANY, (3, 4))]),
        ("take", lambda x, i: mx.take(x, i, axis=1), [(ANY, (2, 5)), (ints(-5, 5), (3,))]),
        ("take_along_axis", lambda x, i: mx.take_along_axis(x, i, axis=0),
         [(ANY, (3, 4)), (ints(0, 3), (2, 4))]),
        ("put_along_axis", lambda x, i, v: mx.put_along_axis(x, i, v, axis=1),
         [(ANY, (2, 4)), (ints(0, 4), (2, 2)), (ANY, (2, 2))]),
        ("gather", lambda x, i, j: x[i, j],
         [(ANY, (4, 5)), (ints(0, 4), (3,)), (ints(0, 5), (3,))]),
        ("gather_slices", lambda x, i: x[:, i], [(ANY, (2, 5, 3)), (ints(0, 5), (2, 2))]),
        ("scatter", lambda x, i, v: x.at[i].add(v),
         [(ANY, (4, 3)), (ints(0, 4), (5,)), (ANY, (5, 3))]),
        ("scatter_set", lambda x, i, v: setitem_idx(x, i, v),
         [(ANY, (4, 3)), (ints(0, 4), (2,)), (ANY, (2, 3))]),
        ("scatter_max", lambda x, i, v: x.at[i].maximum(v),
         [(ANY, (4,)), (ints(0, 4), (3,)), (ANY, (3,))]),
        ("masked_scatter", lambda x, v: masked_set(x, v), [(ANY, (2, 3)), (ANY, (2,))]),
        ("stop_gradient", mx.stop_gradient, [(ANY, (2, 3))]),
        ("random_bits", lambda k: mx.random.split(k, 3), [(keys, (2,))]),
        ("random_uniform", lambda k, lo: mx.random.uniform(lo, 5.0, (2, 3), mx.float64, key=k),
         [(keys, (2,)), (ANY, (3,))]),
    ]
)


def setitem_idx(x, i, v):
    y = x * 1
    y[i] = v
    return y


MASK = np.array([[True, False, True], [False, False, False]])


def masked_set(x, v):
    y = x * 1
    y[mx.array(MASK)] = v
    return y


def take_slice(x, axis, b):
    return x if axis is None else np.take(x, b, axis=axis)


def run_case(fn, inputs, in_axes, out_axes=0):
    batched = mx.vmap(fn, in_axes=in_axes, out_axes=out_axes)(*[keep_f64(x) for x in inputs])
    results = []
    for b in range(B):
        args = [keep_f64(take_slice(x, a, b)) for x, a in zip(inputs, in_axes)]
        results.append(fn(*args))
    expect = mx.stack(results, axis=out_axes)
    assert batched.shape == expect.shape, (batched.shape, expect.shape)
    assert batched.dtype == expect.dtype
    np.testing.assert_allclose(np.array(batched), np.array(expect), rtol=1e-12, atol=1e-12)


def variants(n):
    """in_axes to try: all leading, all trailing, each input unmapped in turn, and each
    input alone mapped."""
    out = [(0,) * n, (-1,) * n]
    if n > 1:
        for k in range(n):
            out.append(tuple(None if j == k else (j % 2) for j in range(n)))
            out.append(tuple(-1 if j == k else None for j in range(n)))
    return out


def make_inputs(rng, spec, in_axes):
    inputs = []
    for (gen, shape), a in zip(spec, in_axes):
        if a is None:
            inputs.append(gen(rng, shape))
            continue
        full = list(shape)
        pos = a if a >= 0 else len(shape) + 1 + a
        full.insert(pos, B)
        inputs.append(gen(rng, tuple(full)))
    return inputs


@pytest.mark.parametrize("name,fn,spec", CASES, ids=[c[0] for c in CASES])
def test_rule_against_loop(name, fn, spec, rng):
    for in_axes in variants(len(spec)):
        # a 0-d input has only axis 0 to map
        in_axes = tuple(0 if a is not None and len(s[1]) == 0 else a for a, s in zip(in_axes, spec))
        run_case(fn, make_inputs(rng, spec, in_axes), in_axes)


def test_out_axes_and_trees(rng):
    x = rng.standard_normal((2, 3, 4))
    run_case(lambda x: x * 2, [x], (1,), out_axes=2)
    run_case(lambda x: mx.sum(x, axis=0), [np.swapaxes(x, 1, 2)], (2,), out_axes=-1)

    def f(p, scale):
        return {"y": p["a"] * scale, "z": [p["b"] + 1, scale]}

    p = {"a": mx.array(rng.standard_normal((3, 2))), "b": mx.array(rng.standard_normal((2, 3)))}
    out = mx.vmap(f, in_axes=({"a": 0, "b": 1}, None), out_axes={"y": 0, "z": [1, None]})(
        p, mx.array(2.0))
    np.testing.assert_allclose(np.array(out["y"]), np.array(p["a"]) * 2)
    np.testing.assert_allclose(np.array(out["z"][0]), np.array(p["b"]) + 1)
    np.testing.assert_allclose(np.array(out["z"][1]), 2.0)  # unmapped output, out_axes None
    # an output that does not depend on mapped inputs is broadcast along the mapped axis
    out = mx.vmap(lambda x, y: y * 2, in_axes=(0, None))(mx.ones((3, 2)), mx.array([1.0, 2.0]))
    np.testing.assert_allclose(np.array(out), [[2.0, 4.0]] * 3)
    # non-array arguments pass through with axis None
    out = mx.vmap(lambda x, k: x * k, in_axes=(0, None))(mx.ones((3,)), 5)
    np.testing.assert_allclose(np.array(out), [5.0] * 3)


def test_nested_vmap(rng):
    x = rng.standard_normal((3, 4, 5))
    y = rng.standard_normal((5,))
    f = lambda a, b: mx.sum(a * b)
    out = mx.vmap(mx.vmap(f, in_axes=(0, None)), in_axes=(1, None))(keep_f64(x), keep_f64(y))
    np.testing.assert_allclose(np.array(out), np.einsum("ijk,k->ji", x, y), rtol=1e-12)


def test_errors():
    x = mx.ones((3, 2))
    with pytest.raises(ValueError, match="different sizes"):
        mx.vmap(lambda a, b: a + b)(x, mx.ones((4, 2)))
    with pytest.raises(ValueError, match="out of range"):
        mx.vmap(lambda a: a, in_axes=2)(x)
    with pytest.raises(ValueError, match="at least one input"):
        mx.vmap(lambda a: a, in_axes=None)(x)
    with pytest.raises(ValueError, match="cannot evaluate"):
        mx.vmap(lambda a: a * a.sum().item())(x)
    with pytest.raises(ValueError, match="cannot be None"):
        mx.vmap(lambda a: a * 2, out_axes=None)(x)
    with pytest.raises(ValueError, match="entries"):
        mx.vmap(lambda a, b: a + b, in_axes=(0, 0, 0))(x, x)
    with pytest.raises(ValueError, match="only arrays can be mapped"):
        mx.vmap(lambda a, k: a * k)(x, 2.0)


# ---------------------------------------------------------------- issue 10: axes specs, trees

def test_axes_specs_match_as_mlx():
    rng = np.random.default_rng(20)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    y = rng.standard_normal((4, 3)).astype(np.float32)
    # A spec for a single argument stands for that argument (a dict, a list).
    out = mx.vmap(lambda d: d["a"] * d["b"], in_axes={"a": 0, "b": 1})({"a": mx.array(x),
                                                                          "b": mx.array(y)})
    np.testing.assert_allclose(np.array(out), x * y.T, rtol=1e-6)
    out = mx.vmap(lambda l: l[0] - l[1], in_axes=[0, 1])([mx.array(x), mx.array(y)])
    np.testing.assert_allclose(np.array(out), x - y.T, rtol=1e-6)
    # 1-tuples: one entry per argument, or an axis written as a 1-tuple.
    out = mx.vmap(lambda a: a * 2, in_axes=(1,), out_axes=(1,))(mx.array(x))
    np.testing.assert_allclose(np.array(out), x * 2)
    out = mx.vmap(lambda l: l[0] + l[1], in_axes=([0, 1],))([mx.array(x), mx.array(y)])
    np.testing.assert_allclose(np.array(out), x + y.T, rtol=1e-6)
    # None leaves an argument unmapped; nested specs reach into trees.
    out = mx.vmap(lambda a, t: a + t[0] * t[1]["c"], in_axes=(0, (None, {"c": 1})))(
        mx.array(x), (mx.array(x[0]), {"c": mx.array(y)}))
    np.testing.assert_allclose(np.array(out), x + x[0] * y.T, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\[vmap\] in_axes"):
        mx.vmap(lambda l: l[0], in_axes=[0, 1, 2])([mx.array(x), mx.array(y)])


def test_tree_types_survive_vmap():
    from typing import NamedTuple

    class Out(NamedTuple):
        s: object
        d: object

    x = mx.array(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    out = mx.vmap(lambda a: Out(a.sum(), a * 2))(x)
    assert type(out) is Out
    np.testing.assert_allclose(np.array(out.s), [3.0, 12.0])
    out = mx.vmap(lambda p: p.s + p.d, in_axes=(Out(0, None),))(Out(x, mx.ones((3,))))
    np.testing.assert_allclose(np.array(out), np.array(x) + 1)
