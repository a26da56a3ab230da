"""A yes/no model's scores made probabilities by one sigmoid fitted on validation rows.

Class weights inflate a model's scores; a sigmoid of the scores' log-odds (Platt
scaling), fitted on rows the model was not fitted on, maps them back to the chance of
a positive. Tuning already fits the chosen setting on the fit rows and scores it on
the validation rows it never saw, so the sigmoid is fitted there, once. The final
model (the same setting fitted on every training row) keeps that sigmoid, as
scikit-learn's `CalibratedClassifierCV(ensemble=False)` keeps the one it fits on
cross-validated scores, with the validation rows as its one fold: no fit beyond the
final one (cross-validation cost three more, most of stage 4 on a million rows), and
the break-even threshold is chosen with the very probabilities the model publishes.

With a time column the validation rows are the latest training period, so the
sigmoid learns how the scores of a model fitted on earlier periods read on a later
one: the same direction as the test. A sigmoid keeps the ranking (and so the top-k
KPI) only while it rises; when it does not, a higher score did not mean a higher
chance of a positive on rows the model had not seen, and the model's scores are
published as scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from playbook.tasks.comparison import Calibration

# Probabilities are clipped this far from 0 and 1 before their log-odds are taken.
_EDGE = 1e-9
# The sigmoid has two parameters and many rows: no penalty is needed.
_NO_PENALTY = 1e6


@dataclass(frozen=True)
class Sigmoid:
    """p = 1 / (1 + exp(-(slope * log_odds + intercept))), fitted on validation rows.

    Attributes:
        slope: On the scores' log-odds; positive when a higher score means a higher
            chance of a positive.
        intercept: The sigmoid's shift.
    """

    slope: float
    intercept: float

    @property
    def rises(self) -> bool:
        """True when the probability rises with the score (the ranking is kept)."""
        return self.slope > 0

    def probability(self, scores: np.ndarray) -> np.ndarray:
        """The chance of a positive for each of a model's probability-like scores."""
        return 1 / (1 + np.exp(-(self.slope * log_odds(scores) + self.intercept)))


def log_odds(scores: np.ndarray) -> np.ndarray:
    """A model's probability-like scores as log-odds, clipped away from 0 and 1."""
    clipped = np.clip(np.asarray(scores, dtype=float), _EDGE, 1 - _EDGE)
    return np.log(clipped / (1 - clipped))


def fit_sigmoid(scores: np.ndarray, positive: np.ndarray) -> Sigmoid | None:
    """The sigmoid that maps `scores` to the chance of a positive on these rows.

    Args:
        scores: A model's scores (its `predict_proba` for the positive class) on rows
            it was not fitted on.
        positive: Whether each row is a positive.

    Returns:
        The sigmoid, or None when the rows hold one outcome only (nothing to fit).
    """
    if len(np.unique(positive)) < 2:
        return None
    fitted = LogisticRegression(C=_NO_PENALTY).fit(log_odds(scores)[:, None], positive)
    return Sigmoid(
        slope=float(fitted.coef_[0, 0]), intercept=float(fitted.intercept_[0])
    )


class SigmoidCalibrated(ClassifierMixin, BaseEstimator):
    """A fitted yes/no model whose scores pass through a sigmoid fitted elsewhere.

    Not fitted itself: `estimator` is fitted already and `sigmoid` was fitted on
    another model's scores on rows neither saw (the chosen setting's, in tuning).

    Args:
        estimator: A fitted classifier with `predict_proba` (a pipeline).
        sigmoid: The map from its scores to probabilities.
    """

    def __init__(self, estimator: Any, sigmoid: Sigmoid) -> None:
        """Wrap a fitted classifier and its sigmoid."""
        self.estimator = estimator
        self.sigmoid = sigmoid

    @property
    def classes_(self) -> np.ndarray:
        """The wrapped classifier's classes (False, True)."""
        return self.estimator.classes_

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted whenever the wrapped classifier is: the sigmoid is given."""
        return True

    def fit(self, features: Any, target: Any) -> SigmoidCalibrated:
        """Refuse: the sigmoid belongs to validation scores this wrapper never sees.

        Raises:
            TypeError: Always; fit the wrapped estimator and the sigmoid apart
                (`calibrated`).
        """
        raise TypeError(
            "SigmoidCalibrated wraps a fitted model and a sigmoid fitted on another "
            "model's validation scores; fitting it again would keep a stale sigmoid. "
            "Fit the wrapped estimator and call calibration.calibrated instead."
        )

    def predict_proba(self, features: Any) -> np.ndarray:
        """The chance of each class for each row."""
        positive = self.sigmoid.probability(
            self.estimator.predict_proba(features)[:, 1]
        )
        return np.column_stack([1 - positive, positive])

    def decision_function(self, features: Any) -> np.ndarray:
        """The log-odds of a positive for each row."""
        return log_odds(self.predict_proba(features)[:, 1])

    def predict(self, features: Any) -> np.ndarray:
        """The more likely class for each row."""
        return self.classes_[(self.predict_proba(features)[:, 1] >= 0.5).astype(int)]


def calibrated(
    estimator: Pipeline,
    features: pd.DataFrame,
    positive: np.ndarray,
    *,
    validation: tuple[np.ndarray, np.ndarray],
    refit: bool = True,
) -> tuple[Pipeline, Calibration, np.ndarray | None]:
    """The estimator fitted on the training rows, its scores made probabilities.

    The sigmoid is fitted once, on the validation rows' scores of the same setting
    fitted without them (tuning's; below), and kept by the
    model fitted on every training row. It keeps the ranking (and so the top-k KPI)
    only while it rises; when it does not, a higher score did not mean a higher
    chance of a positive on rows the model had not seen, which says the signal is
    weak. The model is then kept uncalibrated, as the ranking matters more than the
    probabilities, and the returned `Calibration` says so: its scores are published
    as scores, never as probabilities (`publishes_probabilities`).

    Args:
        estimator: The chosen setting, unfitted (fitted when `refit` is False).
        features: The training rows' features.
        positive: Whether each training row is a positive.
        validation: The chosen setting's scores on the validation rows (fitted
            without them), and whether each of those rows is a positive.
        refit: False keeps `estimator` as it is, already fitted without the
            validation rows (tuning's fit, when the budget has no time for another).

    Returns:
        The fitted pipeline; whether its scores are probabilities; the validation
        rows' probabilities (None when the sigmoid does not rise or the validation
        rows hold one outcome).
    """
    fitted = clone(estimator).fit(features, positive) if refit else estimator
    scores, outcomes = validation
    sigmoid = fit_sigmoid(scores, outcomes)
    slope = math.nan if sigmoid is None else -sigmoid.slope
    if sigmoid is None or not sigmoid.rises:
        return (
            Pipeline([("uncalibrated", fitted)]),
            Calibration(calibrated=False, slope=slope, weak_signal=sigmoid is not None),
            None,
        )
    return (
        Pipeline([(_CALIBRATED, SigmoidCalibrated(fitted, sigmoid))]),
        Calibration(calibrated=True, slope=slope, weak_signal=False),
        sigmoid.probability(scores),
    )


# The name of the step that turns scores into probabilities; a pipeline without it
# publishes scores.
_CALIBRATED = "calibrated"


def publishes_probabilities(model: Pipeline) -> bool:
    """True when a yes/no model's scores are calibrated probabilities."""
    return model.steps[0][0] == _CALIBRATED
