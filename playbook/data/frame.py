"""Check the POC's data and describe it for the reader.

Reading and fingerprinting are `playbook.data.sources`' job (CSV, Parquet, a folder of
them, or SQL; `playbook.data` exports its `read`, `load`, `fingerprint` and `sha256`);
this module checks and describes what was read: the columns the charter relies on, one
row per id, a readable time column, each column's profile, the labels and the rows per
period.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.charter.check import header_note
from playbook.charter.model import Charter
from playbook.core.language import Language
from playbook.core.locale_format import format_date
from playbook.core.messages import marked, translated
from playbook.data import pii, sources, time_column
from playbook.errors import DataError

QUANTITY_DISTINCT = 20
"""A numeric target with more distinct values than this is a quantity, not classes."""
_SPARK = "▁▂▃▄▅▆▇█"
_YES_NO = {"0", "1", "0.0", "1.0", "yes", "no", "y", "n", "true", "false"}
# A column's type in the profile, in words the reader's catalogue translates.
_KINDS = {
    "empty": marked("empty"),
    "yes/no": marked("yes/no"),
    "two values": marked("two values"),
    "number": marked("number"),
    "whole number": marked("whole number"),
    "date": marked("date"),
    "text": marked("text"),
}
# A column's distribution when no histogram or value list says it.
_ALL_MISSING, _HIDDEN_VALUES = (
    marked("all missing"),
    marked("personal data: values hidden"),
)
# A range of dates, a histogram's line, the values beyond the three most common, and
# the count of a column with many distinct values.
_RANGE, _SPREAD, _MORE_VALUES, _DIFFERENT_VALUES = (
    marked("%(low)s to %(high)s"),
    marked("%(blocks)s %(low)s to %(high)s, median %(median)s"),
    marked("%(values)s, +%(more)s more"),
    marked("%(count)s different values"),
)
_FREQ = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}
_ACCESS_NOTES = {
    "sandbox_copy": marked(
        "a sandbox copy: the POC reads a snapshot, so it cannot harm production and "
        "its numbers can be reproduced from its fingerprint, but the copy ages; "
        "refresh it (and run again) before a decision"
    ),
    "platform_read": marked(
        "read access to the data platform: the POC reads the live tables, so it sees "
        "today's data, but two runs may read different rows; compare the fingerprints "
        "of the runs before comparing their numbers"
    ),
}


def source_name(poc: Charter, *, path: str | Path | None = None) -> str:
    """A short, password-free name of where the data came from, for the reader."""
    if path:
        return Path(path).name
    if poc.data.sql is not None:
        return f"a SQL query on {poc.data.sql.shown_url}"
    return sources.data_file(poc).name


def access_note(poc: Charter) -> str:
    """What the charter's access mode (sandbox copy or platform read) means."""
    if poc.data.access is None:
        return translated(
            poc.language,
            "not stated in the charter: say in data.access whether the POC works on "
            "a sandbox copy or reads the data platform",
        )
    return translated(poc.language, _ACCESS_NOTES[poc.data.access])


def require_columns(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> list[str]:
    """Check that the data has every column the charter names.

    That is the target, id, time, text and series, the baseline rule's columns and score
    column, and the columns listed in `data.pii`, `data.allow_pii`, `data.exclude`,
    `data.allow_leaks` and `data.sensitive`.

    Args:
        frame: The data.
        poc: The charter.
        source: The file read (e.g. `--data`), for messages.

    Returns:
        The target, id, time, text, series, rule and score columns.

    Raises:
        DataError: Some are missing; the message names each field and the columns
            the data has.
    """
    named = {
        "data.target": poc.data.target,
        "data.id": poc.data.id,
        "data.time": poc.data.time,
        "data.text": poc.data.text,
        "data.series": poc.data.series,
    }
    if poc.baseline is not None:
        for index, condition in enumerate(poc.baseline.conditions):
            named[f"baseline.rule.conditions[{index}].column"] = condition.column
        named["baseline.score_column"] = poc.baseline.score_column
    listed = {
        f"data.{field}[{index}]": column
        for field in ("pii", "allow_pii", "exclude", "allow_leaks", "sensitive")
        for index, column in enumerate(getattr(poc.data, field))
    }
    missing = {
        field: column
        for field, column in {**named, **listed}.items()
        if column and column not in frame.columns
    }
    if missing:
        text = "; ".join(
            f"{field} names {column!r}" for field, column in missing.items()
        )
        header = header_note(
            list(frame.columns), named=[*named.values(), *listed.values()]
        )
        raise DataError(
            f"{_where(poc, source)}: the data lacks columns the charter names: {text}. "
            f"{header} Fix the charter or the extract."
        )
    return [column for column in named.values() if column]


def require_unique_ids(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    hidden: Iterable[str] = (),
    source: str | Path | None = None,
) -> str:
    """Check that no two rows share an id (within the same time value, if any).

    Rows with a missing id are left to the data contract.

    Returns:
        A sentence saying what was checked.

    Args:
        frame: The data.
        poc: The charter (`data.id`, `data.time`).
        hidden: Columns holding personal data: their values are masked in the message.
        source: The file read (e.g. `--data`), for messages.

    Raises:
        DataError: Some ids repeat; the message names the column, how many rows and a
            few of the ids.
    """
    if not poc.data.id:
        return (
            "No id column in the charter (data.id): duplicate rows cannot be told "
            "from two cases that look alike."
        )
    key = [poc.data.id] + ([poc.data.time] if poc.data.time else [])
    present = frame[key].notna().all(axis=1)
    repeated = frame.loc[present, key].duplicated(keep=False)
    within = f" within the same {poc.data.time}" if poc.data.time else ""
    if not repeated.any() and poc.data.time:
        return translated(
            poc.language,
            "Every row has its own %(id)s within the same %(time)s: %(rows)s rows, "
            "one per case.",
            id=poc.data.id,
            time=poc.data.time,
            rows=f"{int(present.sum()):,}",
        )
    if not repeated.any():
        return translated(
            poc.language,
            "Every row has its own %(id)s: %(rows)s rows, one per case.",
            id=poc.data.id,
            rows=f"{int(present.sum()):,}",
        )
    rows = frame.loc[present, key][repeated]
    ids = rows[poc.data.id].drop_duplicates().head(3)
    repeating = int(rows[poc.data.id].nunique())
    ids_repeat = f"{repeating:,} id{'s repeat' if repeating != 1 else ' repeats'}"
    masked = poc.data.id in set(hidden)
    examples = ", ".join(
        pii.mask(value) if masked else pii.mask_text(repr(value)) for value in ids
    )
    raise DataError(
        f"{_where(poc, source)}: {int(repeated.sum()):,} rows share a value of the id "
        "column "
        f"{poc.data.id!r}{within} ({ids_repeat}, e.g. "
        f"{examples}). Each row must be one case: remove the duplicates from the "
        "extract, or name the right id column in data.id."
    )


def parse_time(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> pd.Series:
    """The time column as dates, read as every stage reads it (`time_column.parse`).

    Raises:
        DataError: The column is empty, has rows without a time, or holds values that
            are not dates in one layout; the message shows a few and says what to set.
    """
    return time_column.parse(frame, poc=poc, source=source).when


def target_kind(target: pd.Series) -> str:
    """Say "quantity" for a numeric target with many values, else "classes"."""
    values = target.dropna()
    if _is_numeric(values) and values.nunique() > QUANTITY_DISTINCT:
        return "quantity"
    return "classes"


def looks_like_dates(series: pd.Series) -> bool:
    """Whether a text column holds dates (9 in 10 of its first values parse)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return True
    if not _is_text(series):
        return False
    probe = series.dropna().head(200).astype(str)
    if probe.empty or not probe.str.match(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pd.to_datetime(probe, errors="coerce").notna().mean() >= 0.9


def as_dates(series: pd.Series) -> pd.Series:
    """A column of dates (or date text) as datetimes; what does not parse is NaT."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pd.to_datetime(series, errors="coerce")


def profile(
    frame: pd.DataFrame, *, hidden: Iterable[str] = (), language: Language = "en"
) -> pd.DataFrame:
    """One row per column: type, missing share, distinct values and distribution.

    The distribution is a small histogram of a number's values, the date range of a
    date, or the most common values of a column with few of them. Columns in `hidden`
    (personal data) show no values at all.

    Args:
        frame: The data.
        hidden: Columns holding personal data.
        language: The reader's language of the types, ranges and counts.
    """
    hidden = set(hidden)
    rows = []
    for column in frame.columns:
        series = frame[column]
        distinct = int(series.nunique(dropna=True))
        kind, shape = _describe(
            series, distinct=distinct, hidden=column in hidden, language=language
        )
        rows.append(
            {
                "column": column,
                "type": translated(language, _KINDS[kind]),
                "missing": _share(float(series.isna().mean())),
                "distinct": distinct,
                "distribution": shape,
            }
        )
    return pd.DataFrame(rows)


def label_balance(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> pd.DataFrame:
    """Count and share of each label value, missing labels included.

    For a quantity (e.g. rentals per hour) the table gives its spread instead.

    Raises:
        DataError: The target has a single value or none at all, or the charter's
            positive label is not one of its values.
    """
    target = frame[poc.data.target]
    present = target.dropna()
    if present.nunique() < 2:
        raise DataError(
            f"{_where(poc, source)}: the target {poc.data.target!r} holds "
            f"{'no values' if present.empty else 'a single value'} "
            f"({target.isna().sum():,} of {len(target):,} rows missing); a model needs "
            f"examples of more than one outcome. Check data.target and the extract."
        )
    if target_kind(target) == "quantity":
        stats = {
            "rows with a value": len(present),
            "missing": int(target.isna().sum()),
            "minimum": present.min(),
            "median": present.median(),
            "mean": present.mean(),
            "maximum": present.max(),
        }
        return pd.DataFrame(
            {"statistic": list(stats), "value": [float(v) for v in stats.values()]}
        )
    label = poc.data.positive_label
    # A router picks one of many labels: no single value is "the positive one".
    many_labels = poc.kpi is not None and poc.kpi.kind == "routing"
    if not many_labels and label not in set(present.unique()):
        values = ", ".join(repr(v) for v in sorted(present.unique(), key=str)[:10])
        hint = (
            " YAML reads yes/no/true/false as true or false: quote it, e.g. "
            "positive_label: 'yes'."
            if isinstance(label, bool)
            else ""
        )
        raise DataError(
            f"{_where(poc, source)}: data.positive_label {label!r} is not a value of "
            f"the target {poc.data.target!r} (its values: {values}). Set "
            f"positive_label to the value that marks the outcome the POC looks for."
            f"{hint}"
        )
    counts = target.value_counts(dropna=False)
    return pd.DataFrame(
        {
            "label": [("missing" if pd.isna(v) else str(v)) for v in counts.index],
            "rows": counts.to_numpy(),
            "share": counts.to_numpy() / len(target),
        }
    )


def rows_per_period(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> pd.DataFrame:
    """Rows per period of the time column, empty periods included with 0 rows.

    A second column gives each period's positive share (a yes/no outcome), the
    target's mean (a quantity) or the labelled share (a routing label).

    Raises:
        DataError: Values of the time column cannot be read as dates.
    """
    parsed = parse_time(frame, poc=poc, source=source)
    period = poc.kpi.period if poc.kpi else "month"
    freq = _FREQ[period]
    labels = parsed.dt.to_period(freq)
    target = frame[poc.data.target]
    quantity = target_kind(target) == "quantity"
    if quantity:
        value, name = target, "mean"
    elif poc.kpi is not None and poc.kpi.kind == "routing":
        value, name = target.notna(), "labelled_share"
    else:
        value, name = target == poc.data.positive_label, "positive_share"
    table = (
        pd.DataFrame({"period": labels, "value": value})
        .groupby("period")
        .agg(rows=("value", "size"), **{name: ("value", "mean")})
    )
    every = pd.period_range(labels.min(), labels.max(), freq=freq)
    table = table.reindex(every, fill_value=0).rename_axis("period").reset_index()
    table["period"] = table["period"].astype(str)
    return table


def period_gaps(periods: pd.DataFrame) -> list[str]:
    """The periods without a row, from a `rows_per_period` table, as ranges."""
    empty = periods["rows"].to_numpy() == 0
    gaps, start = [], None
    names = periods["period"].tolist()
    for index, is_empty in enumerate([*empty, False]):
        if is_empty and start is None:
            start = index
        elif not is_empty and start is not None:
            first, last = names[start], names[index - 1]
            count = index - start
            gaps.append(first if count == 1 else f"{first} to {last} ({count} periods)")
            start = None
    return gaps


# --- helpers -------------------------------------------------------------------------


def _where(poc: Charter, source: str | Path | None = None) -> str:
    return time_column.data_source(poc, source)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)


def _describe(
    series: pd.Series, *, distinct: int, hidden: bool, language: Language
) -> tuple[str, str]:
    """The column's type (a key of `_KINDS`), and its distribution in one short line."""
    if distinct == 0:
        return ("empty", translated(language, _ALL_MISSING))
    if pd.api.types.is_bool_dtype(series) or (distinct == 2 and not hidden):
        values = {str(value).lower() for value in series.dropna().unique()}
        kind = "yes/no" if values <= _YES_NO or distinct < 2 else "two values"
    elif _is_numeric(series):
        kind = "whole number" if pd.api.types.is_integer_dtype(series) else "number"
        if pd.api.types.is_float_dtype(series):
            present = series.dropna()
            if (present == np.round(present)).all():
                kind = "whole number"
    elif looks_like_dates(series):
        kind = "date"
    else:
        kind = "text"
    if hidden:
        return kind, translated(language, _HIDDEN_VALUES)
    if kind in ("number", "whole number") and distinct > 10:
        return kind, _spark(series, language=language)
    if kind == "date":
        dates = as_dates(series).dropna()
        low, high = (
            format_date(day.date(), language=language)
            for day in (dates.min(), dates.max())
        )
        return kind, translated(language, _RANGE, low=low, high=high)
    if distinct <= 20:
        counts = series.value_counts(dropna=True)
        top = ", ".join(
            f"{pii.mask_text(str(value))} {count / len(series):.0%}"
            for value, count in counts.head(3).items()
        )
        if distinct <= 3:
            return kind, top
        return kind, translated(language, _MORE_VALUES, values=top, more=distinct - 3)
    return kind, translated(language, _DIFFERENT_VALUES, count=f"{distinct:,}")


def _spark(series: pd.Series, *, language: Language) -> str:
    """A histogram in eight-level blocks, with the range and the median."""
    values = series.to_numpy(dtype=float, na_value=np.nan)
    values = values[np.isfinite(values)]
    counts, _ = np.histogram(values, bins=12)
    peak = counts.max() or 1
    blocks = "".join(
        " " if count == 0 else _SPARK[min(7, int(count / peak * 7.999))]
        for count in counts
    )
    low, middle, high = (
        _number(v) for v in (values.min(), np.median(values), values.max())
    )
    return translated(
        language, _SPREAD, blocks=blocks, low=low, high=high, median=middle
    )


def _share(share: float) -> str:
    """0.0413 -> '4.1%'; a share near 0% or 100% is not rounded onto it."""
    if share in (0, 1):
        return f"{share:.0%}"
    if share < 0.001:
        return "<0.1%"
    return ">99.9%" if share > 0.999 else f"{share:.1%}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
