"""What a readiness item found that stands in the way of scale-up, as a sentence.

A readiness item's title says what should hold ("No feature has drifted past the alert
thresholds"); when it does not hold, the reader is told what was found instead ("3 of
11 features drifted past their alerts since training (...)"). Each such sentence is
written here from the stage's typed evidence; the A/B test's length is written by
`iterate_stage.ab_problem`, beside the A/B test's other words.
"""

from __future__ import annotations

import math

from playbook.beyond import beyond_stage
from playbook.beyond.beyond_stage import BeyondEvidence
from playbook.beyond.verdict import amounts_apart
from playbook.tasks.kpi import KpiReport
from playbook.tasks.poc_stage import PocEvidence

# Features a drift problem names before it says "and N more".
NAMED_FEATURES = 3


def sentence(text: str) -> str:
    """The text as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def interval(kpi: KpiReport) -> str:
    """The lift's interval reaches zero: its ends."""
    low, high = amounts_apart([kpi.lift_ci_low, kpi.lift_ci_high], kpi.unit)
    return (
        f"The lift's {kpi.confidence:.0%} interval reaches zero: {low} to {high} "
        f"per {kpi.period}."
    )


def minimum(kpi: KpiReport) -> str:
    """The lift is below the charter's minimum, in enough digits to see it."""
    if math.isnan(kpi.min_lift):
        return "The charter sets no minimum lift (kpi.min_lift) to judge the lift by."
    lift, minimum = amounts_apart([kpi.lift, kpi.min_lift], kpi.unit)
    return (
        f"The measured lift, {lift} per {kpi.period}, is below the minimum of "
        f"{minimum}."
    )


def latency(evidence: PocEvidence) -> str | None:
    """Prediction is slower than the budget; None when the charter sets none."""
    report = evidence.latency
    if report.budget_ms is None:
        return None
    judged = report.batch_p95_ms if report.mode == "batch" else report.row_p95_ms
    return (
        f"Prediction takes {judged:,.1f} ms ({report.judged_on}), over the "
        f"{report.budget_ms:,.0f} ms budget."
    )


def fresh_contract(evidence: BeyondEvidence) -> str | None:
    """The fresh batch fails expectations of the data contract; None without one."""
    fresh = evidence.fresh
    if fresh is None:
        return None
    return (
        f"The fresh batch ({fresh.source}) fails {fresh.failed} of "
        f"{fresh.expectations} contract expectations: the pipeline that feeds the "
        "model has changed."
    )


def drift(evidence: BeyondEvidence) -> str | None:
    """Features drifted past their alerts, a few of them named; None when none did."""
    alerts = evidence.alerts
    if not alerts:
        return None
    named = ", ".join(alerts[:NAMED_FEATURES])
    if len(alerts) > NAMED_FEATURES:
        named += f" and {len(alerts) - NAMED_FEATURES} more"
    total = len(evidence.drift.features) if evidence.drift is not None else 0
    return (
        f"{len(alerts)} of {total} features drifted past their alerts since "
        f"training ({named})."
    )


def fresh_worse(evidence: BeyondEvidence) -> bool:
    """Whether the model does worse than today's baseline on the fresh batch.

    Worse means the whole interval of the fresh lift lies below zero.
    """
    fresh = evidence.fresh_kpi
    return fresh is not None and fresh.lift_ci_high < 0


def fresh_lift(evidence: BeyondEvidence) -> str | None:
    """The gain is not shown on the fresh batch, or the model does worse there."""
    fresh = evidence.fresh_kpi
    summary = beyond_stage.fresh_kpi_summary(evidence)
    if fresh is None:
        return f"Nothing shows the gain holds on later data: {summary}."
    if fresh_worse(evidence):
        return (
            f"On the fresh batch the model does worse than today's baseline: {summary}."
        )
    if fresh.lift_ci_low <= 0:
        return (
            f"On the fresh batch the lift's interval reaches zero ({summary}): the "
            "gain is not shown on later data."
        )
    return None
