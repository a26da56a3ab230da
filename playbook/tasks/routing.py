"""Stage 4 for routing: which queue a support ticket goes to, or to a person.

A router reads a ticket's text and either sends it to one of the labels (a team's
queue) or, when it is unsure, to a person who routes it by hand. A ticket routed right
earns `kpi.value_per_correct` (a dispatcher's time saved), a ticket routed wrong costs
`kpi.cost_per_wrong` (re-routing, a slower answer), and a ticket left to a person earns
nothing. The KPI is the net value per period of the test tickets.

The candidates read the text through TF-IDF of words and of character n-grams and a
linear model; each is tuned on validation rows taken from the training side, with the
confidence threshold below which it hands a ticket to a person chosen there to maximise
the KPI. The ladder on the test rows holds every ticket to a person (worth 0), every
ticket to the most common label (the trivial baseline), the charter's keyword router,
and the best settings of each candidate, refitted on all training rows.
"""

from __future__ import annotations

import dataclasses
import difflib
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
from sklearn.metrics import f1_score
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from playbook import data
from playbook.charter.model import Baseline, Charter, Kpi, Route
from playbook.errors import CharterError, DataError
from playbook.tasks import bootstrap, experiment, holdout, tuning
from playbook.tasks.comparison import (
    BASELINE,
    CANDIDATE,
    TODAY,
    Comparison,
    Rung,
    Scored,
)
from playbook.tasks.decision import decide_poc
from playbook.tasks.kpi import KpiReport
from playbook.tasks.models import CandidateSpec

PERSON = "person"
"""The decision for a ticket that no queue gets: a person routes it by hand."""

MODEL_NAME = "the model"
BASELINE_NAMES = {
    "person": "every ticket to a person",
    "prior": "every ticket to the most common label",
    "keywords": "today's keyword router",
}
# A calibrated SVM needs this many rows of every label (one per cross-validation fold).
_CALIBRATION_FOLDS = 3


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
        CalibratedClassifierCV(svm, method="temperature", cv=_CALIBRATION_FOLDS)
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


def row_values(actual: np.ndarray, decision: np.ndarray, *, kpi: Kpi) -> np.ndarray:
    """What each decision earned: the value if right, minus the cost if wrong, or 0."""
    actual = np.asarray(actual, dtype=object)
    decision = np.asarray(decision, dtype=object)
    routed = decision != PERSON
    right = routed & (decision == actual)
    return np.where(
        right, kpi.value_per_correct, np.where(routed, -kpi.cost_per_wrong, 0.0)
    ).astype(float)


def best_threshold(
    confidence: np.ndarray, correct: np.ndarray, *, kpi: Kpi
) -> tuple[float, float]:
    """The threshold that earns most when the tickets above it are routed; its value.

    Tickets are routed most confident first; every cut between two distinct
    confidences is tried, and the threshold is the midpoint of the cut. Routing none
    (threshold 1) wins ties, so a router is never asked to take risks for nothing.

    Args:
        confidence: The router's top probability for each ticket.
        correct: Whether its top label is the ticket's label.
        kpi: The charter's KPI (value of a right route, cost of a wrong one).

    Returns:
        The threshold and the total value on these tickets.
    """
    confidence = np.asarray(confidence, dtype=float)
    order = np.argsort(-confidence, kind="stable")
    ranked = confidence[order]
    gains = np.where(
        np.asarray(correct)[order], kpi.value_per_correct, -kpi.cost_per_wrong
    )
    if not len(ranked):
        return 1.0, 0.0
    ends = np.flatnonzero(np.r_[ranked[:-1] > ranked[1:], True])
    totals = np.r_[0.0, np.cumsum(gains)[ends]]
    best = int(np.argmax(totals))
    if best == 0:
        return 1.0, 0.0
    end = ends[best - 1]
    threshold = (ranked[end] + ranked[end + 1]) / 2 if end + 1 < len(ranked) else 0.0
    return float(threshold), float(totals[best])


def compare(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    seed: int,
    tuning_seconds: float,
    trials: int | None = None,
) -> Comparison:
    """Tune, fit and judge the text routers against the baselines on the test rows.

    Each candidate setting is fitted on part of the training rows, its threshold picked
    on the rest (the validation rows) to maximise the KPI, and the best setting of each
    candidate refitted on all training rows with that threshold. Settings are tried in
    a fixed order until `tuning_seconds` is spent (each candidate's first setting is
    always tried), so the same seed gives the same numbers whenever the budget lets
    the same settings run; `trials` fixes their number whatever the clock. The linear
    SVM is left out when a label has fewer than three rows to fit on (its calibration
    needs one per fold).

    Raises:
        CharterError: The charter is not a routing charter, lacks data.text or the
            baseline, or a keyword route names a label the data never has.
        DataError: The text or label column is missing, labels are missing, a label is
            "person", no ticket has text, or the split leaves too few rows.
    """
    definition, plan, text = _routing_sections(poc)
    _check_columns(frame, poc=poc)
    labels = _labels(frame, poc=poc)
    _check_labels(labels, poc=poc)
    _check_routes(plan, labels, poc=poc)
    if not any(texts_of(frame[text]) != ""):
        raise DataError(
            f"{_where(poc)}: column {text!r} (data.text) holds no text in any row; a "
            f"router has nothing to read. Check the extract."
        )
    features = [text]
    split = holdout.split(frame, poc=poc, seed=seed)
    fit, check = holdout.validation(frame, split, poc=poc, seed=seed)
    checked = frame.iloc[check]
    check_periods = len(set(periods_of(checked, poc=poc)))
    thresholds: list[float] = []

    def validate(pipeline: Pipeline) -> float:
        label, top, known = pipeline[-1].top_choice(
            pipeline[:-1].transform(checked[features])
        )
        threshold, value = best_threshold(
            top[known], label[known] == labels[check][known], kpi=definition
        )
        thresholds.append(threshold)
        return value / check_periods

    fewest = min(
        pd.Series(labels[rows]).value_counts().min() for rows in (fit, split.train)
    )
    specs = [
        spec
        for spec in ROUTING_CANDIDATES
        if spec.build is not linear_svm or fewest >= _CALIBRATION_FOLDS
    ]
    tuned = tuning.tune(
        specs,
        fit_rows=(frame.iloc[fit][features], labels[fit]),
        validate=validate,
        seconds=tuning_seconds,
        trials=trials,
        seed=seed,
    )
    tried = [
        dataclasses.replace(found, params={**found.params, "threshold": threshold})
        for found, threshold in zip(tuned.tried, thresholds, strict=True)
    ]
    train = frame.iloc[split.train]
    fitted: dict[str, tuple[str, Pipeline]] = {}
    for spec in specs:
        own = [found for found in tried if found.name == spec.name]
        if not own:
            continue
        best = next((found for found in own if found.chosen), None) or max(
            own, key=lambda found: found.validation_kpi
        )
        params = {k: v for k, v in best.params.items() if k != "threshold"}
        pipeline = spec.build(params, seed)
        pipeline.set_params(route__threshold=best.params["threshold"])
        fitted[spec.name] = (
            f"{spec.name} {_settings(best.params)}",
            pipeline.fit(train[features], labels[split.train]),
        )
    chosen_name, model = fitted[tuned.best_spec.name]
    test = frame.iloc[split.test]
    scored = score(test, model=model, features=features, poc=poc, seed=seed)
    actual, periods = labels[split.test], periods_of(test, poc=poc)
    ladder = [rung for rung in scored.ladder if rung.role != CANDIDATE]
    for name, (full_name, pipeline) in fitted.items():
        if name == tuned.best_spec.name:
            rung = next(rung for rung in scored.ladder if rung.role == CANDIDATE)
            ladder.append(dataclasses.replace(rung, name=full_name))
            continue
        decision, top, top_label = _route(pipeline, test[features])
        ladder.append(
            Rung(
                name=full_name,
                role=CANDIDATE,
                kpi=_per_period(row_values(actual, decision, kpi=definition), periods),
                metrics={
                    **_metrics(actual, decision),
                    **_model_metrics(actual, top, top_label),
                },
            )
        )
    return Comparison(
        task="routing",
        holdout=split,
        model=model,
        model_name=chosen_name,
        features=features,
        kpi=scored.kpi,
        decision=decide_poc(scored.kpi),
        ladder=ladder,
        candidates=tried,
        experiment_inputs=scored.experiment_inputs,
        rows=scored.rows,
        test_frame=frame.iloc[split.test],
        periods=periods_of(frame, poc=poc),
        validation=check,
    )


def score(
    rows: pd.DataFrame, *, model: Pipeline, features: list[str], poc: Charter, seed: int
) -> Scored:
    """Apply a fitted router and every baseline to labelled tickets and compare them.

    Used on the held-out test rows in stage 4 and on a later labelled batch in stage 5.
    The lift over today's baseline gets a paired bootstrap interval: tickets are
    resampled within each period, both policies scored on the same draw.

    The metrics of each rung: `accuracy` (share of all tickets routed to their label;
    a ticket left to a person counts as not routed right), `coverage` (share routed
    automatically), `routed_accuracy` (share right among those routed), `macro_f1`
    (F1 averaged over the labels the tickets have, where a ticket left to a person is
    a miss for its label and a prediction of none). The models add `top1_accuracy`
    (accuracy if every ticket were routed to its likeliest label) and `top_brier`
    (Brier score of the top probability as a forecast of being right).

    Raises:
        CharterError: The charter is not a routing charter or lacks what routing needs.
        DataError: The text or label column is missing, or labels are missing.
    """
    definition, plan, text = _routing_sections(poc)
    _check_columns(rows, poc=poc)
    actual = _labels(rows, poc=poc)
    periods = periods_of(rows, poc=poc)
    decision, top, top_label = _route(model, rows[features])
    decisions = {
        "person": np.full(len(rows), PERSON, dtype=object),
        "prior": np.full(len(rows), str(model[-1].majority_), dtype=object),
    }
    if plan.routes:
        router = KeywordRouter(routes=plan.routes).fit(rows[[text]])
        decisions["keywords"] = router.predict(rows[[text]])
    values = {
        key: row_values(actual, chosen, kpi=definition)
        for key, chosen in {**decisions, "model": decision}.items()
    }
    ladder = [
        Rung(
            name=BASELINE_NAMES[key],
            role=TODAY if key == plan.today else BASELINE,
            kpi=_per_period(values[key], periods),
            metrics=_metrics(actual, chosen),
        )
        for key, chosen in decisions.items()
    ]
    ladder.append(
        Rung(
            name=MODEL_NAME,
            role=CANDIDATE,
            kpi=_per_period(values["model"], periods),
            chosen=True,
            metrics={
                **_metrics(actual, decision),
                **_model_metrics(actual, top, top_label),
            },
        )
    )
    report = _report(
        values["model"],
        values[plan.today],
        periods,
        kpi=definition,
        baseline_name=BASELINE_NAMES[plan.today],
        seed=seed,
    )
    units = len(rows) / len(set(periods))
    experiment_inputs = experiment.ExperimentInputs(
        units_per_period=units,
        control=experiment.value_moments(values[plan.today]),
        treatment=experiment.value_moments(values["model"]),
    )
    table = pd.DataFrame(
        {
            "id": rows[poc.data.id].to_numpy() if poc.data.id else rows.index,
            "period": periods,
            "actual": actual,
            "decision_model": decision,
            "decision_today": decisions[plan.today],
            "value_model": values["model"],
            "value_today": values[plan.today],
            "confidence": top,
            "top_label": top_label,
        }
    )
    return Scored(
        kpi=report, ladder=ladder, experiment_inputs=experiment_inputs, rows=table
    )


def periods_of(frame: pd.DataFrame, *, poc: Charter) -> np.ndarray:
    """Each ticket's KPI period: the time column's value, or "all" without one."""
    if poc.data.time:
        return frame[poc.data.time].astype(str).to_numpy()
    return np.full(len(frame), "all")


def _route(
    model: Pipeline, X: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The router's decisions, top probabilities and likeliest labels for `X`."""
    router = model[-1]
    label, top, known = router.top_choice(model[:-1].transform(X))
    return router.decide(label, top, known), top, label.astype(object)


def _report(
    model_values: np.ndarray,
    today_values: np.ndarray,
    periods: np.ndarray,
    *,
    kpi: Kpi,
    baseline_name: str,
    seed: int,
) -> KpiReport:
    labels = sorted(set(periods))
    per_period = {
        label: {
            "model": float(model_values[periods == label].sum()),
            "baseline": float(today_values[periods == label].sum()),
        }
        for label in labels
    }
    model_kpi = _per_period(model_values, periods)
    baseline_kpi = _per_period(today_values, periods)
    low, high = bootstrap.within_periods(
        model_values - today_values,
        periods,
        resamples=kpi.bootstrap_resamples,
        confidence=kpi.confidence,
        seed=seed,
    )
    within = (
        f"within each {kpi.period}"
        if len(labels) > 1 or labels != ["all"]
        else f"(all held-out tickets stand for one {kpi.period})"
    )
    return KpiReport(
        metric=kpi.name,
        unit=kpi.unit,
        period=kpi.period,
        baseline_name=baseline_name,
        baseline=baseline_kpi,
        model=model_kpi,
        lift=model_kpi - baseline_kpi,
        lift_ci_low=low,
        lift_ci_high=high,
        min_lift=float(kpi.min_lift) if kpi.min_lift is not None else float("nan"),
        relative_lift=(model_kpi / baseline_kpi - 1) if baseline_kpi > 0 else None,
        confidence=kpi.confidence,
        resamples=kpi.bootstrap_resamples,
        test_rows=len(periods),
        test_periods=labels,
        per_period=per_period,
        method=(
            f"paired bootstrap, {kpi.bootstrap_resamples} resamples of the test "
            f"tickets {within}; {kpi.confidence:.0%} percentile interval"
        ),
        better="higher",
    )


def _per_period(values: np.ndarray, periods: np.ndarray) -> float:
    return float(np.sum(values) / len(set(periods)))


def _metrics(actual: np.ndarray, decision: np.ndarray) -> dict[str, float]:
    routed = decision != PERSON
    right = routed & (decision == actual)
    present = sorted(set(actual))
    return {
        "accuracy": float(right.mean()),
        "coverage": float(routed.mean()),
        "routed_accuracy": float(right.sum() / routed.sum())
        if routed.any()
        else np.nan,
        "macro_f1": float(
            f1_score(
                actual.astype(str),
                decision.astype(str),
                labels=present,
                average="macro",
                zero_division=0,
            )
        ),
    }


def _model_metrics(
    actual: np.ndarray, top: np.ndarray, top_label: np.ndarray
) -> dict[str, float]:
    correct = (top_label == actual).astype(float)
    return {
        "top1_accuracy": float(correct.mean()),
        "top_brier": float(np.mean((top - correct) ** 2)),
    }


def _routing_sections(poc: Charter) -> tuple[Kpi, Baseline, str]:
    definition = poc.need("kpi")
    if definition.kind != "routing":
        raise CharterError(
            f"{poc.source}: kpi.kind is {definition.kind!r}; routing needs "
            f"kpi.kind: routing (with value_per_correct and cost_per_wrong)."
        )
    plan = poc.need("baseline")
    if plan.today not in ("keywords", "prior"):
        raise CharterError(
            f"{poc.source}: baseline.today is {plan.today!r}; a router's baseline is "
            f"keywords (baseline.routes) or prior (everything to the most common "
            f"label)."
        )
    if not poc.data.text:
        raise CharterError(
            f"{poc.source}: data.text is missing: a router reads the ticket text from "
            f"the column it names. Add e.g. `text: text` under data."
        )
    return definition, plan, poc.data.text


def _check_columns(frame: pd.DataFrame, *, poc: Charter) -> None:
    data.require_columns(frame, poc=poc)
    gaps = int(frame[poc.data.target].isna().sum())
    if gaps:
        raise DataError(
            f"{_where(poc)}: column {poc.data.target!r} (data.target) is missing for "
            f"{gaps:,} of {len(frame):,} tickets; a router can only be judged on "
            f"tickets whose queue is known. Drop or label them."
        )


def _labels(frame: pd.DataFrame, *, poc: Charter) -> np.ndarray:
    """The target as text, so that it compares with the charter's route labels."""
    return frame[poc.data.target].astype(str).to_numpy(dtype=object)


def _check_labels(labels: np.ndarray, *, poc: Charter) -> None:
    if PERSON in set(labels):
        raise DataError(
            f"{_where(poc)}: column {poc.data.target!r} has a label {PERSON!r}, which "
            f"playbook uses for tickets left to a person. Rename that label."
        )


def _check_routes(plan: Baseline, labels: np.ndarray, *, poc: Charter) -> None:
    known = sorted(set(labels))
    for index, route in enumerate(plan.routes):
        if route.label in known:
            continue
        close = difflib.get_close_matches(route.label, known, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise CharterError(
            f"{poc.source}: baseline.routes[{index}].label is {route.label!r}, a label "
            f"the data never has in {poc.data.target!r}, so every ticket routed there "
            f"would count as wrong.{hint} Fix the route's label."
        )


def _where(poc: Charter) -> str:
    return str(poc.data.path) if poc.data.path else "the data"


def _settings(params: dict) -> str:
    shown = {
        key: (f"{value:.2f}" if key == "threshold" else f"{value:g}")
        for key, value in params.items()
    }
    return "(" + ", ".join(f"{key}={value}" for key, value in shown.items()) + ")"
