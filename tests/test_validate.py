"""Input validation of ``from_frame`` / ``read_csv``: every problem names its column and the
offending rows (DataFrame row labels) or lines (CSV file line numbers)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_mmm as bm

# roles of the columns of the ``make_frame`` table (see conftest.py)
FRAME_COLUMNS = dict(date="date", target="sales", channels=["tv", "search"], controls=["promo"])


def frame_problems(df: pd.DataFrame, **overrides) -> list[str]:
    """The problems ``from_frame`` reports for ``df`` (it must raise)."""
    with pytest.raises(bm.DataValidationError) as info:
        bm.from_frame(df, **{**FRAME_COLUMNS, **overrides})
    return _checked(info.value)


def csv_problems(path: Path, **overrides) -> list[str]:
    """The problems ``read_csv`` reports for the file at ``path`` (it must raise)."""
    with pytest.raises(bm.DataValidationError) as info:
        bm.read_csv(path, **{**FRAME_COLUMNS, **overrides})
    return _checked(info.value)


def _checked(err: bm.DataValidationError) -> list[str]:
    assert isinstance(err, ValueError)
    assert err.problems, "a DataValidationError must list at least one problem"
    text = str(err)
    assert f"{len(err.problems)} problem(s)" in text
    for p in err.problems:
        assert p in text
    return err.problems


def only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False)
    return path


def csv_lines(df: pd.DataFrame) -> list[str]:
    return df.to_csv(index=False).splitlines()


def write_lines(lines: list[str], path: Path) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def set_field(line: str, position: int, value: str) -> str:
    parts = line.split(",")
    parts[position] = value
    return ",".join(parts)


# ---- valid input -----------------------------------------------------------------------------
def test_valid_weekly_frame_gives_data_with_right_shapes(make_frame):
    df = make_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DataWarning either
        data = bm.from_frame(df, **FRAME_COLUMNS)
    assert isinstance(data, bm.MMMData)
    assert data.n_dates == 60
    assert data.target.shape == (60,)
    assert data.spend.shape == (60, 2)
    assert data.controls.shape == (60, 1)
    assert data.channels == ("tv", "search")
    assert data.control_names == ("promo",)
    assert data.period_days == 7
    assert data.span_days == 60 * 7
    assert data.spend.flags.c_contiguous  # same layout as a fit read back from disk
    np.testing.assert_array_equal(data.spend, df[["tv", "search"]].to_numpy())
    np.testing.assert_array_equal(data.target, df["sales"].to_numpy())
    assert (data.dates == pd.DatetimeIndex(df["date"])).all()


def test_valid_daily_frame_has_period_one(make_frame):
    data = bm.from_frame(make_frame(period_days=1), **FRAME_COLUMNS)
    assert data.period_days == 1
    assert data.spend.shape == (60, 2)
    assert data.span_days == 60


def test_no_controls_gives_empty_control_matrix(make_frame):
    data = bm.from_frame(make_frame(), **{**FRAME_COLUMNS, "controls": []})
    assert data.controls.shape == (60, 0)
    assert data.control_names == ()


def test_valid_csv_matches_frame(make_frame, tmp_path):
    df = make_frame()
    data = bm.read_csv(write_csv(df, tmp_path / "in.csv"), **FRAME_COLUMNS)
    assert data.period_days == 7
    np.testing.assert_allclose(data.spend, df[["tv", "search"]].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(data.target, df["sales"].to_numpy(), rtol=1e-12)
    assert (data.dates == pd.DatetimeIndex(df["date"])).all()


def test_error_is_a_value_error_with_problem_list():
    err = bm.DataValidationError(["first", "second"])
    assert isinstance(err, ValueError)
    assert err.problems == ["first", "second"]
    assert "2 problem(s)" in str(err)


# ---- columns ---------------------------------------------------------------------------------
def test_missing_column(make_frame):
    p = only(frame_problems(make_frame(), channels=["tv", "radio"]))
    assert "channel column 'radio' is not in the table" in p
    assert "'tv'" in p and "'search'" in p  # the columns that are there are listed


def test_missing_column_in_csv(make_frame, tmp_path):
    path = write_csv(make_frame().drop(columns="promo"), tmp_path / "in.csv")
    p = only(csv_problems(path))
    assert "control column 'promo' is not in the table" in p


def test_missing_csv_file(tmp_path):
    p = only(csv_problems(tmp_path / "nope.csv"))
    assert "nope.csv" in p and "does not exist" in p


def test_duplicated_column_name_in_csv_header(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    assert lines[0] == "date,sales,tv,search,promo"
    lines[0] = "date,sales,tv,tv,promo"
    p = only(csv_problems(write_lines(lines, tmp_path / "in.csv"), channels=["tv"]))
    assert "column name 'tv' appears more than once" in p


def test_duplicated_column_name_in_frame(make_frame):
    df = make_frame()
    df.columns = ["date", "sales", "tv", "tv", "promo"]
    p = only(frame_problems(df, channels=["tv"]))
    assert "column name 'tv' appears more than once" in p


def test_same_column_in_two_roles(make_frame):
    p = only(frame_problems(make_frame(), controls=["tv"]))
    assert "column 'tv' is given twice (as channel and as control)" in p


def test_target_given_as_channel(make_frame):
    p = only(frame_problems(make_frame(), channels=["tv", "sales"]))
    assert "column 'sales' is given twice (as target and as channel)" in p


def test_no_channels(make_frame):
    p = only(frame_problems(make_frame(), channels=[]))
    assert "no channel columns" in p


@pytest.mark.parametrize("reserved", ["baseline", "trend", "seasonality"])
@pytest.mark.parametrize("role", ["channels", "controls"])
def test_reserved_names(make_frame, reserved, role):
    old = "tv" if role == "channels" else "promo"
    df = make_frame().rename(columns={old: reserved})
    names = [reserved if c == old else c for c in FRAME_COLUMNS[role]]
    p = only(frame_problems(df, **{role: names}))
    assert f"column '{reserved}' uses a name reserved" in p
    assert p.startswith(role[:-1])  # "channel column ..." / "control column ..."


# ---- values ----------------------------------------------------------------------------------
def test_non_numeric_values_name_row_labels(make_frame):
    df = make_frame()
    df.index = pd.RangeIndex(100, 160)  # labels, not positions, must be reported
    df["tv"] = df["tv"].astype(object)
    df.loc[[105, 130], "tv"] = ["abc", "1,5"]
    p = only(frame_problems(df))
    assert "channel column 'tv' has non-numeric values" in p
    assert "rows 105 ('abc'), 130 ('1,5')" in p


def test_non_numeric_values_name_csv_lines(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[5] = set_field(lines[5], 1, "n/a")  # sales on the 6th line of the file
    p = only(csv_problems(write_lines(lines, tmp_path / "in.csv")))
    assert "target column 'sales' has non-numeric values in line 6 ('n/a')" in p


def test_nan_values(make_frame):
    df = make_frame()
    df.loc[[5, 7], "search"] = np.nan
    p = only(frame_problems(df))
    assert "channel column 'search' is missing (NaN) in rows 5, 7" in p


def test_nan_in_target_and_control(make_frame):
    df = make_frame()
    df.loc[3, "sales"] = np.nan
    df.loc[9, "promo"] = np.nan
    probs = frame_problems(df)
    assert len(probs) == 2, probs
    assert any("target column 'sales' is missing (NaN) in row 3" in p for p in probs)
    assert any("control column 'promo' is missing (NaN) in row 9" in p for p in probs)


def test_empty_cells_in_csv(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[6] = set_field(lines[6], 2, "")  # tv, line 7
    lines[11] = set_field(lines[11], 2, "")  # tv, line 12
    p = only(csv_problems(write_lines(lines, tmp_path / "in.csv")))
    assert "channel column 'tv' is missing (NaN) in lines 7, 12" in p


def test_infinite_values(make_frame):
    df = make_frame()
    df.loc[4, "tv"] = np.inf
    df.loc[8, "tv"] = -np.inf
    probs = frame_problems(df)
    assert any("channel column 'tv' has infinite values in rows 4, 8" in p for p in probs)


def test_infinite_values_in_csv(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[6] = set_field(lines[6], 4, "inf")  # promo, line 7
    p = only(csv_problems(write_lines(lines, tmp_path / "in.csv")))
    assert "control column 'promo' has infinite values in line 7" in p


def test_negative_spend(make_frame):
    df = make_frame()
    df.loc[[2, 40], "search"] = [-1.0, -250.5]
    p = only(frame_problems(df))
    assert "channel column 'search' has negative spend in rows 2 (-1.0), 40 (-250.5)" in p


def test_negative_spend_in_csv(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[9] = set_field(lines[9], 2, "-5")  # tv, line 10
    p = only(csv_problems(write_lines(lines, tmp_path / "in.csv")))
    assert "channel column 'tv' has negative spend in line 10 (-5.0)" in p


def test_csv_line_numbers_count_blank_lines(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[9] = set_field(lines[9], 2, "-5")  # tv, line 10 before the blank lines go in
    lines[3:3] = ["", "   "]  # two blank lines (skipped by the reader) at lines 4 and 5
    path = write_lines(lines, tmp_path / "in.csv")
    assert path.read_text().splitlines()[11].split(",")[2] == "-5"  # now on line 12
    p = only(csv_problems(path))
    assert "channel column 'tv' has negative spend in line 12 (-5.0)" in p


def test_long_lists_are_truncated(make_frame):
    df = make_frame()
    df.loc[0:19, "tv"] = -1.0
    p = only(frame_problems(df))
    assert "rows 0 (-1.0), 1 (-1.0)" in p
    assert "and 12 more" in p  # 8 listed of 20
    assert "19 (-1.0)" not in p


# ---- dates -----------------------------------------------------------------------------------
def test_unparseable_dates(make_frame):
    df = make_frame()
    df["date"] = df["date"].dt.strftime("%Y-%m-%d").astype(object)
    df.loc[4, "date"] = "notadate"
    probs = frame_problems(df)
    (p,) = [p for p in probs if "unparseable" in p]
    assert "date column 'date' has unparseable dates in row 4 ('notadate')" in p


def test_unparseable_dates_in_csv(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[6] = set_field(lines[6], 0, "2022-13-45")  # line 7
    probs = csv_problems(write_lines(lines, tmp_path / "in.csv"))
    (p,) = [p for p in probs if "unparseable" in p]
    assert "date column 'date' has unparseable dates in line 7 ('2022-13-45')" in p


def test_empty_dates(make_frame):
    df = make_frame()
    df.loc[[6, 9], "date"] = pd.NaT
    probs = frame_problems(df)
    assert any("date column 'date' is empty in rows 6, 9" in p for p in probs)


def test_whole_numbers_are_period_numbers_laid_out_weekly(make_frame):
    df = make_frame()
    df["date"] = np.arange(101, 161)  # periods 101..160, no calendar
    data = bm.from_frame(df, **FRAME_COLUMNS)
    assert data.period_days == 7
    assert data.periods == {"first": 101, "freq": "W", "start": "2000-01-03"}
    assert data.dates[0] == pd.Timestamp("2000-01-03")
    assert (np.diff(data.dates.values).astype("timedelta64[D]") == np.timedelta64(7, "D")).all()
    daily = bm.from_frame(df, **FRAME_COLUMNS, freq="D", start_date="2024-03-01")
    assert daily.period_days == 1 and daily.dates[-1] == pd.Timestamp("2024-03-01") + pd.Timedelta(
        days=59
    )


def test_dates_given_as_fractional_numbers(make_frame):
    df = make_frame()
    df["date"] = np.arange(1, 61) + 0.5
    p = only(frame_problems(df))
    assert "date column 'date' holds numbers that are not whole period numbers" in p
    assert "rows 0 (1.5), 1 (2.5)" in p  # row labels and the numbers found there
    assert "np." not in p  # plain values, not numpy reprs


def test_dates_given_as_fractional_numbers_in_csv(make_frame, tmp_path):
    df = make_frame()
    df["date"] = np.arange(1, 61) + 0.25
    p = only(csv_problems(write_csv(df, tmp_path / "in.csv")))
    assert "date column 'date' holds numbers that are not whole period numbers" in p
    assert "lines 2 ('1.25'), 3 ('2.25')" in p


def test_duplicate_dates(make_frame):
    df = make_frame()
    df.loc[4, "date"] = df.loc[3, "date"]
    probs = frame_problems(df)
    (p,) = [p for p in probs if "duplicate" in p]
    day = df.loc[3, "date"].date().isoformat()
    assert f"date column 'date' has duplicate dates in rows 3 ('{day}'), 4 ('{day}')" in p


def test_gaps_in_weekly_series_list_missing_dates(make_frame):
    df = make_frame()
    gone = [d.date().isoformat() for d in df.loc[[10, 11, 30], "date"]]
    p = only(frame_problems(df.drop(index=[10, 11, 30])))
    assert "date column 'date' has gaps in a weekly series" in p
    assert f"missing dates {gone[0]}, {gone[1]}, {gone[2]}" in p


def test_gaps_in_daily_series_list_missing_dates(make_frame):
    df = make_frame(period_days=1)
    gone = [d.date().isoformat() for d in df.loc[20:22, "date"]]
    p = only(frame_problems(df.drop(index=[20, 21, 22])))
    assert "date column 'date' has gaps in a daily series" in p
    assert f"missing dates {', '.join(gone)}" in p


def test_irregular_spacing(make_frame):
    df = make_frame()
    df.loc[10:, "date"] = df.loc[10:, "date"] + pd.Timedelta(days=2)
    shifted = df.loc[10, "date"].date().isoformat()
    p = only(frame_problems(df))
    assert f"date column 'date' breaks the weekly spacing at date {shifted}" in p


def test_neither_weekly_nor_daily(make_frame):
    df = make_frame()
    df["date"] = pd.date_range("2020-01-01", periods=len(df), freq="MS")
    p = only(frame_problems(df))
    assert "date column 'date' is neither weekly nor daily" in p


def test_unsorted_dates_are_sorted_with_warning(make_frame):
    df = make_frame()
    order = np.random.default_rng(0).permutation(len(df))
    shuffled = df.iloc[order]
    with pytest.warns(bm.DataWarning, match="not in order"):
        data = bm.from_frame(shuffled, **FRAME_COLUMNS)
    assert data.dates.is_monotonic_increasing
    assert (data.dates == pd.DatetimeIndex(df["date"])).all()
    # whole rows moved together
    np.testing.assert_array_equal(data.target, df["sales"].to_numpy())
    np.testing.assert_array_equal(data.spend, df[["tv", "search"]].to_numpy())
    np.testing.assert_array_equal(data.controls, df[["promo"]].to_numpy())


# ---- variation -------------------------------------------------------------------------------
def test_channel_all_zero(make_frame):
    df = make_frame()
    df["search"] = 0.0
    p = only(frame_problems(df))
    assert "channel column 'search' is zero in every row" in p


def test_constant_channel(make_frame):
    df = make_frame()
    df["tv"] = 500.0
    p = only(frame_problems(df))
    assert "channel column 'tv' is constant (500 in every row)" in p


def test_constant_target(make_frame):
    df = make_frame()
    df["sales"] = 1234.0
    p = only(frame_problems(df))
    assert "target column 'sales' is constant (1234 in every row)" in p


def test_constant_control(make_frame):
    df = make_frame()
    df["promo"] = 1.0
    p = only(frame_problems(df))
    assert "control column 'promo' is constant (1 in every row)" in p


# ---- size ------------------------------------------------------------------------------------
def test_too_few_rows_says_how_many_are_needed(make_frame):
    df = make_frame().iloc[:15]
    need = bm.ModelSpec().required_rows(2, 1, 15 * 7, 7)
    assert need > 15
    p = only(frame_problems(df))
    assert f"too few rows: 15 given, the model needs at least {need}" in p


def test_required_rows_follow_the_spec(make_frame):
    df = make_frame().iloc[:40]
    spec = bm.ModelSpec(l_max=25)  # needs 2 * l_max = 50 rows
    p = only(frame_problems(df, spec=spec))
    assert "40 given, the model needs at least 50" in p
    assert bm.from_frame(df, **FRAME_COLUMNS).n_dates == 40  # the default spec accepts it


def test_too_few_rows_in_csv(make_frame, tmp_path):
    path = write_csv(make_frame().iloc[:12], tmp_path / "in.csv")
    need = bm.ModelSpec().required_rows(2, 1, 12 * 7, 7)
    p = only(csv_problems(path))
    assert f"too few rows: 12 given, the model needs at least {need}" in p


# ---- together --------------------------------------------------------------------------------
def test_several_problems_reported_together(make_frame):
    df = make_frame()
    df.loc[2, "tv"] = -3.0
    df.loc[8, "search"] = np.nan
    df["promo"] = 0.0
    df.loc[20, "sales"] = np.inf
    probs = frame_problems(df)
    assert len(probs) == 4, probs
    joined = "\n".join(probs)
    assert "channel column 'tv' has negative spend in row 2 (-3.0)" in joined
    assert "channel column 'search' is missing (NaN) in row 8" in joined
    assert "control column 'promo' is constant (0 in every row)" in joined
    assert "target column 'sales' has infinite values in row 20" in joined


def test_several_problems_in_csv_reported_together(make_frame, tmp_path):
    lines = csv_lines(make_frame())
    lines[3] = set_field(lines[3], 0, "someday")  # line 4
    lines[7] = set_field(lines[7], 3, "-1")  # search, line 8
    lines[12] = set_field(lines[12], 1, "")  # sales, line 13
    probs = csv_problems(write_lines(lines, tmp_path / "in.csv"))
    joined = "\n".join(probs)
    assert "unparseable dates in line 4 ('someday')" in joined
    assert "channel column 'search' has negative spend in line 8 (-1.0)" in joined
    assert "target column 'sales' is missing (NaN) in line 13" in joined
