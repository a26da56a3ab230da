"""Tuning on wide data: a candidate whose fit would outlast the budget is skipped."""

import math
import time

import numpy as np
import pandas as pd
import pytest

from playbook.tasks import calibration, models, tuning


class FakeClock:
    """Seconds that pass only when a fake model says its fit took them."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _costly(name, *, clock, seconds_per_column, scores):
    """A candidate whose fit takes `seconds_per_column` per column on the fake clock."""

    class Costly:
        def __init__(self, value):
            self.value = value

        def fit(self, X, y):
            clock.now += seconds_per_column * X.shape[1]
            return self

    return models.CandidateSpec(
        name,
        lambda params, seed: Costly(params["value"]),
        [{"value": s} for s in scores],
    )


def _frame(columns, rows=4):
    return pd.DataFrame(
        np.zeros((rows, columns)), columns=[f"c{i}" for i in range(columns)]
    )


def _tune(specs, *, columns, seconds, clock, trials=None, refit_scale=1.0, refit=True):
    return tuning.tune(
        specs,
        fit_rows=(_frame(columns), np.zeros(4)),
        validate=lambda model: model.value,
        budget=tuning.Budget(seconds=seconds, trials=trials, refit=refit),
        seed=0,
        refit_scale=refit_scale,
        clock=clock,
    )


def test_wide_data_skips_the_candidate_whose_projected_fit_outlasts_the_budget():
    clock = FakeClock()
    # At 1,500 columns: the linear fit takes 0.15 s, the trees' 150 s.
    specs = [
        _costly("linear", clock=clock, seconds_per_column=1e-4, scores=[1.0, 2.0, 3.0]),
        _costly("trees", clock=clock, seconds_per_column=0.1, scores=[9.0, 9.0]),
    ]
    tuned = _tune(specs, columns=1500, seconds=2.0, clock=clock)
    assert [c.name for c in tuned.tried] == ["linear"] * 3
    assert tuned.best_spec.name == "linear" and tuned.best_params == {"value": 3.0}
    (skipped,) = tuned.skipped
    assert skipped.name == "trees" and math.isnan(skipped.validation_kpi)
    assert not skipped.chosen and skipped.params == {"value": 9.0}
    # The trees' probe took 0.8 s on 8 columns: 150 s projected on 1,500.
    assert "took 0.8 s on 8 of the 1,500 columns" in skipped.skipped
    assert "up to about 150 s on all of them" in skipped.skipped
    assert "of the 2 s tuning budget" in skipped.skipped
    assert all(not c.skipped for c in tuned.tried)
    # Probes (0.8 s + 0.0008 s) and three linear fits: within twice the budget.
    assert tuned.seconds == pytest.approx(0.8008 + 3 * 0.15)
    assert tuned.seconds <= 2 * 2.0
    # 0.75 s left: enough for the final fit, expected to take as long as one.
    assert tuned.refit and tuned.fitted.value == 3.0


def test_wide_data_keeps_the_tuned_fit_when_the_final_fit_does_not_fit():
    clock = FakeClock()
    specs = [
        _costly("linear", clock=clock, seconds_per_column=1e-4, scores=[1.0, 2.0, 3.0]),
        _costly("trees", clock=clock, seconds_per_column=0.1, scores=[9.0, 9.0]),
    ]
    # The final fit reads ten times the rows: 1.5 s expected, with 1.05 s left
    # after the defaults, so no further setting starts and it is not refitted.
    tuned = _tune(specs, columns=1500, seconds=2.0, clock=clock, refit_scale=10.0)
    assert [(c.name, c.params) for c in tuned.tried] == [("linear", {"value": 1.0})]
    assert not tuned.refit and tuned.fitted.value == 1.0
    assert tuned.seconds == pytest.approx(0.8008 + 0.15)


def test_narrow_data_leaves_the_final_fit_in_the_budget_and_is_always_refitted():
    clock = FakeClock()
    specs = [
        _costly("linear", clock=clock, seconds_per_column=0.1, scores=[1.0, 2.0, 3.0])
    ]
    # 0.3 s a fit, a budget of 1 s: a third setting would leave too little for the
    # final fit (before, it started with 0.4 s left and the comparison took 1.2 s).
    tuned = _tune(specs, columns=3, seconds=1.0, clock=clock)
    assert [c.params["value"] for c in tuned.tried] == [1.0, 2.0]
    assert tuned.refit and tuned.best_params == {"value": 2.0}
    spent = _tune(specs, columns=3, seconds=0.0, clock=clock, refit_scale=9.0)
    assert len(spent.tried) == 1 and spent.refit


def test_the_cheapest_candidate_is_fitted_even_when_none_fits_the_budget():
    clock = FakeClock()
    specs = [
        _costly("linear", clock=clock, seconds_per_column=0.01, scores=[1.0, 2.0]),
        _costly("trees", clock=clock, seconds_per_column=0.1, scores=[5.0]),
    ]
    tuned = _tune(specs, columns=1000, seconds=1.0, clock=clock)
    # Linear projects 10 s, trees 100 s: only linear's defaults are fitted.
    assert [(c.name, c.params) for c in tuned.tried] == [("linear", {"value": 1.0})]
    assert [c.name for c in tuned.skipped] == ["trees"]
    assert "0.0 s left" in tuned.skipped[0].skipped


def test_narrow_data_is_not_probed_and_every_default_is_fitted():
    clock = FakeClock()
    specs = [
        _costly("linear", clock=clock, seconds_per_column=0.01, scores=[1.0, 2.0]),
        _costly("trees", clock=clock, seconds_per_column=1.0, scores=[5.0, 6.0]),
    ]
    columns = tuning.PROBE_ABOVE_COLUMNS
    tuned = _tune(specs, columns=columns, seconds=1.0, clock=clock)
    assert [c.name for c in tuned.tried] == ["linear", "trees"]
    assert tuned.skipped == []
    # No probe: only the two full fits ran on the clock.
    assert clock.now == pytest.approx(0.01 * columns + 1.0 * columns)


def test_trials_repeat_a_run_whatever_the_clock_and_skip_nothing():
    clock = FakeClock()
    specs = [
        _costly("linear", clock=clock, seconds_per_column=1e-4, scores=[1.0]),
        _costly("trees", clock=clock, seconds_per_column=0.1, scores=[9.0]),
    ]
    tuned = _tune(specs, columns=1500, seconds=0.0, clock=clock, trials=2)
    assert [c.name for c in tuned.tried] == ["linear", "trees"]
    assert tuned.skipped == []
    assert tuned.refit  # a repeat fits the final model as a first run with time did


@pytest.mark.parametrize("columns", [3, 1500])
def test_a_repeat_keeps_the_tuned_fit_when_the_run_it_repeats_did(columns):
    clock = FakeClock()
    specs = [_costly("linear", clock=clock, seconds_per_column=1e-4, scores=[1.0])]
    # Whatever the clock and the width: the first run's choice is repeated.
    kept = _tune(
        specs, columns=columns, seconds=1e9, clock=clock, trials=1, refit=False
    )
    assert not kept.refit and kept.fitted is not None
    # Without trials the clock decides, not the flag: all the time in the world.
    timed = _tune(specs, columns=columns, seconds=1e9, clock=clock, refit=False)
    assert timed.refit


def test_real_candidates_on_a_wide_frame_end_within_twice_the_budget():
    """600 rows x 1,500 columns: before the fix, one boosted fit took minutes."""
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        rng.normal(size=(600, 1500)), columns=[f"c{i}" for i in range(1500)]
    )
    target = (features["c0"] + rng.normal(size=600) > 1).astype(int).to_numpy()
    budget = 2.0
    # The probes' own cost, paid before the budget can judge anything: a boosted fit
    # and a logistic one on 8 columns, on one thread (about 1 s of CPU here).
    probe_overhead = 2.0
    started = time.process_time()
    tuned = tuning.tune(
        models.BINARY_CANDIDATES,
        fit_rows=(features.iloc[:400], target[:400]),
        validate=lambda pipeline: float(
            pipeline.predict_proba(features.iloc[400:])[:, 1][target[400:] == 1].mean()
        ),
        budget=tuning.Budget(seconds=budget),
        seed=0,
        clock=time.process_time,
    )
    cpu = time.process_time() - started
    assert cpu <= 2 * budget + probe_overhead
    assert [c.name for c in tuned.skipped] == ["gradient-boosted trees"]
    assert tuned.best_spec.name == "logistic regression"


def test_a_model_kept_from_tuning_is_calibrated_without_another_fit():
    rng = np.random.default_rng(3)
    features = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    positive = (features["a"] + rng.normal(size=300) > 0).to_numpy()
    fitted = models.logistic().fit(features.iloc[:200], positive[:200])
    scores = fitted.predict_proba(features.iloc[200:])[:, 1]

    model, scores_are, _ = calibration.calibrated(
        fitted,
        features,
        positive,
        validation=(scores, positive[200:]),
        refit=False,
    )

    assert scores_are.calibrated
    assert model[-1].estimator is fitted
    assert (
        model.predict_proba(features)[:, 1] != fitted.predict_proba(features)[:, 1]
    ).any()
