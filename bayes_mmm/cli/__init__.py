"""Command line: ``bayes-mmm <command> ...``; one module per group of commands.

Each command module exposes ``register(subparsers)`` that adds its sub-commands and sets
``func`` (the handler, returning an exit code) on each.

Exit statuses: 0 done; 2 bad input (data, arguments, spec, model file: nothing was done);
1 the environment failed (e.g. the disk filled while writing); 70 an internal error, a bug
in bayes_mmm (the message says so, ``--debug`` shows the traceback, a finished fit is kept);
130 interrupted (Ctrl-C or SIGTERM: nothing is written to ``--out``).
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from bayes_mmm.cli import batch as _batch
from bayes_mmm.cli import budget as _budget
from bayes_mmm.cli import experiments as _experiments
from bayes_mmm.cli import fit as _fit
from bayes_mmm.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_BUG,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    REPORT_BUGS,
    Bug,
    interrupt_signals,
)
from bayes_mmm.cli.fit import spec_from_args
from bayes_mmm.data.validate import DataValidationError
from bayes_mmm.logs import configure_cli

COMMAND_MODULES = (_fit, _budget, _batch, _experiments)

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BUG",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "build_parser",
    "main",
    "spec_from_args",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bayes-mmm",
        description="Bayesian media mix modeling: fit, ROI, budget.",
        epilog="Exit status: 0 done, 2 bad input (nothing done), 1 could not write, "
        "70 internal error (a bug; the fit is kept), 130 interrupted.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def _kept(err: BaseException, args: argparse.Namespace) -> str:
    kept = getattr(err, "kept_model", None)
    if kept is None:
        return ""
    out = getattr(args, "out", "OUT")
    return (
        f"\nThe fitted model is kept in {kept}; write every output from it with:\n"
        f"  bayes-mmm report {kept} --out {out}"
    )


def _where(error: BaseException) -> str:
    """The innermost frame inside bayes_mmm of the error's traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "bayes_mmm" in Path(f.filename).parts]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return ""
    parts = Path(frame.filename).parts
    short = "/".join(parts[parts.index("bayes_mmm") :]) if "bayes_mmm" in parts else frame.filename
    return f" (in {frame.name}, {short}:{frame.lineno})"


def _report_bug(err: Bug, args: argparse.Namespace) -> int:
    if getattr(args, "debug", False):
        traceback.print_exception(err.error, file=sys.stderr)
    original = err.error
    print(
        f"error: internal error in bayes_mmm: {type(original).__name__}: {original}"
        f"{_where(original)}\nThis is a bug in bayes_mmm, not a problem with your input; "
        f"{REPORT_BUGS}."
        + ("" if getattr(args, "debug", False) else " (--debug shows the traceback)")
        + _kept(err, args),
        file=sys.stderr,
    )
    return EXIT_BUG


def _run(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except KeyboardInterrupt as err:
        out = getattr(args, "out", None)
        where = f" to {out}" if out is not None else ""
        note = f"\n{err.note}" if getattr(err, "note", None) else ""
        print(f"interrupted: nothing was written{where}{_kept(err, args)}{note}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Bug as err:
        return _report_bug(err, args)
    except (DataValidationError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"error: {err}{_kept(err, args)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as err:
        bug = Bug(err)
        bug.kept_model = getattr(err, "kept_model", None)
        return _report_bug(bug, args)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_cli(quiet=getattr(args, "quiet", False))
    with interrupt_signals():
        return _run(args)


def run() -> None:
    """The ``bayes-mmm`` command: :func:`main` with garbage collection deferred while it
    starts (:mod:`bayes_mmm._gc`), then a fast exit (:func:`exit_now`)."""
    from bayes_mmm._gc import defer_collection

    defer_collection()
    exit_now(main())


def exit_now(code: int) -> None:
    """End the process with ``code`` once the command has returned: exit handlers run
    (logging flushed, temporary files removed, child processes joined) and the streams are
    flushed, but the interpreter's teardown is skipped. Freeing the imported numba, LLVM,
    pytensor and PyMC modules one by one took ~1.1 s of every command's wall time, after
    its last file was written."""
    try:
        atexit._run_exitfuncs()  # CPython's own runner of the exit handlers
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # closed or broken pipe: nothing more to say
                pass
        os._exit(code)
