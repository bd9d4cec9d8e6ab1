"""Robustness: every public function of kiln.core, called with random and hostile arguments,
returns a well-formed result or raises a Python exception -- never crashes or hangs the
interpreter. Also threads (shared and separate graphs) and pickling.

The calls run in worker subprocesses (fuzz_calls.py), so a crash names its call. A failure
message lists each distinct failure with a one-line reproducer.

Budget: about 60 s in all by default. For a long run:
    KILN_FUZZ_CALLS=200000 python -m pytest tests/python/test_fuzz.py -s
(or `python tests/python/fuzz_calls.py --calls 200000 --gdb` for backtraces as well).
KILN_FUZZ_SECONDS changes the default time budget of the main test.
"""

import os

import pytest

import kiln.core as mx

pytest.importorskip("hypothesis")

import fuzz_calls  # noqa: E402 (after the skip: its strategies need hypothesis)

CALLS = int(os.environ["KILN_FUZZ_CALLS"]) if os.environ.get("KILN_FUZZ_CALLS") else None
SECONDS = float(os.environ.get("KILN_FUZZ_SECONDS", 35))


def _fuzz(strategy, seconds, calls):
    session = fuzz_calls.Session(seconds=None if calls else seconds, calls=calls)
    try:
        fuzz_calls.fuzz(session, strategy)
    finally:
        session.close()
    print("\n" + session.report())
    assert session.calls > 0
    if session.failures:
        pytest.fail(session.report(include_notes=False), pytrace=False)


def test_public_functions_raise_or_return():
    _fuzz(fuzz_calls.call_strategy(mx), SECONDS, CALLS)


def test_corrupted_pickles_raise():
    _fuzz(fuzz_calls.pickle_strategy(mx), SECONDS / 8, CALLS and CALLS // 10)


def _script_ok(code, **kw):
    """Runs a scenario in a fresh process (cwd: this folder); fails naming it if it hangs,
    crashes or raises."""
    rc, out = fuzz_calls.run_script(code, **kw)
    if rc != 0:
        how = "hung (deadlock?)" if rc is None else fuzz_calls._signal_name(rc)
        pytest.fail(f"{how}: {code}\n{out[-3000:]}", pytrace=False)


def test_pickle_round_trips_every_dtype_and_layout():
    _script_ok("import fuzz_calls; fuzz_calls.pickle_round_trips()")


def test_pickle_state_with_wrong_byte_count_is_refused():
    _script_ok("import fuzz_calls; fuzz_calls.pickle_rejects_bad_states()")


def test_threads_evaluate_one_shared_graph():
    _script_ok("import fuzz_calls; fuzz_calls.threads_shared_graph()")


def test_threads_build_separate_graphs():
    _script_ok("import fuzz_calls; fuzz_calls.threads_separate_graphs()")


