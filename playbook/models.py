"""Candidate models: scikit-learn pipelines over the charter's feature columns."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from playbook import leakage, pii
from playbook.charter import Charter


def feature_columns(frame: pd.DataFrame, *, poc: Charter) -> list[str]:
    """The columns the model may use: all but those `excluded_columns` names."""
    excluded = excluded_columns(frame, poc=poc)
    return [column for column in frame.columns if column not in excluded]


def excluded_columns(frame: pd.DataFrame, *, poc: Charter) -> dict[str, str]:
    """The columns kept out of the model, each with the reason, in the frame's order.

    The target, the id and the time column; the columns the charter excludes
    (`data.exclude`); personal data, unless `data.allow_pii` lists the column; and
    columns that leak the target (`playbook.leakage`, its quick checks), unless
    `data.allow_leaks` lists them. It depends only on the data and the charter, so any
    stage gets the same answer, whether stage 3 ran or not.
    """
    data = poc.data
    reasons: dict[str, str] = {}
    for column, why in (
        (data.target, "the target"),
        (data.id, "the id (data.id)"),
        (data.time, "the time column (data.time)"),
    ):
        if column:
            reasons[column] = why
    for column in data.exclude:
        reasons.setdefault(column, "excluded by the charter (data.exclude)")
    personal = pii.detect(frame, declared=data.pii, allowed=data.allow_pii)
    for found in personal:
        if not found.allowed:
            reasons.setdefault(
                found.column,
                f"personal data ({found.kind}); list it in data.allow_pii to use it",
            )
    report = leakage.scan(frame, poc=poc, skip=[p.column for p in personal])
    for finding in report.findings:
        if finding.excluded:
            reasons.setdefault(
                finding.column,
                f"possible leak ({finding.check}): {finding.evidence}; list it in "
                "data.allow_leaks to use it",
            )
    return {column: reasons[column] for column in frame.columns if column in reasons}


def gradient_boosting(*, seed: int) -> Pipeline:
    """Gradient-boosted trees; text one-hot encoded, missing numbers kept as NaN."""
    encode = ColumnTransformer(
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
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, random_state=seed
    )
    return Pipeline([("encode", encode), ("model", model)])
