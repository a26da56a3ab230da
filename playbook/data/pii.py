"""Find personal data (PII) in a frame, and mask it wherever playbook shows values.

Personal data is found value by value: e-mail addresses, phone numbers (Korean mobile
numbers such as 010-1234-5678 included), Korean resident registration numbers, card
numbers that pass the Luhn check, or IP addresses, in any text column. A column named
like PII (email, phone, address, birth date, ...) with many and varied values holds it
too, and the charter may name more (`data.pii`: names, addresses).

Every column in which any value holds personal data is listed and masked in every
table shown, whatever the share of such values. The share decides only whether the
model may read the column: a column that is personal data as a whole (by name, by
the charter, or with `VALUE_SHARE` of its values or more) is excluded unless
`data.allow_pii` lists it; in a column with fewer such values, and in the free text
a router reads (`data.text`), those values are replaced by typed placeholders
(`<PHONE>`, `<RRN>`, ...) before any model sees them (`playbook.data.redaction`).
A placeholder counts as the personal data it replaced, so the rows after redaction
are judged as the rows before.

Masking keeps a value's shape and hides its content: digits become `#` and letters
`x`, so `010-1234-5678` shows as `###-####-####` and `kim@example.com` as
`xxx@xxxxxxx.xxx`. Any value in any shown table that matches a pattern is masked,
whichever column it is in.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

VALUE_SHARE = 0.05
"""Share of a column's values holding personal data from which the whole column counts
as personal data, and is kept out of the model; below it, those values are replaced."""
NAME_MIN_DISTINCT = 20
"""A column named like PII holds it only with more distinct values than this; fewer
are codes about a person (e.g. `own_telephone: yes/no`), not identifiers."""
CONFIRMED_SHARE = 0.9
"""Of the values a pattern matches, the share its check must confirm: a Luhn check
passes for 1 in 10 random numbers, so a column of codes is not a column of cards."""

PLACEHOLDERS = {
    "e-mail address": "<EMAIL>",
    "resident registration number": "<RRN>",
    "phone number": "<PHONE>",
    "card number": "<CARD>",
    "IP address": "<IP>",
}
"""What each kind of personal data becomes before a model sees it."""
NAME_PLACEHOLDER = "<NAME>"
"""What a person's name in free text becomes (`playbook.data.redaction`)."""

PATTERNS: dict[str, re.Pattern[str]] = {
    "e-mail address": re.compile(
        r"(?<![\w.+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
    ),
    "resident registration number": re.compile(
        r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-?[1-8]\d{6}(?!\d)"
    ),
    "phone number": re.compile(
        r"(?<![\w+])(?:"
        r"(?:\+82[ .-]?|0)1[016789][ .-]?\d{3,4}[ .-]?\d{4}"  # Korean mobile
        r"|0(?:2|[3-6][1-5])[ .-]\d{3,4}[ .-]\d{4}"  # Korean landline
        r"|\+\d{1,3}[ .-]\(?\d{1,4}\)?(?:[ .-]\d{2,4}){2,4}"  # international
        r"|\(\d{3}\) ?\d{3}-\d{4}|\d{3}-\d{3}-\d{4}"  # North American
        r")(?![\d-])"
    ),
    "card number": re.compile(
        r"(?<![\d-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{5}"
        r"|\d{13,19})(?![\d-])"
    ),
    "IP address": re.compile(
        r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
        r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])"
        r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
    ),
}
_NAME_WORDS = {
    "e-mail address": {"email", "mail", "e_mail"},
    "phone number": {"phone", "mobile", "tel", "telephone", "cellphone", "fax"},
    "person's name": {
        "firstname",
        "lastname",
        "surname",
        "fullname",
        "givenname",
        "familyname",
        "customername",
        "username",
        "이름",
        "성명",
    },
    "address": {"address", "street", "addr", "postcode", "zipcode", "주소"},
    "birth date": {"birthdate", "birthday", "dob", "dateofbirth", "생년월일"},
    "resident registration number": {"rrn", "ssn", "jumin", "주민번호", "주민등록번호"},
    "card number": {"cardnumber", "cardno", "ccnumber", "pan"},
    "IP address": {"ip", "ipaddress", "ipaddr"},
    "passport number": {"passport", "passportno", "passportnumber"},
    "account number": {"iban", "accountnumber", "accountno", "bankaccount"},
}


@dataclass(frozen=True)
class PiiColumn:
    """A column that holds personal data, how it was found, and whether it may be used.

    Attributes:
        column: The column.
        kind: What was found, e.g. "phone number"; several kinds of values are
            listed most common first, e.g. "resident registration number, e-mail
            address".
        found_by: "values", "name" or "charter (data.pii)".
        share: Share of the non-missing values holding personal data; None when
            found by name or by the charter.
        example: A masked value, to show what was found without showing it.
        allowed: Whether `data.allow_pii` lists the column.
        excluded: Whether the model never reads the column: it is personal data as
            a whole and not allowed. A column that is not excluded reaches a model
            only with its personal values replaced by placeholders.
    """

    column: str
    kind: str
    found_by: str
    share: float | None
    example: str
    allowed: bool
    excluded: bool = True


def detect(
    frame: pd.DataFrame,
    *,
    declared: Iterable[str] = (),
    allowed: Iterable[str] = (),
    free_text: str | None = None,
) -> list[PiiColumn]:
    """Find the columns that hold personal data, in any share of their values.

    Args:
        frame: The data.
        declared: Columns the charter says hold PII (`data.pii`).
        allowed: Columns the charter lets the model use anyway (`data.allow_pii`).
        free_text: The free-text column a router reads (`data.text`): the share of
            its values holding personal data never excludes it, since those parts
            are replaced by placeholders and the rest of the text is what routes.

    Returns:
        One entry per PII column, in the frame's column order.
    """
    declared, allowed = set(declared), set(allowed)
    found = []
    for column in frame.columns:
        series = frame[column]
        kinds, found_share, example = _by_values(series)
        share: float | None = found_share
        named = _by_name(column)
        by_name = named is not None and series.nunique() > NAME_MIN_DISTINCT
        if kinds:
            kind, found_by = ", ".join(kinds), "values"
            # A number cannot hold a placeholder: a number column is kept out whole.
            whole = not _is_text(series) or (
                found_share >= VALUE_SHARE and column != free_text
            )
        elif by_name:
            kind, found_by, share, whole = str(named), "name", None, True
        elif column in declared:
            kind, found_by, share = "personal data", "charter (data.pii)", None
            whole = True
        else:
            continue
        whole = whole or by_name or column in declared
        if example is None:
            values = series.dropna()
            example = mask(values.iloc[0]) if len(values) else ""
        found.append(
            PiiColumn(
                column=str(column),
                kind=kind,
                found_by=found_by,
                share=share,
                example=example,
                allowed=column in allowed,
                excluded=whole and column not in allowed,
            )
        )
    return found


def mask(value: Any) -> str:
    """A value with its digits shown as `#` and its letters as `x`; nothing else."""
    return re.sub(r"\d", "#", re.sub(r"[^\W\d_]", "x", str(value)))


def mask_text(text: str) -> str:
    """Text with every part that looks like personal data masked."""
    if not isinstance(text, str) or not text:
        return text
    for kind, pattern in PATTERNS.items():
        text = pattern.sub(partial(_mask_match, kind), text)
    return text


def _mask_match(kind: str, match: re.Match[str]) -> str:
    found = match.group(0)
    return mask(found) if confirmed(kind, found) else found


def mask_frame(frame: pd.DataFrame, *, columns: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of a frame for display: `columns` masked whole, PII patterns elsewhere.

    Args:
        frame: What to show.
        columns: Columns known to hold PII; every value in them is masked.
    """
    named = {str(column) for column in columns}
    shown = frame.copy()
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if str(column) in named:
            shown.isetitem(
                position, series.map(lambda v: v if _missing(v) else mask(v))
            )
        elif pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(
            series
        ):
            shown.isetitem(position, series.map(mask_text, na_action="ignore"))
    return shown


# --- detection -----------------------------------------------------------------------


def _is_text(series: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)


def _by_values(series: pd.Series) -> tuple[list[str], float, str | None]:
    """The kinds of personal data in a column's values, their share, an example.

    The share is of the values holding any kind; the example is masked. No kinds, 0
    and None when no value holds personal data.

    Every distinct value is searched (one pass of each pattern over them all), so a
    single phone number among a million categories is found.
    """
    # By the dtype first: a float or boolean column holds no personal data a pattern
    # finds, and dropping its gaps first cost 0.3 ms a column (1 s on 3,000 columns).
    if not (pd.api.types.is_integer_dtype(series) or _is_text(series)):
        return [], 0.0, None
    values = series.dropna()
    if values.empty:
        return [], 0.0, None
    if pd.api.types.is_integer_dtype(values):
        # Only long numbers can be card or registration numbers.
        long = values[values.abs() >= 10**12]
        if long.empty:
            return [], 0.0, None
        counts = long.astype(str).value_counts(sort=False)
    elif _is_text(values):
        counts = values.astype(str).value_counts(sort=False)
    else:
        return [], 0.0, None
    texts = counts.index.tolist()
    weights = counts.to_numpy()
    could = _could_hold(texts)
    if not could.all():
        # Only the values a pattern could match are searched: a million distinct ids
        # cost seconds per pattern, and what is left out could never count.
        texts = list(itertools.compress(texts, could))
        weights = weights[could]
    joined = "\n".join(texts)
    starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]])
    holding = np.zeros(len(texts), dtype=bool)
    shares: dict[str, float] = {}
    examples: dict[str, str] = {}
    for kind, pattern in PATTERNS.items():
        placeholder = PLACEHOLDERS[kind]
        if placeholder not in joined and not pattern.search(joined):
            continue  # one pass over every value rules most kinds out
        matched = np.zeros(len(texts), dtype=bool)
        checked = np.zeros(len(texts), dtype=bool)
        for match in pattern.finditer(joined):
            row = int(np.searchsorted(starts, match.start(), side="right")) - 1
            matched[row] = True
            if confirmed(kind, match.group(0)):
                checked[row] = True
                examples.setdefault(kind, mask(match.group(0)))
        for match in re.finditer(re.escape(placeholder), joined):
            row = int(np.searchsorted(starts, match.start(), side="right")) - 1
            matched[row] = checked[row] = True
        sure = weights[checked].sum()
        if sure and sure >= CONFIRMED_SHARE * weights[matched].sum():
            shares[kind] = float(sure / len(values))
            holding |= checked
    kinds = sorted(shares, key=lambda kind: -shares[kind])
    if not kinds:
        return [], 0.0, None
    example = examples.get(kinds[0], PLACEHOLDERS[kinds[0]])
    return kinds, float(weights[holding].sum() / len(values)), example


# A value holds personal data only if it has one of these characters ("@" of an
# e-mail, "+" of an international phone, "." or ":" of an IP address, "<" of a
# placeholder) or at least `_FEWEST_DIGITS` digits (a landline: 0 2 and 3 + 4 digits;
# every other number pattern needs more).
_MARKS = np.frombuffer(b"@+.:<", dtype=np.uint8)
_FEWEST_DIGITS = 9


def _could_hold(texts: list[str]) -> np.ndarray:
    """Whether each text could match a pattern or hold a placeholder at all.

    A necessary condition, counted for all texts at once on their bytes; text that is
    not ASCII (where a pattern's digit also matches other scripts' digits) is always
    searched.
    """
    everything = np.ones(len(texts), dtype=bool)
    joined = "\n".join(texts) + "\n"
    if not texts or not joined.isascii():
        return everything
    chars = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    starts = np.cumsum(lengths) - lengths
    digits = np.add.reduceat(((chars >= 48) & (chars <= 57)).astype(np.int32), starts)
    marks = np.add.reduceat(np.isin(chars, _MARKS).astype(np.int32), starts)
    return (digits >= _FEWEST_DIGITS) | (marks > 0)


def named_personal(column: Any) -> bool:
    """Whether a column's name says it holds personal data (a name, an e-mail...)."""
    return _by_name(column) is not None


def _by_name(column: Any) -> str | None:
    text = re.sub(r"([a-z])([A-Z])", r"\1_\2", str(column)).lower()
    tokens = [token for token in re.split(r"[^0-9a-z가-힣]+", text) if token]
    candidates = set(tokens) | {"".join(tokens)}
    candidates |= {a + b for a, b in itertools.pairwise(tokens)}
    if tokens == ["name"]:
        return "person's name"
    for kind, words in _NAME_WORDS.items():
        if candidates & words:
            return kind
    return None


def confirmed(kind: str, text: str) -> bool:
    """Checks a regular expression cannot make: Luhn digits, a valid IPv6."""
    if kind == "card number":
        return _luhn(re.sub(r"\D", "", text))
    if kind == "IP address" and ":" in text:
        try:
            ipaddress.IPv6Address(text)
        except ValueError:
            return False
        return text.count(":") >= 3 or "::" in text
    return True


def _luhn(digits: str) -> bool:
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))
