"""What a forecast knows when it is made: lags on each series' complete calendar.

Each series is laid on its complete grid of steps (`playbook.data.calendar`). A step
the data lacks is not read as if the series went straight on: the history that would
read it takes the same step a season before (the latest value known for that day of
the week), so one missing day no longer leaves a week of rows without lags. The
rows also get calendar features (month, day of week, the charter's country's public
holidays) and the columns observed on the day (`data.observed_same_day`) lagged by
the horizon, the latest value known when the forecast is made.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from playbook.charter import kpi_terms
from playbook.charter.model import Charter
from playbook.data import calendar, time_column
from playbook.errors import DataError

# Seasons the holiday-aware seasonal naive reaches back for a same step that was not
# a holiday (a holiday a week ago: two weeks ago; two in a row: three weeks ago).
_HOLIDAY_SEASONS = 4
# Which history column each forecast baseline reads.
PRIOR, SEASONAL, MOVING_AVERAGE, SEASONAL_HOLIDAYS = (
    "prior",
    "seasonal_naive",
    "moving_average",
    "seasonal_naive_holidays",
)


def history_roles(
    target: str, *, horizon: int, season: int, country: str | None
) -> dict[str, str]:
    """Each baseline's history column: `prior`, `seasonal_naive`, ... to its name.

    The holiday-aware seasonal naive exists only with a country's holidays.
    """
    lag = _seasonal_lag(season, horizon)
    roles = {
        PRIOR: f"{target}_lag_{horizon}",
        SEASONAL: f"{target}_seasonal_lag_{lag}",
        MOVING_AVERAGE: f"{target}_mean_{season}",
    }
    if country:
        roles[SEASONAL_HOLIDAYS] = f"{target}_seasonal_lag_{lag}_holidays_aside"
    return roles


def history_columns(poc: Charter) -> dict[str, str]:
    """The history columns `add_history` writes, each with what it holds."""
    terms = kpi_terms.forecast(poc.need("kpi"))
    target, horizon, season = poc.data.target, terms.horizon, terms.season_length
    roles = history_roles(
        target, horizon=horizon, season=season, country=poc.data.calendar.country
    )
    said = {
        PRIOR: f"{target} {horizon} step(s) before",
        SEASONAL: f"{target} a whole number of seasons before",
        MOVING_AVERAGE: f"mean {target} of the {season} steps known by then",
        SEASONAL_HOLIDAYS: (
            f"{target} a whole number of seasons before, holidays aside (a holiday: "
            "the latest holiday known)"
        ),
    }
    return {column: said[role] for role, column in roles.items()}


def same_day_lags(columns: Sequence[str], *, horizon: int) -> dict[str, str]:
    """Each column observed on the day to the name of its lag by the horizon."""
    return {column: f"{column}_lag_{horizon}" for column in columns}


def add_history(frame: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """The rows sorted by series and time, with their lags and calendar features.

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
        time_format=poc.data.time_format,
        country=poc.data.calendar.country,
        observed_same_day=poc.data.calendar.observed_same_day,
        where=time_column.data_source(poc),
    )


# Over 80 lines with its docstring: grid, gap reading, lags, same-day columns and
# calendar features must be built in this order on the same grid.
def with_history(
    frame: pd.DataFrame,
    *,
    target: str,
    time: str,
    series: str | None,
    horizon: int,
    season_length: int,
    time_format: str | None = None,
    country: str | None = None,
    observed_same_day: Sequence[str] = (),
    where: str = "the rows to forecast",
) -> pd.DataFrame:
    """`add_history` from explicit settings (what a saved model keeps of its charter).

    Lags count steps of the data's own frequency (a day, an hour), within each series;
    a step the series lacks reads the same step a season before; a series' first steps
    and steps whose target is missing (rows still to forecast) leave the lags that
    would read them missing. The settings after `season_length` default to what a
    model saved before they existed used.

    Raises:
        DataError: The time column does not parse as dates, or a series has two rows
            for the same time.
    """
    when = time_column.parse_column(
        frame[time], column=time, time_format=time_format, where=where
    ).when
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
    key = ordered[series].astype(str) if series else pd.Series("all", ordered.index)
    found = calendar.grid(ordered["_when"], key)
    times = pd.DatetimeIndex(found.cells["when"].drop_duplicates().sort_values())
    if found.step is not None:
        times = pd.date_range(times[0], times[-1], freq=found.step)
    wide = _wide(ordered["_when"], key, values, times=times)
    gaps = (
        found.missing.assign(gap=True)
        .pivot(index="when", columns="series", values="gap")
        .reindex(index=times, columns=wide.columns)
        .notna()
    )
    history = _gaps_read_a_season_before(wide, gaps, season=season_length)
    known = history.shift(horizon)
    lag = _seasonal_lag(season_length, horizon)
    tables = {
        PRIOR: known,
        SEASONAL: history.shift(lag),
        MOVING_AVERAGE: known.rolling(season_length, min_periods=season_length).mean(),
    }
    flags = calendar.holiday_flags(times, country=country)
    if country:
        tables[SEASONAL_HOLIDAYS] = _holidays_aside(
            history, flags, season=season_length, horizon=horizon
        )
    for column, lagged in same_day_lags(observed_same_day, horizon=horizon).items():
        tables[lagged] = _wide(
            ordered["_when"], key, ordered[column], times=times
        ).shift(horizon)
    names = history_roles(
        target, horizon=horizon, season=season_length, country=country
    )
    rows = pd.MultiIndex.from_arrays([ordered["_when"], key])
    columns = {
        names.get(name, name): table.stack(future_stack=True).reindex(rows).to_numpy()
        for name, table in tables.items()
    }
    features = calendar.features(
        ordered["_when"], time=time, step=found.step, country=country
    )
    return ordered.assign(**columns, **features).drop(columns="_when")


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


def _wide(
    when: pd.Series, key: pd.Series, values: pd.Series, *, times: pd.DatetimeIndex
) -> pd.DataFrame:
    """One column per series, one row per step of the grid (NaN where no row)."""
    return (
        pd.DataFrame({"when": when, "key": key, "value": values})
        .pivot(index="when", columns="key", values="value")
        .reindex(times)
    )


def _gaps_read_a_season_before(
    wide: pd.DataFrame, gaps: pd.DataFrame, *, season: int
) -> pd.DataFrame:
    """The history with each missing step read from the same step a season before.

    A gap longer than a season reads two seasons back, and so on; a gap before any
    season is known stays missing.
    """
    history = wide
    for _ in range(max(len(wide) // season, 1)):
        open_gaps = gaps & history.isna()
        if not open_gaps.to_numpy().any():
            break
        filled = history.mask(open_gaps, history.shift(season))
        if filled.isna().sum().sum() == history.isna().sum().sum():
            break
        history = filled
    return history


def _holidays_aside(
    history: pd.DataFrame, flags: np.ndarray, *, season: int, horizon: int
) -> pd.DataFrame:
    """The seasonal naive forecast that copies no holiday into an ordinary day.

    An ordinary day reads the latest same step of an earlier season that was not a
    holiday; a holiday reads the latest holiday known by then. Where neither is known,
    the plain seasonal naive forecast.
    """
    first = _seasonal_lag(season, horizon) // season
    holiday = pd.Series(flags, index=history.index)

    def on(days: pd.Series) -> np.ndarray:
        # One flag per step, the same for every series (column).
        return np.broadcast_to(days.to_numpy(dtype=bool)[:, None], history.shape)

    aside = history.shift(first * season).where(
        ~on(holiday.shift(first * season, fill_value=False))
    )
    for seasons in range(first + 1, first + _HOLIDAY_SEASONS):
        back = seasons * season
        ordinary = ~on(holiday.shift(back, fill_value=False))
        aside = aside.combine_first(history.shift(back).where(ordinary))
    latest_holiday = history.where(on(holiday)).shift(horizon).ffill()
    chosen = aside.where(~on(holiday), latest_holiday)
    return chosen.combine_first(history.shift(first * season))


def _seasonal_lag(season: int, horizon: int) -> int:
    """The seasonal naive forecast's lag: whole seasons, at least the horizon.

    A forecast cannot use what is not known yet, so with a horizon longer than a
    season the forecast reaches back two seasons (or more).
    """
    return season * -(-horizon // season)
