"""The decision's reasons in a reader's language other than English, from the catalogue.

`decision._Words` writes the English sentences (their wording is what the English pages
and their tests have always read); `CatalogueWords` writes the same sentences through
the message catalogue, each a whole sentence with its amounts, periods and chances as
placeholders, so a translation orders them as its grammar wants. Amounts are written
the reader's way (월 224만원).
"""

from __future__ import annotations

import math

from playbook.core.language import Language
from playbook.core.locale_format import PERIOD_COUNTERS, format_money, per_period
from playbook.core.messages import marked, translated
from playbook.tasks.kpi import KpiReport

# The baselines' names by task and key, marked for the catalogue: each task names its
# baselines from here, and the reasons and the pages say them in the reader's language.
TASK_BASELINE_NAMES: dict[str, dict[str, str]] = {
    "top_k": {
        "prior": marked("random at the same capacity"),
        "rule": marked("today's rule"),
        "score": marked("today's score"),
    },
    "routing": {
        "person": marked("every ticket to a person"),
        "prior": marked("every ticket to the most common label"),
        "keywords": marked("today's keyword router"),
    },
    "forecast": {
        "seasonal_naive": marked("seasonal naive"),
        "seasonal_naive_holidays": marked("seasonal naive, holidays aside"),
        "moving_average": marked("moving average"),
        "prior": marked("last known value"),
    },
}
# The decision codes as a one-line summary says them ("go: lift ..."); a reader of
# another language reads the decision word beside the code.
_DECISION_CODES = {
    "go": marked("go"),
    "iterate": marked("iterate"),
    "stop": marked("stop"),
}


class CatalogueWords:
    """The sentences of a decision from one KPI report, in `language`."""

    def __init__(
        self, report: KpiReport, language: Language, *, lean: str, long_wait: int
    ) -> None:
        """Word the decision on `report`.

        Args:
            report: The KPI with its interval.
            language: The reader's language.
            lean: "up" or "down", as `decision` found it.
            long_wait: Periods past this many times those held out are a long wait.
        """
        self.report, self.language = report, language
        self.lean, self.long_wait = lean, long_wait
        self.lift = self._per_period(abs(report.lift))
        self.low = format_money(report.lift_ci_low, report.unit, language=language)
        self.high = format_money(report.lift_ci_high, report.unit, language=language)
        self.minimum = self._per_period(report.min_lift)
        # The baselines' names are the pages' words too (현행 규칙 for today's rule).
        self.baseline = translated(language, report.baseline_name)

    def _per_period(self, amount: float) -> str:
        report, language = self.report, self.language
        shown = format_money(amount, report.unit, language=language)
        return per_period(shown, report.period, language=language)

    def _periods(self, count: int) -> str:
        counter = PERIOD_COUNTERS.get(self.report.period)
        if self.language == "ko" and counter:
            return f"{count:,}{counter}"
        return f"{count:,} {self.report.period}"

    def _chance(self, chance: float | None) -> str:
        if chance is None or math.isnan(chance):
            return translated(self.language, "unknown")
        if 0 < chance < 0.01:
            return translated(self.language, "under 1%")
        if 0.99 < chance < 1:
            return translated(self.language, "over 99%")
        return f"{chance:.0%}"

    def measured(self) -> str:
        """How the model compares with today's baseline, with the interval."""
        report = self.report
        values = {"amount": self.lift, "baseline": self.baseline}
        if report.better == "higher" and report.lift >= 0:
            compared = translated(
                self.language,
                "The model earns %(amount)s more than %(baseline)s",
                **values,
            )
        elif report.better == "higher":
            compared = translated(
                self.language,
                "The model earns %(amount)s less than %(baseline)s",
                **values,
            )
        elif report.lift >= 0:
            compared = translated(
                self.language,
                "The model saves %(amount)s of error costs against %(baseline)s",
                **values,
            )
        else:
            compared = translated(
                self.language,
                "The model's errors cost %(amount)s more than those of %(baseline)s",
                **values,
            )
        periods = self._periods(report.interval_periods)
        if math.isnan(report.lift_ci_low) or math.isnan(report.lift_ci_high):
            return translated(
                self.language,
                "%(compared)s, measured on %(periods)s of test rows.",
                compared=compared,
                periods=periods,
            )
        return translated(
            self.language,
            "%(compared)s (%(confidence)s interval %(low)s to %(high)s, resting on "
            "%(periods)s of test rows).",
            compared=compared,
            confidence=f"{report.confidence:.0%}",
            low=self.low,
            high=self.high,
            periods=periods,
        )

    def go_reason(self, *, lenient: bool) -> str:
        """Why GO: the interval's low end, or the measured lift, reaches the minimum."""
        if lenient:
            return translated(
                self.language,
                "The measured lift reaches the minimum of %(minimum)s, and the charter "
                "decides on the measured lift (kpi.decision_rule: lenient).",
                minimum=self.minimum,
            )
        return translated(
            self.language,
            "Even the interval's low end reaches the minimum of %(minimum)s the "
            "charter asks for (kpi.min_lift).",
            minimum=self.minimum,
        )

    def chance_below(self, below: float | None) -> str:
        """The chance that a lenient GO's lift is in fact below the minimum."""
        return translated(
            self.language,
            "The interval's low end is below the minimum: the chance that the lift is "
            "in fact below it is %(chance)s.",
            chance=self._chance(below),
        )

    def stop_reason(self) -> str:
        """Why STOP: the interval's high end stays below the minimum."""
        if self.report.better == "higher":
            return translated(
                self.language,
                "Even the interval's high end stays below the minimum of %(minimum)s "
                "(kpi.min_lift): the model cannot be shown to earn enough to matter.",
                minimum=self.minimum,
            )
        return translated(
            self.language,
            "Even the interval's high end stays below the minimum of %(minimum)s "
            "(kpi.min_lift): the model cannot be shown to save enough to matter.",
            minimum=self.minimum,
        )

    def straddles(self, chance: float) -> str:
        """Why ITERATE: the interval holds the minimum; which way it leans."""
        values = {"minimum": self.minimum, "chance": self._chance(chance)}
        if self.lean == "up":
            return translated(
                self.language,
                "The interval straddles the minimum of %(minimum)s (kpi.min_lift): the "
                "chance that the lift reaches it is %(chance)s, leaning toward go.",
                **values,
            )
        return translated(
            self.language,
            "The interval straddles the minimum of %(minimum)s (kpi.min_lift): the "
            "chance that the lift reaches it is %(chance)s, leaning toward stop.",
            **values,
        )

    def not_above_zero(self) -> str:
        """Why a lenient ITERATE: the interval reaches below zero."""
        return translated(
            self.language,
            "The measured lift reaches the minimum of %(minimum)s, but the interval "
            "reaches below zero: the data cannot yet tell the model from %(baseline)s.",
            minimum=self.minimum,
            baseline=self.baseline,
        )

    def settle(self, more: int | None) -> str:
        """What would settle an ITERATE: more test periods, or a stronger model."""
        report = self.report
        if report.interval_periods <= 1:
            return translated(
                self.language,
                "The interval rests on one period of test rows; more labelled rows, or "
                "test periods from a time column (data.time), would settle it.",
            )
        if more is None:
            return translated(
                self.language,
                "The lift sits so close to the minimum that more test periods would "
                "hardly settle it; a stronger model would.",
            )
        values = {
            "more": self._periods(more),
            "total": self._periods(report.interval_periods + more),
        }
        if more > self.long_wait * report.interval_periods:
            return translated(
                self.language,
                "About %(more)s more of test rows (%(total)s in all, "
                "split.test_periods) would settle it if the lift and its spread hold: "
                "the lift sits so close to the minimum that a stronger model would "
                "settle it sooner.",
                **values,
            )
        return translated(
            self.language,
            "About %(more)s more of test rows (%(total)s in all, split.test_periods) "
            "would settle it if the lift and its spread hold.",
            **values,
        )

    def no_interval(self, more: int | None) -> str:
        """Why no interval could be given, and how many periods would give one."""
        count = self.report.interval_periods
        if more is None:
            return translated(
                self.language,
                "The test rows give no interval on the lift; hold out more periods "
                "(split.test_periods) and run again.",
            )
        return translated(
            self.language,
            "%(periods)s of test rows are too few for an interval: hold out at least "
            "%(more)s more (split.test_periods: %(total)s) and run again.",
            periods=self._periods(count),
            more=self._periods(more),
            total=count + more,
        )

    def no_minimum(self) -> str:
        """Why ITERATE without a minimum lift."""
        return translated(
            self.language,
            "The charter sets no minimum lift (kpi.min_lift), so nothing says whether "
            "this lift is enough: set one and run again.",
        )


def decision_code(code: str, *, language: Language) -> str:
    """A decision code in a summary line: "go" in English, "진행 (GO)" in Korean.

    Args:
        code: go, iterate or stop (any other code is returned as it is).
        language: The reader's language.
    """
    word = _DECISION_CODES.get(code)
    return translated(language, word) if word else code
