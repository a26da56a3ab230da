"""How fast the model predicts, measured against the charter's requirement.

Whole-batch and one-row calls of the real pipeline (encoding included: that is what
a scoring service pays), as many as asked or, given a `Deadline`, until it passes;
at least `MIN_CALLS` of each whatever the clock, and the report says how many were
timed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from playbook.charter.model import Prediction
from playbook.core.language import Language
from playbook.core.messages import marked, translated
from playbook.tasks.deadline import Deadline, unlimited

# What the requirement is judged on, in words a page says in the reader's language.
JUDGED_ON_BATCH = marked("p95 of scoring %(rows)s rows at once")
JUDGED_ON_ROW = marked("p95 of scoring one row at a time")
# However short the allowance, this many whole-batch and one-row calls are timed: the
# p50 and p95 of fewer would be a single call's time.
MIN_CALLS = 3


@dataclass(frozen=True)
class LatencyReport:
    """Measured prediction times and whether they meet the requirement.

    `batch_calls` and `row_calls` count the whole-batch and one-row calls timed (0 in
    evidence saved before they were counted).
    """

    mode: str
    budget_ms: float | None
    batch_rows: int
    batch_p50_ms: float
    batch_p95_ms: float
    row_p50_ms: float
    row_p95_ms: float
    meets: bool | None
    judged_on: str
    batch_calls: int = 0
    row_calls: int = 0


def measure(
    model: Pipeline,
    batch: pd.DataFrame,
    *,
    prediction: Prediction | None,
    repeats: int,
    single_rows: int,
    seed: int,
    deadline: Deadline | None = None,
    warmed: bool = False,
) -> LatencyReport:
    """Time whole-batch and one-row predictions (p50 and p95 over repeated calls).

    A batch requirement is judged on the p95 of scoring the whole `batch` (one period's
    list); a real-time requirement on the p95 of scoring one row at a time.

    Args:
        model: A fitted pipeline; its `predict_proba` is timed when it has one (a
            classifier's scores), else its `predict` (a forecast).
        batch: The rows of one scoring run, feature columns only.
        prediction: The charter's requirement (None: nothing to judge against).
        repeats: Number of timed whole-batch calls.
        single_rows: Number of timed one-row calls, on rows drawn from `batch`.
        seed: Seed for drawing the single rows.
        deadline: Stops each kind of call once `MIN_CALLS` are timed and it has
            passed (the one-row calls still get their `MIN_CALLS`).
        warmed: The model has already predicted in this process (stage 4 scored
            the test rows with it), so no untimed first call is made to pay for
            its lazy set-up.
    """
    deadline = deadline or unlimited()
    if not warmed:
        _predict(model)(batch.iloc[:1])  # the first call pays for lazy set-up
    batch_times = _timed_calls(model, [batch] * repeats, deadline=deadline)
    picks = np.random.default_rng(seed).integers(0, len(batch), size=single_rows)
    # A slice, not `iloc[[i]]`: the same one-row frame without copying 3,000 columns.
    row_times = _timed_calls(
        model, (batch.iloc[i : i + 1] for i in picks), deadline=deadline
    )
    batch_p50, batch_p95 = np.percentile(batch_times, [50, 95])
    row_p50, row_p95 = np.percentile(row_times, [50, 95])
    budget = prediction.latency_budget_ms if prediction else None
    mode = prediction.mode if prediction else "unknown"
    judged = batch_p95 if mode == "batch" else row_p95
    return LatencyReport(
        mode=mode,
        budget_ms=budget,
        batch_rows=len(batch),
        batch_p50_ms=float(batch_p50),
        batch_p95_ms=float(batch_p95),
        row_p50_ms=float(row_p50),
        row_p95_ms=float(row_p95),
        meets=None if budget is None else bool(judged <= budget),
        judged_on=(
            JUDGED_ON_BATCH % {"rows": f"{len(batch):,}"}
            if mode == "batch"
            else JUDGED_ON_ROW
        ),
        batch_calls=len(batch_times),
        row_calls=len(row_times),
    )


def judged_on(report: LatencyReport, *, language: Language) -> str:
    """What the requirement was judged on (`LatencyReport.judged_on`), in a language."""
    if report.mode == "batch":
        return translated(language, JUDGED_ON_BATCH, rows=f"{report.batch_rows:,}")
    return translated(language, JUDGED_ON_ROW)


def _timed_calls(
    model: Pipeline, calls: Iterable[pd.DataFrame], *, deadline: Deadline
) -> list[float]:
    """Milliseconds of each call until `MIN_CALLS` are timed and the deadline passed."""
    times: list[float] = []
    calls = iter(calls)
    # The deadline before the next call's rows are drawn: drawing one costs too.
    while not (len(times) >= MIN_CALLS and deadline.passed()):
        rows = next(calls, None)
        if rows is None:
            break
        times.append(_elapsed_ms(model, rows))
    return times


def _elapsed_ms(model: Pipeline, rows: pd.DataFrame) -> float:
    predict = _predict(model)
    started = time.perf_counter()
    predict(rows)
    return (time.perf_counter() - started) * 1000


def _predict(model: Pipeline):
    return model.predict_proba if hasattr(model, "predict_proba") else model.predict
