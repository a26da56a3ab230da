"""The prices and sizes each kind of KPI needs, typed and present.

A `Kpi` holds every kind's fields as optional, because a top-k charter has no
forecast costs and a forecast no contact cost. The schema requires a kind's own fields
(`playbook.charter.kpi_fields`), so after loading they are there; these views say so to
the type checker and to a reader, and fail loudly if a charter was built by hand
without them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TypeVar

from playbook.charter.model import Kpi
from playbook.core.messages import sentence
from playbook.errors import CharterError

T = TypeVar("T")

# A forecast's KPI is the cost of its errors: its lift is money saved, not earned.
COST_KINDS = frozenset({"forecast"})
# A forecast's lags need dates: it cannot run without a time column. The other kinds
# can, and then judge held-out rows scaled to `data.cases_per_period`.
TIMED_KINDS = frozenset({"forecast"})


def lift_verb(kind: str) -> str:
    """How a reader says what the lift does for this kind of KPI: "saves" or "earns"."""
    return "saves" if kind in COST_KINDS else "earns"


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
    return _terms(kpi, TopKTerms, kind="top_k")


def forecast(kpi: Kpi) -> ForecastTerms:
    """The forecast fields of `kpi`.

    Raises:
        CharterError: A field the forecast KPI needs is missing.
    """
    return _terms(kpi, ForecastTerms, kind="forecast")


def routing(kpi: Kpi) -> RoutingTerms:
    """The routing fields of `kpi`.

    Raises:
        CharterError: A field the routing KPI needs is missing.
    """
    return _terms(kpi, RoutingTerms, kind="routing")


def _terms(kpi: Kpi, terms: type[T], *, kind: str) -> T:
    """The fields of `terms`, read from `kpi` by name, each required."""
    values = {field.name: getattr(kpi, field.name) for field in fields(terms)}  # type: ignore[arg-type]
    missing = [name for name, value in values.items() if value is None]
    if missing:
        raise CharterError(
            sentence(
                "kpi.%(field)s is missing, and a %(kind)s KPI needs it (this "
                "charter's kpi.kind is %(given)s). Set kpi.kind and its fields in the "
                "charter; `playbook check` lists every field a kind needs.",
                field=missing[0],
                kind=kind,
                given=kpi.kind,
            )
        )
    return terms(**values)
