"""The table of every charter field, `FIELDS`, and lookups in it.

Written once, here (with the `kpi` and `data` sections in their own modules, for
length): the JSON Schema, the check behind `charter.load` and `playbook check`, and
the questions of `playbook init` all read it. See `playbook.charter.fields` for what a
`Field` and a `Rule` say.
"""

from __future__ import annotations

from collections.abc import Iterator

from playbook.charter.data_fields import DATA
from playbook.charter.fields import (
    BASELINES,
    MAX_AMOUNT,
    POC_ID,
    RULE_OPERATORS,
    SEED_MAXIMUM,
    SUPPORTED_VERSION,
    Field,
    Rule,
    number_field,
    text_field,
)
from playbook.charter.kpi_fields import KPI
from playbook.core.language import DEFAULT_LANGUAGE, LANGUAGES

_ROLES = (
    text_field(
        "executive_sponsor",
        "Owns the business outcome and takes the go / iterate / stop decision.",
        "Chief customer officer",
        ask=True,
    ),
    text_field(
        "product_manager",
        "Product or project manager: keeps scope, timeline and stakeholders aligned.",
        "Retention product owner",
        ask=True,
    ),
    text_field(
        "domain_expert",
        "Knows what the data means and whether a prediction is useful.",
        "Retention desk lead",
        ask=True,
    ),
    text_field(
        "data_scientist",
        "Frames the problem, builds and evaluates the models.",
        "Analytics team (2 people)",
        ask=True,
    ),
    text_field(
        "data_engineer",
        "Sources, cleans and delivers the data, and keeps it flowing after the POC.",
        "Data platform team",
        ask=True,
    ),
    text_field(
        "ml_engineer",
        "ML or software engineer: turns the model into a service or a batch job.",
        "Platform engineering",
        ask=True,
    ),
    text_field(
        "devops",
        "Runs environments, pipelines, monitoring and deployment.",
        "Platform operations",
        ask=True,
    ),
    text_field(
        "security",
        "Sets access rules and protects personal data.",
        "Information security office",
        ask=True,
    ),
)
ROLE_KEYS = tuple(role.name for role in _ROLES)

_CONDITION = (
    text_field(
        "column", "The data column the condition reads.", "contract", required=True
    ),
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
        text_field(
            "poc",
            "A short id of lower-case letters, digits, '-' or '_'; it names the run "
            "folder runs/<poc>/.",
            "churn-retention",
            required=True,
            pattern=POC_ID,
            ask=True,
        ),
        text_field(
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
            maximum=SEED_MAXIMUM,
        ),
        Field(
            "business",
            "section",
            "The business question, its value, the decision it feeds and its users.",
            fields=(
                text_field(
                    "question",
                    "The business question the prediction answers.",
                    "Which customers should the retention desk call this month?",
                    ask=True,
                ),
                text_field(
                    "value",
                    "What answering it is worth, and why.",
                    "Each customer who stays keeps a year of margin.",
                    ask=True,
                ),
                text_field(
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
                text_field(
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
                text_field(
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
                text_field(
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
                        text_field(
                            "label", "The route's label.", "billing", required=True
                        ),
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
        KPI,
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
                number_field(
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
                text_field(
                    "metric",
                    "The metric that decides success, against what, on which data.",
                    "Net value per month against today's rule, on the last 3 months",
                    ask=True,
                ),
                text_field(
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
                text_field(
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
        DATA,
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
                number_field(
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
                number_field(
                    "psi_warning",
                    "Population stability index above which to watch a feature.",
                    0.1,
                    required=True,
                    minimum=0,
                ),
                number_field(
                    "psi_alert",
                    "Population stability index above which a feature has shifted.",
                    0.25,
                    required=True,
                    minimum=0,
                ),
                number_field(
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
                number_field(
                    "significance",
                    "The A/B test's false-alarm rate.",
                    0.05,
                    required=True,
                    minimum=0.001,
                    maximum=0.5,
                ),
                number_field(
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
            "report",
            "section",
            "How the pages, the memo and the messages are written.",
            fields=(
                Field(
                    "language",
                    "choice",
                    "The language a person reads: en (English) or ko (한국어); "
                    "--lang overrides it for one command.",
                    "ko",
                    choices=LANGUAGES,
                    default=DEFAULT_LANGUAGE,
                ),
            ),
        ),
        Field(
            "budget",
            "section",
            "The POC's budget.",
            fields=(
                number_field(
                    "amount",
                    "The budget, in the currency below.",
                    24000000,
                    required=True,
                    minimum=0,
                    maximum=MAX_AMOUNT,
                    ask=True,
                ),
                text_field(
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
