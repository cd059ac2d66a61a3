"""Execute the notebooks in ``notebooks/`` top to bottom and save them with their outputs.

    python scripts/run_notebooks.py             # full settings: what is committed
    python scripts/run_notebooks.py --fast      # BAYES_MMM_FAST=1 (fewer draws); nothing saved
    python scripts/run_notebooks.py notebooks/02_ground_truth_recovery.ipynb

Each notebook runs in a fresh kernel (``python3``: this interpreter) in a temporary working
directory, so the files a notebook exports never land in the repository. Saved notebooks are
normalised so that a re-run gives a small diff (no execution timestamps, no Python patch
version) and are checked for leaks of machine-specific details (absolute paths of this
checkout, the home directory, temporary directories): a leak is an error.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
FAST_ENV = "BAYES_MMM_FAST"
MAX_BYTES = 1_500_000  # a committed notebook (with its figures) stays under this


def notebooks() -> list[Path]:
    """The notebooks in run order (by file name)."""
    return sorted(NOTEBOOK_DIR.glob("[0-9]*.ipynb"))


def execute(path: Path, *, fast: bool, workdir: Path, timeout: int = 900):
    """Run ``path`` in a fresh kernel with working directory ``workdir``; return the notebook.

    ``fast`` sets ``BAYES_MMM_FAST=1`` in the kernel's environment (it inherits ours).
    Raises ``nbclient.exceptions.CellExecutionError`` naming the cell that failed.
    """
    nb = nbformat.read(path, as_version=4)
    old = os.environ.get(FAST_ENV)
    os.environ[FAST_ENV] = "1" if fast else "0"
    try:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            record_timing=False,
            resources={"metadata": {"path": str(workdir)}},
        )
        client.execute()
    finally:
        if old is None:
            os.environ.pop(FAST_ENV, None)
        else:
            os.environ[FAST_ENV] = old
    return nb


def normalise(nb) -> None:
    """Drop what changes from run to run or machine to machine but says nothing."""
    info = nb.metadata.get("language_info", {})
    info.pop("version", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)


def leak_patterns(workdir: Path) -> list[str]:
    """Strings that must not appear in a saved notebook's outputs."""
    pats = {str(ROOT), str(Path.home()), str(workdir), tempfile.gettempdir() + os.sep}
    return [p for p in pats if len(p) > 1] + ["ipykernel_", "site-packages"]


def output_text(nb) -> str:
    """All text and HTML of the outputs (images excluded)."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append(out["text"])
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/") or mime == "application/json":
                    parts.append(value if isinstance(value, str) else str(value))
            parts.extend(out.get("traceback", []))
    return "\n".join(parts)


def leaks(nb, workdir: Path) -> list[str]:
    text = output_text(nb)
    found = []
    for pat in leak_patterns(workdir):
        for m in re.finditer(re.escape(pat), text):
            found.append(text[max(0, m.start() - 60) : m.end() + 60].replace("\n", " "))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: all)")
    parser.add_argument("--fast", action="store_true", help="BAYES_MMM_FAST=1; do not save")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.paths] or notebooks()
    status = 0
    for path in paths:
        with tempfile.TemporaryDirectory(prefix="bayes_mmm_nb_") as tmp:
            t0 = time.perf_counter()
            nb = execute(path, fast=args.fast, workdir=Path(tmp), timeout=args.timeout)
            seconds = time.perf_counter() - t0
            found = leaks(nb, Path(tmp))
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        if found:
            status = 1
            print(f"{name}: machine-specific details in the outputs:", file=sys.stderr)
            for snippet in found[:10]:
                print(f"    ...{snippet}...", file=sys.stderr)
        if args.fast:
            print(f"{name}: ran in {seconds:.0f} s (fast mode, not saved)")
            continue
        normalise(nb)
        nbformat.write(nb, path)
        size = path.stat().st_size
        flag = "  (over the size budget!)" if size > MAX_BYTES else ""
        status |= int(size > MAX_BYTES)
        print(f"{name}: ran in {seconds:.0f} s, saved {size / 1e3:.0f} kB{flag}")
    return status


if __name__ == "__main__":
    sys.exit(main())
