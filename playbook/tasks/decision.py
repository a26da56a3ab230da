"""Go / iterate / stop from the lift's interval, with reasons that read as sentences.

The strict rule (the default) goes only when the interval's low end reaches the
charter's minimum lift, stops when its high end stays below it, and iterates in
between, saying which way the evidence leans and how many more test periods would
settle it. A charter may choose the lenient rule (`kpi.decision_rule: lenient`): go
when the measured lift reaches the minimum and the interval is above zero; the reasons
then give the chance that the lift is in fact below the minimum. Numbers are compared
unrounded and printed with the digits that keep them apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from playbook.core.language import Language
from playbook.tasks import bootstrap
from playbook.tasks.decision_words import CatalogueWords
from playbook.tasks.kpi import KpiReport, format_apart

DECISIONS = ("go", "iterate", "stop")
# More test periods than this are not a plan a sponsor can wait for: beyond it the
# reasons say that more data would hardly settle the question.
_MOST_PERIODS = 1000
# Needing more than this many times the periods held out means waiting years: the
# reasons add that a stronger model would settle it sooner.
_LONG_WAIT = 4


@dataclass(frozen=True)
class Decision:
    """A decision and the reasons a sponsor reads.

    Attributes:
        decision: "go", "iterate" or "stop".
        reasons: At most four sentences, each arguing for the decision shown.
        rule: "strict" (the interval's low end must reach the minimum) or "lenient"
            (the measured lift must), as the charter chose.
        lean: For "iterate", "up" when the lift more likely than not reaches the
            minimum, "down" otherwise; None for other decisions.
        more_periods_needed: For "iterate", about how many more test periods would
            settle it; None when no number of periods can be given.
        chance_below_min: The chance that the lift is below the minimum (None
            without a minimum or an interval); under the lenient rule a GO can carry
            a large one, and every page that shows the decision says so.
    """

    decision: str
    reasons: list[str]
    rule: str = "strict"
    lean: str | None = None
    more_periods_needed: int | None = None
    chance_below_min: float | None = None


def decide_poc(
    report: KpiReport, *, rule: str = "strict", language: Language = "en"
) -> Decision:
    """Decide on the POC from the lift, its interval and the charter's minimum.

    Args:
        report: The KPI with its interval.
        rule: "strict" or "lenient" (`kpi.decision_rule`).
        language: The language of the reasons (the charter's `report.language`).
    """
    words: _Words | CatalogueWords = (
        _Words(report)
        if language == "en"
        else CatalogueWords(report, language, lean=_lean(report), long_wait=_LONG_WAIT)
    )
    chance = report.chance_reaches_min
    below = None if math.isnan(chance) else 1.0 - chance
    if math.isnan(report.lift_ci_low) or math.isnan(report.lift_ci_high):
        more = _more_periods(report)
        return Decision(
            "iterate",
            [words.measured(), words.no_interval(more)],
            rule=rule,
            lean=_lean(report),
            more_periods_needed=more,
        )
    if math.isnan(report.min_lift):
        return Decision("iterate", [words.measured(), words.no_minimum()], rule=rule)
    low, high, lift, minimum = (
        report.lift_ci_low,
        report.lift_ci_high,
        report.lift,
        report.min_lift,
    )
    if low >= minimum or (rule == "lenient" and lift >= minimum and low > 0):
        reasons = [words.measured(), words.go_reason(lenient=low < minimum)]
        if low < minimum:
            reasons.append(words.chance_below(below))
        return Decision("go", reasons, rule=rule, chance_below_min=below)
    if high < minimum:
        return Decision(
            "stop",
            [words.measured(), words.stop_reason()],
            rule=rule,
            chance_below_min=below,
        )
    more = _more_periods(report)
    middle = (
        words.not_above_zero()
        if rule == "lenient" and lift >= minimum
        else words.straddles(chance)
    )
    return Decision(
        "iterate",
        [words.measured(), middle, words.settle(more)],
        rule=rule,
        lean=_lean(report),
        more_periods_needed=more,
        chance_below_min=below,
    )


def _lean(report: KpiReport) -> str:
    """Up when the lift more likely than not reaches the minimum, else down."""
    chance = report.chance_reaches_min
    if math.isnan(chance):
        return "up" if report.lift >= report.min_lift else "down"
    return "up" if chance >= 0.5 else "down"


def _more_periods(report: KpiReport) -> int | None:
    """About how many more test periods would put the interval clear of the minimum.

    From how a t-interval narrows: with the spread of the period lifts the interval
    shows, the smallest n at which t(n - 1) x spread / sqrt(n) falls below the gap
    between the lift and the minimum, less the periods already held out. A forecast
    with too few blocks for an interval needs at least `bootstrap.MIN_BLOCKS`.
    """
    periods = report.interval_periods
    if math.isnan(report.lift_ci_low) or math.isnan(report.lift_ci_high):
        return (
            bootstrap.MIN_BLOCKS - periods if periods < bootstrap.MIN_BLOCKS else None
        )
    gap = abs(report.lift - report.min_lift)
    if periods < 2 or not gap > 0:
        return None
    level = 0.5 + report.confidence / 2
    half = (report.lift_ci_high - report.lift_ci_low) / 2
    spread = half * math.sqrt(periods) / float(stats.t.ppf(level, periods - 1))
    sizes = np.arange(periods + 1, periods + _MOST_PERIODS + 1)
    settled = stats.t.ppf(level, sizes - 1) * spread / np.sqrt(sizes) < gap
    if not settled.any():
        return None
    return int(sizes[np.argmax(settled)]) - periods


def _percent(chance: float) -> str:
    """A chance as a reader wants it; never a rounded 0% or 100% that is not exact."""
    if 0 < chance < 0.01:
        return "under 1%"
    if 0.99 < chance < 1:
        return "over 99%"
    return f"{chance:.0%}"


def _count(number: int, noun: str) -> str:
    """'1 test month', '3 test months'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _Words:
    """The sentences of a decision, from one KPI report, with amounts kept apart."""

    def __init__(self, report: KpiReport) -> None:
        self.report = report
        lift, low, high, minimum = format_apart(
            [
                abs(report.lift),
                report.lift_ci_low,
                report.lift_ci_high,
                report.min_lift,
            ],
            report.unit,
        )
        self.lift, self.low, self.high, self.minimum = lift, low, high, minimum
        self.period = report.period
        self.verb = "earn" if report.better == "higher" else "save"

    def measured(self) -> str:
        report, period = self.report, self.period
        ahead = report.lift >= 0
        if report.better == "higher":
            compared = (
                f"The model earns {self.lift} per {period} "
                f"{'more' if ahead else 'less'} than {report.baseline_name}"
            )
        elif ahead:
            compared = (
                f"The model saves {self.lift} per {period} of error costs against "
                f"{report.baseline_name}"
            )
        else:
            compared = (
                f"The model's errors cost {self.lift} per {period} more than those "
                f"of {report.baseline_name}"
            )
        if math.isnan(report.lift_ci_low) or math.isnan(report.lift_ci_high):
            return f"{compared}, measured on {self._periods()}."
        return (
            f"{compared} ({report.confidence:.0%} interval {self.low} to {self.high}, "
            f"resting on {self._periods()})."
        )

    def _periods(self) -> str:
        count = self.report.interval_periods
        if count <= 1:
            return f"one {self.period} of test rows"
        return _count(count, f"test {self.period}")

    def go_reason(self, *, lenient: bool) -> str:
        if lenient:
            return (
                f"The measured lift reaches the minimum of {self.minimum} per "
                f"{self.period}, and the charter decides on the measured lift "
                f"(kpi.decision_rule: lenient)."
            )
        return (
            f"Even the interval's low end reaches the minimum of {self.minimum} per "
            f"{self.period} the charter asks for (kpi.min_lift)."
        )

    def chance_below(self, below: float | None) -> str:
        chance = "unknown" if below is None else _percent(below)
        return (
            f"The interval's low end is below the minimum: the chance that the lift "
            f"is in fact below it is {chance}."
        )

    def stop_reason(self) -> str:
        return (
            f"Even the interval's high end stays below the minimum of {self.minimum} "
            f"per {self.period} (kpi.min_lift): the model cannot be shown to "
            f"{self.verb} enough to matter."
        )

    def straddles(self, chance: float) -> str:
        leaning = "go" if _lean(self.report) == "up" else "stop"
        odds = "unknown" if math.isnan(chance) else _percent(chance)
        return (
            f"The interval straddles the minimum of {self.minimum} per {self.period} "
            f"(kpi.min_lift): the chance that the lift reaches it is {odds}, leaning "
            f"toward {leaning}."
        )

    def not_above_zero(self) -> str:
        return (
            f"The measured lift reaches the minimum of {self.minimum} per "
            f"{self.period}, but the interval reaches below zero: the data cannot yet "
            f"tell the model from {self.report.baseline_name}."
        )

    def settle(self, more: int | None) -> str:
        report, period = self.report, self.period
        if report.interval_periods <= 1:
            return (
                f"The interval rests on one {period} of test rows; more labelled rows, "
                f"or test {period}s from a time column (data.time), would settle it."
            )
        if more is None:
            return (
                f"The lift sits so close to the minimum that more test {period}s would "
                f"hardly settle it; a stronger model would."
            )
        close = more > _LONG_WAIT * report.interval_periods
        return (
            f"About {_count(more, f'more test {period}')} "
            f"({report.interval_periods + more} in all, split.test_periods) would "
            f"settle it if the lift and its spread hold"
            + (
                ": the lift sits so close to the minimum that a stronger model would "
                "settle it sooner."
                if close
                else "."
            )
        )

    def no_interval(self, more: int | None) -> str:
        count, period = self.report.interval_periods, self.period
        if more is None:
            return (
                f"The test rows give no interval on the lift; hold out more {period}s "
                f"(split.test_periods) and run again."
            )
        return (
            f"{_count(count, f'test {period}')} are too few for an interval: hold out "
            f"at least {more} more (split.test_periods: {count + more}) and run again."
        )

    def no_minimum(self) -> str:
        return (
            "The charter sets no minimum lift (kpi.min_lift), so nothing says whether "
            "this lift is enough: set one and run again."
        )
