"""Light tuning within a time budget: candidates' settings scored on validation rows.

Every candidate is fitted with its default settings whatever the budget, so a short
budget still compares a linear model with a tree ensemble; further settings are tried,
round-robin across candidates, until the budget is spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sklearn.pipeline import Pipeline

from playbook.tasks.comparison import Candidate
from playbook.tasks.models import CandidateSpec


@dataclass(frozen=True)
class Tuned:
    """The tried settings of every candidate, and the best one."""

    tried: list[Candidate]
    best_spec: CandidateSpec
    best_params: dict[str, Any]
    seconds: float


def tune(
    specs: Sequence[CandidateSpec],
    *,
    fit_rows: tuple[pd.DataFrame, Any],
    validate: Callable[[Pipeline], float],
    seconds: float,
    seed: int,
    trials: int | None = None,
) -> Tuned:
    """Fit each candidate's settings on `fit_rows` and keep the best by `validate`.

    Settings are tried in a fixed order (round-robin across candidates), so a rerun
    that tries as many settings reaches the same model to the last digit: pass
    `trials` (the number a first run tried) to repeat a run whatever the clock says.

    Args:
        specs: The candidates, each with its settings, defaults first.
        fit_rows: Features and target to fit on.
        validate: Scores a fitted pipeline on the validation rows (higher is better).
        seconds: Wall-time budget; no new setting starts after it is spent, but
            every candidate's defaults are fitted.
        seed: Seed for the models.
        trials: Try exactly this many settings and ignore `seconds`.
    """
    started = time.perf_counter()
    features, target = fit_rows
    results: list[tuple[float, int, CandidateSpec, dict[str, Any], float]] = []
    order_of_trials = [
        (order, spec, spec.settings[round_index])
        for round_index in range(max(len(spec.settings) for spec in specs))
        for order, spec in enumerate(specs)
        if round_index < len(spec.settings)
    ]
    for index, (order, spec, params) in enumerate(order_of_trials):
        spent = time.perf_counter() - started > seconds
        if (trials is not None and index >= trials) or (
            trials is None and index >= len(specs) and spent
        ):
            break
        fit_started = time.perf_counter()
        pipeline = spec.build(params, seed).fit(features, target)
        fit_seconds = time.perf_counter() - fit_started
        results.append((validate(pipeline), order, spec, params, fit_seconds))
    # Ties go to the candidate listed first (the simpler model).
    best = max(results, key=lambda item: (item[0], -item[1]))
    tried = [
        Candidate(
            name=spec.name,
            validation_kpi=value,
            params=dict(params),
            fit_seconds=fit_seconds,
            chosen=item is best,
        )
        for item in results
        for value, _, spec, params, fit_seconds in (item,)
    ]
    return Tuned(
        tried=tried,
        best_spec=best[2],
        best_params=dict(best[3]),
        seconds=time.perf_counter() - started,
    )
