"""Python's cyclic garbage collector in a short-lived command.

Importing the PyMC stack, building the model and loading its compiled code make hundreds of
thousands of objects that live as long as the process, and the collector scans them all
again at every full collection: seven of them (0.03-0.19 s each, growing with the heap) in a
warm ``bayes-mmm fit`` of a 104-week, 4-channel data set, ~1.0 s of collecting in all. So
the ``bayes-mmm`` entry point starts with collection off (:func:`defer_collection`; never
on import) and, when the long work starts (sampling, after the compile; loading a saved
model; writing outputs; a batch), collects once,
freezes what is left (later collections never scan it again) and turns collection back on
(:func:`resume_collection`): 0.45 s of collecting in that fit. Measured on Meridian's 40
geos (4 x 300 draws), peak memory: collection as usual 1.60 GB, off for the whole command
1.90 GB, frozen without the one collection 1.75 GB, this 1.50 GB. A small model skips that
one collection (:data:`COLLECT_MIN_VALUES`): in the 104x4 fit it took 0.25 s for 34,000
objects and freed no memory the process gave back (resident 349 -> 353 MB). A Python session
(notebook, tests) is never touched: without :func:`defer_collection`,
:func:`resume_collection` does nothing.
"""

from __future__ import annotations

import gc

_deferred = False
COLLECT_MIN_VALUES = 20_000  # data values (all pm.Data) from which the start-up collects


def defer_collection() -> None:
    """Turn cyclic garbage collection off until :func:`resume_collection` (a command's start)."""
    global _deferred
    if gc.isenabled():
        gc.disable()
        _deferred = True


def resume_collection(collect: bool = True) -> None:
    """After :func:`defer_collection`: collect once (unless ``collect`` is False: a small
    model's start-up leaves little garbage), freeze the objects left (never scanned again)
    and turn collection back on. Otherwise nothing."""
    global _deferred
    if _deferred:
        _deferred = False
        if collect:  # the start-up's own garbage (a 40-geo fit: ~250 MB at its peak)
            gc.collect()
        gc.freeze()
        gc.enable()
