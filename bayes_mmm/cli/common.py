"""Arguments and helpers shared by the command modules."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from bayes_mmm.inference.diagnostics import SamplingWarning
from bayes_mmm.inference.fit import SAMPLERS
from bayes_mmm.logs import log

EXIT_BAD_INPUT = 2


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
        "--target-accept", type=float, default=0.9, help="NUTS target acceptance (default 0.9)"
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


Handler = Callable[[argparse.Namespace], int]
