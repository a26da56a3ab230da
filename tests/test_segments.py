import numpy as np
import pandas as pd
import pytest
from scipy import stats

from playbook.tasks import segments


def top_k_scores(*, period, model, today, today_score, value):
    """Scored rows as a top-k task writes them (`top_k.score`)."""
    rows = pd.DataFrame(
        {
            "period": period,
            "decision_model": np.array(model, dtype=int),
            "decision_today": np.array(today, dtype=int),
            "today_score": np.array(today_score, dtype=float),
            "value_if_contacted": np.array(value, dtype=float),
        }
    )
    return rows.assign(
        value_model=rows["value_if_contacted"] * rows["decision_model"],
        value_today=rows["value_if_contacted"] * rows["decision_today"],
    )


def compare(scores, features, **options):
    settings = {
        "columns": list(features.columns),
        "min_rows": 1,
        "confidence": 0.95,
        "equal_contacts": True,
    }
    found = segments.compare(scores, features, **{**settings, **options})
    return {(s.feature, s.segment): s for s in found}


def test_a_segment_the_model_calls_less_under_a_shared_capacity_is_not_losing():
    # Two segments of 200 rows; each policy has 100 calls. Today calls the best of
    # segment a; the model moves its calls to b, where they earn more.
    rng = np.random.default_rng(0)
    value = np.concatenate(
        [
            rng.choice([10.0, -1.0], 200, p=[0.3, 0.7]),
            rng.choice([10.0, -1.0], 200, p=[0.6, 0.4]),
        ]
    )
    part = np.array(["a"] * 200 + ["b"] * 200)
    today_score = np.where(part == "a", 1.0, 0.0) + rng.random(400) * 0.1
    today = np.zeros(400, bool)
    today[:100] = True
    model = np.zeros(400, bool)
    model[200:300] = True
    scores = top_k_scores(
        period=["p"] * 400,
        model=model,
        today=today,
        today_score=today_score,
        value=value,
    )
    features = pd.DataFrame({"part": part})
    found = compare(scores, features)
    # The model makes no call in a: at equal contacts there, nothing is lost.
    assert found[("part", "a")].model_value == found[("part", "a")].today_value == 0.0
    assert not found[("part", "a")].loses
    # On each policy's own decisions segment a looks lost; that is the capacity moving.
    own = compare(scores, features, equal_contacts=False)
    assert own[("part", "a")].lift < 0


def test_a_segment_where_the_model_ranks_worse_than_today_is_losing():
    # In segment a today's score finds the positives; the model calls the negatives.
    value = np.array([10.0] * 60 + [-1.0] * 140)
    today_score = np.where(value > 0, 1.0, 0.0)
    model = np.zeros(200, bool)
    model[60:120] = True  # 60 calls, all on negatives
    scores = top_k_scores(
        period=["p"] * 200,
        model=model,
        today=today_score > 0,
        today_score=today_score,
        value=value,
    )
    found = compare(scores, pd.DataFrame({"part": ["a"] * 200}))
    segment = found[("part", "a")]
    assert segment.model_value == -60.0 and segment.today_value == 600.0
    assert segment.lift == -660.0
    assert segment.lift_ci_high < 0 and segment.loses


def test_today_with_tied_scores_gets_its_expected_value_at_equal_contacts():
    # A prior ranks every row the same: its best use of n calls is n times the mean.
    value = np.array([10.0, -1.0, -1.0, 10.0, -1.0, -1.0, -1.0, -1.0])
    model = np.array([1, 1, 1, 0, 0, 0, 0, 0], bool)
    scores = top_k_scores(
        period=["p"] * 8,
        model=model,
        today=np.zeros(8, bool),
        today_score=np.zeros(8),
        value=value,
    )
    found = compare(scores, pd.DataFrame({"part": ["a"] * 8}))
    assert found[("part", "a")].today_value == pytest.approx(3 * value.mean())


def test_equal_contacts_are_counted_in_each_period():
    # Period 1: the model calls 1 row of the segment, period 2: 2 rows.
    value = np.array([5.0, 1.0, 1.0, 5.0, 4.0, 1.0])
    scores = top_k_scores(
        period=["1", "1", "1", "2", "2", "2"],
        model=[0, 1, 0, 0, 1, 1],
        today=[1, 0, 0, 1, 0, 0],
        today_score=[3, 2, 1, 3, 2, 1],
        value=value,
    )
    found = compare(scores, pd.DataFrame({"part": ["a"] * 6}))
    # Today's best: period 1 its top row (5), period 2 its top two (5 + 4).
    assert found[("part", "a")].today_value == pytest.approx((5 + 9) / 2)
    assert found[("part", "a")].model_value == pytest.approx((1 + 5) / 2)


def test_a_negative_lift_whose_interval_reaches_zero_is_not_losing():
    rng = np.random.default_rng(1)
    value_model = rng.normal(-0.5, 10, 80)
    scores = pd.DataFrame(
        {"period": ["p"] * 80, "value_model": value_model, "value_today": np.zeros(80)}
    )
    segment = compare(scores, pd.DataFrame({"part": ["a"] * 80}))[("part", "a")]
    assert segment.lift < 0
    assert segment.lift_ci_low < 0 < segment.lift_ci_high and not segment.loses


def test_forecast_and_routing_segments_compare_both_policies_on_the_same_rows():
    # No capacity: each row gets both decisions; the lift is the rows' difference.
    difference = np.array([-2.0, -1.0, -3.0, -2.0, 1.0, 2.0])
    scores = pd.DataFrame(
        {
            "period": ["1", "1", "1", "2", "2", "2"],
            "value_model": difference,
            "value_today": np.zeros(6),
        }
    )
    features = pd.DataFrame({"part": ["a", "a", "a", "a", "b", "b"]})
    found = compare(scores, features)
    segment = found[("part", "a")]
    assert segment.lift == pytest.approx(-8.0 / 2)
    # A t interval on the sum of four row differences, over two periods; Bonferroni
    # over the two segments compared.
    half = stats.t.ppf(1 - 0.05 / 4, 3) * np.sqrt(4) * np.std([-2, -1, -3, -2], ddof=1)
    assert segment.lift_ci_high == pytest.approx(-4.0 + half / 2)
    assert segment.lift_ci_low == pytest.approx(-4.0 - half / 2)


def test_the_intervals_widen_with_the_number_of_segments_compared():
    rng = np.random.default_rng(2)
    scores = pd.DataFrame(
        {
            "period": ["p"] * 400,
            "value_model": rng.normal(0, 1, 400),
            "value_today": np.zeros(400),
        }
    )
    features = pd.DataFrame(
        {"one": ["all"] * 400, "many": rng.integers(0, 4, 400).astype(str)}
    )
    alone = compare(scores, features[["one"]])[("one", "all")]
    among = compare(scores, features)[("one", "all")]
    assert alone.lift == among.lift
    assert (
        among.lift_ci_high - among.lift_ci_low > alone.lift_ci_high - alone.lift_ci_low
    )


def test_segments_below_the_minimum_rows_are_left_out_and_numbers_split_by_quartile():
    rng = np.random.default_rng(3)
    scores = pd.DataFrame(
        {
            "period": ["p"] * 100,
            "value_model": np.ones(100),
            "value_today": np.zeros(100),
        }
    )
    features = pd.DataFrame(
        {
            "amount": rng.normal(size=100),
            "grade": rng.integers(1, segments.MAX_VALUES_AS_GROUPS + 1, 100),
            "rare": ["x"] * 95 + ["y"] * 5,
        }
    )
    found = compare(scores, features, min_rows=10)
    amounts = [key for key in found if key[0] == "amount"]
    assert len(amounts) == segments.QUANTILE_GROUPS
    assert {key[1] for key in found if key[0] == "grade"} <= {
        str(v) for v in range(1, segments.MAX_VALUES_AS_GROUPS + 1)
    }
    assert ("rare", "y") not in found and ("rare", "x") in found
