"""Stage 4: today's rule against a candidate model, on the charter's business KPI."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.pipeline import Pipeline

from playbook import ab_test, holdout, kpi, models
from playbook.baseline import RuleBaseline
from playbook.charter import Charter
from playbook.gates import Decision, decide_poc


@dataclass(frozen=True)
class RankingMetric:
    """How well one policy ranks the positives of the test rows."""

    policy: str
    roc_auc: float
    average_precision: float
    contacted: int
    positives_reached: int


@dataclass(frozen=True)
class Scored:
    """Today's rule and the model applied to the same rows, on the business KPI."""

    kpi: kpi.KpiReport
    metrics: list[RankingMetric]
    experiment_inputs: dict
    rows: pd.DataFrame


@dataclass(frozen=True)
class Comparison:
    """Everything stage 4 concluded, and the fitted model."""

    holdout: holdout.Holdout
    model: Pipeline
    features: list[str]
    kpi: kpi.KpiReport
    decision: Decision
    metrics: list[RankingMetric]
    experiment_inputs: dict
    rows: pd.DataFrame


def compare(frame: pd.DataFrame, *, poc: Charter, seed: int) -> Comparison:
    """Fit the candidate model on the training rows and compare it with today's rule.

    Both policies are scored on the same test rows with the charter's KPI; the lift gets
    a paired bootstrap interval, and the go / iterate / stop rule turns it into a
    decision.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
        DataError: The split leaves one side with a single class.
    """
    split = holdout.split(frame, poc=poc, seed=seed)
    features = models.feature_columns(frame, poc=poc)
    positive = (frame[poc.data.target] == poc.data.positive_label).to_numpy()
    model = models.gradient_boosting(seed=seed).fit(
        frame.iloc[split.train][features], positive[split.train]
    )
    scored = score(
        frame.iloc[split.test], model=model, features=features, poc=poc, seed=seed
    )
    return Comparison(
        holdout=split,
        model=model,
        features=features,
        kpi=scored.kpi,
        decision=decide_poc(scored.kpi),
        metrics=scored.metrics,
        experiment_inputs=scored.experiment_inputs,
        rows=scored.rows,
    )


def score(
    rows: pd.DataFrame, *, model: Pipeline, features: list[str], poc: Charter, seed: int
) -> Scored:
    """Apply today's rule and a fitted model to labelled rows and compare them.

    Used on the held-out test rows in stage 4 and on a later batch in stage 5.

    Raises:
        CharterError: The charter lacks the baseline or the KPI, or the rule does not
            fit the data.
    """
    definition = poc.need("kpi")
    rule = poc.need("baseline")
    positive = (rows[poc.data.target] == poc.data.positive_label).to_numpy()
    probability = model.predict_proba(rows[features])[:, 1]
    baseline = RuleBaseline(conditions=rule.conditions, match=rule.match).fit(rows)
    policies = {
        "model": kpi.Policy("the model", probability, np.ones(len(rows), dtype=bool)),
        "baseline": kpi.Policy(
            "today's rule",
            baseline.decision_function(rows).astype(float),
            baseline.predict(rows) == 1,
        ),
    }
    periods = (
        rows[poc.data.time].astype(str).to_numpy()
        if poc.data.time
        else np.full(len(rows), "all")
    )
    report = kpi.evaluate(
        positive=positive,
        periods=periods,
        model=policies["model"],
        baseline=policies["baseline"],
        kpi=definition,
        seed=seed,
    )
    reached = {
        key: kpi.contacted(
            policy, periods, capacity=definition.capacity_per_period, seed=seed
        )
        for key, policy in policies.items()
    }
    metrics = [
        RankingMetric(
            policy=policy.name,
            roc_auc=_ranking(roc_auc_score, positive, policy.score),
            average_precision=_ranking(average_precision_score, positive, policy.score),
            contacted=int(reached[key].sum()),
            positives_reached=int((reached[key] & positive).sum()),
        )
        for key, policy in policies.items()
    ]
    saved_by_rule = definition.offer_success_rate * (reached["baseline"] & positive)
    experiment_inputs = {
        "units_per_period": len(rows) / len(set(periods)),
        "control_positive_rate": float(positive.mean() - saved_by_rule.mean()),
        "control": ab_test.arm_moments(reached["baseline"], positive, kpi=definition),
        "treatment": ab_test.arm_moments(reached["model"], positive, kpi=definition),
    }
    table = pd.DataFrame(
        {
            "id": rows[poc.data.id].to_numpy() if poc.data.id else rows.index,
            "period": periods,
            "positive": positive.astype(int),
            "model_score": probability,
            "rule_priority": policies["baseline"].score,
            "contacted_model": reached["model"],
            "contacted_rule": reached["baseline"],
            "value_if_contacted": kpi.row_values(positive, kpi=definition),
        }
    )
    return Scored(
        kpi=report, metrics=metrics, experiment_inputs=experiment_inputs, rows=table
    )


def _ranking(metric, positive: np.ndarray, score: np.ndarray) -> float:
    """A ranking metric, or NaN when the rows hold a single outcome (undefined)."""
    if len(np.unique(positive)) < 2:
        return float("nan")
    return float(metric(positive, score))
