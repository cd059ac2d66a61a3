"""Start-up work a command does while the sampler's threads run.

nutpie samples in its own threads (Rust, the model's numba code: no Python), so the main
thread is idle until the draws are in. A command uses that time for work it would do after
sampling anyway: the one garbage collection that ends its start-up (:mod:`bayes_mmm._gc`)
and importing what comes next: ``arviz_stats`` (with SciPy) for the diagnostics, and the
modules a command registers with :func:`import_after_sampling` (the analysis and output
modules). An import that fails here is left for its real import to report.
"""

from __future__ import annotations

import importlib
import logging

from bayes_mmm._gc import resume_collection

log = logging.getLogger("bayes_mmm")
_after: list[str] = ["arviz_stats"]  # every fit's diagnostics (bayes_mmm.inference.diagnostics)


def import_after_sampling(*modules: str) -> None:
    """Also import ``modules`` while the next sampler runs (a command's outputs)."""
    _after.extend(m for m in modules if m not in _after)


def while_sampling(collect: bool = True) -> None:
    """What a command would do after sampling and can do during it (see the module doc);
    ``collect``: see :func:`bayes_mmm._gc.resume_collection`."""
    resume_collection(collect)
    for name in _after:
        try:
            importlib.import_module(name)
        except Exception as err:  # reported by the real import, later
            log.debug("importing %s while sampling failed: %s", name, err)
