"""Stage 4 for a yes/no decision: candidates tuned on validation rows, the ladder."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from tiny import make_example

from playbook import charter, data
from playbook.tasks import evaluation, holdout, models, tuning
from playbook.tasks.comparison import Candidate


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = make_example(tmp_path_factory.mktemp("tiny"))
    poc = charter.load(path)
    return poc, data.read(poc)


def test_the_ladder_has_every_baseline_and_the_model_on_the_same_rows(tiny):
    poc, frame = tiny
    result = evaluation.compare(frame, poc=poc, seed=3, tuning_seconds=0)
    roles = {rung.name: rung.role for rung in result.ladder}
    assert roles == {
        "the model, break-even": "candidate",
        "the model, fill capacity": "candidate",
        "random at the same capacity": "baseline",
        "today's rule": "today",
    }
    rungs = {rung.name: rung for rung in result.ladder}
    assert result.kpi.baseline == rungs["today's rule"].kpi
    # The charter's default policy decides: break-even.
    assert [rung.name for rung in result.ladder if rung.chosen] == [
        "the model, break-even"
    ]
    assert result.kpi.model == rungs["the model, break-even"].kpi
    # Every policy but break-even contacts the capacity in each period; break-even
    # stops at or before it.
    full = poc.kpi.capacity_per_period * len(result.kpi.test_periods)
    contacted = {rung.name: rung.metrics["contacted"] for rung in result.ladder}
    assert contacted.pop("the model, break-even") <= full
    assert set(contacted.values()) == {full}
    # The scored rows add up to the ladder's figures.
    periods = len(result.kpi.test_periods)
    assert result.rows["value_model"].sum() / periods == pytest.approx(result.kpi.model)
    assert result.rows["value_today"].sum() / periods == pytest.approx(
        result.kpi.baseline
    )


def test_both_candidate_kinds_are_tried_even_without_a_budget(tiny):
    poc, frame = tiny
    result = evaluation.compare(frame, poc=poc, seed=3, tuning_seconds=0)
    assert [c.name for c in result.candidates] == [
        "logistic regression",
        "gradient-boosted trees",
    ]
    assert sum(c.chosen for c in result.candidates) == 1
    assert result.model.predict_proba(frame[result.features])[:, 1].min() >= 0


def test_tuning_never_sees_the_test_rows(tiny):
    poc, frame = tiny
    split = holdout.split(frame, poc=poc, seed=3)
    fit, check = holdout.validation(frame, split, poc=poc, seed=3)
    assert set(fit) | set(check) == set(split.train)
    assert not set(check) & set(split.test)
    assert frame[poc.data.time].iloc[check].nunique() == 1
    assert frame[poc.data.time].iloc[check].iloc[0] == split.train_periods[-1]


def test_an_existing_score_column_can_be_today_and_stays_out_of_the_model(tiny):
    poc, frame = tiny
    rng = np.random.default_rng(0)
    churned = frame[poc.data.target].to_numpy()
    scored = frame.assign(vendor_score=churned * 0.3 + rng.random(len(frame)))
    today = dataclasses.replace(
        poc.baseline, today="score", score_column="vendor_score"
    )
    with_score = dataclasses.replace(poc, baseline=today)
    assert "vendor_score" not in models.feature_columns(scored, poc=with_score)
    result = evaluation.compare(scored, poc=with_score, seed=3, tuning_seconds=0)
    roles = {rung.name: rung.role for rung in result.ladder}
    assert roles["today's score"] == "today" and roles["today's rule"] == "baseline"
    assert result.kpi.baseline_name == "today's score"


def test_the_same_seed_and_trials_repeat_the_numbers_to_the_last_digit(tiny):
    poc, frame = tiny
    # A count of trials, not a time budget: how many settings fit in a budget depends
    # on how busy the machine is. Five is past both candidates' defaults.
    first = evaluation.compare(frame, poc=poc, seed=11, tuning_seconds=0, trials=5)
    again = evaluation.compare(
        frame, poc=poc, seed=11, tuning_seconds=0, trials=len(first.candidates)
    )
    assert first.kpi == again.kpi
    assert first.model_name == again.model_name


def test_a_repeat_with_trials_keeps_tuning_fit_when_the_first_run_kept_it(
    tiny, monkeypatch
):
    poc, frame = tiny
    # The linear candidate alone: the boosted trees' fits would make the test slow.
    monkeypatch.setattr(models, "BINARY_CANDIDATES", models.BINARY_CANDIDATES[:1])
    # A first run whose final fit did not fit in its budget (wide data): its model
    # is tuning's fit, without the validation rows.
    timed = tuning.tune

    def out_of_time(*args, **kwargs):
        return dataclasses.replace(timed(*args, **kwargs), refit=False)

    monkeypatch.setattr(tuning, "tune", out_of_time)
    first = evaluation.compare(frame, poc=poc, seed=11, tuning_seconds=0)
    monkeypatch.setattr(tuning, "tune", timed)
    assert not first.refitted
    trials = sum(not c.skipped for c in first.candidates)

    again = evaluation.compare(
        frame, poc=poc, seed=11, tuning_seconds=0, trials=trials, refitted=False
    )
    refitted = evaluation.compare(
        frame, poc=poc, seed=11, tuning_seconds=0, trials=trials
    )

    rows = frame[first.features]
    assert not again.refitted and again.kpi == first.kpi
    np.testing.assert_array_equal(
        again.model.predict_proba(rows), first.model.predict_proba(rows)
    )
    # Refitted on every training row, the repeat was another model.
    assert refitted.refitted
    assert (refitted.model.predict_proba(rows) != first.model.predict_proba(rows)).any()


def _spec(name, scores):
    """A candidate whose 'model' is its settings' score on validation."""

    class Fixed:
        def __init__(self, value):
            self.value = value

        def fit(self, X, y):
            return self

    return models.CandidateSpec(
        name,
        lambda params, seed: Fixed(params["value"]),
        [{"value": s} for s in scores],
    )


def test_tuning_tries_settings_round_robin_and_breaks_ties_for_the_first():
    specs = [_spec("linear", [1.0, 3.0]), _spec("trees", [3.0, 2.0, 0.5])]
    tuned = tuning.tune(
        specs,
        fit_rows=(pd.DataFrame({"x": [0]}), [0]),
        validate=lambda model: model.value,
        budget=tuning.Budget(seconds=0, trials=5),  # every setting, whatever the clock
        seed=0,
    )
    assert [(c.name, c.validation_kpi) for c in tuned.tried] == [
        ("linear", 1.0),
        ("trees", 3.0),
        ("linear", 3.0),
        ("trees", 2.0),
        ("trees", 0.5),
    ]
    # 3.0 twice: the candidate listed first wins, whichever was tried first.
    assert tuned.best_spec.name == "linear" and tuned.best_params == {"value": 3.0}
    assert [c.chosen for c in tuned.tried] == [False, False, True, False, False]


def test_a_spent_budget_still_fits_each_candidate_once_and_trials_override_it():
    specs = [_spec("linear", [1.0, 3.0]), _spec("trees", [2.0, 5.0])]
    rows = (pd.DataFrame({"x": [0]}), [0])
    spent = tuning.tune(
        specs,
        fit_rows=rows,
        validate=lambda m: m.value,
        budget=tuning.Budget(seconds=0),
        seed=0,
    )
    assert [c.name for c in spent.tried] == ["linear", "trees"]
    three = tuning.tune(
        specs,
        fit_rows=rows,
        validate=lambda m: m.value,
        budget=tuning.Budget(seconds=0, trials=3),
        seed=0,
    )
    assert len(three.tried) == 3 and isinstance(three.tried[0], Candidate)


def test_repeated_ids_stay_on_one_side_of_a_split_without_time(tiny):
    poc, frame = tiny
    no_time = dataclasses.replace(
        poc,
        data=dataclasses.replace(poc.data, time=None),
        split=dataclasses.replace(poc.split, test_periods=None, test_share=0.25),
    )
    twice = pd.concat([frame, frame], ignore_index=True)
    split = holdout.split(twice, poc=no_time, seed=1)
    ids = twice[poc.data.id]
    assert split.kind == "grouped"
    assert not set(ids.iloc[split.train]) & set(ids.iloc[split.test])
    fit, check = holdout.validation(twice, split, poc=no_time, seed=1)
    assert not set(ids.iloc[fit]) & set(ids.iloc[check])


def _calibrate(build, features, positive, *, check):
    """`calibrated` as stage 4 calls it: the validation scores of the same
    setting fitted without the `check` rows (as tuning fits it)."""
    from playbook.tasks.calibration import calibrated

    fitted = build(seed=1).fit(features[~check], positive[~check])
    scores = fitted.predict_proba(features[check])[:, 1]
    return calibrated(
        build(seed=1), features, positive, validation=(scores, positive[check])
    )


def test_calibration_turns_scores_into_probabilities_and_keeps_the_ranking():
    from scipy.stats import spearmanr

    from playbook.tasks.calibration import publishes_probabilities

    rng = np.random.default_rng(4)
    rows = 4000
    signal = rng.normal(size=rows)
    # Rows in time order with a base rate that climbs from 2% to 40%, a month column
    # telling the periods apart, and the latest quarter as the validation rows, as
    # a time split holds them out: the sigmoid learns a later period's rate, rising.
    base = np.linspace(-4, -0.4, rows)
    positive = rng.random(rows) < 1 / (1 + np.exp(-(base + 1.2 * signal)))
    features = pd.DataFrame({"signal": signal, "month": np.arange(rows) * 12 // rows})
    check = np.arange(rows) >= rows * 3 // 4
    raw = models.gradient_boosting(seed=1).fit(features, positive)
    model, calibration, probability = _calibrate(
        models.gradient_boosting, features, positive, check=check
    )
    assert calibration.calibrated and not calibration.weak_signal
    assert calibration.slope < 0
    assert publishes_probabilities(model)
    raw_scores = raw.predict_proba(features)[:, 1]
    probabilities = model.predict_proba(features)[:, 1]
    # The final model is the plain fit on every row (no fold refits), its scores
    # passed through the sigmoid: the same ranking.
    assert spearmanr(raw_scores, probabilities).statistic == pytest.approx(1.0)
    assert (model.predict(features) == (probabilities >= 0.5)).all()
    # Class weights pushed the raw scores towards 50%; the calibrated mean on the
    # validation rows is their rate.
    assert probability is not None and len(probability) == check.sum()
    assert abs(probability.mean() - positive[check].mean()) < 0.02
    assert abs(raw_scores[check].mean() - positive[check].mean()) > 0.1


def test_a_calibration_that_falls_back_says_the_signal_is_weak_and_publishes_scores():
    from playbook.tasks.calibration import publishes_probabilities

    # Scores with no relation to the outcome, fitted with class weights: whether a
    # sigmoid on validation scores rises is then a coin flip, and on these rows it
    # does not. The model keeps its raw scores, which average about 50% at a 9%
    # base rate and must not be read as probabilities.
    rng = np.random.default_rng(1)
    rows = 3000
    features = pd.DataFrame({"noise": rng.normal(size=rows)})
    positive = rng.random(rows) < 0.09
    check = rng.random(rows) < 0.25
    model, calibration, probability = _calibrate(
        models.logistic, features, positive, check=check
    )
    assert not calibration.calibrated
    assert calibration.weak_signal and calibration.slope >= 0
    assert probability is None
    assert not publishes_probabilities(model)
    assert model.predict_proba(features)[:, 1].mean() > 0.3


def test_validation_rows_of_one_outcome_leave_the_scores_uncalibrated():
    from playbook.tasks.calibration import calibrated, publishes_probabilities

    rng = np.random.default_rng(2)
    features = pd.DataFrame({"signal": rng.normal(size=400)})
    positive = features["signal"].to_numpy() + rng.normal(size=400) > 1
    model, calibration, probability = calibrated(
        models.logistic(seed=1),
        features,
        positive,
        validation=(rng.random(50), np.zeros(50, dtype=bool)),
    )
    assert not calibration.calibrated and not calibration.weak_signal
    assert np.isnan(calibration.slope) and probability is None
    assert not publishes_probabilities(model)
