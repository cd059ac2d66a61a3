"""Arguments and helpers shared by the command modules."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from bayes_mmm.inference.diagnostics import SamplingWarning
from bayes_mmm.inference.samplers import SAMPLERS
from bayes_mmm.logs import log

EXIT_OK = 0
EXIT_FAILED = 1  # the environment failed us (disk full, permissions changed while writing)
EXIT_BAD_INPUT = 2  # the input (data, arguments, spec, model file) is wrong: nothing was done
EXIT_BUG = 70  # an internal error: a bug in bayes_mmm (sysexits' EX_SOFTWARE)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)
REPORT_BUGS = (
    "please report it to the bayes_mmm developers (the project's issue tracker) with the "
    "command you ran, this message and the output of the same command with --debug"
)


INTERRUPTED = threading.Event()  # set by SIGINT/SIGTERM, even when a sampler swallows Ctrl-C


def _on_signal(signum, frame) -> None:
    INTERRUPTED.set()
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def interrupt_signals():
    """SIGINT and SIGTERM raise KeyboardInterrupt and are remembered (``INTERRUPTED``)."""
    INTERRUPTED.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def raise_if_interrupted() -> None:
    """After a step that may swallow an interrupt (nutpie returns the draws so far)."""
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt("interrupted during sampling")


class InputError(ValueError):
    """Bad command-line input; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) with the arguments:\n{lines}")


def model_problems(path: Path) -> list[str]:
    """The model file argument checked before the PyMC stack loads (as ``bayes_mmm.io.load``
    words it; that reads and checks the file itself)."""
    if not path.exists():
        return [f"model file '{path}' does not exist"]
    if not path.is_file():
        return [f"model file '{path}' is a directory, not a model file (model.nc)"]
    return []


def objective_problems(objective: str | None) -> list[str]:
    """``--objective`` parsed without the PyMC stack (``bayes_mmm.budget.objectives``)."""
    if objective is None:
        return []
    from bayes_mmm.budget.objectives import Objective

    try:
        Objective.parse(objective)
    except ValueError as err:
        return [f"--objective {objective!r}: {err}"]
    return []


class Bug(Exception):
    """An unexpected error after the input was checked: a bug in bayes_mmm, not bad input."""

    def __init__(self, error: BaseException):
        self.error = error
        super().__init__(f"{type(error).__name__}: {error}")


@contextmanager
def checked_work():
    """Everything raised inside is a bug, except interrupts, environment failures (OSError),
    validation errors (bad input found late, e.g. the holdout model's rows) and a geo model
    given to a command that serves national fits only (``GeoFitError``: bad input)."""
    from bayes_mmm.data.validate import DataValidationError

    try:
        yield
    except (KeyboardInterrupt, OSError, DataValidationError, Bug):
        raise
    except Exception as err:
        if _geo_fit_error(err):
            raise
        if INTERRUPTED.is_set():  # e.g. diagnostics of a trace cut short by Ctrl-C
            raise KeyboardInterrupt("interrupted") from err
        raise Bug(err) from err


def _geo_fit_error(err: Exception) -> bool:
    """Whether ``err`` is a ``GeoFitError``, without importing the analysis package (and its
    ArviZ and SciPy stack) before sampling: if its module is not loaded, it cannot be one."""
    scope = sys.modules.get("bayes_mmm.analysis.scope")
    return scope is not None and isinstance(err, scope.GeoFitError)


def names(text: str | None) -> list[str]:
    """``'a, b,c'`` -> ``['a', 'b', 'c']``."""
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def add_sampling_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("sampling")
    g.add_argument("--chains", type=int, default=4, help="number of chains (default 4)")
    g.add_argument("--draws", type=int, default=1000, help="draws per chain (default 1000)")
    g.add_argument("--tune", type=int, default=1000, help="tuning steps per chain (default 1000)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0: reproducible)")
    g.add_argument(
        "--target-accept",
        type=float,
        default=None,
        help="NUTS target acceptance (default 0.9; 0.95 with 8 or more geos or --adstock delayed)",
    )
    g.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default="nutpie",
        help="nutpie (default, NUTS), pymc or numpyro (NUTS; numpyro needs bayes-mmm[jax]); "
        "laplace or advi: fast APPROXIMATE posteriors for iterating, not for reporting",
    )
    g.add_argument(
        "--ci-prob",
        type=float,
        default=None,
        help="credible interval probability (default: ArviZ's stats.ci_prob, 0.9)",
    )
    g.add_argument("--quiet", action="store_true", help="no progress output")
    g.add_argument(
        "--keep-interrupted",
        action="store_true",
        help="on Ctrl-C during sampling, keep the draws so far in <out>.interrupted/model.nc "
        "(marked: not a finished fit); by default nothing is written",
    )


def sampling_problems(args: argparse.Namespace) -> list[str]:
    """Every problem with the sampling arguments (checked before any work)."""
    out = []
    for name, low in (("chains", 1), ("draws", 1), ("tune", 0)):
        if getattr(args, name) < low:
            out.append(f"--{name} must be at least {low}, got {getattr(args, name)}")
    if not 0 <= args.seed < 2**32:
        out.append(f"--seed must be a whole number from 0 to {2**32 - 1}, got {args.seed}")
    if args.target_accept is not None and not 0 < args.target_accept < 1:
        out.append(f"--target-accept must be between 0 and 1, got {args.target_accept}")
    from bayes_mmm.inference.samplers import available_samplers

    if args.sampler not in available_samplers():
        out.append(
            f"--sampler {args.sampler} is not installed: pip install 'bayes-mmm[jax]' "
            "(or use the default, nutpie)"
        )
    return out + ci_problems(args)


def ci_problems(args: argparse.Namespace) -> list[str]:
    p = args.ci_prob
    if p is None or 0 < p < 1:
        return []
    return [f"--ci-prob must be between 0 and 1 (e.g. 0.9), got {p}"]


def add_model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help="model file saved by 'bayes-mmm fit' (model.nc)")


def add_report_args(p: argparse.ArgumentParser) -> None:
    """``--ci-prob``, ``--quiet`` and the required ``--out`` of the commands that read a model."""
    p.add_argument(
        "--ci-prob",
        type=float,
        default=None,
        help="credible interval probability (default: ArviZ's stats.ci_prob, 0.9)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--out", type=Path, required=True, help="output directory")


def add_debug_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--debug", action="store_true", help="show the full traceback of an internal error"
    )


def say(args: argparse.Namespace, msg: str) -> None:
    """Progress for the user (stderr, ``[bayes_mmm] ...``; silenced by ``--quiet``)."""
    log.info("%s", msg)


@contextmanager
def sampling_warnings_to_stderr():
    """Collect SamplingWarnings and print them as plain 'WARNING:' lines at the end."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SamplingWarning)
        yield
    for w in caught:
        if issubclass(w.category, SamplingWarning):
            print(f"WARNING: {w.message}", file=sys.stderr)


@contextmanager
def data_notes_to_stderr(args: argparse.Namespace):
    """DataWarnings (what was read how: a categorical column, sorted rows) as 'note:' lines."""
    from bayes_mmm.data.problems import DataWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        yield
    for w in caught:
        if issubclass(w.category, DataWarning):
            say(args, f"note: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


Handler = Callable[[argparse.Namespace], int]
