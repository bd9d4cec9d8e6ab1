"""Timing shared by the benchmarks that compare several contenders in one run."""

import time

import numpy as np


def median_ms(fns, warmup, repeat):
    """Median milliseconds of each function; their runs alternate, so a busy machine slows
    them alike."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, ts in zip(fns, times):
            t = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t) * 1e3)
    return [float(np.median(ts)) for ts in times]
