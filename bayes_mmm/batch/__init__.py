"""Many models at once on Dask: ``fit_many(jobs, out)`` and ``bayes-mmm batch``.

``jobs`` (reading and validating ``jobs.csv``) -> ``engine`` (the Dask cluster) -> ``run``
(one job in a worker: data, fit, outputs written atomically) -> ``summary`` (the table).
"""

from bayes_mmm.batch.engine import map_tasks, open_engine
from bayes_mmm.batch.jobs import Job, JobsError, read_jobs
from bayes_mmm.batch.many import fit_many

__all__ = ["Job", "JobsError", "fit_many", "map_tasks", "open_engine", "read_jobs"]
