"""compile: fused elementwise work against the same work op by op and against the peers, in
one run (timing and table: harness.py; the subject is the compiled function).

- GELU chain 0.5*x*(1+tanh(0.79788456*(x+0.044715*x**3))): on the CPU 16M float32 against
  NumPy and uncompiled Kiln (target: compiled at least 4x NumPy); with --device gpu 64M
  float32 against uncompiled Kiln, PyTorch eager, torch.compile (mode default; skipped if it
  fails) and PyTorch's copy of x, with the bandwidth floor (one read and one write of x at
  --bandwidth GB/s, default 3000 as on an H100) and the compiled time as a percentage of it.
- LayerNorm written with ops (mean, variance, normalize, scale and shift), compiled against
  eager, on the chosen device.
- Softmax written with ops (exp(x - max) / sum), which compile turns into one Softmax
  kernel, against eager, on the chosen device.
- An Adam update of a dict of parameters (state in inputs=/outputs=), compiled against eager.
The first compiled call (trace, fusion and, on the GPU, NVRTC unless the kernel cache is
warm) is reported after the table.

    PYTHONPATH=build/python python3 benchmarks/compile.py [--device gpu] [--json out.json]
"""

import numpy as np

import harness as h
from harness import Workload, close, mx, peer_ratio, torch

COMPILED = "kiln compiled"


def gelu(x):
    return 0.5 * x * (1 + mx.tanh(0.79788456 * (x + 0.044715 * x**3)))


def np_gelu(x):
    return 0.5 * x * (1 + np.tanh(0.79788456 * (x + 0.044715 * x**3)))


def torch_gelu(t):
    return 0.5 * t * (1 + torch.tanh(0.79788456 * (t + 0.044715 * t**3)))


def layer_norm(x, w, b, eps=1e-5):
    mean = mx.mean(x, axis=-1, keepdims=True)
    d = x - mean
    var = mx.mean(d * d, axis=-1, keepdims=True)
    return d * mx.rsqrt(var + eps) * w + b


def softmax(x):
    e = mx.exp(x - mx.max(x, axis=-1, keepdims=True))
    return e / mx.sum(e, axis=-1, keepdims=True)


def adam_step(params, grads, m, v, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    for k in params:
        m[k] = b1 * m[k] + (1 - b1) * grads[k]
        v[k] = b2 * v[k] + (1 - b2) * mx.square(grads[k])
        params[k] = params[k] - lr * m[k] / (mx.sqrt(v[k]) + eps)


def first_call(row):
    s = row.get(COMPILED + "_first_call")
    return f"first compiled call {'n/a' if s is None else f'{s * 1e3:.1f} ms'}"


def gelu_setup(rng, args):
    n = (64 if args.device == "gpu" else 16) * 2**20
    xn = rng.standard_normal(n).astype(np.float32)
    x = h.kiln_array(xn)
    compiled = mx.compile(gelu)
    fns = {COMPILED: lambda: compiled(x), "kiln eager": lambda: gelu(x),
           "numpy": lambda: np_gelu(xn)}
    if args.device == "gpu" and not h.unavailable("torch", args):
        tx = h.torch_tensor(xn, args)
        fns["torch eager"] = lambda: torch_gelu(tx)
        try:
            tc = torch.compile(torch_gelu)
            tc(tx)
            fns["torch.compile"] = lambda: tc(tx)
        except Exception as e:  # noqa: BLE001 - report and go on without it
            print(f"torch.compile skipped: {type(e).__name__}: {e}")
        fns["torch copy (x.clone)"] = lambda: tx.clone()
    return fns


def bandwidth_floor(row, args):
    """The time of one read and one write of x at --bandwidth GB/s."""
    n = 64 * 2**20
    floor = 2 * 4 * n / (args.bandwidth * 1e9) * 1e3
    row["bandwidth_floor_ms"] = floor
    notes = [first_call(row)]
    if row.get(COMPILED):
        row["percent_of_floor"] = 100 * floor / (row[COMPILED] * 1e3)
        notes.append(f"bandwidth floor {floor:.3f} ms at {args.bandwidth:.0f} GB/s: compiled "
                     f"reaches {row['percent_of_floor']:.0f}% of it")
    return notes


def by_ops(name, fn, shape, extra_inputs=()):
    """A function written with ops, compiled against the same function run eagerly."""
    def inputs(rng):
        shapes = [shape, *extra_inputs]
        return [rng.standard_normal(s).astype(np.float32) for s in shapes]
    return Workload(f"{name} by ops {shape[0]}x{shape[1]} float32",
                    {COMPILED: mx.compile(fn), "kiln eager": fn}, inputs,
                    check=close(1e-4), reference=("kiln eager",),
                    after=lambda row, args: [first_call(row)])


class Adam:
    """An Adam update of `count` parameters of `size` float32 each, compiled (its state in
    inputs=/outputs=) against eager; each keeps its own parameters and moments."""

    count = 16

    def __init__(self, size):
        self.size = size
        self.compiled = None

    def setup(self, rng, args):
        def fresh():
            p = {f"p{i}": mx.array(rng.standard_normal(self.size).astype(np.float32))
                 for i in range(self.count)}
            state = (p, {k: mx.zeros_like(v) for k, v in p.items()},
                     {k: mx.zeros_like(v) for k, v in p.items()})
            mx.eval(state)
            return state

        grads = {f"p{i}": mx.array(rng.standard_normal(self.size).astype(np.float32))
                 for i in range(self.count)}
        mx.eval(grads)
        params, m, v = fresh()
        eager = fresh()
        self.compiled = mx.compile(lambda g: adam_step(params, g, m, v),
                                   inputs=[params, m, v], outputs=[params, m, v])

        def run_compiled():
            self.compiled(grads)
            return params, m, v

        def run_eager():
            ep, em, ev = eager
            adam_step(ep, grads, em, ev)
            return eager

        return {COMPILED: run_compiled, "kiln eager": run_eager}

    def after(self, row, args):
        row["traces"] = self.compiled.num_traces
        self.compiled = None
        return [first_call(row), f"traced {row['traces']} time(s)"]

    def workload(self):
        return Workload(f"adam update {self.count} x {self.size} float32", setup=self.setup,
                        after=self.after)


WORKLOADS = {
    "cpu": [
        Workload("gelu 16M float32", setup=gelu_setup, check=close(1e-5),
                 reference=("numpy", "kiln eager"),
                 targets=[peer_ratio("numpy", 4.0, subject=COMPILED)],
                 after=lambda row, args: [first_call(row)]),
        by_ops("layer_norm", layer_norm, (4096, 1024), [(1024,), (1024,)]),
        by_ops("softmax", softmax, (4096, 1024)),
        Adam(1 << 18).workload(),
    ],
    "gpu": [
        Workload("gelu 64M float32", setup=gelu_setup, check=close(1e-5),
                 reference=("numpy", "kiln eager"), after=bandwidth_floor),
        by_ops("layer_norm", layer_norm, (16384, 4096), [(4096,), (4096,)]),
        by_ops("softmax", softmax, (16384, 4096)),
        Adam(1 << 22).workload(),
    ],
}


def add_args(parser):
    parser.add_argument("--bandwidth", type=float, default=3000.0,
                        help="GB/s for the GPU bandwidth floor")


if __name__ == "__main__":
    h.main(__doc__, WORKLOADS, add_args, repeat=20, warmup=3)
