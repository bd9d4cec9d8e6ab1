"""The graph and evaluation: laziness, errors, memory counters, streams, dtypes."""

import gc
import threading

import numpy as np
import pytest

import kiln.core as mx


def test_lazy_until_eval():
    a = mx.array([1.0, 2.0, 3.0])
    b = mx.exp(a) * 2 + 1
    mx.eval(b)
    np.testing.assert_allclose(np.array(b), np.exp([1.0, 2.0, 3.0]) * 2 + 1, rtol=1e-6)


def test_eval_pytree_and_async():
    a = mx.arange(10)
    tree = {"x": [a + 1, (a * 2,)], "y": 3, "z": "ignored"}
    mx.async_eval(tree)
    mx.eval(tree)
    assert tree["x"][1][0].tolist() == list(range(0, 20, 2))


def test_deep_graph_does_not_recurse():
    x = mx.array(0)
    for _ in range(200_000):
        x = x + 1
    assert x.item() == 200_000
    y = mx.array(0.0)
    for _ in range(200_000):
        y = y + 1
    del y  # freeing an unevaluated deep graph must not overflow the stack either


def test_error_in_eval_reaches_caller():
    big = mx.zeros((4,))
    mx.clear_cache()  # a cached block of the right size would be reused under any limit
    limit = mx.set_memory_limit(1 << 10)
    try:
        with pytest.raises(MemoryError):
            mx.eval(mx.zeros((1 << 20,)) + 1)
    finally:
        mx.set_memory_limit(limit)
    assert (big + 1).tolist() == [1.0] * 4  # the runtime stays usable


def test_memory_returns_to_baseline():
    gc.collect()
    mx.eval(mx.zeros((1,)))
    mx.synchronize()
    base = mx.get_active_memory()
    x = mx.ones((1024, 1024))
    y = mx.exp(x) + x * 2
    mx.eval(y)
    assert mx.get_active_memory() >= base + 4 * 1024 * 1024
    del x, y
    gc.collect()
    mx.synchronize()  # GPU memory returns once the GPU has passed its last use
    assert mx.get_active_memory() == base
    assert mx.get_peak_memory() >= 4 * 1024 * 1024


def test_clear_cache_returns_memory():
    x = mx.ones((1 << 20,))
    mx.eval(x)
    del x
    mx.synchronize()
    assert mx.get_cache_memory() > 0
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


def test_cache_limit():
    old = mx.set_cache_limit(0)
    try:
        x = mx.ones((1 << 16,))
        mx.eval(x)
        del x
        mx.synchronize()
        assert mx.get_cache_memory() == 0
    finally:
        mx.set_cache_limit(old)


def test_reset_peak_memory_sets_zero():
    x = mx.ones((1 << 20,))
    mx.eval(x)
    assert mx.get_peak_memory() >= 4 << 20
    mx.reset_peak_memory()
    assert mx.get_peak_memory() == 0  # MLX: the peak restarts from zero, not from active
    y = mx.ones((1 << 18,))
    mx.eval(y)
    assert mx.get_peak_memory() >= 1 << 20


def test_memory_knobs_return_the_previous_value():
    old = mx.set_cache_limit(1 << 20)
    assert mx.set_cache_limit(old) == 1 << 20
    old = mx.set_wired_limit(1 << 20)
    assert old == 0 and mx.set_wired_limit(0) == 1 << 20
    old = mx.set_memory_limit(1 << 40)
    assert mx.set_memory_limit(old) == 1 << 40
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


def test_donation_reuses_memory():
    x = mx.ones((1 << 20,))
    mx.eval(x)
    mx.reset_peak_memory()
    base = mx.get_active_memory()
    y = mx.exp(mx.exp(x + 1) * 2)  # each intermediate is donated to the next op
    del x
    mx.eval(y)
    assert mx.get_peak_memory() <= base + (1 << 22) + 4096


def test_streams_order_and_context():
    s = mx.new_stream(mx.cpu)
    a = mx.arange(1000, stream=s)
    b = mx.multiply(a, 2, stream=mx.default_stream(mx.cpu))  # crosses streams
    assert b.tolist() == list(range(0, 2000, 2))
    with mx.stream(s):
        c = mx.ones((3,)) + 1
    assert c.tolist() == [2.0, 2.0, 2.0]
    mx.synchronize(s)
    mx.synchronize()


def test_eval_from_threads():
    results, errors = [], []

    def work(k):
        x = mx.full((100,), k)
        for _ in range(50):
            x = x + 1
        results.append(x.sum().item())

    def guarded(k):
        try:
            work(k)
        except Exception as e:  # surfaced below: a thread's exception would be lost
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert sorted(results) == [100 * (k + 50) for k in range(4)]


def test_device_and_device_type_compare_both_ways():
    assert mx.cpu == mx.Device(mx.cpu)
    assert mx.Device(mx.cpu) == mx.cpu
    assert not (mx.cpu != mx.Device(mx.cpu)) and not (mx.Device(mx.cpu) != mx.cpu)
    assert mx.cpu == mx.cpu and mx.cpu != mx.gpu
    assert mx.gpu != mx.Device(mx.cpu) and mx.Device(mx.cpu) != mx.gpu
    # A DeviceType stands for device 0 of its type.
    assert mx.Device(mx.gpu, 1) != mx.gpu and mx.gpu != mx.Device(mx.gpu, 1)
    assert mx.cpu != "cpu" and mx.Device(mx.cpu) != 0 and mx.cpu is not None
    assert hash(mx.cpu) == hash(mx.Device(mx.cpu))
    assert {mx.cpu: 1}[mx.Device(mx.cpu)] == 1
    assert mx.cpu in {mx.Device(mx.cpu)}
    assert mx.default_device() == mx.Device(mx.default_device().type)
    s = mx.default_stream(mx.cpu)
    assert s == mx.default_stream(mx.Device(mx.cpu)) and hash(s) == hash(mx.default_stream(mx.cpu))


def test_device_api():
    assert mx.default_device() == mx.cpu or mx.cuda.is_available()
    assert mx.metal.is_available() is False
    assert mx.is_available(mx.cpu)
    info = mx.device_info(mx.cpu)
    assert info["memory_size"] > 0


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ("int32", "float16", "float16"),
        ("uint8", "int8", "int16"),
        ("uint64", "int64", "float32"),
        ("float16", "bfloat16", "float32"),
        ("int64", "float64", "float64"),
        ("bool_", "uint16", "uint16"),
        ("float64", "complex64", "complex64"),
        ("uint32", "int32", "int64"),
    ],
)
def test_promotion(a, b, expected):
    x = mx.zeros((2,), getattr(mx, a))
    y = mx.zeros((2,), getattr(mx, b))
    assert (x + y).dtype == getattr(mx, expected)
    assert mx.result_type(x, y) == getattr(mx, expected)


def test_weak_scalars():
    h = mx.zeros((2,), mx.float16)
    assert (h * 2.0).dtype == mx.float16
    assert (h + 1).dtype == mx.float16
    i = mx.zeros((2,), mx.int8)
    assert (i + 1).dtype == mx.int8
    assert (i * 1.5).dtype == mx.float32
    assert (mx.zeros((2,), mx.bool_) + 1).dtype == mx.int32
    d = mx.zeros((1,), mx.float64)
    assert (d + 0.1).item() == 0.1  # the literal keeps float64 precision


def test_finfo_iinfo():
    assert mx.finfo(mx.float16).max == 65504.0
    assert mx.finfo(mx.float32).eps == np.finfo(np.float32).eps
    assert mx.iinfo(mx.int16).min == -32768
    assert mx.iinfo(mx.uint64).max == 2**64 - 1
    with pytest.raises(ValueError):
        mx.finfo(mx.int32)


def test_dtype_categories():
    assert mx.issubdtype(mx.float32, mx.floating)
    assert mx.issubdtype(mx.complex64, mx.inexact)
    assert not mx.issubdtype(mx.int32, mx.floating)
    assert mx.issubdtype(mx.uint8, mx.integer)
    assert mx.issubdtype(mx.floating, mx.number)
    assert mx.isdtype(mx.int8, "signed integer")


def test_bad_input_messages():
    with pytest.raises(ValueError, match="broadcast"):
        mx.add(mx.zeros((2, 3)), mx.zeros((4,)))
    with pytest.raises(ValueError, match="reshape"):
        mx.reshape(mx.zeros((6,)), (4, 2))
    with pytest.raises(IndexError):
        mx.transpose(mx.zeros((2, 3)), (0, 5))
    with pytest.raises(TypeError):
        mx.array(object())
    with pytest.raises(ValueError, match="ragged"):
        mx.array([[1, 2], [3]])
