"""Permutation importance: every feature shuffled, or on wide data the screened ones."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from playbook.report import poc_charts
from playbook.tasks import importance


def _wide(columns: int, rows: int = 400, seed: int = 0):
    """Noise columns, one number and one category that decide the outcome."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        rng.normal(size=(rows, columns)), columns=[f"noise_{i}" for i in range(columns)]
    )
    frame["signal"] = rng.normal(size=rows)
    frame["plan"] = rng.choice(["basic", "gold"], size=rows)
    frame["constant"] = 1.0
    target = (frame["signal"] + 2 * (frame["plan"] == "gold") > 1).to_numpy()
    numbers = [c for c in frame.columns if c != "plan"]
    model = Pipeline(
        [
            (
                "encode",
                ColumnTransformer(
                    [("plan", OneHotEncoder(), ["plan"])], remainder="passthrough"
                ),
            ),
            ("model", LogisticRegression(max_iter=500)),
        ]
    ).fit(frame[["plan", *numbers]], target)
    return model, frame[["plan", *numbers]], target


def test_wide_data_shuffles_only_the_screened_features_and_finds_the_signal(
    monkeypatch,
):
    model, rows, target = _wide(columns=20)
    monkeypatch.setattr(importance, "MOST_PERMUTED", 10)
    monkeypatch.setattr(importance, "SCREENED_PERMUTED", 5)
    found, label = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    )
    assert label == "average precision" and len(found) == 5
    assert {found[0].feature, found[1].feature} == {"signal", "plan"}
    assert found[0].drop > 0.05 and found[1].drop > 0.01
    # The same seed, the same answer.
    again, _ = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    )
    assert again == found


def test_narrow_data_shuffles_every_feature():
    model, rows, target = _wide(columns=3)
    found, _ = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    )
    assert sorted(item.feature for item in found) == sorted(rows.columns)
    assert found[0].feature in {"signal", "plan"}


def test_screen_puts_what_moves_the_score_first_and_a_constant_last():
    model, rows, _ = _wide(columns=10)
    order = importance.screen(model, rows, task="top_k")
    assert sorted(order) == sorted(rows.columns)
    assert set(order[:2]) == {"signal", "plan"}
    assert order[-1] == "constant"


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=40),
    labels=st.lists(st.sampled_from(["a", "b", "c"]), min_size=3, max_size=40),
)
def test_screen_strengths_stay_between_zero_and_one(values, labels):
    size = min(len(values), len(labels))
    output = np.asarray(values[:size])
    ratio = importance._correlation_ratio(pd.Series(labels[:size]), output)
    assert 0.0 <= ratio <= 1.0 + 1e-9
    same = importance._correlation(output, output)
    assert same == pytest.approx(1.0) or output.std() == 0


def test_the_chart_says_when_only_some_features_were_shuffled():
    found = [importance.Importance("signal", 0.3, 0.01)]
    some = poc_charts.importance(found, score="average precision", features=3000)
    assert "of the 1 of 3,000 features its score moves with most" in (
        some.layout.title.text
    )
    every = poc_charts.importance(found, score="average precision", features=1)
    assert "not shuffled" not in every.layout.title.text


def test_shuffling_in_one_copy_gives_what_a_copy_per_shuffle_gives():
    model, rows, target = _wide(columns=30)
    before = rows.copy()
    columns = ["signal", "plan", "noise_3", "constant"]

    found = importance._shuffled(
        model, rows, target, columns, "average_precision", seed=2
    )

    # The former way: a fresh copy of the sample for every shuffle.
    scorer = importance.get_scorer("average_precision")
    rng = np.random.default_rng([2, 6])
    base = scorer(model, rows, target)
    expected = []
    for name in columns:
        drops = []
        for _ in range(importance.REPEATS):
            shuffled = rows.copy()
            shuffled[name] = rows[name].to_numpy()[rng.permutation(len(rows))]
            drops.append(base - scorer(model, shuffled, target))
        expected.append(
            importance.Importance(name, float(np.mean(drops)), float(np.std(drops)))
        )
    assert found == sorted(expected, key=lambda item: -item.drop)
    pd.testing.assert_frame_equal(rows, before)


def test_beyond_fifty_features_the_screens_first_twenty_are_shuffled():
    model, rows, target = _wide(columns=60, rows=200)

    found, _ = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=3
    )

    assert len(found) == importance.SCREENED_PERMUTED == 20
    assert "signal" in {item.feature for item in found}
