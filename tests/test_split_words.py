"""The split's sentence: English word for word as the pages always had it, Korean whole.

`split_words.described` writes how stage 4 held its rows out from the split's facts
(`SplitAccount`); the chart of the split, the model card and the evidence read it.
"""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.data.calendar import PartialPeriod
from playbook.tasks.split_words import (
    CalendarNotes,
    IncompletePeriod,
    SplitAccount,
    described,
)
from playbook.tasks.training_sample import TrainingSample
from tests.korean_text import HANGUL, english_in

TIME = SplitAccount(
    kind="time",
    train_first="2011-01-03",
    train_last="2012-10-29",
    window=[f"2012-{d}" for d in ("11-05", "11-12", "11-19", "12-24")],
    missing=["2012-11-12", "2012-11-19"],
)
CALENDAR = CalendarNotes(
    period="week",
    target="riders",
    step="day",
    missing_steps=3,
    missing_handling="leave_out",
    partial=[PartialPeriod("2012-11-19", 6, 7), PartialPeriod("2012-12-24", 5, 7)],
    partial_handling="weight",
    incomplete_last=IncompletePeriod("2012-12-31", 1, 7.0),
)


# The sentences the split wrote before its facts were typed (stage 4's English pages).
@pytest.mark.parametrize(
    ("account", "sentence"),
    [
        (
            TIME,
            "trained on 2011-01-03 to 2012-10-29, tested on the latest 4 period(s), "
            "2012-11-05 to 2012-12-24; 2 of them without a single row, reported "
            "missing and not judged: 2012-11-12, 2012-11-19",
        ),
        (
            SplitAccount(kind="grouped", share=0.3, id_column="customer_id"),
            "a random 30% of the ids (customer_id) held out with all their rows, so "
            "no id sits on both sides",
        ),
        (
            SplitAccount(kind="stratified", share=0.25),
            "a stratified random 25% of the rows held out",
        ),
        (
            SplitAccount(kind="stratified", share=0.2, unstratified_target="label"),
            "a random 20% of the rows held out (too few rows to stratify by 'label')",
        ),
        (
            SplitAccount(
                kind="time",
                train_first="a",
                train_last="b",
                window=["c"],
                calendar=CALENDAR,
            ),
            "trained on a to b, tested on the latest 1 period(s), c to c; the last "
            "week (2012-12-31, 1 of 7 time steps in the data) left out as "
            "incomplete; 3 missing day(s) left out, their history read a season "
            "before; partial test week(s) weighted to a whole week: 2012-11-19 (6 of "
            "7 steps), 2012-12-24 (5 of 7 steps)",
        ),
        (
            SplitAccount(
                kind="stratified", share=0.25, sample=TrainingSample(300, 2213)
            ),
            "a stratified random 25% of the rows held out; the model trained on a "
            "seeded random sample of 300 of the 2,213 training rows, to bound the "
            "time of the fits; the KPI is computed on every test row",
        ),
    ],
)
def test_the_english_sentence_is_the_one_the_pages_always_had(account, sentence):
    assert described(account) == sentence


def test_zero_filled_and_dropped_calendars_say_so():
    notes = dataclasses.replace(
        CALENDAR,
        missing_steps=1,
        missing_handling="zero",
        partial=CALENDAR.partial[:1],
        partial_handling="drop",
        incomplete_last=None,
    )
    english = described(SplitAccount(kind="stratified", share=0.25, calendar=notes))
    assert english.endswith(
        "; 1 missing day(s) added with riders 0; partial test week(s) dropped from "
        "the KPI: 2012-11-19 (6 of 7 steps)"
    )
    korean = described(
        SplitAccount(kind="stratified", share=0.25, calendar=notes), language="ko"
    )
    assert "riders 0을 채워" in korean and "KPI에서 제외했습니다" in korean


def test_a_korean_split_reads_as_korean_sentences():
    korean = described(
        SplitAccount(
            kind="time",
            train_first="2025-01-01",
            train_last="2025-06-01",
            window=["2025-07-01", "2025-12-01"],
            sample=TrainingSample(100_000, 250_000),
        ),
        language="ko",
    )
    assert korean == (
        "2025-01-01~2025-06-01 기간으로 학습하고, 최근 2개 기간"
        "(2025-07-01~2025-12-01)으로 테스트했습니다. 적합 시간을 줄이려고 학습 행 "
        "250,000개 중 시드를 고정한 무작위 표본 100,000개로 모델을 학습했습니다. "
        "KPI는 모든 테스트 행에서 계산합니다"
    )


_labels = st.from_regex(r"20[0-9]{2}-[01][0-9]-[0-3][0-9]", fullmatch=True)


@given(
    kind=st.sampled_from(["time", "grouped", "stratified"]),
    window=st.lists(_labels, min_size=1, max_size=4),
    missing=st.lists(_labels, max_size=2),
    share=st.floats(0.05, 0.5),
    unstratified=st.booleans(),
    calendar=st.booleans(),
    missing_handling=st.sampled_from(["zero", "leave_out"]),
    partial_handling=st.sampled_from(["weight", "drop"]),
    step=st.sampled_from(["day", "hour", "week", None]),
    period=st.sampled_from(["day", "week", "month", "quarter"]),
    sample=st.booleans(),
)
@settings(max_examples=15, deadline=None)
def test_every_split_reads_in_korean_without_an_english_sentence(
    kind,
    window,
    missing,
    share,
    unstratified,
    calendar,
    missing_handling,
    partial_handling,
    step,
    period,
    sample,
):
    notes = CalendarNotes(
        period=period,
        target="riders",
        step=step,
        missing_steps=4,
        missing_handling=missing_handling,
        partial=[PartialPeriod(window[0], 3, 7)],
        partial_handling=partial_handling,
        incomplete_last=IncompletePeriod(window[-1], 2, 7.0),
    )
    account = SplitAccount(
        kind=kind,
        train_first="2020-01-01",
        train_last="2020-12-01",
        window=window,
        missing=missing,
        share=share,
        id_column="customer_id" if kind == "grouped" else None,
        unstratified_target="label" if unstratified else None,
        calendar=notes if calendar else None,
        sample=TrainingSample(300, 1200) if sample else None,
    )
    korean = described(account, language="ko")
    assert HANGUL.search(korean)
    assert english_in(korean.split(". ")) == [], korean
    # Each English clause is a Korean sentence.
    assert len(described(account).split("; ")) == len(korean.split(". "))
