"""What one expectation of a data contract found when it ran, in words.

Great Expectations reports a result per expectation as a dictionary whose keys depend
on the kind of expectation; `outcome_of` turns it into an `ExpectationOutcome`: what was
asked, what the data showed ("1,204 of 20,000 rows (6%) are missing") and a few
offending values, masked where they look like personal data. No Data Docs are built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from playbook.data import pii
from playbook.data.expectations import (
    ExpectationSpec,
    columns_read,
    expected_text,
    listing,
    number_text,
    percent,
    value_text,
    verbatim,
)

MAX_EXAMPLES = 5
"""How many distinct offending values an outcome shows."""

_TYPE_CHECKS = (
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_in_type_list",
)
_STATISTIC = re.compile(r"expect_column_(min|max|mean|median|stdev|sum)_to_be_between")
# What the offending rows do, for each expectation that counts them.
_VERBS = {
    "expect_column_values_to_not_be_null": "are missing",
    "expect_column_values_to_be_null": "are not missing",
    "expect_column_values_to_be_between": "are out of range",
    "expect_column_values_to_be_in_set": "are not in the allowed set",
    "expect_column_values_to_not_be_in_set": "are in the forbidden set",
    "expect_column_values_to_be_unique": "are duplicates",
    "expect_column_values_to_match_regex": "do not match the pattern",
    "expect_column_values_to_match_strftime_format": "do not match the date format",
    "expect_column_values_to_be_dateutil_parseable": "are not dates",
    "expect_column_values_to_be_of_type": "have another type",
}


@dataclass(frozen=True)
class ExpectationOutcome:
    """What one expectation asked for, what the data showed, and offending values."""

    expectation: str
    column: str | None
    passed: bool
    expected: str
    observed: str
    examples: list[str]


def outcome_of(
    spec: ExpectationSpec, result: Any, *, columns: set, hidden: set
) -> ExpectationOutcome:
    """What GX's `result` for `spec` shows, in words, with masked examples."""
    found = (result.result or {}) if result is not None else {}
    absent = [name for name in columns_read(spec.kwargs) if name not in columns]
    if absent:
        observed = f"column {', '.join(map(repr, absent))} is absent"
        examples: list[str] = []
    else:
        observed = _observed(spec, found, result.exception_info)
        examples = _examples(spec, found)
        if (
            hidden & set(columns_read(spec.kwargs))
            and "partial_unexpected_list" in found
        ):
            examples = [e if e.startswith("row ") else pii.mask(e) for e in examples]
        examples = [pii.mask_text(example) for example in examples]
    return ExpectationOutcome(
        expectation=spec.type,
        column=spec.column,
        passed=not absent and bool(result.success),
        expected=expected_text(spec),
        observed=observed,
        examples=examples,
    )


def _observed(spec: ExpectationSpec, found: dict, exception_info: Any) -> str:
    error = _exception_message(exception_info)
    if error:
        return f"could not be evaluated: {error}"
    if "unexpected_count" in found and "element_count" in found:
        return _observed_rows(spec, found)
    if spec.type == "expect_column_to_exist":
        return "column is present"
    if spec.type == "expect_table_columns_to_match_set":
        return _observed_columns(spec, found)
    if "partial_missing_list" in found:
        # GX lists them in its set's order, which changes with each process's hash
        # seed: sorted, the same run gives the same words.
        missing = sorted(found["partial_missing_list"] or [], key=str)
        return f"lacks {listing(missing)}" if missing else "has every value"
    if "observed_value" in found:
        value = found["observed_value"]
        if spec.type.startswith("expect_table_row_count"):
            return f"{number_text(value)} rows"
        statistic = _STATISTIC.fullmatch(spec.type)
        if statistic:
            return f"{statistic.group(1)} is {value_text(value)}"
        if spec.type in _TYPE_CHECKS:
            return f"of type {value_text(value)}"
        return f"observed {value_text(value)}"
    return "no details reported"


def _observed_rows(spec: ExpectationSpec, found: dict) -> str:
    total = int(found["element_count"])
    bad = int(found["unexpected_count"])
    missing = int(found.get("missing_count") or 0)
    base, noun = (total - missing, "non-missing values") if missing else (total, "rows")
    share = f" ({percent(100.0 * bad / base)})" if bad and base else ""
    verb = _VERBS.get(spec.type, "break the rule")
    return f"{bad:,} of {base:,} {noun}{share} {verb}"


def _observed_columns(spec: ExpectationSpec, found: dict) -> str:
    mismatched = (found.get("details") or {}).get("mismatched") or {}
    missing = mismatched.get("missing") or []
    parts = [f"missing columns: {listing(missing)}"] if missing else []
    if spec.kwargs.get("exact_match", True) and mismatched.get("unexpected"):
        parts.append(f"unexpected columns: {listing(mismatched['unexpected'])}")
    if parts:
        return "; ".join(parts)
    return f"all {len(found.get('observed_value') or [])} columns as declared"


def _exception_message(info: Any) -> str | None:
    # GX reports one dict, or one dict per metric that failed to compute.
    if not isinstance(info, dict):
        return None
    candidates = [info, *[value for value in info.values() if isinstance(value, dict)]]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            message = str(candidate.get("exception_message") or "unknown error")
            return message.removeprefix("Error: ").splitlines()[0]
    return None


def _examples(spec: ExpectationSpec, found: dict) -> list[str]:
    if spec.type == "expect_table_columns_to_match_set":
        mismatched = (found.get("details") or {}).get("mismatched") or {}
        names = list(mismatched.get("missing") or [])
        if spec.kwargs.get("exact_match", True):
            names += list(mismatched.get("unexpected") or [])
        return [str(name) for name in names[:MAX_EXAMPLES]]
    values = found.get("partial_unexpected_list") or []
    shown = _distinct(verbatim(value) for value in values if not _is_missing(value))
    if not shown:
        # The offending values are missing ones: point at the rows instead.
        rows = found.get("partial_unexpected_index_list") or []
        shown = _distinct(f"row {verbatim(row)}" for row in rows)
    return shown[:MAX_EXAMPLES]


def _distinct(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return False
