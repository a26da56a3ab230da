import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from playbook.beyond import drift, drift_words

# The templates' drift thresholds and a 95% KPI confidence.
LIMITS = {"warning": 0.10, "alert": 0.25, "ks_alert": 0.10, "confidence": 0.95}


def judge(before, after, columns=None, **limits):
    """`feature_drift` with the templates' thresholds, and features by name."""
    before, after = pd.DataFrame(before), pd.DataFrame(after)
    report = drift.feature_drift(
        before,
        after,
        columns=columns or list(before.columns),
        rule=drift.DriftRule(**{**LIMITS, **limits}),
        reference_name="train",
        current_name="fresh",
    )
    return report, {f.feature: f for f in report.features}


def flags(share, rows):
    """A 0/1 column with exactly `share` ones."""
    ones = round(share * rows)
    return np.array([1] * ones + [0] * (rows - ones))


def test_psi_of_a_sample_against_itself_is_zero():
    values = pd.Series(np.random.default_rng(0).normal(size=5000))
    assert drift.psi(values, values) == pytest.approx(0.0, abs=1e-12)


def test_psi_grows_as_the_sample_shifts():
    rng = np.random.default_rng(1)
    reference = pd.Series(rng.normal(size=5000))
    small = drift.psi(reference, pd.Series(rng.normal(0.1, 1, 5000)))
    large = drift.psi(reference, pd.Series(rng.normal(1.0, 1, 5000)))
    assert 0 < small < 0.1 < 0.25 < large


def test_psi_compares_categories_and_counts_missing_values_as_their_own_bin():
    reference = pd.Series(["a"] * 50 + ["b"] * 50)
    assert drift.psi(reference, reference.copy()) == pytest.approx(0.0, abs=1e-12)
    shifted = pd.Series(["a"] * 50 + [None] * 50)
    assert drift.psi(reference, shifted) > 1.0


def test_a_flag_whose_share_moves_from_5_to_15_percent_is_seen_and_on_alert():
    before, after = flags(0.05, 4000), flags(0.15, 2000)
    # By category: 0.10 ln 3 + 0.10 ln(0.95 / 0.85) = 0.121.
    expected = 0.10 * np.log(3) + 0.10 * np.log(0.95 / 0.85)
    assert drift.psi(pd.Series(before), pd.Series(after)) == pytest.approx(expected)
    _, found = judge({"flag": before}, {"flag": after})
    assert found["flag"].compared_as == drift.VALUES
    # A 10-point move reaches the 0.10 distance threshold despite float rounding.
    assert found["flag"].distance == pytest.approx(0.10)
    assert found["flag"].level == drift.ALERT


def test_a_count_with_15_percent_of_its_mass_moved_from_4_to_5_is_on_alert():
    rng = np.random.default_rng(3)
    before = rng.choice([0, 1, 2, 3, 4], size=5000, p=[0.2, 0.25, 0.25, 0.15, 0.15])
    after = rng.choice([0, 1, 2, 3, 4], size=2000, p=[0.2, 0.25, 0.25, 0.15, 0.15])
    after[after == 4] = 5
    assert drift.psi(pd.Series(before), pd.Series(after)) > 0.75
    _, found = judge({"calls": before}, {"calls": after})
    assert found["calls"].distance == pytest.approx(0.15, abs=0.03)
    assert found["calls"].level == drift.ALERT


def test_a_value_new_to_a_small_batch_is_tested_exactly_not_pooled_away():
    # 100 fresh rows: too few for a chi-square on value 5 (0.7 rows expected); pooled
    # with value 4 it would cancel the move. Fisher's exact test sees it.
    rng = np.random.default_rng(16)
    shares = [0.2, 0.25, 0.25, 0.15, 0.15]
    before = rng.choice([0, 1, 2, 3, 4], size=2000, p=shares)
    after = np.repeat([0, 1, 2, 3, 5], [20, 25, 25, 15, 15])
    others = {f"x{j}": rng.normal(size=2000) for j in range(19)}
    fresh = {f"x{j}": rng.normal(size=100) for j in range(19)}
    report, found = judge({"calls": before, **others}, {"calls": after, **fresh})
    assert found["calls"].p_adjusted < 1e-6
    assert report.alerts == ["calls"]


def test_a_number_keeps_a_bin_for_a_value_many_rows_share_at_its_top():
    # An amount capped at 100 for 30% of the rows: the top deciles are all 100, and
    # 15% of the rows moving above the cap must not vanish into the top bin.
    rng = np.random.default_rng(4)
    before = np.minimum(rng.uniform(0, 140, 5000), 100.0)
    after = np.minimum(rng.uniform(0, 140, 2000), 100.0)
    moved = np.flatnonzero(after == 100.0)[: int(0.15 * len(after))]
    after[moved] = 120.0
    assert pd.Series(before).nunique() > drift.MAX_VALUES_ONE_BY_ONE
    assert drift.psi(pd.Series(before), pd.Series(after)) > 0.25
    _, found = judge({"amount": before}, {"amount": after})
    assert found["amount"].compared_as == drift.NUMBERS
    assert found["amount"].level == drift.ALERT


def test_ks_distance_matches_scipy_with_missing_values_counted_as_largest():
    rng = np.random.default_rng(4)
    a, b = pd.Series(rng.normal(size=700)), pd.Series(rng.normal(0.3, 1.2, 900))
    assert drift.ks_distance(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)
    assert drift.ks_distance(a, a) == 0.0
    assert drift.ks_distance(pd.Series(["x", "y"]), pd.Series(["x"])) is None
    holed = b.copy()
    holed[:90] = np.nan
    as_largest = holed.fillna(np.inf)
    assert drift.ks_distance(a, holed) == pytest.approx(ks_2samp(a, as_largest)[0])


def test_feature_drift_ranks_features_and_applies_the_thresholds():
    rng = np.random.default_rng(2)
    before = {"stable": rng.normal(size=3000), "moved": rng.normal(size=3000)}
    after = {"stable": rng.normal(size=3000), "moved": rng.normal(1.5, 1, 3000)}
    report, _ = judge(before, after, ks_alert=0.5)
    assert [f.feature for f in report.features] == ["moved", "stable"]
    assert [f.level for f in report.features] == [drift.ALERT, drift.STABLE]
    assert report.alerts == ["moved"]


def test_a_ks_distance_past_its_threshold_puts_a_feature_on_alert():
    rng = np.random.default_rng(5)
    report, found = judge(
        {"x": rng.normal(size=4000)}, {"x": rng.normal(0.35, 1, 4000)}, warning=0.5
    )
    assert found["x"].psi < 0.5 < 0.9
    assert found["x"].distance > 0.1
    assert report.alerts == ["x"]


def test_a_huge_batch_does_not_alert_on_a_trivial_shift():
    rng = np.random.default_rng(6)
    report, found = judge(
        {"x": rng.normal(size=200_000)}, {"x": rng.normal(0.04, 1, 200_000)}
    )
    assert found["x"].p_adjusted < 1e-6  # real, and yet
    assert found["x"].distance < LIMITS["ks_alert"]
    assert found["x"].level == drift.STABLE and not report.alerts


@pytest.mark.parametrize("seed", range(5))
def test_a_small_batch_past_the_thresholds_by_noise_alone_is_not_on_alert(seed):
    # 40 rows of the same distribution: PSI and KS swing past the fixed thresholds.
    rng = np.random.default_rng(seed)
    before = {"x": rng.lognormal(0, 1, 3000), "kind": rng.choice(list("abcde"), 3000)}
    after = {"x": rng.lognormal(0, 1, 40), "kind": rng.choice(list("abcde"), 40)}
    report, found = judge(before, after)
    assert found["x"].distance > 0.05 and found["kind"].psi > 0.02
    assert not report.alerts


def test_holm_correction_multiplies_the_smallest_p_value_by_the_feature_count():
    rng = np.random.default_rng(7)
    before = {f"x{j}": rng.normal(size=2000) for j in range(5)}
    after = {f"x{j}": rng.normal(0.3 if j == 0 else 0.0, 1, 300) for j in range(5)}
    _, found = judge(before, after)
    ranked = sorted(found.values(), key=lambda f: f.p_value)
    assert ranked[0].p_adjusted == pytest.approx(min(1.0, 5 * ranked[0].p_value))
    adjusted = [f.p_adjusted for f in ranked]
    assert adjusted == sorted(adjusted)  # step-down: never decreasing
    assert all(f.p_adjusted >= f.p_value for f in ranked)


def test_a_common_growth_of_the_amounts_is_one_trend_not_a_dozen_alerts():
    rng = np.random.default_rng(8)
    before = {f"amount_{j}": rng.lognormal(3 + j / 10, 0.6, 4000) for j in range(12)}
    after = {
        f"amount_{j}": rng.lognormal(3 + j / 10, 0.6, 1000) * 1.25 for j in range(12)
    }
    before["unchanged"] = rng.lognormal(1, 1, 4000)
    after["unchanged"] = rng.lognormal(1, 1, 1000)
    before["own_shift"], after["own_shift"] = (
        rng.normal(size=4000),
        rng.normal(0.5, 1, 1000),
    )
    before["beyond"], after["beyond"] = (
        rng.lognormal(2, 0.5, 4000),
        rng.lognormal(2, 0.5, 1000) * 2.0,
    )
    report, found = judge(before, after)
    assert report.trend is not None
    assert report.trend.factor == pytest.approx(1.25, abs=0.05)
    assert sorted(report.trend.features) == sorted(f"amount_{j}" for j in range(12))
    assert all(found[f"amount_{j}"].level == drift.TREND for j in range(12))
    assert all(found[f"amount_{j}"].psi_after_trend < 0.05 for j in range(12))
    # What moved beyond the trend, or on its own, is still its own alert.
    assert sorted(report.alerts) == ["beyond", "own_shift"]
    assert found["unchanged"].level == drift.STABLE
    assert "12 of 14 numbers rose 25% together" in drift_words.finding(report)


def test_two_numbers_moving_together_are_two_alerts_not_a_trend():
    rng = np.random.default_rng(9)
    before = {f"amount_{j}": rng.lognormal(3, 0.6, 4000) for j in range(6)}
    after = {
        f"amount_{j}": rng.lognormal(3, 0.6, 1000) * (1.5 if j < 2 else 1.0)
        for j in range(6)
    }
    report, _ = judge(before, after)
    assert report.trend is None
    assert sorted(report.alerts) == ["amount_0", "amount_1"]


def test_a_constant_column_is_stable_until_its_value_changes():
    _, found = judge({"c": np.full(500, 3)}, {"c": np.full(100, 3)})
    assert found["c"].psi == 0.0 and found["c"].level == drift.STABLE
    changed, found = judge({"c": np.full(500, 3)}, {"c": np.full(100, 4)})
    assert found["c"].level == drift.ALERT and changed.alerts == ["c"]


@pytest.mark.parametrize(
    "before",
    [
        pd.Series(np.random.default_rng(10).normal(size=500)),
        pd.Series(np.random.default_rng(10).choice(["a", "b"], 500)),
        pd.Series(np.random.default_rng(10).integers(0, 2, 500)),
    ],
    ids=["number", "text", "flag"],
)
def test_a_fresh_column_that_is_all_missing_is_on_alert(before):
    report, found = judge({"x": before}, {"x": pd.Series([np.nan] * 100)})
    assert found["x"].distance == pytest.approx(1.0)
    assert report.alerts == ["x"]


def test_new_categories_in_the_fresh_batch_are_seen():
    rng = np.random.default_rng(11)
    methods, shares = ["card", "cash", "transfer"], [0.5, 0.3, 0.2]
    before = rng.choice(methods, 3000, p=shares)
    after = np.concatenate([rng.choice(methods, 240, p=shares), ["app"] * 60])
    report, found = judge({"pay": before}, {"pay": after})
    assert found["pay"].distance == pytest.approx(0.2, abs=0.01)
    assert report.alerts == ["pay"]
    # A handful of a new category in a large batch is real but small: not an alert.
    few = np.concatenate([rng.choice(methods, 2990, p=shares), ["app"] * 10])
    _, found = judge({"pay": before}, {"pay": few})
    assert found["pay"].level != drift.ALERT


# Any text but a trailing NUL (str() through NumPy drops it from an object value)
# and lone surrogates (not UTF-8, so no string column holds them).
_TEXT = st.one_of(
    st.none(),
    st.text(
        st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=3
    ),
)


@settings(max_examples=30, deadline=None)
@given(
    before=st.lists(_TEXT, min_size=1, max_size=20), after=st.lists(_TEXT, max_size=20)
)
def test_a_string_column_has_the_categories_of_the_same_text_as_objects(before, after):
    as_strings = drift._category_counts(
        pd.Series(before, dtype="string"), pd.Series(after, dtype="string")
    )
    as_objects = drift._category_counts(
        pd.Series(before, dtype=object), pd.Series(after, dtype=object)
    )

    for strings, objects in zip(as_strings, as_objects, strict=True):
        np.testing.assert_array_equal(strings, objects)


def test_text_goes_on_alert_by_its_psi_only():
    # A 16-point move in a channel mix: real, past the distance a number would alert
    # at, but the charter's ks_alert is a distance between numbers.
    rng = np.random.default_rng(17)
    channels = ["chat", "email", "phone"]
    before = rng.choice(channels, 3000, p=[0.5, 0.3, 0.2])
    after = rng.choice(channels, 1500, p=[0.4, 0.24, 0.36])
    report, found = judge({"channel": before}, {"channel": after})
    assert found["channel"].compared_as == drift.CATEGORIES
    assert found["channel"].distance > LIMITS["ks_alert"]
    assert found["channel"].psi < LIMITS["alert"]
    assert found["channel"].level == drift.WARNING and not report.alerts


def test_a_one_row_fresh_batch_is_not_judged_and_says_so():
    rng = np.random.default_rng(12)
    report, found = judge(
        {"x": rng.normal(size=500), "kind": rng.choice(["a", "b"], 500)},
        {"x": [50.0], "kind": ["z"]},
    )
    assert not report.judged and not report.alerts and report.trend is None
    assert {f.level for f in found.values()} == {drift.NOT_JUDGED}
    assert drift_words.finding(report) == (
        f"1 fresh row(s): too few to judge drift (at least {drift.MIN_ROWS} needed)"
    )


def test_booleans_and_two_valued_integers_are_compared_as_categories():
    rng = np.random.default_rng(13)
    yes = rng.random(2000) < 0.3
    fresh = pd.Series(list(rng.random(500) < 0.3) + [None] * 5, dtype=object)
    report, found = judge(
        {"yes": yes, "two": yes.astype(int)}, {"yes": fresh, "two": fresh}
    )
    assert found["yes"].compared_as == found["two"].compared_as == drift.VALUES
    # True, 1 and 1.0 are one value whatever the types: no drift from the types.
    assert found["yes"].psi == pytest.approx(found["two"].psi)
    assert found["yes"].psi < 0.1 and not report.alerts  # 1% missing is new


def test_integers_read_as_floats_with_missing_values_are_the_same_values():
    values = np.random.default_rng(14).integers(0, 4, 600)
    fresh = pd.Series(values[:300].astype(float))
    assert drift.psi(pd.Series(values), fresh) < 0.01


def test_text_in_a_number_column_counts_as_missing():
    before = pd.Series(np.random.default_rng(15).normal(size=500))
    after = pd.Series(["n/a"] * 50, dtype=object)
    assert drift.ks_distance(before, after) == pytest.approx(1.0)
    _, found = judge({"x": before}, {"x": after})
    assert found["x"].level == drift.ALERT


def _world(rows, seed, *, features=20):
    """Twenty features of five kinds, the fresh batch drawn as the training rows."""
    rng = np.random.default_rng(seed)
    tail = 1 / np.arange(1, 41)  # 40 merchants, most of them rare
    draws = (
        lambda n: rng.lognormal(3, 1, n),
        lambda n: (rng.random(n) < 0.05).astype(int),
        lambda n: rng.poisson(2, n),
        lambda n: rng.choice(
            list("abcdefg"), n, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
        ),
        lambda n: rng.choice(40, n, p=tail / tail.sum()).astype(str),
    )
    before = {f"x{j}": draws[j % 5](2000) for j in range(features)}
    after = {f"x{j}": draws[j % 5](rows) for j in range(features)}
    return before, after


@pytest.mark.slow
@pytest.mark.parametrize("rows", [100, 200])
def test_without_a_shift_any_alert_among_20_features_is_at_most_alpha(rows):
    # The fixed thresholds alone alerted on noise: at 100 rows P(KS >= 0.1) is 24% per
    # feature; over 20 features at 200 rows, 56% of batches had an alert.
    repetitions = 100
    alerted = sum(
        bool(judge(*_world(rows, seed))[0].alerts) for seed in range(repetitions)
    )
    alpha = 1 - LIMITS["confidence"]
    # At most alpha, give or take two standard errors of the simulation's own noise.
    noise = 2 * np.sqrt(alpha * (1 - alpha) / repetitions)
    assert alerted / repetitions <= alpha + noise


@pytest.mark.slow
def test_the_real_shifts_are_caught_among_20_features():
    seen = {"flag": 0, "count": 0}
    repetitions = 30
    for seed in range(repetitions):
        before, after = _world(2000, seed)
        rng = np.random.default_rng([seed, 1])
        after["x1"] = (rng.random(2000) < 0.15).astype(int)  # a flag 5% -> 15%
        counts = rng.choice([0, 1, 2, 3, 4], 2000, p=[0.2, 0.25, 0.25, 0.15, 0.15])
        before["x2"] = rng.choice(
            [0, 1, 2, 3, 4], 2000, p=[0.2, 0.25, 0.25, 0.15, 0.15]
        )
        after["x2"] = np.where(counts == 4, 5, counts)  # 15% of the mass 4 -> 5
        _, found = judge(before, after)
        # The flag's move (PSI 0.12, distance 0.10) sits on the charter's thresholds:
        # more than noise every time, and past the warning in most batches.
        assert found["x1"].p_adjusted < 1 - LIMITS["confidence"]
        seen["flag"] += found["x1"].level in (drift.ALERT, drift.WARNING)
        seen["count"] += found["x2"].level == drift.ALERT
    assert seen["count"] == repetitions
    assert seen["flag"] / repetitions >= 0.7
