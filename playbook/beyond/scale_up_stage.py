"""Stage 7's evidence: production readiness, the run's final decision and the memo.

`build` reads what stages 1-6 of the run recorded, re-runs the POC's comparison and
calls the scoring entry point itself, then decides. The notebook saves the
`ScaleUpEvidence` it returns; the manifest reads its `decision` as the run's decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook import data
from playbook.beyond import monitoring, readiness
from playbook.beyond.readiness import Memo, Readiness
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.tasks import evaluation
from playbook.tasks.decision import Decision

STAGE = "07_scale_up_evaluation"
# The next steps as a shell script, in the run folder.
NEXT_STEPS = "next_steps.sh"


@dataclass(frozen=True)
class ScaleUpEvidence:
    """What stage 7 decided.

    Attributes:
        readiness: Every readiness item, and how many of the decided ones are met.
        decision: The run's final decision (the manifest reads it under this name).
        memo: The final evaluation for the executive sponsor.
    """

    readiness: Readiness
    decision: Decision
    memo: Memo


@dataclass(frozen=True)
class ScaleUp:
    """Stage 7's outcome, and the next steps as a shell script to keep with the run."""

    outcome: journey.StageOutcome[ScaleUpEvidence]
    next_steps: str


def build(
    poc: Charter,
    *,
    out_dir: str | Path,
    data_path: str | Path | None,
    seed: int,
    charter_file: str,
    run: dict[str, Any] | None,
) -> ScaleUp:
    """Judge readiness from the run's evidence, decide, and write the memo.

    Args:
        poc: The charter.
        out_dir: The run folder (the earlier stages' evidence and the saved model).
        data_path: The data file to read instead of the charter's `data.path`.
        seed: The run's seed, to repeat stage 4's comparison.
        charter_file: The charter's path, for the next steps' commands.
        run: The run's manifest; None when the notebooks ran outside `playbook run`.

    Raises:
        EvidenceError: An earlier stage's saved evidence cannot be read back.
    """
    earlier = readiness.run_evidence(out_dir)
    stage4 = earlier.poc.evidence if earlier.poc is not None else None
    frame = data.read(poc, path=data_path)
    again = evaluation.compare(
        frame,
        poc=poc,
        seed=seed,
        trials=stage4.tuning_trials if stage4 is not None else None,
    )
    fresh = monitoring.fresh_batch(poc)
    # Without a fresh batch the entry point is tried on the test rows: a smoke test of
    # scoring, not a judgement on later data.
    smoke_rows, smoke_source = (
        (fresh.rows, "the fresh batch")
        if fresh is not None
        else (
            frame.iloc[evaluation.split(frame, poc=poc, seed=seed).test],
            "the test rows (no fresh batch)",
        )
    )
    own = [
        readiness.reproducibility(
            stage4.kpi if stage4 is not None else None, again.kpi
        ),
        readiness.scoring_smoke(
            journey.artifact(out_dir, journey.MODEL_DIR),
            smoke_rows.drop(columns=[poc.data.target], errors="ignore"),
            source=smoke_source,
        ),
    ]
    ready = readiness.readiness(earlier, run=run, own=own)
    verdict = readiness.final_decision(earlier, ready=ready)
    memo = readiness.memo(
        verdict,
        poc=poc,
        earlier=earlier,
        ready=ready,
        charter_file=charter_file,
        run_dir=str(out_dir),
    )
    evidence = ScaleUpEvidence(readiness=ready, decision=verdict, memo=memo)
    outcome = journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED,
        summary=summary(evidence),
        reasons=verdict.reasons,
        evidence=evidence,
    )
    return ScaleUp(outcome=outcome, next_steps=readiness.next_steps_script(memo))


def summary(evidence: ScaleUpEvidence) -> str:
    """Stage 7 in one line: the decision and how many decided items are met."""
    ready = evidence.readiness
    return (
        f"{evidence.decision.decision}; readiness: {ready.met} of {ready.decided} "
        "decided items met"
    )
