"""The prices and sizes each kind of KPI needs, typed and present.

A `Kpi` holds every kind's fields as optional, because a top-k charter has no
forecast costs and a forecast no contact cost. The schema requires a kind's own fields
(`playbook.charter.kpi_fields`), so after loading they are there; these views say so to
the type checker and to a reader, and fail loudly if a charter was built by hand
without them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from playbook.charter.model import Kpi
from playbook.errors import CharterError

T = TypeVar("T")


@dataclass(frozen=True)
class TopKTerms:
    """A top-k KPI: capacity, and what a contact costs and earns."""

    capacity_per_period: int
    value_per_saved_customer: float
    offer_success_rate: float
    contact_cost: float


@dataclass(frozen=True)
class ForecastTerms:
    """A forecast KPI: what an error costs, the season and how far ahead."""

    over_cost_per_unit: float
    under_cost_per_unit: float
    season_length: int
    horizon: int


@dataclass(frozen=True)
class RoutingTerms:
    """A routing KPI: what a right route earns and a wrong one costs."""

    value_per_correct: float
    cost_per_wrong: float


def top_k(kpi: Kpi) -> TopKTerms:
    """The top-k fields of `kpi`.

    Raises:
        CharterError: A field the top-k KPI needs is missing.
    """
    return TopKTerms(
        capacity_per_period=_present(
            kpi, "capacity_per_period", kpi.capacity_per_period
        ),
        value_per_saved_customer=_present(
            kpi, "value_per_saved_customer", kpi.value_per_saved_customer
        ),
        offer_success_rate=_present(kpi, "offer_success_rate", kpi.offer_success_rate),
        contact_cost=_present(kpi, "contact_cost", kpi.contact_cost),
    )


def forecast(kpi: Kpi) -> ForecastTerms:
    """The forecast fields of `kpi`.

    Raises:
        CharterError: A field the forecast KPI needs is missing.
    """
    return ForecastTerms(
        over_cost_per_unit=_present(kpi, "over_cost_per_unit", kpi.over_cost_per_unit),
        under_cost_per_unit=_present(
            kpi, "under_cost_per_unit", kpi.under_cost_per_unit
        ),
        season_length=_present(kpi, "season_length", kpi.season_length),
        horizon=_present(kpi, "horizon", kpi.horizon),
    )


def routing(kpi: Kpi) -> RoutingTerms:
    """The routing fields of `kpi`.

    Raises:
        CharterError: A field the routing KPI needs is missing.
    """
    return RoutingTerms(
        value_per_correct=_present(kpi, "value_per_correct", kpi.value_per_correct),
        cost_per_wrong=_present(kpi, "cost_per_wrong", kpi.cost_per_wrong),
    )


def _present(kpi: Kpi, name: str, value: T | None) -> T:
    if value is None:
        raise CharterError(
            f"kpi.{name} is missing, and a {kpi.kind} KPI needs it. Add it to the "
            "charter; `playbook check` lists every field a kind needs."
        )
    return value
