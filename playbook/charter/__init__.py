"""The POC charter: schema, loading, check, init, overrides, stage-1 and -2 reviews.

`from playbook import charter; charter.load(path)` is the way in; the charter's
dataclasses (`Charter`, `Kpi`, `Data`, ...) are exported here too. The fields, their
types and bounds are declared once, in the field table (`field_table`, with the `kpi`
and `data` sections in `kpi_fields` and `data_fields`, written in the words of
`fields`); from it come the JSON Schema (`json_schema`), the check of a file read by
`yaml_reader` (`validate`, its findings are `problems`), `load`, `check` and `init`.
"""

from playbook.charter import (
    check,
    field_table,
    fields,
    init,
    json_schema,
    overrides,
    problems,
    review,
    team,
    validate,
    yaml_reader,
)
from playbook.charter.fields import (
    ACCESS_MODES,
    BASELINES,
    KPI_KINDS,
    RULE_OPERATORS,
    SUPPORTED_VERSION,
)
from playbook.charter.model import (
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
    "field_table",
    "fields",
    "init",
    "json_schema",
    "load",
    "overrides",
    "problems",
    "review",
    "sha256",
    "team",
    "validate",
    "yaml_reader",
]
