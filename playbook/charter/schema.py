"""What a charter may hold, and the check of a charter file against it.

`FIELDS` describes every field of a charter once: its kind, whether it is required, a
line of help for the person filling it in, an example, allowed values and bounds. From
it come the JSON Schema that editors use to validate and complete a charter
(`schema/charter.schema.json`, written by `playbook check --print-schema`), the check
that `charter.load` and `playbook check` run, and the prompts of `playbook init`.

`read` parses the file with the node positions kept, so that every problem carries the
file, line and column; it refuses what a safe reader must refuse (a huge file, bytes
that are not UTF-8, a YAML tag that would build a Python object, a key given twice).
`validate` then reports every field that is missing, unknown or of the wrong kind at
once, instead of stopping at the first.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SUPPORTED_VERSION = 1
MAX_CHARTER_BYTES = 1_000_000
BLOCKER, WARNING, NOTE = "blocker", "warning", "note"
RULE_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
BASELINES = ("rule", "score", "keywords", "seasonal_naive", "moving_average", "prior")
KPI_KINDS = ("top_k", "forecast", "routing")
ACCESS_MODES = ("sandbox_copy", "platform_read")
POC_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# The KPI fields each kind reads; a field of another kind is ignored, with a warning.
KIND_FIELDS = {
    "top_k": (
        "capacity_per_period",
        "value_per_saved_customer",
        "offer_success_rate",
        "contact_cost",
        "review_minutes",
        "cost_per_review_hour",
    ),
    "forecast": (
        "over_cost_per_unit",
        "under_cost_per_unit",
        "error_metric",
        "season_length",
        "horizon",
    ),
    "routing": ("value_per_correct", "cost_per_wrong"),
}


@dataclass(frozen=True)
class Rule:
    """Fields that must be present together: one group of `any_of`, when `when` holds.

    `when` is a sibling field and the values for which the rule applies; an absent
    sibling counts as its default. With `only_one`, exactly one group may be present.
    """

    any_of: tuple[tuple[str, ...], ...]
    when: tuple[str, tuple[str, ...]] | None = None
    only_one: bool = False


@dataclass(frozen=True)
class Field:
    """One field of the charter.

    `kind` is one of: text, texts (one text or a list of them), number, integer, date,
    choice, flag (true or false), scalar (a number or some text), section, sections (a
    list of sections). A section lists its `fields`; `open` lets it hold other keys
    too (team roles). `ask` marks the fields `playbook init` asks for.
    """

    name: str
    kind: str
    help: str
    example: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    default: Any = None
    fields: tuple[Field, ...] = ()
    rules: tuple[Rule, ...] = ()
    open: bool = False
    ask: bool = False

    def child(self, name: str) -> Field | None:
        """The field of this section called `name`, or None."""
        return next((item for item in self.fields if item.name == name), None)


def _text(name: str, help: str, example: Any = None, **more: Any) -> Field:
    return Field(name, "text", help, example, **more)


def _number(name: str, help: str, example: Any, **more: Any) -> Field:
    return Field(name, "number", help, example, **more)


_ROLES = (
    _text(
        "executive_sponsor",
        "Owns the business outcome and takes the go / iterate / stop decision.",
        "Chief customer officer",
        ask=True,
    ),
    _text(
        "product_manager",
        "Product or project manager: keeps scope, timeline and stakeholders aligned.",
        "Retention product owner",
        ask=True,
    ),
    _text(
        "domain_expert",
        "Knows what the data means and whether a prediction is useful.",
        "Retention desk lead",
        ask=True,
    ),
    _text(
        "data_scientist",
        "Frames the problem, builds and evaluates the models.",
        "Analytics team (2 people)",
        ask=True,
    ),
    _text(
        "data_engineer",
        "Sources, cleans and delivers the data, and keeps it flowing after the POC.",
        "Data platform team",
        ask=True,
    ),
    _text(
        "ml_engineer",
        "ML or software engineer: turns the model into a service or a batch job.",
        "Platform engineering",
        ask=True,
    ),
    _text(
        "devops",
        "Runs environments, pipelines, monitoring and deployment.",
        "Platform operations",
        ask=True,
    ),
    _text(
        "security",
        "Sets access rules and protects personal data.",
        "Information security office",
        ask=True,
    ),
)
ROLE_KEYS = tuple(role.name for role in _ROLES)

_CONDITION = (
    _text("column", "The data column the condition reads.", "contract", required=True),
    Field("op", "choice", "How to compare.", ">=", True, choices=RULE_OPERATORS),
    Field(
        "value", "scalar", "The value to compare with: a number or some text.", 2, True
    ),
)

FIELDS = Field(
    "",
    "section",
    "A POC charter: the one page a business lead fills in before a POC starts.",
    fields=(
        Field(
            "version",
            "integer",
            "The charter format's version; this playbook reads version "
            f"{SUPPORTED_VERSION}.",
            SUPPORTED_VERSION,
            required=True,
            minimum=1,
        ),
        _text(
            "poc",
            "A short id of lower-case letters, digits, '-' or '_'; it names the run "
            "folder runs/<poc>/.",
            "churn-retention",
            required=True,
            pattern=POC_ID,
            ask=True,
        ),
        _text(
            "title",
            "The POC's title in a few words, for the reports.",
            "Keep customers whose contract is up for renewal",
            ask=True,
        ),
        Field(
            "seed",
            "integer",
            "Fixes every random choice: the same seed gives the same numbers.",
            42,
            minimum=0,
        ),
        Field(
            "business",
            "section",
            "The business question, its value, the decision it feeds and its users.",
            fields=(
                _text(
                    "question",
                    "The business question the prediction answers.",
                    "Which customers should the retention desk call this month?",
                    ask=True,
                ),
                _text(
                    "value",
                    "What answering it is worth, and why.",
                    "Each customer who stays keeps a year of margin.",
                    ask=True,
                ),
                _text(
                    "decision",
                    "The decision the prediction feeds: who does what with it, when.",
                    "Every month the desk calls the customers at the top of a list.",
                    ask=True,
                ),
                Field(
                    "users",
                    "texts",
                    "Who uses the predictions (a list).",
                    ["Retention desk, who make the calls"],
                    ask=True,
                ),
                _text(
                    "sponsor",
                    "The executive who owns the outcome.",
                    "Chief customer officer",
                    ask=True,
                ),
            ),
        ),
        Field(
            "baseline",
            "section",
            "How the business decides today: the baseline the model must beat.",
            fields=(
                _text(
                    "description",
                    "Today's way of deciding, in words.",
                    "Call customers on a monthly contract first.",
                    ask=True,
                ),
                Field(
                    "today",
                    "choice",
                    "Which baseline the lift is measured against (default: rule, "
                    "when a rule is given).",
                    "rule",
                    choices=BASELINES,
                ),
                Field(
                    "rule",
                    "section",
                    "Today's rule as data: conditions over columns.",
                    fields=(
                        Field(
                            "match",
                            "choice",
                            "any: a case meeting one condition; all: every condition.",
                            "any",
                            True,
                            choices=("any", "all"),
                        ),
                        Field(
                            "conditions",
                            "sections",
                            "The rule's conditions, each {column, op, value}.",
                            [{"column": "contract", "op": "==", "value": "monthly"}],
                            True,
                            fields=_CONDITION,
                        ),
                    ),
                ),
                _text(
                    "score_column",
                    "A column holding today's score (higher first), for today: score.",
                    "risk_score",
                ),
                Field(
                    "routes",
                    "sections",
                    "A keyword router, for today: keywords; each {label, keywords}.",
                    [{"label": "billing", "keywords": ["invoice", "refund"]}],
                    fields=(
                        _text("label", "The route's label.", "billing", required=True),
                        Field(
                            "keywords",
                            "texts",
                            "Words or phrases that send a case to this label.",
                            ["invoice", "refund"],
                            True,
                        ),
                    ),
                ),
            ),
            rules=(
                Rule((("today",), ("rule",))),
                Rule((("rule",),), when=("today", ("rule",))),
                Rule((("score_column",),), when=("today", ("score",))),
                Rule((("routes",),), when=("today", ("keywords",))),
            ),
        ),
        Field(
            "kpi",
            "section",
            "The business KPI, in money per period; kind says which decision it "
            "prices.",
            fields=(
                Field(
                    "kind",
                    "choice",
                    "top_k: act on the top cases within a capacity; forecast: plan a "
                    "number ahead; routing: choose among many labels.",
                    "top_k",
                    choices=KPI_KINDS,
                    default="top_k",
                ),
                _text(
                    "name",
                    "The KPI's name.",
                    "Net value of retention calls per month",
                    required=True,
                    ask=True,
                ),
                _text("unit", "The money unit.", "KRW", required=True, ask=True),
                Field(
                    "period",
                    "choice",
                    "The period the KPI is counted over.",
                    "month",
                    True,
                    choices=("day", "week", "month", "quarter"),
                    ask=True,
                ),
                _number(
                    "min_lift",
                    "The extra value per period over today that makes the model worth "
                    "building, in the KPI's unit.",
                    2000000,
                    ask=True,
                ),
                _number(
                    "confidence",
                    "Width of the confidence interval on the lift.",
                    0.95,
                    required=True,
                    minimum=0.5,
                    maximum=0.999,
                ),
                Field(
                    "bootstrap_resamples",
                    "integer",
                    "Resamples for the confidence interval.",
                    2000,
                    True,
                    minimum=100,
                ),
                Field(
                    "capacity_per_period",
                    "integer",
                    "top_k: cases the team can act on per period.",
                    250,
                    minimum=1,
                    ask=True,
                ),
                _number(
                    "value_per_saved_customer",
                    "top_k: value kept when a case acted on turns out well.",
                    480000,
                    minimum=0,
                    ask=True,
                ),
                _number(
                    "offer_success_rate",
                    "top_k: share of true cases the action turns around (0 to 1).",
                    0.3,
                    minimum=0,
                    maximum=1,
                    ask=True,
                ),
                _number(
                    "contact_cost",
                    "top_k: the cost of acting on one case.",
                    12000,
                    minimum=0,
                    ask=True,
                ),
                _number(
                    "review_minutes",
                    "top_k: minutes one review takes (instead of contact_cost).",
                    15,
                    minimum=0,
                ),
                _number(
                    "cost_per_review_hour",
                    "top_k: cost of an hour of review (with review_minutes).",
                    60000,
                    minimum=0,
                ),
                _number(
                    "over_cost_per_unit",
                    "forecast: cost of each unit forecast too high.",
                    1500,
                    minimum=0,
                ),
                _number(
                    "under_cost_per_unit",
                    "forecast: cost of each unit forecast too low.",
                    4000,
                    minimum=0,
                ),
                Field(
                    "error_metric",
                    "choice",
                    "forecast: the error shown beside the cost.",
                    "wape",
                    choices=("wape", "mape"),
                ),
                Field(
                    "season_length",
                    "integer",
                    "forecast: periods in a season (7 for daily data with a weekly "
                    "cycle).",
                    7,
                    minimum=1,
                ),
                Field(
                    "horizon",
                    "integer",
                    "forecast: how many periods ahead the forecast is made.",
                    1,
                    minimum=1,
                ),
                _number(
                    "value_per_correct",
                    "routing: value of a case routed right.",
                    3000,
                    minimum=0,
                ),
                _number(
                    "cost_per_wrong",
                    "routing: cost of a case routed wrong.",
                    8000,
                    minimum=0,
                ),
            ),
            rules=(
                Rule(
                    (
                        (
                            "capacity_per_period",
                            "value_per_saved_customer",
                            "offer_success_rate",
                        ),
                    ),
                    when=("kind", ("top_k",)),
                ),
                Rule(
                    (("contact_cost",), ("review_minutes", "cost_per_review_hour")),
                    when=("kind", ("top_k",)),
                ),
                Rule(
                    (("over_cost_per_unit", "under_cost_per_unit", "season_length"),),
                    when=("kind", ("forecast",)),
                ),
                Rule(
                    (("value_per_correct", "cost_per_wrong"),),
                    when=("kind", ("routing",)),
                ),
            ),
        ),
        Field(
            "prediction",
            "section",
            "How fast the model must answer.",
            fields=(
                Field(
                    "mode",
                    "choice",
                    "batch (a list once a period) or real_time (one answer at a time).",
                    "batch",
                    True,
                    choices=("batch", "real_time"),
                    ask=True,
                ),
                _number(
                    "latency_budget_ms",
                    "Milliseconds the model may take (per answer in real time, for "
                    "the whole list in batch).",
                    60000,
                    minimum=0,
                    ask=True,
                ),
            ),
        ),
        Field(
            "success",
            "section",
            "The success metric in words and the trade-offs the business accepts.",
            fields=(
                _text(
                    "metric",
                    "The metric that decides success, against what, on which data.",
                    "Net value per month against today's rule, on the last 3 months",
                    ask=True,
                ),
                _text(
                    "trade_offs",
                    "What the business accepts in exchange (more calls, some misses).",
                    "The model may call customers the rule would not.",
                    ask=True,
                ),
            ),
        ),
        Field(
            "team",
            "section",
            "The core team and how it works.",
            fields=(
                _text(
                    "process",
                    "How the team works: iterations, reviews, who decides.",
                    "Two-week iterations; a monthly review with the sponsor decides.",
                    ask=True,
                ),
                Field(
                    "roles",
                    "section",
                    "Role to who holds it: a name, a team, or empty when nobody does.",
                    fields=_ROLES,
                    open=True,
                ),
            ),
        ),
        Field(
            "data",
            "section",
            "Where the data is and what its columns mean.",
            required=True,
            fields=(
                _text(
                    "path",
                    "A CSV or Parquet file, or a folder of them, relative to the "
                    "charter's folder (or give sql instead).",
                    "churn.csv",
                    ask=True,
                ),
                Field(
                    "sql",
                    "section",
                    "A database query instead of path.",
                    fields=(
                        _text(
                            "url",
                            "A SQLAlchemy URL; write a password as ${NAME}, read from "
                            "the environment.",
                            "postgresql://analyst:${CRM_DB_PASSWORD}@db/crm",
                            required=True,
                        ),
                        _text(
                            "query",
                            "The query whose rows are the data.",
                            "SELECT * FROM renewals",
                            required=True,
                        ),
                    ),
                ),
                _text(
                    "checks",
                    "The data contract (a Great Expectations suite), relative to the "
                    "charter's folder.",
                    "churn.checks.yaml",
                    required=True,
                    ask=True,
                ),
                _text(
                    "fresh",
                    "A later batch, to check the model on tomorrow's data.",
                    "churn_fresh.csv",
                ),
                Field(
                    "synthetic",
                    "flag",
                    "true when the data is generated, not real.",
                    False,
                ),
                _text(
                    "target",
                    "The column the model predicts.",
                    "churned",
                    required=True,
                    ask=True,
                ),
                Field(
                    "positive_label",
                    "scalar",
                    "The target's value for the cases to act on.",
                    1,
                ),
                _text(
                    "label_definition",
                    "What the target means, exactly, and when it is known.",
                    "The customer cancelled within 30 days after the renewal date.",
                    ask=True,
                ),
                _text("id", "The column that identifies a case.", "customer_id"),
                _text(
                    "time", "The column that dates a case.", "snapshot_month", ask=True
                ),
                Field(
                    "access",
                    "choice",
                    "sandbox_copy (a copy for the POC) or platform_read (read access "
                    "to a data platform).",
                    "sandbox_copy",
                    choices=ACCESS_MODES,
                ),
                _text("encoding", "The CSV's encoding when it is not UTF-8.", "cp949"),
                _text("delimiter", "The CSV's delimiter (default: sniffed).", ";"),
                Field(
                    "pii",
                    "texts",
                    "Columns holding personal data the value patterns cannot see.",
                    ["full_name"],
                ),
                Field(
                    "allow_pii",
                    "texts",
                    "Personal columns the model may use anyway.",
                    ["age"],
                ),
                Field(
                    "exclude",
                    "texts",
                    "Columns the model must never use.",
                    ["cancel_reason"],
                ),
                Field(
                    "allow_leaks",
                    "texts",
                    "Columns flagged as leaks that the model may use anyway.",
                    ["tenure_months"],
                ),
                Field(
                    "sensitive",
                    "texts",
                    "Attributes whose segments the model card reports for fairness.",
                    ["age_group"],
                ),
                _text("text", "The free-text column a routing model reads.", "body"),
                _text(
                    "series",
                    "The column that tells separate time series apart in a forecast.",
                    "store_id",
                ),
            ),
            rules=(Rule((("path",), ("sql",)), only_one=True),),
        ),
        Field(
            "split",
            "section",
            "How the evaluation holds out data.",
            fields=(
                Field(
                    "test_periods",
                    "integer",
                    "The latest periods held out for the evaluation.",
                    3,
                    minimum=1,
                ),
                _number(
                    "test_share",
                    "Share held out when there is no time column.",
                    0.25,
                    minimum=0.05,
                    maximum=0.5,
                ),
            ),
        ),
        Field(
            "drift",
            "section",
            "Thresholds for drift between training and fresh data (stage 5).",
            fields=(
                _number(
                    "psi_warning",
                    "Population stability index above which to watch a feature.",
                    0.1,
                    required=True,
                    minimum=0,
                ),
                _number(
                    "psi_alert",
                    "Population stability index above which a feature has shifted.",
                    0.25,
                    required=True,
                    minimum=0,
                ),
                _number(
                    "ks_alert",
                    "Kolmogorov-Smirnov distance above which a number has shifted.",
                    0.1,
                    required=True,
                    minimum=0,
                    maximum=1,
                ),
            ),
        ),
        Field(
            "experiment",
            "section",
            "Error rates of the A/B test that would confirm the POC online.",
            fields=(
                _number(
                    "significance",
                    "The A/B test's false-alarm rate.",
                    0.05,
                    required=True,
                    minimum=0.001,
                    maximum=0.5,
                ),
                _number(
                    "power",
                    "Chance the A/B test detects the minimum lift when it is real.",
                    0.8,
                    required=True,
                    minimum=0.5,
                    maximum=0.999,
                ),
            ),
        ),
        Field(
            "timeline",
            "section",
            "Planned start and end of the POC (2 to 6 months is the norm).",
            fields=(
                Field(
                    "start",
                    "date",
                    "First day of the POC.",
                    "2026-01-05",
                    True,
                    ask=True,
                ),
                Field(
                    "end",
                    "date",
                    "Last day of the POC.",
                    "2026-04-30",
                    True,
                    ask=True,
                ),
            ),
        ),
        Field(
            "budget",
            "section",
            "The POC's budget.",
            fields=(
                _number(
                    "amount",
                    "The budget, in the currency below.",
                    24000000,
                    required=True,
                    minimum=0,
                    ask=True,
                ),
                _text(
                    "currency", "The budget's currency.", "KRW", required=True, ask=True
                ),
            ),
        ),
    ),
)


def field_at(path: str) -> Field | None:
    """The field at a dotted path such as `kpi.min_lift`, or None."""
    found: Field | None = FIELDS
    for name in path.split("."):
        found = found.child(name) if found is not None else None
    return found


def leaf_paths(section: Field = FIELDS, prefix: str = "") -> Iterator[str]:
    """Dotted paths of every field that holds a value (not a section), in order."""
    for item in section.fields:
        path = f"{prefix}{item.name}"
        if item.kind == "section":
            yield from leaf_paths(item, f"{path}.")
        else:
            yield path


# ---------------------------------------------------------------------------- JSON


def json_schema() -> dict[str, Any]:
    """The charter's JSON Schema (draft 2020-12), for editors and other tools."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "playbook POC charter",
    }
    schema.update(_json_field(FIELDS))
    return schema


def schema_text() -> str:
    """The JSON Schema as the text committed in `schema/charter.schema.json`."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _json_field(item: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"description": item.help} if item.help else {}
    if item.kind == "section" or item.kind == "sections":
        body: dict[str, Any] = {
            "type": "object",
            "properties": {child.name: _json_field(child) for child in item.fields},
            "additionalProperties": (
                {"type": ["string", "number", "null"]} if item.open else False
            ),
        }
        required = [child.name for child in item.fields if child.required]
        if required:
            body["required"] = required
        rules = [_json_rule(rule, item) for rule in item.rules]
        if rules:
            body["allOf"] = rules
        if item.kind == "sections":
            out.update({"type": "array", "minItems": 1, "items": body})
        else:
            out.update(body)
    else:
        out.update(_json_value(item))
    if not item.required and item.name:
        # An optional field left empty (`ml_engineer:`) reads as absent.
        _allow_null(out)
    if item.example is not None and item.kind != "section":
        example = item.example
        out["examples"] = [example]
    if item.default is not None:
        out["default"] = item.default
    return out


def _allow_null(out: dict[str, Any]) -> None:
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    elif "anyOf" in out:
        out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    elif "type" in out:
        kinds = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*kinds, "null"]


def _json_value(item: Field) -> dict[str, Any]:
    bounds = {}
    if item.minimum is not None:
        bounds["minimum"] = item.minimum
    if item.maximum is not None:
        bounds["maximum"] = item.maximum
    if item.kind == "text":
        text: dict[str, Any] = {"type": ["string", "number"]}
        if item.pattern:
            text = {"type": "string", "pattern": item.pattern}
        return text
    if item.kind == "texts":
        return {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
            ]
        }
    if item.kind == "number":
        return {"type": "number", **bounds}
    if item.kind == "integer":
        return {"type": "integer", **bounds}
    if item.kind == "date":
        return {"type": "string", "format": "date"}
    if item.kind == "choice":
        return {"enum": list(item.choices)}
    if item.kind == "flag":
        return {"type": "boolean"}
    return {"type": ["string", "number", "boolean"]}


def _json_rule(rule: Rule, section: Field) -> dict[str, Any]:
    groups = [{"required": list(group)} for group in rule.any_of]
    need: dict[str, Any] = (
        groups[0]
        if len(groups) == 1
        else {"oneOf" if rule.only_one else "anyOf": groups}
    )
    if rule.when is None:
        return need
    name, values = rule.when
    condition: dict[str, Any] = {"properties": {name: {"enum": list(values)}}}
    sibling = section.child(name)
    if sibling is None or sibling.default not in values:
        condition["required"] = [name]
    return {"if": condition, "then": need}


# ---------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One problem in a charter: where, how bad, what is wrong and what to do."""

    file: str
    line: int
    column: int
    path: str
    severity: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        """The problem as a compiler prints it: `file:line:column: severity: ...`."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else f"{text}."


def listing(problems: list[Problem], *, file: str) -> str:
    """All problems in one message, one per line in the file's order, for an error."""
    problems = in_order(problems)
    if len(problems) == 1:
        return str(problems[0])
    lines = "\n".join(f"  {problem}" for problem in problems)
    return (
        f"{file}: {len(problems)} problems in the charter:\n{lines}\n"
        f"Fix them, then run again (`playbook check` lists them as well)."
    )


def in_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by file, line and column, as a compiler lists them."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


@dataclass(frozen=True)
class Document:
    """A charter's YAML, parsed, with the line and column of each key and value."""

    file: str
    data: dict[str, Any]
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    values: dict[str, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: str) -> tuple[int, int]:
        """Line and column of a field's value, else of its nearest existing parent."""
        while path:
            if path in self.values:
                return self.values[path]
            path = _parent(path)
        return (1, 1)

    def key_at(self, path: str) -> tuple[int, int]:
        """Line and column of a field's key, else of its nearest existing parent."""
        while path:
            if path in self.keys:
                return self.keys[path]
            path = _parent(path)
        return (1, 1)


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path.rpartition(".")[0]


_PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_MERGE_TAG = "tag:yaml.org,2002:merge"


def read(path: str | Path, *, shown: str | None = None) -> tuple[Document | None, list]:
    """Parse a charter file, keeping where each key and value is.

    Args:
        path: The charter file.
        shown: How to name the file in problems (default: the path as given).

    Returns:
        The document (None when the file cannot be read as a charter at all) and the
        problems found while reading it, each a blocker: a key given twice leaves a
        document to check further, with the key's last value.
    """
    source = Path(path)
    file = shown if shown is not None else str(path)

    def stop(message: str, hint: str, line: int = 1, column: int = 1) -> tuple:
        return None, [Problem(file, line, column, "", BLOCKER, message, hint)]

    if source.is_dir():
        return stop("a folder, not a charter file", "Name the charter's YAML file.")
    try:
        size = source.stat().st_size
    except FileNotFoundError:
        return stop(
            "no such charter file",
            "Check the path, or start one with `playbook init` (templates/ holds "
            "examples).",
        )
    except OSError as error:
        return stop(f"cannot read the file ({error.strerror})", "Check the path.")
    if size > MAX_CHARTER_BYTES:
        return stop(
            f"the file is {size:,} bytes, over the {MAX_CHARTER_BYTES:,} a charter may "
            f"have, so it was not read",
            "A charter is one page of settings: keep data in the file data.path names.",
        )
    try:
        raw = source.read_bytes()
    except OSError as error:
        return stop(
            f"cannot read the file ({error.strerror})", "Check its permissions."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return stop(
            f"not UTF-8 text (byte {error.start}, 0x{raw[error.start]:02x}, cannot be "
            f"decoded)",
            "Save the charter as UTF-8 (in most editors: Save with encoding, UTF-8).",
            line,
            column,
        )
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "unreadable"
        context = f" ({error.context})" if error.context else ""
        return stop(
            f"not valid YAML at line {line}, column {column}: {problem}{context}",
            "Check the indentation and the quotes there; text holding ': ' or ' #' "
            "needs quotes.",
            line,
            column,
        )
    except yaml.YAMLError as error:
        return stop(f"not valid YAML: {error}", "Fix the file.")
    finally:
        loader.dispose()
    if node is None:
        return stop(
            "an empty file: expected a mapping of fields (version, poc, business, ...)",
            "Start from a template with `playbook init`.",
        )
    walker = _Walker(file)
    walker.walk(node, "")
    if walker.refused:
        return None, walker.problems
    loader = yaml.SafeLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as error:
        return stop(f"not valid YAML: {error}", "Fix the file.")
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        return stop(
            f"expected a mapping of fields (version, poc, business, ...), got "
            f"{_kind_of(data)}",
            "Write one `field: value` per line, starting with `version: 1`.",
            line,
            column,
        )
    # A key given twice is reported, and the rest of the charter is still checked.
    return Document(file, data, walker.keys, walker.values), walker.problems


class _Walker:
    """Records where each key and value is; refuses tags and keys given twice."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.keys: dict[str, tuple[int, int]] = {}
        self.values: dict[str, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.refused = False
        self.seen: set[int] = set()

    def walk(self, node: yaml.Node, path: str) -> None:
        self.values.setdefault(path, _mark(node))
        if node.tag not in _PLAIN_TAGS and node.tag != _MERGE_TAG:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.refused = True
            self.problems.append(
                Problem(
                    self.file,
                    *_mark(node),
                    path,
                    BLOCKER,
                    f"not valid YAML for a charter: {path or 'the file'} carries the "
                    f"tag {tag}, which asks to build an object; a charter holds plain "
                    f"data only, so it is refused",
                    "Remove the tag and write the value as plain text or a number.",
                )
            )
            return
        # An alias points at a node already walked: its positions are known, and
        # walking it again could take exponential time.
        if id(node) in self.seen:
            return
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, tuple[int, int]] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    self.walk(value_node, path)
                    continue
                name = str(key_node.value)
                child = f"{path}.{name}" if path else name
                where = _mark(key_node)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(
                        Problem(
                            self.file,
                            *where,
                            path,
                            BLOCKER,
                            f"{path or 'the file'} has a key that is not a name",
                            "Keys are plain names such as `poc` or `min_lift`.",
                        )
                    )
                    self.refused = True
                    continue
                if name in first:
                    line = first[name][0]
                    self.problems.append(
                        Problem(
                            self.file,
                            *where,
                            child,
                            BLOCKER,
                            f"{child} appears twice (first on line {line}); YAML "
                            f"would silently keep only this last value",
                            "Keep one of them and delete the other.",
                        )
                    )
                    continue
                first[name] = where
                self.keys[child] = where
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.walk(item, f"{path}[{index}]")


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


# -------------------------------------------------------------------- validation


def validate(document: Document) -> list[Problem]:
    """Check a parsed charter against `FIELDS`; report every problem at once.

    A charter from a future version gets one problem, the version, since its other
    fields may mean something this playbook does not know.
    """
    check = _Check(document)
    version = document.data.get("version")
    future = (
        isinstance(version, int)
        and not isinstance(version, bool)
        and version > SUPPORTED_VERSION
    )
    if future:
        check.add(
            "version",
            f"version {version} is newer than this playbook understands (up to "
            f"{SUPPORTED_VERSION})",
            f"Upgrade playbook (pip install --upgrade playbook), or write the "
            f"charter in version {SUPPORTED_VERSION}: `playbook init` writes one.",
        )
        return check.problems
    check.section(FIELDS, document.data, "")
    check.extra()
    return check.problems


def check_value(path: str, value: Any) -> str | None:
    """What is wrong with one value for the field at `path`, or None when it fits.

    `playbook init` uses it to ask again when an answer does not fit.
    """
    item = field_at(path)
    if item is None:
        return f"{path}: no such field"
    if _absent(value):
        return f"{path} is required: give it a value" if item.required else None
    document = Document("", {})
    check = _Check(document)
    check.value(item, value, path)
    return check.problems[0].message if check.problems else None


def parse_answer(path: str, text: str) -> Any:
    """Turn a typed answer into the value the field at `path` holds.

    Text stays text; numbers, whole numbers, true/false and lists (`[a, b]`) are read
    as YAML; an empty answer is None.
    """
    item = field_at(path)
    text = text.strip()
    if not text:
        return None
    if item is None or item.kind in ("text", "choice", "date"):
        return text
    if item.kind == "texts" and not text.startswith("["):
        return [part.strip() for part in text.split(";") if part.strip()]
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


class _Check:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def add(
        self,
        path: str,
        message: str,
        hint: str,
        *,
        severity: str = BLOCKER,
        at_key: bool = False,
    ) -> None:
        line, column = (
            self.document.key_at(path) if at_key else self.document.where(path)
        )
        self.problems.append(
            Problem(self.document.file, line, column, path, severity, message, hint)
        )

    def section(self, item: Field, mapping: Any, path: str) -> None:
        if not isinstance(mapping, dict):
            self.wrong(item, mapping, path)
            return
        known = [child.name for child in item.fields]
        for key in mapping:
            name = str(key)
            child_path = f"{path}.{name}" if path else name
            if item.child(name) is not None:
                continue
            if item.open:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
                if close:
                    self.add(
                        child_path,
                        f"{child_path}: not a role playbook knows",
                        f"Did you mean {close[0]}? Roles it knows: {', '.join(known)}.",
                        severity=WARNING,
                        at_key=True,
                    )
                value = mapping[key]
                if value is not None and not _is_text(value):
                    self.add(child_path, _expected(child_path, "some text", value), "")
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            where = f"in {path}" if path else "at the top"
            self.add(
                child_path,
                f"{child_path}: unknown field",
                f"Did you mean {close[0]}?"
                if close
                else f"Fields {where}: {', '.join(known)}. Remove it, or make it a "
                "comment (# ...).",
                at_key=True,
            )
        for child in item.fields:
            child_path = f"{path}.{child.name}" if path else child.name
            value = mapping.get(child.name)
            if _absent(value):
                if child.required:
                    self.missing(child, child_path, parent=path)
                continue
            self.value(child, value, child_path)
        for rule in item.rules:
            self.rule(item, rule, mapping, path)

    def value(self, item: Field, value: Any, path: str) -> None:
        if item.kind == "section":
            self.section(item, value, path)
        elif item.kind == "sections":
            if not isinstance(value, list) or not value:
                self.wrong(item, value, path)
                return
            for index, entry in enumerate(value):
                self.section(
                    Field(item.name, "section", item.help, fields=item.fields),
                    entry,
                    f"{path}[{index}]",
                )
        else:
            self.scalar(item, value, path)

    def scalar(self, item: Field, value: Any, path: str) -> None:
        kind = item.kind
        fits = {
            "text": _is_text,
            "texts": lambda v: (
                isinstance(v, str)
                or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            ),
            "number": _is_number,
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "date": _is_date,
            "choice": lambda v: isinstance(v, str) and v in item.choices,
            "flag": lambda v: isinstance(v, bool),
            "scalar": lambda v: isinstance(v, str | int | float),
        }[kind]
        if not fits(value):
            self.wrong(item, value, path)
            return
        if kind in ("number", "integer"):
            if item.minimum is not None and value < item.minimum:
                self.add(
                    path,
                    _expected(
                        path, f"{_a(kind)} of at least {_num(item.minimum)}", value
                    ),
                    _bound_hint(item),
                )
            elif item.maximum is not None and value > item.maximum:
                self.add(
                    path,
                    _expected(
                        path, f"{_a(kind)} of at most {_num(item.maximum)}", value
                    ),
                    _bound_hint(item),
                )
        if item.pattern and not re.match(item.pattern, str(value)):
            self.add(
                path,
                f"{path} must be a short id of lower-case letters, digits, '-' or '_' "
                f"(it names the run folder), got {value!r}",
                f"For example `{path}: {item.example}`.",
            )

    def wrong(self, item: Field, value: Any, path: str) -> None:
        hint = _HINTS.get(item.kind, "")
        if item.kind == "choice" and isinstance(value, str):
            close = difflib.get_close_matches(value, item.choices, n=1, cutoff=0.6)
            if close:
                hint = f"Did you mean {close[0]}?"
        self.add(path, _expected(path, _description(item), value), hint)

    def missing(self, item: Field, path: str, *, parent: str, why: str = "") -> None:
        example = _example(item)
        self.add(
            path,
            f"{path} is missing{why}: expected {_description(item)}",
            f"Add it to the charter, e.g. `{item.name}: {example}`."
            if example
            else "Add it to the charter.",
            at_key=True,
        )

    def rule(self, item: Field, rule: Rule, mapping: dict, path: str) -> None:
        if rule.when is not None:
            name, values = rule.when
            sibling = item.child(name)
            current = mapping.get(name)
            if _absent(current):
                current = sibling.default if sibling else None
            if current not in values:
                return
            why = f" ({_join(path, name)} is {current})"
        else:
            why = ""
        present = [
            group
            for group in rule.any_of
            if all(not _absent(mapping.get(name)) for name in group)
        ]
        if rule.only_one and len(present) > 1:
            names = " and ".join(_join(path, group[0]) for group in present)
            self.add(
                path,
                f"{path} gives both {names}",
                "Keep one of them.",
            )
            return
        if present:
            return
        if len(rule.any_of) == 1:
            for name in rule.any_of[0]:
                if _absent(mapping.get(name)):
                    child = item.child(name)
                    self.missing(child, _join(path, name), parent=path, why=why)
            return
        options = " or ".join(
            " with ".join(_join(path, name) for name in group) for group in rule.any_of
        )
        self.add(
            path,
            f"{path} needs {options}{why}",
            "Add one of them to the charter.",
            at_key=True,
        )

    def extra(self) -> None:
        """Checks across fields that the schema's kinds cannot express."""
        data = self.document.data
        kpi = data.get("kpi")
        if isinstance(kpi, dict):
            kind = kpi.get("kind") or "top_k"
            for other, names in KIND_FIELDS.items():
                for name in names:
                    if other != kind and kind in KIND_FIELDS and name in kpi:
                        self.add(
                            f"kpi.{name}",
                            f"kpi.{name} is ignored: it prices a {other} decision and "
                            f"kpi.kind is {kind}",
                            "Remove it, or set kpi.kind to the decision it prices.",
                            severity=WARNING,
                            at_key=True,
                        )
        timeline = data.get("timeline")
        if isinstance(timeline, dict):
            start, end = _date(timeline.get("start")), _date(timeline.get("end"))
            if start and end and end <= start:
                self.add(
                    "timeline.end",
                    _expected(
                        "timeline.end", f"a date after start ({start})", str(end)
                    ),
                    "Check the two dates.",
                )
        section = data.get("data")
        if not isinstance(section, dict):
            return
        encoding = section.get("encoding")
        if isinstance(encoding, str) and encoding.strip():
            try:
                codecs.lookup(encoding)
            except LookupError:
                self.add(
                    "data.encoding",
                    _expected(
                        "data.encoding",
                        "a text encoding such as utf-8, cp949, euc-kr or latin-1",
                        encoding,
                    ),
                    "Name the encoding the CSV was saved with.",
                )
        delimiter = section.get("delimiter")
        if delimiter is not None and not (
            isinstance(delimiter, str) and len(delimiter) == 1
        ):
            self.add(
                "data.delimiter",
                _expected(
                    "data.delimiter", "one character such as ';' or ','", delimiter
                ),
                'Quote it: `delimiter: ";"`.',
            )
        sql = section.get("sql")
        url = sql.get("url") if isinstance(sql, dict) else None
        if isinstance(url, str):
            literal = re.match(r"^[^:/]+://[^:@/]*:(?P<password>[^@]*)@", url)
            if literal and not re.fullmatch(
                r"\$\{[A-Za-z_][A-Za-z0-9_]*\}", literal["password"]
            ):
                self.add(
                    "data.sql.url",
                    "data.sql.url holds a password",
                    "Write ${NAME} in its place (e.g. postgresql://analyst:"
                    "${CRM_DB_PASSWORD}@db/crm) and set the environment variable NAME "
                    "where playbook runs.",
                )


_HINTS = {
    "number": "Write a plain number, without units or thousands separators.",
    "integer": "Write a whole number, without a decimal point.",
    "date": "Write the date as YYYY-MM-DD.",
    "choice": "Use one of the values listed.",
    "flag": "Write true or false.",
    "texts": "Write one item per line, each starting with '- '.",
    "text": "Write the text after the colon.",
    "section": "Indent its fields under it, one `field: value` per line.",
    "sections": "Write one item per line, each starting with '- '.",
    "scalar": "Write a number or some text.",
}


def _description(item: Field) -> str:
    example = _example(item)
    such = f" such as {example}" if example and item.kind != "choice" else ""
    if item.kind == "text":
        return f"some text{such}"
    if item.kind == "number":
        return f"a number{such}"
    if item.kind == "integer":
        return f"a whole number{such}"
    if item.kind == "date":
        return "a date such as 2026-01-31"
    if item.kind == "choice":
        return "one of " + ", ".join(item.choices)
    if item.kind == "flag":
        return "true or false"
    if item.kind == "texts":
        return "a list of text items"
    if item.kind == "sections":
        return "a list of {" + ", ".join(c.name for c in item.fields) + "} items"
    if item.kind == "section":
        return "a section of fields (" + ", ".join(c.name for c in item.fields) + ")"
    return "a number or some text"


def _example(item: Field) -> str:
    if item.example is None or item.kind in ("section", "sections", "texts"):
        return ""
    return str(item.example)


def _expected(path: str, expected: str, value: Any) -> str:
    return f"{path}: expected {expected}, got {_shown(value)}"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a section"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"a single value ({_shown(value)})"


def _a(kind: str) -> str:
    return "a whole number" if kind == "integer" else "a number"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bound_hint(item: Field) -> str:
    if item.minimum is not None and item.maximum is not None:
        return f"Use a value from {_num(item.minimum)} to {_num(item.maximum)}."
    if item.minimum == 0:
        return "A cost, a value or a count cannot be negative."
    if item.minimum is not None:
        return f"Use {_num(item.minimum)} or more."
    return f"Use {_num(item.maximum)} or less."


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_text(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _is_date(value: Any) -> bool:
    return _date(value) is not None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
