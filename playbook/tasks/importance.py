"""Which features the model leans on: permutation importance on the test rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

# Permuting every feature of a large test set several times costs many predictions;
# a sample this size ranks features steadily and keeps the stage fast.
SAMPLE_ROWS = 2000
REPEATS = 5
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
        The features, largest drop first, and the name of the score that drops.
    """
    scoring, label = SCORING[task]
    rng = np.random.default_rng([seed, 5])
    keep = np.sort(rng.permutation(len(rows))[:SAMPLE_ROWS])
    result = permutation_importance(
        model,
        rows.iloc[keep][features],
        np.asarray(target)[keep],
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
