"""The charter's `kpi` section: the business KPI, in money per period.

`kind` says which decision the KPI prices (top_k, forecast or routing); each kind
reads its own fields (`playbook.charter.fields.KIND_FIELDS`), and the section's rules
say which of them a kind requires.
"""

from playbook.charter.fields import (
    CONTACT_POLICIES,
    KPI_KINDS,
    MAX_AMOUNT,
    MAX_COUNT,
    Field,
    Rule,
    number_field,
    text_field,
)

KPI = Field(
    "kpi",
    "section",
    "The business KPI, in money per period; kind says which decision it prices.",
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
        text_field(
            "name",
            "The KPI's name.",
            "Net value of retention calls per month",
            required=True,
            ask=True,
        ),
        text_field("unit", "The money unit.", "KRW", required=True, ask=True),
        Field(
            "period",
            "choice",
            "The period the KPI is counted over.",
            "month",
            True,
            choices=("day", "week", "month", "quarter"),
            ask=True,
        ),
        number_field(
            "min_lift",
            "The extra value per period over today that makes the model worth "
            "building, in the KPI's unit.",
            2000000,
            maximum=MAX_AMOUNT,
            ask=True,
        ),
        number_field(
            "confidence",
            "Width of the confidence interval on the lift.",
            0.95,
            required=True,
            minimum=0.5,
            maximum=0.999,
        ),
        Field(
            "decision_rule",
            "choice",
            "strict: go only when the interval's low end reaches min_lift; lenient: "
            "go when the measured lift reaches it (the pages then give the chance "
            "that the lift is below it).",
            "strict",
            choices=("strict", "lenient"),
            default="strict",
        ),
        Field(
            "bootstrap_resamples",
            "integer",
            "Resamples for the confidence interval (at most 100,000: more only "
            "costs time).",
            2000,
            True,
            minimum=100,
            maximum=100_000,
        ),
        Field(
            "capacity_per_period",
            "integer",
            "top_k: cases the team can act on per period.",
            250,
            minimum=1,
            maximum=MAX_COUNT,
            ask=True,
        ),
        Field(
            "contact_policy",
            "choice",
            "top_k: break_even (the model contacts up to capacity but never a case "
            "whose expected value is below the contact's cost, the threshold chosen "
            "on validation rows) or fill_capacity (always the full capacity).",
            "break_even",
            choices=CONTACT_POLICIES,
            default="break_even",
        ),
        number_field(
            "value_per_saved_customer",
            "top_k: value kept when a case acted on turns out well.",
            480000,
            minimum=0,
            maximum=MAX_AMOUNT,
            ask=True,
        ),
        number_field(
            "offer_success_rate",
            "top_k: share of true cases the action turns around (0 to 1).",
            0.3,
            minimum=0,
            maximum=1,
            ask=True,
        ),
        number_field(
            "contact_cost",
            "top_k: the cost of acting on one case.",
            12000,
            minimum=0,
            maximum=MAX_AMOUNT,
            ask=True,
        ),
        number_field(
            "review_minutes",
            "top_k: minutes one review takes (instead of contact_cost).",
            15,
            minimum=0,
        ),
        number_field(
            "cost_per_review_hour",
            "top_k: cost of an hour of review (with review_minutes).",
            60000,
            minimum=0,
            maximum=MAX_AMOUNT,
        ),
        number_field(
            "over_cost_per_unit",
            "forecast: cost of each unit forecast too high.",
            1500,
            minimum=0,
            maximum=MAX_AMOUNT,
        ),
        number_field(
            "under_cost_per_unit",
            "forecast: cost of each unit forecast too low.",
            4000,
            minimum=0,
            maximum=MAX_AMOUNT,
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
            "forecast: periods in a season (7 for daily data with a weekly cycle).",
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
        number_field(
            "value_per_correct",
            "routing: value of a case routed right.",
            3000,
            minimum=0,
            maximum=MAX_AMOUNT,
        ),
        number_field(
            "cost_per_wrong",
            "routing: cost of a case routed wrong.",
            8000,
            minimum=0,
            maximum=MAX_AMOUNT,
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
)
