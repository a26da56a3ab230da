"""Stage 7: production readiness from the run's own evidence.

Each item names the ML Test Score test it draws on (Breck et al., 2017) and the stage
whose evidence decides it, with a link to that stage's report. Items no run can decide
are marked as needing a person, not guessed. An item that stands in the way of
scale-up states what it found as a problem ("3 of 11 features drifted past their
alerts"), never its checklist title, and names its concern; stage 7's decision
(`scale_up_stage`) is downgraded by those problems. `run_evidence` reads the earlier
stages' evidence back into their types (`PocEvidence`, `BeyondEvidence`,
`IterateEvidence`); stages 1-3 are read only for their status and summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from playbook.beyond import beyond_stage, iterate_stage, readiness_problems
from playbook.beyond.beyond_stage import STAGE as BEYOND_STAGE
from playbook.beyond.beyond_stage import BeyondEvidence
from playbook.beyond.iterate_stage import STAGE as ITERATE_STAGE
from playbook.beyond.iterate_stage import IterateEvidence
from playbook.charter.team_stage import TeamEvidence
from playbook.charter.timeline import LONGEST_MONTHS
from playbook.core import journey
from playbook.core.journey import PASSED, StageOutcome
from playbook.core.language import Language
from playbook.core.messages import marked, translated
from playbook.serve import saved_model
from playbook.tasks import latency as latency_words
from playbook.tasks.poc_stage import STAGE as POC_STAGE
from playbook.tasks.poc_stage import PocEvidence

# Said on the pages in the reader's language (`translated(language, item.status)`).
MET, NOT_MET = marked("met"), marked("not met")
NOT_RUN, PERSON = marked("not run"), marked("needs a person")
# The stage of an item no run can show, only a person.
NO_STAGE = "-"
BUSINESS_STAGE, TEAM_STAGE, DATA_STAGE = (journey.stage(n).key for n in (1, 2, 3))
E = TypeVar("E")
# What an item is about; stage 7 names the downgrades of its decision by these.
DECISION = marked("stage 4's decision")
FRESH_LIFT = marked("the fresh batch's lift")
# The same item without a fresh batch (or without stage 5): there is no batch to name.
NO_LATER_CHECK = marked("the missing check on later data")
DRIFT = marked("drift")
AB_LENGTH = marked("the A/B test's length")
AB_TITLE = marked("An A/B test can confirm the minimum lift within %(months)s months")


@dataclass(frozen=True)
class ReadinessItem:
    """One readiness item, its status, the evidence behind it and where to see it.

    Attributes:
        item: The checklist title: what should hold, not what was found.
        reference: The ML Test Score test (or other source) it draws on.
        stage: The stage whose evidence decides it.
        status: MET, NOT_MET, NOT_RUN or PERSON.
        evidence: What the stage found, in its own words.
        link: The stage's page in the run folder.
        concern: What the item is about, in a few words ("drift", "latency").
        problem: What stands in the way of scale-up, stated as found; None when
            nothing does.
    """

    item: str
    reference: str
    stage: str
    status: str
    evidence: str
    link: str | None = None
    concern: str = ""
    problem: str | None = None

    def title(self, *, language: Language) -> str:
        """The checklist title in a language (the A/B item's holds the longest POC)."""
        if self.concern == AB_LENGTH:
            return translated(language, AB_TITLE, months=LONGEST_MONTHS)
        return translated(language, self.item)


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
class Downgrade:
    """A problem found after stage 4 that caps how good the final decision can be.

    Attributes:
        by: What the problem is about ("drift", "the A/B test's length").
        to: The best decision the problem allows: "iterate" or "stop".
        reason: The problem, stated as found.
    """

    by: str
    to: str
    reason: str


def downgrades(ready: Readiness, *, beyond: BeyondEvidence | None) -> list[Downgrade]:
    """Every problem the readiness items found that caps the final decision.

    Stage 4's own items are left out: its decision already weighs the lift and its
    interval. A fresh batch on which the model does worse than today's baseline
    allows no better than stop; every other problem allows no better than iterate.

    Args:
        ready: The readiness checklist.
        beyond: Stage 5's evidence; None when stage 5 did not run.
    """
    worse = beyond is not None and readiness_problems.fresh_worse(beyond)
    return [
        Downgrade(
            by=item.concern,
            to="stop" if worse and item.concern == FRESH_LIFT else "iterate",
            reason=item.problem,
        )
        for item in ready.items
        if item.problem is not None and item.concern != DECISION
    ]


def measured(
    text: str, reference: str, *, evidence: str, concern: str, problem: str | None
) -> ReadinessItem:
    """A readiness item that stage 7 measured itself (a re-run, a scoring call).

    Args:
        text: The checklist title.
        reference: The test it draws on.
        evidence: What the measurement found.
        concern: What the item is about.
        problem: What stands in the way of scale-up; None when the item is met.
    """
    return ReadinessItem(
        text,
        reference,
        "07_scale_up_evaluation",
        MET if problem is None else NOT_MET,
        evidence,
        concern=concern,
        problem=problem,
    )


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
    earlier: RunEvidence,
    *,
    run: dict[str, Any] | None,
    own: list[ReadinessItem],
    language: Language = "en",
) -> Readiness:
    """Build the readiness checklist from the evidence of this run.

    Args:
        earlier: What the earlier stages of this run recorded.
        run: The run's manifest, or None when the notebooks ran outside `playbook run`.
        own: Items stage 7 measured itself (see `measured`).
        language: The language of the problems and of the evidence from the stages'
            findings (the titles are translated where they are read).
    """
    items = [
        *_stage_items(earlier, language),
        *own,
        _pinned(run, language),
        *_person_items(),
    ]
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
    *,
    concern: str,
    problem: Callable[[StageOutcome[E]], str | None],
    missing: str | None = None,
    undecided: str = PERSON,
) -> ReadinessItem:
    """An item decided from one stage's outcome; not run when the stage did not run.

    Args:
        text: The checklist title.
        reference: The test it draws on.
        key: The stage whose outcome decides it.
        outcome: That stage's outcome; None when it did not run.
        decide: Met (True), not met (False) or for a person (None), and the evidence.
        concern: What the item is about.
        problem: What stands in the way when the item is not met, or when a person
            must judge it and the evidence already shows a problem.
        missing: The problem when the stage did not run; None when that leaves
            nothing in the way.
        undecided: The status when `decide` decides neither way: PERSON, or NOT_RUN
            for an item whose stage ran without what it is judged on.
    """
    if outcome is None:
        return ReadinessItem(
            text,
            reference,
            key,
            NOT_RUN,
            marked("the stage did not run"),
            concern=concern,
            problem=missing,
        )
    met, evidence = decide(outcome)
    status = undecided if met is None else MET if met else NOT_MET
    return ReadinessItem(
        text,
        reference,
        key,
        status,
        evidence,
        f"{key}.html",
        concern=concern,
        problem=None if met else problem(outcome),
    )


def _stage_items(earlier: RunEvidence, language: Language) -> list[ReadinessItem]:
    """The items the earlier stages' evidence decides, in the journey's order."""

    def summarised(
        text: str,
        reference: str,
        key: str,
        outcome: StageOutcome[E] | None,
        met: Callable[[StageOutcome[E]], bool],
        *,
        concern: str,
        problem: str,
    ) -> ReadinessItem:
        """An item of stages 1 to 3: its evidence, and its problem, the stage's summary.

        `problem` is a marked message with a `%(summary)s` placeholder.
        """
        return _item(
            text,
            reference,
            key,
            outcome,
            lambda o: (met(o), o.summary),
            concern=concern,
            problem=lambda o: readiness_problems.sentence(
                translated(language, problem, summary=o.summary)
            ),
        )

    return [
        summarised(
            marked("The charter answers the POC evaluation questions"),
            "charter",
            BUSINESS_STAGE,
            earlier.business,
            lambda o: o.status == PASSED,
            concern=marked("the charter"),
            problem=marked("The charter review stopped: %(summary)s"),
        ),
        summarised(
            marked("Every role the POC needs is staffed"),
            "team",
            TEAM_STAGE,
            earlier.team,
            lambda o: earlier.team_can_run_poc,
            concern=marked("the team"),
            problem=marked(
                "The team does not cover every role the POC needs: %(summary)s"
            ),
        ),
        summarised(
            marked("A data contract exists and the data passes it"),
            "ML Test Score D1",
            DATA_STAGE,
            earlier.data,
            lambda o: o.status == PASSED,
            concern=marked("the data contract"),
            problem=marked("The data fails its contract: %(summary)s"),
        ),
        *_poc_items(earlier, language),
        *_beyond_items(earlier.beyond, language),
        _item(
            AB_TITLE % {"months": LONGEST_MONTHS},
            "experiment design",
            ITERATE_STAGE,
            earlier.iterate,
            lambda o: (
                o.evidence.feasible,
                iterate_stage.ab_summary(o.evidence, language=language),
            ),
            concern=AB_LENGTH,
            problem=lambda o: iterate_stage.ab_problem(o.evidence, language=language),
        ),
    ]


def _poc_items(earlier: RunEvidence, language: Language) -> list[ReadinessItem]:
    """Stage 4's items: the lift, its interval, latency and the model card."""

    def latency(outcome: StageOutcome[PocEvidence]) -> tuple[bool | None, str]:
        report = outcome.evidence.latency
        evidence = translated(
            language,
            "%(how)s: batch p95 %(batch)s ms, one row p95 %(row)s ms; budget "
            "%(budget)s",
            how=latency_words.judged_on(report, language=language),
            batch=f"{report.batch_p95_ms:,.1f}",
            row=f"{report.row_p95_ms:,.2f}",
            budget=f"{report.budget_ms:,.0f} ms"
            if report.budget_ms
            else translated(language, "not set"),
        )
        return report.meets, evidence

    return [
        _item(
            marked("The model beats today's baseline with an interval above zero"),
            "ML Test Score M5, I4",
            POC_STAGE,
            earlier.poc,
            lambda o: (o.evidence.kpi.lift_ci_low > 0, o.reasons[0]),
            concern=DECISION,
            problem=lambda o: readiness_problems.interval(o.evidence.kpi, language),
        ),
        _item(
            marked("The lift reaches the charter's minimum"),
            "charter",
            POC_STAGE,
            earlier.poc,
            # The decision's second reason weighs the interval against the minimum
            # (its first repeats the lift, the item above's evidence).
            lambda o: (
                o.evidence.kpi.lift >= o.evidence.kpi.min_lift,
                o.evidence.decision.reasons[1],
            ),
            concern=DECISION,
            problem=lambda o: readiness_problems.minimum(o.evidence.kpi, language),
        ),
        _item(
            marked("Prediction latency meets the requirement"),
            "ML Test Score Mo6",
            POC_STAGE,
            earlier.poc,
            latency,
            concern=marked("latency"),
            problem=lambda o: readiness_problems.latency(o.evidence, language),
        ),
        _item(
            marked("A model card documents the model"),
            "ML Test Score M1",
            POC_STAGE,
            earlier.poc,
            lambda o: (
                earlier.model_card is not None,
                earlier.model_card or marked("no model card written"),
            ),
            concern=marked("the model card"),
            problem=lambda o: translated(
                language, "No model card documents the saved model."
            ),
        ),
    ]


# Over 80 lines: the four items on later data share one local builder that knows
# whether a fresh batch ran; split apart, each would need the stage's evidence again.
def _beyond_items(
    beyond: StageOutcome[BeyondEvidence] | None, language: Language
) -> list[ReadinessItem]:
    """Stage 5's items: the fresh batch's contract, drift, lift and thresholds.

    Without a fresh batch the three judgements on later data are not run: the test
    rows are not later data.
    """

    def on_later_data(
        text: str,
        reference: str,
        decide: Callable[[StageOutcome[BeyondEvidence]], tuple[bool | None, str]],
        *,
        concern: str,
        problem: Callable[[StageOutcome[BeyondEvidence]], str | None],
        missing: str | None = None,
    ) -> ReadinessItem:
        """An item judged on the fresh batch: not run when nothing could be judged."""

        def judged(outcome: StageOutcome[BeyondEvidence]) -> tuple[bool | None, str]:
            if outcome.evidence.fresh_batch:
                return decide(outcome)
            said = beyond_stage.fresh_kpi_summary(outcome.evidence, language=language)
            return None, said

        return _item(
            text,
            reference,
            BEYOND_STAGE,
            beyond,
            judged,
            concern=concern,
            problem=problem,
            missing=missing,
            undecided=NOT_RUN,
        )

    def drifted(outcome: StageOutcome[BeyondEvidence]) -> tuple[bool | None, str]:
        found = outcome.evidence.drift
        judged = found is not None and found.judged
        return (not outcome.evidence.alerts if judged else None), (
            beyond_stage.drift_summary(outcome.evidence, language=language)
        )

    def fresh_lift(outcome: StageOutcome[BeyondEvidence]) -> tuple[bool | None, str]:
        fresh = outcome.evidence.fresh_kpi
        said = beyond_stage.fresh_kpi_summary(outcome.evidence, language=language)
        return (None if fresh is None else fresh.lift_ci_low > 0), said

    return [
        on_later_data(
            marked("The fresh batch passes the data contract"),
            "ML Test Score Mo2",
            lambda o: (
                o.evidence.fresh is not None and o.evidence.fresh.contract_passed,
                beyond_stage.contract_summary(o.evidence, language=language),
            ),
            concern=marked("the fresh batch's contract"),
            problem=lambda o: readiness_problems.fresh_contract(o.evidence, language),
        ),
        on_later_data(
            marked("No feature has drifted past its alert by more than sampling noise"),
            "ML Test Score Mo2",
            drifted,
            concern=DRIFT,
            problem=lambda o: readiness_problems.drift(o.evidence, language),
        ),
        on_later_data(
            marked("The lift holds on the fresh batch (interval above zero)"),
            "ML Test Score M4",
            fresh_lift,
            concern=(
                FRESH_LIFT
                if beyond is not None and beyond.evidence.fresh_batch
                else NO_LATER_CHECK
            ),
            problem=lambda o: readiness_problems.fresh_lift(o.evidence, language),
            missing=translated(
                language,
                "Nothing shows the gain holds on later data: stage 5 did not run.",
            ),
        ),
        _item(
            marked("Monitoring thresholds are proposed from the data"),
            "ML Test Score Mo1-Mo7",
            BEYOND_STAGE,
            beyond,
            lambda o: (
                bool(o.evidence.thresholds),
                translated(
                    language,
                    "%(count)s thresholds proposed",
                    count=len(o.evidence.thresholds),
                ),
            ),
            concern=marked("monitoring thresholds"),
            problem=lambda o: translated(
                language, "No monitoring threshold could be proposed from the data."
            ),
        ),
    ]


def _pinned(run: dict[str, Any] | None, language: Language) -> ReadinessItem:
    """Whether the run's inputs are pinned, from its manifest (said in `language`)."""
    status, link = (NOT_RUN, None) if run is None else (MET, "manifest.json")
    evidence = (
        marked("no manifest: the notebooks ran outside `playbook run`")
        if run is None
        else translated(
            language,
            "charter %(charter)s, data %(data)s, seed %(seed)s",
            charter=run["charter_sha256"][:12],
            data=run["data_sha256"][:12],
            seed=run["seed"],
        )
    )
    return ReadinessItem(
        marked("Run inputs are pinned: charter and data fingerprints, seed"),
        "ML Test Score I1",
        "runner",
        status,
        evidence,
        link,
        concern=marked("pinned inputs"),
    )


def _person_items() -> list[ReadinessItem]:
    """The items no run can show: a person must confirm them."""
    return [
        ReadinessItem(
            text,
            reference,
            NO_STAGE,
            PERSON,
            marked("No run can show this; a person must confirm it."),
        )
        for text, reference in (
            (
                marked("Alerts on the monitoring thresholds are wired in production"),
                "ML Test Score Mo1-Mo7",
            ),
            (
                marked("The model can be rolled back to the previous version"),
                "ML Test Score I7",
            ),
            (
                marked("A canary or shadow deployment ran before full traffic"),
                "ML Test Score I6",
            ),
            (
                marked("Deletion requests reach the training data and the model"),
                "ML Test Score D5",
            ),
        )
    ]
