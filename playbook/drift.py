"""Stage 5: has the data shifted from training to the latest slice? PSI per feature."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# An empty bin would make the index infinite; a tiny floor keeps it finite and
# comparable.
_FLOOR = 1e-4


@dataclass(frozen=True)
class FeatureDrift:
    """Population stability index of one feature, and what it means."""

    feature: str
    psi: float
    level: str


@dataclass(frozen=True)
class DriftReport:
    """Drift of every feature, most shifted first."""

    reference: str
    current: str
    features: list[FeatureDrift]
    warning: float
    alert: float

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
        edges = (
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
    reference_name: str,
    current_name: str,
) -> DriftReport:
    """PSI of each column between two slices of the data, most shifted first."""
    rows = []
    for column in columns:
        value = psi(reference[column], current[column])
        level = (
            "alert" if value >= alert else "warning" if value >= warning else "stable"
        )
        rows.append(FeatureDrift(feature=column, psi=value, level=level))
    rows.sort(key=lambda row: row.psi, reverse=True)
    return DriftReport(
        reference=reference_name,
        current=current_name,
        features=rows,
        warning=warning,
        alert=alert,
    )
