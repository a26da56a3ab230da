"""Stage 4's diagnostics within their share of the tuning time (`Deadline`)."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from playbook.charter.model import Prediction
from playbook.tasks import latency
from playbook.tasks.deadline import Deadline, unlimited


def _clock(step: float):
    """A clock that moves `step` seconds each time it is read."""
    return itertools.count(0.0, step).__next__


@given(
    allowance=st.floats(0, 100),
    # Whole seconds: the clock's sums are then exact, as the expectation's product.
    step=st.integers(1, 10),
    reads=st.integers(0, 50),
)
def test_a_deadline_passes_once_its_allowance_is_spent(allowance, step, reads):
    deadline = Deadline(allowance, clock=_clock(step))
    for _ in range(reads):
        deadline.spent()
    # The clock has moved `reads + 1` steps since the start when `passed` reads it.
    assert deadline.passed() == ((reads + 1) * step >= allowance)


def test_no_allowance_never_passes_and_a_negative_one_is_refused():
    assert not unlimited().passed()
    assert not Deadline(None, clock=_clock(1e9)).passed()
    for wrong in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="0 seconds or more"):
            Deadline(wrong)


def _model_and_rows():
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    target = (rows["a"] > 0).to_numpy()
    return Pipeline([("model", LogisticRegression())]).fit(rows, target), rows


REAL_TIME = Prediction(mode="real_time", latency_budget_ms=1e6)


def test_latency_times_every_call_asked_without_a_deadline():
    model, rows = _model_and_rows()
    report = latency.measure(
        model, rows, prediction=REAL_TIME, repeats=4, single_rows=7, seed=1
    )
    assert (report.batch_calls, report.row_calls) == (4, 7)
    assert report.meets is True and 0 < report.row_p50_ms <= report.row_p95_ms


def _measured_past_a_spent_deadline(model, rows, *, warmed=False):
    """Latency asked for 5 whole-batch and 50 one-row calls, its allowance spent."""
    return latency.measure(
        model,
        rows,
        prediction=REAL_TIME,
        repeats=5,
        single_rows=50,
        seed=1,
        deadline=Deadline(0.0, clock=_clock(1.0)),
        warmed=warmed,
    )


def test_a_spent_deadline_leaves_the_minimum_of_each_kind_of_call():
    model, rows = _model_and_rows()
    report = _measured_past_a_spent_deadline(model, rows)
    assert (report.batch_calls, report.row_calls) == (latency.MIN_CALLS,) * 2
    # Fewer calls asked than the minimum: only those.
    few = latency.measure(
        model,
        rows,
        prediction=REAL_TIME,
        repeats=1,
        single_rows=2,
        seed=1,
        deadline=Deadline(0.0),
    )
    assert (few.batch_calls, few.row_calls) == (1, 2)


class _CountedRows(Pipeline):
    """A pipeline that records the rows of each prediction it is asked for."""

    seen: list[int]

    def predict_proba(self, X, **params):
        self.seen.append(len(X))
        return super().predict_proba(X, **params)


@pytest.mark.parametrize("warmed", [False, True])
def test_latency_predicts_only_the_calls_it_times_once_warmed(warmed):
    model, rows = _model_and_rows()
    counted = _CountedRows(model.steps)
    counted.seen = []
    report = _measured_past_a_spent_deadline(counted, rows, warmed=warmed)
    timed = [len(rows)] * report.batch_calls + [1] * report.row_calls
    # Unwarmed, one untimed one-row call first pays for the model's lazy set-up.
    assert counted.seen == ([] if warmed else [1]) + timed
    assert (report.batch_calls, report.row_calls) == (latency.MIN_CALLS,) * 2
