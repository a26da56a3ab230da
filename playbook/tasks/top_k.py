"""Stage 4 for a yes/no decision with a capacity: who to call, review or contact first.

The candidates (a regularised logistic regression and gradient-boosted trees) are tuned
on validation rows taken from the training side, the best one is refitted on all
training rows and calibrated (`calibrated`), and it is judged on the test rows against
every baseline the charter allows: random at the same capacity, today's rule, an
existing score.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline

from playbook.charter import kpi_terms
from playbook.charter.model import Baseline, Charter, Kpi
from playbook.errors import DataError
from playbook.tasks import (
    calibration,
    contact_policy,
    experiment,
    holdout,
    kpi,
    models,
    period_scaling,
    training_sample,
    tuning,
)
from playbook.tasks.baselines import RuleBaseline
from playbook.tasks.column_findings import ColumnFindings
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
    budget: tuning.Budget,
    findings: ColumnFindings | None = None,
) -> Comparison:
    """Tune, fit and judge the candidate models against the baselines on the test rows.

    `findings` are stage 3's PII and leak findings on this data, reused for the
    features (`models.feature_columns`); None finds them again.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
        DataError: The split leaves one side with a single class.
    """
    definition = poc.need("kpi")
    poc.need("baseline")
    split = holdout.split(frame, poc=poc, seed=seed)
    features = models.feature_columns(frame, poc=poc, findings=findings)
    positive = is_positive(frame, poc=poc)
    fit, check = holdout.validation(frame, split, poc=poc, seed=seed)
    # Many training rows: every setting and the chosen one are fitted on the same
    # seeded sample of them; validation and test rows are scored in full.
    sampled, sample = training_sample.draw(split.train, seed=seed)
    fit = fit[np.isin(fit, split.train[sampled])]
    train = split.train[sampled]
    if len(np.unique(positive[fit])) < 2 or len(np.unique(positive[check])) < 2:
        raise DataError(
            f"{poc.data.path}: the training rows are too few to hold out validation "
            f"rows with both outcomes of {poc.data.target!r}. Add data."
        )
    checked = frame.iloc[check]
    check_periods = holdout.periods_of(checked, poc=poc).to_numpy()
    capacity = _validation_capacity(check_periods, split, poc=poc)

    # Each setting's scores on the validation rows, in the order tuning tries them:
    # the chosen one's calibrate the final model without another fit.
    validation_scores: list[np.ndarray] = []

    def validate(pipeline: Pipeline) -> float:
        probability = pipeline.predict_proba(checked[features])[:, 1]
        validation_scores.append(probability)
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
        budget=budget,
        seed=seed,
        refit_scale=len(train) / len(fit),
    )
    # The chosen setting, fitted without the validation rows, scored them: its
    # sigmoid there calibrates the final model and picks the break-even threshold,
    # never the test rows.
    chosen_scores = validation_scores[[c.chosen for c in tuned.tried].index(True)]
    model, scores_are, probability = calibrated(
        tuned.best_spec.build(tuned.best_params, seed)
        if tuned.refit or tuned.fitted is None
        else tuned.fitted,
        frame.iloc[train][features],
        positive[train],
        validation=(chosen_scores, positive[check]),
        refit=tuned.refit,
    )
    threshold = (
        contact_policy.choose_threshold(
            probability,
            positive[check],
            check_periods,
            definition=definition,
            capacity=capacity,
        )
        if probability is not None
        else None
    )
    scored = score(
        frame.iloc[split.test],
        model=model,
        features=features,
        poc=poc,
        seed=seed,
        threshold=threshold,
        held_out_share=len(split.test) / len(frame),
    )
    policies = scored.contact_policies
    if policies is not None and threshold is None:
        policies = dataclasses.replace(
            policies,
            fallback=_LOST_ON_VALIDATION
            if probability is not None
            else _NOT_PROBABILITIES,
        )
    if sample is not None:
        split = split.noted(sample=sample)
    return Comparison(
        task="top_k",
        holdout=split,
        model=model,
        model_name=f"{tuned.best_spec.name} {_settings(tuned.best_params)}",
        features=features,
        kpi=scored.kpi,
        decision=decide_poc(scored.kpi, rule=definition.decision_rule),
        ladder=scored.ladder,
        candidates=tuned.tried + tuned.skipped,
        experiment_inputs=scored.experiment_inputs,
        rows=scored.rows,
        test_frame=frame.iloc[split.test],
        periods=holdout.periods_of(frame, poc=poc).to_numpy(),
        validation=check,
        calibration=scores_are,
        contact_policies=policies,
        training_sample=sample,
        refitted=tuned.refit,
    )


# Over 80 lines with its docstring: every policy's figures on the same rows, the
# report, the ladder and the scored table are built together so they stay equal.
def score(
    rows: pd.DataFrame,
    *,
    model: Pipeline,
    features: list[str],
    poc: Charter,
    seed: int,
    threshold: float | None = None,
    held_out_share: float | None = None,
) -> Scored:
    """Apply the model and every baseline to labelled rows and compare them.

    Used on the held-out test rows in stage 4 and on a later batch in stage 5. The
    model's policy is the charter's `kpi.contact_policy`: break-even needs a
    threshold (chosen on validation rows, `compare`); without one the model fills
    its capacity. Rows without a time column are scaled to one real period when the
    charter says how many cases arrive per period (`period_scaling`).

    Args:
        rows: Labelled rows.
        model: The fitted model.
        features: The columns it reads.
        poc: The charter.
        seed: Seed for the lift's interval.
        threshold: The probability below which the model does not contact.
        held_out_share: The rows' share of all rows, for the pages' words.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
    """
    definition = poc.need("kpi")
    plan = poc.need("baseline")
    positive = is_positive(rows, poc=poc)
    periods = holdout.periods_of(rows, poc=poc).to_numpy()
    probability = model.predict_proba(rows[features])[:, 1]
    scaling = period_scaling.of(
        poc, held_out_rows=len(rows), held_out_share=held_out_share
    )
    factor = period_scaling.factor(scaling)
    capacity = kpi_terms.top_k(definition).capacity_per_period / factor
    policies = _policies(rows, probability, plan=plan, threshold=threshold)
    chosen = contact_policy.applied(definition, threshold=threshold)
    today = policies[plan.today]
    report = period_scaling.scaled(
        kpi.evaluate(
            positive=positive,
            periods=periods,
            model=policies[chosen],
            baseline=today,
            kpi=period_scaling.held_out_terms(definition, scaling),
            seed=seed,
            capacity=capacity,
            periods_worth=period_scaling.periods_worth(scaling),
        ),
        scaling,
        minimum=definition.min_lift,
    )
    shares = {
        key: kpi.contact_shares(policy, periods, capacity=capacity)
        for key, policy in policies.items()
    }
    listed = {
        key: kpi.contacted(policy, periods, capacity=capacity)
        for key, policy in ((chosen, policies[chosen]), (plan.today, today))
    }
    values = kpi.row_values(positive, kpi=definition)
    periods_seen = len(set(periods))
    models = {contact_policy.BREAK_EVEN, contact_policy.FILL_CAPACITY}
    ladder = [
        Rung(
            name=policy.name,
            role=CANDIDATE
            if key in models
            else TODAY
            if key == plan.today
            else BASELINE,
            # The chosen policy's and today's KPI are the report's, to the last digit.
            kpi=report.model
            if key == chosen
            else report.baseline
            if key == plan.today
            else float(values @ shares[key] / periods_seen * factor),
            chosen=key == chosen,
            metrics=_metrics(
                positive,
                policy,
                shares[key],
                probabilities=key in models and publishes_probabilities(model),
            ),
        )
        for key, policy in policies.items()
    ]
    saved_by_today = definition.offer_success_rate * shares[plan.today] * positive
    experiment_inputs = experiment.ExperimentInputs(
        units_per_period=period_scaling.units_per_period(
            scaling, rows=len(rows), periods=periods_seen
        ),
        control=experiment.arm_moments(shares[plan.today], positive, kpi=definition),
        treatment=experiment.arm_moments(shares[chosen], positive, kpi=definition),
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
            "decision_model": listed[chosen].astype(int),
            "decision_today": listed[plan.today].astype(int),
            "value_model": values * shares[chosen],
            "value_today": values * shares[plan.today],
            "model_score": probability,
            "today_score": today.score,
            "value_if_contacted": values,
        }
    )
    figures = {
        key: contact_policy.figures(
            policies[key].name,
            shares[key],
            positive,
            values=values,
            periods=periods_seen,
            today=report.baseline,
            scale=factor,
        )
        for key in models & policies.keys()
    }
    return Scored(
        kpi=report,
        ladder=ladder,
        experiment_inputs=experiment_inputs,
        rows=table,
        contact_policies=contact_policy.side_by_side(
            figures, definition=definition, threshold=threshold, today=today.name
        ),
    )


# Why the model fills its capacity when stopping at break-even did not pay.
_LOST_ON_VALIDATION = (
    "on the validation rows, stopping at the break-even earned less than filling the "
    "capacity."
)
# Why no threshold could be chosen when the model's calibration fell back.
_NOT_PROBABILITIES = (
    "the model's scores are not probabilities (a higher score did not mean a higher "
    "chance of a positive on rows it had not seen), so no probability threshold "
    "could be chosen on the validation rows."
)


def _validation_capacity(
    check_periods: np.ndarray, split: holdout.Holdout, *, poc: Charter
) -> int:
    """The capacity per validation period, for tuning to see the test's contact rate.

    Validation periods can be smaller than test periods (a share of the rows), or
    than the real period the charter's capacity is for (`data.cases_per_period`):
    the capacity shrinks with them.
    """
    scaling = period_scaling.of(poc, held_out_rows=len(split.test), held_out_share=None)
    rows_per_period = (
        scaling.cases_per_period
        if scaling
        else len(split.test) / len(split.test_periods)
    )
    check_rows_per_period = len(check_periods) / len(set(check_periods))
    return max(
        1,
        round(
            kpi_terms.top_k(poc.need("kpi")).capacity_per_period
            * min(1.0, check_rows_per_period / rows_per_period)
        ),
    )


def _policies(
    rows: pd.DataFrame,
    probability: np.ndarray,
    *,
    plan: Baseline,
    threshold: float | None,
) -> dict[str, kpi.Policy]:
    """The model's policies and each baseline's: the prior, the rule, the score.

    The model contacts up to capacity (fill capacity) and, given a threshold, also
    up to capacity but never below it (break-even).
    """
    everyone = np.ones(len(rows), dtype=bool)
    policies = {}
    if threshold is not None:
        policies[contact_policy.BREAK_EVEN] = kpi.Policy(
            f"{MODEL_NAME}, break-even", probability, probability >= threshold
        )
    policies[contact_policy.FILL_CAPACITY] = kpi.Policy(
        f"{MODEL_NAME}, fill capacity", probability, everyone
    )
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
    estimator: Pipeline,
    features: pd.DataFrame,
    positive: np.ndarray,
    *,
    validation: tuple[np.ndarray, np.ndarray],
    refit: bool = True,
) -> tuple[Pipeline, Calibration, np.ndarray | None]:
    """The estimator fitted on the training rows, its scores made probabilities.

    The sigmoid is fitted once, on the validation rows' scores of the same setting
    fitted without them (tuning's; `playbook.tasks.calibration`), and kept by the
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
    sigmoid = calibration.fit_sigmoid(scores, outcomes)
    slope = math.nan if sigmoid is None else -sigmoid.slope
    if sigmoid is None or not sigmoid.rises:
        return (
            Pipeline([("uncalibrated", fitted)]),
            Calibration(calibrated=False, slope=slope, weak_signal=sigmoid is not None),
            None,
        )
    return (
        Pipeline([(_CALIBRATED, calibration.SigmoidCalibrated(fitted, sigmoid))]),
        Calibration(calibrated=True, slope=slope, weak_signal=False),
        sigmoid.probability(scores),
    )


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
