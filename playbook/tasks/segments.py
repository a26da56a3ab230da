"""The segments where the model earns less than today's baseline (stages 4 and 6)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Segment:
    """One segment of the test rows and what each policy earned in it per period."""

    feature: str
    segment: str
    rows: int
    model_value: float
    today_value: float
    lift: float


def compare(
    scores: pd.DataFrame,
    features: pd.DataFrame,
    *,
    columns: list[str],
    min_rows: int,
) -> list[Segment]:
    """Split the test rows by each column and compare the two policies in each part.

    Text columns are split by value, number columns by quartile. A policy's value in a
    segment is what its decisions there earned per period (`value_model` and
    `value_today` of the scored rows; a cost counts as a negative value).

    Args:
        scores: Stage 4's scored test rows (`evaluation.Scored.rows`), in the same
            order as `features`.
        features: The same rows' feature columns.
        columns: The columns to split by.
        min_rows: Segments with fewer rows are left out: too small to read.
    """
    periods = max(scores["period"].nunique(), 1)
    model = scores["value_model"].to_numpy(dtype=float)
    today = scores["value_today"].to_numpy(dtype=float)
    found = []
    for column in columns:
        groups = _groups(features[column].reset_index(drop=True))
        for label, mask in groups:
            if mask.sum() < min_rows:
                continue
            model_value = float(model[mask].sum() / periods)
            today_value = float(today[mask].sum() / periods)
            found.append(
                Segment(
                    feature=column,
                    segment=label,
                    rows=int(mask.sum()),
                    model_value=model_value,
                    today_value=today_value,
                    lift=model_value - today_value,
                )
            )
    return sorted(found, key=lambda segment: segment.lift)


def _groups(column: pd.Series) -> list[tuple[str, np.ndarray]]:
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > 8:
        quartiles = pd.qcut(column, 4, duplicates="drop")
        groups = [
            (f"{interval.left:,.4g} to {interval.right:,.4g}", (quartiles == interval))
            for interval in quartiles.cat.categories
        ]
        groups.append(("missing", column.isna()))
    else:
        text = column.astype("string").fillna("missing")
        groups = [(str(value), text == value) for value in sorted(text.unique())]
    return [(label, mask.to_numpy(dtype=bool)) for label, mask in groups]
