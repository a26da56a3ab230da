"""Stage 6: the size and duration an A/B test needs to confirm the minimum lift online.

Units (customers) are split at random between today's policy (control) and the model's
policy (treatment). Each unit's realised net value is a random quantity: a contacted
unit costs the contact, and a contacted positive is saved with the offer's success rate.
The test must detect the charter's minimum lift, spread over the units of a period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from playbook.charter import kpi_terms
from playbook.charter.model import Kpi
from playbook.core.language import Language
from playbook.core.locale_format import periods_counted
from playbook.core.messages import marked, translated
from playbook.tasks.experiment import ExperimentInputs

# Why no A/B test is sized; a page says them in its reader's language (`summary`).
NO_MINIMUM = marked(
    "The charter sets no minimum lift (kpi.min_lift): there is nothing to size an A/B "
    "test for."
)
NOT_SPLIT = marked(
    "An A/B test does not apply to this task: the model's forecasts cannot be split "
    "between two arms. Confirm it online with a shadow period instead: forecast "
    "alongside today's plan for a few periods and compare the costs of both."
)
# What a plan asks to check and watch: kept in the evidence as written here, and said
# in the reader's language by the page (`translated(language, SRM_CHECK)`).
SRM_CHECK = marked(
    "Before reading any result, compare the units in each arm with a 50/50 split "
    "(chi-square test); a p-value under 0.001 means the split is broken: fix it and "
    "restart, never interpret."
)
GUARDRAILS = (
    marked("Contacts per period stay within capacity in both arms"),
    marked("Complaints and opt-outs among contacted customers"),
    marked("Average offer cost per saved customer"),
)
# The columns of `Design.table`, headed in the reader's language.
TEST_ON, UNITS_PER_ARM, PERIODS = (
    marked("test on"),
    marked("units per arm"),
    marked("periods"),
)


@dataclass(frozen=True)
class AbPlan:
    """Sample size and duration of the A/B test, and what to watch while it runs."""

    effect_per_unit: float
    sd_control: float
    sd_treatment: float
    significance: float
    power: float
    units_per_arm: int
    units_per_period: float
    periods: int
    period: str
    srm_check: str
    guardrails: list[str]


_DAYS = {"day": 1.0, "week": 7.0, "month": 30.44, "quarter": 91.31}


def periods_in(months: float, period: str) -> int:
    """How many whole periods (days, weeks, months, quarters) fit in `months` months."""
    return int(months * _DAYS["month"] // _DAYS[period])


def sample_size_per_arm(
    *,
    effect: float,
    sd_control: float,
    sd_treatment: float,
    significance: float,
    power: float,
) -> int:
    """Units per arm for a two-sided test of a difference in means.

    Uses the normal approximation:

        n = (z(1 - significance/2) + z(power))^2
            * (sd_control^2 + sd_treatment^2) / effect^2
    """
    if effect <= 0:
        raise ValueError(f"the effect to detect must be positive, got {effect}")
    z = NormalDist().inv_cdf
    spread = sd_control**2 + sd_treatment**2
    return math.ceil((z(1 - significance / 2) + z(power)) ** 2 * spread / effect**2)


def plan(
    inputs: ExperimentInputs,
    *,
    min_lift_per_period: float,
    significance: float,
    power: float,
    period: str,
) -> AbPlan:
    """Plan the A/B test that would confirm the charter's minimum lift.

    Args:
        inputs: Stage 4's traffic and each arm's value per unit.
        min_lift_per_period: The charter's minimum lift, per KPI period.
        significance: The test's false-positive rate.
        power: The chance the test finds the minimum lift when it is there.
        period: The KPI period the traffic and the lift are counted in.
    """
    effect = min_lift_per_period / inputs.units_per_period
    per_arm = sample_size_per_arm(
        effect=effect,
        sd_control=inputs.control.sd,
        sd_treatment=inputs.treatment.sd,
        significance=significance,
        power=power,
    )
    return AbPlan(
        effect_per_unit=effect,
        sd_control=inputs.control.sd,
        sd_treatment=inputs.treatment.sd,
        significance=significance,
        power=power,
        units_per_arm=per_arm,
        units_per_period=inputs.units_per_period,
        periods=math.ceil(2 * per_arm / inputs.units_per_period),
        period=period,
        srm_check=SRM_CHECK,
        guardrails=list(GUARDRAILS),
    )


def sample_size_proportions(
    *, p_control: float, p_treatment: float, significance: float, power: float
) -> int:
    """Units per arm to detect a difference between two proportions (normal formula).

    n = [z(1-a/2) sqrt(2 p(1-p)) + z(power) sqrt(pc(1-pc) + pt(1-pt))]^2 / (pc-pt)^2,
    with p the mean of the two proportions.
    """
    if p_control == p_treatment:
        raise ValueError("the two proportions must differ")
    z = NormalDist().inv_cdf
    mean = (p_control + p_treatment) / 2
    spread = (
        z(1 - significance / 2) * math.sqrt(2 * mean * (1 - mean))
        + z(power)
        * math.sqrt(p_control * (1 - p_control) + p_treatment * (1 - p_treatment))
    ) ** 2
    return math.ceil(spread / (p_control - p_treatment) ** 2)


def srm_p_value(control: int, treatment: int, *, control_share: float) -> float:
    """Chi-square test of a sample-ratio mismatch between the arms' unit counts."""
    total = control + treatment
    expected = (total * control_share, total * (1 - control_share))
    statistic = sum(
        (seen - want) ** 2 / want
        for seen, want in zip((control, treatment), expected, strict=True)
    )
    return math.erfc(math.sqrt(statistic / 2))  # upper tail of chi-square, 1 df


@dataclass(frozen=True)
class RatePlan:
    """The A/B test on the rate of positives (e.g. churn) instead of the money KPI."""

    p_control: float
    p_treatment: float
    units_per_arm: int
    periods: int
    period: str


def rate_plan(
    *,
    min_lift_per_period: float,
    units_per_period: float,
    control_rate: float,
    kpi: Kpi,
    significance: float,
    power: float,
) -> RatePlan:
    """Plan the test on the positive rate that the minimum lift implies.

    With both arms making the same number of contacts, the minimum lift means
    `min_lift / value_per_saved_customer` more customers saved per period, so the
    treatment's rate of positives is lower than the control's by that share of units.
    """
    gain = kpi_terms.top_k(kpi).value_per_saved_customer
    drop = min_lift_per_period / (gain * units_per_period)
    treatment_rate = max(control_rate - drop, 1e-9)
    per_arm = sample_size_proportions(
        p_control=control_rate,
        p_treatment=treatment_rate,
        significance=significance,
        power=power,
    )
    return RatePlan(
        p_control=control_rate,
        p_treatment=treatment_rate,
        units_per_arm=per_arm,
        periods=math.ceil(2 * per_arm / units_per_period),
        period=kpi.period,
    )


@dataclass(frozen=True)
class Design:
    """The A/B tests that could confirm the POC online, or why none applies.

    `plan` tests the money KPI per unit; `rates` the rate of positives, when the task
    has one (yes/no decisions). `feasible` says whether the shorter test fits within
    `longest` periods.
    """

    applies: bool
    reason: str
    plan: AbPlan | None
    rates: RatePlan | None
    longest: int
    feasible: bool
    summary: str

    def table(self, *, language: Language = "en") -> list[dict]:
        """One row per test: what it tests, units per arm, periods.

        Args:
            language: The language of what each row tests (the columns' names are
                the catalogue's messages `TEST_ON`, `UNITS_PER_ARM`, `PERIODS`).
        """
        rows = []
        if self.plan is not None:
            rows.append(
                {
                    TEST_ON: translated(language, "net value per unit"),
                    UNITS_PER_ARM: self.plan.units_per_arm,
                    PERIODS: self.plan.periods,
                }
            )
        if self.rates is not None:
            rows.append(
                {
                    TEST_ON: translated(
                        language,
                        "rate of positives, %(control)s to %(treatment)s",
                        control=f"{self.rates.p_control:.2%}",
                        treatment=f"{self.rates.p_treatment:.2%}",
                    ),
                    UNITS_PER_ARM: self.rates.units_per_arm,
                    PERIODS: self.rates.periods,
                }
            )
        return rows


def design(
    *,
    kpi: Kpi,
    inputs: ExperimentInputs | None,
    significance: float,
    power: float,
    longest_months: float,
) -> Design:
    """Size the A/B tests for the charter's minimum lift from stage 4's inputs.

    A forecast has no A/B design here (its decisions cannot be split between two
    arms of units without the arms sharing stock); stage 4 says so with `inputs` None.
    """
    longest = periods_in(longest_months, kpi.period)
    if inputs is None or kpi.min_lift is None:
        reason = NO_MINIMUM if kpi.min_lift is None else NOT_SPLIT
        return Design(False, reason, None, None, longest, False, reason)
    money = plan(
        inputs,
        min_lift_per_period=kpi.min_lift,
        significance=significance,
        power=power,
        period=kpi.period,
    )
    rates = None
    if inputs.control_positive_rate is not None and kpi.value_per_saved_customer:
        rates = rate_plan(
            min_lift_per_period=kpi.min_lift,
            units_per_period=inputs.units_per_period,
            control_rate=inputs.control_positive_rate,
            kpi=kpi,
            significance=significance,
            power=power,
        )
    feasible = _shortest(money, rates).periods <= longest
    return Design(True, "", money, rates, longest, feasible, summary(money, rates))


def summary(
    plan: AbPlan | None,
    rates: RatePlan | None,
    *,
    reason: str = "",
    language: Language = "en",
) -> str:
    """The A/B design in one phrase: the shorter test's size and duration, or why none.

    Args:
        plan: The test on the money KPI, if any.
        rates: The test on the rate of positives, if any.
        reason: Why no A/B test applies, said when there is neither plan (a
            catalogue message, e.g. `NOT_SPLIT`, is said in the reader's language).
        language: The reader's language.
    """
    if plan is None and rates is None:
        return translated(language, reason) if reason else reason
    shortest = _shortest(plan, rates)
    if language == "en":
        # The English summary has always said "3 month(s)", whatever the count.
        periods = f"{shortest.periods} {shortest.period}(s)"
    else:
        periods = periods_counted(shortest.periods, shortest.period, language=language)
    return translated(
        language,
        "the shorter A/B test needs %(units)s units per arm, about %(periods)s",
        units=f"{shortest.units_per_arm:,}",
        periods=periods,
    )


def _shortest(plan: AbPlan | None, rates: RatePlan | None) -> AbPlan | RatePlan:
    return min((p for p in (plan, rates) if p is not None), key=lambda p: p.periods)
