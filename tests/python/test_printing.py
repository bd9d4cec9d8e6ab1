"""Printing arrays: the text MLX prints (repr, str, format) and the print options."""

import pytest

import kiln.core as mx


@pytest.fixture(autouse=True)
def default_precision():
    yield
    mx.set_printoptions(precision=-1)


@pytest.mark.parametrize(
    "make,text",
    [
        (lambda: mx.array([1, 2, 3]), "array([1, 2, 3], dtype=int32)"),
        # Integral floats print without a trailing point; six significant digits otherwise.
        (lambda: mx.array([1.0, 2.0]), "array([1, 2], dtype=float32)"),
        (lambda: mx.array([1.5, -0.25, 100.0]), "array([1.5, -0.25, 100], dtype=float32)"),
        (lambda: mx.array(1 / 3), "array(0.333333, dtype=float32)"),
        (lambda: mx.array(1 / 3, dtype=mx.float64), "array(0.333333, dtype=float64)"),
        (lambda: mx.array([1e-7, 1e6, 123456789.0]), "array([1e-07, 1e+06, 1.23457e+08], dtype=float32)"),
        (lambda: mx.array(0.1, dtype=mx.float16), "array(0.0999756, dtype=float16)"),
        (lambda: mx.array(1.5, dtype=mx.bfloat16), "array(1.5, dtype=bfloat16)"),
        (lambda: mx.array([float("nan"), float("inf"), -float("inf")]),
         "array([nan, inf, -inf], dtype=float32)"),
        (lambda: mx.array(True), "array(True, dtype=bool)"),
        (lambda: mx.array([True, False]), "array([True, False], dtype=bool)"),
        (lambda: mx.array([200, 7], dtype=mx.uint8), "array([200, 7], dtype=uint8)"),
        (lambda: mx.array([-5, 7], dtype=mx.int8), "array([-5, 7], dtype=int8)"),
        (lambda: mx.array(1 + 2j), "array(1+2j, dtype=complex64)"),
        (lambda: mx.array([1.5 - 2j]), "array([1.5-2j], dtype=complex64)"),
        (lambda: mx.zeros((0,)), "array([], dtype=float32)"),
        (lambda: mx.zeros((2, 0), dtype=mx.int32), "array([[],\n       []], dtype=int32)"),
        (lambda: mx.arange(6).reshape(2, 3), "array([[0, 1, 2],\n       [3, 4, 5]], dtype=int32)"),
        # Views print in logical order.
        (lambda: mx.arange(6).reshape(2, 3).T,
         "array([[0, 3],\n       [1, 4],\n       [2, 5]], dtype=int32)"),
        (lambda: mx.arange(8).reshape(2, 2, 2),
         "array([[[0, 1],\n        [2, 3]],\n       [[4, 5],\n        [6, 7]]], dtype=int32)"),
    ],
)
def test_repr(make, text):
    a = make()
    assert repr(a) == text
    assert str(a) == text


def test_long_dimensions_are_summarised():
    # Every dimension longer than six shows its first and last three entries.
    assert repr(mx.arange(7)) == "array([0, 1, 2, ..., 4, 5, 6], dtype=int32)"
    assert repr(mx.arange(6)) == "array([0, 1, 2, 3, 4, 5], dtype=int32)"
    assert repr(mx.arange(10**6)) == "array([0, 1, 2, ..., 999997, 999998, 999999], dtype=int32)"
    rows = [f"[{r}0, {r}1, {r}2, ..., {r}7, {r}8, {r}9]" for r in ("", "1", "2", "5", "6", "7")]
    rows[0] = "[0, 1, 2, ..., 7, 8, 9]"
    text = "array([" + ",\n       ".join(rows[:3] + ["..."] + rows[3:]) + "], dtype=int32)"
    assert repr(mx.arange(80).reshape(8, 10)) == text


def test_precision_is_digits_after_the_point():
    a = mx.array([1 / 3, 2.0, -1.0])
    mx.set_printoptions(precision=3)
    assert repr(a) == "array([0.333, 2.000, -1.000], dtype=float32)"
    assert repr(mx.array(1 + 2j)) == "array(1.000+2.000j, dtype=complex64)"
    assert repr(mx.array([1, 2])) == "array([1, 2], dtype=int32)"  # integers unaffected
    assert mx.get_printoptions().precision == 3
    mx.set_printoptions(precision=0)
    assert repr(a) == "array([0, 2, -1], dtype=float32)"
    mx.set_printoptions()
    assert mx.get_printoptions().precision == -1
    assert repr(a) == "array([0.333333, 2, -1], dtype=float32)"


def test_printoptions_context():
    a = mx.array([0.5])
    with mx.printoptions(precision=2) as ctx:
        assert repr(a) == "array([0.50], dtype=float32)"
        assert ctx is not None
    assert repr(a) == "array([0.5], dtype=float32)"
    assert mx.get_printoptions().precision == -1
    opts = mx.PrintOptions(precision=4)
    assert opts.precision == 4
    opts.precision = 1
    assert opts.precision == 1
    assert mx.PrintOptions().precision == -1


def test_format():
    assert f"{mx.array(1.5):.2f}" == "1.50"
    assert f"{mx.array(7):>3}" == "  7"
    a = mx.array([1, 2])
    assert f"{a}" == repr(a)
    with pytest.raises(TypeError):
        f"{a:.2f}"


def test_repr_evaluates_lazy_arrays():
    a = mx.arange(3) * 2  # still lazy: printing evaluates it
    assert repr(a) == "array([0, 2, 4], dtype=int32)"
