"""Reductions, arg-reductions, softmax, logsumexp and scans: Kiln against NumPy and PyTorch
on the CPU, or against PyTorch on the same GPU, in one run (timing and table: harness.py).

CPU: on 16M float32 and 4096^2 float32 (targets: the sums at least as fast as NumPy). GPU:
on 64M float32 and 8192^2 float32; rates count the bytes an ideal kernel moves (read once;
softmax and cumsum also write once); targets: the sum of 64M float32 within 0.095 ms and
0.9x PyTorch's time ratio, softmax of 8192^2 float32 within 0.20 ms and 0.9x PyTorch's
(synchronization included).

    PYTHONPATH=build/python python3 benchmarks/reduce.py [--device gpu] [--json out.json]
"""

import numpy as np

import harness as h
from harness import Workload, close, mx, peer_ratio, relative_l2, torch, within_ms

M16, M64 = 16 * 2**20, 64 * 2**20
F32 = 4


def uniform(shape):
    return lambda rng: [rng.random(shape, dtype=np.float32)]


def normal(shape):
    return lambda rng: [rng.standard_normal(shape, dtype=np.float32)]


def np_softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def np_logsumexp(x):
    m = x.max(-1, keepdims=True)
    return np.log(np.exp(x - m).sum(-1)) + m[..., 0]


TOTAL_SUM = {"kiln": mx.sum, "numpy": np.sum, "torch": lambda x: torch.sum(x)}
SUM_0 = {"kiln": lambda x: mx.sum(x, axis=0), "numpy": lambda x: np.sum(x, axis=0),
         "torch": lambda x: torch.sum(x, dim=0)}
SOFTMAX = {"kiln": lambda x: mx.softmax(x, axis=-1), "numpy": np_softmax,
           "torch": lambda x: torch.softmax(x, dim=-1)}


def numpy_peer(kiln_fn, numpy_fn):
    return {"kiln": kiln_fn, "numpy": numpy_fn}


def torch_peer(kiln_fn, torch_fn):
    return {"kiln": kiln_fn, "torch": torch_fn}


CPU = [
    Workload("sum, 16M f32", TOTAL_SUM, uniform(M16), targets=[peer_ratio("numpy", 1.0)],
             check=close(1e-3)),
    Workload("sum(axis=0), 4096^2 f32", SUM_0, uniform((4096, 4096)),
             targets=[peer_ratio("numpy", 1.0)], check=close(1e-4)),
    Workload("sum(axis=1), 4096^2 f32", numpy_peer(lambda x: mx.sum(x, axis=1),
                                                   lambda x: x.sum(axis=1)),
             normal((4096, 4096)), check=relative_l2(1e-5)),
    Workload("max, 16M f32", numpy_peer(mx.max, np.max), normal(M16), check=close(0)),
    Workload("argmax(axis=1), 4096^2 f32", numpy_peer(lambda x: mx.argmax(x, axis=1),
                                                      lambda x: x.argmax(axis=1)),
             normal((4096, 4096)), check=close(0)),
    Workload("mean(axis=0), 4096^2 f32", numpy_peer(lambda x: mx.mean(x, axis=0),
                                                    lambda x: x.mean(axis=0)),
             normal((4096, 4096)), check=relative_l2(1e-5)),
    Workload("softmax(axis=-1), 4096^2 f32", SOFTMAX, normal((4096, 4096)), check=close(1e-4)),
    Workload("logsumexp(axis=-1), 4096^2 f32",
             numpy_peer(lambda x: mx.logsumexp(x, axis=-1), np_logsumexp),
             normal((4096, 4096)), check=close(1e-4)),
    Workload("cumsum(axis=1), 4096^2 f32", numpy_peer(lambda x: mx.cumsum(x, axis=1),
                                                      lambda x: x.cumsum(axis=1)),
             normal((4096, 4096)), check=relative_l2(1e-5)),
    Workload("cumsum(axis=0), 4096^2 f32", numpy_peer(lambda x: mx.cumsum(x, axis=0),
                                                      lambda x: x.cumsum(axis=0)),
             normal((4096, 4096)), check=relative_l2(1e-5)),
]

N = 8192


def matrix(name, contenders, writes=False, tol=1e-5, targets=()):
    """A workload on one 8192^2 float32 matrix; `writes`: the output is as large as the input."""
    return Workload(f"{name}, {N}^2 f32", contenders, normal((N, N)),
                    bytes=(2 if writes else 1) * F32 * N * N, targets=targets,
                    check=relative_l2(tol))


GPU = [
    Workload("sum, 64M f32", TOTAL_SUM, uniform(M64), bytes=F32 * M64,
             targets=[peer_ratio("torch", 0.9), within_ms(0.095)], check=relative_l2(1e-5)),
    matrix("sum(axis=0)", SUM_0),
    matrix("sum(axis=-1)", torch_peer(lambda x: mx.sum(x, axis=-1), lambda x: x.sum(dim=-1))),
    matrix("max(axis=-1)", torch_peer(lambda x: mx.max(x, axis=-1), lambda x: x.amax(dim=-1)),
           tol=0),
    matrix("argmax(axis=0)", torch_peer(lambda x: mx.argmax(x, axis=0),
                                        lambda x: x.argmax(dim=0)), tol=0),
    matrix("softmax(axis=-1)", SOFTMAX, writes=True,
           targets=[peer_ratio("torch", 0.9), within_ms(0.20)]),
    matrix("logsumexp(axis=-1)", torch_peer(lambda x: mx.logsumexp(x, axis=-1),
                                            lambda x: torch.logsumexp(x, dim=-1))),
    # Kiln accumulates float32 running sums in double; PyTorch in float.
    Workload("cumsum, 64M f32", torch_peer(mx.cumsum, lambda x: torch.cumsum(x, 0)),
             normal(M64), bytes=2 * F32 * M64, check=relative_l2(1e-4)),
]

if __name__ == "__main__":
    h.main(__doc__, {"cpu": CPU, "gpu": GPU})
