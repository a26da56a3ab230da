"""Write a starter data contract inferred from a data set, for a person to edit.

`playbook checks suggest DATA --target COL` reads the data and writes a YAML suite for
`data_checks/`: the columns, each column's type and missing share, ranges from
quantiles, the allowed values of columns with few of them, one row per id, and bounds
on the row count, each with a comment giving what the data showed. It is a start, not
a contract: a person reviews every range and set against what the business knows, then
commits it. Values of personal data are never written into it.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from playbook import data
from playbook.core.printable import printable
from playbook.data import contracts, pii
from playbook.errors import DataCheckError, DataError

QUANTILES = (0.001, 0.999)
"""A number's range is these quantiles widened by `WIDEN` of their spread."""
WIDEN = 0.1
MOSTLY = 0.99
"""Share of rows a suggested range or pattern must hold for."""
MAX_SET = 50
"""Columns with at most this many distinct values get an allowed set."""
FEW_NUMBERS = 10
"""Numeric columns with at most this many distinct values get a set, not a range."""
ROW_BOUNDS = (0.5, 10.0)
"""The row count may fall to half or grow tenfold before the contract fails."""
_YAML_WORDS = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}
_NUMBER_TYPES = ["int64", "float64"]


@dataclass(frozen=True)
class SuggestedSuite:
    """A starter contract written to `path`, and whether its own data passes it."""

    name: str
    path: Path
    rows: int
    columns: int
    expectations: int
    passes: bool
    failures: list[str]
    warnings: list[str] = field(default_factory=list)


# Over 80 lines with its signature and docstring: every option of `playbook checks
# suggest` arrives here; the body reads, writes and checks the contract in order.
def suggest_file(
    source: str | Path,
    *,
    target: str,
    out: str | Path,
    name: str | None = None,
    id_column: str | None = None,
    time: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    force: bool = False,
) -> SuggestedSuite:
    """Read a data set, write a starter contract for it, and check it on the data.

    Args:
        source: The data file or folder.
        target: The target column.
        out: Where to write the contract (a `.yaml` file in `data_checks/`).
        name: The suite's name (default: the data file's name).
        id_column: The id column, if any: it gets a uniqueness expectation.
        time: The time column, if any.
        encoding: The CSV encoding (default UTF-8).
        delimiter: The CSV delimiter (default: sniffed).
        force: Overwrite `out` if it exists.

    Raises:
        DataError: The data cannot be read.
        DataCheckError: A named column is missing, or `out` exists and `force` is
            not set.
    """
    source, out = Path(source), Path(out)
    if out.exists() and not force:
        raise DataCheckError(
            f"{out}: a contract is already there. Edit it, pass --out for another "
            "file, or --force to replace it."
        )
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(
                f"--encoding {encoding!r}: not a text encoding Python knows. Name the "
                "encoding the CSV was saved with, such as utf-8, cp949 or latin-1."
            ) from None
    frame = data.load(source, encoding=encoding, delimiter=delimiter)
    short = data.sources.short_rows(source, encoding=encoding, delimiter=delimiter)
    for flag, column in (("--target", target), ("--id", id_column), ("--time", time)):
        if column and column not in frame.columns:
            raise DataCheckError(
                f"{source}: {flag} names {column!r}, which the data lacks. The data "
                f"has: {', '.join(map(str, frame.columns))}."
            )
    name = name or re.sub(r"[^0-9A-Za-z]+", "_", source.stem).strip("_").lower()
    text = suggest(
        frame,
        name=name,
        target=target,
        source=source.name,
        id_column=id_column,
        time=time,
    )
    with tempfile.TemporaryDirectory() as folder:
        draft = Path(folder) / "suite.yaml"
        draft.write_text(text, encoding="utf-8")
        suite = contracts.load_suite(draft)
        report = contracts.validate(frame, suite)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return SuggestedSuite(
        name=name,
        path=out,
        rows=len(frame),
        columns=frame.shape[1],
        expectations=report.evaluated,
        passes=report.passed,
        failures=[
            f"{r.expectation} on {r.column}: {r.observed}"
            for r in report.results
            if not r.passed
        ],
        warnings=[_short_rows_words(source, short, columns=frame.shape[1])]
        if short
        else [],
    )


# Lines a warning names before it says how many more there are.
NAMED_LINES = 5


def _short_rows_words(source: Path, lines: list[int], *, columns: int) -> str:
    """The warning for rows with fewer fields than the header, naming their lines."""
    named = ", ".join(map(str, lines[:NAMED_LINES]))
    if len(lines) > NAMED_LINES:
        named += f" and {len(lines) - NAMED_LINES:,} more"
    return (
        f"{source}: {len(lines):,} row(s) have fewer fields than the header's "
        f"{columns} (line(s) {named}); their missing fields were read as empty, so "
        "the contract's missing-value bounds count them. Fix those lines (a missing "
        "delimiter, or a line broken in two) and suggest again."
    )


def suggest(
    frame: pd.DataFrame,
    *,
    name: str,
    target: str,
    source: str,
    id_column: str | None = None,
    time: str | None = None,
) -> str:
    """The text of a starter contract for `frame`: YAML with a comment per column.

    Args:
        frame: The data.
        name: The suite's name.
        target: The target column.
        source: Where the data came from, for the header comment.
        id_column: The id column, if any.
        time: The time column, if any.
    """
    personal = {found.column: found.kind for found in pii.detect(frame)}
    rows = len(frame)
    low, high = (
        max(1, math.floor(rows * ROW_BOUNDS[0])),
        math.ceil(rows * ROW_BOUNDS[1]),
    )
    header = (
        f"Starter data contract inferred by `playbook checks suggest` from {source} "
        f"({rows:,} rows, {frame.shape[1]} columns). Review it before you rely on it: "
        "every range and set below is what THIS extract held, widened a little; set "
        "them to what the business knows is possible, delete what does not matter, "
        "and say why in a comment. Values of personal data are never written here."
    )
    lines = [
        *textwrap.wrap(header, width=86, initial_indent="# ", subsequent_indent="# "),
        "",
        f"suite: {_scalar(name)}",
        "expectations:",
        "  # --- shape " + "-" * 60,
        "  # Every column of this extract is there (extra columns are allowed).",
        "  - type: expect_table_columns_to_match_set",
        f"    column_set: {_flow([str(c) for c in frame.columns], indent=16)}",
        "    exact_match: false",
        f"  # {rows:,} rows in this extract; fewer than half or over ten times as",
        "  # many means a filter or a join went wrong. Set the bounds a complete",
        "  # extract has.",
        "  - type: expect_table_row_count_to_be_between",
        f"    min_value: {low}",
        f"    max_value: {high}",
    ]
    order = [target] + [c for c in frame.columns if c != target]
    for column in order:
        lines += [
            "",
            *_column(
                frame[column],
                column=column,
                is_target=column == target,
                is_id=column == id_column,
                is_time=column == time,
                personal=personal.get(column),
            ),
        ]
    return "\n".join(lines) + "\n"


# --- one column ----------------------------------------------------------------------


# Over 80 lines: one expectation per branch of a column's kind (id, time, target,
# number, category, text), each with the comment that says what the data showed.
def _column(
    series: pd.Series,
    *,
    column: str,
    is_target: bool,
    is_id: bool,
    is_time: bool,
    personal: str | None,
) -> list[str]:
    # One expectation per property of the column, in the order a reviewer reads them;
    # the branches share the column's statistics computed here once.
    present = series.dropna()
    missing = 1 - len(present) / max(len(series), 1)
    distinct = int(present.nunique())
    role = (
        " (the target)"
        if is_target
        else " (the id)"
        if is_id
        else " (the time)"
        if is_time
        else ""
    )
    # A newline in a column's name would end the comment and start YAML of its own.
    summary = _summary(series, present, missing, distinct)
    head = [printable(f"  # --- {column}{role}: {summary}")]
    if present.empty:
        return [
            *head,
            "  # Always missing in this extract: decide whether it is needed.",
        ]
    body: list[dict[str, Any]] = []
    if missing == 0:
        body.append({"type": "expect_column_values_to_not_be_null"})
    else:
        mostly = math.floor(round(100 * max(0.0, 1 - 2 * missing), 6)) / 100
        if mostly > 0:
            body.append(
                {"type": "expect_column_values_to_not_be_null", "mostly": mostly}
            )
    if is_id or (distinct == len(present) and _is_key(series)):
        body.append({"type": "expect_column_values_to_be_unique"})
    if personal:
        head.append(
            f"  # Personal data ({personal}): its values are not written here, and "
            "the model"
        )
        head.append(
            "  # does not use it unless the charter lists it in data.allow_pii."
        )
        return _render(head, column, body)
    numeric = pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(
        present
    )
    if pd.api.types.is_bool_dtype(present):
        body.append({"type": "expect_column_values_to_be_of_type", "type_": "bool"})
    elif numeric:
        types = list(dict.fromkeys([*_NUMBER_TYPES, str(series.dtype)]))
        body.append(
            {"type": "expect_column_values_to_be_in_type_list", "type_list": types}
        )
        if distinct <= FEW_NUMBERS:
            body.append(_in_set(present))
        else:
            body.append(_between(present))
    else:
        body.append({"type": "expect_column_values_to_be_of_type", "type_": "str"})
        pattern = _shape(present) if data.looks_like_dates(present) else None
        if pattern:
            body.append(
                {
                    "type": "expect_column_values_to_match_regex",
                    "regex": pattern,
                    "mostly": MOSTLY,
                }
            )
        elif distinct <= MAX_SET:
            body.append(_in_set(present))
    if is_target and distinct <= MAX_SET:
        values = sorted(present.unique().tolist(), key=str)
        body.append(
            {
                "type": "expect_column_distinct_values_to_contain_set",
                "value_set": values,
            }
        )
        head.append(
            "  # Every outcome must be present: one missing class means a broken label."
        )
    return _render(head, column, body)


def _summary(
    series: pd.Series, present: pd.Series, missing: float, distinct: int
) -> str:
    text = f"{series.dtype}, {missing:.1%} missing, {distinct:,} distinct"
    if pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(
        present
    ):
        text += f", {_number(present.min())} to {_number(present.max())}"
    return text


def _is_key(series: pd.Series) -> bool:
    return (
        pd.api.types.is_integer_dtype(series)
        or pd.api.types.is_string_dtype(series)
        or pd.api.types.is_object_dtype(series)
    )


def _in_set(present: pd.Series) -> dict[str, Any]:
    counts = present.value_counts()
    return {
        "type": "expect_column_values_to_be_in_set",
        "value_set": [_plain(value) for value in counts.index],
    }


def _between(present: pd.Series) -> dict[str, Any]:
    values = present.to_numpy(dtype=float)
    whole = bool(np.all(values == np.round(values)))
    first, last = values.min(), values.max()
    if whole and present.nunique() == last - first + 1 <= 31:
        # Every whole number from first to last occurs: a code such as an hour or a
        # month, whose range is what it is.
        return {
            "type": "expect_column_values_to_be_between",
            "min_value": int(first),
            "max_value": int(last),
        }
    low, high = np.quantile(values, QUANTILES)
    pad = WIDEN * (high - low)
    minimum, maximum = low - pad, high + pad
    if values.min() >= 0:
        minimum = max(0.0, minimum)
    if whole:
        minimum, maximum = math.floor(minimum), math.ceil(maximum)
    else:
        minimum, maximum = _round(minimum, down=True), _round(maximum, down=False)
    return {
        "type": "expect_column_values_to_be_between",
        "min_value": minimum,
        "max_value": maximum,
        "mostly": MOSTLY,
    }


def _shape(present: pd.Series) -> str | None:
    """A regular expression for the most common shape of date text, e.g. dddd-dd-dd."""
    shapes = present.astype(str).str.replace(r"\d", "9", regex=True).value_counts()
    if shapes.empty or shapes.iloc[0] < 0.999 * len(present):
        return None
    parts = [
        rf"\d{{{len(run)}}}"
        if run[0] == "9"
        else re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", run)
        for run in re.findall(r"9+|[^9]+", shapes.index[0])
    ]
    return "^" + "".join(parts) + "$"


# --- YAML ----------------------------------------------------------------------------


def _render(head: list[str], column: str, body: list[dict[str, Any]]) -> list[str]:
    lines = list(head)
    for item in body:
        lines.append(f"  - type: {item['type']}")
        lines.append(f"    column: {_scalar(column)}")
        for key, value in item.items():
            if key == "type":
                continue
            shown = (
                _flow(value, indent=6 + len(key))
                if isinstance(value, list)
                else (_regex(value) if key == "regex" else _scalar(value))
            )
            lines.append(f"    {key}: {shown}")
    return lines


def _scalar(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .-]*", text) and text == text.strip()
    if plain and text.lower() not in _YAML_WORDS:
        return text
    # YAML refuses raw C1 controls (e.g. \x9b) that JSON leaves alone: escape them.
    return json.dumps(text, ensure_ascii=not text.isprintable())


def _regex(pattern: str) -> str:
    return "'" + pattern.replace("'", "''") + "'"


def _flow(values: list[Any], *, indent: int) -> str:
    """A YAML flow list, wrapped to stay near 88 characters."""
    items = [_scalar(value) for value in values]
    lines, current = [], "["
    for position, item in enumerate(items):
        piece = item + ("," if position < len(items) - 1 else "")
        if len(current) + len(piece) + indent > 86 and current != "[":
            lines.append(current.rstrip())
            current = " " * indent
        current += piece + " "
    lines.append(current.rstrip() + "]")
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _round(value: float, *, down: bool) -> float:
    """Round to three significant digits, outward."""
    if value == 0:
        return 0.0
    digits = 2 - math.floor(math.log10(abs(value)))
    scale = 10.0**digits
    rounded = (math.floor if down else math.ceil)(value * scale) / scale
    return float(f"{rounded:.12g}")


def _number(value: Any) -> str:
    value = float(value)
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
