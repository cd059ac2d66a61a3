"""Command line: ``bayes-mmm <command> ...``; one module per group of commands.

Each command module exposes ``register(subparsers)`` that adds its sub-commands and sets
``func`` (the handler, returning an exit code) on each.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bayes_mmm.cli import batch as _batch
from bayes_mmm.cli import budget as _budget
from bayes_mmm.cli import fit as _fit
from bayes_mmm.cli.common import EXIT_BAD_INPUT
from bayes_mmm.cli.fit import spec_from_args
from bayes_mmm.data.validate import DataValidationError

COMMAND_MODULES = (_fit, _budget, _batch)

__all__ = ["EXIT_BAD_INPUT", "build_parser", "main", "spec_from_args"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayes-mmm", description="Bayesian media mix modeling: fit, ROI, budget."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (DataValidationError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
