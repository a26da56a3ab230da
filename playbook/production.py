"""Stage 7: production readiness from the run's own evidence, and the final evaluation.

Each item names the ML Test Score test it draws on (Breck et al., 2017) and the stage
whose evidence decides it. Items no run can decide are marked as needing a person, not
guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.gates import Decision
from playbook.journey import PASSED, StageOutcome

MET, NOT_MET, NOT_RUN, PERSON = "met", "not met", "not run", "needs a person"


@dataclass(frozen=True)
class ReadinessItem:
    """One readiness item, its status and the evidence behind it."""

    item: str
    reference: str
    stage: str
    status: str
    evidence: str


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


def readiness(
    outcomes: dict[str, StageOutcome | None], *, run: dict | None
) -> Readiness:
    """Build the readiness checklist from the stage outcomes of this run.

    Args:
        outcomes: Each stage's outcome by stage key; None for a stage that did not run.
        run: The run's manifest, or None when the notebooks ran outside `playbook run`.
    """

    def item(text, reference, key, decide) -> ReadinessItem:
        outcome = outcomes.get(key)
        if outcome is None:
            return ReadinessItem(text, reference, key, NOT_RUN, "the stage did not run")
        met, evidence = decide(outcome)
        return ReadinessItem(text, reference, key, MET if met else NOT_MET, evidence)

    def kpi(outcome: StageOutcome) -> dict:
        return outcome.evidence["kpi"]

    items = [
        item(
            "The charter answers the POC evaluation questions",
            "charter",
            "01_business_question",
            lambda o: (o.status == PASSED, o.summary),
        ),
        item(
            "Every role the POC needs is staffed",
            "team",
            "02_team",
            lambda o: (o.evidence["coverage"]["can_run_poc"], o.summary),
        ),
        item(
            "A data contract exists and the data passes it",
            "ML Test Score D1, Mo2",
            "03_data_strategy",
            lambda o: (o.status == PASSED, o.summary),
        ),
        item(
            "The model beats today's baseline with an interval above zero",
            "ML Test Score M5, I4",
            "04_poc",
            lambda o: (kpi(o)["lift_ci_low"] > 0, o.reasons[0]),
        ),
        item(
            "The lift reaches the charter's minimum",
            "charter",
            "04_poc",
            lambda o: (kpi(o)["lift"] >= kpi(o)["min_lift"], o.reasons[0]),
        ),
        item(
            "No feature has drifted past the alert threshold",
            "ML Test Score Mo2",
            "05_beyond_poc",
            lambda o: (not o.evidence["alerts"], o.summary),
        ),
        item(
            "An A/B test can confirm the minimum lift",
            "experiment design",
            "06_iterate",
            lambda o: (o.evidence["feasible"], o.summary),
        ),
    ]
    pinned = "Run inputs are pinned: charter and data fingerprints, seed"
    if run is None:
        items.append(
            ReadinessItem(
                pinned,
                "ML Test Score I1",
                "runner",
                NOT_RUN,
                "no manifest: the notebooks ran outside `playbook run`",
            )
        )
    else:
        evidence = (
            f"charter {run['charter_sha256'][:12]}, data {run['data_sha256'][:12]}, "
            f"seed {run['seed']}"
        )
        items.append(ReadinessItem(pinned, "ML Test Score I1", "runner", MET, evidence))
    items += [
        ReadinessItem(text, reference, "-", PERSON, "Not measured by this run yet.")
        for text, reference in (
            ("A re-run reproduces the KPI", "ML Test Score I1"),
            ("Prediction latency meets the requirement", "ML Test Score Mo6"),
            ("Monitoring and alerts are set up in production", "ML Test Score Mo1-Mo7"),
            (
                "The model can be rolled back to the previous version",
                "ML Test Score I7",
            ),
        )
    ]
    decided = [i for i in items if i.status in (MET, NOT_MET)]
    return Readiness(
        items=items, met=sum(i.status == MET for i in decided), decided=len(decided)
    )


def final_decision(
    outcomes: dict[str, StageOutcome | None], *, ready: Readiness
) -> Decision:
    """The journey's verdict: the POC's decision, tempered by what came after it.

    Drift past the alert threshold turns a go into iterate; readiness items that are not
    met are listed as work to finish before scale-up.
    """
    poc = outcomes.get("04_poc")
    if poc is None:
        return Decision(
            "iterate",
            ["Stage 4 did not run in this run: there is no evidence to decide on."],
        )
    decision = poc.evidence["decision"]["decision"]
    reasons = list(poc.evidence["decision"]["reasons"])
    drift = outcomes.get("05_beyond_poc")
    if drift is not None and drift.evidence["alerts"]:
        shifted = ", ".join(drift.evidence["alerts"])
        reasons.append(
            f"Features have shifted past the alert threshold since training "
            f"({shifted}): check the model on fresh data before acting on it."
        )
        if decision == "go":
            decision = "iterate"
    reasons += [
        f"Open before scale-up: {item.item.lower()} ({item.evidence})."
        for item in ready.items
        if item.status == NOT_MET
    ]
    return Decision(decision, reasons)
