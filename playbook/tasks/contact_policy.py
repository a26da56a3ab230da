"""Who the model contacts within its capacity: the full capacity, or only at a profit.

A contact earns `value_per_saved_customer x offer_success_rate` when the case is a
positive and costs `contact_cost` always, so a case whose chance of being a positive
is below `contact_cost / (value x success rate)` costs more than it is expected to
earn. The fill-capacity policy contacts the top `capacity` cases whatever their
chance; the break-even policy contacts the same top cases but stops at the first one
below that probability. The model's probabilities are calibrated on rows it was not
fitted on, and the validation rows (never the test rows) decide whether stopping
there pays, so the test judges the policy as it would run. Today's rule has no
probability: it is judged as it runs today, on its own selected cases up to the same
capacity, each at the same price.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from playbook.charter import kpi_terms
from playbook.charter.model import Kpi
from playbook.core.language import Language
from playbook.core.locale_format import format_money
from playbook.core.messages import marked, translated
from playbook.tasks import kpi

BREAK_EVEN, FILL_CAPACITY = "break_even", "fill_capacity"
POLICY_WORDS = {
    BREAK_EVEN: marked("break-even"),
    FILL_CAPACITY: marked("fill capacity"),
}


@dataclass(frozen=True)
class PolicyFigures:
    """One of the model's contact policies on the test rows, per KPI period.

    Attributes:
        name: The policy's name on the ladder.
        kpi: Its net value per period.
        lift: Its net value minus today's, per period.
        contacted: Contacts per period (ties at the capacity's edge at their chance).
        positives_reached: Positives among the contacts, per period.
    """

    name: str
    kpi: float
    lift: float
    contacted: float
    positives_reached: float


@dataclass(frozen=True)
class ContactPolicies:
    """The model's two contact policies side by side, and which one decides.

    Attributes:
        chosen: The charter's `kpi.contact_policy` as applied: "break_even" or
            "fill_capacity" (break-even falls back to fill capacity when the model's
            scores are not probabilities).
        asked: The charter's `kpi.contact_policy`.
        threshold: The probability below which the model does not contact (the
            price's break-even), when the validation rows chose to stop there; None
            when they did not, or no probability could be trusted.
        price_break_even: The probability at which a contact's expected value equals
            its cost, from the charter's prices.
        fallback: Why break-even was not applied, or None.
        break_even: The break-even policy's figures; None without a threshold.
        fill_capacity: The fill-capacity policy's figures.
        today_name: Today's baseline, as the ladder names it.
    """

    chosen: str
    asked: str
    threshold: float | None
    price_break_even: float
    fallback: str | None
    break_even: PolicyFigures | None
    fill_capacity: PolicyFigures
    today_name: str


def applied(definition: Kpi, *, threshold: float | None) -> str:
    """The policy that decides: the charter's, but break-even only with a threshold."""
    if definition.contact_policy == BREAK_EVEN and threshold is not None:
        return BREAK_EVEN
    return FILL_CAPACITY


def side_by_side(
    figures: dict[str, PolicyFigures],
    *,
    definition: Kpi,
    threshold: float | None,
    today: str,
) -> ContactPolicies:
    """The two policies' figures, and the one the charter's choice applies.

    Args:
        figures: Each policy's figures by key ("break_even" only with a threshold).
        definition: The charter's KPI (its `contact_policy` and prices).
        threshold: The break-even probability, or None.
        today: Today's baseline's name.
    """
    return ContactPolicies(
        chosen=applied(definition, threshold=threshold),
        asked=definition.contact_policy,
        threshold=threshold,
        price_break_even=price_break_even(definition),
        fallback=None if threshold is not None else _NO_THRESHOLD,
        break_even=figures.get(BREAK_EVEN),
        fill_capacity=figures[FILL_CAPACITY],
        today_name=today,
    )


# Why the model fills its capacity when no threshold came with its scores.
_NO_THRESHOLD = "no probability threshold was chosen on validation rows."


def price_break_even(definition: Kpi) -> float:
    """The chance of a positive at which a contact's expected value equals its cost."""
    terms = kpi_terms.top_k(definition)
    gain = terms.value_per_saved_customer * terms.offer_success_rate
    return terms.contact_cost / gain if gain > 0 else float("inf")


def choose_threshold(
    probability: np.ndarray,
    positive: np.ndarray,
    periods: np.ndarray,
    *,
    definition: Kpi,
    capacity: float,
) -> float | None:
    """The break-even threshold, when stopping there paid on the validation rows.

    The threshold is the price's break-even (`price_break_even`): below it a
    contact's expected value is less than its cost. The probability that earned the
    most on the validation rows would fit their noise instead (a few positives near
    the capacity's edge decide it; on the fraud example such a threshold lost value
    on the test rows), so the validation rows only decide whether stopping at the
    break-even earns at least as much there as filling the capacity.

    Args:
        probability: The model's probabilities on the validation rows (from a model
            fitted without them, made probabilities there by
            `calibration.fit_sigmoid`).
        positive: Whether each validation row is a positive.
        periods: Each validation row's KPI period.
        definition: The charter's KPI (its prices).
        capacity: Contacts per validation period.

    Returns:
        The break-even probability, or None when stopping there earned less on the
        validation rows than filling the capacity.
    """
    everyone = np.ones(len(probability), dtype=bool)
    filled = kpi.contact_shares(
        kpi.Policy("validation", probability, everyone), periods, capacity=capacity
    )
    values = kpi.row_values(positive, kpi=definition)
    stop = price_break_even(definition)
    # A threshold only removes cases from the bottom of the list: those it keeps are
    # contacted as under fill capacity.
    stopped = float(values @ (filled * (probability >= stop)))
    full = float(values @ filled)
    return stop if stopped >= full - _SAME_VALUE * max(1.0, abs(full)) else None


# Relative difference under which two validation values count as equal (float sums).
_SAME_VALUE = 1e-12


def figures(
    name: str,
    shares: np.ndarray,
    positive: np.ndarray,
    *,
    values: np.ndarray,
    periods: int,
    today: float,
    scale: float = 1.0,
) -> PolicyFigures:
    """A policy's figures per period from each row's chance of a contact.

    Args:
        name: The policy's name.
        shares: Each test row's chance of a contact (`kpi.contact_shares`).
        positive: Whether each test row is a positive.
        values: Each test row's net value if contacted.
        periods: How many KPI periods the test rows make.
        today: Today's net value per period, for the lift.
        scale: Real periods per held-out period (1 with a time column).
    """
    value = float(values @ shares) / periods * scale
    return PolicyFigures(
        name=name,
        kpi=value,
        lift=value - today,
        contacted=float(shares.sum()) / periods * scale,
        positives_reached=float(shares @ positive) / periods * scale,
    )


def sentences(
    policies: ContactPolicies, *, unit: str, period: str, language: Language = "en"
) -> list[str]:
    """What a reader needs to know of the two policies, as sentences for the page."""
    fill = policies.fill_capacity
    one = functools.partial(_one, unit=unit, period=period, language=language)
    words = [
        translated(
            language,
            "The price's break-even: a contact pays when the chance of a positive is "
            "at least %(share)s.",
            share=f"{policies.price_break_even:.1%}",
        ),
    ]
    if policies.break_even is None or policies.threshold is None:
        words.append(
            translated(
                language,
                "Break-even was not applied: %(why)s The model fills its capacity: "
                "%(fill)s.",
                why=translated(language, policies.fallback)
                if policies.fallback
                else "",
                fill=one(fill),
            )
        )
    else:
        words += [
            translated(
                language,
                "Break-even stops the model's list at that probability (the model's "
                "probabilities are calibrated on rows it was not fitted on); on the "
                "validation rows, never the test rows, stopping there earned at least "
                "as much as filling the capacity.",
            ),
            translated(
                language,
                "Break-even: %(break_even)s; fill capacity: %(fill)s.",
                break_even=one(policies.break_even),
                fill=one(fill),
            ),
        ]
    words.append(
        translated(
            language,
            "The decision uses %(policy)s (kpi.contact_policy: %(asked)s).",
            policy=translated(language, POLICY_WORDS[policies.chosen]),
            asked=policies.asked,
        )
    )
    today = translated(language, policies.today_name)
    words.append(
        translated(
            language,
            "%(today)s is judged as it runs today: it contacts the cases it selects, "
            "up to the same capacity, each at the same cost and value as the model's "
            "contacts; it does not stop at break-even, as it has no probability "
            "calibrated on these rows.",
            today=today[:1].upper() + today[1:],
        )
    )
    return words


def _one(figures: PolicyFigures, *, unit: str, period: str, language: Language) -> str:
    """A policy's figures in a clause: contacts, value and lift per period."""
    if language == "en":
        value, lift = kpi.format_apart([figures.kpi, figures.lift], unit)
    else:
        value = format_money(figures.kpi, unit, language=language)
        lift = format_money(figures.lift, unit, language=language)
    return translated(
        language,
        "%(contacts)s contacts per %(period)s, %(value)s per %(period)s (lift "
        "%(lift)s over today)",
        contacts=f"{figures.contacted:,.0f}",
        period=translated(language, period),
        value=value,
        lift=lift,
    )
