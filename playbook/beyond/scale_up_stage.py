"""Stage 7's evidence: production readiness, the run's final decision and the memo.

`build` reads what stages 1-6 of the run recorded, checks that stage 4's result
reproduces without repeating its comparison (`reproducibility`: the saved model scores
a seeded sample of the test rows again, every row and the KPI are recomputed from the
saved scores, the chosen settings are fitted on a seeded sample) and calls the scoring
entry point itself, then decides. The notebook saves the `ScaleUpEvidence` it returns;
the manifest reads its `decision` as the run's decision.

The final decision's rule (`final_decision`): it is stage 4's decision, or worse when a
problem found after stage 4 caps it (drift, a missing or weak fresh batch, an A/B test
longer than a POC may take, any other readiness item not met); it is never better.
Every downgrade is named, and the reasons a reader sees argue for the decision shown:
at most four, none twice.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from playbook import data
from playbook.beyond import memo as memos
from playbook.beyond import monitoring, readiness, reproducibility, verdict
from playbook.beyond.memo import Memo
from playbook.beyond.readiness import Downgrade, Readiness
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.core.language import Language
from playbook.core.locale_format import format_money, per_period
from playbook.core.messages import marked, translated
from playbook.tasks import evaluation
from playbook.tasks.decision import DECISIONS, Decision
from playbook.tasks.decision_words import decision_code
from playbook.tasks.kpi import format_amount
from playbook.tasks.poc_stage import PocEvidence

STAGE = "07_scale_up_evaluation"
# The next steps as a shell script, in the run folder.
NEXT_STEPS = "next_steps.sh"
# A decision box a reader takes in at a glance.
MOST_REASONS = 4
NO_POC = "Stage 4 did not run in this run: there is no evidence to decide on."
# Rows the scoring entry point is tried on at most: every code path of scoring runs
# on a few thousand rows as on a million.
SMOKE_ROWS = 5_000


@dataclass(frozen=True)
class ScaleUpEvidence:
    """What stage 7 decided.

    Attributes:
        readiness: Every readiness item, and how many of the decided ones are met.
        decision: The run's final decision (the manifest reads it under this name).
        memo: The final evaluation for the executive sponsor.
        downgrades: Every problem found after stage 4 that caps the decision, whether
            or not it made the decision worse than stage 4's.
        uncertainty: What is still uncertain about stage 4's decision when it stands
            (which way an ITERATE leans, a lenient GO's risk), for the one-line
            summary; None when nothing is known or the decision was downgraded.
    """

    readiness: Readiness
    decision: Decision
    memo: Memo
    downgrades: list[Downgrade] = field(default_factory=list)
    uncertainty: str | None = None


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
        seed: The run's seed, to split the rows and score them as stage 4 did.
        charter_file: The charter's path, for the next steps' commands.
        run: The run's manifest; None when the notebooks ran outside `playbook run`.

    Raises:
        EvidenceError: An earlier stage's saved evidence cannot be read back.
    """
    earlier = readiness.run_evidence(out_dir)
    stage4 = earlier.poc.evidence if earlier.poc is not None else None
    frame = data.read(poc, path=data_path)
    held_out = evaluation.held_out(frame, poc=poc, seed=seed)
    fresh = monitoring.fresh_batch(poc)
    # Without a fresh batch the entry point is tried on the test rows, with the data's
    # own columns only (a forecast's rows carry history): a smoke test of scoring,
    # not a judgement on later data.
    smoke_rows, smoke_source = (
        (fresh.rows, marked("the fresh batch"))
        if fresh is not None
        else (held_out[1][frame.columns], marked("the test rows (no fresh batch)"))
    )
    smoke_rows, smoke_source = smoke_sample(
        smoke_rows,
        source=translated(poc.language, smoke_source),
        forecast=poc.need("kpi").kind == "forecast",
        language=poc.language,
    )
    own = [
        reproducibility.check(
            stage4,
            out_dir,
            poc=poc,
            held_out=held_out,
            seed=seed,
            language=poc.language,
        ),
        reproducibility.scoring_smoke(
            journey.artifact(out_dir, journey.MODEL_DIR),
            smoke_rows.drop(columns=[poc.data.target], errors="ignore"),
            source=smoke_source,
            language=poc.language,
        ),
    ]
    ready = readiness.readiness(earlier, run=run, own=own, language=poc.language)
    outcome = evaluate(
        earlier, ready=ready, poc=poc, charter_file=charter_file, run_dir=str(out_dir)
    )
    return ScaleUp(
        outcome=outcome,
        next_steps=memos.next_steps_script(outcome.evidence.memo),
    )


def smoke_sample(
    rows: pd.DataFrame, *, source: str, forecast: bool, language: Language = "en"
) -> tuple[pd.DataFrame, str]:
    """The rows the scoring entry point is tried on, and what they are in words.

    A smoke test needs every code path, not every row: more than `SMOKE_ROWS` rows are
    cut to an even sample, in their order (a million-row batch would take seconds of
    predictions to say the same). A forecast keeps every row: its lags read the rows
    before, which a sample would leave out.
    """
    if forecast or len(rows) <= SMOKE_ROWS:
        return rows, source
    kept = np.linspace(0, len(rows) - 1, SMOKE_ROWS).round().astype(int)
    spread = translated(
        language,
        "%(source)s (evenly spread over its %(rows)s rows)",
        source=source,
        rows=f"{len(rows):,}",
    )
    return rows.iloc[kept], spread


def evaluate(
    earlier: readiness.RunEvidence,
    *,
    ready: Readiness,
    poc: Charter,
    charter_file: str,
    run_dir: str,
) -> journey.StageOutcome[ScaleUpEvidence]:
    """Decide from the earlier stages' evidence and the readiness checklist; the memo.

    Args:
        earlier: What stages 1-6 recorded.
        ready: The readiness checklist, stage 7's own measurements included.
        poc: The charter.
        charter_file: The charter's path, for the next steps' commands.
        run_dir: The run folder, for the next steps' commands.
    """
    stage4 = earlier.poc.evidence if earlier.poc is not None else None
    found = readiness.downgrades(
        ready, beyond=earlier.beyond.evidence if earlier.beyond is not None else None
    )
    stage4_decision = stage4.decision if stage4 is not None else None
    decided = final_decision(stage4_decision, found, language=poc.language)
    worse = held_back(stage4_decision, found)
    memo = memos.memo(
        decided,
        poc=poc,
        earlier=earlier,
        ready=ready,
        held_back=worse,
        charter_file=charter_file,
        run_dir=run_dir,
    )
    evidence = ScaleUpEvidence(
        readiness=ready,
        decision=decided,
        memo=memo,
        downgrades=found,
        uncertainty=None if worse else stage4_note(stage4, language=poc.language),
    )
    return journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED,
        summary=summary(evidence, language=poc.language),
        reasons=decided.reasons,
        evidence=evidence,
    )


def summary(evidence: ScaleUpEvidence, *, language: Language = "en") -> str:
    """Stage 7 in one line: the decision, what is uncertain about it, readiness.

    E.g. "iterate (leaning up: 62% chance the lift reaches 2.0M KRW); readiness: 8 of
    10 decided items met"; in Korean the note's sentences stand in the brackets.
    """
    ready = evidence.readiness
    said = decision_code(evidence.decision.decision, language=language)
    if evidence.uncertainty:
        note = evidence.uncertainty.rstrip(".")
        if language == "en":  # a clause within the English line
            note = f"{note[:1].lower()}{note[1:]}"
        said += f" ({note})"
    return translated(
        language,
        "%(decision)s; readiness: %(met)s of %(decided)s decided items met",
        decision=said,
        met=ready.met,
        decided=ready.decided,
    )


def stage4_note(stage4: PocEvidence | None, *, language: Language = "en") -> str | None:
    """What is still uncertain about stage 4's decision (`verdict.uncertainty_note`)."""
    if stage4 is None:
        return None
    kpi, decided = stage4.kpi, stage4.decision
    chance = kpi.chance_reaches_min
    minimum = (
        format_amount(kpi.min_lift, kpi.unit)
        if language == "en"
        else per_period(
            format_money(kpi.min_lift, kpi.unit, language=language),
            kpi.period,
            language=language,
        )
    )
    return verdict.uncertainty_note(
        decided.decision,
        rule=decided.rule,
        lean=decided.lean,
        chance_reaches_min=None if math.isnan(chance) else chance,
        more_periods_needed=decided.more_periods_needed,
        minimum=minimum,
        period=kpi.period,
        language=language,
    )


def _rank(decision: str) -> int:
    """0 for go, 1 for iterate, 2 for stop: the larger, the worse."""
    return DECISIONS.index(decision)


def held_back(stage4: Decision | None, found: list[Downgrade]) -> list[Downgrade]:
    """The downgrades that make the decision worse than stage 4's."""
    if stage4 is None:
        return []
    return [d for d in found if _rank(d.to) > _rank(stage4.decision)]


def final_decision(
    stage4: Decision | None, found: list[Downgrade], *, language: Language = "en"
) -> Decision:
    """The run's decision: stage 4's, or worse when a later problem caps it.

    The decision is the worst of stage 4's and every downgrade's cap, so it can never
    be better than stage 4's. When it is worse, the first reason says from what and by
    which concerns, and the problems follow; stage 4's reasons are left out, since
    they argue for the better decision. When it is the same, stage 4's reasons come
    first and the problems that also argue for it follow. At most `MOST_REASONS`
    reasons, none twice.

    Args:
        stage4: Stage 4's decision; None when stage 4 did not run.
        found: Every problem found after stage 4 (`readiness.downgrades`).
        language: The language of the reasons this function writes.
    """
    if stage4 is None:
        return Decision("iterate", [NO_POC])
    final = max([stage4.decision, *(d.to for d in found)], key=_rank)
    worse = held_back(stage4, found)
    if worse:
        lead = translated(
            language,
            "Downgraded from stage 4's %(was)s to %(now)s by %(concerns)s.",
            was=stage4.decision.upper(),
            now=final.upper(),
            concerns=memos.concerns(worse, language=language),
        )
        reasons = [lead, *_fitted(worse, room=MOST_REASONS - 1, language=language)]
    else:
        also = [d for d in found if d.to == final]
        own = _unique(stage4.reasons)[: MOST_REASONS - (1 if also else 0)]
        reasons = own + _fitted(also, room=MOST_REASONS - len(own), language=language)
    return dataclasses.replace(stage4, decision=final, reasons=_unique(reasons))


def _fitted(found: list[Downgrade], *, room: int, language: Language) -> list[str]:
    """The problems, one a reason, the last reason naming those with no room left."""
    problems = _unique([d.reason for d in found])
    if len(problems) <= room:
        return problems
    rest = [d for d in found if d.reason in problems[room - 1 :]]
    return [
        *problems[: room - 1],
        translated(
            language,
            "Also open: %(concerns)s; the readiness checklist states each.",
            concerns=memos.concerns(rest, language=language),
        ),
    ]


def _unique(sentences: list[str]) -> list[str]:
    """The sentences in order, each once (ignoring case and surrounding spaces)."""
    seen: set[str] = set()
    kept = []
    for sentence in sentences:
        key = sentence.strip().lower()
        if key not in seen:
            seen.add(key)
            kept.append(sentence)
    return kept
