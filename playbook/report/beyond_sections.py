"""The sections of stages 5-7's notebooks: each shows one part of a stage's evidence.

One function per section, taking what the stage's builder returned, so a notebook
shows a section in one call. The words here only label what the evidence holds.
"""

from __future__ import annotations

from playbook.beyond import beyond_stage, iterate_stage
from playbook.beyond.beyond_stage import BeyondEvidence, BeyondPoc
from playbook.beyond.iterate_stage import IterateEvidence, Iteration
from playbook.beyond.readiness import Readiness
from playbook.beyond.scale_up_stage import ScaleUpEvidence
from playbook.beyond.verdict import counted
from playbook.charter.model import Charter
from playbook.data import calendar, contracts
from playbook.report import beyond_charts, charts, display

# The columns of the run history a reader compares between runs.
_HISTORY_COLUMNS = [
    "run_id",
    "decision",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "changed",
]
_READINESS_COLUMNS = ["item", "status", "found", "reference", "link"]


def fresh_batch(evidence: BeyondEvidence) -> None:
    """Stage 5: where the fresh batch came from and how many rows it has."""
    fresh = evidence.fresh
    if fresh is None:
        display.bullets("Fresh batch", [beyond_stage.summary(evidence)])
        return
    display.bullets("Fresh batch", [f"{fresh.rows:,} rows from {fresh.source}"])


def fresh_contract(stage: BeyondPoc) -> None:
    """Stage 5: whether the fresh batch keeps the data contract, and what it fails."""
    contract = stage.contract
    if contract is None:
        display.bullets(
            "Data contract on the fresh batch",
            [beyond_stage.contract_summary(stage.outcome.evidence)],
        )
        return
    display.verdict(
        contract.passed,
        f"The fresh batch passes all {contract.evaluated} expectations.",
        f"The fresh batch fails {contract.failed} of {contract.evaluated} "
        "expectations: the pipeline that feeds the model has changed.",
    )
    display.table(contracts.failures_table(contract), caption="Failed expectations")


def drift(evidence: BeyondEvidence) -> None:
    """Stage 5: how far each feature moved since training, and whether beyond noise."""
    report = evidence.drift
    if report is None or not report.judged:
        display.bullets("Drift", [beyond_stage.drift_summary(evidence)])
        return
    display.figures([beyond_charts.drift(report)])
    display.bullets("Drift", [beyond_stage.drift_summary(evidence)])
    display.table(
        display.frame(report.features),
        caption=f"{report.current} ({report.current_rows:,} rows) against "
        f"{report.reference} ({report.reference_rows:,} rows)",
    )


def lift_on_fresh(stage: BeyondPoc) -> None:
    """Stage 5: the lift on the POC's test periods and on the fresh batch."""
    if not stage.outcome.evidence.fresh_batch:
        display.bullets(
            "The lift on later data",
            [beyond_stage.fresh_kpi_summary(stage.outcome.evidence)],
        )
        return
    display.figures([beyond_charts.lift_on_fresh(stage.poc_kpi, stage.scored)])
    fresh = stage.outcome.evidence.fresh_kpi
    if fresh is not None and fresh.partial is not None:
        display.bullets(
            "Partial periods of the fresh batch",
            [calendar.treatment_sentence(fresh.partial)],
        )


def contract_record(evidence: BeyondEvidence) -> None:
    """Stage 5: the fresh batch's columns as the contract record keeps them."""
    record = evidence.record
    if record is None:
        display.bullets(
            "Data contract record", [beyond_stage.contract_summary(evidence)]
        )
        return
    fingerprint = record.sha256 or "not a separate file"
    display.table(
        display.frame(record.columns),
        caption=f"{record.rows:,} rows, sha256 {fingerprint}",
    )


def thresholds(evidence: BeyondEvidence) -> None:
    """Stage 5: the proposed monitoring thresholds."""
    display.table(
        display.frame(evidence.thresholds), caption="Monitoring thresholds (proposed)"
    )


def run_history(evidence: IterateEvidence, *, poc: Charter) -> None:
    """Stage 6: the lift in every run of the POC, and what changed between runs."""
    display.figures([beyond_charts.run_history(evidence.runs)])
    display.table(
        display.frame(evidence.runs, columns=_HISTORY_COLUMNS),
        caption=f"{counted(len(evidence.runs), 'run')} of {poc.poc}",
    )


def losing_segments(stage: Iteration, *, poc: Charter) -> None:
    """Stage 6: the segments where the model earns least against today's baseline."""
    kpi = poc.need("kpi")
    display.figures(
        [charts.losing_segments(stage.segments, unit=kpi.unit, period=kpi.period)]
    )


def ab_test(stage: Iteration, *, poc: Charter) -> None:
    """Stage 6: the A/B tests' size and duration, whether they fit, what to watch."""
    ab = stage.design
    if not ab.applies or ab.plan is None:
        display.bullets("A/B test", [ab.reason])
        return
    display.table(
        display.frame(ab.table()),
        caption=f"A/B test for the minimum lift, {ab.plan.units_per_period:,.0f} "
        f"units per {ab.plan.period}",
    )
    display.figures(
        [
            beyond_charts.ab_duration(
                ab.plan, longest=ab.longest, unit=poc.need("kpi").unit
            )
        ]
    )
    problem = iterate_stage.ab_problem(stage.outcome.evidence)
    display.verdict(
        problem is None,
        f"An A/B test can confirm the minimum lift within "
        f"{counted(ab.longest, ab.plan.period)}.",
        f"{problem} The lift is small against the noise of single units at this "
        "traffic: test on more units, on a proxy metric that moves sooner, or roll "
        "out in stages watched with the stage 5 thresholds.",
    )
    display.bullets("Check before reading results", [ab.plan.srm_check])
    display.bullets("Guardrails to watch", ab.plan.guardrails)


def shadow_replay(evidence: IterateEvidence, *, poc: Charter) -> None:
    """Stage 6: where the two policies decide differently on the replayed rows."""
    kpi = poc.need("kpi")
    display.figures(
        [beyond_charts.shadow_replay(evidence.replay, unit=kpi.unit, period=kpi.period)]
    )


def readiness(ready: Readiness) -> None:
    """Stage 7: every readiness item and what it found, as a table and a chart.

    An item in the way of scale-up shows the problem it found; any other its evidence.
    """
    rows = [
        {
            "item": item.item,
            "status": item.status,
            "found": item.problem or item.evidence,
            "reference": item.reference,
            "link": item.link,
        }
        for item in ready.items
    ]
    display.table(
        display.frame(rows, columns=_READINESS_COLUMNS),
        caption=f"{ready.met} of {ready.decided} decided items met",
    )
    display.figures([beyond_charts.readiness(ready)])


def final_evaluation(evidence: ScaleUpEvidence) -> None:
    """Stage 7: the decision with its reasons, and the memo for the sponsor.

    The memo's commands are the next steps' script, which the notebook shows.
    """
    memo = evidence.memo
    display.decision(evidence.decision)
    display.lead(memo.headline)
    display.bullets(
        "The money", [*memo.money, memo.payback] if memo.payback else memo.money
    )
    display.bullets("Risks", memo.risks)
    display.bullets("Open items", memo.open_items)
    display.bullets("Next steps", memo.next_steps)
    display.bullets("Timeline", [memo.timeline])
