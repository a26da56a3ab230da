"""The POC charter: schema, loading, check, init, overrides, stages 1 and 2.

Stage 1 reviews the charter (`review`, its evidence in `business_stage`); stage 2
compares its team with the roles a POC needs (`team`, its evidence in `team_stage`).

`from playbook import charter; charter.load(path)` is the way in; the charter's
dataclasses (`Charter`, `Kpi`, `Data`, ...) are exported here too. The fields, their
types and bounds are declared once, in `playbook.charter.schema`.
"""

from playbook.charter import (
    business_stage,
    check,
    init,
    overrides,
    review,
    schema,
    team,
    team_stage,
)
from playbook.charter.model import (
    ACCESS_MODES,
    BASELINES,
    KPI_KINDS,
    RULE_OPERATORS,
    SUPPORTED_VERSION,
    Baseline,
    Budget,
    Business,
    Charter,
    Condition,
    Data,
    Drift,
    Experiment,
    Kpi,
    Prediction,
    Route,
    Split,
    SqlSource,
    Success,
    Team,
    Timeline,
    load,
    sha256,
)

__all__ = [
    "ACCESS_MODES",
    "BASELINES",
    "KPI_KINDS",
    "RULE_OPERATORS",
    "SUPPORTED_VERSION",
    "Baseline",
    "Budget",
    "Business",
    "Charter",
    "Condition",
    "Data",
    "Drift",
    "Experiment",
    "Kpi",
    "Prediction",
    "Route",
    "Split",
    "SqlSource",
    "Success",
    "Team",
    "Timeline",
    "business_stage",
    "check",
    "init",
    "load",
    "overrides",
    "review",
    "schema",
    "sha256",
    "team",
    "team_stage",
]
