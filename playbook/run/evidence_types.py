"""Which evidence type each stage saves, so that the runner reads outcomes typed.

Every stage is listed: the runner and the manifest read each outcome into its
evidence dataclass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playbook.beyond import beyond_stage, iterate_stage, scale_up_stage
from playbook.charter import business_stage, team_stage
from playbook.core import journey
from playbook.data import strategy_stage
from playbook.tasks import poc_stage

EVIDENCE_TYPES: dict[str, type] = {
    business_stage.STAGE: business_stage.BusinessEvidence,
    team_stage.STAGE: team_stage.TeamEvidence,
    strategy_stage.STAGE: strategy_stage.DataStrategyEvidence,
    poc_stage.STAGE: poc_stage.PocEvidence,
    beyond_stage.STAGE: beyond_stage.BeyondEvidence,
    iterate_stage.STAGE: iterate_stage.IterateEvidence,
    scale_up_stage.STAGE: scale_up_stage.ScaleUpEvidence,
}


def load_outcome(run_dir: str | Path, key: str) -> journey.StageOutcome[Any] | None:
    """Read a stage's outcome with its evidence type; None if it recorded none.

    Raises:
        EvidenceError: The saved evidence does not fit the stage's evidence type.
    """
    return journey.load(run_dir, key, EVIDENCE_TYPES[key])
