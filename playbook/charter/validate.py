"""Check a parsed charter against the field table; report every problem at once.

`validate` reports every field that is missing, unknown, of the wrong kind or out of
its bounds, instead of stopping at the first, each with its line and column; then the
checks across fields that a field's kind cannot say. `charter.load` refuses a charter
with a blocker here, and builds the `Charter` from a charter without one.
"""

from __future__ import annotations

import codecs
import difflib
import math
import re
from typing import Any

from playbook.charter.data_fields import hide_password, password_in, url_in
from playbook.charter.field_table import FIELDS, field_at
from playbook.charter.fields import (
    KIND_FIELDS,
    SUPPORTED_VERSION,
    Field,
    Rule,
    as_date,
    is_absent,
)
from playbook.charter.problems import BLOCKER, NOTE, WARNING, Problem, shown_value
from playbook.charter.yaml_reader import Document
from playbook.core.locale_format import parse_amount
from playbook.core.printable import printable


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
    if is_absent(value):
        return f"{path} is required: give it a value" if item.required else None
    document = Document("", {})
    check = _Check(document)
    check.value(item, value, path)
    return check.problems[0].message if check.problems else None


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
            # The key is the user's text: shown with its control characters escaped.
            said = printable(child_path)
            if item.open:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
                if close:
                    self.add(
                        child_path,
                        f"{said}: not a role playbook knows",
                        f"Did you mean {close[0]}? Roles it knows: {', '.join(known)}.",
                        severity=WARNING,
                        at_key=True,
                    )
                value = mapping[key]
                if value is not None and not _is_text(value):
                    self.add(child_path, _expected(said, "some text", value), "")
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            where = f"in {path}" if path else "at the top"
            self.add(
                child_path,
                f"{said}: unknown field",
                f"Did you mean {close[0]}?"
                if close
                else f"Fields {where}: {', '.join(known)}. Remove it, or make it a "
                "comment (# ...).",
                at_key=True,
            )
        for child in item.fields:
            child_path = f"{path}.{child.name}" if path else child.name
            value = mapping.get(child.name)
            if is_absent(value):
                if child.required:
                    self.missing(child, child_path, parent=path)
                continue
            # A required list with no text in it (`keywords: []`) gives nothing to
            # work with. The JSON Schema lets it through: it says no minItems there,
            # and its committed text is kept as it is.
            if child.required and child.kind == "texts" and _no_text(value):
                self.add(
                    child_path,
                    f"{child_path} is empty: expected {_description(child)}",
                    _HINTS["texts"],
                )
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
        amount = (
            parse_amount(value) if kind == "number" and isinstance(value, str) else None
        )
        if amount is not None:
            # "200만원", "2억", "1,500,000원": read, and said, so a misreading shows.
            self.add(
                path,
                f"{path}: read {value!r} as {amount:,.0f}",
                "Write the plain number to silence this note.",
                severity=NOTE,
            )
            value = amount
        fits = {
            "text": _is_text,
            "texts": lambda v: (
                isinstance(v, str)
                or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            ),
            "number": _is_number,
            "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "date": lambda v: as_date(v) is not None,
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
            if is_absent(current):
                current = sibling.default if sibling else None
            if current not in values:
                return
            why = f" ({_join(path, name)} is {current})"
        else:
            why = ""
        present = [
            group
            for group in rule.any_of
            if all(not is_absent(mapping.get(name)) for name in group)
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
                if is_absent(mapping.get(name)):
                    child = item.child(name)
                    if child is None:
                        raise KeyError(f"a rule of {path} names {name}, not its field")
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
        """Checks across fields, and the few a field's kind cannot say.

        They live here, not in the field table, because each reads more than one
        field (the KPI's kind and its fields, the two dates) or asks more of a value
        than its kind does (an encoding Python knows, one character, no password,
        a rule value that is not true/false, a data path that is not a URL, a time
        format with a year); the JSON Schema leaves them to `playbook check`.
        """
        data = self.document.data
        kpi = data.get("kpi")
        if isinstance(kpi, dict):
            self.kind_fields(kpi)
        timeline = data.get("timeline")
        if isinstance(timeline, dict):
            start, end = as_date(timeline.get("start")), as_date(timeline.get("end"))
            if start and end and end <= start:
                self.add(
                    "timeline.end",
                    _expected(
                        "timeline.end", f"a date after start ({start})", str(end)
                    ),
                    "Check the two dates.",
                )
        baseline = data.get("baseline")
        rule = baseline.get("rule") if isinstance(baseline, dict) else None
        if isinstance(rule, dict) and isinstance(rule.get("conditions"), list):
            self.rule_values(rule["conditions"])
        section = data.get("data")
        if isinstance(section, dict):
            self.data_text(section)

    def kind_fields(self, kpi: dict[str, Any]) -> None:
        """Warn about KPI fields that price another kind of decision than kpi.kind."""
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

    def rule_values(self, conditions: list[Any]) -> None:
        """A rule compares a column with a number or some text, never true/false.

        YAML reads an unquoted yes, no, on or off as true/false, which a column of
        text never equals: the rule would silently match nothing. (The value shares
        the `scalar` kind with data.positive_label, where true is a fine label.)
        """
        for index, condition in enumerate(conditions):
            value = condition.get("value") if isinstance(condition, dict) else None
            if isinstance(value, bool):
                path = f"baseline.rule.conditions[{index}].value"
                self.add(
                    path,
                    _expected(path, "a number or some text", value),
                    'Quote it to compare with text (`value: "yes"`), or use 1 or 0.',
                )

    def data_text(self, section: dict[str, Any]) -> None:
        """Encoding, delimiter, local paths, the time format, no password in a URL."""
        encoding = section.get("encoding")
        if _is_text(encoding) and str(encoding).strip():
            try:
                codecs.lookup(str(encoding).strip())
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
        for name in ("path", "fresh"):
            value = section.get(name)
            if isinstance(value, str) and url_in(value):
                self.add(
                    f"data.{name}",
                    f"data.{name} is a URL ({shown_value(hide_password(value))}); "
                    "playbook reads local files only",
                    "Download the file first (e.g. `curl -o data.csv URL`), then set "
                    f"data.{name} to the downloaded file.",
                )
        time_format = section.get("time_format")
        if isinstance(time_format, str) and not re.search(r"%[Yy]", time_format):
            self.add(
                "data.time_format",
                _expected(
                    "data.time_format",
                    "a strftime pattern with the year (%Y or %y), such as '%d.%m.%Y'",
                    time_format,
                ),
                "Without the year the same month of two years is one period; add "
                "the year to the time column, or leave data.time out.",
            )
        sql = section.get("sql")
        url = sql.get("url") if isinstance(sql, dict) else None
        # A blocker, so that a charter holding a password never loads, let alone runs.
        if isinstance(url, str) and password_in(url):
            self.add(
                "data.sql.url",
                "data.sql.url holds a password",
                "Write ${NAME} in its place (e.g. postgresql://analyst:"
                "${CRM_DB_PASSWORD}@db/crm) and set the environment variable NAME "
                "where playbook runs.",
            )


_HINTS = {
    "number": "Write a plain number (2000000), or an amount in won such as 200만원, "
    "2억 or 1,500,000원.",
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
    return f"{path}: expected {expected}, got {shown_value(value)}"


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
    if item.maximum is not None:
        return f"Use {_num(item.maximum)} or less."
    return ""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _no_text(value: Any) -> bool:
    """A list whose items are all blank text: a required list with nothing in it."""
    return isinstance(value, list) and all(
        isinstance(item, str) and not item.strip() for item in value
    )


def _is_text(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )
