"""GPU runtime behaviour: software unified memory, streams, out-of-memory recovery and the
kernel cache. Skipped without a GPU."""

import os
import subprocess
import sys

import numpy as np
import pytest

import kiln.core as mx

pytestmark = pytest.mark.gpu_only


def transfers():
    return mx.cuda.transfer_stats()


def test_numpy_array_used_twice_is_copied_once(rng):
    x = rng.standard_normal((256, 256)).astype(np.float32)
    a = mx.array(x)
    before = transfers()["host_to_device"]
    y = mx.add(a, a, stream=mx.gpu)
    z = mx.multiply(a, 3.0, stream=mx.gpu)
    mx.eval(y, z)
    assert transfers()["host_to_device"] - before == 1
    np.testing.assert_allclose(np.array(y), x + x, rtol=1e-6)
    np.testing.assert_allclose(np.array(z), x * 3, rtol=1e-6)


def test_gpu_result_read_on_host_is_copied_once(rng):
    a = mx.array(rng.standard_normal((128,)).astype(np.float32))
    y = mx.exp(a, stream=mx.gpu)
    mx.eval(y)
    before = transfers()["device_to_host"]
    first = np.array(y)
    second = np.array(y)
    assert y.tolist()[0] == pytest.approx(float(first[0]))
    assert transfers()["device_to_host"] - before == 1
    np.testing.assert_array_equal(first, second)


def test_cpu_write_after_gpu_read_is_seen_by_gpu(rng):
    x = rng.standard_normal((64,)).astype(np.float32)
    a = mx.array(x)
    g = mx.add(a, 1.0, stream=mx.gpu)  # device copy of a's buffer
    c = mx.multiply(g, 2.0, stream=mx.cpu)  # the CPU reads g's result
    back = mx.subtract(c, 1.0, stream=mx.gpu)  # and the GPU reads the CPU's result
    np.testing.assert_allclose(np.array(back), (x + 1) * 2 - 1, rtol=1e-6)


def test_python_scalars_go_to_kernels_by_value(rng):
    x = rng.standard_normal((1000,)).astype(np.float32)
    a = mx.array(x)
    mx.eval(mx.add(a, 0.0, stream=mx.gpu))
    before = transfers()["host_to_device"]
    b = a
    for _ in range(10):
        b = mx.add(b, 1.0, stream=mx.gpu)  # the 1.0 is never uploaded
    mx.eval(b)
    assert transfers()["host_to_device"] == before
    np.testing.assert_allclose(np.array(b), x + 10, rtol=1e-5)


def test_large_host_blocks_cross_the_bus_pinned_and_reused(rng):
    # 8 MiB blocks are pinned on their first transfer and reused by the allocator: each
    # round must see its own values, never a reused block's old ones.
    for k in range(3):
        x = rng.standard_normal((2 << 20,)).astype(np.float32)
        g = mx.add(mx.array(x), float(k), stream=mx.gpu)
        c = mx.multiply(g, 2.0, stream=mx.cpu)  # down into a host block
        back = mx.subtract(c, 1.0, stream=mx.gpu)  # and up again
        np.testing.assert_allclose(np.array(back), (x + k) * 2 - 1, rtol=1e-6)


def test_host_write_into_a_block_with_a_device_copy_is_uploaded_again(rng):
    x = rng.standard_normal((1 << 20,)).astype(np.float32)
    a = mx.array(x)
    g = mx.multiply(a, 2.0, stream=mx.gpu)
    mx.eval(g)  # a now has a device copy
    b = mx.add(a, 1.0, stream=mx.cpu)  # may write into a's memory (donation)
    del a
    h = mx.multiply(b, 3.0, stream=mx.gpu)
    np.testing.assert_allclose(np.array(h), (x + 1) * 3, rtol=1e-6)
    np.testing.assert_allclose(np.array(g), x * 2, rtol=1e-6)


def test_cross_stream_ordering(rng):
    s1 = mx.new_stream(mx.gpu)
    s2 = mx.new_stream(mx.gpu)
    x = rng.standard_normal((1 << 20,)).astype(np.float32)
    a = mx.array(x)
    b = a
    for _ in range(20):
        b = mx.add(b, 1.0, stream=s1)
    c = mx.multiply(b, 2.0, stream=s2)  # must see all 20 additions
    d = mx.add(c, b, stream=mx.cpu)  # and the CPU after both
    np.testing.assert_allclose(np.array(d), (x + 20) * 3, rtol=1e-5)
    mx.synchronize(s1)
    mx.synchronize(s2)


def test_out_of_memory_is_a_clear_error_and_recoverable():
    with pytest.raises(MemoryError, match="bytes"):
        mx.eval(mx.zeros((1 << 40,), stream=mx.gpu))  # 4 TiB
    y = mx.add(mx.ones((4,), stream=mx.gpu), 1.0, stream=mx.gpu)
    assert y.tolist() == [2.0] * 4


def test_memory_counters_and_clear_cache():
    mx.synchronize()
    base = mx.get_active_memory()
    x = mx.ones((1 << 22,), stream=mx.gpu)
    mx.eval(x)
    assert mx.get_active_memory() >= base + (1 << 24)
    del x
    mx.synchronize()
    assert mx.get_active_memory() == base
    mx.clear_cache()
    assert mx.get_cache_memory() == 0


def test_kernel_cache_is_shared_across_processes(tmp_path):
    code = (
        "import kiln.core as mx\n"
        "x = mx.arange(1000, dtype=mx.float32, stream=mx.gpu)\n"
        "y = mx.sin(mx.sqrt(x)) * 2.5\n"
        "mx.eval(y)\n"
        "s = mx.cuda.kernel_cache_stats()\n"
        "print(s['compiled'], s['disk_hits'])\n"
    )
    env = dict(os.environ, KILN_CACHE_DIR=str(tmp_path), KILN_DEFAULT_DEVICE="gpu")
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    compiled, hits = map(int, first.stdout.split())
    assert compiled > 0
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    compiled2, hits2 = map(int, second.stdout.split())
    assert compiled2 == 0 and hits2 == compiled


def test_float64_and_complex_on_gpu(rng):
    x = rng.standard_normal((100,))
    a = mx.array(x)  # float64
    np.testing.assert_allclose(np.array(mx.exp(a, stream=mx.gpu)), np.exp(x), rtol=1e-14)
    z = (rng.standard_normal(50) + 1j * rng.standard_normal(50)).astype(np.complex64)
    np.testing.assert_allclose(np.array(mx.multiply(mx.array(z), mx.array(z), stream=mx.gpu)),
                               z * z, rtol=1e-5)


def test_device_info():
    info = mx.device_info(mx.gpu)
    assert info["memory_size"] > 0 and info["architecture"].startswith("sm_")
    assert mx.metal.is_available() is False
