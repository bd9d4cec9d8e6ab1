#!/usr/bin/env python3
"""GPU reductions, softmax, logsumexp and scans timed for Kiln and PyTorch on the same GPU in
one run.

Timing, checks and table are gpu_ops.py's (this script reuses them): warm-up runs, then the
median of `--repeat` timed calls per framework, interleaved; a timed call covers building the
graph, evaluating it and waiting for the GPU. Rates count the bytes an ideal kernel moves
(read once; softmax and cumsum also write once). The lines after the table compare Kiln's
times with the project's targets in milliseconds.

    PYTHONPATH=build/python python3 benchmarks/gpu_reduce.py [--json out.json] [--only sum]
"""

import numpy as np

import gpu_ops
from gpu_ops import M64, kiln_array, kiln_run, mx, torch, torch_run, torch_tensor

N = 8192

# Kiln's time per call (ms, synchronization included) that each workload should not exceed.
TARGET_MS = {"sum, 64M f32": 0.095, "softmax(axis=-1), 8192^2 f32": 0.20}


def matrix_op(kiln_fn, torch_fn, writes):
    """A workload on one 8192^2 float32 matrix; `writes`: the output is as large as the input."""
    def build(rng):
        x = rng.standard_normal((N, N), dtype=np.float32)
        xk, xt = kiln_array(x), torch_tensor(x)
        return (kiln_run(lambda: kiln_fn(xk)), torch_run(lambda: torch_fn(xt)),
                (2 if writes else 1) * x.nbytes, None)
    return build


def cumsum(rng):
    x = rng.standard_normal(M64, dtype=np.float32)
    xk, xt = kiln_array(x), torch_tensor(x)
    return (kiln_run(lambda: mx.cumsum(xk)), torch_run(lambda: torch.cumsum(xt, 0)),
            2 * x.nbytes, None)


# name, builder, ops per call, minimum torch/kiln ratio (None: none set), tolerance of the
# agreement check (relative L2 error)
WORKLOADS = [
    ("sum, 64M f32", gpu_ops.total_sum, 1, None, 1e-5),
    ("sum(axis=0), 8192^2 f32", matrix_op(lambda x: mx.sum(x, axis=0),
                                          lambda x: x.sum(dim=0), False), 1, None, 1e-5),
    ("sum(axis=-1), 8192^2 f32", matrix_op(lambda x: mx.sum(x, axis=-1),
                                           lambda x: x.sum(dim=-1), False), 1, None, 1e-5),
    ("max(axis=-1), 8192^2 f32", matrix_op(lambda x: mx.max(x, axis=-1),
                                           lambda x: x.amax(dim=-1), False), 1, None, 0),
    ("argmax(axis=0), 8192^2 f32", matrix_op(lambda x: mx.argmax(x, axis=0),
                                             lambda x: x.argmax(dim=0), False), 1, None, 0),
    ("softmax(axis=-1), 8192^2 f32", gpu_ops.softmax, 1, None, 1e-5),
    ("logsumexp(axis=-1), 8192^2 f32", matrix_op(lambda x: mx.logsumexp(x, axis=-1),
                                                 lambda x: torch.logsumexp(x, dim=-1), False),
     1, None, 1e-5),
    # Kiln accumulates float32 running sums in double; PyTorch in float.
    ("cumsum, 64M f32", cumsum, 1, None, 1e-4),
]


def check_targets(results):
    for r in results:
        target = TARGET_MS.get(r["workload"])
        if target is None or r["kiln"] is None:
            continue
        ms = r["kiln"] * 1e3
        r["target_ms"] = target
        r["target_ms_met"] = ms <= target
        print(f"target {r['workload']}: <= {target} ms, Kiln {ms:.3f} ms: "
              f"{'yes' if ms <= target else 'NO'}")


if __name__ == "__main__":
    gpu_ops.main(WORKLOADS, __doc__, check_targets)
