"""Shape ops (transpose copies, concatenate, pad, roll, tile, repeat): Kiln against NumPy
(and PyTorch for the transpose copy) on the CPU, or against PyTorch on the same GPU, in one
run (timing and table: harness.py).

GPU: the transpose copy `mx.contiguous(x.T)` of 8192^2 float32 (target: PyTorch's speed;
the rate counts one read and one write).

    PYTHONPATH=build/python python3 benchmarks/shape.py [--device gpu] [--json out.json]
"""

import numpy as np

import harness as h
from harness import Workload, close, mx, peer_ratio, relative_l2

BIG, SMALL = (4096, 4096), (1024, 1024)

TRANSPOSE_COPY = {"kiln": lambda x: mx.contiguous(x.T),
                  "numpy": lambda x: np.ascontiguousarray(x.T),
                  "torch": lambda x: x.t().contiguous()}


def uniform(shape):
    return lambda rng: [rng.random(shape, dtype=np.float32)]


def vs_numpy(name, kiln_fn, numpy_fn, shape=SMALL):
    return Workload(name, {"kiln": kiln_fn, "numpy": numpy_fn}, uniform(shape), check=close(0))


CPU = [
    Workload("transpose copy, 4096^2 f32", TRANSPOSE_COPY, uniform(BIG), check=close(0)),
    vs_numpy("transposed cast to f16, C order", lambda x: mx.contiguous(x.T.astype(mx.float16)),
             lambda x: x.T.astype(np.float16, order="C"), BIG),
    vs_numpy("concatenate 2x 4096^2 axis=1", lambda x: mx.concatenate([x, x], axis=1),
             lambda x: np.concatenate([x, x], axis=1), BIG),
    vs_numpy("pad constant 1024^2 +8", lambda x: mx.pad(x, 8), lambda x: np.pad(x, 8)),
    vs_numpy("pad reflect 1024^2 +8", lambda x: mx.pad(x, 8, mode="reflect"),
             lambda x: np.pad(x, 8, mode="reflect")),
    vs_numpy("roll 4096^2 (5, 7)", lambda x: mx.roll(x, (5, 7), (0, 1)),
             lambda x: np.roll(x, (5, 7), (0, 1)), BIG),
    vs_numpy("tile 1024^2 (2, 2)", lambda x: mx.tile(x, (2, 2)), lambda x: np.tile(x, (2, 2))),
    vs_numpy("repeat 1024^2 x2 axis=0", lambda x: mx.repeat(x, 2, 0), lambda x: np.repeat(x, 2, 0)),
]

GPU = [
    Workload("transpose copy, 8192^2 f32", TRANSPOSE_COPY,
             lambda rng: [rng.standard_normal((8192, 8192), dtype=np.float32)],
             bytes=2 * 4 * 8192**2, targets=[peer_ratio("torch", 1.0)], check=relative_l2(0)),
]

if __name__ == "__main__":
    h.main(__doc__, {"cpu": CPU, "gpu": GPU})
