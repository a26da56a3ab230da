"""Stage 4 for a forecast: how many will we need, judged by what the errors cost.

Each row is one time step of one series (a store's item on a day, an hour of the day at
a bike station network). The model and the baselines forecast `horizon` steps ahead
from what is known by then; an over-forecast costs `over_cost_per_unit` per unit (stock
that sits), an under-forecast `under_cost_per_unit` (sales or rentals lost). The KPI is
that cost per period, lower is better; the lift is the cost the model saves against
today's forecast, with an interval over whole periods that allows for errors running
on from one day to the next (`bootstrap.over_blocks`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from playbook.charter import kpi_terms
from playbook.charter.model import Charter, Kpi
from playbook.errors import DataError
from playbook.tasks import bootstrap, holdout, models, tuning
from playbook.tasks.comparison import (
    BASELINE,
    CANDIDATE,
    MODEL_NAME,
    TODAY,
    Comparison,
    Rung,
    Scored,
)
from playbook.tasks.decision import decide_poc
from playbook.tasks.kpi import KpiReport, lift_report

BASELINE_NAMES = {
    "seasonal_naive": "seasonal naive",
    "moving_average": "moving average",
    "prior": "last known value",
}


def history_columns(poc: Charter) -> dict[str, str]:
    """The columns `add_history` writes, each with what it holds."""
    definition = poc.need("kpi")
    terms = kpi_terms.forecast(definition)
    return _history_columns(
        poc.data.target, horizon=terms.horizon, season=terms.season_length
    )


def _history_columns(target: str, *, horizon: int, season: int) -> dict[str, str]:
    return {
        f"{target}_lag_{horizon}": f"{target} {horizon} step(s) before",
        f"{target}_seasonal_lag_{_seasonal_lag(season, horizon)}": (
            f"{target} a whole number of seasons before"
        ),
        f"{target}_mean_{season}": f"mean {target} of the {season} steps known by then",
    }


def add_history(frame: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """The rows sorted by series and time, with the target's lags known by then.

    Raises:
        DataError: The charter names no time column, the time column does not parse
            as dates, or a series has two rows for the same time.
    """
    if not poc.data.time:
        raise DataError(
            f"{poc.source}: a forecast needs data.time (the date of each row). Name "
            "the time column in the charter."
        )
    terms = kpi_terms.forecast(poc.need("kpi"))
    return with_history(
        frame,
        target=poc.data.target,
        time=poc.data.time,
        series=poc.data.series,
        horizon=terms.horizon,
        season_length=terms.season_length,
    )


def with_history(
    frame: pd.DataFrame,
    *,
    target: str,
    time: str,
    series: str | None,
    horizon: int,
    season_length: int,
) -> pd.DataFrame:
    """`add_history` from explicit settings (what a saved model keeps of its charter).

    Lags count time steps of the data's own frequency (a day, an hour), within each
    series; a step the series lacks (a gap), a series' first steps, and steps whose
    target is missing (rows still to forecast) leave the lags that would read them
    missing.

    Raises:
        DataError: The time column does not parse as dates, or a series has two rows
            for the same time.
    """
    when = pd.to_datetime(frame[time], errors="coerce")
    if when.isna().any():
        bad = frame.loc[when.isna(), time].head(3).tolist()
        raise DataError(
            f"column {time!r} (data.time) holds values that are not dates, e.g. "
            f"{bad}. Fix the extract or name another time column."
        )
    keys = [series] if series else []
    duplicated = pd.DataFrame(
        {"when": when, **{k: frame[k] for k in keys}}
    ).duplicated()
    if duplicated.any():
        example = frame.loc[duplicated.to_numpy(), [*keys, time]].head(1)
        raise DataError(
            f"{int(duplicated.sum())} row(s) repeat a time within a series, e.g. "
            f"{example.to_dict('records')[0]}. A forecast needs one row per series "
            "and time: name the series column (data.series) or aggregate."
        )
    ordered = frame.assign(_when=when).sort_values([*keys, "_when"], kind="stable")
    # Rows still to forecast may come without the target column at all.
    values = pd.to_numeric(
        ordered[target] if target in ordered else pd.Series(np.nan, ordered.index),
        errors="coerce",
    )
    # Lags are taken on a complete time grid, one column per series, so that a gap in
    # a series (a store closed for a fortnight) leaves its lags missing rather than
    # reaching further back than the lag says.
    key = ordered[series].astype(str) if series else pd.Series("all", ordered.index)
    grid = _time_grid(ordered["_when"])
    wide = (
        pd.DataFrame({"when": ordered["_when"], "key": key, "value": values})
        .pivot(index="when", columns="key", values="value")
        .reindex(grid)
    )
    known = wide.shift(horizon)
    lags = {
        "lag": known,
        "seasonal": wide.shift(_seasonal_lag(season_length, horizon)),
        "mean": known.rolling(season_length, min_periods=season_length).mean(),
    }
    names = dict(
        zip(
            lags,
            _history_columns(target, horizon=horizon, season=season_length),
            strict=True,
        )
    )
    rows = pd.MultiIndex.from_arrays([ordered["_when"], key])
    return ordered.assign(
        **{
            names[name]: table.stack(future_stack=True).reindex(rows).to_numpy()
            for name, table in lags.items()
        }
    ).drop(columns="_when")


def _time_grid(when: pd.Series) -> pd.DatetimeIndex:
    """Every time step from the first to the last time seen.

    The step is the most common one between the data's times (an hour, a day, a week).
    """
    times = pd.DatetimeIndex(when.drop_duplicates().sort_values())
    if len(times) < 3:
        return times
    frequency = pd.Series(times[1:] - times[:-1]).mode().iloc[0]
    grid = pd.date_range(times[0], times[-1], freq=frequency)
    # An irregular calendar (month ends of uneven length) cannot be gridded by one
    # step: fall back to the times themselves, one step per time seen.
    return grid if times.isin(grid).all() else times


def after_history(
    rows: pd.DataFrame, *, earlier: pd.DataFrame, poc: Charter, within: bool
) -> pd.DataFrame:
    """`rows` with their lag columns read from the data before them.

    Args:
        rows: The rows to forecast (a later batch, or a slice of `earlier`).
        earlier: The data before them.
        poc: The charter.
        within: True when `rows` is a slice of `earlier` (same index), False when it
            comes after it.
    """
    if within:
        marked = earlier.assign(_later=earlier.index.isin(rows.index))
    else:
        marked = pd.concat(
            [earlier.assign(_later=False), rows.assign(_later=True)],
            ignore_index=True,
        )
    enriched = add_history(marked.reset_index(drop=True), poc=poc)
    return enriched[enriched["_later"]].drop(columns="_later")


def prepare(
    frame: pd.DataFrame, *, poc: Charter, seed: int
) -> tuple[pd.DataFrame, pd.Series, holdout.Holdout]:
    """The rows with their history, each row's KPI period, and the split by time.

    Rows without a full season of history can be neither learnt from nor judged, so
    they are left out, and so is a last period the data covers only in part (a week
    of which only Monday is in the extract): its cost is not a period's cost.

    Raises:
        DataError: No row has a full season of history, or too few periods.
    """
    enriched = add_history(frame, poc=poc).reset_index(drop=True)
    history = list(history_columns(poc))
    enriched = enriched[enriched[history].notna().all(axis=1)].reset_index(drop=True)
    if enriched.empty:
        raise DataError(
            f"{_where(poc)}: no row has {poc.need('kpi').season_length} earlier "
            "step(s) of history (kpi.season_length). Add earlier data or shorten the "
            "season."
        )
    periods = holdout.periods_of(enriched, poc=poc)
    enriched, periods, note = _without_partial_last_period(enriched, periods, poc=poc)
    split = holdout.split(enriched, poc=poc, seed=seed, periods=periods)
    if note:
        split = dataclasses.replace(split, description=f"{split.description}; {note}")
    return enriched, periods, split


def _without_partial_last_period(
    rows: pd.DataFrame, periods: pd.Series, *, poc: Charter
) -> tuple[pd.DataFrame, pd.Series, str]:
    """Drop the last period when it holds fewer time steps than a typical one."""
    steps = rows.groupby(periods.to_numpy())[poc.data.time].nunique().sort_index()
    if len(steps) < 3 or steps.iloc[-1] >= steps.median():
        return rows, periods, ""
    keep = (periods != steps.index[-1]).to_numpy()
    note = (
        f"the last {poc.need('kpi').period} ({steps.index[-1]}, {steps.iloc[-1]} of "
        f"{steps.median():.0f} time steps in the data) left out as incomplete"
    )
    return (
        rows[keep].reset_index(drop=True),
        periods[keep].reset_index(drop=True),
        note,
    )


def compare(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    seed: int,
    tuning_seconds: float,
    trials: int | None = None,
) -> Comparison:
    """Tune and fit the forecasting candidates and judge the best against the baselines.

    Raises:
        CharterError: The charter lacks the KPI or the baseline.
        DataError: The time column does not parse, or there is too little history to
            hold out the test periods.
    """
    definition = poc.need("kpi")
    poc.need("baseline")
    enriched, periods, split = prepare(frame, poc=poc, seed=seed)
    history = list(history_columns(poc))
    features = [
        *models.feature_columns(frame, poc=poc),
        *history,
    ]
    actual = enriched[poc.data.target].to_numpy(dtype=float)
    fit, check = holdout.validation(
        enriched, split, poc=poc, seed=seed, periods=periods
    )
    checked = enriched.iloc[check]
    check_periods = periods.iloc[check].to_numpy()

    def validate(pipeline: Pipeline) -> float:
        predicted = pipeline.predict(checked[features])
        cost = error_cost(actual[check], predicted, kpi=definition)
        return -float(cost.sum() / len(set(check_periods)))

    tuned = tuning.tune(
        models.REGRESSION_CANDIDATES,
        fit_rows=(enriched.iloc[fit][features], actual[fit]),
        validate=validate,
        seconds=tuning_seconds,
        seed=seed,
        trials=trials,
    )
    model = tuned.best_spec.build(tuned.best_params, seed).fit(
        enriched.iloc[split.train][features], actual[split.train]
    )
    scored = score(
        enriched.iloc[split.test], model=model, features=features, poc=poc, seed=seed
    )
    return Comparison(
        task="forecast",
        holdout=split,
        model=model,
        model_name=tuned.best_spec.name,
        features=features,
        kpi=scored.kpi,
        decision=decide_poc(scored.kpi, rule=definition.decision_rule),
        ladder=scored.ladder,
        candidates=tuned.tried,
        experiment_inputs=None,
        rows=scored.rows,
        test_frame=enriched.iloc[split.test],
        periods=periods.to_numpy(),
        validation=check,
    )


def score(
    rows: pd.DataFrame, *, model: Pipeline, features: list[str], poc: Charter, seed: int
) -> Scored:
    """Forecast labelled rows with the model and every baseline, and cost the errors.

    Rows that lack the history columns get them from their own earlier rows; rows left
    without a full season of history are not judged, nor is a last period the rows
    cover only in part.
    """
    definition = poc.need("kpi")
    plan = poc.need("baseline")
    history = list(history_columns(poc))
    if not set(history) <= set(rows.columns):
        rows = add_history(rows, poc=poc)
    rows = rows[rows[history].notna().all(axis=1)]
    if rows.empty:
        raise DataError(
            f"{_where(poc)}: no row to judge has {definition.season_length} earlier "
            "step(s) of history. Score a longer stretch of data."
        )
    rows, periods, _ = _without_partial_last_period(
        rows.reset_index(drop=True), holdout.periods_of(rows, poc=poc), poc=poc
    )
    periods = periods.to_numpy()
    actual = rows[poc.data.target].to_numpy(dtype=float)
    forecasts = {
        "model": model.predict(rows[features]),
        "seasonal_naive": rows[history[1]].to_numpy(dtype=float),
        "moving_average": rows[history[2]].to_numpy(dtype=float),
        "prior": rows[history[0]].to_numpy(dtype=float),
    }
    today = plan.today if plan.today in forecasts else "seasonal_naive"
    costs = {
        key: error_cost(actual, predicted, kpi=definition)
        for key, predicted in forecasts.items()
    }
    labels = sorted(set(periods))
    per_period = {
        key: np.array([cost[periods == label].sum() for label in labels])
        for key, cost in costs.items()
    }
    names = {"model": MODEL_NAME, **BASELINE_NAMES}
    saved = pd.DataFrame(
        {
            "when": pd.to_datetime(rows[poc.data.time]).to_numpy(),
            "period": periods,
            "saved": costs[today] - costs["model"],
        }
    )
    steps = saved.groupby("when", sort=True).agg(
        saved=("saved", "sum"), period=("period", "first")
    )
    report = _cost_report(
        per_period,
        labels,
        steps=(steps["saved"].to_numpy(), steps["period"].to_numpy()),
        today=today,
        baseline_name=names[today],
        test_rows=len(rows),
        kpi=definition,
        seed=seed,
    )
    ladder = [
        Rung(
            name=names[key],
            role=CANDIDATE if key == "model" else TODAY if key == today else BASELINE,
            kpi=float(per_period[key].mean()),
            chosen=key == "model",
            metrics=errors(actual, forecasts[key]),
        )
        for key in forecasts
    ]
    table = pd.DataFrame(
        {
            "id": rows[poc.data.id].to_numpy() if poc.data.id else rows.index,
            "period": periods,
            "actual": actual,
            "decision_model": forecasts["model"],
            "decision_today": forecasts[today],
            "value_model": -costs["model"],
            "value_today": -costs[today],
            "time": rows[poc.data.time].astype(str).to_numpy(),
            "series": rows[poc.data.series].astype(str).to_numpy()
            if poc.data.series
            else "all",
        }
    )
    return Scored(kpi=report, ladder=ladder, experiment_inputs=None, rows=table)


def _cost_report(
    per_period: dict[str, np.ndarray],
    labels: list[str],
    *,
    steps: tuple[np.ndarray, np.ndarray],
    today: str,
    baseline_name: str,
    test_rows: int,
    kpi: Kpi,
    seed: int,
) -> KpiReport:
    """The model's cost per period against today's, with an interval on the saving.

    Args:
        per_period: Each policy's cost in each test period, in the order of `labels`.
        labels: The test periods.
        steps: The cost the model saves on each time step, in time order, and each
            step's period: the interval allows for savings that run on from one step
            to the next (`bootstrap.over_blocks`).
        today: The key of today's forecast in `per_period`.
        baseline_name: Its name, for the reader.
        test_rows: How many rows were judged.
        kpi: The charter's KPI.
        seed: Seed of the simulation behind the interval.
    """
    saved, blocks = steps
    interval = bootstrap.over_blocks(
        saved,
        blocks=blocks,
        resamples=kpi.bootstrap_resamples,
        confidence=kpi.confidence,
        seed=seed,
        minimum=kpi.min_lift,
        period=kpi.period,
    )
    return lift_report(
        kpi,
        baseline_name=baseline_name,
        model=float(per_period["model"].mean()),
        baseline=float(per_period[today].mean()),
        interval=interval,
        test_rows=test_rows,
        per_period={
            label: {"model": float(m), "baseline": float(b)}
            for label, m, b in zip(
                labels, per_period["model"], per_period[today], strict=True
            )
        },
        better="lower",
    )


def error_cost(actual: np.ndarray, predicted: np.ndarray, *, kpi: Kpi) -> np.ndarray:
    """What each row's forecast error costs.

    Units forecast over the actual cost `over_cost_per_unit` each (stock that sits),
    units under it `under_cost_per_unit` (a sale or rental lost).
    """
    over = np.clip(predicted - actual, 0, None)
    under = np.clip(actual - predicted, 0, None)
    return over * kpi.over_cost_per_unit + under * kpi.under_cost_per_unit


def errors(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Forecast errors for the data scientist: WAPE, MAPE, MAE and bias.

    MAPE leaves out rows whose actual is zero (their percentage error is undefined);
    WAPE does not need to.
    """
    error = predicted - actual
    nonzero = actual != 0
    return {
        "wape": float(np.abs(error).sum() / np.abs(actual).sum())
        if np.abs(actual).sum()
        else float("nan"),
        "mape": float(np.mean(np.abs(error[nonzero]) / np.abs(actual[nonzero])))
        if nonzero.any()
        else float("nan"),
        "mae": float(np.abs(error).mean()),
        "bias": float(error.mean()),
    }


def _seasonal_lag(season: int, horizon: int) -> int:
    """The seasonal naive forecast's lag: whole seasons, at least the horizon.

    A forecast cannot use what is not known yet, so with a horizon longer than a
    season the forecast reaches back two seasons (or more).
    """
    return season * -(-horizon // season)


def _where(poc: Charter) -> str:
    return str(poc.data.path or poc.source)
