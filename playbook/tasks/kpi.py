"""A top-k contact policy's business KPI, exact over ties, and an interval on its lift.

A policy ranks the rows of each period and contacts the first `capacity` of the rows it
deems eligible. Contacting a row is worth
`value_per_saved_customer x offer_success_rate` when the row is a positive (say, a
customer who would leave) and costs `contact_cost` in every case. The KPI is the net
value per period, averaged over the test periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from playbook.charter import kpi_terms
from playbook.charter.model import Kpi

# The English compact form lives with the other forms of money; imported from here too.
from playbook.core.language import Language
from playbook.core.locale_format import format_amount, format_money, per_period
from playbook.core.messages import translated
from playbook.data.calendar import PartialTreatment
from playbook.tasks import bootstrap
from playbook.tasks.holdout import period_rows
from playbook.tasks.period_scaling import PeriodScaling


@dataclass(frozen=True)
class Policy:
    """Who a policy would contact first: a priority order and who may be contacted."""

    name: str
    score: np.ndarray
    eligible: np.ndarray


@dataclass(frozen=True)
class KpiReport:
    """Model against today's baseline on the business KPI, with the lift's interval."""

    metric: str
    unit: str
    period: str
    baseline_name: str
    baseline: float
    model: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float
    min_lift: float
    relative_lift: float | None
    confidence: float
    resamples: int
    test_rows: int
    test_periods: list[str]
    per_period: dict[str, dict[str, float]]
    method: str
    # "higher" when the KPI is a value (more is better), "lower" when it is a cost; the
    # lift is always the improvement, so a positive lift is good either way.
    better: str = "higher"
    # How many test periods (forecast blocks) the interval rests on: 1 when the test
    # rows have no periods, and then the interval cannot see one period differ from
    # the next.
    interval_periods: int = 1
    # The share of the interval's sampling distribution at or above the minimum lift
    # (NaN when the charter sets no minimum or there is no interval).
    chance_reaches_min: float = math.nan
    # Without a time column: how the held-out rows were scaled to one real period
    # (None when the periods are real).
    scaling: PeriodScaling | None = None
    # A forecast scored after stage 4 (stage 5's fresh batch, a scored file): its
    # periods missing some steps, weighted or dropped (None when none is partial, or
    # when stage 4's split already treated them).
    partial: PartialTreatment | None = None


def lift_report(
    kpi: Kpi,
    *,
    baseline_name: str,
    model: float,
    baseline: float,
    interval: bootstrap.LiftInterval,
    test_rows: int,
    per_period: dict[str, dict[str, float]],
    better: str = "higher",
) -> KpiReport:
    """The model's KPI against today's baseline, as `kpi` defines and names it.

    Args:
        kpi: The charter's KPI: its name, unit, period, minimum lift, confidence and
            resamples.
        baseline_name: Today's baseline, for the reader.
        model: The model's KPI per period.
        baseline: Today's KPI per period.
        interval: The lift's interval, how it was found and what it says of the
            minimum.
        test_rows: How many rows were judged.
        per_period: Each test period's KPI, model and baseline, in time order.
        better: "higher" for a value, "lower" for a cost; the lift is the improvement.
    """
    if better == "higher":
        lift = model - baseline
        relative_lift = (model / baseline - 1) if baseline > 0 else None
    else:
        lift = baseline - model
        relative_lift = (1 - model / baseline) if baseline > 0 else None
    return KpiReport(
        metric=kpi.name,
        unit=kpi.unit,
        period=kpi.period,
        baseline_name=baseline_name,
        baseline=baseline,
        model=model,
        lift=lift,
        lift_ci_low=interval.low,
        lift_ci_high=interval.high,
        min_lift=float(kpi.min_lift) if kpi.min_lift is not None else math.nan,
        relative_lift=relative_lift,
        confidence=kpi.confidence,
        resamples=kpi.bootstrap_resamples,
        test_rows=test_rows,
        test_periods=list(per_period),
        per_period=per_period,
        method=interval.method,
        better=better,
        interval_periods=interval.periods,
        chance_reaches_min=interval.chance_reaches_min,
    )


def row_values(positive: np.ndarray, *, kpi: Kpi) -> np.ndarray:
    """Expected net value of contacting each row."""
    terms = kpi_terms.top_k(kpi)
    gain = terms.value_per_saved_customer * terms.offer_success_rate
    return np.asarray(positive, dtype=float) * gain - terms.contact_cost


@dataclass(frozen=True)
class Ranking:
    """A policy's order of contact within one period, with its ties.

    Attributes:
        order: Positions (within the period's rows) of the eligible rows, highest
            score first; rows of equal score in the order they come.
        starts: Where in `order` each run of equal scores (a tie group) starts.
    """

    order: np.ndarray
    starts: np.ndarray


def contact_order(policy: Policy, rows: np.ndarray) -> Ranking:
    """The eligible rows among `rows` in the policy's order, and its groups of ties.

    A rule that scores by how many conditions a customer meets gives many customers
    the same score; which of them a desk reaches at the capacity's edge is chance, so
    the KPI counts each tied row at its chance of being reached (`period_value`).
    """
    positions = np.flatnonzero(policy.eligible[rows])
    score = policy.score[rows[positions]]
    ranked = np.argsort(-score, kind="stable")
    order = positions[ranked]
    sorted_score = score[ranked]
    starts = np.r_[0, np.flatnonzero(sorted_score[1:] != sorted_score[:-1]) + 1]
    return Ranking(order=order, starts=starts[: len(order)].astype(np.intp))


def period_value(
    counts: np.ndarray, ranking: Ranking, values: np.ndarray, capacity: float
) -> np.ndarray:
    """Expected net value of one period for each row of `counts`, over random ties.

    The rows (and repeated draws) strictly above the capacity's edge are contacted;
    of the tie group the edge falls in, the remaining capacity is spread evenly, so
    the group adds `remaining / drawn in group x its drawn value`: the exact mean over
    every way of breaking the ties.

    Args:
        counts: How often each row of the period is drawn, one row per resample
            (all ones for the observed data), shape (resamples, rows).
        ranking: The policy's order of the eligible rows and its tie groups.
        values: Net value of contacting each row of the period.
        capacity: Contacts available in the period.
    """
    counts = np.atleast_2d(counts)
    if not len(ranking.order):
        return np.zeros(len(counts))
    drawn = counts[:, ranking.order].astype(float)
    group_drawn = np.add.reduceat(drawn, ranking.starts, axis=1)
    group_value = np.add.reduceat(drawn * values[ranking.order], ranking.starts, axis=1)
    return _tied_value(group_drawn, group_value, capacity)


def _tied_value(
    group_drawn: np.ndarray, group_value: np.ndarray, capacity: float
) -> np.ndarray:
    """Expected value of contacting groups in order up to `capacity`, along axis -1."""
    before = np.cumsum(group_drawn, axis=-1) - group_drawn
    taken = np.clip(capacity - before, 0, group_drawn)
    share = np.divide(
        taken, group_drawn, out=np.zeros_like(group_drawn), where=group_drawn > 0
    )
    return (share * group_value).sum(axis=-1)


def contact_shares(
    policy: Policy, periods: np.ndarray, *, capacity: float
) -> np.ndarray:
    """Each row's chance of being contacted on the observed data, ties included.

    1 above the capacity's edge, 0 below it, and the remaining capacity over the
    group's size for a tie group the edge falls in. A row's expected value is its
    share times its value, and the shares add up to the KPI (`evaluate`).
    """
    shares = np.zeros(len(periods))
    for _, rows in period_rows(periods):
        ranking = contact_order(policy, rows)
        if not len(ranking.order):
            continue
        sizes = np.diff(np.r_[ranking.starts, len(ranking.order)])
        before = np.cumsum(sizes) - sizes
        group_share = np.clip(capacity - before, 0, sizes) / sizes
        shares[rows[ranking.order]] = np.repeat(group_share, sizes)
    return shares


def contacted(
    policy: Policy,
    periods: np.ndarray,
    *,
    capacity: float,
    shares: np.ndarray | None = None,
) -> np.ndarray:
    """A mask of rows a policy contacts on the observed data, for lists and pages.

    Within a tie group at the capacity's edge the rows are picked by a fixed
    pseudo-random order that no seed changes, so the list is the same on every run;
    the KPI never reads this mask (it counts ties at their chance, `contact_shares`).
    `shares` are the policy's `contact_shares` when the caller has them already.
    """
    if shares is None:
        shares = contact_shares(policy, periods, capacity=capacity)
    mask = shares >= 1.0
    partial = (shares > 0) & (shares < 1)
    if not partial.any():
        return mask
    tiebreak = np.random.default_rng(_MASK_TIEBREAK_SEED).random(len(shares))
    for _, period in period_rows(periods):
        rows = period[partial[period]]
        if not len(rows):
            continue
        reached = round(float(shares[rows].sum()))
        mask[rows[np.argsort(tiebreak[rows], kind="stable")[:reached]]] = True
    return mask


# The fixed order that picks which tied rows a list shows as contacted: any fixed
# order would do, as long as no run's seed moves it.
_MASK_TIEBREAK_SEED = 0


# Over 80 lines with its docstring: one pass per period scores both policies on the
# data (and, with one period, on every paired resample), kept together so that the
# pairing stays visible.
def evaluate(
    *,
    positive: np.ndarray,
    periods: np.ndarray,
    model: Policy,
    baseline: Policy,
    kpi: Kpi,
    seed: int,
    capacity: float | None = None,
    periods_worth: float | None = None,
) -> KpiReport:
    """Compare two policies on the same test rows, with an interval on the lift.

    Each policy's KPI in a period is its exact expected value over its ties
    (`period_value`), so no seed moves it. With two test periods or more the interval
    is a t-interval on the per-period lifts (`bootstrap.over_periods`), which allows
    for one period differing from the next; with one period, the rows are resampled
    with replacement (paired: both policies scored on the same resample) and the
    interval is the percentile interval. Only the draws that land on rows a policy
    could reach are made one by one, exactly (see `_resampled_values`), so a million
    rows take seconds, not gigabytes.

    Args:
        positive: 1 where the row is a positive case (e.g. the customer churned).
        periods: The period label of each row.
        model: The candidate model's policy.
        baseline: Today's policy.
        kpi: The charter's KPI definition.
        seed: Seed for the resampling (one period only).
        capacity: Contacts per period of the test rows, when they are not the
            charter's (held-out rows that stand for a share of a real period).
        periods_worth: How many real periods' worth of cases those held-out rows are
            (`period_scaling`), for the interval's words.
    """
    positive = np.asarray(positive)
    values = row_values(positive, kpi=kpi)
    by_period = period_rows(periods)
    labels = [label for label, _ in by_period]
    cap = kpi_terms.top_k(kpi).capacity_per_period if capacity is None else capacity

    observed: dict[str, list[float]] = {"model": [], "baseline": []}
    rankings: list[tuple[np.ndarray, list[Ranking]]] = []
    for _, rows in by_period:
        ones = np.ones((1, len(rows)), dtype=np.int64)
        ranked = [contact_order(policy, rows) for policy in (model, baseline)]
        for key, ranking in zip(observed, ranked, strict=True):
            observed[key].append(
                float(period_value(ones, ranking, values[rows], cap)[0])
            )
        rankings.append((rows, ranked))

    def resample() -> np.ndarray:
        rng = np.random.default_rng([seed, 1])
        boot = np.zeros((2, kpi.bootstrap_resamples))
        for rows, ranked in rankings:
            boot += _resampled_values(
                rng,
                ranked,
                values[rows],
                capacity=cap,
                resamples=kpi.bootstrap_resamples,
            )
        return (boot[0] - boot[1]) / len(labels)

    lifts = np.subtract(observed["model"], observed["baseline"])
    interval = bootstrap.for_lift(
        lifts,
        confidence=kpi.confidence,
        minimum=kpi.min_lift,
        period=kpi.period,
        resample=resample,
        resample_words=(
            f"paired bootstrap, {kpi.bootstrap_resamples} resamples of the test rows"
        ),
        periods_worth=periods_worth,
    )
    return lift_report(
        kpi,
        baseline_name=baseline.name,
        model=float(np.mean(observed["model"])),
        baseline=float(np.mean(observed["baseline"])),
        interval=interval,
        test_rows=len(positive),
        per_period={
            label: {"model": m, "baseline": b}
            for label, m, b in zip(
                labels, observed["model"], observed["baseline"], strict=True
            )
        },
    )


# How many rows past a policy's first `capacity` the bootstrap draws exactly, in
# standard deviations of the number of draws that land among them. A resample that still
# leaves the capacity unfilled there (about 5 in 100,000 per policy and period) gets the
# rest of its period drawn, so this sets the speed, never the result's distribution.
_MARGIN_SD = 4.0
# Single rows drawn per chunk of resamples: bounds each count matrix to about 8 MB.
_DRAWS_PER_CHUNK = 1_000_000
# A tie group larger than this is drawn as a whole (how many of its rows of each value
# are drawn), not row by row: a rule that ties thousands of customers stays fast.
_GROUP_DRAWN_WHOLE = 64


# Over 80 lines with its docstring: the exact two-step draw, the tie groups drawn
# whole and the rare fallback to the whole period share one loop over resamples.
def _resampled_values(
    rng: np.random.Generator,
    rankings: list[Ranking],
    values: np.ndarray,
    *,
    capacity: float,
    resamples: int,
    margin_sd: float = _MARGIN_SD,
) -> np.ndarray:
    """Each policy's expected net value of one period on bootstrap resamples of it.

    A resample draws the period's n rows n times with replacement, the same draws for
    every policy. Only rows near the top of some policy's order can be contacted, so
    the draws are made exactly in steps. The rows are split into cells: each row near
    the top of a policy's order (in a small tie group) is a cell of its own, and the
    other rows are pooled by the large tie group they fall in for each policy and by
    their value (rows of a cell are interchangeable for every policy's value). How
    many of the n draws land in each pooled cell and among the single rows is one
    multinomial draw; which single rows they hit is another (uniform). A policy's
    value then follows from each of its tie groups' draws and drawn value
    (`period_value`), for a chunk of resamples at once. If that leaves a policy's
    capacity unfilled, the pooled draws are spread over their rows and that policy
    is scored on the whole period.

    Returns:
        Values of shape (policies, resamples).
    """
    n = len(values)
    result = np.zeros((len(rankings), resamples))
    if not n or not any(len(r.order) for r in rankings):
        return result
    keep = int(np.ceil(capacity + margin_sd * np.sqrt(capacity))) + 1
    plans = [_top_groups(ranking, keep) for ranking in rankings]
    single = np.zeros(n, dtype=bool)
    # For each policy, each row's tie group within its top groups (-1: not among them).
    group_of = np.full((len(rankings), n), -1, dtype=np.intp)
    for k, (ranking, (_, sizes)) in enumerate(zip(rankings, plans, strict=True)):
        reached = ranking.order[: sizes.sum()]
        group_of[k, reached] = np.repeat(np.arange(len(sizes)), sizes)
        small = np.repeat(sizes <= _GROUP_DRAWN_WHOLE, sizes)
        single[reached[small]] = True
    singles = np.flatnonzero(single)
    pooled = np.flatnonzero(~single)
    cells, cell_of = _cells(group_of[:, pooled], values[pooled])
    cell_sizes = np.bincount(cell_of, minlength=cells.shape[1])
    members = [np.flatnonzero(cell_of == cell) for cell in range(cells.shape[1])]
    drawn = rng.multinomial(n, np.r_[len(singles), cell_sizes] / n, size=resamples)
    single_values = values[singles]
    complete = [
        sizes.sum() == len(r.order)
        for r, (_, sizes) in zip(rankings, plans, strict=True)
    ]
    # Each policy's tie groups as sums over the single rows and over the cells.
    to_groups = []
    for k, (groups, _) in enumerate(plans):
        mine = np.flatnonzero(group_of[k, singles] >= 0)
        rows_to_group = sparse.csr_matrix(
            (np.ones(len(mine)), (mine, group_of[k, singles][mine])),
            shape=(len(singles), groups),
        )
        cells_to_group = np.zeros((cells.shape[1], groups))
        theirs = np.flatnonzero(cells[k] >= 0)
        cells_to_group[theirs, cells[k, theirs].astype(np.intp)] = 1.0
        to_groups.append((rows_to_group.T.tocsr(), cells_to_group))
    uniform = np.full(len(singles), 1 / max(len(singles), 1))
    chunk = max(1, _DRAWS_PER_CHUNK // max(len(singles), 1))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        in_cells = drawn[start:stop, 1:].astype(float)
        counts = (
            rng.multinomial(drawn[start:stop, 0], uniform).astype(float)
            if len(singles)
            else np.zeros((stop - start, 0))
        )
        for k, (rows_to_group, cells_to_group) in enumerate(to_groups):
            group_drawn = (rows_to_group @ counts.T).T + in_cells @ cells_to_group
            group_value = (rows_to_group @ (counts * single_values).T).T + (
                in_cells * cells[-1]
            ) @ cells_to_group
            result[k, start:stop] = _tied_value(group_drawn, group_value, capacity)
            if complete[k]:
                continue
            for r in np.flatnonzero(group_drawn.sum(axis=1) < capacity):
                everywhere = np.zeros(n, dtype=np.int64)
                everywhere[singles] = counts[r]
                everywhere[pooled] = _spread(rng, drawn[start + r, 1:], members)
                result[k, start + r] = period_value(
                    everywhere[None], rankings[k], values, capacity
                )[0]
    return result


def _cells(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows pooled by their group under every policy and their value.

    Args:
        groups: Each policy's group of each row (-1: none), shape (policies, rows).
        values: Each row's value.

    Returns:
        The cells, one column each: the group under every policy, then the value;
        and each row's cell.
    """
    _, value_code = np.unique(values, return_inverse=True)
    # One integer per row, digit by digit: the value's code, then each group + 1.
    key = value_code.astype(np.int64).ravel()
    for row in groups:
        key = key * (int(row.max(initial=-1)) + 2) + (row + 1)
    _, first, cell_of = np.unique(key, return_index=True, return_inverse=True)
    cells = np.vstack([groups[:, first], values[first][None, :]])
    return cells, cell_of.ravel()


def _top_groups(ranking: Ranking, keep: int) -> tuple[int, np.ndarray]:
    """How many of the policy's first tie groups reach `keep` rows, and their sizes."""
    sizes = np.diff(np.r_[ranking.starts, len(ranking.order)])
    groups = int(np.searchsorted(ranking.starts, keep, side="left"))
    groups = max(groups, min(1, len(sizes)))
    return groups, sizes[:groups]


def _spread(
    rng: np.random.Generator, in_cells: np.ndarray, members: list[np.ndarray]
) -> np.ndarray:
    """Draws per pooled row, given how many draws each cell of rows received."""
    counts = np.zeros(sum(len(rows) for rows in members), dtype=np.int64)
    for rows, total in zip(members, in_cells, strict=True):
        if total:
            counts[rows] += np.bincount(
                rng.integers(0, len(rows), total), minlength=len(rows)
            )
    return counts


# Decimals beyond this add nothing a reader could act on.
_MOST_DIGITS = 6


def format_apart(values: list[float], unit: str) -> list[str]:
    """Amounts printed with the fewest digits that keep unequal amounts apart.

    A lift of 1,968,000 and a minimum of 2,000,000 both read "2.0M"; a sentence that
    compares them must read "1.97M" and "2.00M". All amounts get the same digits, so
    they line up in the sentence.
    """
    finite = [v for v in values if v is not None and not math.isnan(v)]
    for digits in range(1, _MOST_DIGITS + 1):
        shown = [format_amount(v, unit, digits=digits) for v in values]
        apart = all(
            format_amount(a, unit, digits=digits)
            != format_amount(b, unit, digits=digits)
            for i, a in enumerate(finite)
            for b in finite[i + 1 :]
            if a != b
        )
        if apart:
            return shown
    return shown


def as_table(report: KpiReport, *, language: Language = "en") -> pd.DataFrame:
    """The KPI per test period and overall, for a reader of `language`."""
    rows = [
        {
            "period": label,
            "today": values["baseline"],
            "model": values["model"],
            "lift": _improvement(values["model"], values["baseline"], report.better),
        }
        for label, values in report.per_period.items()
    ]
    rows.append(
        {
            "period": translated(
                language,
                "mean per %(period)s",
                period=translated(language, report.period),
            ),
            "today": report.baseline,
            "model": report.model,
            "lift": report.lift,
        }
    )
    return pd.DataFrame(rows)


def _improvement(model: float, baseline: float, better: str) -> float:
    """How much better the model does: more value, or less cost."""
    return model - baseline if better == "higher" else baseline - model


def lift_summary(report: KpiReport, *, language: Language = "en") -> str:
    """One line: the lift per period and its interval, as a reader wants it."""
    values = [report.lift, report.lift_ci_low, report.lift_ci_high]
    lift, low, high = (
        format_apart(values, report.unit)
        if language == "en"
        else [format_money(v, report.unit, language=language) for v in values]
    )
    return translated(
        language,
        "lift %(amount)s [%(low)s, %(high)s]",
        amount=per_period(lift, report.period, language=language),
        low=low,
        high=high,
    )
