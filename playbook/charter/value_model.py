"""Stage 1: what the charter's minimum lift is worth a year, against the POC's budget.

The value model multiplies the minimum lift by the periods of a year, gives the
months that repay the budget, and a grid of how the value moves with the lift and
with the share of decisions in which the users follow the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter.model import Charter
from playbook.core.language import Language
from playbook.core.locale_format import format_money, per_period, periods_counted
from playbook.core.messages import translated

PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4}
# The value model's sensitivity grid: the lift as a multiple of the charter's minimum
# lift, and the share of decisions in which the users follow the model.
LIFT_MULTIPLES = (0.5, 1.0, 1.5, 2.0, 3.0)
ADOPTION_SHARES = (0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class ValueModel:
    """What the minimum lift is worth, and how that moves with lift and adoption.

    `per_year[i][j]` is the value a year at `adoption[i]` of the decisions following
    the model and a lift of `lifts[j]` per period.
    """

    unit: str
    period: str
    periods_per_year: int
    min_lift_per_period: float
    min_lift_per_year: float
    budget: float | None
    currency: str | None
    payback_months: float | None
    lifts: list[float]
    multiples: list[float]
    adoption: list[float]
    per_year: list[list[float]]


def value_model(poc: Charter) -> ValueModel | None:
    """What the minimum lift is worth per period and per year, and its sensitivity.

    Returns:
        None when the charter has no minimum lift.
    """
    kpi = poc.kpi
    if kpi is None or kpi.min_lift is None:
        return None
    periods = PERIODS_PER_YEAR[kpi.period]
    per_year = kpi.min_lift * periods
    budget = poc.budget.amount if poc.budget else None
    payback = (
        budget / (kpi.min_lift * periods / 12) if budget and per_year > 0 else None
    )
    lifts = [kpi.min_lift * multiple for multiple in LIFT_MULTIPLES]
    return ValueModel(
        unit=kpi.unit,
        period=kpi.period,
        periods_per_year=periods,
        min_lift_per_period=kpi.min_lift,
        min_lift_per_year=per_year,
        budget=budget,
        currency=poc.budget.currency if poc.budget else None,
        payback_months=payback,
        lifts=lifts,
        multiples=list(LIFT_MULTIPLES),
        adoption=list(ADOPTION_SHARES),
        per_year=[
            [lift * share * periods for lift in lifts] for share in ADOPTION_SHARES
        ],
    )


def value_rows(
    model: ValueModel | None, *, language: Language = "en"
) -> list[dict[str, str]]:
    """The value model as rows for a table: per period, per year, budget, payback."""
    if model is None:
        return [
            {
                "what": translated(language, "minimum lift"),
                "value": translated(language, "not in the charter"),
            }
        ]

    period = translated(language, model.period)
    rows = [
        {
            "what": translated(language, "minimum lift per %(period)s", period=period),
            "value": amount_words(model.min_lift_per_period, model.unit, language),
        },
        {
            "what": translated(
                language,
                "per year (%(periods)s)",
                periods=periods_counted(
                    model.periods_per_year, model.period, language=language
                ),
            ),
            "value": amount_words(model.min_lift_per_year, model.unit, language),
        },
    ]
    if model.budget is not None:
        rows.append(
            {
                "what": translated(language, "POC budget"),
                "value": amount_words(model.budget, model.currency or "", language),
            }
        )
    if model.payback_months is not None:
        rows.append(
            {
                "what": translated(
                    language, "months of the minimum lift that repay the budget"
                ),
                "value": f"{model.payback_months:.1f}",
            }
        )
    return rows


def amount_per_period(amount: float, unit: str, period: str, language: Language) -> str:
    """The charter's minimum lift as its answer: "150,000 KRW per month", 월 15만원."""
    if language == "en":
        return f"{amount:,.0f} {unit} per {period}"
    return per_period(
        format_money(amount, unit, language=language), period, language=language
    )


def amount_words(amount: float, unit: str, language: Language) -> str:
    """An amount as a finding states it: whole units in English, 만원/억원 in Korean."""
    if language == "en":
        return f"{amount:,.0f} {unit}"
    return format_money(amount, unit, language=language)
