"""Stage 4's evidence: what the POC found, as later stages and the memo read it.

The stage-4 notebook builds a `PocEvidence` and saves it with `journey.save`; stages
5-7, `playbook score`, the manifest, the portfolio and the memo read it back with
`journey.load(run_dir, "04_poc", PocEvidence)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playbook.tasks.comparison import Candidate, Rung
from playbook.tasks.decision import Decision
from playbook.tasks.experiment import ExperimentInputs
from playbook.tasks.kpi import KpiReport
from playbook.tasks.latency import LatencyReport
from playbook.tasks.segments import Segment

STAGE = "04_poc"


@dataclass(frozen=True)
class PocEvidence:
    """What stage 4 found: the KPI with its interval, the decision, and how.

    Attributes:
        task: "top_k", "forecast" or "routing".
        kpi: The model against today's baseline on the charter's KPI, with its interval.
        decision: Go, iterate or stop, with the reasons.
        split: How the rows were held out, in words.
        ladder: Every baseline and the model on the same test rows.
        model_name: The chosen candidate.
        candidates: Every setting tried on the validation rows.
        tuning_trials: How many settings were fitted (stage 7 repeats exactly these).
        experiment_inputs: Each arm's value per unit for stage 6's A/B plan; None
            where an online test of units does not apply (forecasts).
        latency: Prediction time against the charter's requirement.
        losing_segments: Segments where the model loses to today's baseline.
        fairness_groups: The model against today's baseline in each sensitive group.
    """

    task: str
    kpi: KpiReport
    decision: Decision
    split: str
    ladder: list[Rung]
    model_name: str
    candidates: list[Candidate]
    tuning_trials: int
    experiment_inputs: ExperimentInputs | None
    latency: LatencyReport
    losing_segments: list[Segment] = field(default_factory=list)
    fairness_groups: list[Segment] = field(default_factory=list)
