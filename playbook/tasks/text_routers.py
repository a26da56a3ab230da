"""Routers that read a ticket's text: today's keyword router and the text models.

`KeywordRouter` is the charter's keyword router (`baseline.routes`) written as data.
The candidates read the text through TF-IDF of words and of character n-grams and a
linear model, wrapped in a `ThresholdRouter` that hands a ticket to a person when the
model is unsure. `playbook.tasks.routing` tunes, fits and judges them on the KPI.
Saved models pickle these classes by this module's name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from playbook.charter.model import Route
from playbook.errors import CharterError, DataError
from playbook.tasks.models import CandidateSpec

PERSON = "person"
"""The decision for a ticket that no queue gets: a person routes it by hand."""

CALIBRATION_FOLDS = 3
"""Rows of every label a calibrated SVM needs: one per cross-validation fold."""


def texts_of(X: Any) -> np.ndarray:
    """The ticket texts in `X` (a one-column frame, a series or a list), missing as "".

    Raises:
        DataError: `X` is a frame with more than one column.
    """
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise DataError(
                f"a router reads one text column, got {X.shape[1]}: "
                f"{', '.join(map(str, X.columns))}."
            )
        X = X.iloc[:, 0]
    values = pd.Series(np.asarray(X, dtype=object).ravel())
    return values.where(values.notna(), "").astype(str).to_numpy(dtype=object)


class KeywordRouter(ClassifierMixin, BaseEstimator):
    """A keyword router written as data: the first route whose keyword the text holds.

    A keyword matches a whole word or phrase, whatever the case and the spaces between
    its words; a keyword ending in `*` also matches longer words (`refund*`: refund,
    refunds, refunded). Routes are tried in the charter's order, so a ticket that
    matches two routes goes to the one listed first; a ticket that matches none, or
    has no text, goes to a person. Keywords are matched as text, never run as code.

    Args:
        routes: The charter's routes (`baseline.routes`).
        person: The decision for a ticket no route takes.
    """

    def __init__(self, routes: Sequence[Route] = (), person: str = PERSON):
        """Store the routes as given; `fit` checks them, as scikit-learn expects."""
        self.routes = routes
        self.person = person

    def fit(self, X: Any, y: Any = None) -> KeywordRouter:
        """Check the routes and prepare their patterns; nothing is learnt from `y`.

        Raises:
            CharterError: There are no routes, or a route has no keyword.
        """
        if not self.routes:
            raise CharterError(
                "baseline.routes: a keyword router needs at least one route "
                "({label, keywords})."
            )
        patterns = []
        for index, route in enumerate(self.routes):
            words = [keyword for keyword in route.keywords if keyword.strip(" *")]
            if not words:
                raise CharterError(
                    f"baseline.routes[{index}].keywords: route {route.label!r} has no "
                    f"keyword; list the words or phrases that send a ticket there."
                )
            patterns.append(
                re.compile("|".join(_keyword_pattern(word) for word in words), re.I)
            )
        self.patterns_ = patterns
        self.classes_ = np.array(list(dict.fromkeys(r.label for r in self.routes)))
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Each ticket's route label, or `person` when no route takes it."""
        check_is_fitted(self)
        texts = texts_of(X)
        decision = np.full(len(texts), self.person, dtype=object)
        open_ = np.ones(len(texts), dtype=bool)
        for route, pattern in zip(self.routes, self.patterns_, strict=True):
            hit = np.fromiter(
                (bool(pattern.search(text)) for text in texts), bool, len(texts)
            )
            decision[hit & open_] = route.label
            open_ &= ~hit
        return decision


def _keyword_pattern(keyword: str) -> str:
    """A regular expression for one keyword: whole words, `*` at the end for more."""
    stem = keyword.strip()
    open_end = stem.endswith("*")
    words = stem.rstrip("*").split()
    body = r"\s+".join(re.escape(word) for word in words)
    tail = r"\w*" if open_end else ""
    return rf"(?<!\w){body}{tail}(?!\w)"


class ThresholdRouter(ClassifierMixin, BaseEstimator):
    """A classifier that routes a ticket only when it is sure enough, else to a person.

    A ticket goes to its likeliest label when that label's probability is above
    `threshold`, and to `person` otherwise, or when the ticket holds no word or
    character sequence the classifier has seen. `predict_proba` is the classifier's.

    Args:
        estimator: A classifier with `predict_proba`, cloned and fitted by `fit`.
        threshold: Route only above this top probability (0 routes every ticket with
            some known text, 1 routes none).
        person: The decision for a ticket the router does not route.
    """

    def __init__(
        self, estimator: Any = None, threshold: float = 0.0, person: str = PERSON
    ):
        """Store the settings as given, as scikit-learn expects."""
        self.estimator = estimator
        self.threshold = threshold
        self.person = person

    def fit(self, X: Any, y: Any) -> ThresholdRouter:
        """Fit the classifier, and remember the most common label (the prior)."""
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be within [0, 1], got {self.threshold}")
        y = np.asarray(y)
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        values, counts = np.unique(y, return_counts=True)
        self.majority_ = values[counts.argmax()]
        if hasattr(self.estimator_, "n_features_in_"):
            self.n_features_in_ = self.estimator_.n_features_in_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """The classifier's probability of each label."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    def top_choice(self, X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The likeliest label, its probability, and whether the row has known text."""
        probability = self.predict_proba(X)
        best = probability.argmax(axis=1)
        top = probability[np.arange(len(best)), best]
        if sparse.issparse(X):
            known = np.asarray(abs(sparse.csr_array(X)).sum(axis=1)).ravel() > 0
        else:
            known = (np.asarray(X) != 0).any(axis=1)
        return self.classes_[best], top, known

    def decide(
        self, label: np.ndarray, top: np.ndarray, known: np.ndarray
    ) -> np.ndarray:
        """Route to `label` where the text is known and `top` is above the threshold.

        The labels keep their type when every row is routed; otherwise the result
        holds objects, labels and `person` mixed.
        """
        routed = known & (top > self.threshold)
        if routed.all():
            return np.asarray(label)
        decision = np.asarray(label, dtype=object).copy()
        decision[~routed] = self.person
        return decision

    def predict(self, X: Any) -> np.ndarray:
        """The likeliest label where the router is sure enough, else `person`."""
        return self.decide(*self.top_choice(X))

    def __sklearn_tags__(self):
        """Sparse input is fine: it is what the TF-IDF step hands over."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _text_features() -> FeatureUnion:
    """TF-IDF of words and word pairs, and of character 2- to 5-grams (typos, stems)."""
    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
            (
                "characters",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )


def _router(classifier: Any) -> Pipeline:
    return Pipeline(
        [
            ("text", FunctionTransformer(texts_of)),
            ("tfidf", _text_features()),
            ("route", ThresholdRouter(classifier)),
        ]
    )


def logistic_sgd(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    """Logistic regression fitted by gradient descent (SGD): quick with many labels."""
    settings = {"alpha": 1e-5, **(params or {})}
    return _router(SGDClassifier(loss="log_loss", random_state=seed, **settings))


def linear_svm(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    """A linear SVM whose scores temperature scaling turns into probabilities."""
    settings = {"C": 0.5, **(params or {})}
    svm = LinearSVC(random_state=seed, **settings)
    return _router(
        CalibratedClassifierCV(svm, method="temperature", cv=CALIBRATION_FOLDS)
    )


def complement_nb(params: dict[str, Any] | None = None, seed: int = 0) -> Pipeline:
    """Complement naive Bayes: the quickest, a floor for the linear models."""
    return _router(ComplementNB(**{"alpha": 0.3, **(params or {})}))


ROUTING_CANDIDATES = (
    CandidateSpec(
        "logistic regression",
        logistic_sgd,
        [{"alpha": 1e-5}, {"alpha": 3e-5}, {"alpha": 1e-4}],
    ),
    CandidateSpec("linear SVM", linear_svm, [{"C": 0.5}, {"C": 0.2}, {"C": 2.0}]),
    CandidateSpec(
        "complement naive Bayes",
        complement_nb,
        [{"alpha": 0.3}, {"alpha": 1.0}, {"alpha": 0.1}],
    ),
)
