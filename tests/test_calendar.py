"""Forecasts on real calendars: days deleted from real daily counts, holidays, weather.

The data is the 731 days of UCI Bike Sharing (`tests/fixtures/README.md`), with days
deleted as real extracts lose them. Each test calls what stage 3
(`strategy_stage.build`) and stage 4 (`forecast.prepare`, `forecast.score`,
`poc_stage.build`) call.
"""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.dummy import DummyRegressor
from sklearn.pipeline import make_pipeline
from tiny import save_model

from playbook import charter
from playbook.beyond import monitoring
from playbook.core import journey
from playbook.data import calendar, strategy_stage
from playbook.data.strategy_stage import DataStrategyEvidence
from playbook.errors import CharterError
from playbook.report import beyond_sections, display
from playbook.tasks import forecast, models, poc_stage, tuning

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIKES = pd.read_csv(FIXTURES / "bike_sharing_daily.csv")
CONTRACT = """suite: bike_daily
expectations:
  - type: expect_column_to_exist
    column: riders
"""
# The latest eight whole weeks of the data (it ends on Monday 2012-12-31).
TEST_WEEKS = [str(d.date()) for d in pd.date_range("2012-11-05", periods=8, freq="7D")]
DELETED = ["2012-11-20", "2012-12-27", "2012-12-28"]


@pytest.fixture
def bikes(tmp_path):
    """Write the bike charter (edited), its data and a small contract; load it."""

    def make(frame: pd.DataFrame | None = None, *, today=None, **data_fields):
        raw = yaml.safe_load((FIXTURES / "bike_daily_charter.yaml").read_text())
        raw["data"].update(data_fields)
        if today:
            raw["baseline"]["today"] = today
        path = tmp_path / "charter.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        (tmp_path / "bike_daily.checks.yaml").write_text(CONTRACT)
        (BIKES if frame is None else frame).to_csv(
            tmp_path / "bike_sharing_daily.csv", index=False
        )
        return charter.load(path)

    return make


def _without(days: list[str]) -> pd.DataFrame:
    return BIKES[~BIKES["day"].isin(days)].reset_index(drop=True)


def _stage_3(poc):
    return strategy_stage.build(
        poc, path=None, seed=1, excluded_columns=models.excluded_columns
    )


def test_deleted_days_are_named_in_stage_3_and_leave_stage_4s_test_window(
    bikes, tmp_path
):
    frame = _without(DELETED)
    poc = bikes(frame, observed_same_day=["temp", "hum", "windspeed", "weathersit"])
    found = _stage_3(poc)
    report = found.evidence.calendar
    assert report is not None
    assert (report.missing_steps, report.expected_steps) == (3, 731)
    assert [(r.first, r.last, r.steps) for r in report.missing] == [
        ("2012-11-20", "2012-11-20", 1),
        ("2012-12-27", "2012-12-28", 2),
    ]
    assert [(p.period, p.steps, p.expected) for p in report.partial_periods] == [
        ("2012-11-19", 6, 7),
        ("2012-12-24", 5, 7),
    ]
    said = " ".join(found.outcome.reasons)
    assert "3 of 731 days are missing" in said
    assert "2012-12-27 to 2012-12-28 (2 days)" in said
    # The evidence is saved and read back as its type, the calendar with it.
    journey.save(tmp_path, found.outcome)
    loaded = journey.load(tmp_path, strategy_stage.STAGE, DataStrategyEvidence)
    assert loaded.evidence.calendar == report

    # Stage 4, whole: no crash, the same eight test weeks as the complete data's.
    stage = poc_stage.build(frame, poc=poc, seed=1, tuning_seconds=1, trials=1)
    split = stage.comparison.holdout
    assert split.test_periods == TEST_WEEKS
    assert sorted(stage.evidence.kpi.per_period) == TEST_WEEKS
    assert len(stage.comparison.test_frame) == len(stage.comparison.rows)
    judged = set(stage.comparison.rows["time"])
    # Every day of the test weeks the data has is judged, the days after a gap too.
    assert judged == set(
        frame.loc[frame["day"].between("2012-11-05", "2012-12-30"), "day"]
    )
    assert stage.evidence.calendar is not None
    assert stage.evidence.calendar.missing_steps == 3


@pytest.mark.parametrize(
    ("choice", "said"),
    [("weight", "weighted to a whole week"), ("drop", "dropped from the KPI")],
    ids=["weight", "drop"],
)
def test_a_partial_week_is_weighted_or_dropped_as_the_split_says(bikes, choice, said):
    frame = _without(["2012-11-20"])
    poc = bikes(frame, partial_periods=choice)
    enriched, _, split = forecast.prepare(frame, poc=poc, seed=1)
    assert f"{said}: 2012-11-19 (6 of 7 steps)" in split.description
    features = forecast.feature_columns(frame, enriched, poc=poc)
    test = enriched.iloc[split.test]
    model = make_pipeline(DummyRegressor()).fit(enriched[features], enriched["riders"])
    kpi = forecast.score(test, model=model, features=features, poc=poc, seed=1).kpi
    week = test[test["day"].between("2012-11-19", "2012-11-25")]
    if choice == "drop":
        assert week.empty and "2012-11-19" not in kpi.per_period
        assert split.test_periods == [w for w in TEST_WEEKS if w != "2012-11-19"]
        return
    assert len(week) == 6
    cost = _cost(week, "riders", "riders_seasonal_lag_7", poc=poc)
    # Six days' cost scaled to seven, like a whole week's; whole weeks unscaled.
    assert kpi.per_period["2012-11-19"]["baseline"] == pytest.approx(cost * 7 / 6)
    whole = test[test["day"].between("2012-11-26", "2012-12-02")]
    whole_cost = _cost(whole, "riders", "riders_seasonal_lag_7", poc=poc)
    assert kpi.per_period["2012-11-26"]["baseline"] == pytest.approx(whole_cost)


def _cost(rows: pd.DataFrame, actual: str, planned: str, *, poc) -> float:
    """What the errors of the forecast in column `planned` cost on `rows`."""
    return forecast.error_cost(
        rows[actual].to_numpy(float), rows[planned].to_numpy(float), kpi=poc.kpi
    ).sum()


@pytest.mark.parametrize("choice", ["weight", "drop"])
def test_a_whole_missing_test_week_is_reported_missing_and_keeps_the_window(
    bikes, choice
):
    frame = BIKES[~BIKES["day"].between("2012-11-19", "2012-11-25")]
    frame = frame.reset_index(drop=True)
    poc = bikes(frame, partial_periods=choice)
    enriched, _, split = forecast.prepare(frame, poc=poc, seed=1)
    # The window is still the calendar's latest eight weeks: no earlier week
    # (2012-10-29) stands in for the missing one, which is named as missing.
    assert split.test_periods == [w for w in TEST_WEEKS if w != "2012-11-19"]
    assert split.missing_periods == ["2012-11-19"]
    assert split.train_periods[-1] == "2012-10-29"
    assert "tested on the latest 8 period(s), 2012-11-05 to 2012-12-24" in (
        split.description
    )
    assert "reported missing and not judged: 2012-11-19" in split.description
    assert "weighted" not in split.description and "dropped" not in split.description
    features = forecast.feature_columns(frame, enriched, poc=poc)
    model = make_pipeline(DummyRegressor()).fit(enriched[features], enriched["riders"])
    test = enriched.iloc[split.test]
    kpi = forecast.score(test, model=model, features=features, poc=poc, seed=1).kpi
    assert sorted(kpi.per_period) == split.test_periods
    # Stage 4's calendar names the empty week; stage 3's words say it is missing.
    report = forecast.calendar_report(frame, split, poc=poc)
    assert [(p.period, p.steps, p.expected) for p in report.partial_periods] == [
        ("2012-11-19", 0, 7)
    ]
    said = " ".join(calendar.sentences(report))
    assert "1 week(s) have no row at all, 2012-11-19: they are reported missing" in said
    assert "partial" not in said


@pytest.mark.parametrize(
    ("choice", "treated"),
    [
        ("weight", "weighted: each one's cost scaled to a whole week"),
        ("drop", "left out of the KPI (data.partial_periods: drop)"),
    ],
    ids=["weight", "drop"],
)
def test_stage_5_weights_or_drops_a_partial_fresh_week_and_its_page_says_which(
    bikes, tmp_path, monkeypatch, choice, treated
):
    earlier = BIKES[BIKES["day"] < "2012-11-05"].reset_index(drop=True)
    fresh = BIKES[BIKES["day"].between("2012-11-05", "2012-12-30")]
    fresh[fresh["day"] != "2012-11-20"].to_csv(tmp_path / "fresh.csv", index=False)
    poc = bikes(earlier, partial_periods=choice, fresh="fresh.csv")
    result = forecast.compare(
        earlier, poc=poc, seed=1, budget=tuning.Budget(seconds=1, trials=1)
    )
    enriched = forecast.prepare(earlier, poc=poc, seed=1)[0]
    run = save_model(
        poc, enriched, result, folder=tmp_path, seed=1, repeats=1, single_rows=1
    )
    scored = monitoring.score_fresh(
        monitoring.fresh_batch(poc), out_dir=run, poc=poc, seed=1, earlier=earlier
    )
    kpi = scored.kpi
    assert kpi is not None and scored.rows is not None
    week = scored.rows[scored.rows["period"] == "2012-11-19"]
    if choice == "drop":
        assert week.empty and "2012-11-19" not in kpi.per_period
        assert len(kpi.per_period) == 7
    else:
        assert len(week) == 6
        cost = _cost(week, "actual", "decision_today", poc=poc)
        assert kpi.per_period["2012-11-19"]["baseline"] == pytest.approx(cost * 7 / 6)
    assert kpi.partial is not None and kpi.partial.handling == choice
    assert [(p.period, p.steps, p.expected) for p in kpi.partial.periods] == [
        ("2012-11-19", 6, 7)
    ]
    # Stage 5's evidence keeps it: saved and read back as its type.
    back = journey.from_jsonable(type(kpi), journey.to_jsonable(kpi))
    assert back.partial == kpi.partial
    shown = []
    monkeypatch.setattr(display, "figures", lambda items: None)
    monkeypatch.setattr(display, "bullets", lambda title, items: shown.extend(items))
    evidence = SimpleNamespace(fresh_batch=True, fresh_kpi=kpi)
    beyond_sections.lift_on_fresh(
        SimpleNamespace(
            outcome=SimpleNamespace(evidence=evidence), poc_kpi=None, scored=scored
        )
    )
    assert shown == [
        f"1 week(s) are partial, 2012-11-19 (6 of 7 days); they are {treated}"
        + ("." if choice == "drop" else " (data.partial_periods: weight).")
    ]


def test_missing_days_filled_with_zero_are_judged_as_days_without_riders(bikes):
    frame = _without(["2012-11-20"])
    poc = bikes(frame, missing_steps="zero")
    enriched, _, split = forecast.prepare(frame, poc=poc, seed=1)
    added = enriched[enriched["day"] == "2012-11-20"]
    assert added["riders"].tolist() == [0]
    assert "1 missing day(s) added with riders 0" in split.description
    assert "partial" not in split.description


def test_holidays_are_a_feature_and_the_aware_naive_copies_none_into_next_week(bikes):
    poc = bikes(country="US-DC", today="seasonal_naive_holidays")
    enriched = forecast.add_history(BIKES, poc=poc).set_index("day")
    riders = BIKES.set_index("day")["riders"]
    assert enriched.loc["2012-07-04", "day_holiday"] == 1  # Independence Day
    assert enriched.loc["2012-07-05", "day_holiday"] == 0
    assert enriched.loc["2012-07-04", "day_day_of_week"] == 2  # a Wednesday
    aware = "riders_seasonal_lag_7_holidays_aside"
    # The Wednesday after: plain seasonal naive copies the holiday, the aware one
    # reads the Wednesday before it.
    assert enriched.loc["2012-07-11", "riders_seasonal_lag_7"] == riders["2012-07-04"]
    assert enriched.loc["2012-07-11", aware] == riders["2012-06-27"]
    # Labor Day reads the latest holiday known (Independence Day), not a Monday.
    assert enriched.loc["2012-09-03", aware] == riders["2012-07-04"]
    assert enriched.loc["2012-09-04", aware] == riders["2012-08-28"]
    features = forecast.feature_columns(BIKES, enriched.reset_index(), poc=poc)
    assert {"day_holiday", "day_day_of_week", "day_month"} <= set(features)


def test_the_aware_naive_as_today_without_a_country_says_to_set_one(bikes):
    poc = bikes(today="seasonal_naive_holidays")
    enriched, _, split = forecast.prepare(BIKES, poc=poc, seed=1)
    features = forecast.feature_columns(BIKES, enriched, poc=poc)
    model = make_pipeline(DummyRegressor()).fit(enriched[features], enriched["riders"])
    with pytest.raises(CharterError, match=r"data.country"):
        forecast.score(
            enriched.iloc[split.test], model=model, features=features, poc=poc, seed=1
        )


def test_weather_observed_on_the_day_is_lagged_or_warned_about(bikes):
    warned = _stage_3(bikes())
    report = warned.evidence.calendar
    assert report is not None
    assert report.unlagged_suspects == ["temp", "hum", "windspeed", "weathersit"]
    assert any(
        "Warning: temp, hum, windspeed, weathersit" in reason
        for reason in warned.outcome.reasons
    )

    poc = bikes(observed_same_day=["temp", "hum"], known_ahead=["windspeed"])
    quiet = _stage_3(poc).evidence.calendar
    assert quiet is not None and quiet.unlagged_suspects == ["weathersit"]
    assert quiet.lagged_same_day == ["temp", "hum"]
    enriched = forecast.add_history(BIKES, poc=poc)
    features = forecast.feature_columns(BIKES, enriched, poc=poc)
    assert "temp" not in features and "hum" not in features
    assert {"temp_lag_1", "hum_lag_1", "windspeed"} <= set(features)
    by_day = enriched.set_index("day")
    temp = BIKES.set_index("day")["temp"]
    assert by_day.loc["2012-07-05", "temp_lag_1"] == temp["2012-07-04"]
    assert np.isnan(by_day.loc["2011-01-01", "temp_lag_1"])
