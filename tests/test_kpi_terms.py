import dataclasses
from pathlib import Path

import pytest

from playbook import charter
from playbook.charter import kpi_terms
from playbook.errors import CharterError

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@pytest.mark.parametrize(
    ("template", "terms"),
    [
        ("churn", kpi_terms.top_k),
        ("fraud", kpi_terms.top_k),
        ("marketing", kpi_terms.top_k),
        ("demand_forecast", kpi_terms.forecast),
        ("ticket_routing", kpi_terms.routing),
    ],
    ids=["churn", "fraud", "marketing", "demand_forecast", "ticket_routing"],
)
def test_each_template_has_every_term_its_kpi_kind_needs(template, terms):
    kpi = charter.load(TEMPLATES / f"{template}.yaml").kpi
    found = terms(kpi)
    for field in dataclasses.fields(found):
        assert getattr(found, field.name) == getattr(kpi, field.name)
        assert getattr(found, field.name) is not None


def test_a_missing_term_names_the_field_the_kind_and_the_charters_kind():
    kpi = charter.load(TEMPLATES / "churn.yaml").kpi
    with pytest.raises(
        CharterError, match=r"kpi\.over_cost_per_unit is missing.*top_k"
    ):
        kpi_terms.forecast(kpi)
    no_cost = dataclasses.replace(kpi, contact_cost=None)
    with pytest.raises(
        CharterError, match=r"kpi\.contact_cost is missing, and a top_k"
    ):
        kpi_terms.top_k(no_cost)
