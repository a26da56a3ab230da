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
from playbook.core.language import Language
from playbook.core.locale_format import format_money, per_period
from playbook.core.messages import translated
from playbook.tasks.kpi import KpiReport
from playbook.tasks.latency import judged_on
from playbook.tasks.poc_stage import PocEvidence

# Features a drift problem names before it says "and N more".
NAMED_FEATURES = 3


def sentence(text: str) -> str:
    """The text as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _amounts(values: list[float], unit: str, language: Language) -> list[str]:
    """Amounts a sentence compares: apart in English, the reader's way otherwise."""
    if language == "en":
        return amounts_apart(values, unit)
    return [format_money(value, unit, language=language) for value in values]


def interval(kpi: KpiReport, language: Language = "en") -> str:
    """The lift's interval reaches zero: its ends."""
    low, high = _amounts([kpi.lift_ci_low, kpi.lift_ci_high], kpi.unit, language)
    ends = translated(language, "%(low)s to %(high)s", low=low, high=high)
    return translated(
        language,
        "The lift's %(confidence)s interval reaches zero: %(range)s.",
        confidence=f"{kpi.confidence:.0%}",
        range=per_period(ends, kpi.period, language=language),
    )


def minimum(kpi: KpiReport, language: Language = "en") -> str:
    """The lift is below the charter's minimum, in enough digits to see it."""
    if math.isnan(kpi.min_lift):
        return translated(
            language,
            "The charter sets no minimum lift (kpi.min_lift) to judge the lift by.",
        )
    lift, least = _amounts([kpi.lift, kpi.min_lift], kpi.unit, language)
    return translated(
        language,
        "The measured lift, %(lift)s, is below the minimum of %(minimum)s.",
        lift=per_period(lift, kpi.period, language=language),
        minimum=least,
    )


def latency(evidence: PocEvidence, language: Language = "en") -> str | None:
    """Prediction is slower than the budget; None when the charter sets none."""
    report = evidence.latency
    if report.budget_ms is None:
        return None
    judged = report.batch_p95_ms if report.mode == "batch" else report.row_p95_ms
    return translated(
        language,
        "Prediction takes %(judged)s ms (%(how)s), over the %(budget)s ms budget.",
        judged=f"{judged:,.1f}",
        how=judged_on(report, language=language),
        budget=f"{report.budget_ms:,.0f}",
    )


def fresh_contract(evidence: BeyondEvidence, language: Language = "en") -> str | None:
    """The fresh batch fails expectations of the data contract; None without one."""
    fresh = evidence.fresh
    if fresh is None:
        return None
    return translated(
        language,
        "The fresh batch (%(source)s) fails %(failed)s of %(expectations)s contract "
        "expectations: the pipeline that feeds the model has changed.",
        source=fresh.source,
        failed=fresh.failed,
        expectations=fresh.expectations,
    )


def drift(evidence: BeyondEvidence, language: Language = "en") -> str | None:
    """Features drifted past their alerts, a few of them named; None when none did."""
    alerts = evidence.alerts
    if not alerts:
        return None
    named = ", ".join(alerts[:NAMED_FEATURES])
    if len(alerts) > NAMED_FEATURES:
        named = translated(
            language,
            "%(named)s and %(more)s more",
            named=named,
            more=len(alerts) - NAMED_FEATURES,
        )
    total = len(evidence.drift.features) if evidence.drift is not None else 0
    return translated(
        language,
        "%(alerts)s of %(total)s features drifted past their alerts since training "
        "(%(named)s).",
        alerts=len(alerts),
        total=total,
        named=named,
    )


def fresh_worse(evidence: BeyondEvidence) -> bool:
    """Whether the model does worse than today's baseline on the fresh batch.

    Worse means the whole interval of the fresh lift lies below zero.
    """
    fresh = evidence.fresh_kpi
    return fresh is not None and fresh.lift_ci_high < 0


def fresh_lift(evidence: BeyondEvidence, language: Language = "en") -> str | None:
    """The gain is not shown on the fresh batch, or the model does worse there."""
    fresh = evidence.fresh_kpi
    summary = beyond_stage.fresh_kpi_summary(evidence, language=language)
    if fresh is None:
        return translated(
            language,
            "Nothing shows the gain holds on later data: %(summary)s.",
            summary=summary,
        )
    if fresh_worse(evidence):
        return translated(
            language,
            "On the fresh batch the model does worse than today's baseline: "
            "%(summary)s.",
            summary=summary,
        )
    if fresh.lift_ci_low <= 0:
        return translated(
            language,
            "On the fresh batch the lift's interval reaches zero (%(summary)s): the "
            "gain is not shown on later data.",
            summary=summary,
        )
    return None
