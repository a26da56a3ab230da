import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from playbook import charter
from playbook.tasks import holdout, kpi

REPO = Path(__file__).resolve().parents[1]


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


def _ranking(score, eligible=None):
    policy = _policy(score, eligible)
    return kpi.contact_order(policy, np.arange(len(policy.score)))


def test_row_values_pay_the_saved_share_minus_the_contact_cost(definition):
    values = kpi.row_values(np.array([1, 0]), kpi=definition)
    assert values.tolist() == [40.0, -10.0]


def test_period_value_contacts_the_top_rows_up_to_capacity():
    values = np.array([40.0, -10.0, 40.0, -10.0])
    ones = np.ones((1, 4), int)
    assert kpi.period_value(ones, _ranking([4, 2, 3, 1]), values, 2)[0] == 80.0
    only_some = _ranking([3, 2, 1, 0], eligible=[True, True, False, True])
    assert kpi.period_value(ones, only_some, values, 2)[0] == 30.0


def test_period_value_counts_a_row_drawn_twice_as_two_contacts():
    values = np.array([40.0, -10.0])
    counts = np.array([[2, 0], [1, 1], [0, 2]])
    result = kpi.period_value(counts, _ranking([2, 1]), values, 2)
    assert result.tolist() == [80.0, 30.0, -20.0]


def test_a_tie_group_at_the_capacity_edge_counts_at_its_chance():
    # Row 0 is called; one of the three tied rows gets the last call: each has a
    # chance of 1/3, so the group adds (40 - 10 - 10) / 3.
    values = np.array([40.0, 40.0, -10.0, -10.0, 40.0])
    ranking = _ranking([3, 2, 2, 2, 1])
    assert ranking.starts.tolist() == [0, 1, 4]
    value = kpi.period_value(np.ones((1, 5), int), ranking, values, 2)[0]
    assert value == pytest.approx(40.0 + 20.0 / 3)
    shares = kpi.contact_shares(_policy([3, 2, 2, 2, 1]), np.zeros(5), capacity=2)
    assert shares == pytest.approx([1, 1 / 3, 1 / 3, 1 / 3, 0])
    assert values @ shares == pytest.approx(value)


@settings(max_examples=60, deadline=None)
@given(
    scores=st.lists(st.integers(0, 2), min_size=1, max_size=6),
    positives=st.lists(st.booleans(), min_size=6, max_size=6),
    copies=st.lists(st.integers(0, 2), min_size=6, max_size=6),
    capacity=st.integers(1, 5),
)
def test_the_tie_expectation_is_the_mean_over_every_way_of_breaking_ties(
    scores, positives, copies, capacity
):
    # Every ordering of the drawn copies that keeps the scores' order is one way of
    # breaking the ties; the KPI must be their mean, exactly.
    n = len(scores)
    values = np.where(positives[:n], 40.0, -10.0)
    counts = np.array(copies[:n])
    assume(counts.sum() <= 7)  # every ordering of the copies is enumerated
    drawn = np.repeat(np.arange(n), counts)
    outcomes = []
    for tiebreak in itertools.permutations(range(len(drawn))):
        order = sorted(
            range(len(drawn)), key=lambda i: (-scores[drawn[i]], tiebreak[i])
        )
        outcomes.append(values[drawn[order[:capacity]]].sum())
    expected = np.mean(outcomes) if outcomes else 0.0
    value = kpi.period_value(counts[None], _ranking(scores), values, capacity)[0]
    assert value == pytest.approx(expected)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), other=st.integers(0, 10_000))
def test_a_tied_rule_gives_the_same_kpi_whatever_the_seed(seed, other):
    # A rule that scores by conditions met ties most rows; random at capacity ties
    # them all. Neither may move the KPI with the seed.
    rng = np.random.default_rng(7)
    positive = rng.random(600) < 0.2
    periods = np.repeat(["1", "2", "3"], 200)
    definition = kpi_definition(capacity=30)
    rule = _policy(rng.integers(0, 3, 600), eligible=rng.random(600) < 0.7)
    everyone = _policy(np.zeros(600))
    reports = [
        kpi.evaluate(
            positive=positive,
            periods=periods,
            model=rule,
            baseline=everyone,
            kpi=definition,
            seed=s,
        )
        for s in (seed, other)
    ]
    assert reports[0] == reports[1]


def kpi_definition(*, capacity, resamples=400, min_lift=20.0):
    base = charter.load(REPO / "templates" / "churn.yaml").kpi
    return dataclasses.replace(
        base,
        capacity_per_period=capacity,
        value_per_saved_customer=100.0,
        offer_success_rate=0.5,
        contact_cost=10.0,
        min_lift=min_lift,
        bootstrap_resamples=resamples,
    )


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
    # period b: model contacts row 5 and one of three tied negatives = 30;
    #           rule contacts 4 and 6 = -20
    assert report.per_period == {
        "a": {"model": 80.0, "baseline": 30.0},
        "b": {"model": 30.0, "baseline": -20.0},
    }
    assert report.model == 55.0
    assert report.baseline == 5.0
    assert report.lift == 50.0
    assert report.lift_ci_low <= report.lift <= report.lift_ci_high


def test_with_several_periods_the_interval_is_a_t_interval_on_the_period_lifts():
    rng = np.random.default_rng(3)
    positive = rng.random(800) < 0.2
    periods = np.repeat(["1", "2", "3", "4"], 200)
    report = kpi.evaluate(
        positive=positive,
        periods=periods,
        model=_policy(positive + rng.normal(0, 0.8, 800)),
        baseline=_policy(rng.random(800)),
        kpi=kpi_definition(capacity=20, min_lift=150.0),
        seed=5,
    )
    lifts = np.array([v["model"] - v["baseline"] for v in report.per_period.values()])
    error = lifts.std(ddof=1) / 2
    half = stats.t.ppf(0.975, 3) * error
    assert report.interval_periods == 4
    assert report.lift == pytest.approx(lifts.mean())
    assert (report.lift_ci_low, report.lift_ci_high) == pytest.approx(
        (lifts.mean() - half, lifts.mean() + half)
    )
    assert report.chance_reaches_min == pytest.approx(
        stats.t.cdf((lifts.mean() - 150.0) / error, 3)
    )
    assert "4 monthly lifts (3 degrees of freedom" in report.method


def test_one_period_is_resampled_by_rows_and_the_seed_fixes_the_interval():
    rng = np.random.default_rng(3)
    positive = rng.random(400) < 0.2
    args = dict(
        positive=positive,
        periods=np.full(400, "all"),
        model=_policy(positive + rng.normal(0, 0.8, 400)),
        baseline=_policy(rng.random(400)),
        # A capacity of 60 makes the lift take many values, so that two seeds give
        # two different intervals.
        kpi=kpi_definition(capacity=60),
    )
    first, again = kpi.evaluate(**args, seed=5), kpi.evaluate(**args, seed=5)
    other = kpi.evaluate(**args, seed=6)
    assert first == again
    assert first.lift == other.lift
    assert (first.lift_ci_low, first.lift_ci_high) != (
        other.lift_ci_low,
        other.lift_ci_high,
    )
    assert first.interval_periods == 1
    assert "one month" in first.method
    assert 0 <= first.chance_reaches_min <= 1


@pytest.mark.parametrize("margin_sd", [4.0, 0.0], ids=["default", "no-margin"])
def test_resampled_values_follow_full_multinomial_resampling(margin_sd):
    # The bootstrap draws only the rows near the top of the orders, and pools large
    # tie groups; its values must have the distribution of scoring both policies on
    # the whole period resampled. With no margin, most resamples leave the capacity
    # unfilled and take the path that draws the rest of the period.
    rng = np.random.default_rng(11)
    rows, capacity, resamples = 400, 30, 10_000
    values = np.where(rng.random(rows) < 0.3, 40.0, -10.0)
    tied = rng.integers(0, 3, rows)  # groups of about 130 rows: drawn whole
    rankings = [
        _ranking(rng.random(rows)),
        _ranking(tied, eligible=tied > 0),
        _ranking(rng.integers(0, 40, rows), eligible=rng.random(rows) < 0.3),
    ]
    fast = kpi._resampled_values(
        np.random.default_rng(1),
        rankings,
        values,
        capacity=capacity,
        resamples=resamples,
        margin_sd=margin_sd,
    )
    counts = np.random.default_rng(2).multinomial(
        rows, np.full(rows, 1 / rows), resamples
    )
    full = np.stack(
        [kpi.period_value(counts, ranking, values, capacity) for ranking in rankings]
    )
    for name, a, b in (
        ("model", fast[0], full[0]),
        ("tied rule", fast[1], full[1]),
        ("small ties", fast[2], full[2]),
        ("lift", fast[0] - fast[1], full[0] - full[1]),
    ):
        standard_error = np.sqrt((a.var() + b.var()) / resamples)
        assert abs(a.mean() - b.mean()) < 4 * standard_error, name
        assert a.std() == pytest.approx(b.std(), rel=0.05), name
        # Kolmogorov-Smirnov distance; 0.035 is beyond its 0.01% critical value here.
        grid = np.union1d(a, b)
        cdf_a = np.searchsorted(np.sort(a), grid, side="right") / resamples
        cdf_b = np.searchsorted(np.sort(b), grid, side="right") / resamples
        assert np.abs(cdf_a - cdf_b).max() < 0.035, name


def test_resampled_values_give_zero_when_no_row_is_eligible():
    values = np.array([40.0, -10.0, 40.0])
    empty = _ranking([1, 2, 3], eligible=[False, False, False])
    result = kpi._resampled_values(
        np.random.default_rng(0), [empty, empty], values, capacity=2, resamples=5
    )
    assert result.tolist() == [[0.0] * 5, [0.0] * 5]


def test_the_contacted_list_is_fixed_and_fills_the_capacity():
    rule = _policy(np.repeat([2, 1, 0], [3, 50, 47]))
    periods = np.repeat(["a", "b"], 50)
    mask = kpi.contacted(rule, periods, capacity=10)
    assert mask.sum() == 20
    assert mask[:3].all()  # above the edge: always on the list
    assert (mask == kpi.contacted(rule, periods, capacity=10)).all()
    # The shares a caller has already computed give the same list.
    shares = kpi.contact_shares(rule, periods, capacity=10)
    assert (mask == kpi.contacted(rule, periods, capacity=10, shares=shares)).all()


def test_format_amount_reads_like_a_person_would_write_it():
    assert kpi.format_amount(2_784_000, "KRW") == "2.8M KRW"
    assert kpi.format_amount(-250_000, "KRW") == "-250.0k KRW"
    assert kpi.format_amount(980, "KRW") == "980 KRW"
    assert kpi.format_amount(float("nan"), "KRW") == "n/a"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1_968_000, 2_000_000], ["1.97M KRW", "2.00M KRW"]),
        ([1_999_999, 2_000_000], ["1.999999M KRW", "2.000000M KRW"]),
        ([2_400_000, 2_000_000], ["2.4M KRW", "2.0M KRW"]),
        ([2_000_000, 2_000_000.0], ["2.0M KRW", "2.0M KRW"]),
        ([599.6, 600.0, float("nan")], ["599.6 KRW", "600.0 KRW", "n/a"]),
    ],
)
def test_amounts_that_differ_never_read_the_same(values, expected):
    assert kpi.format_apart(values, "KRW") == expected


_PERIOD_VALUES = st.one_of(
    st.sampled_from(["2025-01", "2025-02", "all", "1", "", "é"]),
    st.integers(0, 3),
    st.floats(allow_infinity=False),
    st.none(),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_PERIOD_VALUES, max_size=40), st.booleans())
def test_period_rows_are_each_text_label_and_its_rows_in_order(values, as_text):
    periods = np.array(values, dtype=object)
    if as_text:
        periods = periods.astype(str)
    text = periods.astype(str)
    expected = [(label, np.flatnonzero(text == label)) for label in sorted(set(text))]

    found = holdout.period_rows(periods)

    assert [label for label, _ in found] == [label for label, _ in expected]
    for (_, rows), (_, wanted) in zip(found, expected, strict=True):
        np.testing.assert_array_equal(rows, wanted)
