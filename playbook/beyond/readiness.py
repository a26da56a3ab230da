"""Stage 7: production readiness from the run's own evidence, and the final evaluation.

Each item names the ML Test Score test it draws on (Breck et al., 2017) and the stage
whose evidence decides it, with a link to that stage's report. Items no run can decide
are marked as needing a person, not guessed. `run_evidence` reads the earlier stages'
evidence back into their types (`PocEvidence`, `BeyondEvidence`, `IterateEvidence`);
stages 1-3 are read only for their status and summary.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from playbook.beyond import beyond_stage, iterate_stage
from playbook.beyond.beyond_stage import STAGE as BEYOND_STAGE
from playbook.beyond.beyond_stage import BeyondEvidence
from playbook.beyond.iterate_stage import STAGE as ITERATE_STAGE
from playbook.beyond.iterate_stage import IterateEvidence
from playbook.charter.model import Charter
from playbook.charter.review import LONGEST_MONTHS, PERIODS_PER_YEAR, SHORTEST_MONTHS
from playbook.charter.team_stage import TeamEvidence
from playbook.core import journey
from playbook.core.journey import PASSED, StageOutcome
from playbook.errors import PlaybookError
from playbook.serve import saved_model, scoring
from playbook.tasks.decision import Decision
from playbook.tasks.kpi import KpiReport, format_amount
from playbook.tasks.poc_stage import STAGE as POC_STAGE
from playbook.tasks.poc_stage import PocEvidence

MET, NOT_MET, NOT_RUN, PERSON = "met", "not met", "not run", "needs a person"
BUSINESS_STAGE, TEAM_STAGE, DATA_STAGE = (journey.stage(n).key for n in (1, 2, 3))
E = TypeVar("E")


@dataclass(frozen=True)
class ReadinessItem:
    """One readiness item, its status, the evidence behind it and where to see it."""

    item: str
    reference: str
    stage: str
    status: str
    evidence: str
    link: str | None = None


@dataclass(frozen=True)
class Readiness:
    """Every item, and the share met among those the run could decide."""

    items: list[ReadinessItem]
    met: int
    decided: int

    @property
    def score(self) -> float | None:
        """Share of decided items that are met (None when nothing could be decided)."""
        return self.met / self.decided if self.decided else None


@dataclass(frozen=True)
class Memo:
    """The final evaluation, written for an executive sponsor."""

    decision: str
    headline: str
    money: list[str]
    reasons: list[str]
    risks: list[str]
    next_steps: list[str]
    timeline: str


def measured(text: str, reference: str, *, met: bool, evidence: str) -> ReadinessItem:
    """A readiness item that stage 7 measured itself (a re-run, a scoring call)."""
    status = MET if met else NOT_MET
    return ReadinessItem(text, reference, "07_scale_up_evaluation", status, evidence)


def reproducibility(first: KpiReport | None, again: KpiReport) -> ReadinessItem:
    """Compare stage 4's KPI with a re-run of the same comparison, to the last digit.

    Args:
        first: Stage 4's KPI as it saved it; None when stage 4 did not run.
        again: The KPI of the re-run.
    """
    text, reference = "A re-run reproduces the KPI", "ML Test Score I1"
    if first is None:
        return measured(text, reference, met=False, evidence="stage 4 did not run")
    fields = ("baseline", "model", "lift", "lift_ci_low", "lift_ci_high")
    differ = [name for name in fields if getattr(first, name) != getattr(again, name)]
    evidence = (
        f"re-ran stage 4's comparison: {', '.join(fields)} identical "
        f"(lift {again.lift:,.2f})"
        if not differ
        else f"re-run differs in {', '.join(differ)}"
    )
    return measured(text, reference, met=not differ, evidence=evidence)


def scoring_smoke(model_dir: Path, rows: pd.DataFrame) -> ReadinessItem:
    """Score rows through the saved model the way `playbook score` does."""
    text, reference = "The scoring entry point works", "ML Test Score I6"
    try:
        model = saved_model.load(model_dir)
        scores = scoring.score_frame(model, rows)
    except PlaybookError as error:
        return measured(text, reference, met=False, evidence=str(error))
    ok = len(scores) == len(rows) and _sound(scores, model.task)
    acted = scoring.acted_on(scores, model.task)
    evidence = (
        f"scored {len(scores):,} rows of the fresh batch; {acted:,} "
        f"{'on the list to act on' if model.task == 'top_k' else 'decided'}"
    )
    return measured(text, reference, met=bool(ok), evidence=evidence)


def _sound(scores: pd.DataFrame, task: str) -> bool:
    """Whether scores look like what the task writes: probabilities, numbers, routes."""
    if task == "top_k":
        return bool(scores["probability"].between(0, 1).all())
    if task == "forecast":
        return bool(np.isfinite(scores["forecast"].to_numpy(dtype=float)).all())
    return bool(scores["route"].notna().all())


@dataclass(frozen=True)
class RunEvidence:
    """What stage 7 reads from the run's earlier stages; None for a stage not run.

    Attributes:
        business: Stage 1's outcome (only its status and summary are read).
        team: Stage 2's outcome.
        team_can_run_poc: Whether the charter's team covers every role the POC needs.
        data: Stage 3's outcome (only its status and summary are read).
        poc: Stage 4's outcome and evidence.
        beyond: Stage 5's outcome and evidence.
        iterate: Stage 6's outcome and evidence.
        model_card: The model card's path in the run folder; None when none was
            written.
    """

    business: StageOutcome[None] | None = None
    team: StageOutcome[TeamEvidence] | None = None
    team_can_run_poc: bool = False
    data: StageOutcome[None] | None = None
    poc: StageOutcome[PocEvidence] | None = None
    beyond: StageOutcome[BeyondEvidence] | None = None
    iterate: StageOutcome[IterateEvidence] | None = None
    model_card: str | None = None


def run_evidence(run_dir: str | Path) -> RunEvidence:
    """Read what stages 1-6 of this run recorded, each into its evidence type.

    Raises:
        EvidenceError: A stage's saved evidence cannot be read back into its type.
    """
    card = f"{journey.MODEL_DIR}/{saved_model.CARD_FILE}"
    team_stage = journey.load(run_dir, TEAM_STAGE, TeamEvidence)
    return RunEvidence(
        business=journey.load(run_dir, BUSINESS_STAGE),
        team=team_stage,
        team_can_run_poc=bool(
            team_stage
            and team_stage.evidence
            and team_stage.evidence.coverage.can_run_poc
        ),
        data=journey.load(run_dir, DATA_STAGE),
        poc=journey.load(run_dir, POC_STAGE, PocEvidence),
        beyond=journey.load(run_dir, BEYOND_STAGE, BeyondEvidence),
        iterate=journey.load(run_dir, ITERATE_STAGE, IterateEvidence),
        model_card=card if journey.artifact(run_dir, card).is_file() else None,
    )


def readiness(
    earlier: RunEvidence, *, run: dict[str, Any] | None, own: list[ReadinessItem]
) -> Readiness:
    """Build the readiness checklist from the evidence of this run.

    Args:
        earlier: What the earlier stages of this run recorded.
        run: The run's manifest, or None when the notebooks ran outside `playbook run`.
        own: Items stage 7 measured itself (see `measured`).
    """
    items = [*_stage_items(earlier), *own, _pinned(run), *_person_items()]
    decided = [i for i in items if i.status in (MET, NOT_MET)]
    return Readiness(
        items=items, met=sum(i.status == MET for i in decided), decided=len(decided)
    )


def _item(
    text: str,
    reference: str,
    key: str,
    outcome: StageOutcome[E] | None,
    decide: Callable[[StageOutcome[E]], tuple[bool | None, str]],
) -> ReadinessItem:
    """An item decided from one stage's outcome; not run when the stage did not run."""
    if outcome is None:
        return ReadinessItem(text, reference, key, NOT_RUN, "the stage did not run")
    met, evidence = decide(outcome)
    status = PERSON if met is None else MET if met else NOT_MET
    return ReadinessItem(text, reference, key, status, evidence, f"{key}.html")


def _stage_items(earlier: RunEvidence) -> list[ReadinessItem]:
    """The items the earlier stages' evidence decides, in the journey's order."""
    return [
        _item(
            "The charter answers the POC evaluation questions",
            "charter",
            BUSINESS_STAGE,
            earlier.business,
            lambda o: (o.status == PASSED, o.summary),
        ),
        _item(
            "Every role the POC needs is staffed",
            "team",
            TEAM_STAGE,
            earlier.team,
            lambda o: (earlier.team_can_run_poc, o.summary),
        ),
        _item(
            "A data contract exists and the data passes it",
            "ML Test Score D1",
            DATA_STAGE,
            earlier.data,
            lambda o: (o.status == PASSED, o.summary),
        ),
        *_poc_items(earlier),
        *_beyond_items(earlier.beyond),
        _item(
            f"An A/B test can confirm the minimum lift within {LONGEST_MONTHS} months",
            "experiment design",
            ITERATE_STAGE,
            earlier.iterate,
            lambda o: (o.evidence.feasible, iterate_stage.ab_summary(o.evidence)),
        ),
    ]


def _poc_items(earlier: RunEvidence) -> list[ReadinessItem]:
    """Stage 4's items: the lift, its interval, latency and the model card."""

    def latency(outcome: StageOutcome[PocEvidence]) -> tuple[bool | None, str]:
        report = outcome.evidence.latency
        evidence = (
            f"{report.judged_on}: batch p95 {report.batch_p95_ms:,.1f} ms, one "
            f"row p95 {report.row_p95_ms:,.2f} ms; budget "
            + (f"{report.budget_ms:,.0f} ms" if report.budget_ms else "not set")
        )
        return report.meets, evidence

    return [
        _item(
            "The model beats today's baseline with an interval above zero",
            "ML Test Score M5, I4",
            POC_STAGE,
            earlier.poc,
            lambda o: (o.evidence.kpi.lift_ci_low > 0, o.reasons[0]),
        ),
        _item(
            "The lift reaches the charter's minimum",
            "charter",
            POC_STAGE,
            earlier.poc,
            lambda o: (o.evidence.kpi.lift >= o.evidence.kpi.min_lift, o.reasons[0]),
        ),
        _item(
            "Prediction latency meets the requirement",
            "ML Test Score Mo6",
            POC_STAGE,
            earlier.poc,
            latency,
        ),
        _item(
            "A model card documents the model",
            "ML Test Score M1",
            POC_STAGE,
            earlier.poc,
            lambda o: (
                earlier.model_card is not None,
                earlier.model_card or "no model card written",
            ),
        ),
    ]


def _beyond_items(
    beyond: StageOutcome[BeyondEvidence] | None,
) -> list[ReadinessItem]:
    """Stage 5's items: the fresh batch's contract, drift, lift and thresholds."""

    def fresh_lift(outcome: StageOutcome[BeyondEvidence]) -> tuple[bool | None, str]:
        fresh = outcome.evidence.fresh_kpi
        if fresh is None:
            return None, "no labelled fresh batch or no model from stage 4 to score it"
        return fresh.lift_ci_low > 0, beyond_stage.fresh_kpi_summary(outcome.evidence)

    return [
        _item(
            "The fresh batch passes the data contract",
            "ML Test Score Mo2",
            BEYOND_STAGE,
            beyond,
            lambda o: (
                o.evidence.fresh.contract_passed,
                beyond_stage.contract_summary(o.evidence),
            ),
        ),
        _item(
            "No feature has drifted past the alert thresholds",
            "ML Test Score Mo2",
            BEYOND_STAGE,
            beyond,
            lambda o: (not o.evidence.alerts, o.summary),
        ),
        _item(
            "The lift holds on the fresh batch (interval above zero)",
            "ML Test Score M4",
            BEYOND_STAGE,
            beyond,
            fresh_lift,
        ),
        _item(
            "Monitoring thresholds are proposed from the data",
            "ML Test Score Mo1-Mo7",
            BEYOND_STAGE,
            beyond,
            lambda o: (
                bool(o.evidence.thresholds),
                f"{len(o.evidence.thresholds)} thresholds proposed",
            ),
        ),
    ]


def _pinned(run: dict[str, Any] | None) -> ReadinessItem:
    """Whether the run's inputs are pinned, from its manifest."""
    pinned = "Run inputs are pinned: charter and data fingerprints, seed"
    if run is None:
        return ReadinessItem(
            pinned,
            "ML Test Score I1",
            "runner",
            NOT_RUN,
            "no manifest: the notebooks ran outside `playbook run`",
        )
    evidence = (
        f"charter {run['charter_sha256'][:12]}, data {run['data_sha256'][:12]}, "
        f"seed {run['seed']}"
    )
    return ReadinessItem(
        pinned, "ML Test Score I1", "runner", MET, evidence, "manifest.json"
    )


def _person_items() -> list[ReadinessItem]:
    """The items no run can show: a person must confirm them."""
    return [
        ReadinessItem(
            text,
            reference,
            "-",
            PERSON,
            "No run can show this; a person must confirm it.",
        )
        for text, reference in (
            (
                "Alerts on the monitoring thresholds are wired in production",
                "ML Test Score Mo1-Mo7",
            ),
            (
                "The model can be rolled back to the previous version",
                "ML Test Score I7",
            ),
            (
                "A canary or shadow deployment ran before full traffic",
                "ML Test Score I6",
            ),
            (
                "Deletion requests reach the training data and the model",
                "ML Test Score D5",
            ),
        )
    ]


def final_decision(earlier: RunEvidence, *, ready: Readiness) -> Decision:
    """The journey's verdict: the POC's decision, tempered by what came after it.

    Drift past an alert threshold, or a lift that does not hold on the fresh batch,
    turns a go into iterate; readiness items that are not met are listed as work to
    finish before scale-up.
    """
    if earlier.poc is None:
        return Decision(
            "iterate",
            ["Stage 4 did not run in this run: there is no evidence to decide on."],
        )
    decision = earlier.poc.evidence.decision.decision
    reasons = list(earlier.poc.evidence.decision.reasons)
    if earlier.beyond is not None:
        later = earlier.beyond.evidence
        if later.alerts:
            reasons.append(
                "Features have shifted past the alert thresholds since training "
                f"({', '.join(later.alerts)}): check the model on fresh "
                "data before acting on it."
            )
        fresh = later.fresh_kpi
        if fresh is not None and fresh.lift_ci_low <= 0:
            reasons.append(
                "On the fresh batch the lift's interval reaches zero or below: the "
                "gain does not hold on later data "
                f"({beyond_stage.fresh_kpi_summary(later)})."
            )
        if decision == "go" and (
            later.alerts or (fresh is not None and fresh.lift_ci_low <= 0)
        ):
            decision = "iterate"
    reasons += [
        f"Open before scale-up: {item.item[0].lower() + item.item[1:]} "
        f"({item.evidence})."
        for item in ready.items
        if item.status == NOT_MET
    ]
    return Decision(decision, reasons)


def memo(
    verdict: Decision,
    *,
    poc: Charter,
    earlier: RunEvidence,
    ready: Readiness,
    charter_file: str,
    run_dir: str,
) -> Memo:
    """The final evaluation for the sponsor: verdict, money, risks, next steps."""
    headlines = {
        "go": "Go: the model earns enough more than today's baseline to build it.",
        "iterate": "Iterate: promising, but the evidence is not yet enough to build.",
        "stop": "Stop: the model does not beat today's baseline by enough to matter.",
    }
    money = _money(poc, earlier)
    later = earlier.beyond.evidence if earlier.beyond is not None else None
    risks = []
    if later is not None and later.alerts:
        risks.append("Data has shifted since training: " + ", ".join(later.alerts))
    if poc.data.synthetic:
        risks.insert(
            0,
            "The data is SYNTHETIC: these figures show the method, not a "
            "real business case.",
        )
    person = [item.item for item in ready.items if item.status == PERSON]
    if person:
        risks.append("Not shown by any run yet: " + "; ".join(person) + ".")
    steps = {
        "go": [
            "Run the model in shadow beside today's baseline for one period and "
            "compare their decisions (stage 6 replay).",
            "Confirm online: the A/B plan in stage 6, or, where it is too long, a "
            "staged roll-out watched with the stage 5 thresholds.",
        ],
        "iterate": [
            "Work on the reasons above, then run the journey again; stage 6 compares "
            "the runs.",
        ],
        "stop": [
            "Keep today's baseline. Record what was learned (stage 6 retrospective) "
            "and revisit when new data or a new framing is available.",
        ],
    }[verdict.decision]
    steps += [
        # Quoted for the shell: `next_steps_script` runs these words as they are.
        f"Score a new batch: playbook score {shlex.quote(run_dir)} NEW_DATA.csv "
        "--out scores.csv",
        f"Retrain on newer data: playbook run {shlex.quote(charter_file)} "
        "--data NEW_EXTRACT.csv",
    ]
    return Memo(
        decision=verdict.decision,
        headline=headlines[verdict.decision],
        money=money,
        reasons=verdict.reasons,
        risks=risks,
        next_steps=steps,
        timeline=_timeline(poc),
    )


def _money(poc: Charter, earlier: RunEvidence) -> list[str]:
    """The memo's money: the lift offline and in a year, the budget, the fresh lift."""
    money: list[str] = []
    if earlier.poc is not None:
        kpi = earlier.poc.evidence.kpi
        unit, period = kpi.unit, kpi.period
        per_year = PERIODS_PER_YEAR[period]
        money.append(
            f"Offline, the model earns {format_amount(kpi.lift, unit)} per {period} "
            f"more than {kpi.baseline_name} "
            f"(interval {format_amount(kpi.lift_ci_low, unit)} to "
            f"{format_amount(kpi.lift_ci_high, unit)}): about "
            f"{format_amount(kpi.lift * per_year, unit)} a year."
        )
        if poc.budget is not None:
            money.append(
                "The POC budget is "
                f"{format_amount(poc.budget.amount, poc.budget.currency)}."
            )
    later = earlier.beyond.evidence if earlier.beyond is not None else None
    if later is not None:
        money.append(f"On the fresh batch: {beyond_stage.fresh_kpi_summary(later)}.")
    return money


def _timeline(poc: Charter) -> str:
    """The charter's timeline against the usual length of a POC."""
    if poc.timeline is None:
        return "The charter gives no timeline."
    months = poc.timeline.months
    within = SHORTEST_MONTHS <= months <= LONGEST_MONTHS
    return (
        f"Planned {poc.timeline.start} to {poc.timeline.end} "
        f"({months:.1f} months): "
        + ("within" if within else "outside")
        + f" the {SHORTEST_MONTHS}-{LONGEST_MONTHS} month norm for a POC."
    )


def next_steps_script(memo: Memo) -> str:
    """The memo's commands as a shell script to keep with the run."""
    commands = [
        step for step in memo.next_steps if step.startswith(("Score", "Retrain"))
    ]
    lines = [
        "#!/usr/bin/env bash",
        "# Next steps for this POC, as code.",
        "set -euo pipefail",
    ]
    for step in commands:
        words, _, command = step.partition(": ")
        lines += ["", f"# {words}", command]
    return "\n".join(lines) + "\n"
