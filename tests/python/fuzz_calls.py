"""The fuzzing harness behind test_fuzz.py: hostile calls of every public kiln.core function.

Each generated call is a line of Python source (`mx.sum(mx.arange(6).reshape(2, 3).T,
axis=(0, 0))`), so a failure IS its reproducer:

    python -c "<PRELUDE>; <call>"

(the worker also evaluates what the call returns and converts it to NumPy; `reproducer()`
writes a script that does the same, in order or in threads).

A worker subprocess (`python fuzz_calls.py worker FD`) runs batches of calls. It reports the
index of each call on the pipe FD before running it, so when the worker dies by a signal or
stops answering, the parent knows which call was running; it then reruns that call alone in a
fresh worker (and, when the call only fails after earlier ones, shrinks the batch prefix) to
name the smallest sequence that still fails.

The contract every call must keep: it returns (arrays must have a shape of non-negative ints
whose product is their size, and must evaluate and convert to NumPy; trees of those are walked)
or it raises an Exception subclass. A crash, a hang, a BaseException that is not an Exception or
a malformed array fails. Reported without failing: errors raised only at evaluation (an index
array's values can only be checked then), slow calls, and pybind11's generic "Unable to cast"
RuntimeError (the issue asks for OverflowError/ValueError naming the op).

Run long, outside pytest:  python tests/python/fuzz_calls.py --calls 200000 [--gdb]
"""

import collections
import json
import math
import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# What every call (and every reproducer) runs first.
PRELUDE = ("import kiln.core as mx, numpy as np, functools, operator, pickle, copy, "
           "threading, gc")

WORKER_MEMORY = int(os.environ.get("KILN_FUZZ_WORKER_MEMORY", 4 << 30))  # RLIMIT_AS, bytes
CALL_TIMEOUT = float(os.environ.get("KILN_FUZZ_CALL_TIMEOUT", 60))  # silence means a hang
SLOW_CALL = 10.0  # seconds; a call slower than this is reported (not failed)
THREADS = 4  # threads running one batch at once, in the session's threaded batches


# ---------------------------------------------------------------------------------------
# The worker: runs calls, checks results, reports on a pipe.
# ---------------------------------------------------------------------------------------

def _limit_worker():
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if WORKER_MEMORY > 0:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))


class _BadResult(Exception):
    """A returned array breaks the contract (shape, size, bytes)."""


def _check_result(mx, np, value):
    """Walks a returned tree; raises _BadResult for a malformed array. Errors that the
    arrays raise when evaluated or converted propagate (the caller classifies them)."""
    seen = set()
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if id(v) in seen or depth > 64:
            continue
        seen.add(id(v))
        if isinstance(v, mx.array):
            _check_array(mx, np, v)
        elif isinstance(v, (list, tuple)):
            stack.extend((x, depth + 1) for x in v[:256])
        elif isinstance(v, dict):
            stack.extend((x, depth + 1) for x in list(v.values())[:256])


def _check_array(mx, np, a):
    shape = a.shape
    if type(shape) is not tuple or not all(type(d) is int and d >= 0 for d in shape):
        raise _BadResult(f"shape {shape!r} is not a tuple of non-negative ints")
    if a.ndim != len(shape):
        raise _BadResult(f"ndim {a.ndim} but shape {shape}")
    size = math.prod(shape)
    if a.size != size:
        raise _BadResult(f"size {a.size} but shape {shape}")
    if a.nbytes != size * a.itemsize:
        raise _BadResult(f"nbytes {a.nbytes} but size {size} * itemsize {a.itemsize}")
    mx.eval(a)
    if size <= 4096:
        b = a.astype(mx.float32) if a.dtype == mx.bfloat16 else a
        n = np.asarray(b)
        if n.shape != shape:
            raise _BadResult(f"np.asarray gives shape {n.shape}, the array says {shape}")
        if size == 1:
            a.item()


def _restore_globals(mx, defaults):
    """Calls of setters change process state; put it back so later calls stay meaningful."""
    mx.set_default_device(mx.cpu)
    mx.set_default_stream(defaults["stream"])
    mx.set_memory_limit(defaults["memory_limit"])
    mx.set_cache_limit(defaults["cache_limit"])
    mx.set_printoptions()
    mx.enable_compile()
    if hasattr(mx, "set_promotion_warnings"):
        mx.set_promotion_warnings(defaults["promotion_warnings"])


def _run_one(src, base_ns, mx, np):
    """Runs one call; returns (outcome, detail). outcome: 'ok', 'raise', or a finding kind."""
    ns = dict(base_ns)
    try:
        code = compile(src, "<fuzz>", "eval")
    except SyntaxError:
        code = None
    try:
        if code is not None:
            result = eval(code, ns)
        else:
            exec(compile(src, "<fuzz>", "exec"), ns)
            result = ns.get("_r")
    except Exception as e:  # the contract: any Exception subclass is fine
        return "raise", type(e).__name__ + ": " + str(e)[:300]
    except BaseException as e:  # SystemExit, KeyboardInterrupt, ... escaping a call is not
        return "base_exception", type(e).__name__ + ": " + str(e)[:300]
    try:
        _check_result(mx, np, result)
    except _BadResult as e:
        return "bad_result", str(e)
    except MemoryError as e:  # allocation happens at evaluation: legitimate
        return "raise", "MemoryError(at eval): " + str(e)[:300]
    except Exception as e:
        return "late_error", type(e).__name__ + ": " + str(e)[:300]
    except BaseException as e:
        return "base_exception", type(e).__name__ + " (at eval): " + str(e)[:300]
    return "ok", ""


def worker_main(fd):
    import faulthandler
    import gc
    import threading

    _limit_worker()
    faulthandler.enable()  # a crash prints the Python stack to stderr: where it died
    out = os.fdopen(fd, "w", buffering=1)
    base_ns = {"__name__": "__fuzz__"}
    exec(PRELUDE, base_ns)
    sys.path.insert(0, HERE)
    mx, np = base_ns["mx"], base_ns["np"]
    defaults = {
        "stream": mx.default_stream(mx.cpu),
        "memory_limit": mx.set_memory_limit(0),
        "cache_limit": mx.set_cache_limit(0),
        "promotion_warnings": (mx.promotion_warnings() if hasattr(mx, "promotion_warnings")
                               else None),
    }
    _restore_globals(mx, defaults)
    lock = threading.Lock()

    def send(msg):
        with lock:
            out.write(msg + "\n")

    def run_calls(batch, indices, counts):
        for i in indices:
            src = batch[i]
            send(f"S {i}")
            t0 = time.monotonic()
            outcome, detail = _run_one(src, base_ns, mx, np)
            if i == len(batch) - 1:
                # Destructors of cyclic garbage run too: as part of the batch's last call,
                # so that a batch cut short to its failing call runs them at the same place.
                gc.collect()
            took = time.monotonic() - t0
            with lock:
                counts[detail.split(":", 1)[0] if outcome == "raise" else outcome] += 1
            if outcome not in ("ok", "raise"):
                send("F " + json.dumps([i, outcome, detail]))
            if took > SLOW_CALL:
                send("F " + json.dumps([i, "slow", f"{took:.1f} s"]))
            if outcome == "raise" and "Unable to cast" in detail:
                send("F " + json.dumps([i, "unable_to_cast", detail]))
            if threading.current_thread() is threading.main_thread() and (
                    "set_" in src or "compile" in src or "stream" in src):
                _restore_globals(mx, defaults)
    send("READY")
    for line in sys.stdin:
        threads, batch = json.loads(line)
        counts = collections.Counter()
        if threads:  # the batch split over threads that run at the same time
            ts = [threading.Thread(target=run_calls, args=(batch, range(k, len(batch), threads),
                                                           counts)) for k in range(threads)]
            started = []
            for t in ts:
                try:
                    t.start()
                    started.append(t)
                except RuntimeError:  # out of threads (each fuzzed new_stream holds one)
                    t.run()
            for t in started:
                t.join()
            _restore_globals(mx, defaults)
        else:
            run_calls(batch, range(len(batch)), counts)
        send("B " + json.dumps(counts))


# ---------------------------------------------------------------------------------------
# The parent: worker processes, batches, naming and shrinking failures.
# ---------------------------------------------------------------------------------------

class BatchResult:
    def __init__(self, status, last=None, findings=(), counts=None, returncode=None,
                 stderr="", started=()):
        self.status = status          # 'done', 'crash' or 'hang'
        self.last = last              # index of the call running when it crashed or hung
        self.findings = list(findings)  # [(index, kind, detail)]
        self.counts = counts or {}
        self.returncode = returncode
        self.stderr = stderr
        self.started = started        # indices of the calls started, in order


def _kiln_root():
    """The folder the parent imports kiln from: the worker must test the same build."""
    import kiln

    return os.path.dirname(os.path.dirname(os.path.abspath(kiln.__file__)))


class Worker:
    def __init__(self):
        self.stderr = tempfile.TemporaryFile()
        self.cwd = tempfile.mkdtemp(prefix="kiln-fuzz-")  # calls may write files
        rfd, wfd = os.pipe()
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_kiln_root(), env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "fuzz_calls.py"), "worker", str(wfd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.stderr,
            pass_fds=(wfd,), cwd=self.cwd, env=env)
        os.close(wfd)
        self.rfd = rfd
        self.buf = b""
        if self._line(120) != "READY":
            raise RuntimeError("fuzz worker did not start: " + self._stderr_tail())

    def _line(self, timeout):
        """The next line from the worker, '' at EOF, None after `timeout` seconds of silence."""
        while b"\n" not in self.buf:
            ready, _, _ = select.select([self.rfd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.rfd, 65536)
            if not chunk:
                return ""
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def _stderr_tail(self, n=4000):
        self.stderr.seek(0, os.SEEK_END)
        size = self.stderr.tell()
        self.stderr.seek(max(0, size - n))
        return self.stderr.read().decode(errors="replace")

    def run(self, batch, threads=0):
        """Runs the calls in order, or split over `threads` threads running at once."""
        self.stderr.seek(0)
        self.stderr.truncate()
        try:
            self.proc.stdin.write((json.dumps([threads, batch]) + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        last, findings, started = None, [], []
        while True:
            line = self._line(CALL_TIMEOUT)
            if line is None:
                self.kill()
                return BatchResult("hang", last, findings, stderr=self._stderr_tail(),
                                   started=started)
            if line == "":
                rc = self.proc.wait()
                return BatchResult("crash", last, findings, returncode=rc,
                                   stderr=self._stderr_tail(), started=started)
            tag, rest = line[0], line[2:]
            if tag == "S":
                last = int(rest)
                started.append(last)
            elif tag == "F":
                findings.append(tuple(json.loads(rest)))
            elif tag == "B":
                return BatchResult("done", last, findings, counts=json.loads(rest))

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.kill()
        os.close(self.rfd)
        self.stderr.close()
        shutil.rmtree(self.cwd, ignore_errors=True)


def run_fresh(srcs):
    w = Worker()
    try:
        res = w.run(list(srcs))
    finally:
        w.kill()
        w.close()
    return res


def _fails_at_end(srcs, status):
    res = run_fresh(srcs)
    return res if res.status == status and res.last == len(srcs) - 1 else None


def shrink(srcs, i, status, max_runs=40):
    """The shortest sequence ending with call i that still ends in `status` (crash/hang):
    the call alone when it fails alone, else a delta-debugging reduction of the prefix."""
    last = srcs[i]
    res = _fails_at_end([last], status)
    if res:
        return [last], res
    if status == "hang":
        max_runs = 0  # each try of a hang costs CALL_TIMEOUT
    res = _fails_at_end(srcs[: i + 1], status)
    if not res:
        return None, None  # not reproducible in a fresh process
    keep, n, runs = list(srcs[:i]), 2, 0
    while keep and runs < max_runs:
        chunk = max(1, math.ceil(len(keep) / n))
        for start in range(0, len(keep), chunk):
            candidate = keep[:start] + keep[start + chunk:]
            runs += 1
            r = _fails_at_end(candidate + [last], status)
            if r:
                keep, res, n = candidate, r, max(n - 1, 2)
                break
        else:
            if chunk == 1:
                break
            n = min(len(keep), 2 * n)
    return keep + [last], res


def _signal_name(rc):
    import signal

    if rc is not None and rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return f"signal {-rc}"
    return f"exit {rc}"


def _symptom(stderr):
    """The line of the worker's stderr that says why it died, if any."""
    for pat in (r"terminate called.*", r"what\(\):.*", r"Fatal Python error:.*",
                r".*Assertion.*failed.*", r"AddressSanitizer.*"):
        m = re.search(pat, stderr)
        if m:
            return m.group(0).strip()[:300]
    return ""


# Hostile values that, once one crashed the worker, name the cause better than the function
# they were passed to (any function given one crashes the same way).
HINTS = {
    "mx.array.__new__(mx.array)": "an array made by __new__ without __init__",
    "l.append(l)": "a self-referential list",
    "functools.reduce(lambda a, _:": "a 100000-deep nested list/tuple/dict",
}


def _hint(src):
    for token, cause in HINTS.items():
        # __new__ then __setstate__ is how pickle builds an array: no hint there.
        if token in src and "__setstate__" not in src:
            return cause
    return None


# How a reproducer runs one call as the worker does: the call, then its result evaluated and
# converted to NumPy (where crashes may happen too); an exception is printed, not raised.
_RUN = """def run(src):
    ns = dict(globals())
    try:
        try:
            r = eval(src, ns)
        except SyntaxError:
            exec(src, ns)
            r = ns.get("_r")
        leaves = [x for x in (r if isinstance(r, (list, tuple)) else [r])
                  if isinstance(x, mx.array)]
        mx.eval(leaves)
        for x in leaves:
            if x.size <= 4096:
                np.asarray(x.astype(mx.float32) if x.dtype == mx.bfloat16 else x)
    except Exception as e:
        print(type(e).__name__, e)
"""


def reproducer_code(srcs, threads=0, repeat=1):
    """A script that reruns the calls as the worker ran them: in order (or split over
    threads, each running its share `repeat` times), gc at the end."""
    if len(srcs) == 1 and not threads:
        return f"{PRELUDE}\n{_RUN}run({srcs[0]!r})\ngc.collect()"
    code = (f"{PRELUDE}\n{_RUN}calls = {srcs!r}\n"
            "def work(k):\n"
            f"    for src in calls[k::{max(threads, 1)}] * {repeat}:\n"
            "        run(src)\n")
    code += (f"ts = [threading.Thread(target=work, args=(k,)) for k in range({threads})]\n"
             "[t.start() for t in ts]; [t.join() for t in ts]\n" if threads
             else "work(0)\n")
    return code + "gc.collect()"


def reproducer(srcs, threads=0, repeat=1):
    return "python -c " + shlex.quote(reproducer_code(srcs, threads, repeat))


def _describe(srcs, threads=0, repeat=1):
    """The failing call as a one-liner; a sequence or a threaded run as a script."""
    if len(srcs) == 1 and not threads:
        return "  rerun: python -c " + shlex.quote(PRELUDE + "; " + srcs[0])
    how = f"{threads} threads, each {repeat} times" if threads else "in order"
    return (f"  calls ({len(srcs)}, {how}):\n"
            + "\n".join("    " + c[:300] for c in srcs)
            + "\n  rerun: " + reproducer(srcs, threads, repeat))


class Session:
    """Runs batches until the budget is spent; collects distinct failures."""

    def __init__(self, seconds=None, calls=None, batch_size=50, threads_every=10):
        self.seconds, self.max_calls, self.batch_size = seconds, calls, batch_size
        self.threads_every = threads_every  # every n-th batch runs split over THREADS threads
        self.start = time.monotonic()
        self.calls = 0
        self.worker = None
        self.failures = {}     # key -> dict (crashes, hangs, bad results, late errors, ...)
        self.notes = {}        # key -> dict (slow calls, "Unable to cast" errors)
        self.counts = collections.Counter()
        self.crashed_hints = set()
        self.crashed_targets = set()
        self.skipped = 0
        self.batches = 0
        self.threaded_calls = 0
        self.progress = None  # a JSON file: saved, with a line on stderr, every 5000 calls

    def done(self):
        return ((self.max_calls is not None and self.calls >= self.max_calls)
                or (self.seconds is not None and self.elapsed() >= self.seconds))

    def elapsed(self):
        return time.monotonic() - self.start

    def run_batch(self, calls):
        """calls: [(target, src)]. Calls carrying a hostile value that already crashed the
        worker, and calls of an entry point that crashed it 3 times, are skipped (and
        counted): each crash costs a fresh worker."""
        kept = [c for c in calls
                if _hint(c[1]) not in self.crashed_hints and c[0] not in self.crashed_targets]
        self.skipped += len(calls) - len(kept)
        self.batches += 1
        threaded = self.threads_every and self.batches % self.threads_every == 0
        if kept:
            self._run(kept, THREADS if threaded else 0)

    def _run(self, calls, threads=0):
        srcs = [src for _, src in calls]
        if self.worker is None:
            self.worker = Worker()
        res = self.worker.run(srcs, threads)
        for i, kind, detail in res.findings:
            self._record(calls[i][0], kind, detail, [srcs[i]])
        if res.status == "done":
            self.calls += len(calls)
            self.threaded_calls += len(calls) if threads else 0
            self.counts.update(res.counts)
            if self.progress and self.calls // 5000 != (self.calls - len(calls)) // 5000:
                print(f"{self.calls} calls, {self.elapsed():.0f} s, {len(self.failures)} "
                      "failures", file=sys.stderr, flush=True)
                self.save(self.progress)
            return
        self.worker.close()
        self.worker = None
        if threads:
            # Which call crashed is unknown when several ran at once: run them in order.
            if run_fresh(srcs).status != "done":
                return self._run(calls)
            self.calls += len(calls)
            key = ("threads", res.status, _symptom(res.stderr))
            if key in self.failures:
                self.failures[key]["count"] += 1
                return
            # The calls in flight when it died (thread k runs the calls i with i % threads
            # == k): rerun together, in a loop, they may crash again.
            in_flight = {i % threads: i for i in res.started}
            suspects = [srcs[i] for i in sorted(in_flight.values())]
            rc, out = run_script(reproducer_code(suspects, len(suspects), repeat=50),
                                 prelude="", timeout=CALL_TIMEOUT)
            again = rc is None or rc < 0
            self.failures[key] = {
                "target": f"{threads} threads running calls at once",
                "kind": res.status, "signal": _signal_name(res.returncode),
                "symptom": _symptom(res.stderr), "threads": len(suspects),
                "calls": suspects if again else srcs, "repeat": 50 if again else 1,
                "reproducible": again, "stderr": res.stderr[-2500:], "count": 1}
            return
        i = res.last if res.last is not None else 0
        self.calls += i + 1
        target, hint = calls[i][0], _hint(srcs[i])
        # One cause, many entry points: a hostile value, or a C++ exception escaping.
        symptom = _symptom(res.stderr)
        key = (hint or (symptom if symptom.startswith("terminate") else target), res.status)
        if key in self.failures:
            self.failures[key]["count"] += 1
            self.failures[key]["targets"].add(target)
            if self.failures[key]["count"] >= 3:
                self.crashed_targets.add(target)
        else:
            seq, confirmed = shrink(srcs, i, res.status)
            first = confirmed or res
            self.failures[key] = {
                "target": target, "kind": res.status, "cause": hint,
                "signal": _signal_name(first.returncode) if res.status == "crash" else "timeout",
                "symptom": _symptom(first.stderr), "calls": seq or srcs[: i + 1],
                "reproducible": bool(seq), "stderr": first.stderr[-2500:], "count": 1,
                "targets": {target},
            }
        if hint:
            self.crashed_hints.add(hint)
        if not self.done():
            self.run_batch(calls[i + 1:])

    def _record(self, target, kind, detail, srcs):
        book = self.failures if kind in ("bad_result", "base_exception") else self.notes
        # One line per entry point and kind (bad results differ only in their numbers).
        key = (target, kind, detail.split(":", 1)[0] if kind != "bad_result" else "")
        if key in book:
            book[key]["count"] += 1
        else:
            book[key] = {"target": target, "kind": kind, "detail": detail, "calls": srcs,
                         "count": 1}

    def save(self, path):
        failures = [dict(f, targets=sorted(f.get("targets", []))) for f in self.failures.values()]
        with open(path, "w") as fh:
            json.dump({"calls": self.calls, "threaded_calls": self.threaded_calls,
                       "seconds": self.elapsed(), "skipped": self.skipped,
                       "counts": self.counts, "failures": failures,
                       "notes": list(self.notes.values())}, fh, indent=1)

    def close(self):
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def report(self, include_notes=True):
        lines = [f"{self.calls} calls ({self.threaded_calls} of them in threads) in "
                 f"{self.elapsed():.0f} s; outcomes: "
                 + ", ".join(f"{k} {v}" for k, v in self.counts.most_common(12))]
        if self.skipped:
            lines.append(f"{self.skipped} calls skipped: they carried a value that had "
                         "already crashed the worker, or called an entry point that crashed "
                         "it 3 times (listed below)")
        for f in self.failures.values():
            where = ", ".join(sorted(f.get("targets", [f["target"]])))
            where += f" ({f['cause']})" if f.get("cause") else ""
            lines.append(f"\nFAIL {f['kind']} in {where} (x{f['count']})"
                         + (f": {f.get('signal', '')} {f.get('symptom', '')}"
                            if "signal" in f else f": {f['detail']}"))
            lines.append(_describe(f["calls"], f.get("threads", 0), f.get("repeat", 1)))
            if f.get("reproducible") is False:
                lines.append("  (did not recur in a fresh process; the batch above is the"
                             " context)")
        if include_notes:
            for f in self.notes.values():
                lines.append(f"\nnote {f['kind']} in {f['target']} (x{f['count']}): "
                             f"{f['detail']}\n{_describe(f['calls'])}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Generation: hypothesis strategies producing (target, source) pairs.
# ---------------------------------------------------------------------------------------

DTYPES = ["bool_", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]

SHAPES = ["()", "(0,)", "(1,)", "(3,)", "(2, 3)", "(0, 3)", "(3, 0)", "(2, 1, 3)", "(1, 1)",
          "(4, 4)", "(2, 2, 2, 2)", "(5,)", "(3, 1)"]

# Integers a size, count, axis or index may be given: ordinary, edge and hostile.
SMALL_INTS = ["0", "1", "2", "3", "-1", "-2", "4", "5"]
HUGE_INTS = ["2**31", "2**31 - 1", "-2**31 - 1", "2**32", "2**32 + 1", "2**62", "2**63",
             "2**63 - 1", "2**64", "-2**63 - 1", "-2**64", "10**100", "-10**100", "2**40",
             "-2**31"]
FLOATS = ["0.5", "-1.5", "float('nan')", "float('inf')", "-float('inf')", "1e308", "-0.0",
          "1e-320", "3.0", "2.5e9"]
SHAPE_ARGS = ["()", "(0,)", "(2,)", "(2, 3)", "(3, 0)", "[2, 3]", "3", "0", "-1", "(-1,)",
              "(-1, 3)", "(2**31,)", "(2**31, 2**31)", "(2**32, 2**32)", "(2**62,)",
              "(2**63,)", "(2**64,)", "(2**62, 4)", "(2**21, 2**21, 2**21)", "(1.5,)",
              "('a',)", "(None,)", "(2, -3)", "(1,) * 40", "(0, 2**62)", "(2**31 - 1,)",
              "(mx.array(2),)", "(np.int64(3),)", "(True, 2)"]
AXIS_ARGS = ["0", "1", "-1", "2", "-3", "None", "(0, 1)", "(0, 0)", "(1, -1)", "(-1, 1)",
             "()", "[0]", "(5,)", "2**31", "2**63", "-2**63 - 1", "2**64", "1.0", "'a'",
             "(0, 1, 2, 3)", "(1, 0)", "mx.array(0)", "np.int64(1)", "(None,)"]
STRINGS = ["''", "'a'", "'constant'", "'edge'", "'reflect'", "'symmetric'", "'wrap'",
           "'ij'", "'xy'", "'ij,jk->ik'", "'i,i'", "'ii->i'", "'...i->...'", "'float32'",
           "'cpu'", "'gpu'", "'\\x00'", "'ä' * 3", "'ab->'", "'->'", "'a' * 10000", "'left'",
           "'right'", "'linear'", "'fro'", "'nuc'", "'high'", "'greedy'", "'optimal'"]
DTYPE_ARGS = [f"mx.{d}" for d in DTYPES] + [
    "None", "np.float64", "np.dtype('int32')", "'float32'", "float", "int", "bool", "complex",
    "mx.floating", "mx.integer", "mx.number", "mx.generic", "mx.inexact", "object", "str"]
DEVICE_ARGS = ["None", "mx.cpu", "mx.gpu", "mx.Device(mx.cpu)", "mx.Device(mx.gpu)",
               "mx.default_stream(mx.cpu)", "mx.new_stream(mx.cpu)", "0", "'cpu'",
               "mx.Device(mx.cpu, 5)", "mx.Stream"]
FUNCTIONS = [
    "mx.sin", "mx.sum", "mx.exp", "lambda x: x * 2", "lambda x: mx.sum(x * x)",
    "lambda x, y: mx.sum(x * y)", "lambda x, y: x + y", "lambda *a: a", "lambda x: (x, x)",
    "lambda x: [x, {'k': x * 3}]", "lambda x: None", "lambda x: 'str'", "lambda x: 1.0",
    "lambda x: mx.sum(x.astype(mx.float32))", "lambda x: x.reshape(-1)", "lambda x: x @ x.T",
    "lambda x: mx.sum(mx.grad(lambda y: mx.sum(y * y))(x))", "lambda x: x[0]",
    "lambda x: 1 / 0", "lambda x: (mx.eval(x), x)[1]", "lambda x: x.item()",
    "lambda x: (mx.async_eval(x), x)[1]", "lambda x: mx.vmap(lambda y: y * 2)(x)",
    "lambda x: x.tolist()", "lambda x: np.array(x)", "lambda x: mx.zeros_like(x)",
    "lambda x: mx.compile(lambda y: y + 1)(x)", "lambda x: x.shape", "lambda x: mx.array(3)",
    "lambda x: (lambda l: (l.append(l), l)[1])([x])", "lambda x: mx.stop_gradient(x)",
    "lambda x: mx.where(x > 0, x, -x)", "lambda x: mx.broadcast_to(x, (2,) + x.shape)",
    "lambda x: x.sum(axis=0)", "lambda x: mx.concatenate([x, x])", "lambda x: x.T",
    "lambda x: mx.cumsum(x)", "lambda x: mx.sort(x)", "lambda x: x[::-1]",
    "lambda x: mx.checkpoint(lambda y: y * y)(x)", "lambda x: x.astype(mx.int32)",
    "lambda x: mx.random.uniform(shape=x.shape)", "len", "None", "1", "'f'", "mx.array"]
HOSTILE = [
    "None", "'abc'", "''", "{}", "{'a': 1}", "object()", "[]", "[[]]", "[1, [2]]",
    "[[1, 2], [3]]", "[[1], 2]", "((1, 2), (3,))", "[1, 'a']", "[None]", "[1.5, 2**64]",
    "[2**63]", "[[[[[1.0]]]]]", "[True, 2, 3.5, 1j]", "(lambda l: (l.append(l), l)[1])([])",
    "functools.reduce(lambda a, _: [a], range(100000), 0)",
    "functools.reduce(lambda a, _: (a,), range(100000), 0)",
    "functools.reduce(lambda a, _: {'k': a}, range(100000), 0)",
    "{'a': {'b': [1]}}", "slice(None)", "Ellipsis", "np.float64('nan')", "np.int64(-1)",
    "np.uint64(2**64 - 1)", "np.array(object())", "np.array([None, 1], dtype=object)",
    "np.array(['a', 'b'])", "np.zeros((2, 3))[:, ::-1]", "np.zeros((0,))",
    "np.ones((2,), dtype=np.longdouble)", "np.ones((2,), dtype=np.complex128)",
    "np.array(['2020-01-01'], dtype='datetime64[D]')", "np.zeros(3, dtype=[('a', 'i4')])",
    "np.float16(1.5)", "np.bool_(True)", "np.array(7)", "np.arange(6.0).reshape(2, 3).T",
    "np.broadcast_to(np.arange(3), (4, 3))", "np.zeros((2, 0, 3))",
    "mx.float32", "mx.cpu", "mx.array", "mx.array.__new__(mx.array)", "float", "int", "type",
    "lambda: 0", "range(5)", "iter([1, 2])", "{1}", "frozenset()", "b'abc'",
    "bytearray(b'abcd')", "memoryview(b'abcdefgh').cast('i')", "memoryview(b'')", "1j",
    "True", "False", "complex('nan+infj')", "mx.array(1.5)", "mx.array([1, 2, 3])",
    "mx.random.key(0)", "mx.zeros((0, 0))",
] + HUGE_INTS + FLOATS + SMALL_INTS


def _array_sources():
    """Array expressions: every dtype, 0-d, empty, and non-contiguous or broadcast views."""
    bases = []
    for shape in SHAPES:
        n = math.prod(eval(shape))
        for dt in DTYPES:
            bases.append(f"mx.arange({n}).reshape({shape}).astype(mx.{dt})")
            bases.append(f"(mx.arange({n}) - {n // 2}).reshape({shape}).astype(mx.{dt})")
            bases.append(f"mx.array(np.resize(np.array([float('nan'), float('inf'), "
                         f"-float('inf'), -0.0, 0.5, 65504.0, -1e-45, 3e38]), {shape}))"
                         f".astype(mx.{dt})")
            bases.append(f"mx.random.uniform(-3, 3, {shape}).astype(mx.{dt})")
    return bases


# Contiguous (weighted x3), transposed, strided, reversed, broadcast and reshaped views.
ARRAY_VIEWS = ["{}", "{}", "{}", "{}.T", "{}[::2]", "{}[..., ::-1]",
               "mx.broadcast_to({}, (2,) + {}.shape)", "{}.swapaxes(0, -1)", "{}[1:]",
               "mx.expand_dims({}, 0)", "{}[None]", "{}.reshape(-1)[::-3]"]


def _param_pool(name, typ):
    """Which argument pool a parameter draws from, by its name and annotated type."""
    n, t = name.lower(), typ.lower()
    if t == "str" or t.startswith("list[str"):
        return "str"
    if "dtype" in t:
        return "dtype"
    if "devicetype" in t:
        return "device"
    if n in ("primals", "tangents", "cotangents", "arrays", "inputs", "outputs",
             "dependencies", "output_shapes"):
        return "arrays"
    if n in ("axis", "axes", "axis1", "axis2", "source", "destination", "start_axis",
             "end_axis", "in_axes", "out_axes"):
        return "axis"
    if n in ("shape", "reps", "newshape", "pad_width", "sizes", "strides", "batch_shape",
             "slice_size", "grid", "threadgroup"):
        return "shape"
    if n == "dtype":
        return "dtype"
    if n in ("stream", "device", "s", "d"):
        return "device"
    if n in ("fun", "f", "func", "fn", "function", "vjp", "jvp") or "callable" in t:
        return "function"
    if n == "key":
        return "key"
    if n in ("k", "n", "m", "num", "num_samples", "offset", "repeats", "decimals", "ord",
             "precision", "ddof", "argnums", "seed", "limit", "num_splits", "indices_or_sections",
             "shift", "kth", "dims", "start", "stop", "step", "bits", "group_size") \
            or t in ("int", "typing.optional[int]", "optional[int]"):
        return "int"
    if "str" in t or n in ("mode", "subscripts", "indexing", "side", "name"):
        return "str"
    if "float" in t or n in ("low", "high", "loc", "scale", "p", "alpha", "beta",
                                         "rtol", "atol", "lower", "upper", "a_min", "a_max"):
        return "float_or_array"
    if t == "bool" or n in ("keepdims", "keepdim", "copy", "inclusive", "reverse",
                           "equal_nan", "shapeless", "right"):
        return "bool"
    return "array"


class Param:
    def __init__(self, name, typ, has_default, kind):
        self.name, self.typ, self.has_default, self.kind = name, typ, has_default, kind


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def signatures(obj, name):
    """Parameter lists of a (pybind11 or Python) callable: from its docstring's signature
    lines, else inspect; [] when neither says."""
    sigs = []
    if isinstance(obj, type):  # a class: its constructor's signature
        obj, name = obj.__init__, "__init__"
    doc = getattr(obj, "__doc__", None) or ""
    for line in doc.splitlines():
        # An alias's docstring names the function it aliases (acos -> arccos).
        m = re.match(r"^\s*(?:\d+\.\s*)?(\w+)\((.*)\)\s*(->.*)$", line)
        if not m or (m.group(1) != name and name == "__init__"):
            continue
        params, kind = [], "pos"
        for p in _split_top(m.group(2)):
            p = p.strip()
            if p == "*":
                kind = "kw"
                continue
            if p in ("/", "") or p.startswith("**"):
                continue
            pname, _, rest = p.partition(":")
            typ, eq, _ = rest.partition("=")
            if pname.startswith("*"):
                params.append(Param(pname[1:].strip(), typ.strip(), True, "var"))
                kind = "kw"
            elif pname.strip() != "self":
                params.append(Param(pname.strip(), typ.strip(), bool(eq), kind))
        sigs.append(params)
    if not sigs:
        import inspect

        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            return []
        params = []
        for p in sig.parameters.values():
            if p.kind == p.VAR_KEYWORD or p.name == "self":
                continue
            kind = {p.VAR_POSITIONAL: "var", p.KEYWORD_ONLY: "kw"}.get(p.kind, "pos")
            params.append(Param(p.name, str(p.annotation) if p.annotation is not p.empty
                                else "", p.default is not p.empty or kind == "var", kind))
        sigs.append(params)
    return sigs


# Transforms whose result is a function: the call applies it to arguments too.
RETURNS_FUNCTION = {"grad", "value_and_grad", "vmap", "compile", "checkpoint",
                    "custom_function", "jacfwd", "jacrev", "hessian"}
# Never called: they would stop the worker by design, not by a bug.
NEVER = {"mx.random.__getattr__"}

BINARY_OPS = ["+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>", "==",
              "!=", "<", "<=", ">", ">="]
INDEX_ARGS = ["0", "-1", "5", "2**63", "-2**64", "1:", "::-1", "::0", "::2**63", "-2**70:",
              "None", "...", "0, None, ..., ::-1", "[0, 1, -1]", "mx.array([0, 2])",
              "mx.array([True, False, True])", "1.5", "'a'", "mx.array(1.5)", "..., ...",
              "[[0, 1], [1, 0]]", "[]", "mx.zeros((0,), dtype=mx.int32)", "np.array([1, 0])",
              "mx.array([2**31 - 1])", ":, None", "None, None, 0", "0, 0, 0, 0, 0",
              "mx.array([-5, 7])", "mx.arange(6).reshape(2, 3)", "np.int64(1)", "True",
              "(1, 2)", "slice(None, None, -1), mx.array([1])", "mx.array([[True]])"]
AT_METHODS = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "set"]
CONVERSIONS = ["int({})", "float({})", "complex({})", "bool({})", "len({})", "list({})",
               "hash({})", "repr({})", "str({})", "format({}, '.3f')", "memoryview({})",
               "np.array({})", "np.asarray({}, dtype=np.float64)", "bytes({})",
               "pickle.loads(pickle.dumps({}))", "copy.deepcopy({})", "copy.copy({})",
               "{}.__dlpack__()", "mx.from_dlpack({})", "np.from_dlpack({})",
               "{}.__dlpack_device__()", "{}.__array__(copy=True)", "iter({}).__next__()",
               "-{}", "+{}", "~{}", "abs({})", "{}.__setstate__({})",
               "mx.array.__new__(mx.array).__setstate__({})", "{}.__getstate__()",
               "round({})", "divmod({}, {})", "{} in {}", "sorted({})", "sum({})",
               "max({})", "operator.index({})", "{}.__array_namespace__()",
               "mx.array({}, dtype={})", "mx.asarray({}, dtype={})",
               "repr(mx.array.__new__(mx.array))", "mx.array.__new__(mx.array) + {}",
               "mx.array.__new__(mx.array).shape", "mx.eval(mx.array.__new__(mx.array))",
               "mx.array.__new__(mx.array).item()", "pickle.dumps(mx.array.__new__(mx.array))",
               "mx.array.__new__(mx.array).__init__({})",
               # DLPack and torch, both directions (torch is imported on first use).
               # torch's own importer aborts on NumPy's negative-stride exports (torch 1.13):
               # only kiln arrays are handed to it.
               "__import__('torch').from_dlpack(mx.array({}))",
               "mx.from_dlpack(__import__('torch').arange(6).reshape(2, 3).flip(1))",
               "mx.array(__import__('torch').ones(3, dtype=__import__('torch').bfloat16))",
               "mx.from_dlpack(__import__('torch').ones((2, 3)).T)",
               "mx.from_dlpack(__import__('torch').zeros(0, 3))",
               "mx.from_dlpack(__import__('torch').ones(3, dtype=__import__('torch').complex128))",
               "mx.array(__import__('torch').ones(3, dtype=torch_dtype))".replace(
                   "torch_dtype", "__import__('torch').float64"),
               "mx.from_dlpack(np.arange(6.0).reshape(2, 3)[:, ::-1])",
               "mx.from_dlpack(np.ones((2, 3), dtype=np.float16)[::2])",
               "mx.from_dlpack(np.zeros((0, 3)))"]


def targets(mx):
    """Every public callable of kiln.core and its submodules, and the array's methods."""
    import types

    funcs, methods, props = [], [], []
    for name in sorted(dir(mx)):
        if name.startswith("_"):
            continue
        obj = getattr(mx, name)
        if isinstance(obj, types.ModuleType):
            for sub in sorted(dir(obj)):
                fobj = getattr(obj, sub)
                if not sub.startswith("_") and callable(fobj):
                    funcs.append((f"mx.{name}.{sub}", sub, fobj))
        elif callable(obj):
            funcs.append((f"mx.{name}", name, obj))
    for name in sorted(dir(mx.array)):
        if name.startswith("_"):
            continue
        attr = getattr(mx.array, name)
        (props if isinstance(attr, property) else methods).append(name)
    funcs = [f for f in funcs if f[0] not in NEVER]
    return funcs, methods, props


def call_strategy(mx):
    """A hypothesis strategy of (target, source) pairs over every public entry point."""
    from hypothesis import strategies as st

    funcs, methods, props = targets(mx)
    sigs = {qual: signatures(obj, name) for qual, name, obj in funcs}
    msigs = {m: signatures(getattr(mx.array, m), m) for m in methods}
    arrays_base = st.sampled_from(_array_sources())

    @st.composite
    def array(draw):
        view = draw(st.sampled_from(ARRAY_VIEWS))
        return view.format(*[f"({draw(arrays_base)})"] * view.count("{}"))

    # Any value at all: mostly arrays, else one of the hostile values.
    anything = st.one_of(array(), st.sampled_from(HOSTILE))
    pools = {
        "axis": st.sampled_from(AXIS_ARGS),
        "shape": st.sampled_from(SHAPE_ARGS),
        "dtype": st.sampled_from(DTYPE_ARGS),
        "device": st.sampled_from(DEVICE_ARGS),
        "function": st.sampled_from(FUNCTIONS),
        "key": st.sampled_from(["None", "mx.random.key(0)", "mx.random.key(2**64 - 1)",
                                "mx.array([1, 2])", "mx.zeros((3,), dtype=mx.uint32)",
                                "mx.random.split(mx.random.key(1), 3)", "mx.array(1.5)"]),
        "int": st.sampled_from(SMALL_INTS * 3 + HUGE_INTS),
        "str": st.sampled_from(STRINGS),
        "float_or_array": st.one_of(st.sampled_from(FLOATS + SMALL_INTS), array()),
        "bool": st.sampled_from(["True", "False", "None", "0", "mx.array(True)"]),
        "arrays": st.one_of(
            st.lists(array(), max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
            st.lists(array(), min_size=1, max_size=2).map(lambda xs: "(" + ", ".join(xs) + ",)"),
            array(), st.sampled_from(["[]", "()", "[[]]", "{'a': mx.zeros(2)}", "None"])),
        "array": st.one_of(array(), array(), st.sampled_from(
            FLOATS + SMALL_INTS + ["[1, 2, 3]", "[[1.0, 2.0], [3.0, 4.0]]", "True",
                                   "np.arange(4.0)"])),
    }

    # An argument: from its parameter's pool, 1 time in 10 anything at all.
    args_by_pool = {name: st.one_of([pool] * 9 + [anything]) for name, pool in pools.items()}

    def arg(p):
        return args_by_pool[_param_pool(p.name, p.typ)]

    @st.composite
    def arguments(draw, params):
        """Positional and keyword argument source for a parameter list: the required ones
        in order (now and then one dropped or one extra), optional ones sometimes."""
        parts = []
        for p in params:
            if p.kind == "var":
                parts += [draw(anything if p.name == "args" else arg(p))
                          for _ in range(draw(st.integers(0, 3)))]
            elif not p.has_default and p.kind == "pos":
                if draw(st.integers(0, 30)) == 0:
                    continue  # a missing argument
                parts.append(draw(arg(p)))
            elif draw(st.integers(0, 7 if p.name == "stream" else 2)) == 0:
                parts.append(f"{p.name}={draw(arg(p))}")
        if draw(st.integers(0, 30)) == 0:
            parts.append(draw(anything))  # one too many
        if draw(st.integers(0, 60)) == 0:
            parts.append("bogus_keyword=1")
        # Positional arguments must precede keywords in the source.
        parts.sort(key=lambda a: re.match(r"^\w+=(?!=)", a) is not None)
        return ", ".join(parts)

    @st.composite
    def free_args(draw):
        return ", ".join(draw(anything) for _ in range(draw(st.integers(0, 3))))

    @st.composite
    def function_call(draw):
        qual, name, _ = draw(st.sampled_from(funcs))
        options = sigs[qual]
        args = draw(arguments(draw(st.sampled_from(options)))) if options else draw(free_args())
        src = f"{qual}({args})"
        if name in RETURNS_FUNCTION and draw(st.integers(0, 4)):
            src += "(" + ", ".join(draw(st.one_of(array(), array(), anything))
                                   for _ in range(draw(st.integers(1, 2)))) + ")"
        return qual, src

    @st.composite
    def method_call(draw):
        name = draw(st.sampled_from(methods + props))
        a = draw(array())
        if name in props:
            return f"array.{name}", f"{a}.{name}"
        options = msigs[name]
        args = draw(arguments(draw(st.sampled_from(options)))) if options else draw(free_args())
        return f"array.{name}", f"{a}.{name}({args})"

    @st.composite
    def operator_call(draw):
        op = draw(st.sampled_from(BINARY_OPS))
        a = draw(array())
        b = draw(st.one_of(array(), array(), st.sampled_from(
            SMALL_INTS + FLOATS + HUGE_INTS + ["[1, 2, 3]", "(1, 2)", "[]", "None", "'a'",
                                                 "np.arange(3)", "np.float64(2.5)", "1j",
                                                 "True"])))
        b = f"({b})"
        form = draw(st.integers(0, 2))
        if form == 0:
            return f"array.__{op}__", f"{a} {op} {b}"
        if form == 1:
            return f"array.__r{op}__", f"{b} {op} {a}"
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return f"array.__{op}__", f"{a} {op} {b}"
        return f"array.__i{op}__", f"_x = {a}; _x {op}= {b}; _r = _x"

    @st.composite
    def index_call(draw):
        a, idx = draw(array()), draw(st.sampled_from(INDEX_ARGS))
        form = draw(st.integers(0, 2))
        if form == 0:
            return "array.__getitem__", f"{a}[{idx}]"
        v = draw(st.one_of(array(), st.sampled_from(SMALL_INTS + FLOATS + HUGE_INTS
                                                     + ["[1, 2]", "None", "'a'"])))
        if form == 1:
            return "array.__setitem__", f"_x = {a}; _x[{idx}] = {v}; _r = _x"
        m = draw(st.sampled_from(AT_METHODS))
        return f"array.at.{m}", f"{a}.at[{idx}].{m}({v})"

    @st.composite
    def conversion_call(draw):
        form = draw(st.sampled_from(CONVERSIONS))
        args = []
        for k in range(form.count("{}")):
            args.append(draw(st.one_of(array(), array(), anything)))
        return form, form.format(*[f"({a})" for a in args])

    return st.one_of(function_call(), function_call(), function_call(), function_call(),
                     method_call(), method_call(), operator_call(), index_call(),
                     conversion_call())


def fuzz(session, strategy, examples_per_run=100):
    """Draws calls from `strategy` with hypothesis and runs them in batches until the
    session's budget is spent. Hypothesis runs repeat until then (each starts with a few of
    the simplest examples, then random ones), so the budget, not max_examples, bounds it."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    pending = []

    # Drawing calls in lists is ~3x cheaper than one example per call.
    @settings(max_examples=examples_per_run, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(st.lists(strategy, min_size=25, max_size=25))
    def run(calls):
        if session.done():
            return
        pending.extend(calls)
        if len(pending) >= session.batch_size:
            session.run_batch(pending[:])
            pending.clear()

    while not session.done():
        run()


def pickle_strategy(mx):
    """Unpickling of corrupted bytes and __setstate__ with hostile states: (target, source)."""
    from hypothesis import strategies as st

    # Pickled in a subprocess: pickling itself may crash (it is under test too).
    rc, out = run_script(
        "import json\nout = []\n"
        f"for dt in {DTYPES!r}:\n"
        "    for shape in [(), (0,), (3,), (2, 3)]:\n"
        "        a = mx.arange(int(np.prod(shape))).reshape(shape).astype(getattr(mx, dt))\n"
        "        for proto in (0, 2, 5):\n"
        "            try:\n"
        "                out.append(pickle.dumps(a, protocol=proto).hex())\n"
        "            except Exception:\n"
        "                pass\n"
        "        print(json.dumps(out), flush=True)\n"
        "        out = []\n")
    valid = [bytes.fromhex(h) for line in out.splitlines() if line.startswith("[")
             for h in json.loads(line)]
    valid = valid or [b"\x80\x04N."]  # pickling crashed at once: mutate something else
    states = ["('float32', (10,), b'abc')", "('float32', (2**62,), b'')",
              "('float32', (-1,), b'')", "('nope', (1,), b'1234')",
              "('float32', (2**32, 2**32), b'')", "('float32', [1], b'1234')", "(1, 2, 3)",
              "()", "('float32',)", "('bfloat16', (1,), b'\\x00\\x00')",
              "('float32', (1,), 'str')", "('float32', (1,), b'12345678')", "None",
              "('float32', (2**64,), b'')", "('float32', (0, 2**62), b'')",
              "('complex64', (1,), b'1234')", "('float32', (1, 1, 1), bytearray(4))",
              "('float32', ('a',), b'1234')", "('int64', (2**61,), b'')"]

    @st.composite
    def corrupted(draw):
        data = bytearray(draw(st.sampled_from(valid)))
        for _ in range(draw(st.integers(1, 3))):
            how = draw(st.integers(0, 3))
            k = draw(st.integers(0, max(0, len(data) - 1)))
            if how == 0:
                data = data[:k]  # truncated
            elif how == 1 and data:
                data[k] = draw(st.integers(0, 255))  # one byte changed
            elif how == 2:
                data[k:k] = draw(st.binary(min_size=1, max_size=8))  # bytes inserted
            else:
                del data[k:k + draw(st.integers(1, 8))]  # bytes removed
        return "pickle.loads", f"pickle.loads({bytes(data)!r})"

    @st.composite
    def setstate(draw):
        state = draw(st.sampled_from(states))
        target = draw(st.sampled_from(["mx.array.__new__(mx.array)", "mx.array([1.0, 2.0])"]))
        after = draw(st.sampled_from(["", ".shape", ".item()", ".tolist()", " + 1", ".sum()"]))
        return "array.__setstate__", f"_x = {target}; _x.__setstate__({state}); _r = _x{after}"

    return st.one_of(corrupted(), corrupted(), corrupted(), setstate())


# ---------------------------------------------------------------------------------------
# Scenarios run as whole scripts: threads, and pickling round trips.
# ---------------------------------------------------------------------------------------

def run_script(code, timeout=120, prelude=PRELUDE):
    """Runs `prelude; code` in a fresh limited process (cwd: this folder, so `import
    fuzz_calls` works). Returns (returncode or None on timeout, stdout + stderr)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_kiln_root(), env.get("PYTHONPATH")) if p)
    try:
        p = subprocess.run([sys.executable, "-c", prelude + "\n" + code], capture_output=True,
                           text=True, timeout=timeout, env=env, cwd=HERE,
                           preexec_fn=_limit_worker)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"") + (e.stderr or b"")
        return None, out.decode(errors="replace") if isinstance(out, bytes) else out
    return p.returncode, p.stdout + p.stderr


def _graph(mx, seed, depth=40):
    """A lazy graph of matmuls, elementwise ops and reductions (not evaluated)."""
    x = mx.random.uniform(shape=(24, 24), key=mx.random.key(seed))
    y = x
    for k in range(depth):
        y = mx.tanh(y @ x * 0.05 + k * 0.01)
        if k % 7 == 0:
            y = y - mx.mean(y, axis=0, keepdims=True)
    return y


def threads_shared_graph(n_threads=4, rounds=30):
    """Several threads evaluate ONE lazy graph at the same time, in different ways."""
    import threading

    import numpy as np

    import kiln.core as mx

    for r in range(rounds):
        expected = np.array(_graph(mx, r))
        y = _graph(mx, r)
        results, errors = [None] * n_threads, []
        barrier = threading.Barrier(n_threads)

        def work(i):
            try:
                barrier.wait()
                way = (i + r) % 4
                if way == 0:
                    mx.eval(y)
                elif way == 1:
                    mx.async_eval(y)
                    mx.eval(y)
                elif way == 2:
                    repr(y)
                results[i] = np.array(y)
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(repr(e))

        ts = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errors, errors
        for res in results:
            np.testing.assert_array_equal(res, expected)


def threads_separate_graphs(n_threads=4, rounds=20):
    """Several threads build and evaluate their own graphs (incl. grad and compile)."""
    import threading

    import numpy as np

    import kiln.core as mx

    def loss(w, x):
        return mx.sum(mx.tanh(x @ w) ** 2)

    step = mx.compile(mx.value_and_grad(loss))
    keys = range(n_threads * rounds)
    expected = {}
    for k in keys:
        w = mx.random.normal((8, 8), key=mx.random.key(k))
        v, g = step(w, w.T)
        expected[k] = (np.array(_graph(mx, k, depth=10)), np.array(v), np.array(g))
    errors = []

    def work(i):
        try:
            for k in range(i, len(keys), n_threads):
                w = mx.random.normal((8, 8), key=mx.random.key(k))
                v, g = step(w, w.T)
                got = (np.array(_graph(mx, k, depth=10)), np.array(v), np.array(g))
                for a, b in zip(got, expected[k]):
                    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(repr(e))

    ts = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors, errors


def pickle_round_trips():
    """Every dtype, 0-d, empty and non-contiguous arrays survive pickle and deepcopy."""
    import copy
    import pickle

    import numpy as np

    import kiln.core as mx

    def as_np(a):
        return np.array(a.astype(mx.float32) if a.dtype == mx.bfloat16 else a)

    bases = [mx.array(np.resize(np.array([np.nan, np.inf, -np.inf, -0.0, 0.5, 3.0, -7.0]), s))
             for s in [(), (0,), (7,), (3, 4), (2, 0, 3)]]
    bases.append(mx.random.uniform(-100, 100, (4, 5, 3)))
    for dt in DTYPES:
        for b in bases:
            a = b.astype(getattr(mx, dt))
            views = [a, mx.broadcast_to(a, (2,) + a.shape)]
            if a.ndim:
                views += [a.T, a[::2], a[..., ::-1]]
            for v in views:
                for proto in range(pickle.HIGHEST_PROTOCOL + 1):
                    back = pickle.loads(pickle.dumps(v, protocol=proto))
                    assert back.dtype == v.dtype and back.shape == v.shape, (dt, v.shape, proto)
                    np.testing.assert_array_equal(as_np(back), as_np(v))
                back = copy.deepcopy(v)
                np.testing.assert_array_equal(as_np(back), as_np(v))


def pickle_rejects_bad_states():
    """A pickled state whose bytes do not hold its shape's elements is refused, not read out
    of bounds (which no crash would show)."""
    import kiln.core as mx

    for state in [("float32", (10,), b"abc"), ("float32", (2,), b"123456789"),
                  ("int64", (2**61,), b""), ("float32", (2**62,), b""),
                  ("float32", (0, 2**62), b"1234"), ("complex64", (1,), b"1234")]:
        x = mx.array.__new__(mx.array)
        try:
            x.__setstate__(state)
        except (ValueError, TypeError, OverflowError):
            continue
        raise AssertionError(f"__setstate__{state!r} was accepted")


def main():
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=None)
    ap.add_argument("--seconds", type=float, default=None, help="default: 60 without --calls")
    ap.add_argument("--json", help="write the failures and notes here")
    ap.add_argument("--gdb", action="store_true", help="add a gdb backtrace to each crash")
    ap.add_argument("--pickles", action="store_true", help="fuzz unpickling instead")
    args = ap.parse_args()
    import kiln.core as mx

    if args.seconds is None and args.calls is None:
        args.seconds = 60.0
    session = Session(seconds=args.seconds, calls=args.calls)
    session.progress = args.json
    try:
        fuzz(session, (pickle_strategy if args.pickles else call_strategy)(mx))
    finally:
        session.close()
    if args.gdb:
        for f in session.failures.values():
            if f["kind"] == "crash" and f.get("reproducible"):
                f["backtrace"] = gdb_backtrace(f["calls"])
    print(session.report())
    for f in session.failures.values():
        if "backtrace" in f:
            print(f"\n== backtrace of {f['target']}\n{f['backtrace']}")
    if args.json:
        session.save(args.json)


def gdb_backtrace(srcs, frames=25):
    code = PRELUDE + "\n" + "\n".join(srcs)
    out = subprocess.run(["gdb", "-batch", "-ex", "run", "-ex", f"bt {frames}", "--args",
                          sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, PYTHONPATH=_kiln_root()))
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("#")]
    return "\n".join(lines)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "worker":
    worker_main(int(sys.argv[2]))
    sys.exit(0)

if __name__ == "__main__" and sys.argv[1:2] != ["worker"]:
    main()
