"""Which features the model leans on: permutation importance on the test rows.

Shuffling one feature costs `REPEATS` predictions of the sample, and a prediction's
cost grows with the columns too: on 3,000 columns that is hours. Beyond
`MOST_PERMUTED` features only the `SCREENED_PERMUTED` the model's score moves with
most are shuffled, picked by one prediction of the sample (`screen`); the others are
not measured, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import get_scorer
from sklearn.pipeline import Pipeline

# Permuting every feature of a large test set several times costs many predictions;
# a sample this size ranks features steadily and keeps the stage fast.
SAMPLE_ROWS = 2000
REPEATS = 5
# A chart shows the top 15; shuffling this many keeps the cost flat in the columns.
MOST_PERMUTED = 50
# Beyond that, the screen's first 20 are shuffled: the chart shows 15 and the
# segments split 20 (`poc_stage.SEGMENT_FEATURES`), and each shuffle is a prediction
# that costs about 0.3 s of CPU on 3,000 columns (50 took minutes of stage 4).
SCREENED_PERMUTED = 20
SCORING = {
    "top_k": ("average_precision", "average precision"),
    "forecast": ("neg_mean_absolute_error", "mean absolute error"),
    "routing": ("accuracy", "accuracy"),
}


@dataclass(frozen=True)
class Importance:
    """How much the model's score drops when one feature is shuffled."""

    feature: str
    drop: float
    spread: float


def importance(
    model: Pipeline,
    rows: pd.DataFrame,
    target: np.ndarray,
    *,
    features: list[str],
    task: str,
    seed: int,
) -> tuple[list[Importance], str]:
    """Permutation importance of each feature on (a sample of) the test rows.

    Returns:
        The features shuffled (every one, or the `SCREENED_PERMUTED` that `screen`
        puts first), largest drop first, and the name of the score that drops.
    """
    scoring, label = SCORING[task]
    rng = np.random.default_rng([seed, 5])
    keep = np.sort(rng.permutation(len(rows))[:SAMPLE_ROWS])
    sample, outcome = rows.iloc[keep][features], np.asarray(target)[keep]
    if len(features) > MOST_PERMUTED:
        shuffled = screen(model, sample, task=task)[:SCREENED_PERMUTED]
        return _shuffled(model, sample, outcome, shuffled, scoring, seed), label
    result = permutation_importance(
        model,
        sample,
        outcome,
        scoring=scoring,
        n_repeats=REPEATS,
        random_state=seed,
    )
    found = [
        Importance(feature, float(mean), float(std))
        for feature, mean, std in zip(
            features, result.importances_mean, result.importances_std, strict=True
        )
    ]
    return sorted(found, key=lambda item: -item.drop), label


def screen(model: Pipeline, rows: pd.DataFrame, *, task: str) -> list[str]:
    """The columns of `rows`, those the model's output moves with most first.

    One prediction of the rows: a number column's strength is the absolute rank
    correlation of its values with the output, any other column's the correlation
    ratio (the share of the output's spread its values explain, square-rooted). A
    constant column or output scores zero. Ties keep the columns' order.
    """
    output = _output(model, rows, task=task)
    # The output's ranks once, not once per column (3,000 times on wide data).
    output_ranks = _ranks(output)
    strength = []
    for name in rows.columns:
        column = rows[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(
            column
        ):
            ranks = column.rank()
            ranked = ranks.fillna(ranks.mean())
            value = abs(_correlation(ranked.to_numpy(float), output_ranks))
        else:
            value = _correlation_ratio(column.astype("string").fillna(""), output)
        strength.append(0.0 if np.isnan(value) else value)
    order = np.argsort(-np.asarray(strength), kind="stable")
    return [str(rows.columns[i]) for i in order]


def _output(model: Pipeline, rows: pd.DataFrame, *, task: str) -> np.ndarray:
    if task == "forecast":
        return np.asarray(model.predict(rows), dtype=float)
    # A yes/no model's chance of yes; a router's confidence in its label.
    probability = model.predict_proba(rows)
    return probability[:, 1] if task == "top_k" else probability.max(axis=1)


def _ranks(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank().to_numpy(float)


def _correlation(first: np.ndarray, second: np.ndarray) -> float:
    if first.std() == 0 or second.std() == 0:
        return 0.0
    return float(np.corrcoef(first, second)[0, 1])


def _correlation_ratio(labels: pd.Series, output: np.ndarray) -> float:
    spread = output.var()
    if spread == 0:
        return 0.0
    means = pd.Series(output).groupby(labels.to_numpy()).transform("mean")
    return float(np.sqrt(means.to_numpy(float).var() / spread))


def _shuffled(
    model: Pipeline,
    rows: pd.DataFrame,
    target: np.ndarray,
    columns: list[str],
    scoring: str,
    seed: int,
) -> list[Importance]:
    """Permutation importance of `columns` only, each shuffled `REPEATS` times."""
    scorer = get_scorer(scoring)
    rng = np.random.default_rng([seed, 6])
    before = scorer(model, rows, target)
    found = []
    # One copy, each column shuffled in it and put back: a copy per shuffle moved
    # the whole sample (48 MB on 3,000 columns) 250 times for 50 columns.
    shuffled = rows.copy()
    for name in columns:
        drops = []
        for _ in range(REPEATS):
            shuffled[name] = rows[name].to_numpy()[rng.permutation(len(rows))]
            drops.append(before - scorer(model, shuffled, target))
        shuffled[name] = rows[name]
        found.append(Importance(name, float(np.mean(drops)), float(np.std(drops))))
    return sorted(found, key=lambda item: -item.drop)
