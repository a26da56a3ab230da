"""The time column read as dates, one way for every stage, and its periods in order.

Stage 3 describes the periods, stage 4 holds out the latest ones, stages 5 to 7 read
the same split: all of them read the time column here, so that they agree on which
period comes first. The layouts read without being told are the unambiguous ones:

- ISO dates and date-times (`2017-01-31`, `2017-01-31 08:00`, `2017-01-31T08:00Z`),
- `YYYY-MM` (`2017-01`), `MM/YYYY` (`01/2017`) and `YYYYMM` (`201701`, text or a
  whole number),
- a column of dates already (Parquet, SQL).

Anything else needs `data.time_format` (a `strftime` pattern such as `%d.%m.%Y`): day
and month written as `01/02/2017` are ambiguous, and a month name without a year
(`may`) cannot be ordered at all. Such a column stops the journey with a message that
names it, shows its values and gives the fix.

Each row gets a period label that sorts like time as plain text (`2016-12` before
`2017-01`), written at the grain of the column: `2017-01` for months, `2017-01-31` for
days, `2017-01-31 08:00:00` for times of day.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from playbook.charter.model import Charter
from playbook.data import pii
from playbook.errors import DataError

_MONTH_LABEL, _DAY_LABEL, _TIME_LABEL, _YEAR_LABEL = (
    "%Y-%m",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y",
)
# numpy's unit for each label's grain: labels are written with datetime_as_string.
_UNITS: dict[str, Literal["Y", "M", "D", "s"]] = {
    _YEAR_LABEL: "Y",
    _MONTH_LABEL: "M",
    _DAY_LABEL: "D",
    _TIME_LABEL: "s",
}
# Layouts some extracts use that playbook will not guess (the order of day and month,
# a month's name): offered as `data.time_format` when all of a column's values fit.
_SUGGESTED_FORMATS = (
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d/%m/%y",
    "%m/%d/%y",
    "%Y%m%d",
    "%b %Y",
    "%B %Y",
    "%b-%Y",
    "%b-%y",
    "%Y %b",
    "%d %b %Y",
    "%d %B %Y",
    "%B %d, %Y",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M",
)
_MONTH_NAMES = {
    name
    for month in range(1, 13)
    for name in (
        pd.Timestamp(2000, month, 1).strftime("%b").lower(),
        pd.Timestamp(2000, month, 1).strftime("%B").lower(),
    )
}
# How many distinct values the messages quote, and the format suggestions try.
_EXAMPLES = 3
_PROBE = 200


@dataclass(frozen=True)
class TimeLayout:
    """How a time column's values are written, and how its period labels are.

    Attributes:
        name: The layout in words for the reader: "YYYY-MM", "MM/YYYY", "ISO date",
            "dates" (a column of dates already) or the charter's `data.time_format`.
        pattern: The `strftime` pattern the values are read with; "ISO8601" for ISO
            date-times, None for a column of dates already.
        label: The `strftime` pattern of the period labels (the column's grain).
    """

    name: str
    pattern: str | None
    label: str


_ISO_DATE = TimeLayout("ISO date (YYYY-MM-DD)", "%Y-%m-%d", _DAY_LABEL)
_LAYOUTS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}"), _ISO_DATE),
    (
        re.compile(
            r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?"
            r"(Z|[+-]\d{2}:?\d{2})?)?"
        ),
        TimeLayout("ISO date and time", "ISO8601", _TIME_LABEL),
    ),
    (re.compile(r"\d{4}-\d{1,2}"), TimeLayout("YYYY-MM", "%Y-%m", _MONTH_LABEL)),
    (re.compile(r"\d{1,2}/\d{4}"), TimeLayout("MM/YYYY", "%m/%Y", _MONTH_LABEL)),
    (re.compile(r"\d{6}"), TimeLayout("YYYYMM", "%Y%m", _MONTH_LABEL)),
)
_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class ParsedTime:
    """A time column read as dates, with each row's period label.

    Attributes:
        layout: How the values were written.
        when: Each row's date and time, indexed like the frame.
        labels: Each row's period label, text that sorts like time.
    """

    layout: TimeLayout
    when: pd.Series
    labels: pd.Series


def parse(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> ParsedTime:
    """The charter's time column (`data.time`) read as dates.

    Args:
        frame: The data.
        poc: The charter (`data.time`, `data.time_format`).
        source: The file read, for messages (default: the charter's source).

    Raises:
        DataError: The charter names no time column, or the column is empty, has
            rows without a time, holds numbers or text that are not dates, mixes
            layouts, is ambiguous (day and month) or has no year (month names); the
            message names the column, quotes its values and says what to set.
    """
    column = poc.data.time
    if not column:
        raise DataError(
            f"{poc.source}: the charter names no time column (data.time), and this "
            "step needs one. Set data.time to the column that dates a case."
        )
    return parse_column(
        frame[column],
        column=column,
        time_format=poc.data.time_format,
        where=data_source(poc, source),
    )


def parse_column(
    values: pd.Series, *, column: str, time_format: str | None, where: str
) -> ParsedTime:
    """A column read as dates: in its known layout, or in `time_format` when given.

    Args:
        values: The column.
        column: Its name, for messages.
        time_format: The charter's `data.time_format`, a `strftime` pattern; None to
            recognise one of the layouts this module lists.
        where: The file or query the column was read from, for messages.

    Raises:
        DataError: See `parse`.
    """
    named = f"the time column {column!r}"
    present = values.notna()
    if not pd.api.types.is_numeric_dtype(values):
        present &= values.astype(str).str.strip() != ""
    if not present.any():
        raise DataError(
            f"{where}: {named} is empty in all {len(values):,} rows. Fill it in the "
            "extract, name another column in data.time, or leave data.time out to "
            "hold out a random share of the rows instead of the latest periods."
        )
    if not present.all():
        raise DataError(
            f"{where}: {int((~present).sum()):,} of {len(values):,} rows have no "
            f"value in {named}, so no period can hold them. Fill them in the "
            "extract, or leave those rows out of it."
        )
    if pd.api.types.is_datetime64_any_dtype(values):
        return _of_dates(values)
    if pd.api.types.is_float_dtype(values) and (values == values.round()).all():
        values = values.astype("int64")  # 201701.0: a whole number read as float
    codes, distinct = pd.factorize(values)
    text = pd.Index(distinct).astype(str).str.strip()
    if pd.api.types.is_bool_dtype(values):
        raise DataError(
            f"{where}: {named} holds true/false, not dates. Name the column that "
            "dates a case in data.time."
        )
    layout = (
        _declared(time_format)
        if time_format
        else _recognised(text, values=values, named=named, where=where)
    )
    when = _read(text, layout)
    bad = when.isna()
    if bad.any():
        bad_rows = int(np.isin(codes, np.flatnonzero(bad)).sum())
        told = (
            f"in the charter's data.time_format {time_format!r}"
            if time_format
            else f"in the layout of the others ({layout.name})"
        )
        raise DataError(
            f"{where}: {bad_rows:,} of {len(values):,} values of {named} are not "
            f"dates {told} (e.g. {_quoted(text[bad])}). Fix them in the extract, or "
            "set data.time_format to the layout they are written in."
        )
    if layout.label == _TIME_LABEL and (when == when.normalize()).all():
        layout = TimeLayout(layout.name, layout.pattern, _DAY_LABEL)
    labels = _labels(when, layout.label)
    return ParsedTime(
        layout=layout,
        when=pd.Series(when.take(codes), index=values.index, name=values.name),
        labels=pd.Series(labels.take(codes), index=values.index, name=values.name),
    )


def period_labels(frame: pd.DataFrame, *, poc: Charter) -> pd.Series:
    """Each row's period label (text that sorts like time), indexed like `frame`."""
    return parse(frame, poc=poc).labels


def latest_periods(labels: pd.Series, *, count: int) -> list[str]:
    """The latest `count` period labels, oldest first (stage 4's test periods)."""
    return sorted(labels.unique())[-count:]


def data_source(poc: Charter, source: str | Path | None = None) -> str:
    """The file read, for messages: `source` (e.g. `--data`), else the charter's."""
    if source:
        return str(source)
    if poc.data.sql is not None:
        return f"{poc.source} (data.sql)"
    return str(poc.data.path)


# --- layouts -------------------------------------------------------------------------


def _of_dates(values: pd.Series) -> ParsedTime:
    """A column of dates already: labelled by day, or by time when it has hours."""
    when = values.dt.tz_convert(None) if values.dt.tz is not None else values
    has_hours = bool((when != when.dt.normalize()).any())
    layout = TimeLayout("dates", None, _TIME_LABEL if has_hours else _DAY_LABEL)
    labels = _labels(pd.DatetimeIndex(when), layout.label)
    return ParsedTime(
        layout=layout,
        when=when,
        labels=pd.Series(labels, index=values.index, name=values.name),
    )


def _labels(when: pd.DatetimeIndex, pattern: str) -> pd.Index:
    """Each date's label at the grain `pattern` names, each distinct one written once.

    A million rows of a few hundred days format a few hundred labels.
    """
    unit = _UNITS[pattern]
    codes, grains = pd.factorize(when.to_numpy().astype(f"datetime64[{unit}]"))
    grains = np.asarray(grains, dtype=f"datetime64[{unit}]")
    written = np.datetime_as_string(grains, unit=unit)
    return pd.Index(written).str.replace("T", " ", regex=False).take(codes)


def _declared(time_format: str) -> TimeLayout:
    """The charter's `data.time_format`, labelled at the finest grain it names."""
    if re.search(r"%[HIMSfp]", time_format):
        label = _TIME_LABEL
    elif re.search(r"%[dejaAwuUWV]", time_format):
        label = _DAY_LABEL
    elif re.search(r"%[mbB]", time_format):
        label = _MONTH_LABEL
    else:
        label = _YEAR_LABEL
    return TimeLayout(time_format, time_format, label)


def _recognised(
    text: pd.Index, *, values: pd.Series, named: str, where: str
) -> TimeLayout:
    """The known layout most of the distinct values are written in.

    Raises:
        DataError: None fits: the message says why (numbers, month names without a
            year, an ambiguous or an unknown layout) and which `data.time_format`
            would read the values.
    """
    fits = [
        (int(text.str.fullmatch(rx.pattern).sum()), layout) for rx, layout in _LAYOUTS
    ]
    count, layout = max(fits, key=lambda fit: fit[0])
    if count * 2 > len(text):
        return layout
    examples = _quoted(text)
    lowered = set(text.str.lower().str.rstrip("."))
    if lowered <= _MONTH_NAMES:
        raise DataError(
            f"{where}: {named} holds month names without a year (e.g. {examples}): "
            "the months of different years cannot be told apart, so neither the "
            "periods nor the latest of them can be found. Add the year to the "
            "extract (e.g. 2017-05), name a column with dates in data.time, or leave "
            "data.time out to hold out a random share of the rows."
        )
    if pd.api.types.is_numeric_dtype(values):
        raise DataError(
            f"{where}: {named} holds numbers (e.g. {examples}), not dates. A month "
            "may be written as a whole number YYYYMM (201701); otherwise name the "
            "column that dates a case in data.time."
        )
    fitting = _fitting_formats(text)
    if len(fitting) == 1:
        advice = f"All its values read as {fitting[0]!r}: set data.time_format: " + (
            f"'{fitting[0]}'."
        )
    elif fitting:
        advice = (
            "Its values read in more than one layout ("
            + ", ".join(repr(f) for f in fitting)
            + "), e.g. day/month or month/day: only you know which is meant. Set "
            "data.time_format to it."
        )
    else:
        advice = (
            "Set data.time_format to the layout they are written in (a strftime "
            "pattern such as '%d.%m.%Y'), or rewrite the column as YYYY-MM-DD."
        )
    raise DataError(
        f"{where}: {named} is not in a layout playbook reads without being told "
        f"(YYYY-MM-DD, YYYY-MM, MM/YYYY or YYYYMM), e.g. {examples}. {advice}"
    )


def _fitting_formats(text: pd.Index) -> list[str]:
    """The suggested formats that read every one of (the first) distinct values."""
    probe = text[:_PROBE]
    fitting = []
    for pattern in _SUGGESTED_FORMATS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            read = pd.to_datetime(probe, format=pattern, errors="coerce")
        if read.notna().all():
            fitting.append(pattern)
    return fitting


def _read(text: pd.Index, layout: TimeLayout) -> pd.DatetimeIndex:
    """The distinct values as dates in `layout`; what does not fit is NaT."""
    if layout.pattern == "ISO8601" and text.str.contains(_ZONE.pattern).any():
        # Offsets may differ between rows: read in UTC, then drop the zone.
        when = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        return pd.DatetimeIndex(when).tz_convert(None)
    if layout.pattern in (_ISO_DATE.pattern, "%Y%m"):
        # strptime would read 2017-1-5 or 20171 too: the layout is exact.
        pattern = next(rx for rx, known in _LAYOUTS if known == layout)
        text = text.where(text.str.fullmatch(pattern.pattern), "")
    return pd.DatetimeIndex(
        pd.to_datetime(text, format=layout.pattern, errors="coerce")
    )


def _quoted(text: pd.Index) -> str:
    """A few distinct values, quoted and masked like any value in a message."""
    return ", ".join(pii.mask_text(repr(str(v))) for v in list(text[:_EXAMPLES]))
