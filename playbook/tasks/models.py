"""Candidate models: scikit-learn pipelines over the charter's feature columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from playbook.charter.model import Charter
from playbook.core.messages import marked
from playbook.data import leakage, pii
from playbook.tasks.column_findings import ColumnFindings

# Above this many columns a frame is copied once into one block per type before the
# models see it (`packed`); narrower frames are used as read.
PACKED_ABOVE_COLUMNS = 100


@dataclass(frozen=True)
class CandidateSpec:
    """A kind of model and the settings tuning may try, most promising first.

    `build(params, seed)` returns an unfitted pipeline. The first settings are the
    defaults, so a candidate is always fitted once, however short the time budget.
    """

    name: str
    build: Callable[[dict[str, Any], int], Pipeline]
    settings: list[dict[str, Any]] = field(default_factory=lambda: [{}])


def packed(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows with each column type in one block, when the frame is wide.

    pandas keeps every column read from a file in a block of its own, and every
    selection, row slice and conversion a pipeline makes walks all of them: on
    3,000 columns one prediction of one row took 0.25 s of CPU and a whole test
    period 0.7 s, against 0.05 and 0.2 s once packed. One copy (which pandas
    consolidates) puts the number columns in one array. The values, types, names
    and index are unchanged, so a model fitted or scored on either predicts the
    same to the last bit. Frames of at most `PACKED_ABOVE_COLUMNS` columns are
    returned as they are: a copy of a million narrow rows costs memory for little.
    """
    if len(frame.columns) <= PACKED_ABOVE_COLUMNS:
        return frame
    return frame.copy()


def feature_columns(
    frame: pd.DataFrame, *, poc: Charter, findings: ColumnFindings | None = None
) -> list[str]:
    """The columns the model may use: all but those `excluded_columns` names.

    `findings` are stage 3's PII and leak findings on this data
    (`column_findings.from_data_strategy`); None finds them again.
    """
    excluded = excluded_columns(
        frame,
        poc=poc,
        personal=findings.personal if findings else None,
        leaks=findings.leaks if findings else None,
    )
    return [column for column in frame.columns if column not in excluded]


def tabular_columns(
    frame: pd.DataFrame, *, poc: Charter, findings: ColumnFindings | None = None
) -> list[str]:
    """The feature columns that split into groups and have distributions to compare.

    Free text (`data.text`) is left out: every ticket's words differ, so per-value
    drift and segments say nothing about it. `findings` as in `feature_columns`.
    """
    features = feature_columns(frame, poc=poc, findings=findings)
    return [c for c in features if c != poc.data.text]


def excluded_columns(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    personal: list[pii.PiiColumn] | None = None,
    leaks: leakage.LeakageReport | None = None,
) -> dict[str, str]:
    """The columns kept out of the model, each with the reason, in the frame's order.

    The target, the id and the time column; the columns the charter excludes
    (`data.exclude`); columns that are personal data as a whole, unless
    `data.allow_pii` lists them (`pii.PiiColumn.excluded`: a column with personal
    data in a few values, or the free text a router reads, stays, its personal
    values replaced by placeholders when the data is read); and
    columns that leak the target (`playbook.data.leakage`, its quick checks), unless
    `data.allow_leaks` lists them. It depends only on the data and the charter, so any
    stage gets the same answer, whether stage 3 ran or not.

    Args:
        frame: The data.
        poc: The charter.
        personal: `pii.detect`'s answer on this frame with the charter's `data.pii`,
            `data.allow_pii` and `data.text`, when the caller has it; None finds it.
        leaks: `leakage.scan`'s answer on this frame skipping `personal`, quick or
            deep (the deep scan only adds warnings, which keep no column out), when
            the caller has it; None runs the quick scan. Stage 3 passes both, so
            the scans run once on a million rows.
    """
    data = poc.data
    reasons: dict[str, str] = {}
    for column, why in (
        (data.target, marked("the target")),
        (data.id, marked("the id (data.id)")),
        (data.time, marked("the time column (data.time)")),
    ):
        if column:
            reasons[column] = why
    if poc.baseline is not None and poc.baseline.score_column:
        reasons[poc.baseline.score_column] = (
            "today's score (baseline.score_column): the model must beat it, not copy it"
        )
    for column in data.exclude:
        reasons.setdefault(column, marked("excluded by the charter (data.exclude)"))
    if poc.kpi is not None and poc.kpi.kind == "forecast":
        for column in data.calendar.observed_same_day:
            reasons.setdefault(
                column,
                "observed on the day (data.observed_same_day): read lagged by the "
                "horizon instead",
            )
    if personal is None:
        personal = pii.detect(
            frame, declared=data.pii, allowed=data.allow_pii, free_text=data.text
        )
    for found in personal:
        if found.excluded:
            reasons.setdefault(
                found.column,
                f"personal data ({found.kind}); list it in data.allow_pii to use it",
            )
    if leaks is None:
        leaks = leakage.scan(frame, poc=poc, skip=[p.column for p in personal])
    for finding in leaks.findings:
        if finding.excluded:
            reasons.setdefault(
                finding.column,
                f"possible leak ({finding.check}): {finding.evidence}; list it in "
                "data.allow_leaks to use it",
            )
    return {column: reasons[column] for column in frame.columns if column in reasons}


def _trees_encoding() -> ColumnTransformer:
    """Text one-hot encoded (rare levels pooled), numbers passed through with NaN."""
    return ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20),
                make_column_selector(dtype_exclude="number"),
            )
        ],
        remainder="passthrough",
        sparse_threshold=0,
    )


def _linear_encoding() -> ColumnTransformer:
    """Numbers imputed (with a missing flag) and scaled; text one-hot encoded."""
    numbers = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
    )
    categories = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20),
    )
    return ColumnTransformer(
        [
            ("numbers", numbers, make_column_selector(dtype_include="number")),
            ("categories", categories, make_column_selector(dtype_exclude="number")),
        ],
        sparse_threshold=0,
    )


def gradient_boosting(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    """Gradient-boosted trees for a yes/no outcome; classes weighted to balance."""
    settings = {"learning_rate": 0.05, "max_leaf_nodes": 31, **(params or {})}
    model = HistGradientBoostingClassifier(
        max_iter=200, class_weight="balanced", random_state=seed, **settings
    )
    return Pipeline([("encode", _trees_encoding()), ("model", model)])


def logistic(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    """L2-regularised logistic regression; classes weighted to balance."""
    settings = {"C": 1.0, **(params or {})}
    model = LogisticRegression(
        max_iter=2000, class_weight="balanced", random_state=seed, **settings
    )
    return Pipeline([("encode", _linear_encoding()), ("model", model)])


def gradient_boosting_regressor(
    params: dict[str, Any] | None = None, seed: int = 0
) -> Pipeline:
    """Gradient-boosted trees for a number (absolute error: robust to spikes)."""
    settings = {"learning_rate": 0.05, "max_leaf_nodes": 31, **(params or {})}
    model = HistGradientBoostingRegressor(
        max_iter=300, loss="absolute_error", random_state=seed, **settings
    )
    return Pipeline([("encode", _trees_encoding()), ("model", model)])


def ridge(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    """Ridge regression (L2-regularised least squares)."""
    settings = {"alpha": 1.0, **(params or {})}
    return Pipeline([("encode", _linear_encoding()), ("model", Ridge(**settings))])


BINARY_CANDIDATES = (
    CandidateSpec(
        "logistic regression",
        logistic,
        [{"C": 1.0}, {"C": 0.1}, {"C": 10.0}],
    ),
    CandidateSpec(
        "gradient-boosted trees",
        gradient_boosting,
        [
            {"learning_rate": 0.05, "max_leaf_nodes": 31},
            {"learning_rate": 0.1, "max_leaf_nodes": 15},
            {"learning_rate": 0.1, "max_leaf_nodes": 31, "l2_regularization": 1.0},
        ],
    ),
)

REGRESSION_CANDIDATES = (
    CandidateSpec("ridge regression", ridge, [{"alpha": 1.0}, {"alpha": 10.0}]),
    CandidateSpec(
        "gradient-boosted trees",
        gradient_boosting_regressor,
        [
            {"learning_rate": 0.05, "max_leaf_nodes": 31},
            {"learning_rate": 0.1, "max_leaf_nodes": 15},
        ],
    ),
)
