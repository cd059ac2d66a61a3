"""An output folder that holds a complete set of results or nothing.

Outputs are written into a staging folder next to ``--out`` and moved into place at the end
(an earlier bayes_mmm output there is replaced whole, never file by file). A marker file
(``MARKER``) identifies our output folders: a non-empty folder without it is refused before
any work. When a step after sampling fails (or the run is interrupted while writing), the
fitted model is kept in ``<out>.partial/model.nc``, from which ``bayes-mmm report`` rewrites
every output.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

MARKER = ".bayes_mmm"
MODEL_FILE = "model.nc"
# what 'bayes-mmm fit' wrote before the marker existed: such a folder is an earlier output too
EARLIER_OUTPUTS = {
    "summary.csv", "roi.csv", "contributions.csv", "shares.csv", "response_curves.csv",
    "prior_posterior.csv", "fit.json", "diagnostics.json", "model.nc", "lift_tests.csv",
    "plots",
}  # fmt: skip


FAMILY = {"demo": "fit", "fit": "fit", "report": "fit"}  # commands writing the same set


def _family(command: str | None) -> str | None:
    return FAMILY.get(command, command) if command else None


def written_by(folder: Path) -> str | None:
    """The command family of an earlier output folder ('fit', 'optimize', ...)."""
    try:
        info = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return "fit"  # unmarked: the files 'bayes-mmm fit' wrote before the marker existed
    return info.get("family") if isinstance(info, dict) else None


def partial_path(out: Path) -> Path:
    out = Path(out).absolute()
    return out.with_name(out.name + ".partial")


def is_ours(folder: Path) -> bool:
    """An earlier bayes_mmm output folder (marked, or holding only files we write)."""
    if (folder / MARKER).is_file():
        return True
    names = {p.name for p in folder.iterdir()}
    return bool(names) and names <= EARLIER_OUTPUTS


def out_problems(out: Path, command: str | None = None, flag: str = "--out") -> list[str]:
    """What stops writing a result set of ``command`` to ``out`` (checked before any work):
    ``out`` is a file, holds other files, holds another command's outputs, or cannot be
    written."""
    if out.exists() and not out.is_dir():
        return [f"{flag} '{out}' is a file; give a folder for the outputs"]
    if out.is_dir():
        entries = sorted(p.name for p in out.iterdir())
        if entries and not is_ours(out):
            shown = ", ".join(entries[:5]) + (" ..." if len(entries) > 5 else "")
            return [
                f"{flag} '{out}' holds files that are not bayes_mmm outputs ({shown}); give "
                "a new or empty folder (an earlier bayes_mmm output folder is replaced whole)"
            ]
        family, earlier = _family(command), written_by(out) if entries else None
        if family and earlier and earlier != family:
            return [
                f"{flag} '{out}' holds the outputs of 'bayes-mmm {earlier}', which "
                f"'bayes-mmm {command}' would replace; give another folder"
            ]
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return [f"{flag} '{out}' cannot be created: '{parent}' is a file"]
    if not os.access(parent, os.W_OK | os.X_OK):
        return [f"{flag} '{out}' cannot be written: no permission to write in '{parent}'"]
    return []


@contextmanager
def signals_blocked():
    """SIGINT and SIGTERM held back while the finished set is moved into place."""
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Staging:
    """A staging folder for the outputs of one run into ``out``."""

    def __init__(self, out: Path, command: str):
        self.out, self.command = Path(out).absolute(), command  # '.' has no name to stage by
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.staging-", dir=self.out.parent))

    def _mark(self, folder: Path, complete: bool) -> None:
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        info = {
            "written_by": f"bayes_mmm {version('bayes-mmm')}",
            "command": " ".join(["bayes-mmm", *sys.argv[1:]]) if sys.argv[1:] else self.command,
            "family": _family(self.command),
            "complete": complete,
            "files": files,
        }
        (folder / MARKER).write_text(json.dumps(info, indent=2))

    def commit(self) -> Path:
        """Move the complete set into ``out``, replacing an earlier output folder whole."""
        self._mark(self.path, complete=True)
        with signals_blocked():
            old = None
            if self.out.exists():
                old = self.out.with_name(f".{self.out.name}.old-{os.getpid()}")
                os.replace(self.out, old)
            os.replace(self.path, self.out)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return self.out

    def abort(self) -> Path | None:
        """Remove the staging folder; keep a finished model as ``<out>.partial/model.nc``
        (returned), else nothing."""
        kept = None
        model = self.path / MODEL_FILE
        if model.is_file():
            with signals_blocked():
                kept_dir = partial_path(self.out)
                for p in self.path.iterdir():
                    if p.name != MODEL_FILE:
                        shutil.rmtree(p) if p.is_dir() else p.unlink()
                self._mark(self.path, complete=False)
                if kept_dir.is_dir() and is_ours(kept_dir):
                    shutil.rmtree(kept_dir)
                if not kept_dir.exists():
                    os.replace(self.path, kept_dir)
                    kept = kept_dir / MODEL_FILE
        shutil.rmtree(self.path, ignore_errors=True)
        return kept


@contextmanager
def staged(out: Path, command: str):
    """Yield a staging folder; on success its content replaces ``out``; on any error or
    interrupt nothing changes in ``out`` and a finished model is kept (the exception gets
    ``kept_model``)."""
    staging = Staging(out, command)
    try:
        yield staging.path
        staging.commit()
    except BaseException as err:
        err.kept_model = staging.abort()
        raise
