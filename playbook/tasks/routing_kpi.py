"""What routing decisions earn: each ticket's value, the KPI and its interval.

A ticket routed right earns `kpi.value_per_correct`, one routed wrong costs
`kpi.cost_per_wrong`, and one left to a person earns nothing. `playbook.tasks.routing`
scores the routers and baselines with these measures.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from playbook.charter import kpi_terms
from playbook.charter.model import Kpi
from playbook.tasks import bootstrap
from playbook.tasks.kpi import KpiReport, lift_report
from playbook.tasks.text_routers import PERSON


def row_values(actual: np.ndarray, decision: np.ndarray, *, kpi: Kpi) -> np.ndarray:
    """What each decision earned: the value if right, minus the cost if wrong, or 0."""
    actual = np.asarray(actual, dtype=object)
    decision = np.asarray(decision, dtype=object)
    routed = decision != PERSON
    right = routed & (decision == actual)
    terms = kpi_terms.routing(kpi)
    return np.where(
        right, terms.value_per_correct, np.where(routed, -terms.cost_per_wrong, 0.0)
    ).astype(float)


def best_threshold(
    confidence: np.ndarray, correct: np.ndarray, *, kpi: Kpi
) -> tuple[float, float]:
    """The threshold that earns most when the tickets above it are routed; its value.

    Tickets are routed most confident first; every cut between two distinct
    confidences is tried, and the threshold is the midpoint of the cut. Routing none
    (threshold 1) wins ties, so a router is never asked to take risks for nothing.

    Args:
        confidence: The router's top probability for each ticket.
        correct: Whether its top label is the ticket's label.
        kpi: The charter's KPI (value of a right route, cost of a wrong one).

    Returns:
        The threshold and the total value on these tickets.
    """
    confidence = np.asarray(confidence, dtype=float)
    order = np.argsort(-confidence, kind="stable")
    ranked = confidence[order]
    terms = kpi_terms.routing(kpi)
    gains = np.where(
        np.asarray(correct)[order], terms.value_per_correct, -terms.cost_per_wrong
    )
    if not len(ranked):
        return 1.0, 0.0
    ends = np.flatnonzero(np.r_[ranked[:-1] > ranked[1:], True])
    totals = np.r_[0.0, np.cumsum(gains)[ends]]
    best = int(np.argmax(totals))
    if best == 0:
        return 1.0, 0.0
    end = ends[best - 1]
    threshold = (ranked[end] + ranked[end + 1]) / 2 if end + 1 < len(ranked) else 0.0
    return float(threshold), float(totals[best])


def kpi_report(
    model_values: np.ndarray,
    today_values: np.ndarray,
    periods: np.ndarray,
    *,
    kpi: Kpi,
    baseline_name: str,
    seed: int,
    periods_worth: float | None = None,
) -> KpiReport:
    """The model's KPI per period against today's, with an interval on the lift.

    With two test periods or more the interval is a t-interval on the per-period
    lifts (it allows for one month differing from the next); with one, a paired
    bootstrap of the tickets.

    Args:
        model_values: What each ticket earned under the model's decisions.
        today_values: What it earned under today's baseline.
        periods: Each ticket's KPI period.
        kpi: The charter's KPI.
        baseline_name: The baseline's name, for the reader.
        seed: Seed of the bootstrap (one period only).
        periods_worth: Without a time column, how many real periods' worth of
            tickets they are (`period_scaling`), for the interval's words.
    """
    labels = sorted(set(periods))
    per_period = {
        label: {
            "model": float(model_values[periods == label].sum()),
            "baseline": float(today_values[periods == label].sum()),
        }
        for label in labels
    }
    difference = model_values - today_values
    interval = bootstrap.for_lift(
        np.array(
            [values["model"] - values["baseline"] for values in per_period.values()]
        ),
        confidence=kpi.confidence,
        minimum=kpi.min_lift,
        period=kpi.period,
        resample=lambda: bootstrap.within_periods(
            difference, periods, resamples=kpi.bootstrap_resamples, seed=seed
        ),
        resample_words=(
            f"paired bootstrap, {kpi.bootstrap_resamples} resamples of the test tickets"
        ),
        periods_worth=periods_worth,
    )
    return lift_report(
        kpi,
        baseline_name=baseline_name,
        model=value_per_period(model_values, periods),
        baseline=value_per_period(today_values, periods),
        interval=interval,
        test_rows=len(periods),
        per_period=per_period,
    )


def value_per_period(values: np.ndarray, periods: np.ndarray) -> float:
    """The total of `values` per period the rows span."""
    return float(np.sum(values) / len(set(periods)))


def decision_metrics(actual: np.ndarray, decision: np.ndarray) -> dict[str, float]:
    """Accuracy, coverage, accuracy among the routed, and macro F1 of `decision`."""
    routed = decision != PERSON
    right = routed & (decision == actual)
    present = sorted(set(actual))
    return {
        "accuracy": float(right.mean()),
        "coverage": float(routed.mean()),
        "routed_accuracy": float(right.sum() / routed.sum())
        if routed.any()
        else np.nan,
        "macro_f1": float(
            f1_score(
                actual.astype(str),
                decision.astype(str),
                labels=present,
                average="macro",
                zero_division=0,
            )
        ),
    }


def model_metrics(
    actual: np.ndarray, top: np.ndarray, top_label: np.ndarray
) -> dict[str, float]:
    """How often the likeliest label is right; the Brier score of its probability."""
    correct = (top_label == actual).astype(float)
    return {
        "top1_accuracy": float(correct.mean()),
        "top_brier": float(np.mean((top - correct) ** 2)),
    }
