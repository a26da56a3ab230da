"""Load the POC's data, fingerprint it, and describe it for the reader."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from playbook.charter import Charter
from playbook.errors import DataError


def load(path: str | Path) -> pd.DataFrame:
    """Read a CSV data file.

    Raises:
        DataError: The file is missing, empty, not UTF-8, or has no rows.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"{path}: no such data file. "
            "Check data.path in the charter, or pass --data."
        )
    try:
        frame = pd.read_csv(path, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text (byte {exc.start} cannot be decoded). Convert the "
            f"file to UTF-8."
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path}: the file is empty. Point the charter at the data."
        ) from None
    if frame.empty:
        raise DataError(f"{path}: the file has a header but no rows.")
    return frame


def sha256(path: str | Path) -> str:
    """Fingerprint of a data file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def require_columns(frame: pd.DataFrame, *, poc: Charter) -> list[str]:
    """Check that the data has the target, id, time and rule columns the charter names.

    Returns:
        The columns checked.

    Raises:
        DataError: Some are missing; the message names them and the columns there are.
    """
    named = {
        "data.target": poc.data.target,
        "data.id": poc.data.id,
        "data.time": poc.data.time,
    }
    if poc.baseline is not None:
        for index, condition in enumerate(poc.baseline.conditions):
            named[f"baseline.rule.conditions[{index}].column"] = condition.column
    missing = {
        field: column
        for field, column in named.items()
        if column and column not in frame.columns
    }
    if missing:
        listed = "; ".join(
            f"{field} names {column!r}" for field, column in missing.items()
        )
        raise DataError(
            f"{poc.data.path}: the data lacks columns the charter names: {listed}. "
            f"The data has: {', '.join(map(str, frame.columns))}. "
            "Fix the charter or the extract."
        )
    return [column for column in named.values() if column]


def profile(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per column: type, missing share, distinct values and a short summary.

    Values are shown only as numeric summaries, or as the most common value of a column
    with few distinct values, which cannot single out a person.
    """
    rows = []
    for column in frame.columns:
        series = frame[column]
        distinct = int(series.nunique(dropna=True))
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
            series
        ):
            summary = (
                f"min {_number(series.min())}, median {_number(series.median())}, "
                f"max {_number(series.max())}"
                if series.notna().any()
                else "all missing"
            )
            kind = "number"
        else:
            top = series.value_counts(dropna=True)
            summary = (
                f"most common: {top.index[0]} ({top.iloc[0] / len(series):.0%})"
                if distinct and distinct <= 20
                else f"{distinct:,} distinct values"
            )
            kind = "text"
        rows.append(
            {
                "column": column,
                "type": kind,
                "missing": float(series.isna().mean()),
                "distinct": distinct,
                "summary": summary,
            }
        )
    return pd.DataFrame(rows)


def label_balance(frame: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """Count and share of each label value, missing labels included.

    Raises:
        DataError: The target has a single class or no values at all.
    """
    target = frame[poc.data.target]
    counts = target.value_counts(dropna=False)
    if target.nunique(dropna=True) < 2:
        raise DataError(
            f"{poc.data.path}: the target {poc.data.target!r} holds "
            f"{'no values' if target.notna().sum() == 0 else 'a single value'}; "
            f"a model needs examples of both outcomes. "
            f"Check data.target and the extract."
        )
    return pd.DataFrame(
        {
            "label": [("missing" if pd.isna(v) else str(v)) for v in counts.index],
            "rows": counts.to_numpy(),
            "share": counts.to_numpy() / len(target),
        }
    )


def rows_per_period(frame: pd.DataFrame, *, poc: Charter) -> pd.DataFrame:
    """Rows and positive share per period of the time column; empty periods get 0 rows.

    Raises:
        DataError: Values of the time column cannot be read as dates.
    """
    parsed = pd.to_datetime(frame[poc.data.time], errors="coerce")
    bad = frame[poc.data.time][parsed.isna() & frame[poc.data.time].notna()]
    if len(bad):
        raise DataError(
            f"{poc.data.path}: {len(bad):,} values of the time column "
            f"{poc.data.time!r} are not dates, e.g. {bad.iloc[0]!r}. "
            f"Fix them or name another column in data.time."
        )
    positive = frame[poc.data.target] == poc.data.positive_label
    period = poc.kpi.period if poc.kpi else "month"
    freq = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}[period]
    period = parsed.dt.to_period(freq)
    table = (
        pd.DataFrame({"period": period, "positive": positive})
        .groupby("period")
        .agg(rows=("positive", "size"), positive_share=("positive", "mean"))
    )
    every = pd.period_range(period.min(), period.max(), freq=freq)
    table = table.reindex(every, fill_value=0).rename_axis("period").reset_index()
    table["period"] = table["period"].astype(str)
    return table


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
