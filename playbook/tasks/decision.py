"""Go / iterate / stop rules, written so that the reasons read as sentences."""

from __future__ import annotations

import math
from dataclasses import dataclass

from playbook.tasks.kpi import KpiReport, format_amount

DECISIONS = ("go", "iterate", "stop")


@dataclass(frozen=True)
class Decision:
    """A decision and the reasons a sponsor reads."""

    decision: str
    reasons: list[str]


def decide_poc(report: KpiReport) -> Decision:
    """Decide on the POC from the lift and its interval.

    go: the interval's low end is above zero and the point lift reaches the minimum.
    stop: even the interval's high end stays below the minimum lift, so the model cannot
    be shown to beat today's baseline by enough to matter.
    iterate: anything in between; the reasons say what is missing.
    """
    unit, period = report.unit, report.period
    lift = format_amount(report.lift, unit)
    low = format_amount(report.lift_ci_low, unit)
    high = format_amount(report.lift_ci_high, unit)
    minimum = format_amount(report.min_lift, unit)
    interval = f"{report.confidence:.0%} interval {low} to {high}"
    if report.better == "higher":
        compared = (
            f"The model earns {lift} per {period} more than {report.baseline_name}"
        )
    else:
        compared = (
            f"The model's errors cost {lift} per {period} less than those of "
            f"{report.baseline_name}"
        )
    measured = f"{compared} ({interval}); the charter asks for at least {minimum}."
    if math.isnan(report.lift_ci_low) or math.isnan(report.lift_ci_high):
        return Decision(
            "iterate",
            [
                measured,
                f"The test rows hold too few {period}s to put an interval on the lift. "
                f"Hold out more {period}s (split.test_periods) and run again.",
            ],
        )
    if math.isnan(report.min_lift):
        return Decision(
            "iterate", [measured, "The charter sets no minimum lift (kpi.min_lift)."]
        )
    if report.lift_ci_low > 0 and report.lift >= report.min_lift:
        return Decision(
            "go",
            [measured, "The interval is above zero and the lift reaches the minimum."],
        )
    if report.lift_ci_high < report.min_lift:
        return Decision(
            "stop",
            [
                measured,
                f"Even the interval's high end ({high}) is below the minimum lift: the "
                f"model cannot be shown to beat today's baseline by enough to matter.",
            ],
        )
    reasons = [measured]
    if report.lift_ci_low <= 0:
        reasons.append(
            "The interval includes zero: the data cannot yet tell the model from "
            "today's baseline. More test periods or a stronger model would settle it."
        )
    if report.lift < report.min_lift:
        reasons.append("The measured lift is below the minimum the charter asks for.")
    return Decision("iterate", reasons)
