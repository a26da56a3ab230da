"""Stage 4 for forecasts: lags known at forecast time, costed errors, the ladder."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from playbook import charter
from playbook.errors import DataError
from playbook.tasks import evaluation, forecast


def _daily(series=("a", "b"), days=140, seed=3):
    """Two SYNTHETIC daily series: a weekly season, a trend and a temperature driver."""
    rng = np.random.default_rng(seed)
    frames = []
    for number, name in enumerate(series):
        day = pd.date_range("2025-01-06", periods=days, freq="D")
        temperature = 15 + 10 * np.sin(np.arange(days) / 9) + rng.normal(0, 2, days)
        weekly = np.array([0.7, 1.0, 1.0, 1.1, 1.2, 1.5, 1.3])[day.day_of_week]
        level = (40 + 20 * number + 0.1 * np.arange(days)) * weekly
        demand = rng.poisson(np.clip(level + 2.5 * (temperature - 15), 1, None))
        frames.append(
            pd.DataFrame(
                {
                    "store": name,
                    "day": day.strftime("%Y-%m-%d"),
                    "temperature": temperature.round(1),
                    "units": demand,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def forecast_charter(write_charter):
    def edit(raw):
        raw["kpi"] = {
            "kind": "forecast",
            "name": "Cost of stock errors per week",
            "unit": "KRW",
            "period": "week",
            "over_cost_per_unit": 1000,
            "under_cost_per_unit": 3000,
            "error_metric": "wape",
            "season_length": 7,
            "horizon": 1,
            "min_lift": 5000,
            "confidence": 0.95,
            "bootstrap_resamples": 500,
        }
        raw["baseline"] = {
            "description": "same day last week",
            "today": "seasonal_naive",
        }
        raw["data"].update(
            target="units", time="day", series="store", id=None, fresh=None
        )
        raw["data"].pop("positive_label", None)
        raw["split"] = {"test_periods": 6}

    return charter.load(write_charter(edit))


def test_history_columns_hold_only_what_was_known_at_forecast_time(forecast_charter):
    frame = pd.DataFrame(
        {
            "store": ["a"] * 9 + ["b"] * 9,
            "day": list(pd.date_range("2025-01-01", periods=9).astype(str)) * 2,
            "units": list(range(1, 10)) + list(range(101, 110)),
        }
    ).sample(frac=1, random_state=0)
    enriched = forecast.add_history(frame, poc=forecast_charter)
    a = enriched[enriched["store"] == "a"].reset_index(drop=True)
    # Day 9 of store a (units 9): yesterday 8, a week before 2, mean of days 2-8 = 5.
    assert a.loc[
        8, ["units_lag_1", "units_seasonal_lag_7", "units_mean_7"]
    ].tolist() == [
        8.0,
        2.0,
        5.0,
    ]
    assert a.loc[:6, "units_seasonal_lag_7"].isna().all()
    b = enriched[enriched["store"] == "b"].reset_index(drop=True)
    assert b.loc[1, "units_lag_1"] == 101.0  # never store a's value


def test_a_horizon_past_the_season_reaches_back_two_seasons(forecast_charter):
    poc = dataclasses.replace(
        forecast_charter,
        kpi=dataclasses.replace(forecast_charter.kpi, horizon=9),
    )
    assert list(forecast.history_columns(poc)) == [
        "units_lag_9",
        "units_seasonal_lag_14",
        "units_mean_7",
    ]


def test_two_rows_for_one_series_and_time_are_refused(forecast_charter):
    frame = pd.DataFrame(
        {"store": ["a", "a"], "day": ["2025-01-01", "2025-01-01"], "units": [1, 2]}
    )
    with pytest.raises(DataError, match=r"repeat a time within a series.*data.series"):
        forecast.add_history(frame, poc=forecast_charter)


def test_a_time_column_that_is_not_dates_is_refused(forecast_charter):
    frame = pd.DataFrame({"store": ["a"], "day": ["soon"], "units": [1]})
    # The one time parser every stage reads the time column with says so.
    with pytest.raises(DataError, match=r"'day' is not in a layout.*'soon'"):
        forecast.add_history(frame, poc=forecast_charter)


def test_errors_are_costed_by_direction(forecast_charter):
    cost = forecast.error_cost(
        np.array([10.0, 10.0, 10.0]),
        np.array([12.0, 7.0, 10.0]),
        kpi=forecast_charter.kpi,
    )
    assert cost.tolist() == [2 * 1000, 3 * 3000, 0]


def test_mape_leaves_out_zero_actuals_and_wape_does_not():
    found = forecast.errors(np.array([0.0, 10.0]), np.array([5.0, 8.0]))
    assert found["wape"] == pytest.approx(7 / 10)
    assert found["mape"] == pytest.approx(0.2)
    assert found["bias"] == pytest.approx(1.5)


def test_forecast_ladder_costs_every_baseline_on_the_same_rows(forecast_charter):
    frame = _daily()
    result = evaluation.compare(frame, poc=forecast_charter, seed=7, tuning_seconds=0)
    rungs = {rung.name: rung for rung in result.ladder}
    assert set(rungs) == {
        "the model",
        "seasonal naive",
        "moving average",
        "last known value",
    }
    assert rungs["seasonal naive"].role == "today"
    report = result.kpi
    assert report.better == "lower"
    assert report.baseline == rungs["seasonal naive"].kpi
    assert report.lift == pytest.approx(report.baseline - report.model)
    assert len(report.test_periods) == 6
    # Costs per week recomputed from the scored rows match the report.
    weekly = -result.rows.groupby("period")["value_model"].sum()
    assert weekly.mean() == pytest.approx(report.model)
    assert result.experiment_inputs is None
    # The trend and the temperature are learnable: the model beats last week's copy.
    assert report.lift > 0 and rungs["the model"].metrics["wape"] < 0.2


def test_the_same_seed_gives_the_same_forecast_numbers(forecast_charter):
    frame = _daily(days=100)
    first = evaluation.compare(frame, poc=forecast_charter, seed=5, tuning_seconds=0)
    again = evaluation.compare(
        frame,
        poc=forecast_charter,
        seed=5,
        tuning_seconds=60,
        trials=len(first.candidates),
    )
    assert first.kpi == again.kpi


def test_later_rows_read_their_lags_from_the_data_before_them(forecast_charter):
    frame = _daily(days=70)
    earlier, later = (
        frame[frame["day"] < "2025-03-10"],
        frame[frame["day"] >= "2025-03-10"],
    )
    enriched = forecast.after_history(
        later, earlier=earlier, poc=forecast_charter, within=False
    )
    assert len(enriched) == len(later)
    assert (
        enriched[list(forecast.history_columns(forecast_charter))].notna().all().all()
    )


def test_scoring_a_forecast_reads_lags_from_the_history_passed_with_it(
    forecast_charter, tmp_path
):
    from playbook.serve import scoring
    from playbook.serve.saved_model import ModelBundle, _history

    frame = _daily(days=84)
    result = evaluation.compare(frame, poc=forecast_charter, seed=2, tuning_seconds=0)
    model = ModelBundle(
        pipeline=result.model,
        features=result.features,
        target="units",
        id_column=None,
        time_column="day",
        capacity_per_period=None,
        contract=tmp_path / "contract.yaml",
        card={},
        task="forecast",
        history=_history(forecast_charter),
    )
    history = frame[frame["day"] >= "2025-03-01"]
    tomorrow = history[history["day"] == history["day"].max()].assign(
        day="2025-03-31", units=np.nan
    )
    scores = scoring.score_frame(model, pd.concat([history, tomorrow]))
    assert len(scores) == len(history) + 2
    assert np.isfinite(scores["forecast"]).all()
    assert scoring.acted_on(scores, "forecast") == len(scores)


def test_a_gap_in_a_series_reads_the_same_day_a_season_before_not_the_day_before(
    forecast_charter,
):
    days = pd.date_range("2025-01-01", periods=20).astype(str)
    frame = pd.DataFrame({"store": "a", "day": days, "units": range(20)})
    closed = frame[~frame["day"].isin(days[8:11])]  # three days without a row
    enriched = forecast.add_history(closed, poc=forecast_charter).set_index("day")
    # Day 10 has no row: its history is day 3's (a week before), never day 7's.
    assert enriched.loc[days[11], "units_lag_1"] == 3.0
    assert enriched.loc[days[12], "units_lag_1"] == 11.0
    assert enriched.loc[days[14], "units_seasonal_lag_7"] == 7.0
    assert enriched.loc[days[15], "units_seasonal_lag_7"] == 1.0  # day 8 read day 1
    # Days 5 to 11 as known: 5, 6, 7, then 1, 2, 3 for the gap, then 11.
    assert enriched.loc[days[12], "units_mean_7"] == 5.0
    # Before a whole season is known, a gap has nothing to read.
    early = frame[frame["day"] != days[3]]
    lags = forecast.add_history(early, poc=forecast_charter).set_index("day")
    assert np.isnan(lags.loc[days[4], "units_lag_1"])


def test_a_horizon_of_one_season_gives_three_distinct_history_columns(forecast_charter):
    poc = dataclasses.replace(
        forecast_charter,
        kpi=dataclasses.replace(forecast_charter.kpi, horizon=7),
    )
    assert list(forecast.history_columns(poc)) == [
        "units_lag_7",
        "units_seasonal_lag_7",
        "units_mean_7",
    ]
    enriched = forecast.add_history(_daily(days=30), poc=poc)
    assert enriched["units_lag_7"].equals(enriched["units_seasonal_lag_7"])


def test_a_forecasts_fresh_batch_is_compared_with_the_same_months_of_training(
    forecast_charter, churn_charter
):
    from playbook.beyond import monitoring

    frame = _daily(series=("a", "b", "c", "d"), days=419)  # to 28 February 2026
    train = frame[frame["day"] < "2026-01-01"]
    winter = frame[frame["day"] >= "2026-01-01"]
    batch = monitoring.FreshBatch(winter, "winter", None, True)
    reference, name = monitoring.drift_reference(
        train, batch, poc=forecast_charter, periods=51
    )
    months = set(pd.to_datetime(reference["day"]).dt.month)
    assert months == set(pd.to_datetime(winter["day"]).dt.month) == {1, 2}
    assert name == "the training rows of the same months (Feb, Jan)"
    everything, name = monitoring.drift_reference(
        train, batch, poc=churn_charter, periods=51
    )
    assert len(everything) == len(train) and name == "the 51 training periods"


def test_a_last_week_the_data_covers_only_in_part_is_left_out(forecast_charter):
    frame = _daily(days=99)  # 14 whole weeks from a Monday, and one Monday more
    _, periods, split = forecast.prepare(frame, poc=forecast_charter, seed=1)
    assert periods.max() == "2025-04-07"  # the week of the 98th day, whole
    assert "the last week (2025-04-14, 1 of 7 time steps in the data) left out" in (
        split.description
    )
    whole = forecast.prepare(_daily(days=98), poc=forecast_charter, seed=1)[2]
    assert "left out" not in whole.description
