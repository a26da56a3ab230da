"""Stage 4 for a yes/no decision with a capacity: who to call, review or contact first.

The candidates (a regularised logistic regression and gradient-boosted trees) are tuned
on validation rows taken from the training side, the best one is refitted on all
training rows and calibrated (`calibrated`), and it is judged on the test rows against
every baseline the charter allows: random at the same capacity, today's rule, an
existing score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline

from playbook.charter import kpi_terms
from playbook.charter.model import Baseline, Charter, Kpi
from playbook.errors import DataError
from playbook.tasks import experiment, holdout, kpi, models, tuning
from playbook.tasks.baselines import RuleBaseline
from playbook.tasks.comparison import (
    BASELINE,
    CANDIDATE,
    MODEL_NAME,
    TODAY,
    Calibration,
    Comparison,
    Rung,
    Scored,
)
from playbook.tasks.decision import decide_poc

BASELINE_NAMES = {
    "prior": "random at the same capacity",
    "rule": "today's rule",
    "score": "today's score",
}


def compare(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    seed: int,
    tuning_seconds: float,
    trials: int | None = None,
) -> Comparison:
    """Tune, fit and judge the candidate models against the baselines on the test rows.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
        DataError: The split leaves one side with a single class.
    """
    definition = poc.need("kpi")
    poc.need("baseline")
    split = holdout.split(frame, poc=poc, seed=seed)
    features = models.feature_columns(frame, poc=poc)
    positive = is_positive(frame, poc=poc)
    fit, check = holdout.validation(frame, split, poc=poc, seed=seed)
    if len(np.unique(positive[fit])) < 2 or len(np.unique(positive[check])) < 2:
        raise DataError(
            f"{poc.data.path}: the training rows are too few to hold out validation "
            f"rows with both outcomes of {poc.data.target!r}. Add data."
        )
    checked = frame.iloc[check]
    check_periods = holdout.periods_of(checked, poc=poc).to_numpy()
    capacity = _validation_capacity(check_periods, split, kpi=definition)

    def validate(pipeline: Pipeline) -> float:
        probability = pipeline.predict_proba(checked[features])[:, 1]
        policy = kpi.Policy(MODEL_NAME, probability, np.ones(len(checked), bool))
        return period_kpi(
            policy,
            positive[check],
            check_periods,
            definition=definition,
            capacity=capacity,
        )

    tuned = tuning.tune(
        models.BINARY_CANDIDATES,
        fit_rows=(frame.iloc[fit][features], positive[fit]),
        validate=validate,
        seconds=tuning_seconds,
        seed=seed,
        trials=trials,
    )
    train = frame.iloc[split.train]
    model, calibration = calibrated(
        tuned.best_spec.build(tuned.best_params, seed),
        train[features],
        positive[split.train],
        seed=seed,
    )
    scored = score(
        frame.iloc[split.test], model=model, features=features, poc=poc, seed=seed
    )
    return Comparison(
        task="top_k",
        holdout=split,
        model=model,
        model_name=f"{tuned.best_spec.name} {_settings(tuned.best_params)}",
        features=features,
        kpi=scored.kpi,
        decision=decide_poc(scored.kpi, rule=definition.decision_rule),
        ladder=scored.ladder,
        candidates=tuned.tried,
        experiment_inputs=scored.experiment_inputs,
        rows=scored.rows,
        test_frame=frame.iloc[split.test],
        periods=holdout.periods_of(frame, poc=poc).to_numpy(),
        validation=check,
        calibration=calibration,
    )


def score(
    rows: pd.DataFrame, *, model: Pipeline, features: list[str], poc: Charter, seed: int
) -> Scored:
    """Apply the model and every baseline to labelled rows and compare them.

    Used on the held-out test rows in stage 4 and on a later batch in stage 5.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
    """
    definition = poc.need("kpi")
    plan = poc.need("baseline")
    positive = is_positive(rows, poc=poc)
    periods = holdout.periods_of(rows, poc=poc).to_numpy()
    probability = model.predict_proba(rows[features])[:, 1]
    policies = _policies(rows, probability, plan=plan)
    today = policies[plan.today]
    report = kpi.evaluate(
        positive=positive,
        periods=periods,
        model=policies["model"],
        baseline=today,
        kpi=definition,
        seed=seed,
    )
    capacity = kpi_terms.top_k(definition).capacity_per_period
    shares = {
        key: kpi.contact_shares(policy, periods, capacity=capacity)
        for key, policy in policies.items()
    }
    listed = {
        key: kpi.contacted(policy, periods, capacity=capacity)
        for key, policy in (("model", policies["model"]), (plan.today, today))
    }
    values = kpi.row_values(positive, kpi=definition)
    periods_seen = len(set(periods))
    ladder = [
        Rung(
            name=policy.name,
            role=CANDIDATE
            if key == "model"
            else TODAY
            if key == plan.today
            else BASELINE,
            # The model's and today's KPI are the report's, to the last digit.
            kpi=report.model
            if key == "model"
            else report.baseline
            if key == plan.today
            else float(values @ shares[key] / periods_seen),
            chosen=key == "model",
            metrics=_metrics(
                positive,
                policy,
                shares[key],
                probabilities=key == "model" and publishes_probabilities(model),
            ),
        )
        for key, policy in policies.items()
    ]
    saved_by_today = definition.offer_success_rate * shares[plan.today] * positive
    experiment_inputs = experiment.ExperimentInputs(
        units_per_period=len(rows) / periods_seen,
        control=experiment.arm_moments(shares[plan.today], positive, kpi=definition),
        treatment=experiment.arm_moments(shares["model"], positive, kpi=definition),
        control_positive_rate=float(positive.mean() - saved_by_today.mean()),
    )
    # The values are each row's expected value (its chance of a contact, ties
    # included, times its value), so they add up to the KPI; the decisions are the
    # fixed list a desk would call.
    table = pd.DataFrame(
        {
            "id": rows[poc.data.id].to_numpy() if poc.data.id else rows.index,
            "period": periods,
            "actual": positive.astype(int),
            "decision_model": listed["model"].astype(int),
            "decision_today": listed[plan.today].astype(int),
            "value_model": values * shares["model"],
            "value_today": values * shares[plan.today],
            "model_score": probability,
            "today_score": today.score,
            "value_if_contacted": values,
        }
    )
    return Scored(
        kpi=report, ladder=ladder, experiment_inputs=experiment_inputs, rows=table
    )


def _validation_capacity(
    check_periods: np.ndarray, split: holdout.Holdout, *, kpi: Kpi
) -> int:
    """The capacity per validation period, for tuning to see the test's contact rate.

    Validation periods can be smaller than test periods (a share of the rows): the
    capacity shrinks with them.
    """
    test_rows_per_period = len(split.test) / len(split.test_periods)
    check_rows_per_period = len(check_periods) / len(set(check_periods))
    return max(
        1,
        round(
            kpi_terms.top_k(kpi).capacity_per_period
            * min(1.0, check_rows_per_period / test_rows_per_period)
        ),
    )


def _policies(
    rows: pd.DataFrame, probability: np.ndarray, *, plan: Baseline
) -> dict[str, kpi.Policy]:
    """The model's policy and each baseline's: the prior, the rule, the score."""
    everyone = np.ones(len(rows), dtype=bool)
    policies = {"model": kpi.Policy(MODEL_NAME, probability, everyone)}
    policies["prior"] = kpi.Policy(
        BASELINE_NAMES["prior"], np.zeros(len(rows)), everyone
    )
    if plan.conditions:
        rule = RuleBaseline(
            # The schema requires `match` with a rule; "any" is its declared default.
            conditions=plan.conditions,
            match=plan.match or "any",
        ).fit(rows)
        policies["rule"] = kpi.Policy(
            BASELINE_NAMES["rule"],
            rule.decision_function(rows).astype(float),
            rule.predict(rows) == 1,
        )
    if plan.score_column:
        existing = pd.to_numeric(rows[plan.score_column], errors="coerce")
        policies["score"] = kpi.Policy(
            BASELINE_NAMES["score"],
            existing.fillna(existing.min() - 1).to_numpy(dtype=float),
            existing.notna().to_numpy(),
        )
    return policies


def calibrated(
    estimator: Pipeline, features: pd.DataFrame, positive: np.ndarray, *, seed: int
) -> tuple[Pipeline, Calibration]:
    """The estimator fitted on every row, its scores made probabilities where they can.

    Class weights inflate a model's scores; a sigmoid fitted on cross-validated scores
    maps them back to probabilities. The folds are shuffled: rows in time order would
    put different periods in each fold, and the sigmoid could then learn a falling
    slope and turn the ranking upside down. A sigmoid keeps the ranking (and so the
    top-k KPI) only while its slope rises; when it does not, a higher score did not
    mean a higher chance of a positive on rows the model had not seen, which says the
    signal is weak. The model is then kept uncalibrated, as the ranking matters more
    than the probabilities, and the returned `Calibration` says so: its scores are
    published as scores, never as probabilities (`publishes_probabilities`).

    Returns:
        The fitted pipeline, and whether its scores are probabilities.
    """
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=seed)
    model = Pipeline(
        [
            (
                _CALIBRATED,
                CalibratedClassifierCV(
                    estimator, method="sigmoid", cv=folds, ensemble=False
                ),
            )
        ]
    ).fit(features, positive)
    (sigmoid,) = model[-1].calibrated_classifiers_[0].calibrators
    slope = float(sigmoid.a_)
    # p = 1 / (1 + exp(a * score + b)): the probability rises with the score if a < 0.
    if slope < 0:
        return model, Calibration(calibrated=True, slope=slope, weak_signal=False)
    fallback = Pipeline([("uncalibrated", clone(estimator).fit(features, positive))])
    return fallback, Calibration(calibrated=False, slope=slope, weak_signal=True)


# The name of the step that turns scores into probabilities; a pipeline without it
# publishes scores.
_CALIBRATED = "calibrated"


def publishes_probabilities(model: Pipeline) -> bool:
    """True when a yes/no model's scores are calibrated probabilities."""
    return model.steps[0][0] == _CALIBRATED


def is_positive(frame: pd.DataFrame, *, poc: Charter) -> np.ndarray:
    """True where the row's target is the charter's positive label."""
    return (frame[poc.data.target] == poc.data.positive_label).to_numpy()


def period_kpi(
    policy: kpi.Policy,
    positive: np.ndarray,
    periods: np.ndarray,
    *,
    definition: Kpi,
    capacity: int,
) -> float:
    """A policy's KPI per period on labelled rows, at the given capacity."""
    shares = kpi.contact_shares(policy, periods, capacity=capacity)
    values = kpi.row_values(positive, kpi=definition)
    return float(values @ shares / len(set(periods)))


def _metrics(
    positive: np.ndarray,
    policy: kpi.Policy,
    shares: np.ndarray,
    *,
    probabilities: bool,
) -> dict[str, float]:
    """Ranking metrics, expected contacts and positives reached; Brier if probabilities.

    `shares` is each row's chance of a contact (ties at the capacity's edge count at
    their chance), so the counts are expectations. A model whose scores are not
    probabilities gets no Brier score: it would score the calibration it lacks.
    """
    both = len(np.unique(positive)) == 2
    metrics = {
        "roc_auc": float(roc_auc_score(positive, policy.score)) if both else np.nan,
        "average_precision": float(average_precision_score(positive, policy.score))
        if both
        else np.nan,
        # Shares of a tie group add up to whole contacts but for float rounding.
        "contacted": round(float(shares.sum()), 9),
        "positives_reached": float(shares @ positive),
    }
    if probabilities:
        metrics["brier"] = float(brier_score_loss(positive, policy.score))
    return metrics


def _settings(params: dict) -> str:
    return (
        "(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else ""
    )
