"""Stage 5: has the data shifted since training? PSI and KS distance per feature.

The population stability index (PSI) compares shares of bins or categories; the
Kolmogorov-Smirnov (KS) distance is the largest gap between two cumulative
distributions of a number. A feature is flagged when either passes its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# An empty bin would make the index infinite; a tiny floor keeps it finite and
# comparable.
_FLOOR = 1e-4


@dataclass(frozen=True)
class FeatureDrift:
    """How far one feature moved, and what it means."""

    feature: str
    psi: float
    ks: float | None
    level: str


@dataclass(frozen=True)
class DriftReport:
    """Drift of every feature, most shifted first."""

    reference: str
    current: str
    features: list[FeatureDrift]
    warning: float
    alert: float
    ks_alert: float

    @property
    def alerts(self) -> list[str]:
        """Features above the alert threshold."""
        return [f.feature for f in self.features if f.level == "alert"]


def psi(reference: pd.Series, current: pd.Series, *, bins: int = 10) -> float:
    """Population stability index of `current` against `reference`.

    Numbers are cut at the reference's quantiles (`bins` bins); text is compared
    category by category. Missing values form a bin of their own in both cases.
    """
    if pd.api.types.is_numeric_dtype(reference) and not pd.api.types.is_bool_dtype(
        reference
    ):
        known = reference.dropna().to_numpy(dtype=float)
        edges: list[float] | np.ndarray = (
            np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)))
            if len(known)
            else []
        )
        inner = edges[1:-1] if len(edges) > 2 else np.array([])

        def shares(values: pd.Series) -> np.ndarray:
            numbers = values.to_numpy(dtype=float)
            missing = np.isnan(numbers)
            counts = np.bincount(
                np.searchsorted(inner, numbers[~missing], side="right"),
                minlength=len(inner) + 1,
            )
            return np.append(counts, missing.sum()) / max(len(values), 1)

        expected, actual = shares(reference), shares(current)
    else:
        categories = sorted(
            set(reference.dropna().astype(str)) | set(current.dropna().astype(str))
        )

        def shares(values: pd.Series) -> np.ndarray:
            text = values.astype("string")
            counts = text.value_counts()
            row = [counts.get(category, 0) for category in categories]
            return np.append(row, values.isna().sum()) / max(len(values), 1)

        expected, actual = shares(reference), shares(current)
    expected = np.maximum(expected, _FLOOR)
    actual = np.maximum(actual, _FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def feature_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: list[str],
    warning: float,
    alert: float,
    ks_alert: float,
    reference_name: str,
    current_name: str,
) -> DriftReport:
    """PSI (and KS for numbers) of each column between two samples, most shifted first.

    A feature is on alert when its PSI reaches `alert` or its KS distance reaches
    `ks_alert`, on warning when its PSI reaches `warning`, stable otherwise.
    """
    rows = []
    for column in columns:
        value = psi(reference[column], current[column])
        distance = ks_distance(reference[column], current[column])
        if value >= alert or (distance is not None and distance >= ks_alert):
            level = "alert"
        else:
            level = "warning" if value >= warning else "stable"
        rows.append(FeatureDrift(feature=column, psi=value, ks=distance, level=level))
    rows.sort(key=lambda row: row.psi, reverse=True)
    return DriftReport(
        reference=reference_name,
        current=current_name,
        features=rows,
        warning=warning,
        alert=alert,
        ks_alert=ks_alert,
    )


def ks_distance(reference: pd.Series, current: pd.Series) -> float | None:
    """Largest gap between the two empirical distributions; None for text columns.

    Missing values are left out of both samples.
    """
    if not _is_number(reference) or not _is_number(current):
        return None
    a = np.sort(reference.dropna().to_numpy(dtype=float))
    b = np.sort(current.dropna().to_numpy(dtype=float))
    if not len(a) or not len(b):
        return None
    points = np.concatenate([a, b])
    gap = np.searchsorted(a, points, side="right") / len(a) - np.searchsorted(
        b, points, side="right"
    ) / len(b)
    return float(np.max(np.abs(gap)))


def _is_number(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(
        series
    )
