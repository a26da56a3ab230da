"""A top-k contact policy's business KPI, and a paired bootstrap interval on its lift.

A policy ranks the rows of each period and contacts the first `capacity` of the rows it
deems eligible. Contacting a row is worth
`value_per_saved_customer x offer_success_rate` when the row is a positive (say, a
customer who would leave) and costs `contact_cost` in every case. The KPI is the net
value per period, averaged over the test periods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from playbook.charter import Kpi


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


def row_values(positive: np.ndarray, *, kpi: Kpi) -> np.ndarray:
    """Expected net value of contacting each row."""
    gain = kpi.value_per_saved_customer * kpi.offer_success_rate
    return np.asarray(positive, dtype=float) * gain - kpi.contact_cost


def contact_order(
    policy: Policy, rows: np.ndarray, *, tiebreak: np.ndarray
) -> np.ndarray:
    """Positions within `rows` of the eligible rows, highest priority first.

    Ties in score are broken by `tiebreak`, a fixed random number per row, so that a
    rule that gives many rows the same score picks among them at random but
    reproducibly.
    """
    eligible = rows[policy.eligible[rows]]
    order = np.lexsort((-tiebreak[eligible], -policy.score[eligible]))
    return np.searchsorted(rows, eligible[order]) if len(rows) else order


def period_value(
    counts: np.ndarray, order: np.ndarray, values: np.ndarray, capacity: int
) -> np.ndarray:
    """Net value of one period for each row of `counts`.

    Args:
        counts: How often each row of the period is drawn, one row per resample
            (all ones for the observed data), shape (resamples, rows).
        order: Positions of the eligible rows, highest priority first.
        values: Net value of contacting each row of the period.
        capacity: Contacts available in the period.
    """
    drawn = counts[:, order]
    before = np.cumsum(drawn, axis=1) - drawn
    contacted = np.clip(capacity - before, 0, drawn)
    return contacted @ values[order]


def evaluate(
    *,
    positive: np.ndarray,
    periods: np.ndarray,
    model: Policy,
    baseline: Policy,
    kpi: Kpi,
    seed: int,
) -> KpiReport:
    """Compare two policies on the same test rows, with a paired bootstrap interval.

    Rows are resampled with replacement within each period (so every resample keeps each
    period's size), both policies are scored on the same resample, and the interval is
    the percentile interval of the model-minus-baseline lift.

    Args:
        positive: 1 where the row is a positive case (e.g. the customer churned).
        periods: The period label of each row.
        model: The candidate model's policy.
        baseline: Today's policy.
        kpi: The charter's KPI definition.
        seed: Seed for the tie-breaks and the resampling.
    """
    rng = np.random.default_rng([seed, 1])
    positive = np.asarray(positive)
    periods = np.asarray(periods).astype(str)
    values = row_values(positive, kpi=kpi)
    tiebreak = _tiebreak(len(positive), seed)
    labels = sorted(str(label) for label in set(periods))
    resamples = kpi.bootstrap_resamples

    observed = {"model": [], "baseline": []}
    boot = {"model": np.zeros(resamples), "baseline": np.zeros(resamples)}
    for label in labels:
        rows = np.flatnonzero(periods == label)
        ones = np.ones((1, len(rows)), dtype=np.int64)
        counts = rng.multinomial(
            len(rows), np.full(len(rows), 1 / len(rows)), resamples
        )
        for key, policy in (("model", model), ("baseline", baseline)):
            order = contact_order(policy, rows, tiebreak=tiebreak)
            row_value = values[rows]
            cap = kpi.capacity_per_period
            observed[key].append(float(period_value(ones, order, row_value, cap)[0]))
            boot[key] += period_value(counts, order, row_value, cap)

    model_kpi = float(np.mean(observed["model"]))
    baseline_kpi = float(np.mean(observed["baseline"]))
    lifts = (boot["model"] - boot["baseline"]) / len(labels)
    tail = (1 - kpi.confidence) / 2
    low, high = np.quantile(lifts, [tail, 1 - tail])
    return KpiReport(
        metric=kpi.name,
        unit=kpi.unit,
        period=kpi.period,
        baseline_name=baseline.name,
        baseline=baseline_kpi,
        model=model_kpi,
        lift=model_kpi - baseline_kpi,
        lift_ci_low=float(low),
        lift_ci_high=float(high),
        min_lift=float(kpi.min_lift) if kpi.min_lift is not None else float("nan"),
        relative_lift=(model_kpi / baseline_kpi - 1) if baseline_kpi > 0 else None,
        confidence=kpi.confidence,
        resamples=resamples,
        test_rows=len(positive),
        test_periods=labels,
        per_period={
            label: {"model": m, "baseline": b}
            for label, m, b in zip(
                labels, observed["model"], observed["baseline"], strict=True
            )
        },
        method=(
            f"paired bootstrap, {resamples} resamples of the test rows within each "
            f"{kpi.period}; {kpi.confidence:.0%} percentile interval"
        ),
    )


def contacted(
    policy: Policy, periods: np.ndarray, *, capacity: int, seed: int
) -> np.ndarray:
    """Mask of the rows a policy contacts on the observed data.

    Ties are broken as in `evaluate`.
    """
    periods = np.asarray(periods).astype(str)
    tiebreak = _tiebreak(len(periods), seed)
    mask = np.zeros(len(periods), dtype=bool)
    for label in sorted(set(periods)):
        rows = np.flatnonzero(periods == label)
        order = contact_order(policy, rows, tiebreak=tiebreak)
        mask[rows[order[:capacity]]] = True
    return mask


def _tiebreak(rows: int, seed: int) -> np.ndarray:
    return np.random.default_rng([seed, 0]).random(rows)


def format_amount(value: float, unit: str) -> str:
    """A money amount as a reader wants it: 1.6M KRW, -250k KRW, 980 KRW."""
    sign = "-" if value < 0 else ""
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{sign}{size / limit:.1f}{suffix} {unit}"
    return f"{sign}{size:.0f} {unit}"


def as_table(report: KpiReport) -> pd.DataFrame:
    """The KPI per test period and overall, for a reader."""
    rows = [
        {
            "period": label,
            "today": values["baseline"],
            "model": values["model"],
            "lift": values["model"] - values["baseline"],
        }
        for label, values in report.per_period.items()
    ]
    rows.append(
        {
            "period": f"mean per {report.period}",
            "today": report.baseline,
            "model": report.model,
            "lift": report.lift,
        }
    )
    return pd.DataFrame(rows)


def lift_summary(report: KpiReport) -> str:
    """One line: the lift per period and its interval, as a reader wants it."""
    low = format_amount(report.lift_ci_low, report.unit)
    high = format_amount(report.lift_ci_high, report.unit)
    lift = format_amount(report.lift, report.unit)
    return f"lift {lift} per {report.period} [{low}, {high}]"
