"""Kiln in a minute: lazy arrays, a few ops, a matmul, the memory counters."""

import kiln.core as mx

x = mx.arange(6, dtype=mx.float32).reshape(2, 3)
y = mx.exp(x) * 2 + 1  # nothing is computed yet: y is a node of the graph
print("y =", y)        # printing evaluates it

h = mx.ones((2, 3), dtype=mx.float16)
print("float16 * 2.0 stays", (h * 2.0).dtype, "(Python scalars are weak)")

if hasattr(mx, "matmul"):
    w = mx.ones((3, 4))
    print("x @ w =", x @ w)

print(f"active memory {mx.get_active_memory()} B, peak {mx.get_peak_memory()} B, "
      f"cache {mx.get_cache_memory()} B")
