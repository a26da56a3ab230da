"""How often playbook's bootstrap intervals contain the truth, checked by simulation.

Each check draws many test sets from a world whose true lift is known exactly, builds
the interval on each, and counts how often the interval contains the true lift. A 95%
interval should contain it in about 95% of the draws: fewer means the interval is too
narrow (or off centre), and a reader would be told "the model beats today's rule" too
often.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal, special

from playbook.charter.model import Kpi
from playbook.errors import PlaybookError
from playbook.tasks import bootstrap, kpi


@dataclass(frozen=True)
class Coverage:
    """Result of a coverage simulation."""

    method: str
    repetitions: int
    covered: int
    confidence: float
    true_lift: float
    # Mean and spread of the point estimate over the repetitions, and the mean width
    # of the interval: a right-sized 95% interval is about 3.9 spreads wide.
    mean_estimate: float
    estimate_sd: float
    mean_width: float
    # Intervals that lay wholly below, or wholly above, the true lift.
    below: int
    above: int

    @property
    def share(self) -> float:
        """Share of the intervals that contained the true lift."""
        return self.covered / self.repetitions


@dataclass(frozen=True)
class TopKWorld:
    """A population of customers with known churn probabilities and two fixed policies.

    Each row has a score `u`, uniform on [0, 1], that the model ranks by; its
    probability of being a positive is `low + (high - low) * u ** power`. Today's rule
    ranks a row by the same `u` with probability `agree`, otherwise by an independent
    uniform number, and may contact only the rows it ranks in its top
    `eligible_share`. Every test period holds `rows` rows drawn independently.
    """

    rows: int
    periods: int
    capacity: int
    low: float
    high: float
    power: float
    agree: float
    eligible_share: float
    value_per_saved_customer: float
    offer_success_rate: float
    contact_cost: float


# The world the bench and the tests check coverage in: 4 periods of 1,000 rows, a
# capacity of 150, a model and a rule that partly agree.
REFERENCE_WORLD = TopKWorld(
    rows=1000,
    periods=4,
    capacity=150,
    low=0.03,
    high=0.6,
    power=4,
    agree=0.5,
    eligible_share=0.12,
    value_per_saved_customer=100.0,
    offer_success_rate=0.5,
    contact_cost=10.0,
)


def top_k_true_lift(world: TopKWorld) -> float:
    """Expected model-minus-rule net value per period, exactly.

    A row whose score is at quantile s is contacted when fewer than `capacity` of the
    other rows score higher, which has probability `I_s(rows - capacity, capacity)` (the
    regularised incomplete beta function). The expected value of a policy is
    `rows * integral of (gain * E[p | s] - cost) * I_s(...) ds` over the scores it may
    contact, and with E[p | s] a polynomial in s the integral has a closed form.

    Raises:
        PlaybookError: The capacity is not between 1 and the rows of a period.
    """
    if not 0 < world.capacity < world.rows:
        raise PlaybookError(
            f"TopKWorld: capacity must be between 1 and rows - 1, got capacity "
            f"{world.capacity} for {world.rows} rows. With room for every row the lift "
            "does not depend on the order, so there is nothing to simulate."
        )
    a, b = world.rows - world.capacity, world.capacity
    gain = world.value_per_saved_customer * world.offer_success_rate
    span = world.high - world.low
    mean_p = world.low + span / (world.power + 1)

    def integral(k: float, start: float) -> float:
        # integral from `start` to 1 of s**k * I_s(a, b) ds, by parts.
        moment = np.exp(
            special.gammaln(a + k + 1)
            - special.gammaln(a)
            + special.gammaln(a + b)
            - special.gammaln(a + b + k + 1)
        )
        edge = start ** (k + 1) * special.betainc(a, b, start)
        tail = moment * special.betaincc(a + k + 1, b, start)
        return float((1 - edge - tail) / (k + 1))

    model = (gain * world.low - world.contact_cost) * integral(0, 0.0) + (
        gain * span
    ) * integral(world.power, 0.0)
    start = 1 - world.eligible_share
    rule_constant = gain * (world.agree * world.low + (1 - world.agree) * mean_p)
    rule = (rule_constant - world.contact_cost) * integral(0, start) + (
        gain * world.agree * span
    ) * integral(world.power, start)
    return world.rows * (model - rule)


def top_k_test_set(
    world: TopKWorld, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, kpi.Policy, kpi.Policy]:
    """One test set drawn from `world`: positives, periods, the model and the rule."""
    size = world.rows * world.periods
    u = rng.random(size)
    positive = rng.random(size) < world.low + (world.high - world.low) * u**world.power
    rule_score = np.where(rng.random(size) < world.agree, u, rng.random(size))
    periods = np.repeat([f"p{i:02d}" for i in range(world.periods)], world.rows)
    model = kpi.Policy("model", u, np.ones(size, dtype=bool))
    rule = kpi.Policy("rule", rule_score, rule_score >= 1 - world.eligible_share)
    return positive, periods, model, rule


def top_k(
    world: TopKWorld,
    *,
    repetitions: int,
    resamples: int,
    confidence: float,
    seed: int,
) -> Coverage:
    """Coverage of `kpi.evaluate`'s interval on the lift of a top-k policy."""
    definition = Kpi(
        name="net value",
        unit="KRW",
        period="month",
        min_lift=None,
        confidence=confidence,
        bootstrap_resamples=resamples,
        capacity_per_period=world.capacity,
        value_per_saved_customer=world.value_per_saved_customer,
        offer_success_rate=world.offer_success_rate,
        contact_cost=world.contact_cost,
    )
    truth = top_k_true_lift(world)
    intervals = []
    for repetition in range(repetitions):
        rng = np.random.default_rng([seed, repetition])
        positive, periods, model, rule = top_k_test_set(world, rng)
        report = kpi.evaluate(
            positive=positive,
            periods=periods,
            model=model,
            baseline=rule,
            kpi=definition,
            seed=seed + repetition,
        )
        intervals.append((report.lift, report.lift_ci_low, report.lift_ci_high))
    return _coverage(
        "kpi.evaluate (top-k)", np.array(intervals), truth=truth, confidence=confidence
    )


def within_periods(
    *,
    sizes: list[int],
    repetitions: int,
    resamples: int,
    confidence: float,
    seed: int,
) -> Coverage:
    """Coverage of `bootstrap.within_periods` on skewed per-row differences.

    Each row gains 50 with probability 0.08 + 0.01 * period, loses 20 with probability
    0.05, else neither (a routing model that is right where today's rule was wrong, or
    the reverse): most differences are zero, the rest lopsided.
    """
    chances = [0.08 + 0.01 * period for period in range(len(sizes))]
    truth = sum(
        size * (50 * chance - 20 * 0.05)
        for size, chance in zip(sizes, chances, strict=True)
    ) / len(sizes)
    periods = np.repeat(np.arange(len(sizes)), sizes)
    chance = np.repeat(chances, sizes)
    intervals = []
    for repetition in range(repetitions):
        rng = np.random.default_rng([seed, repetition])
        draw = rng.random(len(periods))
        difference = np.where(
            draw < chance, 50.0, np.where(draw > 1 - 0.05, -20.0, 0.0)
        )
        low, high = bootstrap.within_periods(
            difference,
            periods,
            resamples=resamples,
            confidence=confidence,
            seed=seed + repetition,
        )
        intervals.append((difference.sum() / len(sizes), low, high))
    return _coverage(
        "bootstrap.within_periods",
        np.array(intervals),
        truth=truth,
        confidence=confidence,
    )


def over_blocks(
    *,
    blocks: int,
    block_length: int,
    autocorrelation: float,
    repetitions: int,
    resamples: int,
    confidence: float,
    seed: int,
) -> Coverage:
    """Coverage of `bootstrap.over_blocks` on block totals of an autocorrelated series.

    The daily difference is 10 plus an AR(1) error (`autocorrelation` from one day to
    the next, skewed gamma shocks with mean zero); the block totals are sums over
    `block_length` consecutive days, so the true mean block total is
    `10 * block_length`.
    """
    days = blocks * block_length
    truth = 10.0 * block_length
    intervals = []
    for repetition in range(repetitions):
        rng = np.random.default_rng([seed, repetition])
        shocks = rng.gamma(2.0, 5.0, days + 50) - 10.0
        # error[t] = autocorrelation * error[t - 1] + shocks[t]; the first 50 days,
        # dropped, let the series forget its start.
        error = signal.lfilter([1.0], [1.0, -autocorrelation], shocks)
        daily = 10.0 + error[50:]
        totals = daily.reshape(blocks, block_length).sum(axis=1)
        low, high = bootstrap.over_blocks(
            totals,
            resamples=resamples,
            confidence=confidence,
            seed=seed + repetition,
        )
        intervals.append((totals.mean(), low, high))
    return _coverage(
        "bootstrap.over_blocks",
        np.array(intervals),
        truth=truth,
        confidence=confidence,
    )


def _coverage(
    method: str, intervals: np.ndarray, *, truth: float, confidence: float
) -> Coverage:
    estimate, low, high = intervals.T
    return Coverage(
        method=method,
        repetitions=len(intervals),
        covered=int(((low <= truth) & (truth <= high)).sum()),
        confidence=confidence,
        true_lift=float(truth),
        mean_estimate=float(estimate.mean()),
        estimate_sd=float(estimate.std(ddof=1)),
        mean_width=float((high - low).mean()),
        below=int((high < truth).sum()),
        above=int((low > truth).sum()),
    )
