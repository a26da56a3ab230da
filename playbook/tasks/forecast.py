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
from playbook.data import calendar, time_column
from playbook.data.calendar import CalendarReport, PartialPeriod, PartialTreatment
from playbook.errors import CharterError, DataError
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
from playbook.tasks.decision_words import TASK_BASELINE_NAMES
from playbook.tasks.forecast_history import (
    MOVING_AVERAGE,
    PRIOR,
    SEASONAL,
    SEASONAL_HOLIDAYS,
    add_history,
    history_columns,
    history_roles,
    same_day_lags,
)
from playbook.tasks.forecast_history import after_history as after_history
from playbook.tasks.forecast_history import with_history as with_history
from playbook.tasks.kpi import KpiReport, lift_report
from playbook.tasks.split_words import CalendarNotes, IncompletePeriod

BASELINE_NAMES = TASK_BASELINE_NAMES["forecast"]
# Each test row's weight in its period's cost: a period missing some of its steps
# counts as a whole one when `data.partial_periods` is "weight".
_WEIGHT = "_period_weight"


def prepare(
    frame: pd.DataFrame, *, poc: Charter, seed: int
) -> tuple[pd.DataFrame, pd.Series, holdout.Holdout]:
    """The rows with their history, each row's KPI period, and the split by time.

    Steps missing from a series are added with the target 0 or left out, as
    `data.missing_steps` says. Rows without a full season of history can be neither
    learnt from nor judged, so they are left out, and so is a last period the
    calendar covers only in part (a week of which only Monday is in the extract): its
    cost is not a period's cost. A test period missing some steps is weighted to a
    whole period or dropped, as `data.partial_periods` says; the split's description
    says which.

    Raises:
        DataError: No row has a full season of history, or too few periods, or every
            test period is partial and the charter drops partial periods.
    """
    settings = poc.data.calendar
    missing, step = _missing_steps(frame, poc=poc)
    if settings.missing_steps == "zero":
        frame = with_missing_steps_as_zero(frame, poc=poc)
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
    enriched, periods, incomplete = _without_partial_last_period(
        enriched, periods, poc=poc
    )
    split = holdout.split(enriched, poc=poc, seed=seed, periods=periods)
    partial = [
        found
        for found in partial_periods(frame, poc=poc)
        if found.period in split.test_periods
    ]
    if settings.partial_periods == "drop" and partial:
        split = _without_partial_test_periods(split, periods, partial=partial, poc=poc)
    enriched[_WEIGHT] = _weights(periods, partial=partial, poc=poc)
    notes = CalendarNotes(
        period=poc.need("kpi").period,
        target=poc.data.target,
        step=step,
        missing_steps=missing,
        missing_handling=settings.missing_steps,
        partial=partial,
        partial_handling=settings.partial_periods,
        incomplete_last=incomplete,
    )
    return enriched, periods, split.noted(calendar=notes)


def with_missing_steps_as_zero(frame: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """The rows with a row added for each step a series lacks, its target 0.

    The added rows carry the series' other columns over from its step before (a
    store's format, an item's category), written in the time column's own layout.
    """
    time, target = str(poc.data.time), poc.data.target
    parsed = time_column.parse(frame, poc=poc)
    series = calendar.series_of(frame, poc=poc)
    missing = calendar.grid(parsed.when, series).missing
    if missing.empty:
        return frame
    pattern = parsed.layout.pattern
    written = (
        missing["when"]
        if pattern is None
        else missing["when"].dt.strftime(
            "%Y-%m-%dT%H:%M:%S" if pattern == "ISO8601" else pattern
        )
    )
    added = pd.DataFrame({time: written.to_numpy(), target: 0})
    if poc.data.series:
        added[poc.data.series] = missing["series"].to_numpy()
    order = pd.concat([parsed.when, missing["when"]], ignore_index=True)
    combined = pd.concat(
        [frame.assign(_added=False), added.assign(_added=True)], ignore_index=True
    ).assign(
        _order=order.to_numpy(),
        _series=pd.concat([series, missing["series"]]).to_numpy(),
    )
    combined = combined.sort_values(["_series", "_order"], kind="stable")
    carried = [c for c in frame.columns if c not in (time, target, poc.data.series)]
    filled = combined.groupby("_series")[carried].ffill()
    combined.loc[combined["_added"], carried] = filled.loc[combined["_added"]]
    return combined.drop(columns=["_added", "_order", "_series"]).reset_index(drop=True)


def partial_periods(rows: pd.DataFrame, *, poc: Charter) -> list[PartialPeriod]:
    """The KPI periods missing steps leave partial, from the series' grids of `rows`."""
    found = calendar.grid(
        time_column.parse(rows, poc=poc).when, calendar.series_of(rows, poc=poc)
    )
    labels = calendar.period_labels(found.cells["when"], period=poc.need("kpi").period)
    return calendar.partial_periods(found, labels)


def calendar_report(
    frame: pd.DataFrame, split: holdout.Holdout, *, poc: Charter
) -> CalendarReport:
    """Stage 4's view of the calendar: the data's gaps, and the partial test periods.

    A test period without a single row is among them (none of its steps present).
    """
    report = calendar.describe(
        frame, poc=poc, when=time_column.parse(frame, poc=poc).when
    )
    window = {*split.test_periods, *split.missing_periods}
    return dataclasses.replace(
        report,
        partial_periods=[
            found for found in report.partial_periods if found.period in window
        ],
    )


def _weights(
    periods: pd.Series, *, partial: list[PartialPeriod], poc: Charter
) -> np.ndarray:
    """Each row's weight: a partial period's rows scaled to a whole period."""
    if poc.data.calendar.partial_periods != "weight":
        return np.ones(len(periods))
    scale = {p.period: p.expected / p.steps for p in partial if p.steps}
    return periods.map(scale).fillna(1.0).to_numpy(dtype=float)


def _partial_treated(
    rows: pd.DataFrame, periods: pd.Series, *, poc: Charter
) -> tuple[pd.DataFrame, pd.Series, PartialTreatment | None]:
    """Rows scored after stage 4, their partial periods dropped or kept to weight.

    Stage 4 treats its test periods when it splits (`prepare`); a later batch is
    treated here, by the same charter choice (`data.partial_periods`).

    Raises:
        DataError: Every period of the rows is partial and the charter drops them.
    """
    treatment = calendar.partial_treatment(
        time_column.parse(rows, poc=poc).when,
        series=calendar.series_of(rows, poc=poc),
        poc=poc,
    )
    if treatment is None or treatment.handling != "drop":
        return rows, periods, treatment
    keep = ~periods.isin({p.period for p in treatment.periods}).to_numpy()
    if not keep.any():
        raise DataError(
            f"{_where(poc)}: every {poc.need('kpi').period} of the rows scored misses "
            "some steps, and data.partial_periods: drop leaves them all out. Fill the "
            "missing steps, score a longer stretch, or set data.partial_periods: "
            "weight."
        )
    return (*_kept(rows, periods, keep=keep), treatment)


def _without_partial_test_periods(
    split: holdout.Holdout,
    periods: pd.Series,
    *,
    partial: list[PartialPeriod],
    poc: Charter,
) -> holdout.Holdout:
    """The split with the partial test periods left out of the test."""
    dropped = {found.period for found in partial}
    kept = [label for label in split.test_periods if label not in dropped]
    if not kept:
        raise DataError(
            f"{_where(poc)}: every test {poc.need('kpi').period} misses some steps, "
            "and data.partial_periods: drop leaves them all out. Fill the missing "
            "steps, set data.partial_periods: weight, or hold out more periods "
            "(split.test_periods)."
        )
    test = split.test[periods.iloc[split.test].isin(kept).to_numpy()]
    return dataclasses.replace(split, test=test, test_periods=kept)


def _missing_steps(frame: pd.DataFrame, *, poc: Charter) -> tuple[int, str | None]:
    """How many steps the series lack, and the grid's step for the split's notes."""
    found = calendar.grid(
        time_column.parse(frame, poc=poc).when, calendar.series_of(frame, poc=poc)
    )
    return len(found.missing), calendar.step_name(found.step)


def _without_partial_last_period(
    rows: pd.DataFrame, periods: pd.Series, *, poc: Charter
) -> tuple[pd.DataFrame, pd.Series, IncompletePeriod | None]:
    """Drop the last period when the calendar covers fewer of its steps than usual.

    The steps counted are the grid's (missing ones included): a day missing from the
    last week does not make it incomplete; the extract ending on its Monday does.
    """
    when = time_column.parse(rows, poc=poc).when
    times = pd.DatetimeIndex(when.drop_duplicates().sort_values())
    step = calendar.grid(pd.Series(times), pd.Series("all", range(len(times)))).step
    if step is not None:
        times = pd.date_range(times[0], times[-1], freq=step)
    labels = calendar.period_labels(pd.Series(times), period=poc.need("kpi").period)
    steps = labels.value_counts().sort_index()
    if len(steps) < 3 or steps.iloc[-1] >= steps.median():
        return rows, periods, None
    keep = (periods != steps.index[-1]).to_numpy()
    left_out = IncompletePeriod(
        label=str(steps.index[-1]),
        steps=int(steps.iloc[-1]),
        usual=float(steps.median()),
    )
    return (*_kept(rows, periods, keep=keep), left_out)


def _kept(
    rows: pd.DataFrame, periods: pd.Series, *, keep: np.ndarray
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows and their periods where `keep` is True, numbered afresh."""
    return rows[keep].reset_index(drop=True), periods[keep].reset_index(drop=True)


def compare(
    frame: pd.DataFrame, *, poc: Charter, seed: int, budget: tuning.Budget
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
    features = feature_columns(frame, enriched, poc=poc)
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
        budget=budget,
        seed=seed,
    )
    model = tuned.best_spec.build(tuned.best_params, seed).fit(
        enriched.iloc[split.train][features], actual[split.train]
    )
    judged = _judged(enriched.iloc[split.test], poc=poc)
    scored = score(judged, model=model, features=features, poc=poc, seed=seed)
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
        test_frame=judged,
        periods=periods.to_numpy(),
        validation=check,
        calendar=calendar_report(frame, split, poc=poc),
    )


def feature_columns(
    frame: pd.DataFrame, enriched: pd.DataFrame, *, poc: Charter
) -> list[str]:
    """The model's features: the data's own, the history, the calendar, lagged ones.

    Columns observed on the day (`data.observed_same_day`) are read only lagged by
    the horizon (`playbook.tasks.models.excluded_columns` keeps their raw values out).
    """
    horizon = kpi_terms.forecast(poc.need("kpi")).horizon
    added = [
        *history_columns(poc),
        *calendar.feature_names(
            str(poc.data.time),
            step=pd.Timedelta(days=1),
            country=poc.data.calendar.country,
        ),
        *same_day_lags(poc.data.calendar.observed_same_day, horizon=horizon).values(),
    ]
    return [
        *models.feature_columns(frame, poc=poc),
        *(column for column in added if column in enriched.columns),
    ]


def _judged(rows: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """The rows a forecast can be judged on.

    They have a full season of history and lie outside a last period the calendar
    covers only in part.
    """
    history = list(history_columns(poc))
    if not set(history) <= set(rows.columns):
        rows = add_history(rows, poc=poc)
    rows = rows[rows[history].notna().all(axis=1)]
    if rows.empty:
        raise DataError(
            f"{_where(poc)}: no row to judge has {poc.need('kpi').season_length} "
            "earlier step(s) of history. Score a longer stretch of data."
        )
    rows = rows.reset_index(drop=True)
    return _without_partial_last_period(
        rows, holdout.periods_of(rows, poc=poc), poc=poc
    )[0]


# Over 80 lines: the model and every baseline are costed on the same judged rows in
# one pass, so that the ladder's figures cannot come from different rows.
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
    rows = _judged(rows, poc=poc)
    periods = holdout.periods_of(rows, poc=poc)
    treatment = None
    if _WEIGHT in rows:
        weights = rows[_WEIGHT].to_numpy(dtype=float)
    else:
        rows, periods, treatment = _partial_treated(rows, periods, poc=poc)
        partial = treatment.periods if treatment else []
        weights = _weights(periods, partial=partial, poc=poc)
    periods = periods.to_numpy()
    actual = rows[poc.data.target].to_numpy(dtype=float)
    terms = kpi_terms.forecast(definition)
    roles = history_roles(
        poc.data.target,
        horizon=terms.horizon,
        season=terms.season_length,
        country=poc.data.calendar.country,
    )
    # The ladder's order: the model, the plain baselines as before, then the
    # holiday-aware one when the charter names a country.
    order = [SEASONAL, MOVING_AVERAGE, PRIOR, SEASONAL_HOLIDAYS]
    forecasts = {
        "model": model.predict(rows[features]),
        **{
            role: rows[roles[role]].to_numpy(dtype=float)
            for role in order
            if role in roles
        },
    }
    if plan.today == SEASONAL_HOLIDAYS and SEASONAL_HOLIDAYS not in forecasts:
        raise CharterError(
            f"{poc.source}: baseline.today is seasonal_naive_holidays, but the "
            "charter names no country whose holidays to set aside. Set data.country "
            "(e.g. US, KR) or choose baseline.today: seasonal_naive."
        )
    today = plan.today if plan.today in forecasts else SEASONAL
    # A partial period's steps weigh more, so that its cost is a whole period's.
    costs = {
        key: error_cost(actual, predicted, kpi=definition) * weights
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
            "when": time_column.parse(rows, poc=poc).when.to_numpy(),
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
        partial=treatment,
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


def saving_interval(
    saved: np.ndarray, blocks: np.ndarray, *, kpi: Kpi, seed: int
) -> bootstrap.LiftInterval:
    """The interval on a forecast's saving per KPI period, as stage 4 builds it.

    Args:
        saved: The cost the model saves on each time step, in time order.
        blocks: Each step's KPI period.
        kpi: The charter's KPI: its resamples, confidence, minimum lift and period.
        seed: Seed of the simulation behind the interval (`bootstrap.over_blocks`).
    """
    return bootstrap.over_blocks(
        saved,
        blocks=blocks,
        resamples=kpi.bootstrap_resamples,
        confidence=kpi.confidence,
        seed=seed,
        minimum=kpi.min_lift,
        period=kpi.period,
    )


def _cost_report(
    per_period: dict[str, np.ndarray],
    labels: list[str],
    *,
    partial: PartialTreatment | None,
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
        partial: The partial periods of rows scored after stage 4, and what was
            done with them.
        today: The key of today's forecast in `per_period`.
        baseline_name: Its name, for the reader.
        test_rows: How many rows were judged.
        kpi: The charter's KPI.
        seed: Seed of the simulation behind the interval.
    """
    interval = saving_interval(*steps, kpi=kpi, seed=seed)
    report = lift_report(
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
    return dataclasses.replace(report, partial=partial)


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


def _where(poc: Charter) -> str:
    return str(poc.data.path or poc.source)
