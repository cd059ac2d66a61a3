"""Geo-level (long) input: reading, layout, and every bad-geo case as a clear error naming
the geo and the dates, all at once, before any modeling."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayes_mmm.data.dataset import from_frame, read_csv
from bayes_mmm.data.problems import DataValidationError, DataWarning

MERIDIAN = Path("/work/shared/data/meridian_geo_all_channels.csv")
CHANNELS = ["tv", "search"]


def long_frame(n_geos: int = 3, n_weeks: int = 60, seed: int = 0) -> pd.DataFrame:
    """A long table with user-style names: region, week, revenue, pop."""
    rng = np.random.default_rng(seed)
    rows = []
    weeks = pd.date_range("2022-01-03", periods=n_weeks, freq="7D")
    for g in range(n_geos):
        for w in weeks:
            rows.append(
                {
                    "region": f"R{g}",
                    "week": w.date().isoformat(),
                    "revenue": 100 * (g + 1) + rng.normal(0, 5),
                    "tv": rng.gamma(2, 10) * (g + 1),
                    "search": rng.gamma(2, 5) * (g + 1),
                    "price": rng.normal(10, 1),
                    "pop": 1000.0 * (g + 1),
                }
            )
    return pd.DataFrame(rows)


def read(df: pd.DataFrame, **kw):
    args = dict(geo="region", date="week", target="revenue", channels=CHANNELS, min_rows=10)
    return from_frame(df, **{**args, **kw})


def test_long_table_is_laid_out_by_geo_and_date():
    df = long_frame().sample(frac=1.0, random_state=1)  # any row order
    data = read(df, controls=["price"], population="pop")
    assert data.geos == ("R0", "R1", "R2")
    assert data.geo_spend.shape == (3, 60, 2) and data.geo_controls.shape == (3, 60, 1)
    r1 = df[df.region == "R1"].sort_values("week")
    assert np.allclose(data.geo_target[1], r1.revenue)
    assert np.allclose(data.target, data.geo_target.sum(axis=0))  # national = total
    assert np.allclose(data.spend, data.geo_spend.sum(axis=0))
    assert np.allclose(data.population, [1000, 2000, 3000])
    back = data.to_frame()
    assert len(back) == 180 and set(back.region) == {"R0", "R1", "R2"}
    half = data.slice(0, 30)
    assert half.geo_spend.shape == (3, 30, 2) and half.n_dates == 30


def test_geos_in_natural_order_with_their_rows_and_population():
    df = long_frame(n_geos=12).sample(frac=1.0, random_state=2)  # R0 .. R11, any row order
    data = read(df, controls=["price"], population="pop")
    assert data.geos == tuple(f"R{g}" for g in range(12))  # R2 before R10
    for i, g in enumerate(data.geos):
        rows = df[df.region == g].sort_values("week")
        assert np.allclose(data.geo_target[i], rows.revenue)
        assert np.allclose(data.geo_spend[i, :, 0], rows.tv)
        assert data.population[i] == rows["pop"].iloc[0]


def test_national_table_is_one_geo():
    df = long_frame(n_geos=1).drop(columns=["region"])
    data = read(df, geo=None)
    assert data.geos == ("national",) and data.n_geos == 1
    assert data.geo_spend.shape == (1, 60, 2)
    assert np.array_equal(data.geo_target[0], data.target)


def test_bad_geo_input_lists_every_problem_with_geo_and_dates():
    df = long_frame(n_geos=5)
    df = df.drop(index=df.index[(df.region == "R0") & (df.week == "2022-02-07")])
    df = pd.concat([df, df[(df.region == "R1") & (df.week == "2022-03-07")]], ignore_index=True)
    df.loc[df.region == "R2", "revenue"] = 7.0
    df.loc[(df.region == "R3") & (df.week == "2022-01-10"), "pop"] = 1.0
    df = df[~((df.region == "R4") & (df.week < "2022-01-17"))]
    with pytest.raises(DataValidationError) as err:
        read(df, population="pop")
    text = "\n".join(err.value.problems)
    assert len(err.value.problems) == 5, text
    assert "geo 'R0' is missing 1 period(s): date 2022-02-07" in text
    assert "geo 'R1' has duplicate (geo, date) rows: dates 2022-03-07" in text
    assert "geo 'R2': target column 'revenue' is constant" in text
    assert "geo 'R3': population column 'pop' is not constant" in text
    assert "'R4' 2022-01-17 to" in text and "--align intersect" in text


def test_align_intersect_keeps_shared_dates():
    df = long_frame(n_geos=3)
    df = df[~((df.region == "R2") & (df.week < "2022-01-17"))]
    with pytest.warns(DataWarning, match="different date ranges"):
        data = read(df, align="intersect")
    assert data.n_dates == 58 and data.dates[0] == pd.Timestamp("2022-01-17")


def test_channel_off_in_a_geo_is_a_warning():
    df = long_frame(n_geos=3)
    df.loc[df.region == "R1", "search"] = 0.0
    with pytest.warns(DataWarning, match=r"'search' never spends in geo\(s\) \['R1'\].*zero"):
        data = read(df)
    assert data.geo_spend[1, :, 1].sum() == 0


def test_geo_value_problems_name_rows_and_population_needs_geo():
    df = long_frame(n_geos=2)
    df.loc[3, "tv"] = -1.0
    with pytest.raises(DataValidationError, match="negative spend in row 3"):
        read(df)
    with pytest.raises(DataValidationError, match="without a geo column"):
        read(df.drop(columns="region"), geo=None, population="pop")
    with pytest.raises(DataValidationError, match="geo column 'area' is not in the table"):
        read(df, geo="area")


@pytest.mark.skipif(not MERIDIAN.exists(), reason="shared Meridian sample not present")
def test_meridian_geo_sample_reads():
    channels = [f"Channel{i}_spend" for i in range(5)]
    data = read_csv(
        MERIDIAN,
        geo="geo",
        date="time",
        target="conversions",
        channels=channels,
        controls=["competitor_sales_control", "sentiment_score_control"],
        population="population",
    )
    assert data.n_geos == 40 and data.n_dates == 156
    assert data.geo_spend.shape == (40, 156, 5)
    assert data.meta()["geo"]["column"] == "geo"
