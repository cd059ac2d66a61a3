"""A batch's jobs: read ``jobs.csv`` (or a table, or dicts) and validate every row up front.

One row per model. Columns ``name, data, date, target, channels`` (required), ``controls``
(lists separated by ``;``) and any fit option as a further column: ``draws, tune, chains,
seed, target_accept, sampler, spec`` (a model spec JSON file), ``lift_tests`` (a CSV file),
``holdout_weeks, ci_prob, plots``, the inputs of ``bayes-mmm fit`` (``media_exposure``:
``SPEND_COL=EXPOSURE_COL`` items separated by ``;``, ``organic``: columns separated by ``;``,
``revenue_per_kpi``: a number or a column, ``holidays``: a country code, ``events``: a CSV
file, ``baseline``: ``linear`` or ``smooth``), and ``where`` (``column=value`` items
separated by ``;``: fit only the rows of ``data`` that match, e.g. one brand or geo of a
stacked file). Relative paths resolve against the jobs file's folder. An empty cell takes
``fit``'s default.

Every problem of the whole file (unknown columns, duplicate names, missing files, values
that do not parse) is raised at once as one :class:`JobsError`, before any cluster starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bayes_mmm.data.read import read_table
from bayes_mmm.data.validate import DataValidationError
from bayes_mmm.inference.samplers import SAMPLERS
from bayes_mmm.model.spec import BASELINES, ModelSpec

REQUIRED = ("name", "data", "date", "target", "channels")
PATHS = ("spec", "lift_tests", "events")
INPUTS = ("media_exposure", "organic", "revenue_per_kpi", "holidays", "baseline")
INTS = {"draws": 1, "tune": 0, "chains": 1, "seed": 0, "holdout_weeks": 0}  # name: minimum
FLOATS = ("target_accept", "ci_prob")
OPTIONAL = ("controls", "where", "sampler", "plots", *PATHS, *INTS, *FLOATS, *INPUTS)
COLUMNS = (*REQUIRED, *OPTIONAL)
FIT_DEFAULTS = {"draws": 1000, "tune": 1000, "chains": 4, "seed": 0, "target_accept": None}
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.=+-]*$")
RESERVED = ("batch_summary.csv", "batch.json")
TRUE, FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


class JobsError(DataValidationError):
    """The jobs table has problems; ``problems`` lists every one (file line, job, what)."""


@dataclass(frozen=True)
class Job:
    """One model of a batch: where its data are, what the columns mean, how to fit it."""

    name: str
    data: Path
    date: str
    target: str
    channels: tuple[str, ...]
    controls: tuple[str, ...] = ()
    where: tuple[tuple[str, str], ...] = ()
    spec: Path | None = None
    lift_tests: Path | None = None
    fit_options: dict = field(default_factory=dict)  # draws, tune, chains, seed, ...
    holdout_weeks: int = 0
    ci_prob: float | None = None  # None: ArviZ rcParams["stats.ci_prob"]
    plots: bool = True
    inputs: dict = field(default_factory=dict)  # read_csv's exposure, organic, holidays, ...
    baseline: str | None = None  # None: the spec's (linear by default)

    def fit_kwargs(self) -> dict:
        return {**FIT_DEFAULTS, **self.fit_options}


def _split(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.split(";") if s.strip())


def _parse_where(text: str, say) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in _split(text):
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            say(f"where item {item!r} is not column=value")
        else:
            pairs.append((col.strip(), value.strip()))
    return tuple(pairs)


def _path(text: str, base: Path, column: str, say) -> Path:
    path = Path(text).expanduser()
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        say(f"{column} file '{path}' does not exist")
    return path


def _inputs(row: Mapping[str, str], say) -> dict:
    """``read_csv`` keyword arguments of the media and calendar input columns."""
    out: dict = {}
    pairs = {}
    for item in _split(row.get("media_exposure", "")):
        spend, sep, exposure = (t.strip() for t in item.partition("="))
        if not sep or not spend or not exposure:
            say(f"media_exposure item {item!r} is not SPEND_COL=EXPOSURE_COL")
        else:
            pairs[spend] = exposure
    if pairs:
        out["exposure"] = pairs
    if row.get("organic"):
        out["organic"] = _split(row["organic"])
    if row.get("revenue_per_kpi"):
        text = row["revenue_per_kpi"]
        try:
            out["revenue_per_kpi"] = float(text)
        except ValueError:
            out["revenue_per_kpi"] = text
    if row.get("holidays"):
        out["holidays"] = row["holidays"]
    return out


def _number(kind, text: str, column: str, say, minimum=None):
    try:
        value = kind(text)
    except ValueError:
        say(f"{column} {text!r} is not {'an integer' if kind is int else 'a number'}")
        return None
    if minimum is not None and value < minimum:
        say(f"{column} must be at least {minimum}, got {value}")
    return value


def _job(row: Mapping[str, str], base: Path, say) -> Job | None:
    """A :class:`Job` from one row of strings (empty = default); problems go to ``say``."""
    for col in REQUIRED:
        if not row.get(col):
            say(f"{col} is empty")
    name = row.get("name", "")
    if name and not SAFE_NAME.match(name):
        say(f"name {name!r} is not a folder name (letters, digits, _ . = + -; no '/')")
    elif name in RESERVED:
        say(f"name {name!r} is taken by the batch's own files")
    options: dict = {}
    for col, minimum in INTS.items():
        if row.get(col):
            options[col] = _number(int, row[col], col, say, minimum)
    for col in FLOATS:
        if row.get(col):
            options[col] = _number(float, row[col], col, say)
    if "ci_prob" in options and options["ci_prob"] is not None:
        if not 0 < options["ci_prob"] < 1:
            say(f"ci_prob must be in (0, 1), got {options['ci_prob']}")
    if row.get("sampler"):
        if row["sampler"] not in SAMPLERS:
            say(f"sampler {row['sampler']!r} is not one of {', '.join(SAMPLERS)}")
        options["sampler"] = row["sampler"]
    plots = row.get("plots", "").lower()
    if plots and plots not in TRUE | FALSE:
        say(f"plots {row['plots']!r} is not true or false")
    paths = {col: _path(row[col], base, col, say) for col in ("data", *PATHS) if row.get(col)}
    if paths.get("spec") is not None and paths["spec"].is_file():
        try:
            ModelSpec.from_json(paths["spec"].read_text())
        except (ValueError, TypeError, KeyError) as err:
            say(f"spec file '{paths['spec']}' is not a valid model spec: {err}")
    where = _parse_where(row.get("where", ""), say)
    inputs = _inputs(row, say)
    if paths.get("events") is not None:
        inputs["events"] = paths["events"]
    baseline = row.get("baseline") or None
    if baseline is not None and baseline not in BASELINES:
        say(f"baseline {baseline!r} is not one of {', '.join(BASELINES)}")
    if not all(row.get(col) for col in REQUIRED):
        return None
    return Job(
        name=name,
        data=paths["data"],
        date=row["date"],
        target=row["target"],
        channels=_split(row["channels"]),
        controls=_split(row.get("controls", "")),
        where=where,
        spec=paths.get("spec"),
        lift_tests=paths.get("lift_tests"),
        fit_options={
            k: v
            for k, v in options.items()
            if k not in ("holdout_weeks", "ci_prob") and v is not None
        },
        holdout_weeks=options.get("holdout_weeks") or 0,
        ci_prob=options.get("ci_prob"),
        plots=plots not in FALSE,
        inputs=inputs,
        baseline=baseline,
    )


def jobs_from_rows(
    rows: Iterable[Mapping], base: str | Path = ".", source: str = "jobs", first_line: int = 2
) -> list[Job]:
    """Validated :class:`Job` s from rows of column -> value; raises :class:`JobsError`
    listing every problem of every row (``first_line``: the file line of the first row)."""
    rows = [{str(k).strip(): _text(v) for k, v in r.items()} for r in rows]
    problems: list[str] = []
    columns = sorted({k for r in rows for k in r})
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        problems.append(
            f"{source}: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"the columns are {', '.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(f"{source}: missing column(s) {', '.join(missing)}")
    if not rows:
        problems.append(f"{source}: no jobs")
    jobs, seen = [], {}
    for i, row in enumerate(rows):
        where = f"{source} line {first_line + i}"
        where += f" (job {row['name']!r})" if row.get("name") else ""
        say = lambda msg, where=where: problems.append(f"{where}: {msg}")  # noqa: E731
        if row.get("name") in seen:
            say(f"duplicate name (also on line {seen[row['name']]})")
        elif row.get("name"):
            seen[row["name"]] = first_line + i
        job = _job(row, Path(base), say)
        if job is not None:
            jobs.append(job)
    if problems:
        raise JobsError(problems)
    return jobs


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a DataFrame's int column with a gap in it is float
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return str(value).strip()


def read_jobs(path: str | Path) -> list[Job]:
    """Read and validate a ``jobs.csv`` (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise JobsError([f"jobs file '{path}' does not exist"])
    frame = read_table(path, what="jobs file")
    rows = frame.to_dict("records")
    return jobs_from_rows(rows, base=path.resolve().parent, source=path.name)


def as_jobs(jobs, base: str | Path = ".") -> list[Job]:
    """Jobs from a jobs file path, a DataFrame, dicts or :class:`Job` s (validated)."""
    if isinstance(jobs, str | Path):
        return read_jobs(jobs)
    if isinstance(jobs, pd.DataFrame):
        return jobs_from_rows(jobs.to_dict("records"), base=base)
    jobs = list(jobs)
    if all(isinstance(j, Job) for j in jobs):
        names = [j.name for j in jobs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise JobsError([f"duplicate job name(s): {', '.join(dup)}"])
        return jobs
    return jobs_from_rows(jobs, base=base)
