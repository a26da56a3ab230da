"""One time parser for every stage: the layouts it reads, and the ones it stops on."""

import numpy as np
import pandas as pd
import pytest

from playbook.data import time_column
from playbook.errors import DataError

MONTHS = ["2016-11", "2016-12", "2017-01", "2017-02"]


def _parse(values, time_format=None):
    return time_column.parse_column(
        pd.Series(values), column="when", time_format=time_format, where="data.csv"
    )


@pytest.mark.parametrize(
    ("values", "layout", "labels"),
    [
        (["2016-12-31", "2017-01-01"], "ISO date (YYYY-MM-DD)", None),
        (
            ["2016-12-31 23:00", "2017-01-01T08:30:00"],
            "ISO date and time",
            ["2016-12-31 23:00:00", "2017-01-01 08:30:00"],
        ),
        (["2016-12", "2017-01"], "YYYY-MM", None),
        (["12/2016", "1/2017"], "MM/YYYY", ["2016-12", "2017-01"]),
        (["201612", "201701"], "YYYYMM", ["2016-12", "2017-01"]),
        ([201612, 201701], "YYYYMM", ["2016-12", "2017-01"]),
        ([201612.0, 201701.0], "YYYYMM", ["2016-12", "2017-01"]),
    ],
    ids=["iso-date", "iso-datetime", "yyyy-mm", "mm/yyyy", "yyyymm", "int", "float"],
)
def test_known_layouts_are_read_and_labelled_in_time_order(values, layout, labels):
    parsed = _parse(values)

    assert parsed.layout.name == layout
    assert parsed.when.is_monotonic_increasing
    assert list(parsed.labels) == (labels or values)
    assert sorted(parsed.labels) == list(parsed.labels)


def test_iso_times_in_different_zones_are_read_in_utc():
    parsed = _parse(["2017-01-01T10:00:00+02:00", "2017-01-01T09:00:00Z"])

    assert list(parsed.labels) == ["2017-01-01 08:00:00", "2017-01-01 09:00:00"]


def test_a_column_of_dates_is_labelled_by_day_or_by_time():
    days = pd.Series(pd.to_datetime(["2017-01-02", "2016-12-30"]))
    hours = pd.Series(pd.to_datetime(["2017-01-02 10:00", "2016-12-30 00:00"]))

    by_day = time_column.parse_column(days, column="d", time_format=None, where="x")
    by_hour = time_column.parse_column(hours, column="d", time_format=None, where="x")

    assert list(by_day.labels) == ["2017-01-02", "2016-12-30"]
    assert list(by_hour.labels) == ["2017-01-02 10:00:00", "2016-12-30 00:00:00"]


@pytest.mark.parametrize(
    ("time_format", "values", "labels"),
    [
        ("%d.%m.%Y", ["31.12.2016", "01.01.2017"], ["2016-12-31", "2017-01-01"]),
        ("%b %Y", ["Dec 2016", "Jan 2017"], ["2016-12", "2017-01"]),
        ("%m/%d/%Y %H:%M", ["12/31/2016 23:00", "01/01/2017 08:00"], None),
    ],
    ids=["day-first", "month-name-and-year", "us-with-time"],
)
def test_the_charters_time_format_reads_any_other_layout(time_format, values, labels):
    parsed = _parse(values, time_format)

    assert parsed.layout.name == time_format
    assert parsed.when.is_monotonic_increasing
    if labels:
        assert list(parsed.labels) == labels


def test_labels_sort_as_time_where_the_raw_text_does_not():
    raw = ["11/2016", "12/2016", "01/2017", "02/2017"]

    labels = _parse(raw).labels

    assert sorted(raw) != raw  # as text, 01/2017 would come first
    assert sorted(labels) == list(labels) == MONTHS


@pytest.mark.parametrize(
    ("values", "says"),
    [
        (["jan", "feb", "dec"], "month names without a year"),
        (["January", "March", "May"], "month names without a year"),
        (["01/02/2017", "03/04/2017"], "'%d/%m/%Y', '%m/%d/%Y'"),
        (["31/12/2016", "01/01/2017"], "set data.time_format: '%d/%m/%Y'"),
        (["Q1 2017", "Q2 2017"], "Set data.time_format to the layout"),
        ([5, 6, 7], "holds numbers"),
        ([True, False], "holds true/false"),
    ],
    ids=[
        "month-abbr",
        "month-names",
        "ambiguous",
        "day-first",
        "quarters",
        "ints",
        "bool",
    ],
)
def test_a_column_playbook_will_not_guess_stops_naming_it_its_values_and_the_fix(
    values, says
):
    with pytest.raises(DataError, match="the time column 'when'") as raised:
        _parse(values)

    message = str(raised.value)
    assert message.startswith("data.csv: ")
    assert says in message
    assert repr(str(values[0])) in message or "true/false" in message
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ([None, None, np.nan], "is empty in all 3 rows"),
        (["", " ", None], "is empty in all 3 rows"),
        (["2017-01", None, "2017-02"], "1 of 3 rows have no value"),
    ],
    ids=["all-missing", "all-blank", "one-missing"],
)
def test_rows_without_a_time_stop_the_journey(values, says):
    with pytest.raises(DataError, match=says):
        _parse(values)


def test_values_outside_the_columns_layout_are_counted_and_quoted():
    values = ["2017-01", "2017-02", "2017-13", "2017-03", "later"]

    with pytest.raises(DataError) as raised:
        _parse(values)

    message = str(raised.value)
    assert "2 of 5 values of the time column 'when' are not dates" in message
    assert "'2017-13'" in message and "'later'" in message
    assert "(YYYY-MM)" in message


def test_a_declared_format_the_values_do_not_fit_is_named():
    with pytest.raises(DataError, match=r"data.time_format '%d\.%m\.%Y'"):
        _parse(["2017-01-31", "2017-02-01"], "%d.%m.%Y")


def test_latest_periods_are_the_last_in_time_not_in_text_order():
    labels = _parse(["11/2016", "12/2016", "01/2017", "02/2017"] * 2).labels

    assert time_column.latest_periods(labels, count=2) == ["2017-01", "2017-02"]
