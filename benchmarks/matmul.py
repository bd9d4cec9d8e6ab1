"""Matrix products: Kiln against NumPy and PyTorch on the CPU, or against PyTorch on the same
GPU, in one run (timing and table: harness.py).

CPU: a 1024^3 float32 matmul (target: within 5% of NumPy's time). GPU: an 8192^3 bfloat16
GEMM (TFLOP/s) and bfloat16 GEMV with a 14336x4096 weight in both layouts, `x @ W.T` with W
stored (14336, 4096) and `x @ W` with W stored (4096, 14336) (GB/s counting W, x and the
output); targets: 0.95x PyTorch's time ratio.

    PYTHONPATH=build/python python3 benchmarks/matmul.py [--device gpu] [--json out.json]
"""

import numpy as np

import harness as h
from harness import Workload, close, mx, peer_ratio, relative_l2

GEMV_K, GEMV_N = 4096, 14336
# A timed GEMV call runs this many products back to back (as a decoder's layers do), so the
# host's wait for the GPU, about as long as one product, does not hide the kernel's bandwidth.
GEMV_BATCH = 20


def product(a, b):
    return a @ b


def square(n):
    return lambda rng: [rng.standard_normal((n, n), dtype=np.float32) for _ in range(2)]


CPU = [
    Workload("matmul 1024^3 f32", {"kiln": mx.matmul, "numpy": product, "torch": product},
             square(1024), targets=[peer_ratio("numpy", 1 / 1.05)], check=close(1e-3)),
]


def gemv(transposed):
    """x (1, 4096) times a 14336 x 4096 bfloat16 weight: x @ W.T with W stored (14336, 4096)
    row-major, or x @ W with W stored (4096, 14336)."""
    def inputs(rng):
        shape = (GEMV_N, GEMV_K) if transposed else (GEMV_K, GEMV_N)
        return [rng.standard_normal(shape, dtype=np.float32),
                rng.standard_normal((1, GEMV_K), dtype=np.float32)]

    def kiln(w, x):
        wt = w.T if transposed else w
        ys = [x @ wt for _ in range(GEMV_BATCH)]
        mx.eval(ys)
        return ys[-1]

    def torch_(w, x):
        wt = w.t() if transposed else w
        for _ in range(GEMV_BATCH):
            y = x @ wt
        return y

    name = "x @ W.T, W 14336x4096" if transposed else "x @ W, W 4096x14336"
    return Workload(f"gemv bf16 {name}", {"kiln": kiln, "torch": torch_}, inputs,
                    dtype="bfloat16", ops=GEMV_BATCH,
                    bytes=GEMV_BATCH * 2 * (GEMV_N * GEMV_K + GEMV_K + GEMV_N),  # W + x + out
                    targets=[peer_ratio("torch", 0.95)], check=relative_l2(1e-2))


GPU = [
    Workload("gemm bf16 8192^3", {"kiln": product, "torch": product}, square(8192),
             dtype="bfloat16", flops=2 * 8192**3, targets=[peer_ratio("torch", 0.95)],
             check=relative_l2(1e-2)),
    gemv(True),
    gemv(False),
]

if __name__ == "__main__":
    h.main(__doc__, {"cpu": CPU, "gpu": GPU})
