"""Kiln: MLX's programming model on Linux CPUs and NVIDIA GPUs.

``import kiln.core as mx`` gives the array API; ``kiln.nn``, ``kiln.optimizers`` and
``kiln.utils`` mirror ``mlx.nn``, ``mlx.optimizers`` and ``mlx.utils``.
"""

from kiln import core

__version__ = core.__version__
