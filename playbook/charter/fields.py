"""The words a charter's field table is written in: `Field`, `Rule`, the allowed values.

A `Field` describes one field of the charter once: its kind, whether it is required, a
line of help for the person filling it in, an example, allowed values and bounds. The
table of every field is `playbook.charter.field_table.FIELDS`; from it come the JSON
Schema (`playbook.charter.json_schema`), the check that `charter.load` and `playbook
check` run (`playbook.charter.validate`) and the prompts of `playbook init`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

SUPPORTED_VERSION = 1
RULE_OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
BASELINES = (
    "rule",
    "score",
    "keywords",
    "seasonal_naive",
    "seasonal_naive_holidays",
    "moving_average",
    "prior",
)
KPI_KINDS = ("top_k", "forecast", "routing")
ACCESS_MODES = ("sandbox_copy", "platform_read")
# How scores files write the id: a keyed hash (playbook.serve.pseudonyms), or as read.
IDS_IN_SCORES = ("hashed", "raw")
# How a top-k model contacts: up to capacity but never at a loss, or always up to it.
CONTACT_POLICIES = ("break_even", "fill_capacity")
POC_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# numpy and scikit-learn take seeds from 0 to 2**32 - 1; the charter and --seed too.
SEED_MAXIMUM = 2**32 - 1
# A count or an amount past these is a slip (10**40 typed for 10**4), not a plan: a
# billion cases a period is more than any team acts on, and 10**15 of a money unit is
# more than any POC is worth even in won.
MAX_COUNT = 10**9
MAX_AMOUNT = 10**15
# Rows whose outcome is not known yet (the latest month or two of a year) are left out
# of training and of the KPI. Up to a fifth is that; more says labels are missing for
# another reason, which biases what the model learns: find out why before modelling.
MAX_UNLABELLED_SHARE = 0.2
# The KPI fields each kind reads; a field of another kind is ignored, with a warning.
KIND_FIELDS = {
    "top_k": (
        "capacity_per_period",
        "value_per_saved_customer",
        "offer_success_rate",
        "contact_cost",
        "review_minutes",
        "cost_per_review_hour",
        "contact_policy",
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


def text_field(name: str, help: str, example: Any = None, **more: Any) -> Field:
    """A field of kind text (the table's most common kind, hence the shorthand)."""
    return Field(name, "text", help, example, **more)


def number_field(name: str, help: str, example: Any, **more: Any) -> Field:
    """A field of kind number."""
    return Field(name, "number", help, example, **more)


def as_date(value: object) -> dt.date | None:
    """The date a date field's value stands for, or None when it is not a date.

    YAML reads `2026-01-05` as a date already; a quoted one stays text, read here.
    """
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


def is_absent(value: object) -> bool:
    """Whether a field's value counts as not given: nothing, or blank text.

    An optional field left empty (`ml_engineer:`) reads as absent, in the check and
    when the charter is loaded alike.
    """
    return value is None or (isinstance(value, str) and not value.strip())
