"""Stage 4: today's rule against a candidate model, on the charter's business KPI."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

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
class Comparison:
    """Everything stage 4 concluded."""

    holdout: holdout.Holdout
    kpi: kpi.KpiReport
    decision: Decision
    metrics: list[RankingMetric]
    experiment_inputs: dict


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
    definition = poc.need("kpi")
    rule = poc.need("baseline")
    split = holdout.split(frame, poc=poc, seed=seed)
    features = models.feature_columns(frame, poc=poc)
    positive = (frame[poc.data.target] == poc.data.positive_label).to_numpy()
    train, test = frame.iloc[split.train], frame.iloc[split.test]

    model = models.gradient_boosting(seed=seed).fit(
        train[features], positive[split.train]
    )
    probability = model.predict_proba(test[features])[:, 1]
    baseline = RuleBaseline(conditions=rule.conditions, match=rule.match).fit(frame)
    policies = {
        "model": kpi.Policy("the model", probability, np.ones(len(test), dtype=bool)),
        "baseline": kpi.Policy(
            "today's rule",
            baseline.decision_function(test).astype(float),
            baseline.predict(test) == 1,
        ),
    }
    periods = (
        test[poc.data.time].astype(str).to_numpy()
        if poc.data.time
        else np.full(len(test), "all")
    )
    test_positive = positive[split.test]
    report = kpi.evaluate(
        positive=test_positive,
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
            roc_auc=float(roc_auc_score(test_positive, policy.score)),
            average_precision=float(
                average_precision_score(test_positive, policy.score)
            ),
            contacted=int(reached[key].sum()),
            positives_reached=int((reached[key] & test_positive).sum()),
        )
        for key, policy in policies.items()
    ]
    experiment_inputs = {
        "units_per_period": len(test) / len(set(periods)),
        "control": ab_test.arm_moments(
            reached["baseline"], test_positive, kpi=definition
        ),
        "treatment": ab_test.arm_moments(
            reached["model"], test_positive, kpi=definition
        ),
    }
    return Comparison(
        holdout=split,
        kpi=report,
        decision=decide_poc(report),
        metrics=metrics,
        experiment_inputs=experiment_inputs,
    )
