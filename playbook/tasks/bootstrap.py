"""Intervals on the lift per period, for the decision being made: a coming period's.

Both policies are scored on the same rows, so every interval is built on their
difference (paired): what varies is which rows and which periods were seen, never which
policy saw them. With two periods or more the interval rests on the periods themselves
(`over_periods`, `over_blocks`), so that it allows for one month differing from the
next, not only for which customers a month happened to hold; with one period (no time
column) only the rows can vary (`from_resamples` on a row bootstrap).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import stats

from playbook.core.locale_format import periods_counted

# Fewer whole forecast blocks than this cannot bound a mean once errors run on from
# one day to the next: the interval is left undefined and the decision waits.
MIN_BLOCKS = 4

# Draws per chunk of resamples: bounds the memory of the index matrix to about 64 MB.
_DRAWS_PER_CHUNK = 8_000_000
# A period whose differences take at most one distinct value per this many rows is
# resampled by counting draws per value (multinomial) rather than drawing rows.
_ROWS_PER_DISTINCT_VALUE = 10
# The day-to-day autocorrelations a forecast's interval considers. Above 0.98 a test
# stretch of a few weeks cannot tell the errors from a trend.
_PERSISTENCE_GRID = np.linspace(0.0, 0.98, 50)
# Weight of persistent errors before the data is seen: the prior on the autocorrelation
# rho is proportional to (1 - rho) ** -_PERSISTENCE_PRIOR. A few weeks of days
# understate a strong autocorrelation, and a flat prior then gives too narrow an
# interval (89-93% at rho 0.9 in simulations like bench/coverage.py's); 1.5 holds
# 94-96% from 0 to 0.9 there (bench/results.md), a value chosen on those worlds.
_PERSISTENCE_PRIOR = 1.5
# Days simulated before a bootstrap series starts, so it forgets its first value.
_BURN_IN = 50


@dataclass(frozen=True)
class LiftInterval:
    """An interval on the lift per period, and what the decision reads off it.

    Attributes:
        low: Low end (NaN when the data cannot bound the lift).
        high: High end (NaN likewise).
        periods: How many periods (or forecast blocks) the interval rests on.
        chance_reaches_min: Share of the interval's sampling distribution at or above
            the minimum lift (NaN without a minimum or an interval).
        method: How the interval was found, for a reader.
    """

    low: float
    high: float
    periods: int
    chance_reaches_min: float
    method: str


def for_lift(
    period_lifts: np.ndarray,
    *,
    confidence: float,
    minimum: float | None,
    period: str,
    resample: Callable[[], np.ndarray],
    resample_words: str,
    periods_worth: float | None = None,
) -> LiftInterval:
    """The interval for a KPI's lift: over the periods, or over rows with one period.

    Args:
        period_lifts: The lift in each test period, in time order.
        confidence: The interval's confidence.
        minimum: The charter's minimum lift, or None.
        period: The KPI period's name (month, week), for the reader.
        resample: Called only with a single period: the lift on bootstrap resamples
            of that period's rows.
        resample_words: What `resample` does, for the reader.
        periods_worth: Without a time column, how many real periods' worth of cases
            the rows are (`period_scaling`); None when they form one period.
    """
    if len(period_lifts) >= 2:
        return over_periods(
            period_lifts, confidence=confidence, minimum=minimum, period=period
        )
    return from_resamples(
        resample(),
        confidence=confidence,
        minimum=minimum,
        period=period,
        how=resample_words,
        periods_worth=periods_worth,
    )


def over_periods(
    period_lifts: np.ndarray, *, confidence: float, minimum: float | None, period: str
) -> LiftInterval:
    """A t-interval on the mean of the per-period lifts, with P - 1 degrees of freedom.

    Each period's lift already holds that period's row-to-row noise; their spread adds
    how one period differs from the next (a campaign month, a season). The t-interval
    on the periods is exact when period lifts are independent and normal (the
    Hartung-Knapp interval of a random-effects mean with equal weights), and its
    P - 1 degrees of freedom are the small-sample correction: with 3 periods the
    interval is 4.3 standard errors each side. The chance that the lift reaches the
    minimum is the same t-distribution's share at or above it.
    """
    lifts = np.asarray(period_lifts, dtype=float)
    count = len(lifts)
    mean = float(lifts.mean())
    error = float(lifts.std(ddof=1)) / math.sqrt(count)
    return _t_interval(
        mean,
        error,
        t=stats.t(count - 1),
        count=count,
        minimum=minimum,
        confidence=confidence,
        method=(
            f"t-interval on the {count} {_per(period)} lifts ({count - 1} degrees of "
            f"freedom, {confidence:.0%}): a coming {period}'s lift, allowing for how "
            f"one {period} differs from the next"
        ),
    )


def from_resamples(
    statistics: np.ndarray,
    *,
    confidence: float,
    minimum: float | None,
    period: str,
    how: str,
    periods_worth: float | None = None,
) -> LiftInterval:
    """The percentile interval of bootstrap statistics of one period's lift.

    Args:
        statistics: The lift on each resample.
        confidence: The interval's confidence.
        minimum: The charter's minimum lift, or None.
        period: The KPI period's name, for the reader.
        how: How the resamples were drawn, for the reader.
        periods_worth: Without a time column, how many real periods' worth of cases
            the rows are (`period_scaling`); None when they form one period.
    """
    tail = (1 - confidence) / 2
    low, high = np.quantile(statistics, [tail, 1 - tail])
    method = (
        f"{how}; {confidence:.0%} percentile interval. "
        f"{_rows_worth(period, periods_worth)}: the interval covers which rows were "
        f"seen, not how one {period} differs from the next"
    )
    chance = _chance(minimum, lambda least: float(np.mean(statistics >= least)))
    return LiftInterval(float(low), float(high), 1, chance, method)


def _rows_worth(period: str, worth: float | None) -> str:
    """What the test rows stand for: one period, or a number of periods' worth."""
    if worth is None:
        return f"The test rows form one {period}"
    counted = periods_counted(worth, period, language="en")
    owning = "'" if counted.endswith("s") else "'s"
    return (
        f"The test rows are about {counted}{owning} worth of cases "
        "(data.cases_per_period), resampled as one draw"
    )


def within_periods(
    difference: np.ndarray,
    periods: np.ndarray,
    *,
    resamples: int,
    seed: int,
) -> np.ndarray:
    """Bootstrap statistics of the mean per period of a summed difference.

    Each resample redraws every period's rows with replacement, keeping its size, and
    the statistic is the sum of the difference over all rows divided by the number of
    periods: the lift per period. Suits rows that are independent within a period
    (tickets, customers).

    Returns:
        The statistic of each resample.
    """
    difference = np.asarray(difference, dtype=float)
    periods = np.asarray(periods).astype(str)
    rng = np.random.default_rng([seed, 2])
    labels = sorted(set(periods))
    totals = np.zeros(resamples)
    for label in labels:
        values = difference[periods == label]
        distinct, sizes = np.unique(values, return_counts=True)
        if len(distinct) * _ROWS_PER_DISTINCT_VALUE <= len(values):
            # Few distinct values (right, wrong, handed over): how many draws land on
            # each value is multinomial, which gives the same sums as drawing rows.
            counts = rng.multinomial(len(values), sizes / len(values), size=resamples)
            totals += counts @ distinct
            continue
        chunk = max(1, _DRAWS_PER_CHUNK // max(len(values), 1))
        for start in range(0, resamples, chunk):
            stop = min(start + chunk, resamples)
            drawn = rng.integers(0, len(values), size=(stop - start, len(values)))
            totals[start:stop] += values[drawn].sum(axis=1)
    return totals / len(labels)


# Over 80 lines with its docstring: the studentized statistic, its calibration by
# simulation and the chance off the same simulation stay together.
def over_blocks(
    steps: np.ndarray,
    *,
    blocks: np.ndarray,
    resamples: int,
    confidence: float,
    seed: int,
    minimum: float | None,
    period: str,
) -> LiftInterval:
    """Interval on the mean lift per block (KPI period) when the days' errors run on.

    A forecast's cost difference on one day is like the day before's (a level the
    forecast missed stays missed), so neighbouring weeks move together and a few weeks
    hold fewer independent weeks than they seem to. The interval is a t-statistic on
    the block totals whose standard error is widened by what the daily series'
    lag-1 autocorrelation (bias-corrected) implies for a mean of such blocks, and its
    critical values come from simulated daily series: AR(1) series of the observed
    day-to-day residuals, each with an autocorrelation drawn from those the observed
    days support (their likelihood, times a prior that leans toward persistent errors),
    put through the same statistic. So the interval allows for not knowing how long
    the errors run on. Fewer than `MIN_BLOCKS` blocks give no interval.

    Args:
        steps: The lift on each time step (day), in time order.
        blocks: The block (KPI period) of each step; a block is a run of consecutive
            steps.
        resamples: Simulated series for the critical values.
        confidence: The interval's confidence.
        seed: Seed of the simulation.
        minimum: The charter's minimum lift, or None.
        period: The KPI period's name, for the reader.
    """
    steps = np.asarray(steps, dtype=float)
    labels = np.asarray(blocks)
    bounds = np.r_[0, np.flatnonzero(labels[1:] != labels[:-1]) + 1]
    count = len(bounds) if len(steps) else 0
    if count < MIN_BLOCKS:
        return LiftInterval(
            math.nan,
            math.nan,
            count,
            math.nan,
            f"no interval: {count} test {period}(s), and a forecast's interval needs "
            f"at least {MIN_BLOCKS} whole {period}s",
        )
    mean, error = (float(value[0]) for value in _studentized(steps[None], bounds))
    simulated = _SimulatedT(np.zeros(1))
    if error > 0:
        sim_mean, sim_error = _studentized(
            _ar_series(steps, count=resamples, rng=np.random.default_rng([seed, 3])),
            bounds,
        )
        simulated = _SimulatedT(sim_mean / np.where(sim_error > 0, sim_error, np.inf))
    return _t_interval(
        mean,
        error,
        t=simulated,
        count=count,
        minimum=minimum,
        confidence=confidence,
        method=(
            f"{confidence:.0%} interval on the mean of the {count} {_per(period)} "
            f"lifts (studentized, widened for errors that run on from one step to the "
            f"next, calibrated on {resamples} simulated series of the test steps)"
        ),
    )


def _chance(minimum: float | None, share: Callable[[float], float]) -> float:
    """`share(minimum)`, or NaN when there is no minimum to reach."""
    if minimum is None or math.isnan(minimum):
        return math.nan
    return share(minimum)


class _Distribution(Protocol):
    """What an interval reads off a t-statistic's distribution."""

    def cdf(self, x: float) -> float: ...

    def ppf(self, q: float) -> float: ...


@dataclass(frozen=True)
class _SimulatedT:
    """The distribution of simulated t-statistics."""

    draws: np.ndarray

    def cdf(self, x: float) -> float:
        return float(np.mean(self.draws <= x))

    def ppf(self, q: float) -> float:
        return float(np.quantile(self.draws, q))


def _t_interval(
    mean: float,
    error: float,
    *,
    t: _Distribution,
    count: int,
    minimum: float | None,
    confidence: float,
    method: str,
) -> LiftInterval:
    """The mean less t quantiles times the error, and the chance off the same t."""
    if error == 0:
        chance = _chance(minimum, lambda least: 1.0 if mean >= least else 0.0)
        return LiftInterval(mean, mean, count, chance, method)
    tail = (1 - confidence) / 2
    return LiftInterval(
        mean - float(t.ppf(1 - tail)) * error,
        mean - float(t.ppf(tail)) * error,
        count,
        _chance(minimum, lambda least: float(t.cdf((mean - least) / error))),
        method,
    )


def _per(period: str) -> str:
    """The adjective of a period: daily, weekly, monthly, quarterly."""
    return {"day": "daily"}.get(period, f"{period}ly")


def _studentized(
    series: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean block total and its standard error, for each row of `series`.

    The error is the block totals' standard error times the square root of the ratio
    that an AR(1) with the series' bias-corrected lag-1 autocorrelation implies
    between the true variance of a mean of blocks and what the blocks' spread shows
    (never below 1).
    """
    totals = np.add.reduceat(series, bounds, axis=1)
    steps, blocks = series.shape[1], len(bounds)
    rho = _persistence(series)
    length = steps / blocks
    whole = _sum_variance(steps, rho) / blocks**2
    spread = (_sum_variance(length, rho) - whole) / (blocks - 1)
    ratio = np.maximum(whole / np.maximum(spread, 1e-12 * whole), 1.0)
    error = np.sqrt(ratio) * totals.std(axis=1, ddof=1) / math.sqrt(blocks)
    return totals.mean(axis=1), error


def _persistence(series: np.ndarray) -> np.ndarray:
    """Each row's lag-1 autocorrelation, bias-corrected, between 0 and the grid's top.

    The sample autocorrelation of n values around their own mean falls short of the
    true one by about (1 + 3 rho) / n (Marriott and Pope); adding that back keeps a
    short test stretch from passing persistent errors off as independent.
    """
    centred = series - series.mean(axis=1, keepdims=True)
    power = (centred * centred).sum(axis=1)
    lagged = (centred[:, 1:] * centred[:, :-1]).sum(axis=1)
    rho = np.divide(lagged, power, out=np.zeros_like(power), where=power > 0)
    rho = rho + (1 + 3 * rho) / series.shape[1]
    return np.clip(rho, 0.0, _PERSISTENCE_GRID[-1])


def _sum_variance(length: float, rho: np.ndarray) -> np.ndarray:
    """Variance of a sum of `length` consecutive AR(1) values, in one value's units."""
    safe = np.where(rho > 1e-9, rho, 0.5)
    correlated = (
        length * (1 + safe) / (1 - safe)
        - 2 * safe * (1 - safe**length) / (1 - safe) ** 2
    )
    return np.where(rho > 1e-9, correlated, length)


def _ar_series(
    steps: np.ndarray, *, count: int, rng: np.random.Generator
) -> np.ndarray:
    """`count` AR(1) series like `steps`, with mean zero, for the critical values.

    Each series has an autocorrelation drawn from the grid in proportion to the
    observed steps' likelihood (least squares on the lag, mean profiled out) times
    the prior, and innovations drawn from the observed residuals at the point
    estimate, so that skewed days stay skewed.
    """
    length = len(steps)
    previous, current = steps[:-1], steps[1:]
    moved = current[None, :] - _PERSISTENCE_GRID[:, None] * previous[None, :]
    residual_power = ((moved - moved.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    log_weight = -(length - 2) / 2 * np.log(
        np.maximum(residual_power, 1e-300)
    ) - _PERSISTENCE_PRIOR * np.log1p(-_PERSISTENCE_GRID)
    weight = np.exp(log_weight - log_weight.max())
    rhos = rng.choice(_PERSISTENCE_GRID, size=count, p=weight / weight.sum())
    estimate = float(_persistence(steps[None, :])[0])
    centred = steps - steps.mean()
    residuals = centred[1:] - estimate * centred[:-1]
    residuals = residuals - residuals.mean()
    if not np.any(residuals):
        residuals = centred - centred.mean()
    shocks = residuals[rng.integers(0, len(residuals), (count, length + _BURN_IN))]
    series = np.empty_like(shocks)
    series[:, 0] = shocks[:, 0] / np.sqrt(1 - rhos**2)
    for step in range(1, length + _BURN_IN):
        series[:, step] = rhos * series[:, step - 1] + shocks[:, step]
    return series[:, _BURN_IN:]
