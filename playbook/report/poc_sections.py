"""What the stage-4 notebook shows, one function per section of its page.

Each function takes what `poc_stage.build` returned and shows that section's charts
and tables, so the notebook is one call per section and the wording of captions and
empty states lives here.
"""

from __future__ import annotations

from pathlib import Path

from playbook.report import charts, display, poc_charts
from playbook.serve.saved_model import CARD_FILE, SavedStage
from playbook.tasks import comparison, contact_policy, kpi, poc_stage
from playbook.tasks.poc_stage import PocStage

# Features named in the sentence on which segments were split; the rest are counted.
SCOPE_NAMED = 5


def decision(stage: PocStage) -> None:
    """The go / iterate / stop decision with its reasons, and the lift's interval."""
    display.decision(stage.evidence.decision)
    display.figures([charts.lift_interval(stage.evidence.kpi)])


def ladder(stage: PocStage) -> None:
    """Every baseline and the model on the same test rows: a chart, then the table."""
    report = stage.evidence.kpi
    display.figures([poc_charts.ladder(stage.comparison)])
    display.table(
        comparison.ladder_frame(stage.evidence.ladder),
        caption=f"KPI in {report.unit} per {report.period}; {report.method}",
    )
    policies = stage.evidence.contact_policies
    if policies is not None:
        display.bullets(
            "Who the model contacts",
            contact_policy.sentences(policies, unit=report.unit, period=report.period),
        )


def kpi_by_period(stage: PocStage) -> None:
    """The KPI of the model and of today's baseline in each test period."""
    report = stage.evidence.kpi
    display.figures([charts.kpi_by_period(report)])
    display.table(kpi.as_table(report), caption=report.method)


def split(stage: PocStage) -> None:
    """Rows per period on each side of the split."""
    display.figures([poc_charts.split(stage.comparison)])


def candidates(stage: PocStage) -> None:
    """Every candidate setting tried on the validation rows, and the one chosen."""
    found = stage.evidence.candidates
    tried = sum(c.fit_seconds for c in found)
    display.table(
        display.frame(found),
        caption=f"{stage.evidence.tuning_trials} settings fitted in {tried:.0f} s "
        f"(budget {stage.tuning_seconds:.0f} s); chosen: {stage.evidence.model_name}",
    )


def how_the_model_decides(stage: PocStage) -> None:
    """The charts that read best for the task, then what the model leans on."""
    display.figures(
        poc_charts.for_task(stage.comparison, kpi_definition=stage.poc.need("kpi"))
    )
    display.figures(
        [
            poc_charts.importance(
                stage.importance,
                score=stage.importance_score,
                features=len(stage.comparison.features),
            )
        ]
    )


def losing_segments(stage: PocStage) -> None:
    """The segments of the test rows, lowest lift first; a note when there are none.

    On wide data, which features were split and how many were left out.
    """
    definition = stage.poc.need("kpi")
    scope = segment_scope(stage.evidence)
    if not stage.segments:
        display.bullets(
            "Segments",
            [
                "No feature splits the test rows into segments of "
                f"{poc_stage.SEGMENT_MIN_ROWS} rows or more.",
                *([scope] if scope else []),
            ],
        )
        return
    display.figures(
        [
            charts.losing_segments(
                stage.segments, unit=definition.unit, period=definition.period
            )
        ]
    )
    if scope:
        display.bullets("Segments", [scope])


def segment_scope(found: poc_stage.PocEvidence) -> str | None:
    """Which features the segments split, when not every one was; None when all were."""
    if found.segment_features is None:
        return None
    named = ", ".join(found.segment_features[:SCOPE_NAMED])
    more = len(found.segment_features) - SCOPE_NAMED
    return (
        f"Segments of the {len(found.segment_features)} features the model uses most "
        f"(largest drop in permutation importance first: {named}"
        f"{f' and {more} more' if more > 0 else ''}). The other "
        f"{found.features_not_segmented:,} features were not split into segments: "
        "each segment compared widens the others' intervals, and splitting every "
        "column of wide data takes minutes."
    )


def latency(stage: PocStage) -> None:
    """Measured prediction times against the charter's requirement."""
    display.table(
        display.frame([stage.evidence.latency]), caption="Prediction time (ms)"
    )


def saved_files(saved: SavedStage) -> None:
    """What stage 4 saved in the run folder for the later stages and for scoring."""
    display.bullets(
        "Saved in the run folder",
        [
            f"{_relative(saved, saved.model_dir)}/: the model, its data contract and "
            f"{CARD_FILE}",
            f"{_relative(saved, saved.test_scores)}: every policy's decisions on the "
            "test rows",
        ],
    )


def _relative(saved: SavedStage, path: Path) -> str:
    return path.relative_to(saved.run_dir).as_posix()
