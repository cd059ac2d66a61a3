"""Bad input through the command line, tried as a hostile but realistic user would: each case
must exit with status 2 before any work, name what is wrong (column, rows/lines, file,
argument), show no traceback, and leave the output folder as it was (here an earlier
bayes_mmm output, which must survive byte for byte)."""

from __future__ import annotations

import gzip
import json
import pickle
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_mmm.cli import EXIT_BAD_INPUT, main

CASES: dict[str, Callable] = {}


def case(fn: Callable) -> Callable:
    CASES[fn.__name__] = fn
    return fn


class Ctx:
    """A valid weekly table (columns date, sales, tv, search, promo), its CSV file and
    helpers to derive bad inputs from it."""

    def __init__(self, frame: pd.DataFrame, tmp: Path, out: Path):
        self.frame, self.tmp, self.out = frame, tmp, out
        self.csv = tmp / "sales.csv"
        frame.to_csv(self.csv, index=False)

    def lines(self) -> list[str]:
        return self.csv.read_text().splitlines()

    def write(self, lines: list[str], name: str = "bad.csv") -> Path:
        path = self.tmp / name
        path.write_text("\n".join(lines) + "\n")
        return path

    def frame_file(self, df: pd.DataFrame, name: str = "bad.csv") -> Path:
        path = self.tmp / name
        df.to_csv(path, index=False)
        return path

    def set(self, line: int, column: int, value: str) -> Path:
        """The table with one field replaced (``line`` as numbered in the file)."""
        lines = self.lines()
        parts = lines[line - 1].split(",")
        parts[column] = value
        lines[line - 1] = ",".join(parts)
        return self.write(lines)

    def fit(self, data: Path | None = None, *extra: str, **roles: str) -> list[str]:
        args = dict(date="date", target="sales", channels="tv,search", controls="promo")
        args.update(roles)
        argv = ["fit", str(data or self.csv)]
        for k, v in args.items():
            argv += [f"--{k}", v]
        return [*argv, "--out", str(self.out), "--quiet", *extra]

    def spec(self, obj) -> Path:
        path = self.tmp / "spec.json"
        path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return path


# ---- the file itself -------------------------------------------------------------------------
@case
def missing_file(c):
    return c.fit(c.tmp / "nope.csv"), ["nope.csv' does not exist"]


@case
def directory_as_data_file(c):
    (c.tmp / "folder").mkdir()
    return c.fit(c.tmp / "folder"), ["folder' is a directory, not a CSV file"]


@case
def binary_file(c):
    path = c.tmp / "data.bin"
    path.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)))
    return c.fit(path), ["data.bin'", "binary"]


@case
def excel_workbook(c):
    path = c.tmp / "sales.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    return c.fit(path), ["sales.xlsx' is a ZIP archive (an Excel .xlsx workbook?)", "save it"]


@case
def broken_gzip(c):
    path = c.tmp / "sales.csv.gz"
    path.write_bytes(gzip.compress(c.csv.read_bytes())[:60])
    return c.fit(path), ["sales.csv.gz' looks gzip-compressed but cannot be unpacked"]


@case
def latin1_file(c):
    path = c.tmp / "latin1.csv"
    text = c.csv.read_text().replace("promo", "promoção", 1)
    path.write_bytes(text.encode("latin-1"))
    return c.fit(path, controls="promoção"), ["latin1.csv' is not UTF-8 text", "line 1"]


@case
def empty_file(c):
    path = c.tmp / "empty.csv"
    path.write_text("")
    return c.fit(path), ["empty.csv' is empty"]


@case
def header_only(c):
    return c.fit(c.write(c.lines()[:1])), ["too few rows: 0 given"]


@case
def file_far_too_large(c):
    path = c.tmp / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(200 * 2**20)  # sparse: 200 MB on paper, nothing on disk
    return c.fit(path), ["huge.csv' is 200 MB", "right file"]


@case
def unquoted_thousands_separator(c):
    lines = c.lines()
    parts = lines[6].split(",")
    parts[2] = "1,234"  # tv on line 7: the row now has one field too many
    lines[6] = ",".join(parts)
    return c.fit(c.write(lines)), ["header has 5 fields but line 7 has 6", "thousands separator"]


@case
def row_with_fields_missing(c):
    lines = c.lines()
    lines[9] = ",".join(lines[9].split(",")[:3])
    return c.fit(c.write(lines)), ["header has 5 fields but line 10 has 3"]


@case
def blank_lines_keep_line_numbers(c):
    lines = c.lines()
    lines[9] = ",".join([*lines[9].split(",")[:2], "-7", *lines[9].split(",")[3:]])
    lines[2:2] = ["", ""]  # line 10 moves to line 12
    return c.fit(c.write(lines)), ["channel column 'tv' has negative spend in line 12"]


# ---- values ----------------------------------------------------------------------------------
@case
def quoted_thousands_separator(c):
    return c.fit(c.set(5, 2, '"1,234"')), ["'tv' has non-numeric values in line 5", "thousands"]


@case
def decimal_comma(c):
    return c.fit(c.set(8, 3, '"12,5"')), ["'search' has non-numeric values in line 8", "decimal"]


@case
def currency_sign(c):
    return c.fit(c.set(4, 1, "$1200")), ["'sales' has non-numeric values in line 4", "currency"]


@case
def stray_text_in_numeric_control(c):
    return c.fit(c.set(11, 4, "yes")), ["'promo' has non-numeric values in line 11", "declare it"]


@case
def text_target(c):
    return c.fit(c.set(3, 1, "unknown")), ["target column 'sales' has non-numeric values in line 3"]


@case
def negative_target_some_weeks(c):
    df = c.frame.copy()
    df.loc[[3, 4, 5, 6, 7], "sales"] *= -1
    return c.fit(c.frame_file(df)), [
        "target column 'sales' is negative in lines 5 (",
        ", 9 (",
        "--allow-negative-target",
    ]


@case
def negative_target_all_weeks(c):
    df = c.frame.assign(sales=-c.frame["sales"])
    expected = ["target column 'sales' is negative in lines 2 (", "and 52 more"]
    return c.fit(c.frame_file(df)), expected


@case
def target_summing_to_zero(c):
    df = c.frame.copy()
    df["sales"] = np.where(np.arange(len(df)) % 2 == 0, 1.0, -1.0) * df["sales"].mean()
    return c.fit(c.frame_file(df), "--allow-negative-target"), ["'sales' has a mean of 0"]


@case
def target_overflowing(c):
    return c.fit(c.set(6, 1, "1e300")), ["'sales' has values beyond 1e+15 in line 6"]


@case
def target_all_zero(c):
    df = c.frame.assign(sales=0.0)
    return c.fit(c.frame_file(df)), ["target column 'sales' is constant (0 in every row)"]


@case
def missing_target_values(c):
    return c.fit(c.set(7, 1, "")), ["target column 'sales' is missing (NaN) in line 7"]


@case
def infinite_spend(c):
    return c.fit(c.set(9, 3, "inf")), ["channel column 'search' has infinite values in line 9"]


@case
def negative_spend(c):
    return c.fit(c.set(12, 2, "-40")), ["channel column 'tv' has negative spend in line 12"]


@case
def channel_all_zero(c):
    return c.fit(c.frame_file(c.frame.assign(search=0.0))), ["'search' is zero in every row"]


@case
def constant_control(c):
    return c.fit(c.frame_file(c.frame.assign(promo=3.0))), ["control column 'promo' is constant"]


@case
def too_few_rows(c):
    return c.fit(c.frame_file(c.frame.iloc[:14])), ["too few rows: 14 given"]


# ---- columns ---------------------------------------------------------------------------------
@case
def missing_column_suggests_close_name(c):
    return c.fit(channels="TV,search"), ["channel column 'TV' is not in the table (did you mean"]


@case
def missing_control_column(c):
    return c.fit(controls="price"), ["control column 'price' is not in the table"]


@case
def duplicated_header(c):
    lines = c.lines()
    lines[0] = "date,sales,tv,tv,promo"
    return c.fit(c.write(lines), channels="tv"), ["column name 'tv' appears more than once"]


@case
def column_in_two_roles(c):
    return c.fit(controls="tv"), ["column 'tv' is given twice (as channel and as control)"]


@case
def target_given_as_channel(c):
    return c.fit(channels="tv,sales"), ["column 'sales' is given twice (as target and as channel)"]


@case
def channel_named_baseline(c):
    df = c.frame.rename(columns={"tv": "baseline"})
    return c.fit(c.frame_file(df), channels="baseline,search"), ["'baseline' uses a name reserved"]


@case
def categorical_not_a_control(c):
    return c.fit(None, "--categorical", "tv"), ["categorical column 'tv' is not among the controls"]


@case
def categorical_with_empty_cells(c):
    df = c.frame.assign(promo=np.where(np.arange(len(c.frame)) % 3, "none", "sale"))
    df.loc[[10, 20], "promo"] = ""
    return c.fit(c.frame_file(df)), ["categorical control 'promo' is missing in lines 12, 22"]


@case
def categorical_single_level(c):
    df = c.frame.assign(promo="none")
    return c.fit(c.frame_file(df), "--categorical", "promo"), ["the single level 'none'"]


@case
def text_control_with_many_levels(c):
    df = c.frame.assign(promo=[f"campaign {i}" for i in range(len(c.frame))])
    return c.fit(c.frame_file(df)), ["'promo' has non-numeric values", "declare it"]


@case
def spec_categorical_not_a_control(c):
    return c.fit(None, "--spec", str(c.spec({"categorical": ["search"]}))), [
        "categorical column 'search' is not among the controls"
    ]


# ---- dates -----------------------------------------------------------------------------------
@case
def unparseable_date(c):
    return c.fit(c.set(6, 0, "someday")), ["unparseable dates in line 6 ('someday')", "format"]


@case
def impossible_date(c):
    return c.fit(c.set(9, 0, "2022-13-45")), ["unparseable dates in line 9 ('2022-13-45')"]


@case
def date_format_that_does_not_match(c):
    return c.fit(None, "--date-format", "%d.%m.%Y"), ["does not match the date format '%d.%m.%Y'"]


@case
def ambiguous_day_month_order(c):
    df = c.frame.copy()
    dates = pd.to_datetime(["2024-01-02", "2024-03-05", "2024-05-04", "2024-06-09"] * 15)
    df["date"] = dates.strftime("%d/%m/%Y")
    return c.fit(c.frame_file(df)), ["read as day-first or month-first", "--date-format"]


@case
def duplicate_dates(c):
    lines = c.lines()
    lines[5] = lines[4].split(",")[0] + "," + ",".join(lines[5].split(",")[1:])
    return c.fit(c.write(lines)), ["has duplicate dates in lines 5", "6"]


@case
def gap_in_weekly_dates(c):
    df = c.frame.drop(index=[20, 21])
    gone = c.frame.loc[20, "date"].date().isoformat()
    return c.fit(c.frame_file(df)), [f"gaps in a weekly series: missing dates {gone}"]


@case
def monthly_dates(c):
    df = c.frame.assign(date=pd.date_range("2015-01-01", periods=len(c.frame), freq="MS"))
    return c.fit(c.frame_file(df)), ["is neither weekly nor daily"]


@case
def period_numbers_with_gaps(c):
    df = c.frame.assign(date=[*range(1, 31), *range(33, 63)])
    return c.fit(c.frame_file(df)), ["(period numbers) has gaps: missing periods 31, 32"]


@case
def period_numbers_repeated(c):
    df = c.frame.assign(date=[*range(1, 31), *range(30, 60)])
    return c.fit(c.frame_file(df)), ["(period numbers) repeats periods in lines 31 (30), 32 (30)"]


@case
def fractional_numbers_as_dates(c):
    df = c.frame.assign(date=np.arange(len(c.frame)) + 0.5)
    return c.fit(c.frame_file(df)), ["holds numbers that are not whole period numbers"]


@case
def freq_contradicting_the_dates(c):
    return c.fit(None, "--freq", "D"), ["is weekly but the frequency given is 'D'"]


@case
def start_date_not_a_date(c):
    df = c.frame.assign(date=np.arange(1, len(c.frame) + 1))
    return c.fit(c.frame_file(df), "--start-date", "soon"), ["start date 'soon' is not a date"]


# ---- arguments -------------------------------------------------------------------------------
@case
def ci_prob_above_one(c):
    return c.fit(None, "--ci-prob", "1.5"), ["--ci-prob must be between 0 and 1", "1.5"]


@case
def ci_prob_zero(c):
    return c.fit(None, "--ci-prob", "0"), ["--ci-prob must be between 0 and 1"]


@case
def negative_seed(c):
    return c.fit(None, "--seed", "-1"), ["--seed must be a whole number from 0"]


@case
def zero_chains(c):
    return c.fit(None, "--chains", "0"), ["--chains must be at least 1"]


@case
def zero_draws(c):
    return c.fit(None, "--draws", "0"), ["--draws must be at least 1"]


@case
def negative_tune(c):
    return c.fit(None, "--tune", "-5"), ["--tune must be at least 0"]


@case
def target_accept_above_one(c):
    return c.fit(None, "--target-accept", "1.2"), ["--target-accept must be between 0 and 1"]


@case
def several_argument_problems_together(c):
    return c.fit(None, "--ci-prob", "2", "--seed", "-3", "--chains", "0"), [
        "3 problem(s) with the arguments",
        "--ci-prob",
        "--seed",
        "--chains",
    ]


if find_spec("numpyro") is None:

    @case
    def sampler_not_installed(c):
        return c.fit(None, "--sampler", "numpyro"), ["--sampler numpyro is not installed"]


@case
def negative_holdout(c):
    return c.fit(None, "--holdout-weeks", "-3"), ["--holdout-weeks must be 0 or more"]


@case
def holdout_longer_than_data(c):
    return c.fit(None, "--holdout-weeks", "100"), ["--holdout-weeks must be between 1 and 59"]


@case
def out_is_a_file(c):
    c.out = c.tmp / "results.txt"
    c.out.write_text("keep me")
    return c.fit(), ["--out", "results.txt' is a file"]


@case
def out_holds_other_files(c):
    c.out = c.tmp / "mine"
    c.out.mkdir()
    (c.out / "thesis.docx").write_text("keep me")
    return c.fit(), ["mine' holds files that are not bayes_mmm outputs (thesis.docx)"]


@case
def out_holds_another_commands_outputs(c):
    c.out = c.tmp / "plan"
    c.out.mkdir()
    (c.out / ".bayes_mmm").write_text('{"family": "optimize", "complete": true}')
    (c.out / "allocation.csv").write_text("keep me")
    return c.fit(), ["plan' holds the outputs of 'bayes-mmm optimize'"]


@case
def out_below_a_file(c):
    (c.tmp / "afile").write_text("x")
    c.out = c.tmp / "afile" / "results"
    return c.fit(), ["cannot be created", "afile' is a file"]


@case
def spec_file_missing(c):
    return c.fit(None, "--spec", str(c.tmp / "nospec.json")), ["nospec.json' does not exist"]


@case
def spec_not_json(c):
    return c.fit(None, "--spec", str(c.spec("{l_max: 8"))), ["spec.json' is not valid JSON"]


@case
def spec_value_wrongly_typed(c):
    return c.fit(None, "--spec", str(c.spec({"l_max": "8"}))), [
        "spec.json'",
        "'l_max' must be a whole number, got '8'",
    ]


@case
def spec_flag_wrongly_typed(c):
    return c.fit(None, "--spec", str(c.spec({"trend": "yes"}))), ["'trend' must be true or false"]


@case
def spec_unknown_field(c):
    return c.fit(None, "--spec", str(c.spec({"lmax": 8}))), ["unknown model spec fields: ['lmax']"]


@case
def spec_prior_outside_support(c):
    spec = {"priors": {"decay": {"dist": "Normal", "params": {"mu": 0.5, "sigma": 0.2}}}}
    return c.fit(None, "--spec", str(c.spec(spec))), ["gives values outside"]


@case
def prior_unreadable(c):
    return c.fit(None, "--prior", "decay=Beta(3, 3)"), ["cannot read prior"]


@case
def prior_for_unknown_channel(c):
    return c.fit(None, "--prior", "radio.roi=LogNormal(mu=0, sigma=1)"), [
        "channels not in the data: ['radio']"
    ]


# ---- lift tests ------------------------------------------------------------------------------
def _lift(c, text: str) -> Path:
    path = c.tmp / "lift.csv"
    path.write_text(text)
    return path


@case
def lift_file_missing(c):
    return c.fit(None, "--lift-tests", str(c.tmp / "nolift.csv")), ["nolift.csv' does not exist"]


@case
def lift_unknown_channel_after_blank_lines(c):
    path = _lift(
        c, "channel,spend,delta_spend,lift,sigma\n\n\ntv,100,-100,-50,10\nradio,5,-5,-1,1\n"
    )
    return c.fit(None, "--lift-tests", str(path)), ["names channels not in the data in line 5"]


@case
def lift_sigma_not_positive(c):
    path = _lift(c, "channel,spend,delta_spend,lift,sigma\ntv,100,-100,-50,0\n")
    return c.fit(None, "--lift-tests", str(path)), ["'sigma'", "not positive in line 2"]


# ---- report (a saved model) ------------------------------------------------------------------
def _report(c, model: Path, *extra: str) -> list[str]:
    return ["report", str(model), "--out", str(c.out), "--quiet", *extra]


@case
def report_model_missing(c):
    return _report(c, c.tmp / "model.nc"), ["model.nc' does not exist"]


@case
def report_pickle_as_model(c):
    path = c.tmp / "model.pkl"
    path.write_bytes(pickle.dumps({"posterior": 1}))
    return _report(c, path), ["model.pkl' is not a netCDF model file", "no pickle"]


@case
def report_csv_as_model(c):
    return _report(c, c.csv), ["sales.csv' is not a netCDF model file"]


@case
def report_directory_as_model(c):
    return _report(c, c.tmp), ["is a directory, not a model file"]


# ---- geo-level (long) tables ------------------------------------------------------------
def _geo(c, n_geos: int = 3) -> pd.DataFrame:
    """The valid table repeated for regions A, B, C (long: one row per region and date),
    each with its own scale and a population."""
    parts = []
    for g, name in enumerate("ABC"[:n_geos]):
        part = c.frame.copy()
        part[["sales", "tv", "search"]] *= 1 + 0.5 * g
        parts.append(part.assign(region=name, pop=1000.0 * (g + 1)))
    return pd.concat(parts, ignore_index=True)


def _geo_fit(c, df: pd.DataFrame, *extra: str) -> list[str]:
    return c.fit(c.frame_file(df), "--geo", "region", "--population", "pop", *extra)


def _day(c, i: int) -> str:
    return pd.Timestamp(c.frame["date"].iloc[i]).date().isoformat()


@case
def geo_missing_periods(c):
    df = _geo(c)
    df = df.drop(index=df.index[(df.region == "B") & df.date.isin(c.frame.date.iloc[[10, 11]])])
    return _geo_fit(c, df), [f"geo 'B' is missing 2 period(s): dates {_day(c, 10)}, {_day(c, 11)}"]


@case
def geo_duplicate_geo_date_rows(c):
    df = _geo(c)
    df = pd.concat([df, df[(df.region == "C") & (df.date == c.frame.date.iloc[5])]])
    # C's row for that date is line 2 + 120 + 5 = 127; its copy is the last line, 182
    return _geo_fit(c, df), [
        f"geo 'C' has duplicate (geo, date) rows: dates {_day(c, 5)} in lines 127, 182"
    ]


@case
def geo_constant_target(c):
    df = _geo(c)
    df.loc[df.region == "A", "sales"] = 500.0
    return _geo_fit(c, df), [
        f"geo 'A': target column 'sales' is constant (500 on every date, {_day(c, 0)} to "
        f"{_day(c, 59)})"
    ]


@case
def geo_different_date_ranges(c):
    df = _geo(c)
    df = df[~((df.region == "C") & df.date.isin(c.frame.date.iloc[:4]))]
    return _geo_fit(c, df), [
        "geos cover different date ranges",
        f"'C' {_day(c, 4)} to {_day(c, 59)}",
        "--align intersect",
    ]


@case
def geo_every_problem_at_once(c):
    df = _geo(c)
    df.loc[df.region == "A", "sales"] = 500.0
    df = df.drop(index=df.index[(df.region == "B") & (df.date == c.frame.date.iloc[20])])
    df.loc[(df.region == "C") & (df.date == c.frame.date.iloc[30]), "pop"] = 1.0
    df.loc[(df.region == "C") & (df.date == c.frame.date.iloc[31]), "tv"] = -5.0
    return _geo_fit(c, df), [
        "geo 'A': target column 'sales' is constant",
        f"geo 'B' is missing 1 period(s): date {_day(c, 20)}",
        "geo 'C': population column 'pop' is not constant within the geo",
        "channel column 'tv' has negative spend in line 152 (-5.0)",  # B lost a row
    ]


@case
def geo_column_missing(c):
    return c.fit(c.frame_file(_geo(c)), "--geo", "area"), ["geo column 'area' is not in the table"]


@case
def geo_population_without_geo(c):
    return c.fit(c.frame_file(_geo(c)), "--population", "pop"), [
        "population column 'pop' given without a geo column (--geo"
    ]


@case
def geo_exposure_zero_where_spend(c):
    df = _geo(c).assign(tv_impressions=lambda d: d.tv * 100)
    df.loc[65, "tv_impressions"] = 0.0  # region B, line 67
    return _geo_fit(c, df, "--media-exposure", "tv=tv_impressions"), [
        "exposure column 'tv_impressions' is 0 in line 67 where 'tv' has spend"
    ]


@case
def geo_noise_shared_without_geos(c):
    return c.fit(c.csv, "--geo-noise", "shared"), [
        "geo_noise='shared' (--geo-noise) needs data by geo (--geo COLUMN)"
    ]


def _tree(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    if folder.is_file():
        return {"": folder.read_bytes()}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()}  # fmt: skip


def test_there_are_at_least_sixty_cases():
    assert len(CASES) >= 60, len(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_exits_2_naming_the_problem(name, make_frame, tmp_path, capsys):
    earlier = tmp_path / "results"  # an earlier bayes_mmm output: it must survive as it was
    earlier.mkdir()
    (earlier / ".bayes_mmm").write_text('{"complete": true}')
    (earlier / "roi.csv").write_text("channel,roi_mean\ntv,1.5\n")
    c = Ctx(make_frame(), tmp_path, earlier)
    argv, expected = CASES[name](c)
    before = {p: _tree(p) for p in (earlier, c.out)}
    siblings = sorted(p.name for p in tmp_path.iterdir())
    code = main(argv)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    for text in expected:
        assert text in err, (text, err)
    assert "Traceback" not in err
    assert err.startswith("error:"), err
    for p, content in before.items():
        assert _tree(p) == content, f"{p} changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no staging, no partial
