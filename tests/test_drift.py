import numpy as np
import pandas as pd
import pytest

from playbook.beyond import drift


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


def test_feature_drift_ranks_features_and_applies_the_thresholds():
    rng = np.random.default_rng(2)
    before = pd.DataFrame(
        {"stable": rng.normal(size=3000), "moved": rng.normal(size=3000)}
    )
    after = pd.DataFrame(
        {"stable": rng.normal(size=3000), "moved": rng.normal(1.5, 1, 3000)}
    )
    report = drift.feature_drift(
        before,
        after,
        columns=["stable", "moved"],
        warning=0.1,
        alert=0.25,
        ks_alert=0.5,
        reference_name="train",
        current_name="latest",
    )
    assert [f.feature for f in report.features] == ["moved", "stable"]
    assert [f.level for f in report.features] == ["alert", "stable"]
    assert report.alerts == ["moved"]


def test_ks_distance_matches_scipy_and_ignores_text():
    from scipy.stats import ks_2samp

    rng = np.random.default_rng(4)
    a, b = pd.Series(rng.normal(size=700)), pd.Series(rng.normal(0.3, 1.2, 900))
    assert drift.ks_distance(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)
    assert drift.ks_distance(a, a) == 0.0
    assert drift.ks_distance(pd.Series(["x", "y"]), pd.Series(["x"])) is None


def test_a_ks_distance_past_its_threshold_puts_a_feature_on_alert():
    rng = np.random.default_rng(5)
    before = pd.DataFrame({"x": rng.normal(size=4000)})
    after = pd.DataFrame({"x": rng.normal(0.35, 1, 4000)})
    report = drift.feature_drift(
        before,
        after,
        columns=["x"],
        warning=0.5,
        alert=0.9,
        ks_alert=0.1,
        reference_name="train",
        current_name="latest",
    )
    assert report.features[0].psi < 0.5
    assert report.features[0].ks > 0.1
    assert report.alerts == ["x"]
