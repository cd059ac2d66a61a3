"""The distributed engine behind batches of fits: Dask distributed.

- Default: an embedded ``LocalCluster`` on this machine, one single-threaded worker process
  per core (``threads_per_worker=1``; each fit runs its chains one after another, see
  ``bayes_mmm.inference.samplers``), each worker's memory bounded by ``memory_limit`` (Dask's nanny
  restarts a worker that passes 95% of it; no pausing or spilling at lower levels) and a
  task whose worker dies failed at once (``allowed-failures`` 0) rather than retried.
- ``scheduler="tcp://host:8786"`` (or ``$DASK_SCHEDULER_ADDRESS``, Dask's own setting): the
  same jobs on an existing cluster; its workers need bayes_mmm installed and must see the
  data and output folders at the same paths. Its own ``allowed-failures`` applies there.
- ``client=``: a ``distributed.Client`` the caller opened (not closed here).

At most one task per worker thread is in flight (:func:`run_each` submits the next as one
finishes), so a worker that dies takes down only the job it was running.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bayes_mmm.batch.run import SINGLE_THREAD_ENV, single_threaded

logger = logging.getLogger(__name__)
ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,  # a job whose worker died is failed, not rerun
    # a fit holds no Dask data to spill, and a worker paused at 80% of its limit by the memory
    # its compiled models keep would never take another job: only the 95% limit applies
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
}


def scheduler_address(scheduler: str | None = None) -> str | None:
    """``scheduler`` or Dask's configured address (``$DASK_SCHEDULER_ADDRESS``); None: local."""
    import dask

    return scheduler or os.environ.get(ADDRESS_ENV) or dask.config.get("scheduler-address", None)


@contextmanager
def open_engine(
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    memory_limit: str | int | None = "auto",
    client=None,
) -> Iterator[Any]:
    """A ``distributed.Client`` on a local cluster of ``workers`` single-threaded processes
    (default: one per core), or on the cluster at ``scheduler``, or ``client`` itself."""
    from distributed import Client, LocalCluster

    if client is not None:
        yield client
        return
    address = scheduler_address(scheduler)
    if address:
        with Client(address) as remote:
            remote.run(single_threaded)
            yield remote
        return
    import dask

    n = workers or os.cpu_count() or 1
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            env=dict(SINGLE_THREAD_ENV),
        )
    with cluster, Client(cluster) as local:
        yield local


def describe(client) -> dict:
    """Address, workers, threads and memory limit per worker (MB) of ``client``'s cluster."""
    info = client.scheduler_info()
    workers = list(info.get("workers", {}).values())
    limits = [w.get("memory_limit") or 0 for w in workers]
    return {
        "scheduler": info.get("address", ""),
        "workers": len(workers),
        "threads": sum(w.get("nthreads", 0) for w in workers),
        "memory_limit_mb_per_worker": round(min(limits) / 2**20) if limits else None,
    }


def run_each(
    client,
    fn: Callable,
    tasks: Sequence[tuple[str, tuple]],
    on_done: Callable[[str, Any, BaseException | None], None],
) -> None:
    """Run ``fn(*args)`` for each ``(name, args)`` of ``tasks`` on ``client``, at most one
    per worker thread at a time; ``on_done(name, result, error)`` as each finishes (``error``
    is the exception, e.g. ``KilledWorker`` when the worker died, else None)."""
    from distributed import as_completed

    pending = list(reversed(tasks))
    names: dict[str, str] = {}
    running = as_completed()

    def top_up() -> None:
        capacity = max(1, sum(client.nthreads().values()))
        while pending and running.count() < capacity:
            name, args = pending.pop()
            future = client.submit(fn, *args, key=f"{name}-{uuid.uuid4().hex}", pure=False)
            names[future.key] = name
            running.add(future)

    top_up()
    for future in running:
        try:
            result, error = future.result(), None
        except Exception as err:  # the task raised, or its worker died (KilledWorker)
            result, error = None, err
        on_done(names.pop(future.key), result, error)
        future.release()
        top_up()


def map_tasks(fn: Callable, args: Sequence[tuple], engine=None) -> list:
    """``[fn(*a) for a in args]``, through the engine when one is given: ``engine`` is a
    number of local workers, a scheduler address or a ``distributed.Client``; None runs
    here, one after another. Results keep the order of ``args``; an error is raised."""
    if engine is None:
        return [fn(*a) for a in args]
    kwargs = {"client": engine} if not isinstance(engine, int | str) else {}
    if isinstance(engine, int):
        kwargs["workers"] = engine
    if isinstance(engine, str):
        kwargs["scheduler"] = engine
    results: dict[str, Any] = {}

    def keep(name: str, result, error) -> None:
        if error is not None:
            raise error
        results[name] = result

    with open_engine(**kwargs) as client:
        tasks = [(str(i), (fn, a)) for i, a in enumerate(args)]
        run_each(client, _single_threaded_call, tasks, keep)
    return [results[str(i)] for i in range(len(args))]


def _single_threaded_call(fn: Callable, args: tuple):
    single_threaded()
    return fn(*args)
