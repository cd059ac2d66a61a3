"""PNG bytes of figures, drawn in a second process while this one works on (issue 19).

Rendering a figure (text layout, ticks, Agg, PNG encoding) costs 0.1-0.3 s each and most of
the time of the outputs; the figures themselves are cheap to make. :class:`PngWriter` sends
each figure, pickled as soon as it is made, to a worker process (``python -m
bayes_mmm.plots.png``, started at once so that it imports matplotlib while this process
computes; a command starts it before sampling, :func:`prestart`) that returns its PNG
bytes; at the end this process draws the figures the worker has not taken yet itself.
The bytes are those ``fig.savefig(..., format="png", dpi=dpi)`` gives in this process
(same matplotlib, same ``rcParams``, sent to the worker; tested).

Why a fresh interpreter (``subprocess``) rather than ``multiprocessing``: a fork of a process
that ran nutpie's and numba's threads is unsafe, and spawn/forkserver re-import the user's
``__main__`` (a script without an ``if __name__ == "__main__"`` guard would run again).
The worker loads matplotlib only (:mod:`bayes_mmm.plots` is lazy; tick formats live in
:mod:`.ticks`), never reads anything but its stdin, and exits when stdin closes; it runs in a
session of its own, so Ctrl-C reaches this process only, which then stops it.

The worker costs ~0.8 s of CPU more in all (its start-up, ~0.5 s for matplotlib, and the
pickles) and saves wall time even on a busy machine (2 cores at load 3-4: 5.6 instead of
7.0 s for the demo's outputs, ``benchmarks/results/speed.md``). No worker (every figure
drawn here, as before) with one usable core, with ``BAYES_MMM_CORES=1`` (a batch worker:
one fit per core), ``BAYES_MMM_PLOT_WORKER=0``, or when it cannot be started; a figure the
worker fails on, or all of them if it dies, are drawn here: the result never depends on it
(``BAYES_MMM_PLOT_WORKER=1`` forces the worker, for tests).
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import subprocess
import sys
import threading
from collections import deque

from bayes_mmm._spawn import python_process

WORKER_ENV = "BAYES_MMM_PLOT_WORKER"
WAIT_S = 120.0  # longest wait for one figure from the worker before drawing it here
_HEADER = struct.Struct("<Q")


def _send(stream, obj) -> None:
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the PNG worker closed its pipe")
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the PNG worker closed its pipe")
    return pickle.loads(payload)


def render(fig, dpi: int) -> bytes:
    """``fig`` as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _rc_params() -> dict:
    """This process's ``rcParams`` but the backend's: reading ``rcParams["backend"]``
    resolves it, which imports ``matplotlib.pyplot`` (~0.3 s) in a process that never
    shows a figure."""
    import matplotlib as mpl

    skip = ("backend", "interactive")
    return {k: mpl.rcParams[k] for k in mpl.rcParams if k not in skip}


def use_worker() -> bool:
    """Whether figures go to a worker process (see the module docstring)."""
    setting = os.environ.get(WORKER_ENV, "").strip().lower()
    if setting in ("0", "off", "false", "no"):
        return False
    if setting in ("1", "on", "true", "yes"):
        return True
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores > 1 and os.environ.get("BAYES_MMM_CORES", "").strip() != "1"


def _start_worker(warm: bool = False) -> subprocess.Popen | None:
    args = ["-m", "bayes_mmm.plots.png", *(["--warm"] if warm else [])]
    return python_process(args, env={"MPLBACKEND": "agg"}, stdout=subprocess.PIPE)


_prestarted: list[subprocess.Popen] = []  # at most one, taken by the next PngWriter


def prestart() -> None:
    """Start the worker now, for the next :class:`PngWriter` of this process to take: a
    command calls it when its checks have passed, so that the worker imports matplotlib on
    the second core while this process is single-threaded before sampling (an unused one
    exits when this process does: its stdin closes)."""
    if not _prestarted and use_worker():
        proc = _start_worker(warm=True)
        if proc is not None:
            _prestarted.append(proc)


def _worker_process(use: bool) -> subprocess.Popen | None:
    """The pre-started worker if there is one that is still running, else a new one."""
    while _prestarted:
        proc = _prestarted.pop()
        if proc.poll() is None:
            if use:
                return proc
            _stop(proc)
    return _start_worker() if use else None


class PngWriter:
    """Collects figures by name (:meth:`submit`) and returns their PNG bytes
    (:meth:`results`); use as a context manager (the worker is stopped on exit)."""

    def __init__(self, dpi: int, parallel: bool | None = None):
        self.dpi = dpi
        self._figs: dict = {}
        self._todo: deque[str] = deque()  # submitted, not taken by the worker
        self._done: dict[str, bytes] = {}
        self._busy: set[str] = set()  # with the worker now
        self._cond = threading.Condition()
        self._closed = False
        self._proc = _worker_process(use_worker() if parallel is None else parallel)
        self._thread = None
        if self._proc is not None:
            self._thread = threading.Thread(target=self._feed, name="png-worker", daemon=True)
            self._thread.start()

    def __enter__(self) -> PngWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def submit(self, name: str, fig) -> None:
        """Queue ``fig`` (not changed afterwards) to be drawn as ``name``."""
        payload = None
        if self._proc is not None:
            try:
                payload = pickle.dumps(fig, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an unpicklable figure is drawn here
                payload = None
        with self._cond:
            self._figs[name] = (fig, payload)
            if payload is not None:
                self._todo.append(name)
                self._cond.notify_all()

    def size_inches(self, name: str) -> tuple[float, float]:
        return tuple(self._figs[name][0].get_size_inches())

    def _feed(self) -> None:
        """Thread: hand queued figures to the worker one at a time, collect the bytes."""
        proc = self._proc
        try:
            _send(proc.stdin, ("rc", _rc_params()))
            while True:
                with self._cond:
                    while not self._todo and not self._closed:
                        self._cond.wait()
                    if not self._todo:
                        return
                    name = self._todo.popleft()
                    self._busy.add(name)
                    payload = self._figs[name][1]
                _send(proc.stdin, ("fig", name, payload, self.dpi))
                reply_name, data = _receive(proc.stdout)
                with self._cond:
                    self._busy.discard(name)
                    if reply_name == name and data is not None:
                        self._done[name] = data
                    self._cond.notify_all()
        except Exception:  # the worker died or cannot be reached: everything is drawn here
            with self._cond:
                self._busy.clear()
                self._cond.notify_all()

    def results(self) -> dict[str, bytes]:
        """PNG bytes of every submitted figure by name, in submission order: figures not
        taken by the worker are drawn here (latest first), then its last one is awaited."""
        while True:
            with self._cond:
                name = self._todo.pop() if self._todo else None
            if name is None:
                break
            self._done[name] = render(self._figs[name][0], self.dpi)
        with self._cond:
            self._cond.wait_for(lambda: not self._busy, timeout=WAIT_S)
            missing = [n for n in self._figs if n not in self._done]
        for name in missing:  # not sent, failed or timed out in the worker: drawn here
            self._done[name] = render(self._figs[name][0], self.dpi)
        return {name: self._done[name] for name in self._figs}

    def close(self) -> None:
        """Stop the worker: end of its input, then a kill if it does not exit at once."""
        with self._cond:
            self._closed = True
            self._todo.clear()
            self._cond.notify_all()
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End of the worker's input, then a kill if it does not exit at once."""
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=2.0)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def _warm_up() -> None:
    """Draw a small figure like ours and throw it away: the first real one then finds the
    figure, axes, text and date modules imported and the fonts loaded (~0.2 s)."""
    import datetime

    from matplotlib.figure import Figure

    from bayes_mmm.plots import ticks  # noqa: F401  (our figures' tick formatters)

    fig = Figure(figsize=(2, 2))
    ax1, ax2 = fig.subplots(1, 2)
    days = [datetime.date(2024, 1, 1), datetime.date(2024, 6, 1)]
    ax1.fill_between(days, [0, 1], [1, 2], alpha=0.3, label="band")
    ax1.plot(days, [0.5, 1.5], label="line")
    ax1.legend()
    ax2.barh(["a", "b"], [1, 2], xerr=[0.1, 0.2])
    ax2.set_title("title")
    fig.suptitle("warm-up")
    render(fig, 50)


def _worker(warm: bool = False) -> None:
    """The worker: figures in on stdin, PNG bytes (or None on failure) out on stdout; with
    ``warm`` (a pre-started worker, which has time), :func:`_warm_up` first."""
    import warnings

    import matplotlib as mpl
    from matplotlib.backends import backend_agg  # noqa: F401  (loaded before the first figure)

    if warm:
        try:
            _warm_up()
        except Exception:  # only a head start: the figures are drawn without it
            pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the reply pipe
    while True:
        try:
            message = _receive(stdin)
        except EOFError:  # done: exit at once (tearing matplotlib down costs ~0.15 s)
            sys.stderr.flush()
            os._exit(0)
        if message[0] == "rc":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mpl.rcParams.update(message[1])
            continue
        _, name, payload, dpi = message
        try:
            data = render(pickle.loads(payload), dpi)
        except Exception:
            data = None
        _send(stdout, (name, data))


if __name__ == "__main__":
    _worker(warm="--warm" in sys.argv[1:])
