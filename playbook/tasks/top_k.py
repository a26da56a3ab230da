"""Stage 4 for a yes/no decision with a capacity: who to call, review or contact first.

The candidates (a regularised logistic regression and gradient-boosted trees) are tuned
on validation rows taken from the training side, the best one is refitted on all
training rows and calibrated (`calibration.calibrated`), and it is judged on the test
rows against every baseline the charter allows: random at the same capacity, today's
rule, an existing score.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
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
    Comparison,
    Rung,
    Scored,
)
from playbook.tasks.decision import decide_poc
from playbook.tasks.decision_words import TASK_BASELINE_NAMES

BASELINE_NAMES = TASK_BASELINE_NAMES["top_k"]


# Over 80 lines: tuning's validation closure keeps each setting's scores in the order
# tried, and the chosen one's calibrate the final model and pick its threshold; split
# apart, those scores would travel between functions by position.
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
    model, scores_are, probability = calibration.calibrated(
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


@dataclass(frozen=True)
class Listed:
    """Labelled rows judged by given scores as stage 4 judges its test rows.

    Not evidence (it holds tables and arrays): what `score` builds its ladder and
    figures on, and all that stage 7 recomputes from the saved scores.

    Attributes:
        report: The chosen policy's KPI against today's, with its interval.
        rows: The scored table stage 4 saves (`scores/test.csv`), ids as read.
        policies: Every policy (the model's and each baseline's), by key.
        chosen: The key of the model's policy the charter chose.
        shares: Each row's chance of a contact, for the chosen and today's policy.
        factor: What the held-out rows' KPI is multiplied by to be per real period.
        capacity: The contacts per period, in the held-out rows' terms.
        scaling: How the held-out rows are scaled to a real period; None when not.
    """

    report: kpi.KpiReport
    rows: pd.DataFrame
    policies: dict[str, kpi.Policy]
    chosen: str
    shares: dict[str, np.ndarray]
    factor: float
    capacity: float
    scaling: period_scaling.PeriodScaling | None


# Over 80 lines with its docstring: the report and the scored table are built from
# the same shares together, so that the rows' values add up to the KPI.
def listed(
    rows: pd.DataFrame,
    probability: np.ndarray,
    *,
    poc: Charter,
    seed: int,
    threshold: float | None = None,
    held_out_share: float | None = None,
) -> Listed:
    """The KPI and the scored table of labelled rows, given the model's scores.

    The part of `score` that stage 4's saved table and KPI come from, with no model
    call: stage 7 recomputes them from the saved scores with it.

    Args:
        rows: Labelled rows.
        probability: The model's score of each row, in their order.
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
        key: kpi.contact_shares(policies[key], periods, capacity=capacity)
        for key in (chosen, plan.today)
    }
    contacts = {
        key: kpi.contacted(
            policies[key], periods, capacity=capacity, shares=shares[key]
        )
        for key in shares
    }
    values = kpi.row_values(positive, kpi=definition)
    # The values are each row's expected value (its chance of a contact, ties
    # included, times its value), so they add up to the KPI; the decisions are the
    # fixed list a desk would call.
    table = pd.DataFrame(
        {
            "id": rows[poc.data.id].to_numpy() if poc.data.id else rows.index,
            "period": periods,
            "actual": positive.astype(int),
            "decision_model": contacts[chosen].astype(int),
            "decision_today": contacts[plan.today].astype(int),
            "value_model": values * shares[chosen],
            "value_today": values * shares[plan.today],
            "model_score": probability,
            "today_score": today.score,
            "value_if_contacted": values,
        }
    )
    return Listed(report, table, policies, chosen, shares, factor, capacity, scaling)


# Over 80 lines with its docstring: every policy's figures, the ladder and the
# experiment's inputs are built together on `listed`'s shares, so they stay equal.
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
    charter says how many cases arrive per period (`period_scaling`). The KPI and
    the scored table are `listed`'s; the ladder and the figures are built on them.

    Args:
        rows: Labelled rows.
        model: The fitted model.
        features: The columns it reads.
        poc: The charter.
        seed: The lift interval's seed.
        threshold: Below it the model contacts nobody (break-even); None: it fills
            its capacity.
        held_out_share: The share of all rows these are, for the pages.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
    """
    definition, today = poc.need("kpi"), poc.need("baseline").today
    judged = listed(
        rows,
        model.predict_proba(rows[features])[:, 1],
        poc=poc,
        seed=seed,
        threshold=threshold,
        held_out_share=held_out_share,
    )
    policies, chosen, report = judged.policies, judged.chosen, judged.report
    # Each row's period, outcome and value as the scored table holds them.
    periods = judged.rows["period"].to_numpy()
    positive = judged.rows["actual"].to_numpy() == 1
    values = judged.rows["value_if_contacted"].to_numpy()
    shares = {
        key: judged.shares[key]
        if key in judged.shares
        else kpi.contact_shares(policy, periods, capacity=judged.capacity)
        for key, policy in policies.items()
    }
    periods_seen = len(set(periods))
    models = {contact_policy.BREAK_EVEN, contact_policy.FILL_CAPACITY}
    ladder = [
        Rung(
            name=policy.name,
            role=CANDIDATE if key in models else TODAY if key == today else BASELINE,
            # The chosen policy's and today's KPI are the report's, to the last digit.
            kpi=report.model
            if key == chosen
            else report.baseline
            if key == today
            else float(values @ shares[key] / periods_seen * judged.factor),
            chosen=key == chosen,
            metrics=_metrics(
                positive,
                policy,
                shares[key],
                probabilities=key in models
                and calibration.publishes_probabilities(model),
            ),
        )
        for key, policy in policies.items()
    ]
    saved_by_today = definition.offer_success_rate * shares[today] * positive
    experiment_inputs = experiment.ExperimentInputs(
        units_per_period=period_scaling.units_per_period(
            judged.scaling, rows=len(rows), periods=periods_seen
        ),
        control=experiment.arm_moments(shares[today], positive, kpi=definition),
        treatment=experiment.arm_moments(shares[chosen], positive, kpi=definition),
        control_positive_rate=float(positive.mean() - saved_by_today.mean()),
    )
    figures = {
        key: contact_policy.figures(
            policies[key].name,
            shares[key],
            positive,
            values=values,
            periods=periods_seen,
            today=report.baseline,
            scale=judged.factor,
        )
        for key in models & policies.keys()
    }
    return Scored(
        kpi=report,
        ladder=ladder,
        experiment_inputs=experiment_inputs,
        rows=judged.rows,
        contact_policies=contact_policy.side_by_side(
            figures,
            definition=definition,
            threshold=threshold,
            today=policies[today].name,
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
