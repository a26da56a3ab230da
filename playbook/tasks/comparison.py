"""What stage 4 concludes, whatever the task: the ladder of policies on the test rows.

Every task (a yes/no decision with a capacity, a forecast, a routing choice) fills the
same shapes, so that stages 5 to 7, the model card and the reports read one format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from playbook.data.calendar import CalendarReport
from playbook.tasks.contact_policy import ContactPolicies
from playbook.tasks.decision import Decision
from playbook.tasks.experiment import ExperimentInputs
from playbook.tasks.holdout import Holdout
from playbook.tasks.kpi import KpiReport
from playbook.tasks.training_sample import TrainingSample

TODAY, BASELINE, CANDIDATE = "today", "baseline", "candidate"
MODEL_NAME = "the model"
"""What the reader sees for the chosen model's policy, in every task."""

# The columns every task's scored test rows have, one row per test row:
#   id, period: which row and which KPI period it falls in
#   actual: the observed outcome (label, number or class)
#   decision_model, decision_today: what each policy decided for the row (contact or
#       not, the forecast, the route or "person")
#   value_model, value_today: the money each decision earned on the row, in the KPI's
#       unit, signed so that more is better (a cost is negative)
SCORE_COLUMNS = (
    "id",
    "period",
    "actual",
    "decision_model",
    "decision_today",
    "value_model",
    "value_today",
)


@dataclass(frozen=True)
class Rung:
    """One policy on the ladder: a baseline or a candidate model, on the test rows.

    `kpi` is the policy's KPI per period in the charter's unit (a value, or a cost when
    the KPI's `better` is "lower"); `metrics` are the secondary ML metrics, by name
    (e.g. roc_auc, average_precision, brier; wape, mape; macro_f1, accuracy).
    """

    name: str
    role: str
    kpi: float
    chosen: bool = False
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Candidate:
    """One candidate model as tuned on the validation rows, before the test rows.

    `skipped` says why a candidate was not fitted (its `validation_kpi` is then NaN);
    empty when it was.
    """

    name: str
    validation_kpi: float
    params: dict[str, Any]
    fit_seconds: float
    chosen: bool
    skipped: str = ""


@dataclass(frozen=True)
class Scored:
    """The chosen model and the baselines applied to the same labelled rows."""

    kpi: KpiReport
    ladder: list[Rung]
    experiment_inputs: ExperimentInputs | None
    rows: pd.DataFrame
    contact_policies: ContactPolicies | None = None


@dataclass(frozen=True)
class Calibration:
    """Whether a yes/no model's scores are published as probabilities, and why.

    Attributes:
        calibrated: True when a sigmoid fitted on validation scores turns them
            into probabilities; False when it could not (the scores are then a
            ranking, published as scores, never as probabilities).
        slope: The sigmoid's slope on the score; negative when a higher score means
            a higher chance of a positive, as it should.
        weak_signal: True when the fallback happened because a higher score did not
            mean a higher chance of a positive on rows the model had not seen: the
            signal is weak.
    """

    calibrated: bool
    slope: float
    weak_signal: bool


@dataclass(frozen=True)
class Comparison:
    """Everything stage 4 concluded, and the fitted model.

    `task` is the charter's `kpi.kind`; `model` is a fitted scikit-learn pipeline that
    reads `frame[features]`; `experiment_inputs` feed stage 6's A/B sizing and are None
    when the task has no A/B design (forecasts). `test_frame` holds the test rows with
    every column, as the model read them (a forecast's lag columns included), in the
    order of `rows`. `periods` (each row's KPI period, in the order the holdout's
    positions index) and `validation` (the positions tuning judged on) draw the split;
    None when the task does not give them. `calibration` says whether a yes/no model's
    scores are probabilities (None for the other tasks); `calendar` what a forecast
    found in its calendar (None for the other tasks); `contact_policies` sets a
    yes/no model's break-even and fill-capacity policies side by side (None for the
    other tasks); `training_sample` the seeded sample of the training rows a yes/no
    model was fitted on, when they were more than `training_sample.MAX_TRAINING_ROWS`
    (None when it was fitted on all of them). `refitted` is False when the model is
    the chosen setting as tuning fitted it, without the validation rows: on wide
    data, when the final fit did not fit in what was left of the tuning budget.
    """

    task: str
    holdout: Holdout
    model: Pipeline
    model_name: str
    features: list[str]
    kpi: KpiReport
    decision: Decision
    ladder: list[Rung]
    candidates: list[Candidate]
    experiment_inputs: ExperimentInputs | None
    rows: pd.DataFrame
    test_frame: pd.DataFrame | None = None
    periods: np.ndarray | None = None
    validation: np.ndarray | None = None
    calibration: Calibration | None = None
    calendar: CalendarReport | None = None
    contact_policies: ContactPolicies | None = None
    training_sample: TrainingSample | None = None
    refitted: bool = True

    def latest_test_rows(self) -> pd.DataFrame:
        """The test rows of the latest period: one scoring run's list."""
        if self.test_frame is None:
            raise ValueError("this comparison kept no test rows (test_frame is None)")
        latest = self.rows["period"].to_numpy() == max(self.rows["period"])
        return self.test_frame.iloc[np.flatnonzero(latest)]


def ladder_frame(ladder: list[Rung]) -> pd.DataFrame:
    """The ladder as a table: one row per policy, its KPI and its secondary metrics."""
    return pd.DataFrame(
        [
            {"policy": rung.name, "role": rung.role, "kpi": rung.kpi, **rung.metrics}
            for rung in ladder
        ]
    )
