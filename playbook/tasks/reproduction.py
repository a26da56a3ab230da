"""A cheap proof that training is reproducible: the chosen settings fitted on a sample.

Repeating stage 4's whole comparison to show that it reproduces costs as much as stage 4
itself (minutes on a million rows). Instead stage 4 fits its chosen model's settings
once more on a seeded sample of the training rows and records two fingerprints: of the
sample, and of what the re-fitted model predicts for it, to the last bit. Stage 7 does
the same in its own process and compares (`playbook.beyond.reproducibility`): the same
sample and the same predictions mean that fitting depends on nothing the run does not
pin (the seed, the settings, the data).

A calibrated model is re-fitted without its calibration: its sigmoid is fitted on
tuning's validation scores, not on the sample, and the learner is what could carry an
unpinned choice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from playbook.charter.model import Charter
from playbook.tasks import models, top_k
from playbook.tasks.calibration import SigmoidCalibrated

# Training rows in the sample: enough for every candidate to fit (a few dozen
# positives at a 1% rate), few enough to fit in about a second.
SAMPLE_ROWS = 2_000
# On wide data fewer rows, so that rows x feature columns stays under this: a fit
# costs about as much per cell, and 2,000 rows of 3,000 columns took 3 s of CPU in
# stage 4 and again in stage 7 (narrow data, up to 250 columns, keeps 2,000 rows).
SAMPLE_CELLS = 500_000
# But never fewer rows than this, however wide: the fit must still see both
# outcomes and use its regularisation and leaves as on the full data.
MIN_SAMPLE_ROWS = 300


@dataclass(frozen=True)
class SampleFit:
    """The chosen model's settings fitted on a seeded sample of the training rows.

    Attributes:
        learner: The estimator re-fitted, by its class (the chosen pipeline's last
            step, without a calibration wrapper).
        rows: How many training rows the sample holds.
        sample_sha256: Fingerprint of the sample: its features and target, in order.
        predictions_sha256: Fingerprint of what the re-fitted model predicts for the
            sample, bit for bit; None when it could not be fitted.
        problem: Why the sample could not be fitted (one class only, say); None
            when it was.
    """

    learner: str
    rows: int
    sample_sha256: str
    predictions_sha256: str | None
    problem: str | None = None


def sample_fit(
    train: pd.DataFrame,
    *,
    model: Pipeline,
    features: list[str],
    poc: Charter,
    task: str,
    seed: int,
) -> SampleFit:
    """Fit `model`'s settings (not its fitted state) on a seeded sample of `train`.

    The sample holds `sample_size` rows: fewer on wide data, the same number in
    stage 7, which calls this with the same arguments.

    Args:
        train: The training rows, as stage 4 split them (`evaluation.held_out`).
        model: The chosen, fitted pipeline; it is cloned, never changed.
        features: The columns it reads.
        poc: The charter (its target and positive label).
        task: "top_k", "forecast" or "routing": what the model is fitted to.
        seed: The run's seed: it draws the sample, and the settings carry it.
    """
    size = sample_size(len(train), columns=len(features))
    chosen = np.sort(np.random.default_rng(seed).choice(len(train), size, False))
    # Packed as stage 4 packs its rows: stage 7 reads the file as it is.
    sample = models.packed(train.iloc[chosen])
    target = _fit_target(sample, poc=poc, task=task)
    sample_sha = _sha256(
        pd.util.hash_pandas_object(sample[features], index=False).to_numpy(),
        np.asarray(target),
    )
    learner = _learner(model)
    name = type(learner[-1] if isinstance(learner, Pipeline) else learner).__name__
    try:
        # One thread: on 2,000 rows OpenMP's threads mostly wait on each other (a
        # minute of CPU instead of a second on a loaded 2-core machine); gradient
        # boosting sums each histogram on one thread anyway, so the fit and its
        # fingerprint are the same.
        with threadpool_limits(limits=1):
            refitted = clone(learner).fit(sample[features], target)
    except ValueError as error:  # a sample with one class, too few rows to fit
        first_line = str(error).split("\n")[0]
        return SampleFit(name, size, sample_sha, None, problem=first_line)
    predicted = (
        refitted.predict_proba(sample[features])
        if hasattr(refitted, "predict_proba")
        else refitted.predict(sample[features])
    )
    return SampleFit(
        name, size, sample_sha, _sha256(np.asarray(predicted, dtype=float))
    )


def sample_size(rows: int, *, columns: int) -> int:
    """How many of `rows` training rows the sample fit takes, `columns` wide.

    `SAMPLE_ROWS`, or fewer on wide data (`SAMPLE_CELLS` cells, at least
    `MIN_SAMPLE_ROWS` rows), and never more than there are.
    """
    by_cells = SAMPLE_CELLS // max(columns, 1)
    return min(rows, SAMPLE_ROWS, max(by_cells, MIN_SAMPLE_ROWS))


def _learner(model: Pipeline) -> Any:
    """The estimator a calibrated pipeline wraps; any other pipeline as it is."""
    last = model[-1] if isinstance(model, Pipeline) else model
    # Models saved before the sigmoid was fitted on validation rows wrap their
    # learner in scikit-learn's cross-validated calibration.
    if isinstance(last, SigmoidCalibrated | CalibratedClassifierCV):
        return last.estimator
    return model


def _fit_target(rows: pd.DataFrame, *, poc: Charter, task: str) -> np.ndarray:
    """What each task fits its model to: yes/no, a number, a label as text."""
    if task == "top_k":
        return top_k.is_positive(rows, poc=poc)
    values = rows[poc.data.target]
    if task == "forecast":
        return values.to_numpy(dtype=float)
    return values.astype(str).to_numpy(dtype=object)


def _sha256(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        if array.dtype == object:
            digest.update("\0".join(map(str, array)).encode())
        else:
            digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()
