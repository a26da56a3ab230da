"""The POC charter: schema, loading, check, init, overrides, stage-1 and -2 reviews.

`from playbook import charter; charter.load(path)` is the way in; the charter's
dataclasses (`Charter`, `Kpi`, `Data`, ...) are exported here too. The fields, their
types and bounds are declared once, in `playbook.charter.schema`.
"""

from playbook.charter import check, init, overrides, review, schema, team
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
    "check",
    "init",
    "load",
    "overrides",
    "review",
    "schema",
    "sha256",
    "team",
]
