"""Check a parsed charter against the field table; report every problem at once.

`validate` reports every field that is missing, unknown, of the wrong kind or out of
its bounds, instead of stopping at the first, each with its line and column; then the
checks across fields that a field's kind cannot say. `charter.load` refuses a charter
with a blocker here, and builds the `Charter` from a charter without one.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from playbook.charter.data_fields import (
    DATA_TEXT_SETTINGS,
    hide_password,
    password_in,
    url_in,
)
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
from playbook.charter.validate_words import (
    AT_LEAST,
    AT_MOST,
    bound_hint,
    description,
    example_of,
    kind_hint,
    number_text,
)
from playbook.charter.yaml_reader import Document
from playbook.core.language import Language
from playbook.core.locale_format import parse_amount
from playbook.core.messages import translated
from playbook.core.printable import printable


def validate(document: Document, *, language: Language = "en") -> list[Problem]:
    """Check a parsed charter against `FIELDS`; report every problem at once.

    A charter from a future version gets one problem, the version, since its other
    fields may mean something this playbook does not know.

    Args:
        document: The parsed charter.
        language: The language of the problems' messages and hints.
    """
    check = _Check(document, language)
    version = document.data.get("version")
    future = (
        isinstance(version, int)
        and not isinstance(version, bool)
        and version > SUPPORTED_VERSION
    )
    if future:
        check.add(
            "version",
            translated(
                language,
                "version %(version)s is newer than this playbook understands (up to "
                "%(supported)s)",
                version=version,
                supported=SUPPORTED_VERSION,
            ),
            translated(
                language,
                "Upgrade playbook (pip install --upgrade playbook), or write the "
                "charter in version %(supported)s: `playbook init` writes one.",
                supported=SUPPORTED_VERSION,
            ),
        )
        return check.problems
    check.section(FIELDS, document.data, "")
    check.extra()
    return check.problems


def check_value(path: str, value: Any, *, language: Language = "en") -> str | None:
    """What is wrong with one value for the field at `path`, or None when it fits.

    `playbook init` uses it to ask again when an answer does not fit.
    """
    item = field_at(path)
    if item is None:
        return translated(language, "%(field)s: no such field", field=path)
    if is_absent(value):
        if not item.required:
            return None
        return translated(
            language, "%(field)s is required: give it a value", field=path
        )
    document = Document("", {})
    check = _Check(document, language)
    check.value(item, value, path)
    return check.problems[0].message if check.problems else None


class _Check:
    def __init__(self, document: Document, language: Language) -> None:
        self.document = document
        self.language = language
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
        self.unknown_keys(item, mapping, path)
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
                    translated(
                        self.language,
                        "%(field)s is empty: expected %(expected)s",
                        field=child_path,
                        expected=self.description(child),
                    ),
                    kind_hint(child, self.language),
                )
                continue
            self.value(child, value, child_path)
        for rule in item.rules:
            self.rule(item, rule, mapping, path)

    def unknown_keys(self, item: Field, mapping: dict[Any, Any], path: str) -> None:
        """Name each key of `mapping` that `item` does not declare, and the closest."""
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
                        translated(
                            self.language,
                            "%(field)s: not a role playbook knows",
                            field=said,
                        ),
                        translated(
                            self.language,
                            "Did you mean %(close)s? Roles it knows: %(known)s.",
                            close=close[0],
                            known=", ".join(known),
                        ),
                        severity=WARNING,
                        at_key=True,
                    )
                value = mapping[key]
                if value is not None and not _is_text(value):
                    some_text = translated(self.language, "some text")
                    self.add(child_path, self.expected(said, some_text, value), "")
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            fields = ", ".join(known)
            self.add(
                child_path,
                translated(self.language, "%(field)s: unknown field", field=said),
                translated(self.language, "Did you mean %(close)s?", close=close[0])
                if close
                else translated(
                    self.language,
                    "Fields in %(section)s: %(fields)s. Remove it, or make it a "
                    "comment (# ...).",
                    section=path,
                    fields=fields,
                )
                if path
                else translated(
                    self.language,
                    "Fields at the top: %(fields)s. Remove it, or make it a comment "
                    "(# ...).",
                    fields=fields,
                ),
                at_key=True,
            )

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
                translated(
                    self.language,
                    "%(field)s: read %(given)s as %(amount)s",
                    field=path,
                    given=repr(value),
                    amount=f"{amount:,.0f}",
                ),
                translated(
                    self.language, "Write the plain number to silence this note."
                ),
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
            whole = kind == "integer"
            if item.minimum is not None and value < item.minimum:
                least = translated(
                    self.language, AT_LEAST[whole], bound=number_text(item.minimum)
                )
                self.add(path, self.expected(path, least, value), self.bounds(item))
            elif item.maximum is not None and value > item.maximum:
                most = translated(
                    self.language, AT_MOST[whole], bound=number_text(item.maximum)
                )
                self.add(path, self.expected(path, most, value), self.bounds(item))
        if item.pattern and not re.match(item.pattern, str(value)):
            self.add(
                path,
                translated(
                    self.language,
                    "%(field)s must be a short id of lower-case letters, digits, '-' "
                    "or '_' (it names the run folder), got %(given)s",
                    field=path,
                    given=repr(value),
                ),
                translated(
                    self.language,
                    "For example `%(field)s: %(example)s`.",
                    field=path,
                    example=item.example,
                ),
            )

    def wrong(self, item: Field, value: Any, path: str) -> None:
        hint = kind_hint(item, self.language)
        if item.kind == "choice" and isinstance(value, str):
            close = difflib.get_close_matches(value, item.choices, n=1, cutoff=0.6)
            if close:
                hint = translated(
                    self.language, "Did you mean %(close)s?", close=close[0]
                )
        self.add(path, self.expected(path, self.description(item), value), hint)

    def missing(self, item: Field, path: str, *, parent: str, why: str = "") -> None:
        example = example_of(item)
        self.add(
            path,
            translated(
                self.language,
                "%(field)s is missing%(why)s: expected %(expected)s",
                field=path,
                why=why,
                expected=self.description(item),
            ),
            translated(
                self.language,
                "Add it to the charter, e.g. `%(name)s: %(example)s`.",
                name=item.name,
                example=example,
            )
            if example
            else translated(self.language, "Add it to the charter."),
            at_key=True,
        )

    def expected(self, path: str, expected: str, value: Any) -> str:
        """A field's value against what it should hold, as one message."""
        return translated(
            self.language,
            "%(field)s: expected %(expected)s, got %(given)s",
            field=path,
            expected=expected,
            given=shown_value(value),
        )

    def description(self, item: Field) -> str:
        """What a field of this kind holds, with its example."""
        return description(item, self.language)

    def bounds(self, item: Field) -> str:
        """The hint for a number out of the field's bounds."""
        return bound_hint(item, self.language)

    def rule(self, item: Field, rule: Rule, mapping: dict, path: str) -> None:
        if rule.when is not None:
            name, values = rule.when
            sibling = item.child(name)
            current = mapping.get(name)
            if is_absent(current):
                current = sibling.default if sibling else None
            if current not in values:
                return
            why = translated(
                self.language,
                " (%(field)s is %(value)s)",
                field=_join(path, name),
                value=current,
            )
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
                translated(
                    self.language,
                    "%(field)s gives both %(names)s",
                    field=path,
                    names=names,
                ),
                translated(self.language, "Keep one of them."),
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
            translated(
                self.language,
                "%(field)s needs %(options)s%(why)s",
                field=path,
                options=options,
                why=why,
            ),
            translated(self.language, "Add one of them to the charter."),
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
                after = translated(
                    self.language, "a date after start (%(start)s)", start=start
                )
                self.add(
                    "timeline.end",
                    self.expected("timeline.end", after, str(end)),
                    translated(self.language, "Check the two dates."),
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
                        translated(
                            self.language,
                            "kpi.%(name)s is ignored: it prices a %(other)s decision "
                            "and kpi.kind is %(kind)s",
                            name=name,
                            other=other,
                            kind=kind,
                        ),
                        translated(
                            self.language,
                            "Remove it, or set kpi.kind to the decision it prices.",
                        ),
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
                either = translated(self.language, "a number or some text")
                self.add(
                    path,
                    self.expected(path, either, value),
                    translated(
                        self.language,
                        'Quote it to compare with text (`value: "yes"`), or use 1 '
                        "or 0.",
                    ),
                )

    def data_text(self, section: dict[str, Any]) -> None:
        """Encoding, delimiter, local paths, the time format, no password in a URL."""
        for name, wrong, expected, hint in DATA_TEXT_SETTINGS:
            value = section.get(name)
            if wrong(value):
                path = f"data.{name}"
                self.add(
                    path,
                    self.expected(path, translated(self.language, expected), value),
                    translated(self.language, hint),
                )
        for name in ("path", "fresh"):
            value = section.get(name)
            if isinstance(value, str) and url_in(value):
                self.add(
                    f"data.{name}",
                    translated(
                        self.language,
                        "data.%(name)s is a URL (%(url)s); playbook reads local "
                        "files only",
                        name=name,
                        url=shown_value(hide_password(value)),
                    ),
                    translated(
                        self.language,
                        "Download the file first (e.g. `curl -o data.csv URL`), then "
                        "set data.%(name)s to the downloaded file.",
                        name=name,
                    ),
                )
        sql = section.get("sql")
        url = sql.get("url") if isinstance(sql, dict) else None
        # A blocker, so that a charter holding a password never loads, let alone runs.
        if isinstance(url, str) and password_in(url):
            self.add(
                "data.sql.url",
                translated(self.language, "data.sql.url holds a password"),
                translated(
                    self.language,
                    "Write ${NAME} in its place (e.g. postgresql://analyst:"
                    "${CRM_DB_PASSWORD}@db/crm) and set the environment variable "
                    "NAME where playbook runs.",
                ),
            )


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
