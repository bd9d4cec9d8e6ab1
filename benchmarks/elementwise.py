"""Elementwise (unary and binary) workloads: Kiln against NumPy and PyTorch on the CPU, or
against PyTorch on the same GPU, in one run (timing and table: harness.py).

CPU: `exp(x)*2+1` on 16M float32 (target: at least NumPy's speed), binary ops, broadcasting,
unary math in float32/float16/float64, and a chain of 100 dependent adds on 16 elements for
per-op overhead (target: at most 4 us per op). GPU: the add of two 64M float32 arrays (target
0.95x PyTorch's time ratio, and 90% of the device-to-device copy bandwidth that PyTorch
measures on the same GPU) and the chain of 100 dependent adds (target: PyTorch's speed).

    PYTHONPATH=build/python python3 benchmarks/elementwise.py [--device gpu] [--json out.json]
"""

import statistics

import numpy as np

import harness as h
from harness import Workload, close, mx, peer_ratio, relative_l2, torch, within_us_per_op

M16, M64 = 16 * 2**20, 64 * 2**20
CHAIN = 100
# Kiln's add should move data at nearly the rate of a plain device-to-device copy.
ADD_PERCENT_OF_COPY = 90.0


def normal(*shapes, dtype=np.float32):
    return lambda rng: [rng.standard_normal(s, dtype=np.float32).astype(dtype, copy=False)
                        for s in shapes]


def positive(shape):
    return lambda rng: [np.abs(rng.standard_normal(shape, dtype=np.float32)) + 0.1]


def where_inputs(rng):
    x, y = normal(M16, M16)(rng)
    return [x > 0, x, y]


def add(x, y):
    return x + y


def twice(x):
    return x * 2.0


def square_plus_one(x):
    return x * x + 1


def chain(x):
    for _ in range(CHAIN):
        x = x + 1
    return x


def same(fn, libraries=("kiln", "numpy", "torch")):
    """The same Python function for each library: operators work alike on all of them."""
    return {lib: fn for lib in libraries}


def unary(name, kiln_fn, numpy_fn, inputs, tol):
    return Workload(name, {"kiln": kiln_fn, "numpy": numpy_fn}, inputs, check=close(tol))


CPU = [
    Workload("exp(x)*2+1, 16M f32", {"kiln": lambda x: mx.exp(x) * 2 + 1,
                                     "numpy": lambda x: np.exp(x) * 2 + 1,
                                     "torch": lambda x: torch.exp(x) * 2 + 1},
             normal(M16), targets=[peer_ratio("numpy", 1.0)], check=close(1e-5)),
    Workload("x+y, 16M f32", same(add, ("kiln", "numpy")), normal(M16, M16), check=close(0)),
    Workload("x*2.0, 16M f32", same(twice, ("kiln", "numpy")), normal(M16), check=close(0)),
    Workload("col+row, 4096^2 f32", same(add, ("kiln", "numpy")),
             normal((4096, 1), (1, 4096)), check=close(0)),
    unary("exp, 16M f32", mx.exp, np.exp, normal(M16), 1e-5),
    unary("log, 16M f32", mx.log, np.log, positive(M16), 1e-5),
    unary("sin, 16M f32", mx.sin, np.sin, normal(M16), 1e-5),
    unary("tanh, 16M f32", mx.tanh, np.tanh, normal(M16), 1e-5),
    unary("sigmoid, 16M f32", mx.sigmoid, lambda x: 1 / (1 + np.exp(-x)), normal(M16), 1e-5),
    unary("maximum(x,0), 16M f32", lambda x: mx.maximum(x, 0.0), lambda x: np.maximum(x, 0),
          normal(M16), 0),
    Workload("where(c,x,y), 16M f32", {"kiln": mx.where, "numpy": np.where}, where_inputs,
             check=close(0)),
    unary("exp, 4M f16", mx.exp, np.exp, normal(M16 // 4, dtype=np.float16), 2e-3),
    Workload("x*x+1, 4M f16", same(square_plus_one, ("kiln", "numpy")),
             normal(M16 // 4, dtype=np.float16), check=close(2e-3)),
    unary("exp, 4M f64", mx.exp, np.exp, normal(M16 // 4, dtype=np.float64), 1e-12),
    unary("log, 4M f64", lambda x: mx.log(mx.abs(x)), lambda x: np.log(np.abs(x)),
          normal(M16 // 4, dtype=np.float64), 1e-12),
    Workload(f"{CHAIN} dependent adds, 16 f32", same(chain), normal(16), ops=CHAIN,
             targets=[within_us_per_op(4.0)], check=close(1e-5)),
]


def copy_bandwidth(row, args):
    """PyTorch's device-to-device copy of 64M float32 on the same GPU, timed the same way, and
    each add's bandwidth as a percentage of it."""
    if h.unavailable("torch", args):
        return ["no copy bandwidth: PyTorch's CUDA is n/a"]
    src = torch.empty(M64, dtype=torch.float32, device="cuda").normal_()
    dst = torch.empty_like(src)
    times = h.time_calls({"copy": h.finish("torch", lambda: dst.copy_(src), args)}, args)
    bw = 2 * src.numel() * src.element_size() / statistics.median(times["copy"]) / 1e9
    row["torch_copy_GBps"] = bw
    for name in ("kiln", "torch"):
        if row.get(name + "_GBps") is not None:
            row[name + "_percent_of_copy"] = 100 * row[name + "_GBps"] / bw
    kiln_pct, torch_pct = (f"{row[k]:.1f}%" if k in row else "n/a"
                           for k in ("kiln_percent_of_copy", "torch_percent_of_copy"))
    return [f"device-to-device copy of 64M f32 (torch): {bw:.0f} GB/s; Kiln's add reaches "
            f"{kiln_pct} of it, torch's add {torch_pct}"]


GPU = [
    Workload("add, 2x 64M f32", same(add, ("kiln", "torch")), normal(M64, M64),
             bytes=3 * 4 * M64, after=copy_bandwidth, check=relative_l2(0),
             targets=[peer_ratio("torch", 0.95),
                      h.at_least("kiln_percent_of_copy", ADD_PERCENT_OF_COPY,
                                 f">={ADD_PERCENT_OF_COPY:.0f}%copy")]),
    Workload(f"{CHAIN} dependent adds, 16 f32", same(chain, ("kiln", "torch")), normal(16),
             ops=CHAIN, targets=[peer_ratio("torch", 1.0)], check=relative_l2(1e-6)),
]

if __name__ == "__main__":
    h.main(__doc__, {"cpu": CPU, "gpu": GPU})
