import dataclasses

import numpy as np
import pytest

from playbook.tasks import kpi


@pytest.fixture
def definition(churn_charter):
    return dataclasses.replace(
        churn_charter.kpi,
        capacity_per_period=2,
        value_per_saved_customer=100.0,
        offer_success_rate=0.5,
        contact_cost=10.0,
        min_lift=20.0,
        bootstrap_resamples=500,
    )


def _policy(score, eligible=None):
    score = np.asarray(score, dtype=float)
    mask = np.ones(len(score), bool) if eligible is None else np.asarray(eligible, bool)
    return kpi.Policy("p", score, mask)


def test_row_values_pay_the_saved_share_minus_the_contact_cost(definition):
    values = kpi.row_values(np.array([1, 0]), kpi=definition)
    assert values.tolist() == [40.0, -10.0]


def test_period_value_contacts_the_top_rows_up_to_capacity():
    values = np.array([40.0, -10.0, 40.0, -10.0])
    order = np.array([0, 2, 1, 3])
    assert kpi.period_value(np.ones((1, 4), int), order, values, 2)[0] == 80.0
    assert (
        kpi.period_value(np.ones((1, 4), int), np.array([1, 3, 0]), values, 2)[0]
        == -20.0
    )


def test_period_value_counts_a_row_drawn_twice_as_two_contacts():
    values = np.array([40.0, -10.0])
    counts = np.array([[2, 0], [1, 1], [0, 2]])
    result = kpi.period_value(counts, np.array([0, 1]), values, 2)
    assert result.tolist() == [80.0, 30.0, -20.0]


def test_evaluate_gives_the_exact_kpi_of_each_policy_on_the_observed_rows(definition):
    positive = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    periods = np.array(["a"] * 4 + ["b"] * 4)
    perfect = _policy(positive + 0.0)
    rule = _policy([0, 1, 1, 0, 1, 0, 1, 0], eligible=[0, 1, 1, 0, 1, 0, 1, 0])
    report = kpi.evaluate(
        positive=positive,
        periods=periods,
        model=perfect,
        baseline=rule,
        kpi=definition,
        seed=1,
    )
    # period a: model contacts rows 0 and 2 (two positives) = 80;
    #           rule contacts 1 and 2 = 30
    # period b: model contacts row 5 and one negative = 30;
    #           rule contacts 4 and 6 = -20
    assert report.per_period == {
        "a": {"model": 80.0, "baseline": 30.0},
        "b": {"model": 30.0, "baseline": -20.0},
    }
    assert report.model == 55.0
    assert report.baseline == 5.0
    assert report.lift == 50.0
    assert report.lift_ci_low <= report.lift <= report.lift_ci_high


def test_evaluate_gives_the_same_numbers_for_the_same_seed(definition):
    # A capacity of 20 (not 2) makes the lift take many values, so that two seeds
    # give two different intervals.
    definition = dataclasses.replace(definition, capacity_per_period=20)
    rng = np.random.default_rng(3)
    positive = rng.random(400) < 0.2
    periods = np.repeat(["1", "2", "3", "4"], 100)
    model = _policy(positive + rng.normal(0, 0.8, 400))
    base = _policy(rng.random(400))
    args = dict(
        positive=positive, periods=periods, model=model, baseline=base, kpi=definition
    )
    first, again = kpi.evaluate(**args, seed=5), kpi.evaluate(**args, seed=5)
    other = kpi.evaluate(**args, seed=6)
    assert first == again
    assert (first.lift_ci_low, first.lift_ci_high) != (
        other.lift_ci_low,
        other.lift_ci_high,
    )


@pytest.mark.parametrize("margin_sd", [4.0, 0.0], ids=["default", "no-margin"])
def test_resampled_values_follow_full_multinomial_resampling(margin_sd):
    # The bootstrap draws only the rows near the top of the orders; its values must
    # have the distribution of scoring both policies on the whole period resampled.
    # With no margin, most resamples leave the capacity unfilled and take the path
    # that draws the rest of the period.
    rng = np.random.default_rng(11)
    rows, capacity, resamples = 60, 6, 20_000
    values = np.where(rng.random(rows) < 0.3, 40.0, -10.0)
    orders = [rng.permutation(rows), rng.permutation(rows)[:25]]
    fast = kpi._resampled_values(
        np.random.default_rng(1),
        orders,
        values,
        capacity=capacity,
        resamples=resamples,
        margin_sd=margin_sd,
    )
    counts = np.random.default_rng(2).multinomial(
        rows, np.full(rows, 1 / rows), resamples
    )
    full = np.stack(
        [kpi.period_value(counts, order, values, capacity) for order in orders]
    )
    for name, a, b in (
        ("model", fast[0], full[0]),
        ("baseline", fast[1], full[1]),
        ("lift", fast[0] - fast[1], full[0] - full[1]),
    ):
        standard_error = np.sqrt((a.var() + b.var()) / resamples)
        assert abs(a.mean() - b.mean()) < 4 * standard_error, name
        assert a.std() == pytest.approx(b.std(), rel=0.05), name
        # Kolmogorov-Smirnov distance; 0.025 is beyond its 0.01% critical value here.
        grid = np.union1d(a, b)
        cdf_a = np.searchsorted(np.sort(a), grid, side="right") / resamples
        cdf_b = np.searchsorted(np.sort(b), grid, side="right") / resamples
        assert np.abs(cdf_a - cdf_b).max() < 0.025, name


def test_resampled_values_give_zero_when_no_row_is_eligible():
    values = np.array([40.0, -10.0, 40.0])
    empty = np.array([], dtype=np.intp)
    result = kpi._resampled_values(
        np.random.default_rng(0), [empty, empty], values, capacity=2, resamples=5
    )
    assert result.tolist() == [[0.0] * 5, [0.0] * 5]


def test_format_amount_reads_like_a_person_would_write_it():
    assert kpi.format_amount(2_784_000, "KRW") == "2.8M KRW"
    assert kpi.format_amount(-250_000, "KRW") == "-250.0k KRW"
    assert kpi.format_amount(980, "KRW") == "980 KRW"
