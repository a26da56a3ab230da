"""Money, dates and numbers as a reader of each language expects them.

English keeps the compact form the pages always had (1.6M KRW). Korean writes won in
만원 and 억원 ("2억 1,120만원", "월 211만원"), other currencies in Babel's Korean
form, dates as 2026년 12월 1일 and periods as 2025년 10월. `parse_amount` reads what a
Korean business lead types for an amount ("200만원", "2억", "1,500,000원").
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable

from babel.numbers import format_currency

from playbook.core.language import Language

_MAN = 10_000
_EOK = 100_000_000
_JO = 10**12
# Each Korean unit a typed amount may use, and what it multiplies.
_UNITS = {
    "조": _JO,
    "천억": 10**11,
    "백억": 10**10,
    "억": _EOK,
    "천만": 10**7,
    "백만": 10**6,
    "만": _MAN,
    "천": 1_000,
}
_PART = re.compile(r"(\d[\d,]*(?:\.\d+)?)(" + "|".join(_UNITS) + ")?")
_WON = ("원", "krw", "₩")
# The word before a per-period amount ("월 211만원"); periods of other names read as
# "<period>당".
_PER_PERIOD = {
    "month": "월",
    "week": "주",
    "day": "일",
    "year": "연",
    "quarter": "분기",
}

# The counter a Korean reader puts after a number of periods (6개월, 14일, 8주).
PERIOD_COUNTERS = {
    "month": "개월",
    "week": "주",
    "day": "일",
    "quarter": "분기",
    "year": "년",
}


def periods_counted(count: float, period: str, *, language: Language) -> str:
    """A number of periods: "48 months" or "1 week" in English, "48개월" in Korean.

    A share of periods (held-out rows that are 2.6 quarters' worth) is written with
    one decimal, or two significant digits below one: "2.6 quarters", "0.25 months".

    Args:
        count: How many periods.
        period: The period's name (month, week, ...).
        language: The reader's language.
    """
    shown = (
        f"{count:,}"
        if isinstance(count, numbers.Integral)
        else f"{count:,.1f}"
        if count >= 1
        else f"{count:.2g}"
    )
    counter = PERIOD_COUNTERS.get(period.strip().lower())
    if language == "ko" and counter:
        return f"{shown}{counter}"
    # A share that reads as one (1.0004 written 1.0) is one period, not "1.0 weeks".
    return f"{shown} {period}" if shown in ("1", "1.0") else f"{shown} {period}s"


def names_listed(names: Iterable[str], *, language: Language) -> str:
    """Names of columns or fields in a row: "a, b, c" in English, "a · b · c" in Korean.

    A Korean sentence sets names apart with the middle dot (가운뎃점), keeping its
    commas for its own clauses; a run of Latin column names then reads as names.
    """
    return (" · " if language == "ko" else ", ").join(names)


def format_amount(value: float | None, unit: str, *, digits: int = 1) -> str:
    """A money amount in the English pages' compact form: 1.6M KRW, -250k KRW, 980 KRW.

    Args:
        value: The amount (None or NaN reads "n/a").
        unit: The money unit.
        digits: Decimals after a k, M or B; amounts under a thousand get one fewer.
    """
    if value is None or math.isnan(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{sign}{size / limit:.{digits}f}{suffix} {unit}"
    return f"{sign}{size:.{max(digits - 1, 0)}f} {unit}"


def korean_won(value: float) -> str:
    """Won as a Korean reader writes them: 2억 1,120만원, 211만원, 3,500원.

    Amounts of 1만원 or more are rounded to the nearest 만원 (a report's precision);
    smaller ones to the won.
    """
    sign = "-" if value < 0 else ""
    won = round(abs(value))
    if won < _MAN:
        return f"{sign}{won:,}원" if won else "0원"
    jo, below_jo = divmod(round(won / _MAN), _JO // _MAN)
    eok, man = divmod(below_jo, _EOK // _MAN)
    parts = [
        f"{count:,}{name}" for count, name in ((jo, "조"), (eok, "억"), (man, "만"))
    ]
    return sign + " ".join(part for part in parts if not part.startswith("0")) + "원"


def format_money(
    value: float | None, unit: str, *, language: Language, digits: int = 1
) -> str:
    """An amount of money in the reader's language; "n/a" (or "-") when unknown.

    Args:
        value: The amount.
        unit: Its currency or unit, as the charter names it (KRW, USD, units).
        language: The reader's language.
        digits: Decimals of the English compact form.
    """
    if language != "ko":
        return format_amount(value, unit, digits=digits)
    if value is None or math.isnan(value):
        return "-"
    code = unit.strip().upper()
    if code in ("KRW", "원", "WON"):
        return korean_won(value)
    if len(code) == 3 and code.isalpha():
        return format_currency(value, code, locale="ko_KR")
    return f"{value:,.{digits}f} {unit}".strip()


def per_period(amount: str, period: str | None, *, language: Language) -> str:
    """An amount per period: "월 211만원" in Korean, "2.1M KRW per month" in English."""
    if not period:
        return amount
    if language == "ko":
        word = _PER_PERIOD.get(period.strip().lower())
        return f"{word} {amount}" if word else f"{period}당 {amount}"
    return f"{amount} per {period}"


def format_date(day: dt.date, *, language: Language) -> str:
    """A day: 2026년 12월 1일 in Korean, ISO (2026-12-01) in English."""
    if language == "ko":
        return f"{day.year}년 {day.month}월 {day.day}일"
    return day.isoformat()


def format_moment(text: str | None, *, language: Language) -> str | None:
    """A recorded time (ISO, as a manifest holds it) as the reader writes it.

    English keeps ISO; Korean reads 2026년 12월 1일 21:57:58 UTC. A time that does not
    parse is shown as it is.
    """
    if not text or language != "ko":
        return text or None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    zone = "UTC" if moment.utcoffset() == dt.timedelta(0) else moment.strftime("%z")
    day = format_date(moment.date(), language=language)
    return f"{day} {moment:%H:%M:%S} {zone}".rstrip()


def format_month(day: dt.date, *, language: Language) -> str:
    """A month as a period: 2025년 10월 in Korean, 2025-10 in English."""
    if language == "ko":
        return f"{day.year}년 {day.month}월"
    return f"{day.year}-{day.month:02d}"


def parse_amount(text: str) -> float | None:
    """The amount a typed text stands for, or None when it is no amount.

    Reads plain numbers with thousands separators ("1,500,000", "1,500,000원") and
    Korean units ("200만원", "2억", "2억 1,120만원", "1.5억", "3천만원").

    Args:
        text: What a person typed.
    """
    rest = text.strip().lower().replace(" ", "")
    for suffix in _WON:
        if rest.endswith(suffix):
            rest = rest[: -len(suffix)]
            break
    sign = -1 if rest.startswith("-") else 1
    rest = rest.removeprefix("-")
    if not rest:
        return None
    total, position, last_unit = 0.0, 0, math.inf
    for match in _PART.finditer(rest):
        if match.start() != position:
            return None
        number, unit = match.group(1), match.group(2)
        if "," in number and not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", number):
            return None
        scale = _UNITS[unit] if unit else 1
        # Units go from the largest down (2억 1,120만), each once; a bare number ends.
        if scale >= last_unit or (unit is None and match.end() != len(rest)):
            return None
        total += float(number.replace(",", "")) * scale
        position, last_unit = match.end(), scale
    return sign * total if position == len(rest) else None
