"""The POC charter: schema, loading, check, init, overrides, stages 1 and 2.

Stage 1 reviews the charter (`review`, with what its minimum lift is worth in
`value_model` and its plan against the 2-6 month rule in `timeline`; its evidence in
`business_stage`); stage 2 compares its team with the roles a POC needs (`team`, its
evidence in `team_stage`).

`from playbook import charter; charter.load(path)` is the way in; the charter's
dataclasses (`Charter`, `Kpi`, `Data`, ...) are exported here too. The fields, their
types and bounds are declared once, in the field table (`field_table`, with the `kpi`
and `data` sections in `kpi_fields` and `data_fields`, written in the words of
`fields`); from it come the JSON Schema (`json_schema`), the check of a file read by
`yaml_reader` (`validate`, its findings are `problems`), `load` (`loading`, into the
types of `model`), `check` and `init`.
The files a charter may have playbook read are its own folder tree's and those it
or the user allows (`data_paths`).
"""

from playbook.charter import (
    business_stage,
    check,
    data_fields,
    data_paths,
    field_table,
    fields,
    init,
    json_schema,
    kpi_fields,
    kpi_terms,
    loading,
    model,
    overrides,
    problems,
    review,
    team,
    team_stage,
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
from playbook.charter.loading import load, sha256
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
    "data_fields",
    "data_paths",
    "field_table",
    "fields",
    "init",
    "json_schema",
    "kpi_fields",
    "kpi_terms",
    "load",
    "loading",
    "model",
    "overrides",
    "problems",
    "review",
    "sha256",
    "team",
    "team_stage",
    "validate",
    "yaml_reader",
]
