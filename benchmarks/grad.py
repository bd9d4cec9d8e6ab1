"""value_and_grad of a 3-layer MLP (batch 256, width 1024, float32): one training step's loss
and gradients, Kiln against PyTorch autograd on the same device, in the same run (timing and
table: harness.py).

Both compute relu(relu(x W1 + b1) W2 + b2) W3 + b3, the mean squared error against a target,
and the gradients of all six parameters; the check compares the losses (relative 1e-4) and
the gradients (rtol 1e-3, atol 1e-5). `--threads N` (default: all cores) gives both libraries
the same number of CPU threads; Kiln's matrix products run through OpenBLAS within that
count. `--device gpu` times both on the GPU (PyTorch on CUDA).

    PYTHONPATH=build/python python3 benchmarks/grad.py [--device gpu] [--threads N]
"""

import os

import numpy as np

import harness as h
from harness import Workload, mx, torch

BATCH, WIDTH, LAYERS = 256, 1024, 3


def make_params(rng):
    params = {}
    for i in range(LAYERS):
        params[f"w{i}"] = (rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
        params[f"b{i}"] = (rng.standard_normal((WIDTH,)) * 0.1).astype(np.float32)
    return params


def kiln_step(params, x, y):
    def loss(p):
        act = x
        for i in range(LAYERS):
            act = mx.matmul(act, p[f"w{i}"]) + p[f"b{i}"]
            if i < LAYERS - 1:
                act = mx.maximum(act, 0.0)
        return mx.mean(mx.square(act - y))

    vg = mx.value_and_grad(loss)
    return lambda: vg(params)


def torch_step(params, x, y, device):
    p = {k: torch.tensor(v, device=device, requires_grad=True) for k, v in params.items()}
    tx, ty = torch.tensor(x, device=device), torch.tensor(y, device=device)

    def step():
        for t in p.values():
            t.grad = None
        act = tx
        for i in range(LAYERS):
            act = act @ p[f"w{i}"] + p[f"b{i}"]
            if i < LAYERS - 1:
                act = torch.relu(act)
        loss = torch.mean((act - ty) ** 2)
        loss.backward()
        return loss, {k: t.grad for k, t in p.items()}

    return step


def setup(rng, args):
    params = make_params(rng)
    x = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)
    y = rng.standard_normal((BATCH, WIDTH)).astype(np.float32)
    steps = {"kiln": kiln_step({k: mx.array(v) for k, v in params.items()}, mx.array(x),
                               mx.array(y))}
    if not h.unavailable("torch", args):
        steps["torch"] = torch_step(params, x, y, h.torch_device(args))
    return steps


def grads_agree(got, expected):
    """The losses within a relative 1e-4 and every gradient allclose(rtol=1e-3, atol=1e-5);
    the error is the largest gradient difference."""
    (kv, kg), (tv, tg) = got, expected
    loss_ok = abs(float(kv) - float(tv)) <= 1e-4 * abs(float(tv))
    grads_ok = all(np.allclose(kg[k], tg[k], rtol=1e-3, atol=1e-5) for k in tg)
    return loss_ok and grads_ok, max(float(np.max(np.abs(kg[k] - tg[k]))) for k in tg)


WORKLOADS = [Workload(f"value_and_grad MLP {LAYERS}x{WIDTH}, batch {BATCH}, f32", setup=setup,
                      check=grads_agree, reference=("torch",))]

if __name__ == "__main__":
    h.main(__doc__, {"cpu": WORKLOADS, "gpu": WORKLOADS}, repeat=30, warmup=5,
           threads=os.cpu_count())
