"""Money, dates and amounts the Korean way: formats, and typed amounts read back."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.core.locale_format import (
    format_date,
    format_money,
    format_month,
    korean_won,
    parse_amount,
    per_period,
)


@pytest.mark.parametrize(
    ("won", "text"),
    [
        (211_200_000, "2억 1,120만원"),
        (2_112_345, "211만원"),
        (200_000_000, "2억원"),
        (3_500, "3,500원"),
        (0, "0원"),
        (-25_000_000, "-2,500만원"),
        (9_999.6, "1만원"),
        (1_000_000_050_000, "1조 5만원"),
    ],
)
def test_won_read_in_man_and_eok(won, text):
    assert korean_won(won) == text


def test_money_per_period_and_in_other_currencies():
    assert per_period(korean_won(2_110_000), "month", language="ko") == "월 211만원"
    assert per_period("1.0M KRW", "month", language="en") == "1.0M KRW per month"
    assert format_money(1_600_000, "KRW", language="en") == "1.6M KRW"
    assert format_money(1_234.5, "USD", language="ko") == "US$1,234.50"
    assert format_money(None, "KRW", language="ko") == "-"


def test_dates_and_periods():
    day = dt.date(2026, 12, 1)
    assert format_date(day, language="ko") == "2026년 12월 1일"
    assert format_month(dt.date(2025, 10, 31), language="ko") == "2025년 10월"
    assert format_date(day, language="en") == "2026-12-01"


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("200만원", 2_000_000),
        ("2억", 200_000_000),
        ("1,500,000원", 1_500_000),
        ("2억 1,120만원", 211_200_000),
        ("1.5억", 150_000_000),
        ("3천만원", 30_000_000),
        ("24000000", 24_000_000),
        ("-5만원", -50_000),
        ("1,500,000 KRW", 1_500_000),
    ],
)
def test_typed_amounts_are_read(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    "text", ["", "원", "abc", "2만 3억", "12,34", "2억억", "만원", "3 people", "1.2.3"]
)
def test_what_is_no_amount_reads_none(text):
    assert parse_amount(text) is None


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_korean_won_read_back_within_half_a_man(won):
    read = parse_amount(korean_won(won))
    assert read is not None
    # Amounts of 1만원 and more are shown to the 만원, smaller ones to the won.
    assert abs(read - won) <= (5_000 if abs(won) >= 9_999.5 else 0)


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_whole_man_amounts_round_trip_exactly(man):
    assert parse_amount(korean_won(man * 10_000)) == man * 10_000


@given(st.integers(min_value=0, max_value=10**12))
def test_thousands_separated_won_round_trip(won):
    assert parse_amount(f"{won:,}원") == won


@pytest.mark.parametrize(
    ("text", "korean"),
    [
        ("2026-12-01T21:57:58+00:00", "2026년 12월 1일 21:57:58 UTC"),
        ("2026-12-01T06:05:04+09:00", "2026년 12월 1일 06:05:04 +0900"),
        ("not a time", "not a time"),
        (None, None),
    ],
)
def test_a_recorded_time_reads_the_korean_way_and_stays_iso_in_english(text, korean):
    from playbook.core.locale_format import format_moment

    assert format_moment(text, language="ko") == korean
    assert format_moment(text, language="en") == text
