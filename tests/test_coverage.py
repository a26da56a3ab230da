"""The intervals contain the true lift as often as they claim, months varying included.

The quick tests run a few dozen repetitions and fail only on an interval that is far
off (too narrow, too wide, or off centre); the tests marked slow run 300 repetitions
and want 93% to 97% coverage of a 95% interval, in a world whose months differ. The
full table, every world over 8 seeds, is bench/coverage.py's (bench/results.md).
"""

import dataclasses

import numpy as np
import pytest

from playbook.errors import PlaybookError
from playbook.tasks import bootstrap, interval_coverage
from playbook.tasks.interval_coverage import Runs

WORLD = interval_coverage.REFERENCE_WORLD
SMALL_WORLD = dataclasses.replace(
    WORLD,
    rows=250,
    periods=3,
    terms=dataclasses.replace(WORLD.terms, capacity_per_period=40),
)
ROUTING = interval_coverage.REFERENCE_ROUTING
SIZES = [120, 300, 80, 500, 250, 60, 400, 150, 90, 200, 350, 100]


def _weekly(days, *, resamples, minimum=None):
    """`bootstrap.over_blocks` on days in whole weeks."""
    return bootstrap.over_blocks(
        days,
        blocks=np.arange(len(days)) // 7,
        resamples=resamples,
        confidence=0.95,
        seed=1,
        minimum=minimum,
        period="week",
    )


def _right_sized(result: interval_coverage.Coverage) -> float:
    """Interval width over the width a normal 95% interval of the true spread has."""
    return result.mean_width / (2 * 1.96 * result.estimate_sd)


def _monte_carlo_top_k(world, draws, rng):
    terms = world.terms
    gain = terms.value_per_saved_customer * terms.offer_success_rate
    lifts = []
    for _ in range(draws):
        _, _, model, rule = interval_coverage.top_k_test_set(world, rng)
        u = model.score
        effect = max(1 + world.period_sd * rng.standard_normal(), 0.0)
        chance = world.low + (world.high - world.low) * u**world.power
        # the expected value of the contacted rows, given who they are
        value = gain * np.minimum(chance * effect, 1.0) - terms.contact_cost
        by_model = np.argsort(-u)[: terms.capacity_per_period]
        eligible = np.flatnonzero(rule.eligible)
        by_rule = eligible[
            np.argsort(-rule.score[eligible])[: terms.capacity_per_period]
        ]
        lifts.append(value[by_model].sum() - value[by_rule].sum())
    return np.mean(lifts), np.std(lifts) / np.sqrt(len(lifts))


@pytest.mark.parametrize("period_sd", [0.0, 0.3], ids=["no-effect", "sd-0.3"])
def test_top_k_true_lift_matches_a_monte_carlo_of_the_world(period_sd):
    world = dataclasses.replace(WORLD, periods=1, period_sd=period_sd)
    mean, standard_error = _monte_carlo_top_k(world, 3000, np.random.default_rng(0))
    assert abs(mean - interval_coverage.top_k_true_lift(world)) < 4 * standard_error


def test_the_numerical_true_lift_matches_the_closed_form_without_effects():
    closed = interval_coverage.top_k_true_lift(WORLD)
    numerical = interval_coverage._top_k_lift_numerically(WORLD)
    assert numerical == pytest.approx(closed, rel=1e-4)


def test_routing_true_lift_matches_a_monte_carlo_of_the_world():
    world = dataclasses.replace(ROUTING, periods=2000, period_sd=0.3)
    model, today, _ = interval_coverage.routing_test_set(
        world, np.random.default_rng(0)
    )
    lifts = (model - today).reshape(world.periods, world.tickets).sum(axis=1)
    standard_error = lifts.std() / np.sqrt(len(lifts))
    truth = interval_coverage.routing_true_lift(world)
    assert abs(lifts.mean() - truth) < 4 * standard_error


def test_top_k_true_lift_rejects_a_capacity_above_the_period():
    with pytest.raises(PlaybookError, match="capacity must be between 1 and rows"):
        interval_coverage.top_k_true_lift(
            dataclasses.replace(
                WORLD,
                terms=dataclasses.replace(WORLD.terms, capacity_per_period=WORLD.rows),
            )
        )


def test_kpi_interval_covers_the_true_lift_in_a_quick_simulation():
    result = interval_coverage.top_k(
        dataclasses.replace(SMALL_WORLD, period_sd=0.3), Runs(60, resamples=100)
    )
    assert result.share >= 0.85
    # A t-interval on 3 periods is about 4.30 / 1.96 times the normal width.
    assert 1.3 < _right_sized(result) < 3.0


def test_within_periods_interval_covers_the_true_lift_in_a_quick_simulation():
    result = interval_coverage.within_periods(SIZES, Runs(100, resamples=400))
    assert result.share >= 0.85
    assert 0.7 < _right_sized(result) < 1.4


def test_over_blocks_interval_covers_the_true_lift_in_a_quick_simulation():
    result = interval_coverage.over_blocks(
        Runs(100, resamples=400), blocks=8, block_length=7, autocorrelation=0.6
    )
    assert result.share >= 0.88
    assert 0.8 < _right_sized(result) < 2.0


def test_a_row_bootstrap_misses_months_that_differ_and_the_t_interval_does_not():
    # The interval stage 4 used before resampled rows within each month only; with
    # months that differ it covered 70% (issue 13). Resampled from the same draws,
    # that interval still misses here, which is what this bench must catch.
    world = dataclasses.replace(WORLD, period_sd=0.3)
    truth = interval_coverage.top_k_true_lift(world)
    covered = {"rows": 0, "t": 0}
    for repetition in range(40):
        rng = np.random.default_rng([7, repetition])
        positive, periods, model, rule = interval_coverage.top_k_test_set(world, rng)
        values = np.where(positive, 50.0, 0.0) - world.terms.contact_cost
        shares = [
            interval_coverage.kpi.contact_shares(
                p, periods, capacity=world.terms.capacity_per_period
            )
            for p in (model, rule)
        ]
        statistics = bootstrap.within_periods(
            values * (shares[0] - shares[1]), periods, resamples=400, seed=repetition
        )
        rows = bootstrap.from_resamples(
            statistics, confidence=0.95, minimum=None, period="month", how="rows"
        )
        lifts = [
            values[periods == label] @ (shares[0] - shares[1])[periods == label]
            for label in sorted(set(periods))
        ]
        over = bootstrap.over_periods(
            np.array(lifts), confidence=0.95, minimum=None, period="month"
        )
        covered["rows"] += rows.low <= truth <= rows.high
        covered["t"] += over.low <= truth <= over.high
    assert covered["rows"] <= 34  # at most 85%
    assert covered["t"] >= 36  # at least 90%


@pytest.mark.slow
def test_kpi_interval_covers_in_93_to_97_percent_of_300_runs_with_months_that_differ():
    result = interval_coverage.top_k(
        dataclasses.replace(WORLD, period_sd=0.3), Runs(300, resamples=100)
    )
    assert 0.93 <= result.share <= 0.97, result
    assert result.false_go <= 0.05 * result.repetitions, result


@pytest.mark.slow
def test_within_periods_interval_covers_in_93_to_97_percent_of_300_runs():
    result = interval_coverage.within_periods(SIZES, Runs(300, resamples=1000))
    assert 0.93 <= result.share <= 0.97, result


@pytest.mark.slow
def test_over_blocks_interval_covers_in_93_to_97_percent_of_300_runs():
    result = interval_coverage.over_blocks(
        Runs(300, resamples=500), blocks=8, block_length=7, autocorrelation=0.9
    )
    assert 0.93 <= result.share <= 0.97, result


def test_within_periods_counts_per_value_match_drawing_rows():
    # Differences with three values are resampled by counting draws per value; a hair
    # of noise makes every value distinct, which sends them down the row-drawing path.
    rng = np.random.default_rng(4)
    difference = rng.choice([50.0, 0.0, -20.0], p=[0.1, 0.85, 0.05], size=900)
    periods = np.repeat(["a", "b", "c"], 300)
    jittered = difference + rng.normal(0, 1e-9, len(difference))
    args = dict(periods=periods, resamples=20_000, seed=3)
    counted = bootstrap.within_periods(difference, **args)
    drawn = bootstrap.within_periods(jittered, **args)
    assert np.quantile(counted, [0.025, 0.975]) == pytest.approx(
        np.quantile(drawn, [0.025, 0.975]), abs=15.0
    )  # width about 330


def test_over_blocks_is_near_the_t_interval_on_independent_days():
    from scipy import stats

    rng = np.random.default_rng(2)
    days = 10 + rng.normal(0, 3, 10 * 7)
    found = _weekly(days, resamples=4000)
    totals = days.reshape(10, 7).sum(axis=1)
    half = stats.t.ppf(0.975, 9) * totals.std(ddof=1) / np.sqrt(10)
    # Widened only as far as the days' own (small) autocorrelation says.
    assert found.high - found.low == pytest.approx(2 * half, rel=0.35)
    assert found.low < totals.mean() < found.high


def test_over_blocks_widens_the_interval_when_the_days_run_on():
    rng = np.random.default_rng(3)
    calm = 10 + rng.normal(0, 3, 8 * 7)
    drifting = 10 + np.sort(calm - 10)  # the same days, each next to a similar one
    calm_interval = _weekly(calm, resamples=2000)
    drifting_interval = _weekly(drifting, resamples=2000)
    assert drifting_interval.high - drifting_interval.low > 2 * (
        calm_interval.high - calm_interval.low
    )


@pytest.mark.parametrize("blocks", [4, 8], ids=["4-blocks", "8-blocks"])
def test_over_blocks_gives_a_point_when_the_days_do_not_vary(blocks):
    found = _weekly(np.full(blocks * 7, 10.0), resamples=100, minimum=60.0)
    assert (found.low, found.high, found.chance_reaches_min) == (70.0, 70.0, 1.0)
