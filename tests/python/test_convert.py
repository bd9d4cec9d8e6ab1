"""Conversions between Python, NumPy, DLPack producers and kiln arrays, the buffer protocol
and pickling. Cases that used to crash the interpreter run in a subprocess, so a regression
fails its test instead of killing pytest."""

import array as pyarray
import gc
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kiln.core as mx

try:
    import torch
except ImportError:  # torch is optional
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="needs torch")

ALL_DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
              "float16", "bfloat16", "float32", "float64", "complex64"]


def run_isolated(code):
    """Runs `code` in a fresh interpreter; fails (with its stderr) if it crashed or raised."""
    prelude = "import numpy as np\nimport kiln.core as mx\n"
    r = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"exit status {r.returncode}:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return r.stdout


def random_array(rng, shape, dtype):
    """A kiln array of `dtype` and the float64/int/bool/complex NumPy values it holds."""
    if dtype == "bool_":
        x = rng.random(shape) < 0.5
    elif dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    elif dtype == "complex64":
        x = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(np.complex64)
    else:
        x = rng.standard_normal(shape).astype(np.float32 if dtype == "bfloat16" else dtype)
    a = mx.array(x, dtype=getattr(mx, dtype))
    return a


# ---- 1. the buffer protocol and NumPy export ----

def test_bfloat16_to_numpy_raises_value_error_naming_bfloat16():
    run_isolated("""
        a = mx.array([1.0, 2.5, -3.0]).astype(mx.bfloat16)
        for convert in (np.array, np.asarray, lambda x: x.__array__()):
            try:
                convert(a)
            except ValueError as e:
                assert "bfloat16" in str(e), str(e)
            else:
                raise AssertionError("no ValueError")
    """)


def test_bfloat16_memoryview_holds_the_bits():
    run_isolated("""
        rng = np.random.default_rng()
        x = rng.standard_normal((3, 4)).astype(np.float32)
        a = mx.array(x).astype(mx.bfloat16)
        m = memoryview(a)
        assert m.itemsize == 2 and m.nbytes == 24 and m.shape == (3, 4), (m.itemsize, m.shape)
        assert "bfloat16" in m.format
        bits = np.frombuffer(m.tobytes(), np.uint16).reshape(3, 4)
        # bfloat16 is the top half of a float32: widen the bits back and compare the values.
        widened = (bits.astype(np.uint32) << 16).view(np.float32)
        np.testing.assert_array_equal(widened, np.array(a.astype(mx.float32)))
        assert np.frombuffer(a, np.uint16).shape == (12,)
    """)


@pytest.mark.parametrize("dtype", [d for d in ALL_DTYPES if d != "bfloat16"])
def test_numpy_views_every_dtype(dtype):
    rng = np.random.default_rng()
    a = random_array(rng, (3, 5), dtype)
    want = np.array(a.tolist(), dtype=np.dtype(dtype))
    for view in (np.array(a), np.asarray(memoryview(a)), a.__array__()):
        assert view.dtype == want.dtype
        np.testing.assert_array_equal(view, want)


def test_memoryview_of_strided_broadcast_and_empty_views():
    rng = np.random.default_rng()
    x = rng.standard_normal((4, 6)).astype(np.float32)
    a = mx.array(x)
    cases = [(a.T, x.T), (a[::2, ::-3], x[::2, ::-3]),
             (mx.broadcast_to(a[0], (3, 6)), np.broadcast_to(x[0], (3, 6))),
             (a[:0], x[:0]), (a[1, 2], x[1, 2])]
    for view, want in cases:
        m = memoryview(view)
        assert m.shape == want.shape
        np.testing.assert_array_equal(np.asarray(m), want)
        assert m.tobytes() == np.ascontiguousarray(want).tobytes()


def test_buffer_consumers_that_need_c_order_get_an_error():
    a = mx.array(np.arange(12, dtype=np.int32).reshape(3, 4)).T
    with pytest.raises(BufferError):
        np.frombuffer(a, np.int32)  # asks for a plain (C-contiguous) buffer
    np.testing.assert_array_equal(np.frombuffer(mx.contiguous(a), np.int32),
                                  np.arange(12).reshape(3, 4).T.ravel())


def test_memoryview_keeps_memory_after_the_array_is_replaced():
    a = mx.arange(4)
    m = memoryview(a)
    a += 10  # replaces the Python object's array
    del a
    gc.collect()
    mx.clear_cache()
    junk = [mx.full((4,), 7) for _ in range(8)]
    mx.eval(junk)
    assert m.tolist() == [0, 1, 2, 3]


def test_array_protocol_copy_and_dtype():
    a = mx.array([1.0, 2.0, 3.0])
    view = a.__array__()
    view[0] = 5.0  # a view: writes reach the array, as in MLX
    assert a.tolist()[0] == 5.0
    copy = a.__array__(copy=True)
    copy[1] = -1.0
    assert a.tolist()[1] == 2.0
    assert a.__array__(np.float64).dtype == np.float64
    with pytest.raises(ValueError, match="copy"):
        a.__array__(np.float64, copy=False)


def test_uninitialized_array_raises_on_every_access():
    run_isolated("""
        import copy, pickle
        b = mx.array.__new__(mx.array)
        uses = [repr, str, len, bool, float, lambda b: b.shape, lambda b: b.dtype,
                lambda b: b.size, lambda b: b + 1, lambda b: 1 + b, lambda b: b[0],
                lambda b: mx.exp(b), lambda b: mx.array(b), lambda b: np.array(b),
                memoryview, pickle.dumps, copy.copy, lambda b: b.tolist(),
                lambda b: b.__dlpack__(), lambda b: mx.eval(b), lambda b: b == b]
        for use in uses:
            try:
                use(b)
            except TypeError as e:
                assert "__new__" in str(e) or "array" in str(e), str(e)
            except Exception as e:
                pass  # any Python exception is acceptable; crashing is not
        b.__setstate__(("int32", [2], np.array([4, 5], np.int32).tobytes()))
        assert b.tolist() == [4, 5]
        del b
    """)


def test_self_referential_and_deep_lists_raise():
    run_isolated("""
        l = []
        l.append(l)
        for bad in (l, [l, l], ([l],)):
            try:
                mx.array(bad)
            except RecursionError:
                pass
            else:
                raise AssertionError("no RecursionError")
        deep = 1
        for _ in range(100_000):
            deep = [deep]
        try:
            mx.array(deep)
        except RecursionError:
            pass
        else:
            raise AssertionError("no RecursionError")

        class Loop:
            def __mlx_array__(self):
                return self
        try:
            mx.array(Loop())
        except RecursionError:
            pass
        else:
            raise AssertionError("no RecursionError")
    """)


def test_nested_lists_within_the_limit_convert():
    deep = 1.5
    for _ in range(40):
        deep = [deep]
    a = mx.array(deep)
    assert a.shape == (1,) * 40 and a.dtype == mx.float32
    assert a.reshape(-1).tolist() == [1.5]


@pytest.mark.parametrize("ragged", [[[1, 2], [3]], [1, [2]], [[1], 2], [[], 1], [[[]], []],
                                    [(1, 2), (3, 4, 5)], [mx.array([1, 2]), mx.array([1])],
                                    [mx.array([1, 2]), [1, 2]]])
def test_ragged_lists_raise_value_error(ragged):
    with pytest.raises(ValueError):
        mx.array(ragged)


def test_list_leaves_are_held_while_converting():
    class Sneaky:
        """A leaf whose conversion empties the list it sits in."""
        def __init__(self, owner):
            self.owner = owner

        def __array__(self, dtype=None, copy=None):
            self.owner.clear()
            gc.collect()
            return np.zeros(2, np.float32)

    outer = []
    outer.extend([Sneaky(outer), np.ones(2, np.float32)])
    got = mx.array(outer)
    np.testing.assert_array_equal(np.array(got), [[0, 0], [1, 1]])


# ---- 3. __new__ and pickling ----

@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_pickle_round_trip_every_dtype(dtype):
    rng = np.random.default_rng()
    a = random_array(rng, (4, 3), dtype)
    for src in (a, a.T, a[::2], a[0, 0], a[:0]):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):  # 0 and 1 go through __reduce__
            b = pickle.loads(pickle.dumps(src, protocol=protocol))
            assert b.dtype == src.dtype and b.shape == src.shape
            assert b.tolist() == src.tolist()


@pytest.mark.parametrize("state, error", [
    (("float32", [1_000_000], b""), ValueError),          # bytes too short: read past the end
    (("float32", [2], b"\0" * 9), ValueError),            # bytes too long
    (("float32", [2**62, 2**62], b""), OverflowError),    # the byte count overflows
    (("float32", [2**64], b""), OverflowError),           # not an int64
    (("float32", [-1], b""), ValueError),
    (("float128", [1], b"\0" * 16), ValueError),          # no such dtype
    (("float32", "ab", b""), TypeError),
    (("float32", [1], "abcd"), ValueError),               # str, not bytes
    ((b"float32", [1], b"abcd"), ValueError),
    (("float32", [1]), ValueError),
    ("float32", TypeError),
])
def test_setstate_validates_the_state(state, error):
    run_isolated(f"""
        b = mx.array.__new__(mx.array)
        try:
            b.__setstate__({state!r})
        except {error.__name__} as e:
            print(e)
        else:
            raise AssertionError("accepted a bad state")
    """)


def test_setstate_normalises_bools():
    b = mx.array.__new__(mx.array)
    b.__setstate__(("bool", [3], b"\x00\x02\xff"))
    assert b.tolist() == [False, True, True]


# ---- 4. Python ints that do not fit C++ ----

def test_large_python_ints_in_arrays():
    assert mx.array(2**63).dtype == mx.uint64
    assert mx.array(2**63).item() == 2**63
    assert mx.array([2**63, 1]).dtype == mx.uint64
    assert mx.array([2**40, -1]).dtype == mx.int64
    for bad in (2**64, -2**63 - 1, [2**64], [2**63, -1], [[1], [2**70]]):
        with pytest.raises(OverflowError):
            mx.array(bad)
    np.testing.assert_allclose(mx.array(2**64, dtype=mx.float32).item(), 2.0**64, rtol=1e-6)
    np.testing.assert_allclose(np.array(mx.array([2**70, 1], dtype=mx.float64)), [2.0**70, 1])
    with pytest.raises(OverflowError):
        mx.array(10**400, dtype=mx.float32)
    with pytest.raises(OverflowError):
        mx.array([10**400, 1.5])
    with pytest.raises(OverflowError):
        mx.array([1, 2], dtype=mx.uint64) + 2**64


def test_large_ints_as_shapes_and_axes():
    a = mx.zeros((2, 3))
    calls = [lambda: mx.zeros((2**64,)), lambda: mx.zeros(2**64), lambda: mx.ones([1, 2**70]),
             lambda: mx.full((2**64,), 1.0), lambda: mx.reshape(a, (2**64,)),
             lambda: mx.broadcast_to(a, (2**64, 3))]
    for call in calls:
        with pytest.raises(OverflowError, match="shape"):
            call()
    for call in (lambda: mx.sum(a, axis=2**63), lambda: mx.sum(a, axis=[0, 2**40]),
                 lambda: mx.mean(a, axis=-2**63 - 5)):
        with pytest.raises(OverflowError, match="axis"):
            call()
    # int parameters and the bindings' own int conversions: OverflowError, not pybind11's
    # TypeError ("incompatible function arguments") or RuntimeError ("Unable to cast")
    for call in (lambda: mx.swapaxes(a, 2**63, 0), lambda: mx.argmax(a, axis=2**63),
                 lambda: mx.cumsum(a, axis=2**40), lambda: mx.take(a, mx.array([0]), axis=2**63),
                 lambda: mx.concatenate([a, a], axis=2**64), lambda: mx.split(a, 2**64),
                 lambda: mx.linspace(0, 1, 2**64), lambda: mx.eye(2**64),
                 lambda: mx.pad(a, 2**64), lambda: mx.repeat(a, 2**64)):
        with pytest.raises(OverflowError):
            call()
    assert mx.swapaxes(a, np.int64(1), 0).shape == (3, 2)
    with pytest.raises(TypeError):
        mx.swapaxes(a, 1.5, 0)
    with pytest.raises(TypeError):
        mx.zeros((2.5,))
    assert mx.zeros((np.int64(2), np.uint8(3))).shape == (2, 3)
    assert mx.sum(a, axis=np.int32(1)).shape == (2,)


# ---- 5. conversion semantics ----

def test_numpy_float64_becomes_float32():
    rng = np.random.default_rng()
    x = rng.standard_normal((3, 4))
    a = mx.array(x)
    assert a.dtype == mx.float32
    np.testing.assert_array_equal(np.array(a), x.astype(np.float32))
    assert mx.array(x, dtype=mx.float64).dtype == mx.float64
    np.testing.assert_array_equal(np.array(mx.array(x, dtype=mx.float64)), x)
    assert mx.array(np.float64(1.5)).dtype == mx.float32
    assert mx.array([np.float64(1.5)]).dtype == mx.float32
    assert mx.asarray(x).dtype == mx.float32
    assert mx.array(x.astype(np.float16)).dtype == mx.float16
    assert mx.array(x.astype(np.complex128)).dtype == mx.complex64


def test_buffer_protocol_objects_construct_arrays():
    a = mx.array(b"abc")
    assert a.dtype == mx.uint8 and a.tolist() == [97, 98, 99]
    assert mx.array(bytearray(b"\x01\x02")).tolist() == [1, 2]
    assert mx.array(b"").shape == (0,)
    ints = mx.array(pyarray.array("i", [1, -2, 3]))
    assert ints.dtype == mx.int32 and ints.tolist() == [1, -2, 3]
    assert mx.array(pyarray.array("d", [1.5])).dtype == mx.float32
    x = np.arange(12, dtype=np.int16).reshape(3, 4)
    m = mx.array(memoryview(x)[::2])
    assert m.dtype == mx.int16 and m.tolist() == x[::2].tolist()
    src = bytearray(b"\x05")
    copied = mx.array(src)
    src[0] = 9
    assert copied.tolist() == [5]
    with pytest.raises(TypeError):
        mx.array("abc")


def test_asarray_copy_false_shares_or_raises():
    x = np.arange(6, dtype=np.float32)
    shared = mx.asarray(x, copy=False)
    x[0] = 42.0
    assert shared.tolist()[0] == 42.0
    with pytest.raises(ValueError, match="float64"):
        mx.asarray(np.arange(3.0), copy=False)  # float64 would become float32: a copy
    f64 = np.arange(3.0)
    shared64 = mx.asarray(f64, dtype=mx.float64, copy=False)
    f64[1] = -1.0
    assert shared64.tolist() == [0.0, -1.0, 2.0]
    with pytest.raises(ValueError):
        mx.asarray(x, dtype=mx.int32, copy=False)
    for no_memory in ([1, 2], 3, b"abc"):
        with pytest.raises(ValueError, match="copy=False"):
            mx.asarray(no_memory, copy=False)
    buf = bytearray(b"\x01\x02")
    view = mx.asarray(buf, copy=False)
    buf[0] = 7
    assert view.tolist() == [7, 2]
    a = mx.array([1.0, 2.0])
    assert mx.asarray(a, copy=False).tolist() == [1.0, 2.0]
    with pytest.raises(ValueError):
        mx.asarray(a, dtype=mx.int32, copy=False)


def test_asarray_copy_true_never_shares():
    a = mx.array([1.0, 2.0, 3.0])
    b = mx.asarray(a, copy=True)
    np.asarray(b)[0] = 9.0  # a writable view of b's memory
    assert a.tolist() == [1.0, 2.0, 3.0] and b.tolist()[0] == 9.0
    x = np.ones(3, np.float32)
    c = mx.asarray(x, copy=True)
    x[0] = 5.0
    assert c.tolist() == [1.0, 1.0, 1.0]


@needs_torch
def test_torch_tensors_construct_arrays():
    rng = np.random.default_rng()
    x = rng.standard_normal((3, 4))
    t64 = torch.from_numpy(x)
    a = mx.array(t64)
    assert a.dtype == mx.float32
    np.testing.assert_array_equal(np.array(a), x.astype(np.float32))
    assert mx.array(t64, dtype=mx.float64).dtype == mx.float64
    tb = torch.from_numpy(x.astype(np.float32)).to(torch.bfloat16)
    b = mx.array(tb)
    assert b.dtype == mx.bfloat16
    np.testing.assert_array_equal(np.array(b.astype(mx.float32)), tb.float().numpy())
    t = torch.from_numpy(x.astype(np.float32)).T  # a strided view
    c = mx.array(t)
    np.testing.assert_array_equal(np.array(c), x.T.astype(np.float32))
    t[0, 0] = 100.0  # mx.array copies
    assert c.tolist()[0][0] == np.float32(x[0, 0])
    assert mx.array(torch.arange(5)).dtype == mx.int64
    assert mx.array(torch.tensor([True, False])).tolist() == [True, False]  # no DLPack bool
    c128 = torch.tensor([1 + 2j], dtype=torch.complex128)  # no kiln complex128: via NumPy
    assert mx.array(c128).tolist() == [1 + 2j]


# ---- 6. DLPack ----

def test_dlpack_export_of_negative_strides_is_a_copy():
    x = mx.arange(12).reshape(3, 4)[::-1, ::2]
    np.testing.assert_array_equal(np.from_dlpack(x), np.arange(12).reshape(3, 4)[::-1, ::2])
    with pytest.raises(BufferError):
        x.__dlpack__(copy=False)
    y = mx.arange(6)[::2]  # positive strides: shared
    np.testing.assert_array_equal(np.from_dlpack(y), [0, 2, 4])


@needs_torch
def test_dlpack_export_to_torch():
    rng = np.random.default_rng()
    x = rng.standard_normal((4, 5)).astype(np.float32)
    a = mx.array(x)
    for view, want in ((a, x), (a.T, x.T), (a[::-1], x[::-1]), (a[1:, ::-2], x[1:, ::-2])):
        t = torch.from_dlpack(view)
        np.testing.assert_array_equal(t.numpy(), want)
    b = a.astype(mx.bfloat16)
    np.testing.assert_array_equal(torch.from_dlpack(b).float().numpy(),
                                  np.array(b.astype(mx.float32)))


def test_from_dlpack_imports_views_and_copies():
    rng = np.random.default_rng()
    x = rng.standard_normal((4, 6))
    for view in (x, x.T, x[::2, 1::3], x[::-1], x[:, ::-2]):
        a = mx.from_dlpack(view)
        assert a.dtype == mx.float64  # an explicit import keeps the producer's dtype
        np.testing.assert_array_equal(np.array(a), view)
    shared = mx.from_dlpack(x)
    copied = mx.from_dlpack(x, copy=True)
    x[0, 0] = 123.0
    assert shared.tolist()[0][0] == 123.0 and copied.tolist()[0][0] != 123.0


def test_from_dlpack_refusal_leaves_the_tensor_with_its_producer():
    x = np.zeros(8, np.complex128)  # DLPack complex128: not a kiln dtype
    before = sys.getrefcount(x)
    for _ in range(5):
        with pytest.raises(TypeError, match="DLPack"):
            mx.from_dlpack(x)
    gc.collect()
    assert sys.getrefcount(x) == before  # every capsule released its reference to x


def test_ops_on_imported_memory_leave_it_unchanged():
    x = np.arange(8, dtype=np.float32)
    y = mx.exp(mx.from_dlpack(x)) + mx.from_dlpack(x)
    mx.eval(y)
    np.testing.assert_array_equal(x, np.arange(8, dtype=np.float32))
