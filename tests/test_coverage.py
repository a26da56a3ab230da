"""The bootstrap intervals contain the true lift as often as they claim.

The quick tests run a few dozen repetitions and fail only on an interval that is far
off (too narrow, too wide, or off centre); the tests marked slow run the 300
repetitions of issue #6 and want 93% to 97% coverage of a 95% interval.
"""

import dataclasses

import numpy as np
import pytest

from playbook.errors import PlaybookError
from playbook.tasks import bootstrap, interval_coverage

WORLD = interval_coverage.REFERENCE_WORLD
SMALL_WORLD = dataclasses.replace(WORLD, rows=250, periods=3, capacity=40)
SIZES = [120, 300, 80, 500, 250, 60, 400, 150, 90, 200, 350, 100]


def _right_sized(result: interval_coverage.Coverage) -> float:
    """Interval width over the width a normal 95% interval of the true spread has."""
    return result.mean_width / (2 * 1.96 * result.estimate_sd)


def test_top_k_true_lift_matches_a_monte_carlo_of_the_world():
    rng = np.random.default_rng(0)
    gain = WORLD.value_per_saved_customer * WORLD.offer_success_rate
    lifts = []
    for _ in range(3000):
        _, _, model, rule = interval_coverage.top_k_test_set(
            dataclasses.replace(WORLD, periods=1), rng
        )
        u = model.score
        # the expected value of the contacted rows, given who they are
        value = gain * (WORLD.low + (WORLD.high - WORLD.low) * u**WORLD.power)
        value -= WORLD.contact_cost
        by_model = np.argsort(-u)[: WORLD.capacity]
        eligible = np.flatnonzero(rule.eligible)
        by_rule = eligible[np.argsort(-rule.score[eligible])[: WORLD.capacity]]
        lifts.append(value[by_model].sum() - value[by_rule].sum())
    standard_error = np.std(lifts) / np.sqrt(len(lifts))
    assert (
        abs(np.mean(lifts) - interval_coverage.top_k_true_lift(WORLD))
        < 4 * standard_error
    )


def test_top_k_true_lift_rejects_a_capacity_above_the_period():
    with pytest.raises(PlaybookError, match="capacity must be between 1 and rows"):
        interval_coverage.top_k_true_lift(
            dataclasses.replace(WORLD, capacity=WORLD.rows)
        )


def test_kpi_interval_covers_the_true_lift_in_a_quick_simulation():
    result = interval_coverage.top_k(
        SMALL_WORLD, repetitions=60, resamples=400, confidence=0.95, seed=1
    )
    assert result.share >= 0.85
    assert 0.7 < _right_sized(result) < 1.4


def test_within_periods_interval_covers_the_true_lift_in_a_quick_simulation():
    result = interval_coverage.within_periods(
        sizes=SIZES, repetitions=100, resamples=400, confidence=0.95, seed=1
    )
    assert result.share >= 0.85
    assert 0.7 < _right_sized(result) < 1.4


def test_over_blocks_interval_covers_the_true_lift_in_a_quick_simulation():
    result = interval_coverage.over_blocks(
        blocks=13,
        block_length=7,
        autocorrelation=0.6,
        repetitions=200,
        resamples=400,
        confidence=0.95,
        seed=1,
    )
    assert result.share >= 0.88
    # A t-based interval on 13 blocks is about 2.18 / 1.96 times the normal width.
    assert 0.8 < _right_sized(result) < 1.6


@pytest.mark.slow
def test_kpi_interval_covers_the_true_lift_in_93_to_97_percent_of_300_runs():
    result = interval_coverage.top_k(
        WORLD, repetitions=300, resamples=1000, confidence=0.95, seed=1
    )
    assert 0.93 <= result.share <= 0.97, result


@pytest.mark.slow
def test_within_periods_interval_covers_in_93_to_97_percent_of_300_runs():
    result = interval_coverage.within_periods(
        sizes=SIZES, repetitions=300, resamples=1000, confidence=0.95, seed=1
    )
    assert 0.93 <= result.share <= 0.97, result


@pytest.mark.slow
@pytest.mark.parametrize(
    "blocks", [8, 13, 52], ids=["8-blocks", "13-blocks", "52-blocks"]
)
def test_over_blocks_interval_covers_in_93_to_97_percent_of_300_runs(blocks):
    result = interval_coverage.over_blocks(
        blocks=blocks,
        block_length=7,
        autocorrelation=0.6,
        repetitions=300,
        resamples=1000,
        confidence=0.95,
        seed=1,
    )
    assert 0.93 <= result.share <= 0.97, result


def test_within_periods_counts_per_value_match_drawing_rows():
    # Differences with three values are resampled by counting draws per value; a hair
    # of noise makes every value distinct, which sends them down the row-drawing path.
    rng = np.random.default_rng(4)
    difference = rng.choice([50.0, 0.0, -20.0], p=[0.1, 0.85, 0.05], size=900)
    periods = np.repeat(["a", "b", "c"], 300)
    jittered = difference + rng.normal(0, 1e-9, len(difference))
    args = dict(periods=periods, resamples=20_000, confidence=0.95, seed=3)
    counted = bootstrap.within_periods(difference, **args)
    drawn = bootstrap.within_periods(jittered, **args)
    assert counted == pytest.approx(drawn, abs=15.0)  # width about 330


def test_over_blocks_matches_the_t_interval_on_symmetric_blocks():
    from scipy import stats

    totals = np.array([70.0, 64.0, 75.0, 68.0, 72.0, 61.0, 79.0, 66.0, 71.0, 69.0])
    low, high = bootstrap.over_blocks(totals, resamples=20_000, confidence=0.95, seed=1)
    half = stats.t.ppf(0.975, 9) * totals.std(ddof=1) / np.sqrt(10)
    assert low == pytest.approx(totals.mean() - half, rel=0.03)
    assert high == pytest.approx(totals.mean() + half, rel=0.03)


def test_over_blocks_widens_the_interval_when_neighbouring_blocks_move_together():
    calm = np.array([60.0, 80.0, 62.0, 78.0, 64.0, 76.0, 66.0, 74.0, 68.0, 72.0])
    drifting = np.sort(calm)  # the same totals, each next to a similar one
    args = dict(resamples=4000, confidence=0.95, seed=1)
    calm_low, calm_high = bootstrap.over_blocks(calm, **args)
    low, high = bootstrap.over_blocks(drifting, **args)
    # A lag-1 Newey-West variance can widen the interval by up to the square root of 2.
    assert high - low > 1.3 * (calm_high - calm_low)


@pytest.mark.parametrize(
    "totals", [[70.0], [70.0, 70.0, 70.0]], ids=["one-block", "equal-blocks"]
)
def test_over_blocks_gives_a_point_when_the_blocks_do_not_vary(totals):
    assert bootstrap.over_blocks(
        np.array(totals), resamples=100, confidence=0.95, seed=1
    ) == (70.0, 70.0)
