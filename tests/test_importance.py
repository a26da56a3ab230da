"""Permutation importance: every feature shuffled, or on wide data the screened ones."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from playbook.report import poc_charts
from playbook.tasks import calibration, importance
from playbook.tasks.deadline import Deadline
from playbook.tasks.models import BINARY_CANDIDATES


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
    ranking = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    )
    found, label = ranking.found, ranking.score
    assert label == "average precision" and len(found) == 5
    assert {found[0].feature, found[1].feature} == {"signal", "plan"}
    assert found[0].drop > 0.05 and found[1].drop > 0.01
    # The same seed, the same answer.
    again = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    )
    assert again.found == found


def test_narrow_data_shuffles_every_feature():
    model, rows, target = _wide(columns=3)
    ranking = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    )
    found = ranking.found
    assert sorted(item.feature for item in found) == sorted(rows.columns)
    assert found[0].feature in {"signal", "plan"}
    assert ranking.scope == importance.ImportanceScope(
        sample_rows=400,
        test_rows=400,
        features=6,
        candidates=6,
        shuffled=6,
        repeats=importance.REPEATS,
        stopped_early=False,
        encoded_once=False,
        seconds=ranking.scope.seconds,
    )


def test_screen_puts_what_moves_the_score_first_and_a_constant_last():
    model, rows, _ = _wide(columns=10)
    order = importance.screen(model, rows, task="top_k")
    assert sorted(order) == sorted(rows.columns)
    assert set(order[:2]) == {"signal", "plan"}
    assert order[-1] == "constant"


@settings(max_examples=30, deadline=None)
# Values so close that their squares underflow: the self-correlation came out inf.
@example(values=[0.0, 0.0, 3.873630961045735e-150], labels=["a", "a", "a"])
@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=40),
    labels=st.lists(st.sampled_from(["a", "b", "c"]), min_size=3, max_size=40),
)
def test_screen_strengths_stay_between_zero_and_one(values, labels):
    size = min(len(values), len(labels))
    output = np.asarray(values[:size])
    ratio = importance._correlation_ratio(pd.Series(labels[:size]), output)
    assert 0.0 <= ratio <= 1.0 + 1e-9
    same = importance._correlations(output[:, None], output)[0]
    assert same == pytest.approx(1.0) or output.max() == output.min()


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

    ranking = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=3
    )

    assert len(ranking.found) == importance.SCREENED_PERMUTED == 20
    assert "signal" in {item.feature for item in ranking.found}
    assert ranking.scope.encoded_once and not ranking.scope.stopped_early
    assert (ranking.scope.candidates, ranking.scope.features) == (20, 63)


def _candidate_models(seed: int = 4, *, clash: bool = False):
    """Stage 4's own candidates (and a calibrated one) on numbers with gaps and text.

    With `clash`, a second text column "plan_type" beside "plan", whose category
    "type_x" makes "plan_type_x" the name of an encoded column of each.
    """
    rng = np.random.default_rng(seed)
    rows = 200
    frame = pd.DataFrame(
        rng.normal(size=(rows, 4)).round(3), columns=[f"x{i}" for i in range(4)]
    )
    frame.loc[rng.random(rows) < 0.1, "x3"] = np.nan
    frame["plan"] = rng.choice(["basic", "type_x", "gold"], size=rows)
    frame["plan_type" if clash else "region"] = rng.choice(["x", "y"], size=rows)
    target = frame["x1"] + (frame["plan"] == "gold") + rng.normal(size=rows) > 0.7
    target = target.to_numpy()
    fitted = [spec.build({}, seed) for spec in BINARY_CANDIDATES]
    # Few boosting rounds: the encoding is what is tested, and the fit stays quick.
    fitted[1].set_params(model__max_iter=10)
    fitted = [model.fit(frame, target) for model in fitted]
    sigmoid = calibration.fit_sigmoid(fitted[0].predict_proba(frame)[:, 1], target)
    calibrated = Pipeline(
        [("calibrated", calibration.SigmoidCalibrated(fitted[0], sigmoid))]
    )
    return [*fitted, calibrated, Pipeline([("uncalibrated", fitted[1])])], frame, target


def test_shuffling_the_encoded_rows_gives_what_shuffling_the_rows_gives(monkeypatch):
    # Each shuffle of the rows is a prediction through the encoding: few keep it quick.
    monkeypatch.setattr(importance, "REPEATS", 1)
    models, rows, target = _candidate_models()
    columns = ["plan", "x3"]
    # x3's gaps: the linear encoding adds a missing flag, the trees' reads NaN.
    for model, x3_columns in zip(models, [2, 1, 2, 1], strict=True):
        encoded = importance.EncodedSample.of(model, rows, seed=1)
        assert encoded is not None
        assert [len(encoded.columns[c]) for c in ("plan", "region", "x3")] == [
            3,
            2,
            x3_columns,
        ]
        slow = importance._shuffled(
            model, rows, target, columns, "average_precision", 5
        )
        fast = importance._shuffled(
            model, rows, target, columns, "average_precision", 5, encoded=encoded
        )
        assert fast == slow
        # The screen reads the same output from the encoded rows.
        output = importance._output(encoded.tail, encoded.matrix, task="top_k")
        np.testing.assert_array_equal(
            output, importance._output(model, rows, task="top_k")
        )


class _CentredByBatch(TransformerMixin, BaseEstimator):
    """Each column minus its mean over the rows given: not one row at a time."""

    def fit(self, rows, target=None):
        self.n_features_in_ = rows.shape[1]
        return self

    def transform(self, rows):
        values = np.asarray(rows, dtype=float)
        return values - values.mean(axis=0)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


def test_encoded_columns_whose_names_fit_two_features_are_not_guessed():
    models, rows, _ = _candidate_models(clash=True)
    for model in models[:2]:
        assert importance._encoded_columns(model[0], list(rows.columns)) is None
        assert importance.EncodedSample.of(model, rows, seed=1) is None


@pytest.mark.parametrize("verified_rows", [200, 50])
def test_an_encoding_that_reads_other_rows_is_not_shuffled_encoded(
    monkeypatch, verified_rows
):
    # Whether every row or only the first few are shuffled and encoded again.
    monkeypatch.setattr(importance, "VERIFIED_ROWS", verified_rows)
    rng = np.random.default_rng(2)
    rows = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    target = (rows["a"] + rng.normal(size=200) > 0).to_numpy()
    model = Pipeline(
        [
            ("encode", ColumnTransformer([("centred", _CentredByBatch(), ["a", "b"])])),
            ("model", LogisticRegression()),
        ]
    ).fit(rows, target)
    # The names trace every column, but one shuffle shows the rows are not separate.
    assert importance._encoded_columns(model[0], list(rows.columns)) is not None
    assert importance.EncodedSample.of(model, rows, seed=1) is None
    # A model without an encoding step first is predicted from the rows themselves.
    bare = Pipeline([("model", LogisticRegression())]).fit(rows, target)
    assert importance.EncodedSample.of(bare, rows, seed=1) is None


def test_a_spent_allowance_stops_after_the_minimum_and_says_so(monkeypatch):
    model, rows, target = _wide(columns=30, rows=200)
    monkeypatch.setattr(importance, "MOST_PERMUTED", 10)
    always_late = Deadline(0.0, clock=iter(range(0, 10**6, 10)).__next__)

    ranking = importance.importance(
        model,
        rows,
        target,
        features=list(rows.columns),
        task="top_k",
        seed=3,
        deadline=always_late,
    )

    assert len(ranking.found) == importance.MIN_SHUFFLED
    scope = ranking.scope
    assert scope.stopped_early and scope.shuffled == importance.MIN_SHUFFLED
    assert scope.candidates == importance.SCREENED_PERMUTED
    assert (scope.sample_rows, scope.test_rows, scope.features) == (200, 200, 33)
    # The screen's first five, in its order, are the ones ranked.
    first = importance.screen(model, rows, task="top_k")[: importance.MIN_SHUFFLED]
    assert {item.feature for item in ranking.found} == set(first)


def test_the_sample_is_the_stated_size_of_the_test_rows(monkeypatch):
    model, rows, target = _wide(columns=3, rows=300)
    monkeypatch.setattr(importance, "SAMPLE_ROWS", 120)
    scope = importance.importance(
        model, rows, target, features=list(rows.columns), task="top_k", seed=1
    ).scope
    assert (scope.sample_rows, scope.test_rows) == (120, 300)


@settings(max_examples=30, deadline=None)
@given(
    columns=st.lists(
        st.lists(
            st.one_of(st.none(), st.sampled_from([-2.5, 0.0, 1.0, 1.0, 7.0])),
            min_size=6,
            max_size=6,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_column_ranks_are_pandas_ranks_with_gaps_at_the_mean_rank(columns):
    frame = pd.DataFrame(
        {f"c{i}": pd.array(values, dtype="Float64") for i, values in enumerate(columns)}
    )
    ranks = frame.astype(float).rank()
    expected = ranks.fillna(ranks.mean()).to_numpy(float)
    np.testing.assert_array_equal(importance._column_ranks(frame), expected)
