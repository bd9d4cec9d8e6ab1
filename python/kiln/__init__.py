"""Kiln: MLX's programming model on Linux CPUs and NVIDIA GPUs.

``import kiln.core as mx`` gives the array API; ``mx.fast`` holds the custom CUDA kernels.
"""

from kiln import core

__version__ = core.__version__
