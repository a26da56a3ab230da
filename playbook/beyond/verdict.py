"""The phrases a decision is told in, written once from the numbers they state.

Stage 7's decision, its memo and the pages that show them say the same few things:
what the model gains over today's baseline (a value KPI "earns", a cost KPI "saves"),
which way an undecided result leans and what would settle it, and the risk a
lenient-rule GO takes. Each phrase is written here, from typed numbers, and only here.
"""

from __future__ import annotations

import math

from playbook.core.language import Language
from playbook.core.locale_format import periods_counted
from playbook.core.messages import marked, translated
from playbook.tasks.kpi import KpiReport, format_amount

# An ITERATE leans "up" when the lift more likely than not reaches the minimum.
LEANS = ("up", "down")
# How stage 4 decided: on the interval (strict) or on the point estimate (lenient).
RULES = ("strict", "lenient")


def counted(count: int, noun: str) -> str:
    """A count with its noun in the right number: "1 month", "48 months"."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def amounts_apart(values: list[float], unit: str) -> list[str]:
    """Amounts printed so that two different ones never read alike.

    `format_amount` rounds to one decimal of a thousand or a million, so a lift of
    1,968,000 and a minimum of 2,000,000 would both print as "2.0M"; when that happens
    every amount is printed in full instead.

    Args:
        values: The amounts that a sentence compares.
        unit: Their unit.
    """
    short = [format_amount(value, unit) for value in values]
    clash = any(
        short[i] == short[j] and values[i] != values[j]
        for i in range(len(values))
        for j in range(i + 1, len(values))
    )
    if not clash:
        return short
    return [
        "n/a" if math.isnan(value) else f"{value:,.0f} {unit}".rstrip()
        for value in values
    ]


def gain(report: KpiReport) -> str:
    """What the model gains per period against today's baseline, as a verb phrase.

    A value KPI "earns ... more", a cost KPI "saves ..."; a negative lift says the
    model does worse ("earns ... less", "costs ... more").
    """
    amount = f"{format_amount(abs(report.lift), report.unit)} per {report.period}"
    baseline = report.baseline_name
    if report.better == "lower":
        if report.lift >= 0:
            return f"saves {amount} against {baseline}"
        return f"costs {amount} more than {baseline}"
    if report.lift >= 0:
        return f"earns {amount} more than {baseline}"
    return f"earns {amount} less than {baseline}"


def _chance(share: float) -> str:
    """A probability as a percentage that never rounds a real chance to 0% or 100%."""
    if share >= 0.995:
        return "over 99%"
    if share <= 0.005:
        return "under 1%"
    return f"{share:.0%}"


def uncertainty_note(
    decision: str,
    *,
    rule: str,
    lean: str | None,
    chance_reaches_min: float | None,
    more_periods_needed: int | None,
    minimum: str,
    period: str,
    language: Language = "en",
) -> str | None:
    """What is still uncertain about stage 4's decision, in one sentence.

    An ITERATE says which way it leans ("Leaning up: 62% chance the lift reaches
    2.0M KRW") and how many more test periods would settle it; a GO by the lenient
    rule says so and gives the chance that the lift is below the minimum. A strict GO
    and a STOP have nothing to add: None.

    Args:
        decision: "go", "iterate" or "stop".
        rule: "strict" (the interval decides) or "lenient" (the point estimate).
        lean: "up" or "down" for an ITERATE; None when not known.
        chance_reaches_min: The bootstrap share of resamples at or above the minimum.
        more_periods_needed: More test periods that would settle an ITERATE.
        minimum: The charter's minimum lift, formatted.
        period: The KPI's period ("month").
        language: The reader's language; `minimum` is written in it.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if lean is not None and lean not in LEANS:
        raise ValueError(f"lean must be one of {LEANS} or None, got {lean!r}")
    if language != "en":
        return _uncertainty_in(
            language,
            decision=decision,
            rule=rule,
            lean=lean,
            chance_reaches_min=chance_reaches_min,
            more=more_periods_needed,
            minimum=minimum,
            period=period,
        )
    if decision == "go" and rule == "lenient" and chance_reaches_min is not None:
        return (
            "GO by the charter's lenient rule (on the measured lift, not its "
            f"interval): {_chance(1 - chance_reaches_min)} chance the lift is below "
            f"{minimum}."
        )
    if decision != "iterate":
        return None
    parts = []
    if chance_reaches_min is not None:
        chance = f"{_chance(chance_reaches_min)} chance the lift reaches {minimum}"
        parts.append(f"leaning {lean}: {chance}" if lean else chance)
    if more_periods_needed is not None and more_periods_needed > 0:
        more = counted(more_periods_needed, f"more test {period}")
        parts.append(f"about {more} would settle it")
    if not parts:
        return None
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _uncertainty_in(
    language: Language,
    *,
    decision: str,
    rule: str,
    lean: str | None,
    chance_reaches_min: float | None,
    more: int | None,
    minimum: str,
    period: str,
) -> str | None:
    """`uncertainty_note` from the catalogue: whole sentences, joined."""

    def chance(share: float) -> str:  # "62%" has no entry and reads as it is
        return translated(language, _chance(share))

    if decision == "go" and rule == "lenient" and chance_reaches_min is not None:
        return translated(
            language,
            "GO by the charter's lenient rule (on the measured lift, not its "
            "interval): %(chance)s chance the lift is below %(minimum)s.",
            chance=chance(1 - chance_reaches_min),
            minimum=minimum,
        )
    if decision != "iterate":
        return None
    sentences = []
    if chance_reaches_min is not None:
        values = {"chance": chance(chance_reaches_min), "minimum": minimum}
        if lean == "up":
            message = marked(
                "Leaning up: %(chance)s chance the lift reaches %(minimum)s."
            )
        elif lean == "down":
            message = marked(
                "Leaning down: %(chance)s chance the lift reaches %(minimum)s."
            )
        else:
            message = marked("%(chance)s chance the lift reaches %(minimum)s.")
        sentences.append(translated(language, message, **values))
    if more is not None and more > 0:
        sentences.append(
            translated(
                language,
                "About %(more)s more of test data would settle it.",
                more=periods_counted(more, period, language=language),
            )
        )
    return " ".join(sentences) or None
