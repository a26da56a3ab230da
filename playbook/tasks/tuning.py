"""Light tuning within a time budget: candidates' settings scored on validation rows.

Every candidate is fitted with its default settings whatever the budget, so a short
budget still compares a linear model with a tree ensemble; further settings are tried,
round-robin across candidates, until the budget is spent.

Wide data is the exception: one fit on thousands of columns can outlast any budget
(gradient boosting's class-weighted binning costs about a tenth of a second per column
at a few thousand rows). Above `PROBE_ABOVE_COLUMNS` feature columns each candidate's
defaults are first fitted on `PROBE_COLUMNS` of the columns, and a candidate whose
projected full fit does not fit in what is left of the budget is skipped, with the
reason, unless no candidate fits (the cheapest is then fitted). Narrower data is tuned
exactly as before.

The final fit counts against the budget too: no further setting starts once what is
left of it is less than that setting's fit plus the final fit's expected time (the
chosen setting's timed fit, scaled by the final fit's rows). On wide data, when what
is left cannot hold the final fit either, `Tuned.refit` is False and the caller keeps
the chosen setting as tuning fitted it (`Tuned.fitted`) rather than fitting it again.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from playbook.tasks.comparison import Candidate
from playbook.tasks.models import CandidateSpec

# Narrow data (every demo has under 50 columns) is never probed: its fits take seconds.
PROBE_ABOVE_COLUMNS = 100
# Fit time grows about linearly with the columns (binning and histograms are per
# column), so a fit on this many evenly spaced columns, times width / this, projects
# the full fit at a small fraction of its cost.
PROBE_COLUMNS = 8


@dataclass(frozen=True)
class Budget:
    """How much tuning may try: a wall time, or a fixed number of settings.

    Attributes:
        seconds: Wall time; no new setting starts after it is spent, but every
            candidate's defaults are fitted (on wide data, only those whose projected
            fit fits in what is left; see the module's docstring).
        trials: Try exactly this many settings and ignore `seconds` (no candidate is
            skipped on wide data either): pass the number a first run tried to repeat
            it whatever the clock says.
        refit: With `trials`, whether the run repeated fitted its chosen setting
            again on every training row (`PocEvidence.refitted`): False keeps
            tuning's fit, as that run did on wide data. Ignored without `trials`
            (the clock decides).
    """

    seconds: float
    trials: int | None = None
    refit: bool = True


@dataclass(frozen=True)
class Tuned:
    """The tried settings of every candidate, and the best one.

    `skipped` holds the candidates not fitted on wide data, each with the reason.
    `fitted` is the best setting as tuning fitted it; `refit` says whether its final
    fit is expected to fit in what is left of the budget (always True on narrow
    data; with `Budget.trials`, the repeated run's `Budget.refit`).
    """

    tried: list[Candidate]
    best_spec: CandidateSpec
    best_params: dict[str, Any]
    seconds: float
    skipped: list[Candidate] = field(default_factory=list)
    fitted: Pipeline | None = None
    refit: bool = True


# Over 80 lines with its docstring: one loop holds the clock, the skips of what cannot
# fit and the fixed order of trials; a rerun repeats a model only if all three agree.
def tune(
    specs: Sequence[CandidateSpec],
    *,
    fit_rows: tuple[pd.DataFrame, Any],
    validate: Callable[[Pipeline], float],
    budget: Budget,
    seed: int,
    refit_scale: float = 1.0,
    clock: Callable[[], float] = time.perf_counter,
) -> Tuned:
    """Fit each candidate's settings on `fit_rows` and keep the best by `validate`.

    Settings are tried in a fixed order (round-robin across candidates), so a rerun
    that tries as many settings reaches the same model to the last digit: a budget
    of `trials` (the number a first run tried) repeats a run whatever the clock says.

    Args:
        specs: The candidates, each with its settings, defaults first.
        fit_rows: Features and target to fit on.
        validate: Scores a fitted pipeline on the validation rows (higher is better).
        budget: The wall time, or the number of settings, tuning may try.
        seed: Seed for the models.
        refit_scale: The final fit's rows over `fit_rows`' rows: the chosen
            setting's fit time times this is the final fit's expected time.
        clock: Seconds now; injected by tests to make the budget independent of load.
    """
    started = clock()
    seconds, trials = budget.seconds, budget.trials
    features, target = fit_rows
    results: list[tuple[float, int, CandidateSpec, dict[str, Any], float]] = []
    skipped: list[Candidate] = []
    projected = (
        _probe(specs, fit_rows=fit_rows, seed=seed, clock=clock)
        if trials is None and features.shape[1] > PROBE_ABOVE_COLUMNS
        else {}
    )
    # A candidate skipped only while another can still be fitted: the cheapest never is.
    cheapest = min(projected, key=lambda order: projected[order], default=None)
    order_of_trials = [
        (order, spec, spec.settings[round_index])
        for round_index in range(max(len(spec.settings) for spec in specs))
        for order, spec in enumerate(specs)
        if round_index < len(spec.settings)
    ]
    fitted_seconds: dict[int, float] = {}
    best: tuple[float, int, CandidateSpec, dict[str, Any], float] | None = None
    best_fitted: Pipeline | None = None
    for index, (order, spec, params) in enumerate(order_of_trials):
        left = seconds - (clock() - started)
        # The final fit's time is kept out of what further settings may spend.
        final = best[4] * refit_scale if best else 0.0
        if (trials is not None and index >= trials) or (
            trials is None
            and index >= len(specs)
            and left < fitted_seconds.get(order, 0.0) + final
        ):
            break
        if order in projected:
            expected = fitted_seconds.get(order, projected[order])
            if expected > left and (order != cheapest or index >= len(specs)):
                if index < len(specs):
                    skipped.append(
                        _skipped(
                            spec,
                            params,
                            projected[order],
                            width=features.shape[1],
                            left=left,
                            of=seconds,
                        )
                    )
                continue
        fit_started = clock()
        pipeline = spec.build(params, seed).fit(features, target)
        fit_seconds = clock() - fit_started
        fitted_seconds.setdefault(order, fit_seconds)
        results.append((validate(pipeline), order, spec, params, fit_seconds))
        # Ties go to the candidate listed first (the simpler model).
        if best is None or _ranked(results[-1]) > _ranked(best):
            best, best_fitted = results[-1], pipeline
    assert best is not None  # every candidate's defaults, or the cheapest, are fitted
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
    spent = clock() - started
    return Tuned(
        tried=tried,
        best_spec=best[2],
        best_params=dict(best[3]),
        seconds=spent,
        skipped=skipped,
        fitted=best_fitted,
        # Only where fits are costly: narrow data is always fitted again, as before;
        # a repeat does what the run it repeats did, whatever the clock.
        refit=budget.refit
        if trials is not None
        else features.shape[1] <= PROBE_ABOVE_COLUMNS
        or best[4] * refit_scale <= seconds - spent,
    )


def _ranked(
    result: tuple[float, int, CandidateSpec, dict[str, Any], float],
) -> tuple[float, int]:
    """Higher is better: the validation KPI, then the candidate listed first."""
    return result[0], -result[1]


def _probe(
    specs: Sequence[CandidateSpec],
    *,
    fit_rows: tuple[pd.DataFrame, Any],
    seed: int,
    clock: Callable[[], float],
) -> dict[int, float]:
    """Each candidate's projected seconds for its defaults on every column, by order.

    The defaults are fitted on all rows (so binning takes the same path as the full
    fit) but only `PROBE_COLUMNS` evenly spaced columns, and the time scaled up.
    """
    features, target = fit_rows
    width = features.shape[1]
    sample = features.iloc[:, np.linspace(0, width - 1, PROBE_COLUMNS).astype(int)]
    projected: dict[int, float] = {}
    for order, spec in enumerate(specs):
        fit_started = clock()
        # One thread: on a few columns OpenMP's threads mostly wait on each other (3x
        # the CPU on a shared 2-core machine), and a one-thread time overstates the
        # full fit's, so the projection stays an upper bound.
        with threadpool_limits(limits=1):
            spec.build(spec.settings[0], seed).fit(sample, target)
        projected[order] = (clock() - fit_started) * width / PROBE_COLUMNS
    return projected


def _skipped(
    spec: CandidateSpec,
    params: dict[str, Any],
    projected: float,
    *,
    width: int,
    left: float,
    of: float,
) -> Candidate:
    """A candidate left unfitted because its projected fit outlasts the budget.

    The projection scales the probe's whole time, fixed costs included, by the
    columns: an upper bound rather than a forecast, said as such.
    """
    probe = projected * PROBE_COLUMNS / width
    return Candidate(
        name=spec.name,
        validation_kpi=math.nan,
        params=dict(params),
        fit_seconds=0.0,
        chosen=False,
        skipped=(
            f"not fitted: its defaults took {probe:,.1f} s on {PROBE_COLUMNS} of the "
            f"{width:,} columns, so up to about {projected:,.0f} s on all of them, "
            f"more than the {max(left, 0):,.1f} s left of the {of:,.0f} s tuning budget"
        ),
    )
