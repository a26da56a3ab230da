"""A forecast's calendar: the complete time grid of each series, and what it lacks.

Stage 3 names the steps missing from each series (how many, which), the KPI periods
they leave partial, the calendar features a forecast gets (day of week, month, the
charter's country's public holidays, read offline from the `holidays` package) and the
columns that look observed on the day but are not declared as such; stage 4 reads the
same grid to fill or leave out the missing steps and to weight or drop the partial
periods (`data.missing_steps`, `data.partial_periods`).

A series' grid runs from its own first to its own last step: an item launched late
has no missing steps before its launch, a store closed for a fortnight has fourteen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import holidays
import numpy as np
import pandas as pd

from playbook.charter.model import Charter
from playbook.core.language import Language
from playbook.core.locale_format import periods_counted
from playbook.core.messages import translated
from playbook.errors import CharterError

# pandas' frequency for each KPI period; a week runs Monday to Sunday.
_PERIOD_FREQUENCY = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q"}
# How many runs of missing steps the evidence names; the count covers all of them.
NAMED_RUNS = 20
_STEP_NAMES = {
    pd.Timedelta(hours=1): "hour",
    pd.Timedelta(days=1): "day",
    pd.Timedelta(days=7): "week",
}
# Words in a column's name that say it is measured on the day (weather) or is part
# of the outcome (bike sharing's casual and registered riders): unknown when the
# forecast is made, unless the charter says it is known ahead.
_SAME_DAY_WORDS = (
    "temp",
    "atemp",
    "weather",
    "humid",
    "hum",
    "wind",
    "rain",
    "precip",
    "snow",
    "sunshine",
    "cloud",
    "visibility",
    "pressure",
    "casual",
    "registered",
)


@dataclass(frozen=True)
class MissingRun:
    """Consecutive steps one series lacks.

    Attributes:
        series: The series ("all" without `data.series`).
        first: The first missing step, as text.
        last: The last missing step, as text.
        steps: How many steps are missing from `first` to `last`.
    """

    series: str
    first: str
    last: str
    steps: int


@dataclass(frozen=True)
class PartialPeriod:
    """A KPI period some of whose steps are missing.

    Attributes:
        period: The period's label (its first day).
        steps: The steps of the series' grids in it that have a row.
        expected: The steps of the series' grids in it.
    """

    period: str
    steps: int
    expected: int


@dataclass(frozen=True)
class PartialTreatment:
    """The partial KPI periods of rows scored after stage 4, and what the KPI did.

    Stage 4 treats its test periods in the split (`forecast.prepare`); a later
    batch (stage 5) or a scored file is treated when it is scored, the same way.

    Attributes:
        handling: "weight" or "drop" (`data.partial_periods`).
        period: The KPI period (`kpi.period`).
        step: The grid's step ("day", "hour"); None when uneven.
        periods: The periods some of whose steps are missing.
    """

    handling: str
    period: str
    step: str | None
    periods: list[PartialPeriod]


@dataclass(frozen=True)
class CalendarReport:
    """What a forecast's calendar holds and how the forecast treats it.

    Attributes:
        step: The grid's step ("day", "hour", ...); None when the times are not
            evenly spaced (months), and no step can be missing.
        expected_steps: Steps in the grids of all series together.
        missing_steps: Steps without a row, all series together.
        missing: The runs of missing steps, the first `NAMED_RUNS` of them.
        series_with_gaps: Series with at least one missing step.
        missing_handling: "leave_out" or "zero" (`data.missing_steps`).
        partial_handling: "weight" or "drop" (`data.partial_periods`).
        period: The KPI period partial periods are counted in (`kpi.period`).
        partial_periods: The KPI periods missing steps leave partial (stage 3: all of
            them; stage 4: the test periods).
        features: The calendar features a forecast adds (day of week, month, holiday).
        country: Whose public holidays are the holiday feature; None for none.
        holidays: Days in the data that are public holidays there.
        lagged_same_day: Columns observed on the day, read lagged by the horizon.
        unlagged_suspects: Columns whose name looks observed on the day (weather,
            outcome) that the charter declares neither observed on the day nor
            known ahead: a forecast uses them as if known ahead.
    """

    step: str | None
    expected_steps: int
    missing_steps: int
    missing: list[MissingRun]
    series_with_gaps: int
    missing_handling: str
    partial_handling: str
    period: str
    country: str | None = None
    holidays: int = 0
    partial_periods: list[PartialPeriod] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    lagged_same_day: list[str] = field(default_factory=list)
    unlagged_suspects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Grid:
    """Each series' complete grid of steps, and the cells the data lacks.

    Attributes:
        step: The step between times; None when uneven (then nothing is missing).
        cells: Every (time, series) cell of the grids, with `present` telling
            whether the data has a row for it.
    """

    step: pd.Timedelta | None
    cells: pd.DataFrame

    @property
    def missing(self) -> pd.DataFrame:
        """The cells without a row: columns `when` and `series`."""
        return self.cells.loc[~self.cells["present"], ["when", "series"]]


def grid(when: pd.Series, series: pd.Series) -> Grid:
    """The complete grid of each series, from its first step to its last.

    Args:
        when: Each row's time (parsed).
        series: Each row's series, as text.
    """
    times = pd.DatetimeIndex(when.drop_duplicates().sort_values())
    step = _step(times)
    seen = pd.DataFrame({"when": when.to_numpy(), "series": series.to_numpy()})
    if step is None:
        return Grid(None, seen.drop_duplicates().assign(present=True))
    spans = seen.groupby("series")["when"].agg(["min", "max"])
    cells = pd.concat(
        [
            pd.DataFrame({"when": pd.date_range(start, end, freq=step), "series": name})
            for name, start, end in spans.itertuples()
        ],
        ignore_index=True,
    )
    present = pd.MultiIndex.from_frame(cells).isin(pd.MultiIndex.from_frame(seen))
    return Grid(step, cells.assign(present=present))


def missing_runs(found: Grid) -> list[MissingRun]:
    """The missing cells as runs of consecutive steps per series, in time order."""
    missing = found.missing.sort_values(["series", "when"])
    if missing.empty or found.step is None:
        return []
    new_run = (missing["series"] != missing["series"].shift()) | (
        missing["when"].diff() != found.step
    )
    runs = missing.groupby(new_run.cumsum().to_numpy()).agg(
        series=("series", "first"), first=("when", "min"), last=("when", "max")
    )
    runs["steps"] = missing.groupby(new_run.cumsum().to_numpy()).size()
    runs = runs.sort_values(["first", "series"])
    return [
        MissingRun(str(row.series), _day(row.first), _day(row.last), int(row.steps))
        for row in runs.itertuples()
    ]


def partial_periods(found: Grid, periods: pd.Series) -> list[PartialPeriod]:
    """The periods the missing cells leave partial.

    Args:
        found: The grid.
        periods: The KPI period label of each of the grid's cells (`found.cells`).
    """
    table = (
        pd.DataFrame({"period": periods.to_numpy(), "present": found.cells["present"]})
        .groupby("period")["present"]
        .agg(["sum", "size"])
    )
    partial = table[table["sum"] < table["size"]]
    return [
        PartialPeriod(str(label), int(row["sum"]), int(row["size"]))
        for label, row in partial.iterrows()
    ]


def partial_treatment(
    when: pd.Series, *, series: pd.Series, poc: Charter
) -> PartialTreatment | None:
    """The partial KPI periods of scored rows and the charter's choice for them.

    Periods without a single row are not among them: scored rows have no window.
    """
    found = grid(when, series)
    period = poc.need("kpi").period
    labels = period_labels(found.cells["when"], period=period)
    partial = [p for p in partial_periods(found, labels) if p.steps]
    if not partial:
        return None
    return PartialTreatment(
        poc.data.calendar.partial_periods, period, step_name(found.step), partial
    )


def holiday_flags(when: pd.DatetimeIndex, *, country: str | None) -> np.ndarray:
    """Whether each time falls on a public holiday of `country` (all False for None).

    Raises:
        CharterError: `country` is not a country (or subdivision) the `holidays`
            package knows.
    """
    if not country or len(when) == 0:
        return np.zeros(len(when), dtype=bool)
    code, _, subdivision = country.partition("-")
    years = range(int(when.year.min()), int(when.year.max()) + 1)
    try:
        calendar = holidays.country_holidays(
            code.upper(), subdiv=subdivision.upper() or None, years=years
        )
    except NotImplementedError as error:
        raise CharterError(
            f"data.country: {country!r} is not a country the holidays package knows "
            f"({error}). Write its ISO code (US, KR, DE), with a subdivision after a "
            "dash (US-DC), or leave data.country out for no holiday feature."
        ) from error
    days = pd.DatetimeIndex(sorted(calendar)).normalize()
    return np.asarray(when.normalize().isin(days))


def feature_names(time: str, *, step: pd.Timedelta | None, country: str | None):
    """The calendar features a forecast adds, each with what it holds."""
    names = {f"{time}_month": "month of the year, 1 to 12"}
    if step is not None and step <= pd.Timedelta(days=1):
        names[f"{time}_day_of_week"] = "day of the week, 0 (Monday) to 6 (Sunday)"
        if country:
            names[f"{time}_holiday"] = f"1 on a public holiday in {country}, else 0"
    return names


def features(
    when: pd.Series, *, time: str, step: pd.Timedelta | None, country: str | None
) -> pd.DataFrame:
    """The calendar features of each time, indexed like `when`."""
    columns = feature_names(time, step=step, country=country)
    values = {
        f"{time}_month": when.dt.month,
        f"{time}_day_of_week": when.dt.day_of_week,
        f"{time}_holiday": pd.Series(
            holiday_flags(pd.DatetimeIndex(when), country=country).astype(int),
            index=when.index,
        ),
    }
    return pd.DataFrame({name: values[name] for name in columns}, index=when.index)


def same_day_suspects(frame: pd.DataFrame, *, poc: Charter) -> list[str]:
    """Columns whose name looks observed on the day, undeclared in the charter."""
    declared = {
        *poc.data.calendar.observed_same_day,
        *poc.data.calendar.known_ahead,
        *poc.data.exclude,
        poc.data.target,
        poc.data.time,
    }
    return [
        str(column)
        for column in frame.columns
        if column not in declared
        and any(
            word.startswith(_SAME_DAY_WORDS)
            for word in re.split(r"[^a-z0-9]+", str(column).lower())
        )
    ]


def period_labels(when: pd.Series, *, period: str) -> pd.Series:
    """Each time's KPI period (`kpi.period`), named by its first day."""
    frequency = _PERIOD_FREQUENCY[period]
    return when.dt.to_period(frequency).dt.start_time.dt.strftime("%Y-%m-%d")


def period_grid(when: pd.Series, *, period: str) -> list[str]:
    """Every KPI period from the first time's to the last's, with rows or without."""
    if when.empty:
        return []
    span = pd.period_range(when.min(), when.max(), freq=_PERIOD_FREQUENCY[period])
    return [str(day) for day in span.start_time.strftime("%Y-%m-%d")]


def describe(frame: pd.DataFrame, *, poc: Charter, when: pd.Series) -> CalendarReport:
    """What stage 3 finds in a forecast's calendar.

    Args:
        frame: The data.
        poc: The charter.
        when: Each row's time (`time_column.parse`).
    """
    found = grid(when, series_of(frame, poc=poc))
    cell_periods = period_labels(found.cells["when"], period=poc.need("kpi").period)
    runs = missing_runs(found)
    settings = poc.data.calendar
    days = pd.DatetimeIndex(when.drop_duplicates())
    return CalendarReport(
        step=step_name(found.step),
        expected_steps=len(found.cells),
        missing_steps=int((~found.cells["present"]).sum()),
        missing=runs[:NAMED_RUNS],
        series_with_gaps=len({run.series for run in runs}),
        missing_handling=settings.missing_steps,
        partial_handling=settings.partial_periods,
        period=poc.need("kpi").period,
        partial_periods=partial_periods(found, cell_periods),
        features=list(
            feature_names(str(poc.data.time), step=found.step, country=settings.country)
        ),
        country=settings.country,
        holidays=int(
            holiday_flags(days.normalize().unique(), country=settings.country).sum()
        ),
        lagged_same_day=list(settings.observed_same_day),
        unlagged_suspects=same_day_suspects(frame, poc=poc),
    )


def sentences(report: CalendarReport) -> list[str]:
    """What a reader is told of the calendar: gaps, partial periods, same-day data."""
    step, period = report.step or "step", report.period
    said = []
    if report.missing_steps:
        named = ", ".join(_run(run, step=step) for run in report.missing)
        more = len(report.missing) < report.series_with_gaps or (
            sum(run.steps for run in report.missing) < report.missing_steps
        )
        handling = (
            "added with the target 0 (data.missing_steps: zero)"
            if report.missing_handling == "zero"
            else "left out: not judged, and the history that reads them takes the "
            f"same {step} a season before"
        )
        said.append(
            f"{report.missing_steps:,} of {report.expected_steps:,} {step}s are "
            f"missing in {report.series_with_gaps} series ({named}"
            f"{', ...' if more else ''}); they are {handling}."
        )
    elif report.step:
        said.append(f"Every series has a row for every {step} from its first to last.")
    empty = [p.period for p in report.partial_periods if not p.steps]
    partial = [p for p in report.partial_periods if p.steps]
    if partial:
        said.append(
            treatment_sentence(
                PartialTreatment(report.partial_handling, period, step, partial)
            )
        )
    if empty:
        said.append(
            f"{len(empty)} {period}(s) have no row at all, "
            f"{', '.join(empty[:NAMED_RUNS])}: they are reported missing, not judged, "
            f"and no earlier {period} takes their place."
        )
    if report.features:
        holidays_said = (
            f", {report.holidays} public holiday(s) of {report.country} in the data"
            if report.country
            else " (no data.country: no holiday feature)"
        )
        said.append(f"Calendar features: {', '.join(report.features)}{holidays_said}.")
    if report.lagged_same_day:
        said.append(
            "Observed on the day, so read lagged by the horizon: "
            f"{', '.join(report.lagged_same_day)}."
        )
    warning = same_day_warning(report)
    return [*said, warning] if warning else said


def treatment_sentence(
    treatment: PartialTreatment, *, language: Language = "en"
) -> str:
    """The partial periods, each with its steps, and whether weighted or dropped.

    Args:
        treatment: The partial periods and what the KPI did with them.
        language: The reader's language.
    """
    step, period = treatment.step or "step", treatment.period

    def steps(count: int) -> str:
        if language == "en":
            return f"{count} {step}s"
        return periods_counted(count, step, language=language)

    listed = ", ".join(
        translated(
            language,
            "%(period)s (%(steps)s of %(expected)s)",
            period=p.period,
            steps=p.steps if language == "en" else steps(p.steps),
            expected=steps(p.expected),
        )
        for p in treatment.periods[:NAMED_RUNS]
    )
    if language != "en":
        period = translated(language, period)
    if treatment.handling == "drop":
        return translated(
            language,
            "%(count)s %(period)s(s) are partial, %(listed)s; they are left out of "
            "the KPI (data.partial_periods: drop).",
            count=len(treatment.periods),
            period=period,
            listed=listed,
        )
    return translated(
        language,
        "%(count)s %(period)s(s) are partial, %(listed)s; they are weighted: each "
        "one's cost scaled to a whole %(period)s (data.partial_periods: weight).",
        count=len(treatment.periods),
        period=period,
        listed=listed,
    )


def same_day_warning(report: CalendarReport) -> str | None:
    """The warning on columns that look observed on the day, used unlagged; or None."""
    if not report.unlagged_suspects:
        return None
    return (
        f"Warning: {', '.join(report.unlagged_suspects)} look(s) observed on the day "
        "(weather or outcome), yet the forecast reads it as if known ahead. List it "
        "in data.observed_same_day to read it lagged by the horizon, or in "
        "data.known_ahead if it truly is known before the day (a weather forecast)."
    )


def series_of(frame: pd.DataFrame, *, poc: Charter) -> pd.Series:
    """Each row's series as text ("all" without `data.series`)."""
    if poc.data.series:
        return frame[poc.data.series].astype(str)
    return pd.Series("all", index=frame.index)


def _step(times: pd.DatetimeIndex) -> pd.Timedelta | None:
    """The most common step between times, when every time sits on it."""
    if len(times) < 3:
        return None
    step = pd.Series(times[1:] - times[:-1]).mode().iloc[0]
    grid_times = pd.date_range(times[0], times[-1], freq=step)
    return step if times.isin(grid_times).all() else None


def step_name(step: pd.Timedelta | None) -> str | None:
    """The step in words ("day", "hour"); None for uneven times."""
    return None if step is None else _STEP_NAMES.get(step, str(step))


def _day(when: pd.Timestamp) -> str:
    return str(when.date()) if when == when.normalize() else str(when)


def _run(run: MissingRun, *, step: str) -> str:
    where = "" if run.series == "all" else f"{run.series}: "
    if run.steps == 1:
        return f"{where}{run.first}"
    return f"{where}{run.first} to {run.last} ({run.steps} {step}s)"
