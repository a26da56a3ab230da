"""What the stage-4 notebook shows, one function per section of its page.

Each function takes what `poc_stage.build` returned and shows that section's charts
and tables, so the notebook is one call per section and the wording of captions and
empty states lives here.
"""

from __future__ import annotations

from pathlib import Path

from playbook.core.locale_format import periods_counted
from playbook.core.messages import marked
from playbook.report import charts, display, poc_charts
from playbook.report.display import said
from playbook.serve.saved_model import CARD_FILE, SavedStage
from playbook.tasks import comparison, contact_policy, kpi, poc_stage
from playbook.tasks import latency as latency_words
from playbook.tasks.importance import ImportanceScope
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
    frame = comparison.ladder_frame(stage.evidence.ladder)
    for column in ("policy", "role"):
        frame[column] = frame[column].map(said)
    display.table(
        frame,
        caption=said(
            "KPI in %(axis)s; %(method)s",
            axis=charts.per_period_axis(report.unit, report.period),
            method=_method(report),
        ),
    )
    policies = stage.evidence.contact_policies
    if policies is not None:
        display.bullets(
            said("Who the model contacts"),
            contact_policy.sentences(
                policies,
                unit=report.unit,
                period=report.period,
                language=display.reader_language(),
            ),
        )


def kpi_by_period(stage: PocStage) -> None:
    """The KPI of the model and of today's baseline in each test period."""
    report = stage.evidence.kpi
    display.figures([charts.kpi_by_period(report)])
    display.table(
        kpi.as_table(report, language=display.reader_language()),
        caption=_method(report),
    )


def split(stage: PocStage) -> None:
    """Rows per period on each side of the split."""
    display.figures([poc_charts.split(stage.comparison)])


_SETTINGS = marked(
    "%(trials)s settings fitted in %(seconds)s s (budget %(budget)s s); "
    "chosen: %(model)s"
)
_ONE_SETTING = marked(
    "%(trials)s setting fitted in %(seconds)s s (budget %(budget)s s); "
    "chosen: %(model)s"
)


def candidates(stage: PocStage) -> None:
    """Every candidate setting tried on the validation rows, and the one chosen."""
    found = stage.evidence.candidates
    tried = sum(c.fit_seconds for c in found)
    shown = display.frame(found)
    if "name" in shown:
        shown["name"] = shown["name"].map(said)
    display.table(
        shown,
        caption=said(
            _ONE_SETTING if stage.evidence.tuning_trials == 1 else _SETTINGS,
            trials=stage.evidence.tuning_trials,
            seconds=f"{tried:.0f}",
            budget=f"{stage.tuning_budget or stage.tuning_seconds:g}",
            model=_model_said(stage.evidence.model_name),
        ),
    )
    notes = []
    if stage.tuning_budget is not None:
        notes.append(
            said(
                "Tuning had %(budget)s s of the %(seconds)s s budget: on data this "
                "wide (%(columns)s columns) the checks after it take about as long "
                "again, and the stage keeps within twice the budget.",
                budget=f"{stage.tuning_budget:g}",
                seconds=f"{stage.tuning_seconds:g}",
                columns=f"{len(stage.frame.columns):,}",
            )
        )
    if not stage.evidence.refitted:
        notes.append(
            said(
                "The chosen setting was not fitted again on every training row: that "
                "fit would not have fitted in what was left of the tuning budget, so "
                "the model is the fit tuning judged, without the validation rows."
            )
        )
    if notes:
        display.bullets(said("Time budget and final fit"), notes)


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
    scope = stage.evidence.importance_scope
    if scope is not None:
        display.bullets(said("Permutation importance"), importance_scope(scope))


def importance_scope(scope: ImportanceScope) -> list[str]:
    """Which test rows permutation importance scored, and why it shuffled fewer."""
    said_rows = (
        said(
            "Measured on a seeded random sample of %(sample)s of the %(rows)s test "
            "rows, each feature shuffled %(repeats)s times.",
            sample=f"{scope.sample_rows:,}",
            rows=f"{scope.test_rows:,}",
            repeats=scope.repeats,
        )
        if scope.sample_rows < scope.test_rows
        else said(
            "Measured on all %(rows)s test rows, each feature shuffled %(repeats)s "
            "times.",
            rows=f"{scope.test_rows:,}",
            repeats=scope.repeats,
        )
    )
    if not scope.stopped_early:
        return [said_rows]
    return [
        said_rows,
        said(
            "Its share of the tuning time ran out after %(shuffled)s of the "
            "%(candidates)s features it meant to shuffle (those the model's score "
            "moves with most); the others are not ranked.",
            shuffled=scope.shuffled,
            candidates=scope.candidates,
        ),
    ]


def losing_segments(stage: PocStage) -> None:
    """The segments of the test rows, lowest lift first; a note when there are none.

    On wide data, which features were split and how many were left out.
    """
    definition = stage.poc.need("kpi")
    scope = segment_scope(stage.evidence)
    if not stage.segments:
        display.bullets(
            said("Segments"),
            [
                said(
                    "No feature splits the test rows into segments of %(rows)s rows "
                    "or more.",
                    rows=poc_stage.SEGMENT_MIN_ROWS,
                ),
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
        display.bullets(said("Segments"), [scope])


def segment_scope(found: poc_stage.PocEvidence) -> str | None:
    """Which features the segments split, when not every one was; None when all were."""
    if found.segment_features is None:
        return None
    named = ", ".join(found.segment_features[:SCOPE_NAMED])
    more = len(found.segment_features) - SCOPE_NAMED
    if more > 0:
        named = said("%(names)s and %(more)s more", names=named, more=more)
    return said(
        "Segments of the %(count)s features the model uses most (largest drop in "
        "permutation importance first: %(names)s). The other %(left)s features were "
        "not split into segments: each segment compared widens the others' "
        "intervals, and splitting every column of wide data takes minutes.",
        count=len(found.segment_features),
        names=named,
        left=f"{found.features_not_segmented:,}",
    )


def latency(stage: PocStage) -> None:
    """Measured prediction times against the charter's requirement."""
    measured = stage.evidence.latency
    shown = display.frame([measured]).drop(columns=["batch_calls", "row_calls"])
    shown["judged_on"] = latency_words.judged_on(
        measured, language=display.reader_language()
    )
    shown["mode"] = shown["mode"].map(said)
    display.table(
        shown,
        caption=said(
            "Prediction time (ms): p50 and p95 of %(batch)s whole-batch and "
            "%(rows)s one-row calls",
            batch=measured.batch_calls,
            rows=measured.row_calls,
        ),
    )


def saved_files(saved: SavedStage) -> None:
    """What stage 4 saved in the run folder for the later stages and for scoring."""
    display.bullets(
        said("Saved in the run folder"),
        [
            said(
                "%(folder)s/: the model, its data contract and %(card)s",
                folder=_relative(saved, saved.model_dir),
                card=CARD_FILE,
            ),
            said(
                "%(file)s: every policy's decisions on the test rows",
                file=_relative(saved, saved.test_scores),
            ),
        ],
    )


def _method(report: kpi.KpiReport) -> str:
    """How the lift's interval was found, for the reader.

    The tasks describe their method in English (`KpiReport.method`); a reader of
    another language reads the interval's terms (its confidence and what it rests on)
    and finds the method's detail on the English page.
    """
    language = display.reader_language()
    if language == "en":
        return report.method
    if report.scaling is not None:
        # Held-out rows without a time column are a number of periods' worth, not one.
        return said(
            "%(confidence)s interval on the lift, resting on %(rows)s test rows, about "
            "%(periods)s' worth of cases (data.cases_per_period)",
            confidence=f"{report.confidence:.0%}",
            rows=f"{report.test_rows:,}",
            periods=periods_counted(
                report.scaling.periods_worth, report.period, language=language
            ),
        )
    return said(
        "%(confidence)s interval on the lift, resting on %(periods)s of test rows "
        "(%(rows)s rows)",
        confidence=f"{report.confidence:.0%}",
        periods=periods_counted(
            report.interval_periods, report.period, language=language
        ),
        rows=f"{report.test_rows:,}",
    )


def _model_said(name: str) -> str:
    """A chosen model's name in the reader's words; its settings (C=1.0) stay code."""
    for known in POLICY_NAMES:
        if name.startswith(known):
            return said(known) + name.removeprefix(known)
    return said(name)


def _relative(saved: SavedStage, path: Path) -> str:
    return path.relative_to(saved.run_dir).as_posix()


# The names the tasks give policies and candidates, said in the reader's language.
POLICY_NAMES = (
    marked("the model, break-even"),
    marked("the model, fill capacity"),
    marked("logistic regression"),
    marked("gradient-boosted trees"),
)
# The headers of stage 4's tables (`display.table` says each in the reader's language).
TABLE_HEADERS = (
    marked("policy"),
    marked("role"),
    marked("period"),
    marked("model"),
    marked("lift"),
    marked("name"),
    marked("validation_kpi"),
    marked("params"),
    marked("fit_seconds"),
    marked("skipped"),
    marked("mode"),
    marked("budget_ms"),
    marked("batch_rows"),
    marked("batch_p50_ms"),
    marked("batch_p95_ms"),
    marked("row_p50_ms"),
    marked("row_p95_ms"),
    marked("meets"),
    marked("batch"),
    marked("real_time"),
    marked("judged_on"),
    *(marked("kpi"), marked("roc_auc"), marked("average_precision")),
    *(marked("brier"), marked("contacted"), marked("positives_reached")),
)
