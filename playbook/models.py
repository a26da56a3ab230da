"""Candidate models: scikit-learn pipelines over the charter's feature columns."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from playbook.charter import Charter


def feature_columns(frame: pd.DataFrame, *, poc: Charter) -> list[str]:
    """Every column except the target, the id and the time column."""
    excluded = {poc.data.target, poc.data.id, poc.data.time}
    return [column for column in frame.columns if column not in excluded]


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
