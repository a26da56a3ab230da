import pytest

from playbook.tasks import decision as gates
from playbook.tasks.kpi import KpiReport


def _report(lift, low, high, min_lift=100.0):
    return KpiReport(
        metric="net value",
        unit="KRW",
        period="month",
        baseline_name="today's rule",
        baseline=1000.0,
        model=1000.0 + lift,
        lift=lift,
        lift_ci_low=low,
        lift_ci_high=high,
        min_lift=min_lift,
        relative_lift=lift / 1000,
        confidence=0.95,
        resamples=100,
        test_rows=10,
        test_periods=["a"],
        per_period={},
        method="test",
    )


@pytest.mark.parametrize(
    ("lift", "low", "high", "expected"),
    [
        (150.0, 20.0, 280.0, "go"),
        (100.0, 1.0, 200.0, "go"),
        (150.0, -20.0, 280.0, "iterate"),
        (80.0, 10.0, 150.0, "iterate"),
        (30.0, -50.0, 99.0, "stop"),
        (-40.0, -90.0, 10.0, "stop"),
    ],
    ids=[
        "interval above zero and lift above minimum",
        "lift exactly at minimum",
        "interval includes zero",
        "real but below minimum point",
        "even the high end misses the minimum",
        "model loses",
    ],
)
def test_decision_follows_the_interval_and_the_minimum_lift(lift, low, high, expected):
    decision = gates.decide_poc(_report(lift, low, high))
    assert decision.decision == expected
    assert decision.reasons[0].startswith("The model earns")


def test_iterate_reasons_say_what_is_missing():
    decision = gates.decide_poc(_report(80.0, -10.0, 150.0))
    assert any("includes zero" in reason for reason in decision.reasons)
    assert any("below the minimum" in reason for reason in decision.reasons)


def test_a_cost_kpi_reads_as_a_saving():
    import dataclasses

    report = dataclasses.replace(_report(150.0, 20.0, 280.0), better="lower")
    decision = gates.decide_poc(report)
    assert decision.decision == "go"
    assert decision.reasons[0].startswith(
        "The model's errors cost 150 KRW per month less"
    )


def test_no_interval_means_iterate_and_says_to_hold_out_more_periods():
    nan = float("nan")
    decision = gates.decide_poc(_report(500.0, nan, nan))
    assert decision.decision == "iterate"
    assert "interval n/a to n/a" in decision.reasons[0]
    assert "split.test_periods" in decision.reasons[1]


def test_two_blocks_cannot_bound_a_block_bootstrap():
    from playbook.tasks import bootstrap

    low, high = bootstrap.over_blocks(
        [10.0, 30.0], resamples=200, confidence=0.95, seed=1
    )
    assert low != low and high != high  # NaN: no interval, not a huge one
