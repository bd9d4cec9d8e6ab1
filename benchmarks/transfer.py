"""Host-device transfers: a NumPy array's first use on the GPU and a GPU result read as NumPy,
Kiln against PyTorch on the same GPU in one run (timing and table: harness.py). GPU only:
with --device cpu there is nothing to time.

    PYTHONPATH=build/python python3 benchmarks/transfer.py --device gpu [--json out.json]
"""

import numpy as np

import harness as h
from harness import Workload, mx, relative_l2, torch

M64 = 64 * 2**20
NBYTES = 4 * M64


def normal(rng):
    return [rng.standard_normal(M64, dtype=np.float32)]


def kiln_download(x):
    y = x * 2.0
    np.asarray(y)
    return y


def torch_download(x):
    y = x * 2.0
    y.cpu().numpy()
    return y


GPU = [
    # Kiln copies the NumPy array into its host memory, pinned once that block has crossed the
    # bus; PyTorch copies from NumPy's pageable memory.
    Workload("NumPy -> GPU, 64M f32, then x*2",
             {"kiln": lambda x: mx.array(x) * 2.0,
              "torch": lambda x: torch.from_numpy(x).cuda() * 2.0},
             normal, numpy_inputs=True, bytes=NBYTES, check=relative_l2(0)),
    Workload("GPU -> NumPy, x*2 of 64M f32", {"kiln": kiln_download, "torch": torch_download},
             normal, bytes=NBYTES, check=relative_l2(0)),
]

if __name__ == "__main__":
    h.main(__doc__, {"gpu": GPU})
