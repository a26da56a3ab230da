"""One expectation of a data contract: what it declares and what it asks, in words.

`playbook.data.contracts` reads contracts and runs them with Great Expectations; this
module holds a declared expectation (`ExpectationSpec`), the columns it reads, the
sentence that says what it asks for ("no missing values", "between 0 and 120"), and
the short texts for the values GX reports that those sentences are made of.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

# Arguments that name the column(s) an expectation looks at.
_COLUMN_KEYS = ("column", "column_A", "column_B", "column_list")


@dataclass(frozen=True)
class ExpectationSpec:
    """One declared expectation: its GX type name and the arguments it was given."""

    type: str
    kwargs: dict[str, Any]

    @property
    def column(self) -> str | None:
        """The columns the expectation reads, comma-separated; None for the table."""
        names = columns_read(self.kwargs)
        return ", ".join(names) if names else None


def _between(kwargs: dict, what: str = "") -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    above = "above" if kwargs.get("strict_min") else "at least"
    below = "below" if kwargs.get("strict_max") else "at most"
    if low is not None and high is not None:
        text = f"between {value_text(low)} and {value_text(high)}"
        if kwargs.get("strict_min") or kwargs.get("strict_max"):
            text = f"{above} {value_text(low)} and {below} {value_text(high)}"
    elif low is not None:
        text = f"{above} {value_text(low)}"
    else:
        text = f"{below} {value_text(high)}"
    return f"{what} {text}".strip()


_EXPECTED: dict[str, Callable[[dict], str]] = {
    "expect_column_to_exist": lambda kw: "column exists",
    "expect_column_values_to_not_be_null": lambda kw: "no missing values",
    "expect_column_values_to_be_null": lambda kw: "only missing values",
    "expect_column_values_to_be_unique": lambda kw: "no duplicate values",
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_in_set": lambda kw: (
        f"one of {listing(kw['value_set'])}"
    ),
    "expect_column_values_to_not_be_in_set": lambda kw: (
        f"none of {listing(kw['value_set'])}"
    ),
    "expect_column_values_to_match_regex": lambda kw: f"matches {kw['regex']!r}",
    "expect_column_values_to_match_strftime_format": lambda kw: (
        f"dates formatted as {kw['strftime_format']}"
    ),
    "expect_column_values_to_be_of_type": lambda kw: f"of type {kw['type_']}",
    "expect_column_values_to_be_in_type_list": lambda kw: (
        f"of a type in {listing(kw['type_list'])}"
    ),
    "expect_column_distinct_values_to_contain_set": lambda kw: (
        f"every one of {listing(kw['value_set'])} present"
    ),
    "expect_column_values_to_be_dateutil_parseable": lambda kw: "dates",
    "expect_column_min_to_be_between": lambda kw: _between(kw, "minimum"),
    "expect_column_max_to_be_between": lambda kw: _between(kw, "maximum"),
    "expect_column_mean_to_be_between": lambda kw: _between(kw, "mean"),
    "expect_column_median_to_be_between": lambda kw: _between(kw, "median"),
    "expect_table_row_count_to_be_between": lambda kw: _between(kw) + " rows",
    "expect_table_row_count_to_equal": lambda kw: (
        f"exactly {value_text(kw['value'])} rows"
    ),
    "expect_table_columns_to_match_set": lambda kw: (
        f"{'exactly' if kw.get('exact_match', True) else 'at least'} the columns "
        f"{listing(kw['column_set'])}"
    ),
}


def expected_text(spec: ExpectationSpec) -> str:
    """What `spec` asks of the data, e.g. "no missing values" or "between 0 and 1"."""
    describe = _EXPECTED.get(spec.type)
    if describe is None:
        words = spec.type.removeprefix("expect_").replace("_", " ")
        arguments = ", ".join(
            f"{key}={value_text(value)}"
            for key, value in spec.kwargs.items()
            if key not in (*_COLUMN_KEYS, "mostly")
        )
        text = f"{words} ({arguments})" if arguments else words
    else:
        text = describe(spec.kwargs)
    mostly = spec.kwargs.get("mostly")
    if mostly is None or mostly >= 1:
        return text
    if spec.type == "expect_column_values_to_not_be_null":
        return f"at most {percent(100 * (1 - mostly))} missing"
    return f"{text} (at least {percent(100 * mostly)} of rows)"


def columns_read(kwargs: dict) -> list[str]:
    """The columns an expectation's arguments name, in the order of `_COLUMN_KEYS`."""
    names: list[str] = []
    for key in _COLUMN_KEYS:
        value = kwargs.get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names.extend(str(name) for name in value)
    return names


def number_text(value: Any) -> str:
    """A number for the reader: 9,999 from a thousand up, else 4 significant digits."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return f"{int(number):,}"
    return f"{number:,.0f}" if abs(number) >= 1000 else f"{number:.4g}"


def value_text(value: Any) -> str:
    """A short, readable text for any value GX reports (9,999 and 0.1548)."""
    value = _plain(value)
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    if isinstance(value, (list, tuple, set)):
        return listing(value)
    return verbatim(value)


def verbatim(value: Any) -> str:
    """A value as it appears in the data (9999, not 9,999), for finding it there."""
    text = str(_plain(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds; anything else unchanged."""
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        with suppress(TypeError, ValueError):
            return value.item()
    return value


def listing(values: Any, limit: int = 8) -> str:
    """The values as text, comma-separated, the first `limit` and how many more."""
    items = [value_text(value) for value in values]
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def percent(share: float) -> str:
    """12.345 -> '12.3%'; shares near 0% or 100% are not rounded onto them."""
    if 0 < share < 0.1:
        return "<0.1%"
    if 99.9 < share < 100:
        return ">99.9%"
    return re.sub(r"\.0$", "", f"{share:.1f}") + "%"
