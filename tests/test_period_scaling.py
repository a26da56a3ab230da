"""Data without a time column: the held-out rows' KPI scaled to a real period.

The charter writes capacity and minimum lift per month and says how many cases arrive
per month (`data.cases_per_period`); the truth they are checked against is what a
charter writer got by dividing both by hand on today's code (the held-out rows as one
pseudo-period "all"), times the held-out rows' share of a month. The data is the
SYNTHETIC churn example with its time column dropped.
"""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from tiny import make_example, save_model
from typer.testing import CliRunner

from playbook import charter
from playbook.beyond import ab_test
from playbook.charter import review, value_model
from playbook.cli.app import app
from playbook.core import locale_format
from playbook.report import display, poc_sections
from playbook.serve import saved_model, scoring
from playbook.synthetic import churn as synthetic
from playbook.synthetic.tickets import tickets
from playbook.tasks import evaluation, period_scaling, routing, text_routers, top_k

REPO = Path(__file__).resolve().parents[1]
# Cases that arrive per month, four times the held-out rows: a held-out quarter.
CASES_PER_MONTH = 2000
HELD_OUT_ROWS = 500
NUMBERS = ["tenure_months", "monthly_charge", "support_calls_90d", "late_payments_12m"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return charter.load(make_example(tmp_path_factory.mktemp("tiny")))


def _untimed(poc, *, cases):
    """`poc` without its time column, with `cases` that arrive per period."""
    return dataclasses.replace(
        poc, data=dataclasses.replace(poc.data, time=None, cases_per_period=cases)
    )


@pytest.fixture(scope="module")
def untimed(tiny):
    """The tiny charter without a time column, per month, with cases per month."""
    return _untimed(tiny, cases=CASES_PER_MONTH)


@pytest.fixture(scope="module")
def by_hand(untimed):
    """What a writer did by hand on today's code: capacity and lift divided by 4."""
    share = HELD_OUT_ROWS / CASES_PER_MONTH
    kpi = untimed.kpi
    return dataclasses.replace(
        untimed,
        data=dataclasses.replace(untimed.data, cases_per_period=None),
        kpi=dataclasses.replace(
            kpi,
            capacity_per_period=round(kpi.capacity_per_period * share),
            min_lift=kpi.min_lift * share,
        ),
    )


@pytest.fixture(scope="module")
def rows_and_model():
    """SYNTHETIC churn rows without time: a model fitted on some, 500 held out."""
    frame = synthetic.churn(customers=2500, seed=11).drop(columns="snapshot_month")
    frame = frame.drop_duplicates("customer_id").reset_index(drop=True)
    train, test = frame.iloc[HELD_OUT_ROWS:], frame.iloc[:HELD_OUT_ROWS]
    model = Pipeline([("logistic", LogisticRegression(max_iter=500))]).fit(
        train[NUMBERS], train["churned"]
    )
    return test, model


def _scored(poc, rows_and_model, *, share=None):
    rows, model = rows_and_model
    return top_k.score(
        rows,
        model=model,
        features=NUMBERS,
        poc=poc,
        seed=3,
        threshold=0.0,
        held_out_share=share,
    )


def test_the_kpi_is_the_hand_scaled_truth_per_month(untimed, by_hand, rows_and_model):
    scaled = _scored(untimed, rows_and_model, share=0.25).kpi
    hand = _scored(by_hand, rows_and_model).kpi
    factor = CASES_PER_MONTH / HELD_OUT_ROWS
    assert scaled.model == pytest.approx(hand.model * factor)
    assert scaled.baseline == pytest.approx(hand.baseline * factor)
    assert scaled.lift == pytest.approx(hand.lift * factor)
    assert scaled.lift_ci_low == pytest.approx(hand.lift_ci_low * factor)
    assert scaled.lift_ci_high == pytest.approx(hand.lift_ci_high * factor)
    # The minimum is the charter's, per month; the chance to reach it is the same.
    assert scaled.min_lift == untimed.kpi.min_lift
    assert scaled.chance_reaches_min == pytest.approx(hand.chance_reaches_min)
    assert scaled.scaling.factor == factor


def test_the_pages_say_per_month_scaled_from_a_held_out_quarter(
    untimed, rows_and_model
):
    report = _scored(untimed, rows_and_model, share=0.25).kpi
    words = period_scaling.words(report.scaling, period="month", periods=1)
    assert words.startswith("per month, scaled from a held-out quarter of the rows")
    assert "2,000 cases that arrive per month" in words
    assert "averaged over the test" not in report.method
    assert words in report.method


def test_stage_1_values_the_minimum_lift_a_year_at_the_truth(untimed, by_hand):
    """Written per month, the minimum lift is worth twelve of them a year; divided
    by hand (today's only way), a quarter of that."""
    truth = untimed.kpi.min_lift * 12
    assert value_model.value_model(untimed).min_lift_per_year == pytest.approx(truth)
    assert value_model.value_model(by_hand).min_lift_per_year == pytest.approx(
        truth / 4
    )


def test_the_ab_test_lasts_the_hand_scaled_truth(untimed, by_hand, rows_and_model):
    scaled = _scored(untimed, rows_and_model, share=0.25)
    hand = _scored(by_hand, rows_and_model)
    options = {"significance": 0.05, "power": 0.8, "longest_months": 120}
    design = ab_test.design(kpi=untimed.kpi, inputs=scaled.experiment_inputs, **options)
    # The truth: the hand-scaled test's units per arm, at the month's arrivals.
    hand_design = ab_test.design(
        kpi=by_hand.kpi, inputs=hand.experiment_inputs, **options
    )
    assert scaled.experiment_inputs.units_per_period == CASES_PER_MONTH
    assert design.plan.units_per_arm == hand_design.plan.units_per_arm
    assert design.plan.periods == math.ceil(
        2 * hand_design.plan.units_per_arm / CASES_PER_MONTH
    )
    # Today's code counted the held-out rows as a month: four times as long.
    assert hand_design.plan.periods >= 4 * design.plan.periods - 3


def test_stage_1_warns_when_untimed_data_has_no_cases_per_period(untimed, tiny):
    missing = dataclasses.replace(
        untimed, data=dataclasses.replace(untimed.data, cases_per_period=None)
    )
    (warned,) = [w for w in review.review(missing).warnings if "cases_per" in w]
    assert warned.startswith("data.cases_per_period: the data has no time column")
    assert "Set data.cases_per_period to how many cases arrive per month" in warned
    for fine in (untimed, tiny):
        assert not [w for w in review.review(fine).warnings if "cases_per" in w]


def test_a_count_of_cases_beside_a_time_column_stops_playbook_check(tmp_path):
    """Nothing reads the count when periods are real: a blocker naming both."""
    path = make_example(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["data"]["cases_per_period"] = CASES_PER_MONTH
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    said = CliRunner().invoke(app, ["check", str(path)], env={"COLUMNS": "300"})
    assert said.exit_code == 2, said.output
    output = " ".join(said.output.split())
    assert (
        "data.cases_per_period (2,000) and data.time ('snapshot_month') are both set"
    ) in output
    assert "Remove data.cases_per_period if the time column dates the cases" in output
    timed = charter.load(path)
    (blocker,) = [b for b in review.review(timed).blockers if "cases_per" in b]
    assert not [w for w in review.review(timed).warnings if "cases_per" in w]
    assert blocker.startswith("data.cases_per_period: data.cases_per_period (2,000)")


@pytest.fixture(scope="module")
def compared(untimed):
    """Stage 4 on SYNTHETIC churn rows without time, per month with cases per month."""
    frame = synthetic.churn(customers=1000, seed=7).drop(columns="snapshot_month")
    return frame, evaluation.compare(frame, poc=untimed, seed=3, tuning_seconds=0)


def test_playbook_score_scales_the_capacity_to_the_rows_as_stage_4_does(
    untimed, compared, tmp_path
):
    frame, result = compared
    contract = tmp_path / "contract.yaml"
    contract.write_text(
        "suite: untimed\nexpectations:\n  - type: expect_column_to_exist\n"
        "    column: customer_id\n"
    )
    poc = dataclasses.replace(
        untimed, data=dataclasses.replace(untimed.data, checks=contract)
    )
    run = save_model(
        poc, frame, result, folder=tmp_path, seed=3, repeats=1, single_rows=1
    )
    rows = frame.iloc[result.holdout.test]
    batch, out = tmp_path / "batch.csv", tmp_path / "scores.csv"
    rows.to_csv(batch, index=False)
    command = ["score", str(run), str(batch), "--out", str(out)]
    said = CliRunner().invoke(app, command, env={"COLUMNS": "300"})
    assert said.exit_code == 0, said.output
    scores = pd.read_csv(out)
    # A quarter of a month's 2,000 cases gets a quarter of its 40 calls, as stage 4
    # gave the same rows; never the month's whole capacity on a quarter of its cases.
    share = len(rows) / CASES_PER_MONTH
    assert len(rows) == HELD_OUT_ROWS // 2
    assert scores["contact"].sum() == round(untimed.kpi.capacity_per_period * share)
    fill = {rung.name: rung for rung in result.ladder}["the model, fill capacity"]
    assert scores["contact"].sum() == pytest.approx(fill.metrics["contacted"])
    output = " ".join(said.output.split())
    assert (
        "Capacity 5 on the list: 40 per month (kpi.capacity_per_period) scaled to "
        "the 250 rows scored, 250 of the 2,000 cases that arrive per month "
        "(data.cases_per_period)"
    ) in output


def test_playbook_score_without_cases_per_period_says_the_file_is_one_period():
    bundle = saved_model.ModelBundle(
        pipeline=Pipeline([("logistic", LogisticRegression())]),
        features=NUMBERS,
        target="churned",
        id_column=None,
        time_column=None,
        capacity_per_period=40,
        contract=Path("contract.yaml"),
        card={},
        period="month",
    )
    capacity = scoring.list_capacity(bundle, rows=250)
    assert capacity is not None and capacity.applied == 40 and capacity.whole_file
    assert "the whole file is one month with the full kpi.capacity_per_period" in (
        scoring.capacity_words(capacity)
    )
    timed = dataclasses.replace(
        bundle, time_column="snapshot_month", cases_per_period=2000
    )
    capacity = scoring.list_capacity(timed, rows=250)
    assert capacity is not None and capacity.applied == 40 and not capacity.whole_file


def test_stage_4_scales_capacity_and_kpi_to_the_month_end_to_end(untimed, compared):
    result = compared[1]
    held_out = len(result.holdout.test)
    factor = CASES_PER_MONTH / held_out
    assert result.kpi.scaling.held_out_rows == held_out
    assert result.experiment_inputs.units_per_period == CASES_PER_MONTH
    # Fill capacity contacts the month's capacity's share of the held-out rows.
    fill = {rung.name: rung for rung in result.ladder}["the model, fill capacity"]
    assert fill.metrics["contacted"] == pytest.approx(
        untimed.kpi.capacity_per_period / factor
    )
    # Each row's value adds up to the KPI once scaled to the month.
    assert result.rows["value_today"].sum() * factor == pytest.approx(
        result.kpi.baseline
    )
    assert np.isfinite(result.kpi.lift_ci_low)


# Routing runs without a time column too: the same rule, the same scaling. The rows
# are SYNTHETIC tickets (`playbook.synthetic.tickets`).
TICKETS_PER_MONTH = 1600
HELD_OUT_TICKETS = 400


@pytest.fixture(scope="module")
def untimed_routing():
    """The ticket-routing template without a time column, with tickets per month."""
    poc = charter.load(REPO / "templates" / "ticket_routing.yaml")
    return _untimed(poc, cases=TICKETS_PER_MONTH)


@pytest.fixture(scope="module")
def routing_by_hand(untimed_routing):
    """What a writer had to do by hand: the minimum lift divided by four."""
    share = HELD_OUT_TICKETS / TICKETS_PER_MONTH
    return dataclasses.replace(
        untimed_routing,
        data=dataclasses.replace(untimed_routing.data, cases_per_period=None),
        kpi=dataclasses.replace(
            untimed_routing.kpi, min_lift=untimed_routing.kpi.min_lift * share
        ),
    )


@pytest.fixture(scope="module")
def tickets_and_router():
    """SYNTHETIC tickets: a router fitted on 800, 400 held out."""
    frame = tickets(rows=1200, seed=5).drop(columns="received_month")
    train, test = frame.iloc[HELD_OUT_TICKETS:], frame.iloc[:HELD_OUT_TICKETS]
    return test, text_routers.logistic_sgd().fit(train[["text"]], train["queue"])


@pytest.fixture(scope="module")
def routed(untimed_routing, routing_by_hand, tickets_and_router):
    """The held-out tickets scored as a quarter of a month, and divided by hand."""
    rows, model = tickets_and_router
    options = {"model": model, "features": ["text"], "seed": 3}
    return (
        routing.score(rows, poc=untimed_routing, held_out_share=0.25, **options),
        routing.score(rows, poc=routing_by_hand, **options),
    )


def test_a_routing_kpi_is_the_hand_scaled_truth_per_month(untimed_routing, routed):
    scaled, hand = routed
    factor = TICKETS_PER_MONTH / HELD_OUT_TICKETS
    for figure in ("model", "baseline", "lift", "lift_ci_low", "lift_ci_high"):
        assert getattr(scaled.kpi, figure) == pytest.approx(
            getattr(hand.kpi, figure) * factor
        ), figure
    assert scaled.kpi.min_lift == untimed_routing.kpi.min_lift
    assert scaled.kpi.chance_reaches_min == pytest.approx(hand.kpi.chance_reaches_min)
    assert [rung.kpi for rung in scaled.ladder] == pytest.approx(
        [rung.kpi * factor for rung in hand.ladder]
    )
    assert scaled.experiment_inputs.units_per_period == TICKETS_PER_MONTH
    assert hand.experiment_inputs.units_per_period == HELD_OUT_TICKETS
    # Each ticket's value adds up to the KPI once scaled to the month.
    assert scaled.rows["value_model"].sum() * factor == pytest.approx(scaled.kpi.model)
    words = period_scaling.words(scaled.kpi.scaling, period="month", periods=1)
    assert words.startswith("per month, scaled from a held-out quarter of the rows")
    assert words in scaled.kpi.method


def test_a_routing_ab_test_lasts_the_hand_scaled_truth(
    untimed_routing, routing_by_hand, routed
):
    scaled, hand = routed
    options = {"significance": 0.05, "power": 0.8, "longest_months": 120}
    design = ab_test.design(
        kpi=untimed_routing.kpi, inputs=scaled.experiment_inputs, **options
    )
    hand_design = ab_test.design(
        kpi=routing_by_hand.kpi, inputs=hand.experiment_inputs, **options
    )
    assert design.plan.units_per_arm == hand_design.plan.units_per_arm
    assert design.plan.periods == math.ceil(
        2 * hand_design.plan.units_per_arm / TICKETS_PER_MONTH
    )
    # Scored as one month, the held-out tickets made the test four times as long.
    assert hand_design.plan.periods >= 4 * design.plan.periods - 3


def test_stage_1_warns_when_an_untimed_routing_kpi_has_no_cases_per_period(
    untimed_routing,
):
    missing = dataclasses.replace(
        untimed_routing,
        data=dataclasses.replace(untimed_routing.data, cases_per_period=None),
    )
    (warned,) = [w for w in review.review(missing).warnings if "cases_per" in w]
    assert warned.startswith("data.cases_per_period: the data has no time column")
    # A router has no capacity: only the minimum lift is named.
    assert "the minimum lift applies to the held-out rows as a whole" in warned
    assert "capacity" not in warned
    assert "the minimum lift stays per month" in warned
    timed = charter.load(REPO / "templates" / "ticket_routing.yaml")
    for fine in (untimed_routing, timed):
        assert not [w for w in review.review(fine).warnings if "cases_per" in w]


def test_a_forecast_needs_its_time_column_and_is_not_asked_for_a_count():
    """A forecast cannot run without dates: stage 4 says so, not stage 1's count."""
    poc = charter.load(REPO / "templates" / "demand_forecast.yaml")
    untimed = _untimed(poc, cases=None)
    assert not [w for w in review.review(untimed).warnings if "cases_per" in w]


def test_the_method_says_how_many_periods_the_held_out_rows_are_worth(
    routed, monkeypatch
):
    """Held-out rows scaled to a period are not one period: the interval's method
    says what they are worth, in English and in Korean."""
    scaled, hand = routed
    method = scaled.kpi.method
    assert "The test rows form one month" not in method
    assert (
        "The test rows are about 0.25 months' worth of cases (data.cases_per_period), "
        "resampled as one draw: the interval covers which rows were seen"
    ) in method
    assert "The test rows form one month" in hand.kpi.method
    many = dataclasses.replace(
        scaled.kpi.scaling, held_out_rows=11_303, cases_per_period=4_375
    )
    assert many.periods_worth == pytest.approx(2.58, abs=0.01)
    monkeypatch.setitem(display._READER, "language", "ko")
    korean = poc_sections._method(dataclasses.replace(scaled.kpi, scaling=many))
    assert korean == (
        "리프트의 95% 신뢰구간, 테스트 데이터 400행(사례 약 2.6개월 분량, "
        "data.cases_per_period) 기준"
    )
    assert "1개월" in poc_sections._method(hand.kpi)


@pytest.mark.parametrize(
    ("worth", "english", "korean"),
    [
        (2.58, "2.6 quarters", "2.6분기"),
        (0.25, "0.25 quarters", "0.25분기"),
        (2501 / 2500, "1.0 quarter", "1.0분기"),
    ],
)
def test_a_share_of_periods_is_counted_with_its_decimals(worth, english, korean):
    assert locale_format.periods_counted(worth, "quarter", language="en") == english
    assert locale_format.periods_counted(worth, "quarter", language="ko") == korean
    assert locale_format.periods_counted(3, "quarter", language="en") == "3 quarters"
