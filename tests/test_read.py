"""Reading files as real users have them (``bm.read_csv``): the same table in gzip, UTF-16,
with a byte-order mark, semicolons, Windows line ends or trailing commas reads to the same
data; dates in other formats and time zones read to the same dates; problems raise the
package's own errors naming the file."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm

ROLES = dict(date="date", target="sales", channels=["tv", "search"], controls=["promo"])


@pytest.fixture
def table(make_frame):
    df = make_frame()
    df["date"] = df["date"].dt.strftime("%Y-%m-%d")
    return df


def _same(a: bm.MMMData, b: bm.MMMData) -> None:
    assert (a.dates == b.dates).all()
    np.testing.assert_allclose(a.target, b.target, rtol=1e-12)
    np.testing.assert_allclose(a.spend, b.spend, rtol=1e-12)
    np.testing.assert_allclose(a.controls, b.controls, rtol=1e-12)


ENCODINGS = {
    "gzip": lambda text: gzip.compress(text.encode()),
    "utf-8-bom": lambda text: text.encode("utf-8-sig"),
    "utf-16": lambda text: text.encode("utf-16"),
    "utf-16-le-no-bom": lambda text: text.encode("utf-16-le"),
    "crlf": lambda text: text.replace("\n", "\r\n").encode(),
    "semicolons": lambda text: text.replace(",", ";").encode(),
    "trailing-commas": lambda text: text.replace("\n", ",\n").encode(),
}


@pytest.mark.parametrize("kind", sorted(ENCODINGS))
def test_file_variants_read_to_the_same_data(kind, table, tmp_path):
    plain = tmp_path / "plain.csv"
    table.to_csv(plain, index=False)
    other = tmp_path / f"other.{kind}"
    other.write_bytes(ENCODINGS[kind](plain.read_text()))
    _same(bm.read_csv(other, **ROLES), bm.read_csv(plain, **ROLES))


DATE_FORMATS = {
    "day-first dots": ("%d.%m.%Y", None),
    "day-first slashes": ("%d/%m/%Y", None),
    "month-first slashes": ("%m/%d/%Y", None),
    "two-digit years": ("%m/%d/%y", None),
    "year-first slashes": ("%Y/%m/%d", None),
    "month names": ("%b %d, %Y", None),
    "yyyymmdd": ("%Y%m%d", None),
    "named format": ("%d-%m-%Y", "%d-%m-%Y"),
}


@pytest.mark.parametrize("name", sorted(DATE_FORMATS))
def test_date_formats_read_to_the_same_dates(name, table, tmp_path):
    fmt, given = DATE_FORMATS[name]
    dates = pd.to_datetime(table["date"])
    path = tmp_path / "d.csv"
    table.assign(date=dates.dt.strftime(fmt)).to_csv(path, index=False)
    data = bm.read_csv(path, **ROLES, date_format=given)
    assert (data.dates == pd.DatetimeIndex(dates)).all()


def test_time_zones_keep_the_local_day(table, tmp_path):
    dates = pd.to_datetime(table["date"])
    stamped = dates.dt.tz_localize("America/New_York").map(lambda d: d.isoformat())
    assert stamped.str.endswith("-05:00").any() and stamped.str.endswith("-04:00").any()
    path = tmp_path / "tz.csv"
    table.assign(date=stamped).to_csv(path, index=False)
    assert (bm.read_csv(path, **ROLES).dates == pd.DatetimeIndex(dates)).all()
    aware = table.assign(date=dates.dt.tz_localize("Asia/Tokyo"))
    assert (bm.from_frame(aware, **ROLES).dates == pd.DatetimeIndex(dates)).all()


def test_categorical_control_declared_with_numeric_codes(table):
    codes = np.tile([1, 2, 2, 3], len(table) // 4)
    data = bm.from_frame(table.assign(promo=codes), **ROLES, categorical=["promo"])
    assert data.control_names == ("promo[1]", "promo[3]")  # reference: 2, the most frequent
    assert data.categorical["promo"]["reference"] == "2"
    np.testing.assert_array_equal(data.controls[:, 0], (codes == 1).astype(float))
    spec = bm.ModelSpec(categorical=["promo"])
    assert bm.from_frame(table.assign(promo=codes), **ROLES, spec=spec).control_names == (
        "promo[1]",
        "promo[3]",
    )


def test_negative_target_allowed_when_asked(table):
    df = table.copy()
    df.loc[[3, 7], "sales"] = -50.0
    with pytest.raises(bm.DataValidationError, match="'sales' is negative in rows 3"):
        bm.from_frame(df, **ROLES)
    assert bm.from_frame(df, **ROLES, allow_negative_target=True).target[3] == -50.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary\x00" * 50, "is binary"),
        (b"date,sales\n" + "2024-01-01,\xe9t\xe9\n".encode("latin-1"), "is not UTF-8 text"),
        (b"PK\x03\x04rest", "is a ZIP archive"),
        (b"\x1f\x8bnot really gzip", "cannot be unpacked"),
        (b"", "is empty"),
    ],
)
def test_read_csv_raises_its_own_error_naming_the_file(content, message, tmp_path):
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(bm.DataValidationError) as info:
        bm.read_csv(path, **ROLES)
    assert "input.csv'" in str(info.value) and message in str(info.value)


def test_read_csv_of_a_directory(tmp_path):
    with pytest.raises(bm.DataValidationError, match="is a directory"):
        bm.read_csv(tmp_path, **ROLES)


def test_load_never_unpickles_and_names_the_file(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    path = tmp_path / "model.nc"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(bm.ModelFileError, match=r"model\.nc' is not a netCDF model file"):
        bm.load(path)
    with pytest.raises(bm.ModelFileError, match="is a directory"):
        bm.load(tmp_path)


def test_yyyymmdd_integers_in_a_frame_are_dates(table):
    dates = pd.to_datetime(table["date"])
    data = bm.from_frame(table.assign(date=dates.dt.strftime("%Y%m%d").astype(int)), **ROLES)
    assert data.periods is None and (data.dates == pd.DatetimeIndex(dates)).all()
