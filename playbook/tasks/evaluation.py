"""Stage 4: the candidate models against today's baseline, on the business KPI.

The charter's `kpi.kind` picks the task: `top_k` (a yes/no decision with a capacity),
`forecast` (a number planned ahead) or `routing` (one label among many, from text).
Each task returns the same `Comparison`, so the later stages read one shape.
"""

from __future__ import annotations

import pandas as pd
from sklearn.pipeline import Pipeline

from playbook.charter.model import Charter
from playbook.tasks import holdout, tuning
from playbook.tasks.column_findings import ColumnFindings
from playbook.tasks.comparison import Comparison, Scored

# Wall time for tuning the candidates, when the run's parameters do not set one.
DEFAULT_TUNING_SECONDS = 60.0

__all__ = [
    "DEFAULT_TUNING_SECONDS",
    "Comparison",
    "Scored",
    "compare",
    "held_out",
    "score",
    "split",
    "test_rows",
]


def compare(
    frame: pd.DataFrame,
    findings: ColumnFindings | None = None,
    *,
    poc: Charter,
    seed: int,
    tuning_seconds: float = DEFAULT_TUNING_SECONDS,
    trials: int | None = None,
    refitted: bool = True,
) -> Comparison:
    """Tune and fit the candidates, and judge the best against every baseline.

    Args:
        frame: The data.
        findings: Stage 3's PII and leak findings on this data
            (`column_findings.from_data_strategy`), reused for a yes/no task's
            features; None, and for the other tasks, they are found again.
        poc: The charter.
        seed: Fixes every random choice.
        tuning_seconds: Wall time for tuning; settings are tried in a fixed order
            until it is spent.
        trials: Try exactly this many settings whatever the clock (to repeat a run:
            pass the number of candidates the first run tried).
        refitted: With `trials`, whether the first run fitted its chosen model again
            on every training row (`PocEvidence.refitted`); False keeps tuning's
            fit, as a first run on wide data may have.

    Raises:
        CharterError: The charter lacks a section the task needs, or it does not fit
            the data.
        DataError: The data cannot be split into training and test rows for the task.
    """
    budget = tuning.Budget(seconds=tuning_seconds, trials=trials, refit=refitted)
    top_k = poc.need("kpi").kind == "top_k"
    options = {"findings": findings} if top_k else {}
    return _task(poc).compare(frame, poc=poc, seed=seed, budget=budget, **options)


def score(
    rows: pd.DataFrame,
    *,
    model: Pipeline,
    features: list[str],
    poc: Charter,
    contact_threshold: float | None = None,
    seed: int,
) -> Scored:
    """Apply a fitted model and the baselines to labelled rows and compare them.

    `contact_threshold` is a yes/no model's break-even (stage 4's), read by no
    other task.
    """
    top_k = poc.need("kpi").kind == "top_k"
    options = {"threshold": contact_threshold} if top_k else {}
    return _task(poc).score(
        rows, model=model, features=features, poc=poc, seed=seed, **options
    )


def split(frame: pd.DataFrame, *, poc: Charter, seed: int) -> holdout.Holdout:
    """The split of `frame`'s rows as stage 4 judges them, in the KPI's periods.

    For a forecast the periods are the KPI's (weeks, say), not the time column's
    days; rows that stage 4 leaves out for lack of history still count here, on the
    training side.
    """
    # A charter without a KPI has no period to judge in: `need` says so.
    poc.need("kpi")
    return holdout.split(
        frame, poc=poc, seed=seed, periods=holdout.periods_of(frame, poc=poc)
    )


def test_rows(frame: pd.DataFrame, *, poc: Charter, seed: int) -> pd.DataFrame:
    """The test rows stage 4 judged, every column, in the order of its scored rows."""
    return held_out(frame, poc=poc, seed=seed)[1]


def held_out(
    frame: pd.DataFrame, *, poc: Charter, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and the test rows as stage 4 split them, every column.

    A forecast's rows carry their history columns, and rows without a full season
    of history are on neither side, as in stage 4.
    """
    if poc.need("kpi").kind == "forecast":
        from playbook.tasks import forecast

        enriched, _, split = forecast.prepare(frame, poc=poc, seed=seed)
    else:
        enriched, split = frame, holdout.split(frame, poc=poc, seed=seed)
    return enriched.iloc[split.train], enriched.iloc[split.test]


def _task(poc: Charter):
    kind = poc.need("kpi").kind
    if kind == "forecast":
        from playbook.tasks import forecast

        return forecast
    if kind == "routing":
        from playbook.tasks import routing

        return routing
    from playbook.tasks import top_k

    return top_k
