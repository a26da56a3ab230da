"""The sponsor's memo in a reader's language other than English, from the catalogue.

`memo.memo` writes the English memo (its wording is what the English pages and their
tests read); `worded` writes its headline, money, payback, risks, next steps and
timeline again through the message catalogue, each a whole sentence with its amounts
and dates as placeholders. The reasons are stage 4's and stage 7's own; the open items
come from the readiness checklist (English still: see issue #16).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from playbook.beyond import beyond_stage
from playbook.beyond.beyond_stage import BeyondEvidence
from playbook.charter.model import Budget, Charter
from playbook.charter.timeline import LONGEST_MONTHS, SHORTEST_MONTHS
from playbook.charter.value_model import PERIODS_PER_YEAR
from playbook.core.language import Language
from playbook.core.locale_format import format_date, format_money, per_period
from playbook.core.messages import translated
from playbook.tasks.decision import Decision
from playbook.tasks.kpi import KpiReport

# Payback times past this many months are told in years.
_MONTHS_TOLD = 24


@dataclasses.dataclass(frozen=True)
class MemoFacts:
    """What the memo's sentences are written from.

    Attributes:
        verdict: The run's final decision.
        poc: The charter (its language, budget and timeline).
        kpi: Stage 4's KPI; None when stage 4 did not run.
        concerns: What held the decision back, in words; empty when nothing did.
        later: Stage 5's evidence; None when stage 5 did not run.
    """

    verdict: Decision
    poc: Charter
    kpi: KpiReport | None
    concerns: str
    later: BeyondEvidence | None = None


@dataclasses.dataclass(frozen=True)
class MemoWords:
    """The memo's own sentences in one language (see `Memo` for each)."""

    headline: str
    money: list[str]
    risks: list[str]
    next_steps: list[str]
    timeline: str
    payback: str


def worded(facts: MemoFacts) -> MemoWords:
    """The memo's own sentences in the charter's language.

    Args:
        facts: What the sentences are written from.
    """
    language = facts.poc.language
    risks = (
        [
            translated(
                language,
                "The data is SYNTHETIC: these figures show the method, not a real "
                "business case.",
            )
        ]
        if facts.poc.data.synthetic
        else []
    )
    return MemoWords(
        headline=_headline(facts, language),
        money=_money(facts, language),
        risks=risks,
        next_steps=_steps(facts, language),
        timeline=_timeline(facts.poc, language),
        payback=_payback(facts, language),
    )


def _amount(value: float, kpi: KpiReport, language: Language) -> str:
    return per_period(
        format_money(value, kpi.unit, language=language), kpi.period, language=language
    )


def _headline(facts: MemoFacts, language: Language) -> str:
    decision, kpi, concerns = facts.verdict.decision, facts.kpi, facts.concerns
    if decision == "go" and kpi is not None:
        return translated(
            language,
            "Go: the model's lift over %(baseline)s is %(amount)s, enough to build it.",
            baseline=translated(language, kpi.baseline_name),
            amount=_amount(kpi.lift, kpi, language),
        )
    if decision == "go":
        return translated(language, "Go.")
    if concerns and decision == "iterate":
        return translated(
            language,
            "Iterate: %(concerns)s must be settled before building.",
            concerns=concerns,
        )
    if concerns:
        return translated(
            language,
            "Stop: what came after stage 4 (%(concerns)s) rules it out.",
            concerns=concerns,
        )
    if decision == "iterate":
        return translated(
            language, "Iterate: the evidence cannot yet tell go from stop."
        )
    return translated(
        language, "Stop: the model does not beat today's baseline by enough to matter."
    )


def _money(facts: MemoFacts, language: Language) -> list[str]:
    kpi, budget, money = facts.kpi, facts.poc.budget, []
    if kpi is not None:
        money.append(
            translated(
                language,
                "Offline, the model's lift over %(baseline)s is %(amount)s "
                "(%(confidence)s interval %(low)s to %(high)s); over a year, about "
                "%(yearly)s.",
                baseline=translated(language, kpi.baseline_name),
                amount=_amount(kpi.lift, kpi, language),
                confidence=f"{kpi.confidence:.0%}",
                low=format_money(kpi.lift_ci_low, kpi.unit, language=language),
                high=format_money(kpi.lift_ci_high, kpi.unit, language=language),
                yearly=format_money(
                    kpi.lift * PERIODS_PER_YEAR[kpi.period],
                    kpi.unit,
                    language=language,
                ),
            )
        )
    if kpi is not None and budget is not None:
        money.append(
            translated(
                language,
                "The POC budget is %(amount)s.",
                amount=format_money(budget.amount, budget.currency, language=language),
            )
        )
    if facts.later is not None:
        money.append(fresh_line(facts.later, language=language))
    return money


def fresh_line(later: BeyondEvidence, *, language: Language) -> str:
    """The memo's money on later data: the lift on the fresh batch, or why none.

    Args:
        later: Stage 5's evidence.
        language: The reader's language.
    """
    lift = beyond_stage.fresh_kpi_summary(later, language=language)
    if later.fresh_batch:
        return translated(language, "On the fresh batch: %(lift)s.", lift=lift)
    return translated(language, "On later data: %(lift)s.", lift=lift)


def _payback(facts: MemoFacts, language: Language) -> str:
    kpi, budget = facts.kpi, facts.poc.budget
    if kpi is None:
        return translated(
            language,
            "No payback time: stage 4 did not measure what the model is worth.",
        )
    if budget is None:
        return translated(
            language,
            "The charter gives no budget, so there is no payback time to state.",
        )
    if budget.currency.strip().upper() != kpi.unit.strip().upper():
        return translated(
            language,
            "The budget is in %(currency)s and the KPI in %(unit)s: no payback time "
            "without a rate between them.",
            currency=budget.currency,
            unit=kpi.unit,
        )
    spent = format_money(budget.amount, budget.currency, language=language)
    if not math.isfinite(kpi.lift) or kpi.lift <= 0:
        return translated(
            language,
            "Does not pay back the %(budget)s budget: the model's lift is %(amount)s.",
            budget=spent,
            amount=_amount(kpi.lift, kpi, language),
        )
    yearly = kpi.lift * PERIODS_PER_YEAR[kpi.period]
    values = {
        "yearly": format_money(yearly, kpi.unit, language=language),
        "budget": spent,
        "time": _months(12 * budget.amount / yearly, language),
    }
    if math.isfinite(kpi.lift_ci_low) and kpi.lift_ci_low <= 0:
        return translated(
            language,
            "At about %(yearly)s a year, the model pays back the %(budget)s budget in "
            "%(time)s; at the low end of its interval it would not pay back.",
            **values,
        )
    ends = payback_at_ends(
        kpi, budget, in_words=lambda months: _months(months, language)
    )
    if ends is not None:
        return translated(
            language,
            "At about %(yearly)s a year, the model pays back the %(budget)s budget in "
            "%(time)s; at the ends of its interval, in %(fast)s and in %(slow)s.",
            fast=ends[0],
            slow=ends[1],
            **values,
        )
    return translated(
        language,
        "At about %(yearly)s a year, the model pays back the %(budget)s budget in "
        "%(time)s.",
        **values,
    )


def payback_at_ends(
    kpi: KpiReport, budget: Budget, *, in_words: Callable[[float], str]
) -> tuple[str, str] | None:
    """The payback times at the lift interval's high and low end, in words.

    None without an interval above zero, or when both ends read the same in words:
    the point estimate's time alone would hide how far the interval stretches it.
    """
    low, high = kpi.lift_ci_low, kpi.lift_ci_high
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0:
        return None
    per_year = PERIODS_PER_YEAR[kpi.period]
    fast, slow = (
        in_words(12 * budget.amount / (end * per_year)) for end in (high, low)
    )
    return None if fast == slow else (fast, slow)


def _months(months: float, language: Language) -> str:
    if months < 1:
        return translated(language, "less than a month")
    if months <= _MONTHS_TOLD:
        return translated(language, "about %(count)s months", count=round(months))
    return translated(language, "about %(count)s years", count=f"{months / 12:.1f}")


def _steps(facts: MemoFacts, language: Language) -> list[str]:
    decision = facts.verdict.decision
    if decision == "go":
        return [
            translated(
                language,
                "Run the model in shadow beside today's baseline for one period and "
                "compare their decisions (stage 6 replay).",
            ),
            translated(
                language,
                "Confirm online with the A/B test planned in stage 6, watched with the "
                "stage 5 monitoring thresholds.",
            ),
        ]
    if decision == "iterate" and facts.concerns:
        return [
            translated(
                language,
                "Settle %(concerns)s (the readiness checklist states what was found), "
                "then run the journey again; stage 6 compares the runs.",
                concerns=facts.concerns,
            )
        ]
    if decision == "iterate":
        return [
            translated(
                language,
                "Work on the reasons above, then run the journey again; stage 6 "
                "compares the runs.",
            )
        ]
    return [
        translated(
            language,
            "Keep today's baseline. Record what was learned (stage 6 retrospective) "
            "and revisit when new data or a new framing is available.",
        )
    ]


def _timeline(poc: Charter, language: Language) -> str:
    if poc.timeline is None:
        return translated(language, "The charter gives no timeline.")
    months = poc.timeline.months
    values = {
        "start": format_date(poc.timeline.start, language=language),
        "end": format_date(poc.timeline.end, language=language),
        "months": f"{months:.1f}",
        "shortest": SHORTEST_MONTHS,
        "longest": LONGEST_MONTHS,
    }
    if SHORTEST_MONTHS <= months <= LONGEST_MONTHS:
        return translated(
            language,
            "Planned %(start)s to %(end)s (%(months)s months): within the "
            "%(shortest)s-%(longest)s month norm for a POC.",
            **values,
        )
    return translated(
        language,
        "Planned %(start)s to %(end)s (%(months)s months): outside the "
        "%(shortest)s-%(longest)s month norm for a POC.",
        **values,
    )
