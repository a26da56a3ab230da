"""How often playbook's intervals contain the truth, and how often it says GO wrongly.

Each check draws many test sets from a world whose true lift per period is known
exactly, builds the interval on each with the function stage 4 uses, and counts how
often the interval contains the true lift. A 95% interval should contain it in about
95% of the draws: fewer means the interval is too narrow (or off centre), and a reader
would be told "the model beats today's rule" too often. The worlds vary from one
period to the next as real months do (a period effect), and a forecast's days carry
errors that run on. On the same draws, with the charter's minimum lift set 10% above
the true lift, the decision rule should say GO in at most 5% of them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import signal, special, stats

from playbook.charter import kpi_terms
from playbook.charter.model import Kpi
from playbook.errors import PlaybookError
from playbook.tasks import bootstrap, forecast, kpi, routing_kpi
from playbook.tasks.decision import decide_poc

# The minimum lift the decision is judged against is the true lift divided by this:
# the model truly falls 10% short, and GO is then a false GO.
SHORT_OF_MINIMUM = 0.9


@dataclass(frozen=True)
class Runs:
    """How a simulation runs: its repetitions, and each interval's settings.

    Attributes:
        repetitions: Test sets drawn, one interval each.
        resamples: Resamples (or simulated series) behind each interval.
        confidence: The intervals' confidence.
        seed: Seed of the draws.
    """

    repetitions: int
    resamples: int
    confidence: float = 0.95
    seed: int = 1


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
    # GO decisions, strict and lenient rule, with the minimum lift 10% above the truth.
    false_go: int = 0
    false_go_lenient: int = 0
    # Intervals that reach past the smallest or the largest single period's lift
    # (None when the test sets hold one period).
    past_periods: int | None = None

    @property
    def share(self) -> float:
        """Share of the intervals that contained the true lift."""
        return self.covered / self.repetitions


@dataclass(frozen=True)
class TopKWorld:
    """A population of customers with known churn probabilities and two fixed policies.

    Each row has a score `u`, uniform on [0, 1], that the model ranks by; its
    probability of being a positive is `low + (high - low) * u ** power`, times the
    period's effect `1 + period_sd * z` (z standard normal, one per period; the
    product kept between 0 and 1). Today's rule ranks a row by the same `u` with
    probability `agree`, otherwise by an independent uniform number, and may contact
    only the rows it ranks in its top `eligible_share`. Every test period holds `rows`
    rows drawn independently; `terms` are the KPI's capacity and what a contact costs
    and earns, as a charter's top-k KPI states them.
    """

    rows: int
    periods: int
    low: float
    high: float
    power: float
    agree: float
    eligible_share: float
    terms: kpi_terms.TopKTerms
    period_sd: float = 0.0


# The world the bench and the tests check coverage in: 4 periods of 1,000 rows, a
# capacity of 150, a model and a rule that partly agree.
REFERENCE_WORLD = TopKWorld(
    rows=1000,
    periods=4,
    low=0.03,
    high=0.6,
    power=4,
    agree=0.5,
    eligible_share=0.12,
    terms=kpi_terms.TopKTerms(
        capacity_per_period=150,
        value_per_saved_customer=100.0,
        offer_success_rate=0.5,
        contact_cost=10.0,
    ),
)


@dataclass(frozen=True)
class RoutingWorld:
    """Tickets routed by today's router and by a model: right, wrong or to a person.

    Today's router is right with chance `today_right` and wrong with `today_wrong`;
    the model is wrong with `model_wrong` and right with `model_right` times the
    period's effect `1 + period_sd * z` (kept between 0 and 1 - `model_wrong`), the
    rest go to a person. Every period holds `tickets` tickets; `terms` are what a
    right route earns and a wrong one costs, as a charter's routing KPI states them.
    """

    tickets: int
    periods: int
    today_right: float
    today_wrong: float
    model_right: float
    model_wrong: float
    terms: kpi_terms.RoutingTerms
    period_sd: float = 0.0


REFERENCE_ROUTING = RoutingWorld(
    tickets=300,
    periods=4,
    today_right=0.45,
    today_wrong=0.15,
    model_right=0.55,
    model_wrong=0.12,
    terms=kpi_terms.RoutingTerms(value_per_correct=1200.0, cost_per_wrong=4000.0),
)


def top_k_true_lift(world: TopKWorld) -> float:
    """Expected model-minus-rule net value per period, exactly.

    A row whose score is at quantile s is contacted when fewer than `capacity` of the
    other rows score higher, which has probability `I_s(rows - capacity, capacity)` (the
    regularised incomplete beta function). The expected value of a policy is
    `rows * integral of (gain * E[p | s] - cost) * I_s(...) ds` over the scores it may
    contact; with E[p | s] a polynomial in s the integral has a closed form. With a
    period effect the probabilities are capped at 1, and the integral over s and the
    expectation over the effect are taken numerically.

    Raises:
        PlaybookError: The capacity is not between 1 and the rows of a period.
    """
    terms = world.terms
    if not 0 < terms.capacity_per_period < world.rows:
        raise PlaybookError(
            f"TopKWorld: capacity must be between 1 and rows - 1, got capacity "
            f"{terms.capacity_per_period} for {world.rows} rows. With room for every "
            "row the lift does not depend on the order, so there is nothing to "
            "simulate."
        )
    if world.period_sd > 0:
        return _top_k_lift_numerically(world)
    a, b = world.rows - terms.capacity_per_period, terms.capacity_per_period
    gain = terms.value_per_saved_customer * terms.offer_success_rate
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

    model = (gain * world.low - terms.contact_cost) * integral(0, 0.0) + (
        gain * span
    ) * integral(world.power, 0.0)
    start = 1 - world.eligible_share
    rule_constant = gain * (world.agree * world.low + (1 - world.agree) * mean_p)
    rule = (rule_constant - terms.contact_cost) * integral(0, start) + (
        gain * world.agree * span
    ) * integral(world.power, start)
    return world.rows * (model - rule)


# Points of the numerical integrals: over a score's quantile (fine enough for the
# contact probability's step, about sqrt(capacity) / rows wide) and over the period
# effect's standard normal z.
_SCORE_POINTS = 40_001
_EFFECT_POINTS = 801


def _top_k_lift_numerically(world: TopKWorld) -> float:
    terms = world.terms
    s = np.linspace(0.0, 1.0, _SCORE_POINTS)
    capacity = terms.capacity_per_period
    reached = special.betainc(world.rows - capacity, capacity, s)
    eligible = s >= 1 - world.eligible_share
    p = world.low + (world.high - world.low) * s**world.power
    gain = terms.value_per_saved_customer * terms.offer_success_rate
    lifts = []
    for multiplier in _effects(world.period_sd)[0]:
        q = np.minimum(multiplier * p, 1.0)
        mean_q = np.trapezoid(q, s)
        model = (gain * q - terms.contact_cost) * reached
        rule_p = world.agree * q + (1 - world.agree) * mean_q
        rule = np.where(eligible, (gain * rule_p - terms.contact_cost) * reached, 0.0)
        lifts.append(np.trapezoid(model - rule, s))
    return float(world.rows * np.dot(_effects(world.period_sd)[1], lifts))


def _effects(sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Period multipliers `max(0, 1 + sd z)` on a grid of z, and their weights."""
    z = np.linspace(-8.0, 8.0, _EFFECT_POINTS)
    weight = stats.norm.pdf(z)
    return np.maximum(1 + sd * z, 0.0), weight / weight.sum()


def routing_true_lift(world: RoutingWorld) -> float:
    """Expected model-minus-today value per period: the model's right share averaged."""
    multiplier, weight = _effects(world.period_sd)
    terms = world.terms
    right = np.minimum(world.model_right * multiplier, 1 - world.model_wrong)
    model = float(weight @ right) * terms.value_per_correct
    model -= world.model_wrong * terms.cost_per_wrong
    today = world.today_right * terms.value_per_correct
    today -= world.today_wrong * terms.cost_per_wrong
    return world.tickets * (model - today)


def top_k_test_set(
    world: TopKWorld, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, kpi.Policy, kpi.Policy]:
    """One test set drawn from `world`: positives, periods, the model and the rule."""
    size = world.rows * world.periods
    u = rng.random(size)
    effect = np.maximum(1 + world.period_sd * rng.standard_normal(world.periods), 0)
    chance = world.low + (world.high - world.low) * u**world.power
    chance = np.minimum(chance * np.repeat(effect, world.rows), 1.0)
    positive = rng.random(size) < chance
    rule_score = np.where(rng.random(size) < world.agree, u, rng.random(size))
    periods = np.repeat([f"p{i:02d}" for i in range(world.periods)], world.rows)
    model = kpi.Policy("model", u, np.ones(size, dtype=bool))
    rule = kpi.Policy("rule", rule_score, rule_score >= 1 - world.eligible_share)
    return positive, periods, model, rule


def routing_test_set(
    world: RoutingWorld, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One test set: each ticket's value under the model and today's, and its period."""
    size = world.tickets * world.periods
    effect = np.maximum(1 + world.period_sd * rng.standard_normal(world.periods), 0)
    right = np.minimum(world.model_right * effect, 1 - world.model_wrong)
    right = np.repeat(right, world.tickets)
    draw, today_draw = rng.random(size), rng.random(size)
    gain, loss = world.terms.value_per_correct, -world.terms.cost_per_wrong
    model = np.where(
        draw < right, gain, np.where(draw < right + world.model_wrong, loss, 0.0)
    )
    today = np.where(
        today_draw < world.today_right,
        gain,
        np.where(today_draw < world.today_right + world.today_wrong, loss, 0.0),
    )
    periods = np.repeat([f"p{i:02d}" for i in range(world.periods)], world.tickets)
    return model, today, periods


def top_k(world: TopKWorld, runs: Runs) -> Coverage:
    """Coverage of `kpi.evaluate`'s interval on the lift of a top-k policy."""
    truth = top_k_true_lift(world)
    definition = _kpi("top_k", truth=truth, runs=runs, terms=world.terms)

    def judge(rng: np.random.Generator, seed: int) -> kpi.KpiReport:
        positive, periods, model, rule = top_k_test_set(world, rng)
        return kpi.evaluate(
            positive=positive,
            periods=periods,
            model=model,
            baseline=rule,
            kpi=definition,
            seed=seed,
        )

    return _coverage("kpi.evaluate (top-k)", _repeat(judge, runs), truth=truth)


def routing(world: RoutingWorld, runs: Runs) -> Coverage:
    """Coverage of `routing_kpi.kpi_report`'s interval on the lift of a router."""
    truth = routing_true_lift(world)
    definition = _kpi("routing", truth=truth, runs=runs, terms=world.terms)

    def judge(rng: np.random.Generator, seed: int) -> kpi.KpiReport:
        model, today, periods = routing_test_set(world, rng)
        return routing_kpi.kpi_report(
            model,
            today,
            periods,
            kpi=definition,
            baseline_name="today's router",
            seed=seed,
        )

    return _coverage("routing_kpi.kpi_report", _repeat(judge, runs), truth=truth)


def within_periods(sizes: list[int], runs: Runs) -> Coverage:
    """Coverage of the row bootstrap (`bootstrap.within_periods`) on skewed differences.

    Each row gains 50 with probability 0.08 + 0.01 * period, loses 20 with probability
    0.05, else neither (a routing model that is right where today's rule was wrong, or
    the reverse): most differences are zero, the rest lopsided. The periods are fixed,
    not drawn, so the truth is these periods' mean lift: what a row bootstrap covers.
    """
    chances = [0.08 + 0.01 * period for period in range(len(sizes))]
    truth = sum(
        size * (50 * chance - 20 * 0.05)
        for size, chance in zip(sizes, chances, strict=True)
    ) / len(sizes)
    periods = np.repeat(np.arange(len(sizes)), sizes)
    chance = np.repeat(chances, sizes)

    def judge(rng: np.random.Generator, seed: int) -> kpi.KpiReport:
        draw = rng.random(len(periods))
        difference = np.where(
            draw < chance, 50.0, np.where(draw > 1 - 0.05, -20.0, 0.0)
        )
        statistics = bootstrap.within_periods(
            difference, periods, resamples=runs.resamples, seed=seed
        )
        interval = bootstrap.from_resamples(
            statistics,
            confidence=runs.confidence,
            minimum=truth / SHORT_OF_MINIMUM,
            period="month",
            how="row bootstrap",
        )
        lifts = np.bincount(periods, weights=difference)
        return _report(lifts, interval, truth, runs)

    return _coverage("bootstrap.within_periods", _repeat(judge, runs), truth=truth)


def over_blocks(
    runs: Runs, *, blocks: int, block_length: int, autocorrelation: float
) -> Coverage:
    """Coverage of `bootstrap.over_blocks` on block totals of an autocorrelated series.

    The interval is built as stage 4 builds a forecast's (`forecast.saving_interval`,
    from the KPI's settings). The daily difference is 10 plus an AR(1) error
    (`autocorrelation` from one day to the next, skewed gamma shocks with mean zero);
    the block totals are sums over `block_length` consecutive days, so the true mean
    block total is `10 * block_length`.
    """
    days = blocks * block_length
    truth = 10.0 * block_length
    labels = np.repeat(np.arange(blocks), block_length)
    definition = _kpi("forecast", truth=truth, runs=runs)

    def judge(rng: np.random.Generator, seed: int) -> kpi.KpiReport:
        shocks = rng.gamma(2.0, 5.0, days + 50) - 10.0
        # error[t] = autocorrelation * error[t - 1] + shocks[t]; the first 50 days,
        # dropped, let the series forget its start.
        error = signal.lfilter([1.0], [1.0, -autocorrelation], shocks)
        daily = 10.0 + error[50:]
        interval = forecast.saving_interval(daily, labels, kpi=definition, seed=seed)
        return _report(daily.reshape(blocks, -1).sum(axis=1), interval, truth, runs)

    return _coverage("bootstrap.over_blocks", _repeat(judge, runs), truth=truth)


def _repeat(
    judge: Callable[[np.random.Generator, int], kpi.KpiReport], runs: Runs
) -> Iterator[kpi.KpiReport]:
    """`judge` on each repetition's own random stream, and its own seed."""
    for repetition in range(runs.repetitions):
        rng = np.random.default_rng([runs.seed, repetition])
        yield judge(rng, runs.seed + repetition)


def _kpi(
    kind: str,
    *,
    truth: float,
    runs: Runs,
    terms: kpi_terms.TopKTerms | kpi_terms.RoutingTerms | None = None,
) -> Kpi:
    """A KPI of `kind` with `terms`, its minimum lift 10% above the true lift."""
    return Kpi(
        name="net value",
        unit="KRW",
        period="month",
        min_lift=truth / SHORT_OF_MINIMUM,
        confidence=runs.confidence,
        bootstrap_resamples=runs.resamples,
        kind=kind,
        **(dataclasses.asdict(terms) if terms is not None else {}),
    )


def _report(
    lifts: np.ndarray, interval: bootstrap.LiftInterval, truth: float, runs: Runs
) -> kpi.KpiReport:
    """A KPI report of per-period lifts and their interval, for the decision rule."""
    return kpi.lift_report(
        _kpi("forecast", truth=truth, runs=runs),
        baseline_name="today",
        model=float(np.mean(lifts)),
        baseline=0.0,
        interval=interval,
        test_rows=0,
        per_period={
            f"p{i:02d}": {"model": float(lift), "baseline": 0.0}
            for i, lift in enumerate(lifts)
        },
    )


def _coverage(
    method: str, reports: Iterator[kpi.KpiReport], *, truth: float
) -> Coverage:
    found = list(reports)
    estimate, low, high = (
        np.array([getattr(report, name) for report in found])
        for name in ("lift", "lift_ci_low", "lift_ci_high")
    )
    go = {
        rule: sum(decide_poc(report, rule=rule).decision == "go" for report in found)
        for rule in ("strict", "lenient")
    }
    finite = ~(np.isnan(low) | np.isnan(high))
    spans = [
        (report, [v["model"] - v["baseline"] for v in report.per_period.values()])
        for report in found
        if len(report.per_period) >= 2
    ]
    past = (
        sum(
            report.lift_ci_low < min(lifts) or report.lift_ci_high > max(lifts)
            for report, lifts in spans
        )
        if spans
        else None
    )
    return Coverage(
        method=method,
        repetitions=len(found),
        covered=int(((low <= truth) & (truth <= high)).sum()),
        confidence=found[0].confidence if found else math.nan,
        true_lift=float(truth),
        mean_estimate=float(estimate.mean()),
        estimate_sd=float(estimate.std(ddof=1)),
        mean_width=float((high - low)[finite].mean()) if finite.any() else math.nan,
        below=int((high < truth).sum()),
        above=int((low > truth).sum()),
        false_go=go["strict"],
        false_go_lenient=go["lenient"],
        past_periods=past,
    )
