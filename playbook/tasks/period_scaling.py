"""Held-out rows without a time column, scaled to one real KPI period.

Without a time column the held-out rows are one draw of cases, not a month or a
week. The charter says how many cases arrive per KPI period (`data.cases_per_period`):
the held-out rows stand for `held_out_rows / cases_per_period` of a period, so the
capacity on them shrinks by that share and their value grows back by its inverse.
Capacity and minimum lift are then written per real period, as the business knows
them, and stage 1's yearly value and stage 6's A/B duration follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from playbook.charter.model import Charter


@dataclass(frozen=True)
class PeriodScaling:
    """How held-out rows stand for one real KPI period.

    Attributes:
        cases_per_period: Cases that arrive per KPI period (`data.cases_per_period`).
        held_out_rows: The rows judged.
        held_out_share: Their share of all rows, or None when they are a batch of
            their own (a later batch in stage 5).
        period: The KPI period's name.
    """

    cases_per_period: float
    held_out_rows: int
    held_out_share: float | None
    period: str

    @property
    def factor(self) -> float:
        """Real periods' worth of value per held-out rows' worth."""
        return self.cases_per_period / self.held_out_rows


def of(
    poc: Charter, *, held_out_rows: int, held_out_share: float | None
) -> PeriodScaling | None:
    """The scaling for held-out rows, or None when the data has real periods.

    Only data without a time column whose charter says how many cases arrive per
    period is scaled.
    """
    cases = poc.data.cases_per_period
    if poc.data.time or cases is None or poc.kpi is None or not held_out_rows:
        return None
    return PeriodScaling(
        cases_per_period=cases,
        held_out_rows=held_out_rows,
        held_out_share=held_out_share,
        period=poc.kpi.period,
    )


def words(scaling: PeriodScaling | None, *, period: str, periods: int) -> str:
    """How a KPI figure stands for a period, in words for the pages.

    For example "per month, scaled from a held-out quarter of the rows (...)", or
    "per month, averaged over the 3 test months".

    Args:
        scaling: The scaling, or None when the test rows have real periods.
        period: The KPI period's name.
        periods: How many test periods the figure averages.
    """
    if scaling is None:
        if periods > 1:
            return f"per {period}, averaged over the {periods} test {period}s"
        return f"per {period}"
    rows = f"{scaling.held_out_rows:,} rows"
    source = (
        f"a held-out {_share_words(scaling.held_out_share)} of the rows ({rows})"
        if scaling.held_out_share is not None
        else f"the {rows} scored"
    )
    return (
        f"per {period}, scaled from {source} to the "
        f"{scaling.cases_per_period:,.0f} cases that arrive per {period} "
        "(data.cases_per_period)"
    )


# Shares a reader says in words; others are written as a percentage.
_SHARE_NAMES = {
    Fraction(1, 2): "half",
    Fraction(1, 3): "third",
    Fraction(1, 4): "quarter",
    Fraction(1, 5): "fifth",
    Fraction(1, 10): "tenth",
}


def _share_words(share: float) -> str:
    """A share as a reader says it: "quarter" for 0.25, "30%" for 0.3."""
    near = Fraction(share).limit_denominator(10)
    if near in _SHARE_NAMES and abs(float(near) - share) < _SHARE_CLOSE:
        return _SHARE_NAMES[near]
    return f"{share:.0%}"


# How close a share must be to a named one to take its name (a 25% split of 1,001
# rows holds out 0.2498 of them).
_SHARE_CLOSE = 0.005
