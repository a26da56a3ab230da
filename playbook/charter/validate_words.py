"""The words of the charter's validator: what each kind of field holds, hints.

Each in the reader's language, from the message catalogue; `validate` places them in
its problems.
"""

from __future__ import annotations

from playbook.charter.fields import MAX_AMOUNT, Field
from playbook.core.language import Language
from playbook.core.messages import marked, translated

HINTS = {
    "number": marked("Write a plain number such as %(example)s."),
    "integer": marked("Write a whole number, without a decimal point."),
    "date": marked("Write the date as YYYY-MM-DD."),
    "choice": marked("Use one of the values listed."),
    "flag": marked("Write true or false."),
    "texts": marked("Write one item per line, each starting with '- '."),
    "text": marked("Write the text after the colon."),
    "section": marked("Indent its fields under it, one `field: value` per line."),
    "sections": marked("Write one item per line, each starting with '- '."),
    "scalar": marked("Write a number or some text."),
}
# Money fields also take an amount in won as a person writes it (validate reads it);
# the hint offers that only where a ratio or a threshold would not be money.
_AMOUNT_HINT = marked(
    "Write a plain number (2000000), or an amount in won such as 200만원, 2억 or "
    "1,500,000원."
)
# What a field of each kind holds, with its example ("such as ...") and without.
_KIND_WORDS = {
    "text": (marked("some text such as %(example)s"), marked("some text")),
    "number": (marked("a number such as %(example)s"), marked("a number")),
    "integer": (
        marked("a whole number such as %(example)s"),
        marked("a whole number"),
    ),
}


def description(item: Field, language: Language) -> str:
    """What a field of this kind holds, with its example."""
    example = example_of(item)
    if item.kind in _KIND_WORDS:
        such, bare = _KIND_WORDS[item.kind]
        if example:
            return translated(language, such, example=example)
        return translated(language, bare)
    fields = ", ".join(c.name for c in item.fields)
    if item.kind == "date":
        return translated(language, "a date such as 2026-01-31")
    if item.kind == "choice":
        return translated(
            language, "one of %(choices)s", choices=", ".join(item.choices)
        )
    if item.kind == "flag":
        return translated(language, "true or false")
    if item.kind == "texts":
        return translated(language, "a list of text items")
    if item.kind == "sections":
        return translated(language, "a list of {%(fields)s} items", fields=fields)
    if item.kind == "section":
        return translated(language, "a section of fields (%(fields)s)", fields=fields)
    return translated(language, "a number or some text")


# A number below or above a field's bounds, by whether the field is whole.
AT_LEAST = {
    True: marked("a whole number of at least %(bound)s"),
    False: marked("a number of at least %(bound)s"),
}
AT_MOST = {
    True: marked("a whole number of at most %(bound)s"),
    False: marked("a number of at most %(bound)s"),
}


def kind_hint(item: Field, language: Language) -> str:
    """What to write instead of a value of the wrong kind, or "" for kinds with none."""
    if item.kind == "number":
        if item.maximum == MAX_AMOUNT:
            return translated(language, _AMOUNT_HINT)
        if not example_of(item):
            return translated(language, "Write a plain number.")
        return translated(language, HINTS["number"], example=example_of(item))
    return translated(language, HINTS[item.kind]) if item.kind in HINTS else ""


def example_of(item: Field) -> str:
    """The field's example as a message shows it; none for sections and lists."""
    if item.example is None or item.kind in ("section", "sections", "texts"):
        return ""
    return str(item.example)


def bound_hint(item: Field, language: Language) -> str:
    """The hint for a number outside the field's bounds."""
    low = None if item.minimum is None else number_text(item.minimum)
    high = None if item.maximum is None else number_text(item.maximum)
    if low is not None and high is not None:
        return translated(
            language, "Use a value from %(low)s to %(high)s.", low=low, high=high
        )
    if item.minimum == 0:
        return translated(language, "A cost, a value or a count cannot be negative.")
    if low is not None:
        return translated(language, "Use %(low)s or more.", low=low)
    if high is not None:
        return translated(language, "Use %(high)s or less.", high=high)
    return ""


def number_text(value: float) -> str:
    """A bound as a message writes it: 0, not 0.0."""
    return str(int(value)) if float(value).is_integer() else str(value)
