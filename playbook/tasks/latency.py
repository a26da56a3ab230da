"""How fast the model predicts, measured against the charter's requirement."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from playbook.charter.model import Prediction
from playbook.core.language import Language
from playbook.core.messages import marked, translated

# What the requirement is judged on, in words a page says in the reader's language.
JUDGED_ON_BATCH = marked("p95 of scoring %(rows)s rows at once")
JUDGED_ON_ROW = marked("p95 of scoring one row at a time")


@dataclass(frozen=True)
class LatencyReport:
    """Measured prediction times and whether they meet the requirement."""

    mode: str
    budget_ms: float | None
    batch_rows: int
    batch_p50_ms: float
    batch_p95_ms: float
    row_p50_ms: float
    row_p95_ms: float
    meets: bool | None
    judged_on: str


def measure(
    model: Pipeline,
    batch: pd.DataFrame,
    *,
    prediction: Prediction | None,
    repeats: int,
    single_rows: int,
    seed: int,
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
    """
    _predict(model)(batch.iloc[:1])  # the first call pays for lazy set-up
    batch_times = [_elapsed_ms(model, batch) for _ in range(repeats)]
    picks = np.random.default_rng(seed).integers(0, len(batch), size=single_rows)
    row_times = [_elapsed_ms(model, batch.iloc[[i]]) for i in picks]
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
    )


def judged_on(report: LatencyReport, *, language: Language) -> str:
    """What the requirement was judged on (`LatencyReport.judged_on`), in a language."""
    if report.mode == "batch":
        return translated(language, JUDGED_ON_BATCH, rows=f"{report.batch_rows:,}")
    return translated(language, JUDGED_ON_ROW)


def _elapsed_ms(model: Pipeline, rows: pd.DataFrame) -> float:
    predict = _predict(model)
    started = time.perf_counter()
    predict(rows)
    return (time.perf_counter() - started) * 1000


def _predict(model: Pipeline):
    return model.predict_proba if hasattr(model, "predict_proba") else model.predict
