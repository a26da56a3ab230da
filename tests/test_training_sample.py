"""Stage 4 on many rows: a seeded training sample, and a sample fit on one thread."""

import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits
from tiny import make_example

from playbook import charter, data
from playbook.tasks import evaluation, models, reproduction, training_sample


@given(
    rows=st.integers(min_value=0, max_value=400),
    limit=st.integers(min_value=1, max_value=300),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
@settings(max_examples=50, deadline=None)
def test_a_sample_is_drawn_only_above_the_limit_and_the_seed_repeats_it(
    rows, limit, seed
):
    train = np.arange(rows) * 3 + 7
    keep, sample = training_sample.draw(train, seed=seed, limit=limit)
    again, _ = training_sample.draw(train, seed=seed, limit=limit)
    assert keep.shape == train.shape and (keep == again).all()
    if rows <= limit:
        assert sample is None and keep.all()
    else:
        assert sample == training_sample.TrainingSample(rows=limit, of_rows=rows)
        assert keep.sum() == limit
        assert f"{limit:,} of the {rows:,} training rows" in sample.words()


def test_many_training_rows_fit_on_a_sample_and_the_kpi_counts_every_test_row(
    tmp_path, monkeypatch
):
    poc = charter.load(make_example(tmp_path))
    frame = data.read(poc)
    full = evaluation.compare(frame, poc=poc, seed=3, tuning_seconds=0)
    assert full.training_sample is None
    monkeypatch.setattr(training_sample, "MAX_TRAINING_ROWS", 300)
    sampled = evaluation.compare(frame, poc=poc, seed=3, tuning_seconds=0)
    train = len(sampled.holdout.train)
    assert sampled.training_sample == training_sample.TrainingSample(300, train)
    assert "sample of 300 of the" in sampled.holdout.description
    # The sample is for fitting only: the same test rows are scored and judged.
    assert (sampled.holdout.test == full.holdout.test).all()
    assert len(sampled.rows) == len(full.rows) == len(full.holdout.test)
    assert sampled.kpi.baseline == full.kpi.baseline
    assert sampled.model_name and sampled.decision.decision in {"go", "iterate", "stop"}


def test_the_sample_fit_on_one_thread_has_the_fingerprint_of_a_threaded_fit():
    rng = np.random.default_rng(0)
    rows = 600
    features = pd.DataFrame(rng.normal(size=(rows, 6)), columns=list("abcdef"))
    features["kind"] = rng.choice(["x", "y", "z"], rows)
    features["churned"] = rng.random(rows) < 1 / (1 + np.exp(-2 * features["a"]))
    # 25 rounds, not 200: the fingerprint compares every split either way, and each
    # round of a two-thread fit waits on a core the other test worker holds.
    rounds = {"model__max_iter": 25}
    model = (
        models.gradient_boosting(seed=5)
        .set_params(**rounds)
        .fit(features[list("abcdef")], [0, 1] * 300)
    )

    class Poc:
        class data:
            target = "churned"
            positive_label = True

    found = reproduction.sample_fit(
        features,
        model=model,
        features=[*"abcdef", "kind"],
        poc=Poc,
        task="top_k",
        seed=5,
    )
    with threadpool_limits(limits=2):
        threaded = (
            models.gradient_boosting(seed=5)
            .set_params(**rounds)
            .fit(features[[*"abcdef", "kind"]], features["churned"].to_numpy())
            .predict_proba(features[[*"abcdef", "kind"]])
        )
    expected = hashlib.sha256(np.ascontiguousarray(threaded).tobytes()).hexdigest()
    assert found.problem is None
    assert found.predictions_sha256 == expected


def test_a_sigmoid_calibrated_model_refuses_to_be_fitted_again():
    from playbook.tasks.calibration import Sigmoid, SigmoidCalibrated

    wrapped = SigmoidCalibrated(models.logistic(), Sigmoid(slope=1.0, intercept=0.0))
    with pytest.raises(TypeError, match="stale sigmoid"):
        wrapped.fit(pd.DataFrame({"a": [1.0, 2.0]}), [0, 1])


@given(
    rows=st.integers(min_value=0, max_value=5_000),
    columns=st.integers(min_value=0, max_value=20_000),
)
@settings(max_examples=50, deadline=None)
def test_the_sample_fit_takes_fewer_rows_only_on_wide_data(rows, columns):
    size = reproduction.sample_size(rows, columns=columns)

    assert 0 <= size <= min(rows, reproduction.SAMPLE_ROWS)
    assert size >= min(rows, reproduction.MIN_SAMPLE_ROWS)
    if size > reproduction.MIN_SAMPLE_ROWS:
        assert size * columns <= reproduction.SAMPLE_CELLS
    if columns * reproduction.SAMPLE_ROWS <= reproduction.SAMPLE_CELLS:
        # Narrow data: the sample of every earlier run.
        assert size == min(rows, reproduction.SAMPLE_ROWS)


def test_a_wide_sample_fit_repeats_on_fewer_rows(monkeypatch):
    # Scaled down: 40 columns are "wide" under a budget of 4,000 cells.
    monkeypatch.setattr(reproduction, "SAMPLE_CELLS", 4_000)
    monkeypatch.setattr(reproduction, "MIN_SAMPLE_ROWS", 30)
    rng = np.random.default_rng(1)
    names = [f"noise_{i}" for i in range(40)]
    train = pd.DataFrame(rng.normal(size=(400, 40)), columns=names)
    train["churned"] = rng.random(400) < 1 / (1 + np.exp(-train["noise_0"]))

    class Poc:
        class data:
            target = "churned"
            positive_label = True

    model = models.logistic()  # its settings are refitted, never its state
    fits = [
        reproduction.sample_fit(
            train, model=model, features=names, poc=Poc, task="top_k", seed=2
        )
        for _ in range(2)
    ]

    assert fits[0].rows == 100
    assert fits[0].predictions_sha256 is not None and fits[0] == fits[1]
    monkeypatch.setattr(reproduction, "SAMPLE_CELLS", 400_000)
    assert reproduction.sample_fit(
        train, model=model, features=names, poc=Poc, task="top_k", seed=2
    ).rows == len(train)
