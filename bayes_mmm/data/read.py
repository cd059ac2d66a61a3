"""Reading a table from a CSV file: every value as text, the file's line numbers as the index.

The data file and the lift-test file go through :func:`read_table`, so both get the same
answers to what real files throw at a reader: a directory or a missing path, a file far too
large for a table of weeks, gzip-compressed CSV (read), UTF-16 text (read), UTF-8 with a
byte-order mark (read), binary or non-UTF-8 files (refused, naming the file), rows whose
number of fields differs from the header (an unquoted thousands separator, a stray comma:
refused, naming the lines), blank lines (skipped, line numbers still counted) and a
semicolon-separated file (read). Every problem is a :class:`DataValidationError` naming the
file; values are parsed and checked by :mod:`bayes_mmm.data.validate`.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from pathlib import Path

import pandas as pd

from bayes_mmm.data.validate import NA_VALUES, DataValidationError, _where

MAX_FILE_BYTES = 64 * 2**20  # a table of weeks (or days) x columns is a few MB at most
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an Excel .xls workbook",
    b"PAR1": "a Parquet file",
    b"\x89HDF": "an HDF5/netCDF file (a saved model? use 'bayes-mmm report')",
    b"%PDF": "a PDF document",
}


def _fail(path: Path, what: str, text: str) -> DataValidationError:
    return DataValidationError([f"{what} '{path}' {text}"])


def _check_path(path: Path, what: str, max_bytes: int) -> None:
    if not path.exists():
        raise _fail(path, what, "does not exist")
    if path.is_dir():
        raise _fail(path, what, "is a directory, not a CSV file: give the file inside it")
    if not path.is_file():
        raise _fail(path, what, "is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise _fail(
            path,
            what,
            f"is {size / 2**20:.0f} MB, more than the {max_bytes / 2**20:.0f} MB a table of "
            "periods x columns takes: is it the right file? Aggregate it to one row per week "
            "(or day) first",
        )


def _read_bytes(path: Path, what: str, max_bytes: int) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise _fail(path, what, f"cannot be read: {err.strerror or err}") from None
    if raw[:2] == b"\x1f\x8b":  # gzip: read it, with the same bound on what it holds
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as fh:
                raw = fh.read(max_bytes + 1)
        except (OSError, EOFError, zlib.error) as err:
            raise _fail(
                path, what, f"looks gzip-compressed but cannot be unpacked: {err}"
            ) from None
        if len(raw) > max_bytes:
            raise _fail(path, what, f"unpacks to more than {max_bytes / 2**20:.0f} MB")
    for signature, kind in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise _fail(path, what, f"is {kind}, not a CSV text file: save it as CSV (UTF-8)")
    return raw


def _decode(raw: bytes, path: Path, what: str) -> str:
    """UTF-8 (optional byte-order mark) or UTF-16 (byte-order mark, or NUL-interleaved)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif len(raw) >= 4 and raw[1:4:2] == b"\x00\x00" and raw[0] and raw[2]:
        encoding = "utf-16-le"  # "d\0a\0t\0e\0": UTF-16 without a byte-order mark
    else:
        encoding = "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as err:
        if b"\x00" in raw[:4096]:
            raise _fail(path, what, "is binary, not a CSV text file") from None
        line = raw[: err.start].count(b"\n") + 1
        raise _fail(
            path,
            what,
            f"is not UTF-8 text (byte 0x{raw[err.start]:02x} on line {line}): save it as "
            "CSV UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')",
        ) from None


def _delimiter(first_line: str) -> str:
    """``;`` for a semicolon-separated file (a header without commas), else ``,``."""
    if "," not in first_line and first_line.count(";") >= 1:
        return ";"
    return ","


def _records(text: str, path: Path, what: str) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, data rows and the line each row starts on (blank lines skipped)."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "\x00" in text:
        raise _fail(path, what, "is binary, not a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header: list[str] | None = None
    rows, lines = [], []
    previous = 0
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num
            if not row or all(not field.strip() for field in row):
                continue
            if header is None:
                header = row
            else:
                rows.append(row)
                lines.append(start)
    except csv.Error as err:
        raise _fail(
            path, what, f"is not a readable CSV file (line {reader.line_num}: {err})"
        ) from None
    if header is None:
        raise _fail(path, what, "is empty: it has no header row")
    while len(header) > 1 and not header[-1].strip():
        header = header[:-1]  # a trailing comma on the header line
    return header, rows, lines


def _field_count_problems(
    header: list[str], rows: list[list[str]], lines: list[int], path: Path, what: str
) -> list[str]:
    """Rows with more or fewer fields than the header; trailing empty fields are dropped."""
    width = len(header)
    bad = []
    for i, row in enumerate(rows):
        while len(row) > width and not row[-1].strip():
            row.pop()  # a trailing comma: nothing shifted
        if len(row) != width:
            bad.append(i)
    if not bad:
        return []
    counts = sorted({len(rows[i]) for i in bad})
    more = any(len(rows[i]) > width for i in bad)
    hint = (
        "a value with an unquoted thousands separator (1,234) or a stray comma shifts the "
        "columns: remove the separators or quote such values"
        if more
        else "values are missing: give every column a value (empty fields are fine)"
    )
    return [
        f"{what} '{path}': the header has {width} fields but "
        f"{_where([lines[i] for i in bad], unit='line')} "
        f"{'has' if len(bad) == 1 else 'have'} {'/'.join(map(str, counts))}; {hint}"
    ]


def read_table(
    path: str | Path, what: str = "data file", max_bytes: int = MAX_FILE_BYTES
) -> pd.DataFrame:
    """The table in the CSV file ``path``: every value as text (``NA_VALUES`` as missing), the
    header's names as columns, the index the line each row is on in the file (header = line
    1 when it is the first line). Raises :class:`DataValidationError` naming the file."""
    path = Path(path)
    _check_path(path, what, max_bytes)
    text = _decode(_read_bytes(path, what, max_bytes), path, what)
    header, rows, lines = _records(text, path, what)
    problems = _field_count_problems(header, rows, lines, path, what)
    if problems:
        raise DataValidationError(problems)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(lines), dtype=object)
    missing = frame.isin(NA_VALUES)
    return frame.mask(missing)
