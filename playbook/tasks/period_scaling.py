"""Held-out rows without a time column, scaled to one real KPI period.

Without a time column the held-out rows are one draw of cases, not a month or a
week. The charter says how many cases arrive per KPI period (`data.cases_per_period`):
the held-out rows stand for `held_out_rows / cases_per_period` of a period, so the
capacity on them shrinks by that share and their value grows back by its inverse.
Capacity and minimum lift are then written per real period, as the business knows
them, and stage 1's yearly value and stage 6's A/B duration follow.

Every KPI kind that runs without a time column (top-k and routing; a forecast needs
one) is scaled here, the same way: `held_out_terms` before the held-out rows are
judged, `scaled` after.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from playbook.charter.model import Charter, Kpi

if TYPE_CHECKING:
    # `kpi` reads `PeriodScaling` from here: imported at run time, it would go round.
    from playbook.tasks.kpi import KpiReport


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

    @property
    def periods_worth(self) -> float:
        """How many real KPI periods' worth of cases the held-out rows are."""
        return self.held_out_rows / self.cases_per_period


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


def factor(scaling: PeriodScaling | None) -> float:
    """Real periods' worth of value per held-out rows' worth; 1 without scaling."""
    return scaling.factor if scaling else 1.0


def periods_worth(scaling: PeriodScaling | None) -> float | None:
    """Real periods' worth of cases in the held-out rows; None when they form one."""
    return scaling.periods_worth if scaling else None


def units_per_period(
    scaling: PeriodScaling | None, *, rows: int, periods: int
) -> float:
    """Cases a real period brings, for the A/B test's duration.

    The charter's count when the rows are scaled, else the test rows per period.
    """
    return scaling.cases_per_period if scaling else rows / periods


def held_out_terms(definition: Kpi, scaling: PeriodScaling | None) -> Kpi:
    """The KPI with its minimum lift per held-out rows' worth (a share of a period).

    The held-out rows are judged on these terms, so that the chance of reaching the
    minimum is read on the same scale as their lift; `scaled` then writes both per
    real period again.
    """
    if scaling is None or definition.min_lift is None:
        return definition
    return dataclasses.replace(
        definition, min_lift=definition.min_lift / scaling.factor
    )


def scaled(
    report: KpiReport, scaling: PeriodScaling | None, *, minimum: float | None
) -> KpiReport:
    """A held-out report's money figures per real period.

    The relative lift and the chance of reaching the minimum do not change with the
    scale; the minimum is the charter's again (`minimum`), and the method says how the
    figures were scaled.
    """
    if scaling is None:
        return report
    times = scaling.factor
    return dataclasses.replace(
        report,
        model=report.model * times,
        baseline=report.baseline * times,
        lift=report.lift * times,
        lift_ci_low=report.lift_ci_low * times,
        lift_ci_high=report.lift_ci_high * times,
        min_lift=float(minimum) if minimum is not None else math.nan,
        per_period={
            label: {key: value * times for key, value in figures.items()}
            for label, figures in report.per_period.items()
        },
        method=f"{report.method}; " + words(scaling, period=report.period, periods=1),
        scaling=scaling,
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
