"""Diagnostics: mx.export_to_dot (the graph as Graphviz text) and the upcast report
(mx.set_promotion_warnings / KILN_WARN_UPCAST: a KilnUpcastWarning at the user's line when a
float16/bfloat16 operand is promoted by another array operand)."""

import io
import inspect
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import kiln.core as mx


def line_of(marker):
    """The line number of the line containing `marker` in this file."""
    for i, line in enumerate(inspect.getsource(sys.modules[__name__]).splitlines(), 1):
        if marker in line and "line_of(" not in line:
            return i
    raise AssertionError(marker)


# ---------------------------------------------------------------- export_to_dot


def dot_of(*args, **kwargs):
    buf = io.StringIO()
    mx.export_to_dot(buf, *args, **kwargs)
    return buf.getvalue()


def counts(dot):
    lines = dot.strip().splitlines()
    return (sum("shape=ellipse" in l for l in lines), sum("shape=box" in l for l in lines),
            sum(" -> " in l for l in lines))


def test_known_graph(rng):
    x = mx.array(rng.standard_normal((2, 3)).astype(np.float32))
    y = mx.array(rng.standard_normal((2, 3)).astype(np.float32))
    mx.eval(x, y)
    z = mx.exp(x * y + x)
    dot = dot_of(z)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    # Arrays: x, y, x*y, x*y+x, z. Primitives: Multiply, Add, Exp. Edges: one per input and
    # one per output of each primitive.
    assert counts(dot) == (5, 3, 8)
    for name in ("Multiply", "Add", "Exp"):
        assert f'label="{name}"' in dot
    assert '(2, 3) float32' in dot


def test_named_outputs_and_trees(rng):
    x = mx.array(rng.standard_normal(4).astype(np.float32))
    a, b = x + 1, x * 2
    dot = dot_of([a], loss=b)
    assert counts(dot) == (5, 2, 6)  # x (shared), the scalars 1 and 2, a, b
    assert 'label="loss\\n(4,) float32"' in dot


def test_shared_subgraph_is_drawn_once(rng):
    x = mx.array(rng.standard_normal(3).astype(np.float32))
    t = mx.sin(x)
    dot = dot_of(t + t, t * t)
    assert counts(dot) == (4, 3, 8)  # x, t, t+t, t*t; Sin, Add, Multiply


def test_evaluated_arrays_are_sources():
    z = mx.exp(mx.array([1.0, 2.0]))
    mx.eval(z)
    assert counts(dot_of(z)) == (1, 0, 0)


def test_parameters_and_dtypes_show(rng):
    x = mx.array(rng.standard_normal((3, 4)).astype(np.float32))
    s = mx.sum(x.astype(mx.float16), axis=1)
    dot = dot_of(s)
    assert "(3, 4) float16" in dot and "(3,) float16" in dot
    assert "Sum" in dot or "Reduce" in dot


def test_deep_graph_is_not_recursive():
    x = mx.array(0.0)
    for _ in range(20000):
        x = x + 1.0
    assert counts(dot_of(x))[1] == 20000


def test_file_path(tmp_path):
    path = tmp_path / "graph.dot"
    mx.export_to_dot(path, mx.array([1.0]) + 1)
    text = path.read_text()
    assert text.startswith("digraph") and " -> " in text
    mx.export_to_dot(str(path), mx.array([1.0]))
    assert path.read_text().startswith("digraph")


def test_bad_arguments():
    with pytest.raises(TypeError, match="path or have a write"):
        mx.export_to_dot(42, mx.array([1.0]))
    with pytest.raises(ValueError):
        mx.export_to_dot(io.StringIO(), "not an array")
    with pytest.raises(TypeError, match="must be an array"):
        mx.export_to_dot(io.StringIO(), y=3)


# ---------------------------------------------------------------- upcast report


@pytest.fixture
def upcast_on():
    before = mx.promotion_warnings()
    mx.set_promotion_warnings(True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
    mx.set_promotion_warnings(before)


def halves(rng):
    a16 = mx.array(rng.standard_normal(4).astype(np.float16))
    b32 = mx.array(rng.standard_normal(4).astype(np.float32))
    return a16, b32


def upcasts(caught):
    return [w for w in caught if issubclass(w.category, mx.KilnUpcastWarning)]


def test_warning_names_op_and_line(rng, upcast_on):
    a16, b32 = halves(rng)
    c = a16 * b32  # UPCAST-MUL
    got = upcasts(upcast_on)
    assert len(got) == 1
    w = got[0]
    assert issubclass(w.category, UserWarning)
    msg = str(w.message)
    assert "[multiply]" in msg and "float16" in msg and "float32" in msg
    assert os.path.abspath(w.filename) == os.path.abspath(__file__)
    assert w.lineno == line_of("# UPCAST-MUL")
    assert c.dtype == mx.float32
    np.testing.assert_allclose(np.array(c), np.array(a16).astype(np.float32) * np.array(b32))


def test_weak_scalars_and_same_dtypes_do_not_warn(rng, upcast_on):
    a16, b32 = halves(rng)
    results = [a16 * 2.0, 2.0 + a16, a16 + a16, a16 * mx.array(3, dtype=mx.int32), b32 * b32,
               mx.maximum(a16, 1.5), a16.astype(mx.float32) * b32]
    assert upcasts(upcast_on) == []
    assert results[0].dtype == mx.float16


@pytest.mark.parametrize(
    "make, op",
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: b - a, "subtract"),
        (lambda a, b: mx.divide(a, b), "divide"),
        (lambda a, b: a < b, "less"),
        (lambda a, b: mx.where(a > 0, a, b), "where"),
        (lambda a, b: a.reshape(1, 4) @ b.reshape(4, 1), "matmul"),
        (lambda a, b: mx.einsum("i,i->", a, b), "einsum"),
        (lambda a, b: a + b.astype(mx.bfloat16), "add"),  # float16 + bfloat16 -> float32
        (lambda a, b: a * np.float32(2.0), "multiply"),  # NumPy scalars are not weak
        (lambda a, b: a.astype(mx.bfloat16) * mx.array(2.0), "multiply"),
    ],
)
def test_promoting_ops_warn(rng, upcast_on, make, op):
    a16, b32 = halves(rng)
    make(a16, b32)
    got = upcasts(upcast_on)
    assert len(got) >= 1 and f"[{op}]" in str(got[0].message)
    assert os.path.abspath(got[0].filename) == os.path.abspath(__file__)


def test_off_by_default_and_switchable(rng):
    a16, b32 = halves(rng)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mx.set_promotion_warnings(False)
        a16 * b32
        assert upcasts(caught) == []
        assert mx.promotion_warnings() is False
        mx.set_promotion_warnings(True)
        try:
            a16 * b32
        finally:
            mx.set_promotion_warnings(False)
        assert len(upcasts(caught)) == 1


def test_warning_as_error(rng, upcast_on):
    a16, b32 = halves(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", mx.KilnUpcastWarning)
        with pytest.raises(mx.KilnUpcastWarning):
            a16 + b32


def test_environment_variable(tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(
        "import numpy as np\n"
        "import kiln.core as mx\n"
        "a = mx.array(np.ones(3, np.float16))\n"
        "b = mx.array(np.ones(3, np.float32))\n"
        "c = a * b\n"
        "print(mx.promotion_warnings())\n")
    env = dict(os.environ, KILN_WARN_UPCAST="1")
    r = subprocess.run([sys.executable, "-W", "always", str(script)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"
    assert "snippet.py:5: KilnUpcastWarning: [multiply]" in r.stderr
