"""Test configuration: KILN_TEST_DEVICE=gpu runs the whole suite on the GPU; without a
usable GPU those runs skip cleanly."""

import os

import pytest

import kiln.core as mx

DEVICE = os.environ.get("KILN_TEST_DEVICE", "cpu")


def pytest_collection_modifyitems(config, items):
    if DEVICE == "gpu" and not mx.cuda.is_available():
        skip = pytest.mark.skip(reason="KILN_TEST_DEVICE=gpu but no usable GPU")
        for item in items:
            item.add_marker(skip)
    for item in items:
        if "gpu_only" in item.keywords and not mx.cuda.is_available():
            item.add_marker(pytest.mark.skip(reason="needs a GPU"))


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu_only: the test needs a CUDA GPU")
    if DEVICE == "gpu" and mx.cuda.is_available():
        mx.set_default_device(mx.gpu)
    elif DEVICE == "cpu":
        mx.set_default_device(mx.cpu)


@pytest.fixture
def on_gpu():
    """Runs the test with the GPU as the default device (the gpu_only tests), whatever
    KILN_TEST_DEVICE says."""
    before = mx.default_device()
    mx.set_default_device(mx.gpu)
    yield
    mx.set_default_device(before)


@pytest.fixture
def rng(request):
    """A fresh random generator per test; its seed is printed when the test fails."""
    import numpy as np

    seed = int.from_bytes(os.urandom(4), "little")
    request.node.user_properties.append(("seed", seed))
    print(f"random seed: {seed}")
    return np.random.default_rng(seed)
