"""The model's contact policy: up to capacity, but never a contact that loses money."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline
from tiny import make_example

from playbook import charter
from playbook.serve import saved_model, scoring
from playbook.tasks import contact_policy, kpi, top_k


@pytest.fixture(scope="module")
def poc(tmp_path_factory):
    """The tiny charter: a contact earns 480,000 x 0.3 and costs 12,000 (p* = 1/12)."""
    return charter.load(make_example(tmp_path_factory.mktemp("tiny")))


class _GivenProbability(ClassifierMixin, BaseEstimator):
    """A stand-in model whose probability is the row's `p` column."""

    def fit(self, features, target):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, features):
        p = features["p"].to_numpy(dtype=float)
        return np.c_[1 - p, p]


def _model() -> Pipeline:
    # A pipeline whose first step is not named "calibrated": its scores are shown as
    # scores, which changes no KPI.
    return Pipeline([("given", _GivenProbability().fit(None, None))])


def _half_at_a_loss(poc, *, seed: int, periods: int = 2) -> pd.DataFrame:
    """Test rows where half the capacity has a negative expected value.

    Each period has 40 rows at p = 0.5 (half of them positives: a contact earns
    0.5 x 144,000 - 12,000 = 60,000) and 400 at p = 0.01 with 1 positive in 100
    (a contact loses 12,000 - 1,440 = 10,560). The capacity is 80: the top 40 pay,
    the next 40 lose. Today's rule selects nobody but the long-contract customers,
    here every row, at one score.
    """
    rng = np.random.default_rng(seed)
    frames = []
    for period in range(periods):
        good = rng.permutation(np.r_[np.ones(20), np.zeros(20)])
        bad = rng.permutation(np.r_[np.ones(4), np.zeros(396)])
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{period}-{i}" for i in range(440)],
                    "snapshot_month": f"2025-{10 + period:02d}",
                    "p": np.r_[np.full(40, 0.5), np.full(400, 0.01)],
                    "churned": np.r_[good, bad].astype(int),
                    "contract": "monthly",
                    "support_calls_90d": 0,
                    "late_payments_12m": 0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _score(poc, *, seed: int, threshold: float | None = None):
    """The stand-in model and the baselines on `_half_at_a_loss` rows."""
    return top_k.score(
        _half_at_a_loss(poc, seed=seed),
        model=_model(),
        features=["p"],
        poc=poc,
        seed=0,
        threshold=threshold,
    )


@pytest.fixture(scope="module")
def capacity_80(poc):
    return dataclasses.replace(
        poc, kpi=dataclasses.replace(poc.kpi, capacity_per_period=80)
    )


def test_fill_capacity_loses_money_where_break_even_does_not(capacity_80):
    rows = _half_at_a_loss(capacity_80, seed=0)
    threshold = contact_policy.choose_threshold(
        rows["p"].to_numpy(),
        rows["churned"].to_numpy(bool),
        rows["snapshot_month"].to_numpy(),
        definition=capacity_80.kpi,
        capacity=80,
    )
    # The price's break-even (12,000 / 144,000), kept: it paid on these rows.
    assert threshold == pytest.approx(1 / 12)
    test = _half_at_a_loss(capacity_80, seed=1)
    scored = top_k.score(
        test,
        model=_model(),
        features=["p"],
        poc=capacity_80,
        seed=0,
        threshold=threshold,
    )
    policies = scored.contact_policies
    assert policies.chosen == "break_even"
    # By hand, per month: 40 good contacts earn 20 x 144,000 - 40 x 12,000 =
    # 2,400,000; 40 more at p = 0.01 cost 40 x 12,000 less what the ~0.4 positive
    # among them saves (in expectation over ties: 4/400 x 40 = 0.4 x 144,000).
    assert policies.break_even.kpi == pytest.approx(2_400_000)
    assert policies.break_even.contacted == pytest.approx(40)
    assert policies.fill_capacity.contacted == pytest.approx(80)
    assert policies.fill_capacity.kpi == pytest.approx(
        2_400_000 - 40 * 12_000 + 0.4 * 144_000
    )
    # The decision's KPI is break-even's, and the ladder shows both side by side.
    assert scored.kpi.model == pytest.approx(policies.break_even.kpi)
    rungs = {rung.name: rung for rung in scored.ladder}
    assert rungs["the model, break-even"].chosen
    assert not rungs["the model, fill capacity"].chosen
    assert rungs["the model, fill capacity"].kpi == pytest.approx(
        policies.fill_capacity.kpi
    )
    # The scored list stops at break-even too: 40 contacts per month.
    assert scored.rows["decision_model"].sum() == 80


def test_the_lower_half_loses_money_on_its_own(capacity_80):
    """The premise of the test above: the contacts break-even leaves out lose."""
    test = _half_at_a_loss(capacity_80, seed=1)
    lower = test[test["p"] < 0.5]
    values = kpi.row_values(lower["churned"].to_numpy(), kpi=capacity_80.kpi)
    assert values.mean() < 0


def test_fill_capacity_in_the_charter_keeps_the_old_policy(capacity_80):
    filled = dataclasses.replace(
        capacity_80,
        kpi=dataclasses.replace(capacity_80.kpi, contact_policy="fill_capacity"),
    )
    scored = _score(filled, seed=1, threshold=0.5)
    assert scored.contact_policies.chosen == "fill_capacity"
    assert scored.kpi.model == pytest.approx(scored.contact_policies.fill_capacity.kpi)
    assert scored.rows["decision_model"].sum() == 160
    words = " ".join(
        contact_policy.sentences(scored.contact_policies, unit="KRW", period="month")
    )
    assert (
        "The decision uses fill capacity (kpi.contact_policy: fill_capacity)" in words
    )


def test_without_a_threshold_the_model_fills_its_capacity_and_says_why(capacity_80):
    scored = _score(capacity_80, seed=1)
    policies = scored.contact_policies
    assert policies.chosen == "fill_capacity" and policies.break_even is None
    assert [rung.name for rung in scored.ladder if rung.chosen] == [
        "the model, fill capacity"
    ]
    words = contact_policy.sentences(policies, unit="KRW", period="month")
    assert any(
        w.startswith("Break-even was not applied: no probability") for w in words
    )


def test_today_is_judged_on_its_own_rows_and_the_page_says_so(capacity_80):
    scored = _score(capacity_80, seed=1, threshold=0.5)
    words = contact_policy.sentences(
        scored.contact_policies, unit="KRW", period="month"
    )
    assert words[-1].startswith("Today's rule is judged as it runs today")
    assert "up to the same capacity" in words[-1]
    assert "it does not stop at break-even" in words[-1]
    # The rule ties every row: it contacts 80 a month at the rows' average value.
    today = {rung.name: rung for rung in scored.ladder}["today's rule"]
    assert today.metrics["contacted"] == pytest.approx(160)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    capacity=st.integers(1, 60),
    rows=st.integers(5, 120),
)
def test_break_even_is_kept_only_where_it_earned_at_least_fill_capacity(
    poc, seed, capacity, rows
):
    """On the validation rows, the chosen policy is never worse than filling the
    capacity, and a threshold is always the price's break-even."""
    rng = np.random.default_rng(seed)
    probability = rng.random(rows).round(2)
    positive = rng.random(rows) < rng.random() * 2 * probability
    periods = rng.choice(["a", "b"], rows)
    threshold = contact_policy.choose_threshold(
        probability, positive, periods, definition=poc.kpi, capacity=capacity
    )
    values = kpi.row_values(positive, kpi=poc.kpi)

    def earned(at: float) -> float:
        policy = kpi.Policy("p", probability, probability >= at)
        return float(values @ kpi.contact_shares(policy, periods, capacity=capacity))

    stop = contact_policy.price_break_even(poc.kpi)
    if threshold is None:
        assert earned(stop) < earned(0.0)
    else:
        assert threshold == stop and earned(stop) >= earned(0.0) - 1e-6


def test_a_break_even_that_lost_on_validation_rows_is_not_kept(poc):
    """Rows just under the break-even that turn out positive on validation: stopping
    there would have earned less, so the model fills its capacity."""
    probability = np.r_[np.full(10, 0.5), np.full(10, 0.05)]
    positive = np.r_[np.ones(5), np.zeros(5), np.ones(10)].astype(bool)
    periods = np.full(20, "v")
    assert (
        contact_policy.choose_threshold(
            probability, positive, periods, definition=poc.kpi, capacity=20
        )
        is None
    )
    assert contact_policy.choose_threshold(
        probability, ~positive, periods, definition=poc.kpi, capacity=20
    ) == pytest.approx(1 / 12)


def test_the_scored_list_stops_at_the_saved_break_even(capacity_80, tmp_path):
    """`playbook score` and stage 5 list what stage 4 judged: none below it."""
    bundle = saved_model.ModelBundle(
        pipeline=_model(),
        features=["p"],
        target="churned",
        id_column="customer_id",
        time_column="snapshot_month",
        capacity_per_period=80,
        contract=tmp_path / "contract.yaml",
        card={},
    )
    rows = _half_at_a_loss(capacity_80, seed=2)
    filled = scoring.score_frame(bundle, rows)
    assert filled.groupby("period")["contact"].sum().tolist() == [80, 80]
    at_break_even = scoring.score_frame(
        dataclasses.replace(bundle, contact_threshold=0.5), rows
    )
    assert at_break_even.groupby("period")["contact"].sum().tolist() == [40, 40]
    assert (at_break_even.loc[at_break_even["contact"], "score"] == 0.5).all()
