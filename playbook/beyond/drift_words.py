"""The drift report in words: the trend, each feature that moved, the whole finding.

Written from `drift.DriftReport` through the message catalogue, each a whole sentence
with its counts and names as placeholders.
"""

from __future__ import annotations

from playbook.beyond.drift import ALERT, MIN_ROWS, WARNING, DriftReport, Trend
from playbook.core.language import Language
from playbook.core.messages import translated


def trend_finding(trend: Trend, *, language: Language = "en") -> str:
    """The common trend in one phrase: how many numbers, which way, how far."""
    change = trend.factor - 1
    values = {
        "trending": len(trend.features),
        "read": trend.read_from,
        "change": f"{abs(change):.0%}",
    }
    if change > 0:
        return translated(
            language,
            "%(trending)s of %(read)s numbers rose %(change)s together (a trend, "
            "judged once; each is judged again without it)",
            **values,
        )
    return translated(
        language,
        "%(trending)s of %(read)s numbers fell %(change)s together (a trend, judged "
        "once; each is judged again without it)",
        **values,
    )


def finding(report: DriftReport, *, language: Language = "en") -> str:
    """The drift of every feature in one sentence, from the report."""
    if not report.judged:
        return translated(
            language,
            "%(rows)s fresh row(s): too few to judge drift (at least %(least)s needed)",
            rows=report.current_rows,
            least=MIN_ROWS,
        )
    moved = [f for f in report.features if f.level in (ALERT, WARNING)]
    alerts = report.alerts
    values = {
        "moved": len(moved),
        "features": len(report.features),
        "confidence": f"{report.rule.confidence:.0%}",
        "alerts": len(alerts),
    }
    text = (
        translated(
            language,
            "%(moved)s of %(features)s features moved more than sampling noise "
            "(%(confidence)s, corrected for %(features)s features), %(alerts)s past "
            "an alert (%(names)s)",
            names=", ".join(alerts),
            **values,
        )
        if alerts
        else translated(
            language,
            "%(moved)s of %(features)s features moved more than sampling noise "
            "(%(confidence)s, corrected for %(features)s features), %(alerts)s past "
            "an alert",
            **values,
        )
    )
    if report.trend is not None:
        text += f"; {trend_finding(report.trend, language=language)}"
    return text


def feature_findings(report: DriftReport) -> list[str]:
    """The trend, then each feature that moved more than noise: size and level."""
    found = [f"Trend: {trend_finding(report.trend)}."] if report.trend else []
    for feature in report.features:
        if feature.level not in (ALERT, WARNING):
            continue
        distance = (
            f", distance {feature.distance:.3f}" if feature.distance is not None else ""
        )
        found.append(
            f"{feature.feature}: PSI {feature.psi:.3f}{distance} ({feature.level}; "
            f"p = {feature.p_adjusted:.2g} after Holm's correction)"
        )
    return found
