"""A quick end-to-end check of the GPU path (run by scripts/device-check.sh smoke)."""

import time

import numpy as np

import kiln.core as mx

assert mx.cuda.is_available(), "no GPU"
print(mx.device_info(mx.gpu))
mx.set_default_device(mx.gpu)
rng = np.random.default_rng(0)
x = rng.standard_normal((1000, 37)).astype(np.float32)
a = mx.array(x)
y = mx.exp(a) * 2 + 1
np.testing.assert_allclose(np.array(y), np.exp(x) * 2 + 1, rtol=1e-5)
np.testing.assert_allclose(np.array(a.T + 1), x.T + 1, rtol=1e-6)
np.testing.assert_allclose(np.array(mx.contiguous(a.T)), x.T)
np.testing.assert_array_equal(np.array(mx.arange(10)), np.arange(10))
b = rng.standard_normal((37, 64)).astype(np.float32)
np.testing.assert_allclose(np.array(a @ mx.array(b)), x @ b, rtol=1e-4, atol=1e-4)
h = mx.array(x).astype(mx.bfloat16)
np.testing.assert_allclose(np.array((h * 2).astype(mx.float32)), (x * 2), rtol=1e-2, atol=1e-2)
z = mx.zeros((16,))
for _ in range(100):
    z = z + 1
assert z.tolist() == [100.0] * 16
t = time.perf_counter()
for _ in range(20):
    z = mx.zeros((16,))
    for _ in range(100):
        z = z + 1
    mx.eval(z)
print(f"per-op overhead {(time.perf_counter() - t) / 2000 * 1e6:.2f} us")
print("active", mx.get_active_memory(), "peak", mx.get_peak_memory())
print("SMOKE OK")
