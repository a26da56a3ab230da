"""The sections of stages 5-7's notebooks: each shows one part of a stage's evidence.

One function per section, taking what the stage's builder returned, so a notebook
shows a section in one call. The words here only label what the evidence holds.
"""

from __future__ import annotations

from playbook.beyond import beyond_stage, iterate_stage, monitoring
from playbook.beyond.beyond_stage import BeyondEvidence, BeyondPoc
from playbook.beyond.iterate_stage import IterateEvidence, Iteration
from playbook.beyond.readiness import Readiness
from playbook.beyond.scale_up_stage import ScaleUpEvidence
from playbook.beyond.verdict import counted
from playbook.charter.model import Charter
from playbook.core.locale_format import periods_counted
from playbook.core.messages import marked
from playbook.data import calendar, contracts
from playbook.report import beyond_charts, charts, display
from playbook.report.display import said

# The columns of the run history a reader compares between runs.
_HISTORY_COLUMNS = [
    marked("run_id"),
    marked("decision"),
    marked("lift"),
    marked("lift_ci_low"),
    marked("lift_ci_high"),
    marked("changed"),
]
# The columns of the drift table (`drift.FeatureDrift`) and the contract record's.
_DRIFT_COLUMNS = (
    *(marked("feature"), marked("compared_as"), marked("psi"), marked("distance")),
    *(marked("p_value"), marked("p_adjusted"), marked("level")),
    *(marked("psi_after_trend"), marked("distance_after_trend")),
    *(marked("column"), marked("dtype"), marked("missing_share")),
)
# What a readiness item cites besides the ML Test Score: a stage's own check.
_REFERENCES = (marked("charter"), marked("team"), marked("experiment design"))
_READINESS_COLUMNS = [
    marked("item"),
    marked("status"),
    marked("found"),
    marked("reference"),
    marked("link"),
]


def fresh_batch(evidence: BeyondEvidence) -> None:
    """Stage 5: where the fresh batch came from and how many rows it has."""
    fresh = evidence.fresh
    if fresh is None:
        display.bullets(
            said("Fresh batch"),
            [beyond_stage.summary(evidence, language=display.reader_language())],
        )
        return
    display.bullets(
        said("Fresh batch"),
        [
            said(
                "%(rows)s rows from %(source)s",
                rows=f"{fresh.rows:,}",
                source=fresh.source,
            )
        ],
    )


def fresh_contract(stage: BeyondPoc) -> None:
    """Stage 5: whether the fresh batch keeps the data contract, and what it fails."""
    contract = stage.contract
    if contract is None:
        _no_contract(said("Data contract on the fresh batch"), stage.outcome.evidence)
        return
    display.verdict(
        contract.passed,
        said(
            "The fresh batch passes all %(evaluated)s expectations.",
            evaluated=contract.evaluated,
        ),
        said(
            "The fresh batch fails %(failed)s of %(evaluated)s expectations: the "
            "pipeline that feeds the model has changed.",
            failed=contract.failed,
            evaluated=contract.evaluated,
        ),
    )
    display.table(
        contracts.failures_table(contract), caption=said("Failed expectations")
    )


def _no_contract(title: str, evidence: BeyondEvidence) -> None:
    """A contract section with nothing to tabulate: the stage's one-line summary."""
    display.bullets(
        title,
        [beyond_stage.contract_summary(evidence, language=display.reader_language())],
    )


def drift(evidence: BeyondEvidence) -> None:
    """Stage 5: how far each feature moved since training, and whether beyond noise."""
    report = evidence.drift
    if report is None or not report.judged:
        display.bullets(
            said("Drift"),
            [beyond_stage.drift_summary(evidence, language=display.reader_language())],
        )
        return
    display.figures([beyond_charts.drift(report)])
    display.bullets(
        said("Drift"),
        [beyond_stage.drift_summary(evidence, language=display.reader_language())],
    )
    features = display.frame(report.features)
    for column in ("compared_as", "level"):
        features[column] = features[column].map(said)
    display.table(
        features,
        caption=said(
            "%(current)s (%(current_rows)s rows) against %(reference)s "
            "(%(reference_rows)s rows)",
            current=said(report.current),
            current_rows=f"{report.current_rows:,}",
            reference=said(report.reference),
            reference_rows=f"{report.reference_rows:,}",
        ),
    )


def lift_on_fresh(stage: BeyondPoc) -> None:
    """Stage 5: the lift on the POC's test periods and on the fresh batch."""
    if not stage.outcome.evidence.fresh_batch:
        display.bullets(
            said("The lift on later data"),
            [
                beyond_stage.fresh_kpi_summary(
                    stage.outcome.evidence, language=display.reader_language()
                )
            ],
        )
        return
    display.figures([beyond_charts.lift_on_fresh(stage.poc_kpi, stage.scored)])
    fresh = stage.outcome.evidence.fresh_kpi
    if fresh is not None and fresh.partial is not None:
        display.bullets(
            said("Partial periods of the fresh batch"),
            [
                calendar.treatment_sentence(
                    fresh.partial, language=display.reader_language()
                )
            ],
        )


def contract_record(evidence: BeyondEvidence) -> None:
    """Stage 5: the fresh batch's columns as the contract record keeps them."""
    record = evidence.record
    if record is None:
        _no_contract(said("Data contract record"), evidence)
        return
    fingerprint = record.sha256 or said("not a separate file")
    display.table(
        display.frame(record.columns),
        caption=said(
            "%(rows)s rows, sha256 %(sha)s", rows=f"{record.rows:,}", sha=fingerprint
        ),
    )


def thresholds(evidence: BeyondEvidence) -> None:
    """Stage 5: the proposed monitoring thresholds."""
    display.table(
        display.frame(evidence.thresholds, columns=list(monitoring.THRESHOLD_COLUMNS)),
        caption=said("Monitoring thresholds (proposed)"),
    )


def run_history(evidence: IterateEvidence, *, poc: Charter) -> None:
    """Stage 6: the lift in every run of the POC, and what changed between runs."""
    display.figures([beyond_charts.run_history(evidence.runs)])
    shown = display.frame(evidence.runs, columns=_HISTORY_COLUMNS)
    # The history keeps the catalogue's words (a decision, what changed); the page
    # says them in its reader's language.
    shown["decision"] = [said(d) if d else d for d in shown["decision"]]
    shown["changed"] = [
        "; ".join(said(part) for part in changed.split("; ")) if changed else changed
        for changed in shown["changed"]
    ]
    display.table(
        shown,
        caption=said("Runs of %(poc)s: %(runs)s", poc=poc.poc, runs=len(evidence.runs))
        if display.reader_language() != "en"
        else f"{counted(len(evidence.runs), 'run')} of {poc.poc}",
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
        display.bullets(said("A/B test"), [ab.reason])
        return
    display.table(
        display.frame(ab.table(language=display.reader_language())),
        caption=said(
            "A/B test for the minimum lift, %(units)s units per %(period)s",
            units=f"{ab.plan.units_per_period:,.0f}",
            period=said(ab.plan.period),
        ),
    )
    display.figures(
        [
            beyond_charts.ab_duration(
                ab.plan, longest=ab.longest, unit=poc.need("kpi").unit
            )
        ]
    )
    language = display.reader_language()
    problem = iterate_stage.ab_problem(stage.outcome.evidence, language=language)
    display.verdict(
        problem is None,
        said(
            "An A/B test can confirm the minimum lift within %(periods)s.",
            periods=periods_counted(ab.longest, ab.plan.period, language=language),
        ),
        said(
            "%(problem)s The lift is small against the noise of single units at "
            "this traffic: test on more units, on a proxy metric that moves sooner, "
            "or roll out in stages watched with the stage 5 thresholds.",
            problem=problem,
        ),
    )
    display.bullets(said("Check before reading results"), [said(ab.plan.srm_check)])
    display.bullets(
        said("Guardrails to watch"),
        [said(guardrail) for guardrail in ab.plan.guardrails],
    )


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
            "item": item.title(language=display.reader_language()),
            "status": said(item.status),
            "found": said(item.problem or item.evidence),
            "reference": said(item.reference),
            "link": item.link,
        }
        for item in ready.items
    ]
    display.table(
        display.frame(rows, columns=_READINESS_COLUMNS),
        caption=said(
            "%(met)s of %(decided)s decided items met",
            met=ready.met,
            decided=ready.decided,
        ),
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
        said("The money"), [*memo.money, memo.payback] if memo.payback else memo.money
    )
    display.bullets(said("Risks"), memo.risks)
    display.bullets(said("Open items"), memo.open_items)
    display.bullets(said("Next steps"), memo.next_steps)
    display.bullets(said("Timeline"), [memo.timeline])
