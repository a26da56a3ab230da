"""Find personal data (PII) in a frame, and mask it wherever playbook shows values.

A column holds PII when its name says so (email, phone, address, birth date, ...) and
its values are many and varied, or when enough of its values look like personal data:
e-mail addresses, phone numbers (Korean mobile numbers such as 010-1234-5678
included), Korean resident registration numbers, card numbers that pass the Luhn
check, or IP addresses. The charter may name more (`data.pii`: names, addresses) and
may let the model use some (`data.allow_pii`).

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

import pandas as pd

SAMPLE_ROWS = 5000
"""How many non-missing values of a column the value patterns look at."""
VALUE_SHARE = 0.05
"""Share of sampled values that must match a pattern for a column to hold PII."""
NAME_MIN_DISTINCT = 20
"""A column named like PII holds it only with more distinct values than this; fewer
are codes about a person (e.g. `own_telephone: yes/no`), not identifiers."""

_PATTERNS: dict[str, re.Pattern] = {
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

    `example` is a masked value, to show the reader what was found without showing it.
    """

    column: str
    kind: str
    found_by: str
    share: float | None
    example: str
    allowed: bool


def detect(
    frame: pd.DataFrame,
    *,
    declared: Iterable[str] = (),
    allowed: Iterable[str] = (),
) -> list[PiiColumn]:
    """Find the columns that hold personal data.

    Args:
        frame: The data.
        declared: Columns the charter says hold PII (`data.pii`).
        allowed: Columns the charter lets the model use anyway (`data.allow_pii`).

    Returns:
        One entry per PII column, in the frame's column order.
    """
    declared, allowed = set(declared), set(allowed)
    found = []
    for column in frame.columns:
        values = _sample(frame[column])
        kind, share = _by_values(values)
        if kind is not None:
            found_by = "values"
        elif (name_kind := _by_name(column)) and values.nunique() > NAME_MIN_DISTINCT:
            kind, found_by = name_kind, "name"
        elif column in declared:
            kind, found_by = "personal data", "charter (data.pii)"
        else:
            continue
        example = mask(values.iloc[0]) if len(values) else ""
        found.append(
            PiiColumn(
                column=str(column),
                kind=kind,
                found_by=found_by,
                share=share,
                example=example,
                allowed=column in allowed,
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
    for kind, pattern in _PATTERNS.items():
        text = pattern.sub(partial(_mask_match, kind), text)
    return text


def _mask_match(kind: str, match: re.Match[str]) -> str:
    found = match.group(0)
    return mask(found) if _confirm(kind, found) else found


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


def _sample(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if len(values) > SAMPLE_ROWS:
        values = values.iloc[:: len(values) // SAMPLE_ROWS][:SAMPLE_ROWS]
    return values


def _by_values(values: pd.Series) -> tuple[str | None, float | None]:
    if values.empty:
        return None, None
    if pd.api.types.is_integer_dtype(values):
        # Only long numbers can be card or registration numbers.
        values = values[values.abs() >= 10**12].astype(str)
        if values.empty:
            return None, None
    elif not (
        pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)
    ):
        return None, None
    texts = [str(value) for value in values]
    joined = "\n".join(texts)
    for kind, pattern in _PATTERNS.items():
        if not pattern.search(joined):  # one pass over the sample rules most out
            continue
        matched = confirmed = 0
        for text in texts:
            found = [match.group(0) for match in pattern.finditer(text)]
            matched += bool(found)
            confirmed += any(_confirm(kind, item) for item in found)
        share = confirmed / len(texts)
        # A checksum (Luhn) passes for 1 in 10 random numbers: most must pass.
        if confirmed and share >= VALUE_SHARE and confirmed >= 0.9 * matched:
            return kind, share
    return None, None


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


def _confirm(kind: str, text: str) -> bool:
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
