"""Logging: library code logs to the ``bayes_mmm`` logger (quiet unless configured, e.g. in
Jupyter, where nutpie's progress bar shows sampling); the command line prints its records to
stderr as ``[bayes_mmm] ...`` (:func:`configure_cli`)."""

from __future__ import annotations

import logging
import sys

LOGGER = "bayes_mmm"
log = logging.getLogger(LOGGER)


class _StderrHandler(logging.StreamHandler):
    """Writes to the current ``sys.stderr`` (which tests and notebooks may swap)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def configure_cli(quiet: bool = False) -> None:
    """Print the package's log records to stderr (``--quiet``: warnings only); idempotent."""
    for handler in [h for h in log.handlers if isinstance(h, _StderrHandler)]:
        log.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("[bayes_mmm] %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.WARNING if quiet else logging.INFO)
