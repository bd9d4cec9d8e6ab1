"""Exception types that MLX programs (and NumPy habits) rely on: an out-of-range axis raises
mx.AxisError, which is both a ValueError (what MLX raises) and an IndexError (what NumPy
raises); a repeated axis is a ValueError; arguments are checked when an op is built, not when
it is evaluated."""

import numpy as np
import pytest

import kiln.core as mx

A = mx.zeros((2, 3))  # every call below names axis 2, -3 or the like: out of range for it
K = mx.random.key(0)

# name -> a call with an out-of-range axis. The name is the op the message must name.
BAD_AXIS = {
    "sum": lambda: mx.sum(A, axis=2),
    "prod": lambda: A.prod(axis=-3),
    "max": lambda: mx.max(A, axis=(0, 2)),
    "min": lambda: mx.min(A, axis=5),
    "mean": lambda: mx.mean(A, axis=-3),
    "var": lambda: mx.var(A, axis=2),
    "std": lambda: mx.std(A, axis=2),
    "all": lambda: mx.all(A, axis=2),
    "any": lambda: mx.any(A, axis=2),
    "argmax": lambda: mx.argmax(A, axis=2),
    "argmin": lambda: A.argmin(axis=-3),
    "logsumexp": lambda: mx.logsumexp(A, axis=2),
    "count_nonzero": lambda: mx.count_nonzero(A, axis=2),
    "softmax": lambda: mx.softmax(A, axis=2),
    "trace": lambda: mx.trace(A, axis1=0, axis2=2),
    "cumsum": lambda: mx.cumsum(A, axis=2),
    "cumprod": lambda: mx.cumprod(A, axis=-3),
    "cummax": lambda: mx.cummax(A, axis=2),
    "cummin": lambda: mx.cummin(A, axis=2),
    "logcumsumexp": lambda: mx.logcumsumexp(A, axis=2),
    "take": lambda: mx.take(A, mx.array([0]), axis=2),
    "take_along_axis": lambda: mx.take_along_axis(A, mx.zeros((2, 3), mx.int32), axis=2),
    "put_along_axis": lambda: mx.put_along_axis(A, mx.zeros((2, 3), mx.int32), 1.0, axis=-3),
    "slice": lambda: mx.slice(A, mx.array([0]), [2], [1, 1]),
    "slice_update": lambda: mx.slice_update(A, mx.zeros((1, 1)), mx.array([0]), [2]),
    "tensordot": lambda: mx.tensordot(A, A, axes=([2], [0])),
    "vecdot": lambda: mx.vecdot(A, A, axis=2),
    "categorical": lambda: mx.random.categorical(A, axis=2, key=K),
    "expand_dims": lambda: mx.expand_dims(A, 3),
    "squeeze": lambda: mx.squeeze(A, 2),
    "flatten": lambda: mx.flatten(A, 0, 2),
    "unflatten": lambda: mx.unflatten(A, 2, (1, 3)),
    "swapaxes": lambda: mx.swapaxes(A, 0, 2),
    "moveaxis": lambda: mx.moveaxis(A, 2, 0),
    "transpose": lambda: mx.transpose(A, (0, 2)),
    "flip": lambda: mx.flip(A, 2),
    "diagonal": lambda: mx.diagonal(A, 0, 0, 2),
    "diff": lambda: mx.diff(A, axis=2),
    "concatenate": lambda: mx.concatenate([A, A], axis=2),
    "stack": lambda: mx.stack([A, A], axis=4),
    "unstack": lambda: mx.unstack(A, axis=2),
    "split": lambda: mx.split(A, 2, axis=2),
    "repeat": lambda: mx.repeat(A, 2, axis=2),
    "roll": lambda: mx.roll(A, 1, axis=2),
}


def test_axis_error_is_a_value_error_and_an_index_error():
    assert issubclass(mx.AxisError, ValueError) and issubclass(mx.AxisError, IndexError)
    assert mx.AxisError.__module__ == "kiln.core"
    for expected in (mx.AxisError, ValueError, IndexError):
        with pytest.raises(expected):
            mx.sum(A, axis=2)


@pytest.mark.parametrize("name", sorted(BAD_AXIS))
def test_out_of_range_axis_raises_axis_error(name):
    with pytest.raises(mx.AxisError, match=r"axis") as info:
        BAD_AXIS[name]()
    assert "[" in str(info.value)  # "[op] ...", naming the op


def test_the_message_names_the_op():
    with pytest.raises(mx.AxisError, match=r"\[sum\] axis 2 is out of bounds"):
        mx.sum(A, axis=2)
    with pytest.raises(mx.AxisError, match=r"\[take\]"):
        mx.take(A, 0, axis=-3)


@pytest.mark.parametrize("call", [
    lambda: mx.sum(A, axis=(0, 0)),
    lambda: mx.sum(A, axis=(1, -1)),
    lambda: mx.max(A, axis=[0, -2]),
    lambda: mx.transpose(A, (0, 0)),
    lambda: mx.flip(A, (1, 1)),
    lambda: mx.expand_dims(A, (0, 0)),
    lambda: mx.squeeze(mx.zeros((1, 2)), (0, 0)),
    lambda: mx.tensordot(A, A.T, axes=([0, 0], [1, 1])),
])
def test_repeated_axes_are_value_errors(call):
    with pytest.raises(ValueError) as info:
        call()
    assert not isinstance(info.value, IndexError)


def test_numpy_agrees_on_the_type():
    # The same calls in NumPy raise its AxisError, also a ValueError and an IndexError.
    x = np.zeros((2, 3))
    for f in (lambda m, a: m.sum(a, axis=2), lambda m, a: m.cumsum(a, axis=-3)):
        with pytest.raises((ValueError, IndexError)):
            f(np, x)
        with pytest.raises(mx.AxisError):
            f(mx, mx.array(x))


# ------------------------------------------------------------------ checks at build time

def test_non_empty_take_from_a_zero_size_axis_fails_when_built():
    e = mx.zeros((0, 3))
    idx = mx.array([0, 1])
    for call in (lambda: mx.take(e, idx, axis=0),
                 lambda: mx.take(e, idx),
                 lambda: mx.take_along_axis(e, mx.zeros((1, 3), mx.int32), axis=0),
                 lambda: mx.put_along_axis(e, mx.zeros((1, 3), mx.int32), 1.0, axis=0),
                 lambda: e[idx],
                 lambda: e.at[idx].add(1.0)):
        with pytest.raises(ValueError, match="size 0"):
            call()  # raised before any evaluation
    # Empty takes are fine, from empty axes too.
    assert mx.take(e, mx.array([], mx.int32), axis=0).shape == (0, 3)
    assert mx.take(e, mx.array([0, 2]), axis=1).shape == (0, 2)


def test_index_dtypes_are_checked_when_built():
    x = mx.zeros((4,))
    for call in (lambda: mx.take(x, mx.array([0.0])),
                 lambda: mx.take_along_axis(x, mx.array([0.5]), axis=0),
                 lambda: mx.put_along_axis(x, mx.array([True]), 1.0, axis=0),
                 lambda: mx.slice(x, mx.array([0.0]), [0], [1]),
                 lambda: mx.slice_update(x, mx.ones((1,)), mx.array([1.5]), [0])):
        with pytest.raises(ValueError, match="integer"):
            call()


def test_wrong_argument_types_raise_type_error():
    # pybind11's "Unable to cast" (a RuntimeError) reaches Python as a TypeError.
    for call in (lambda: mx.set_default_device(0), lambda: mx.issubdtype(0.5, mx.array([1, 2]))):
        with pytest.raises(TypeError, match="wrong type"):
            call()
