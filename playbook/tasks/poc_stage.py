"""Stage 4, the POC: what it found, built in one call, as later stages read it.

`build` runs the comparison of today's baseline with the candidate models and the
diagnostics around it (permutation importance, losing segments, sensitive groups,
latency), and returns a `PocStage`: the typed `StageOutcome[PocEvidence]` the notebook
saves with `journey.save`, plus what the notebook charts but nobody reads later (the
fitted comparison, the importance, every segment). Stages 5-7, `playbook score`, the
manifest, the portfolio and the memo read the evidence back with
`journey.load(run_dir, STAGE, PocEvidence)`. Saving the model and the scored test rows
is `playbook.serve.saved_model.save_stage`'s job: this layer writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from playbook import data
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.core.language import Language
from playbook.data import calendar
from playbook.data.calendar import CalendarReport
from playbook.tasks import (
    column_findings,
    evaluation,
    importance,
    latency,
    models,
    reproduction,
    segments,
)
from playbook.tasks.column_findings import ColumnFindings
from playbook.tasks.comparison import Calibration, Candidate, Comparison, Rung
from playbook.tasks.contact_policy import ContactPolicies
from playbook.tasks.deadline import Deadline
from playbook.tasks.decision import Decision, decide_poc
from playbook.tasks.decision_words import decision_code
from playbook.tasks.experiment import ExperimentInputs
from playbook.tasks.importance import Importance, ImportanceScope
from playbook.tasks.kpi import KpiReport, lift_summary
from playbook.tasks.latency import LatencyReport
from playbook.tasks.reproduction import SampleFit
from playbook.tasks.segments import Segment
from playbook.tasks.training_sample import TrainingSample

STAGE = "04_poc"

# A feature's segment needs this many test rows: in fewer, what a policy earns per
# period swings with a handful of customers and reads as noise.
SEGMENT_MIN_ROWS = 50
# A sensitive group is compared from fewer rows than a segment: the fairness notes
# must not leave a small group out, and below this even a group is only noise.
GROUP_MIN_ROWS = 30
# Segments split at most this many features, those the model leans on most
# (permutation importance): splitting each of 3,000 columns took minutes, and every
# segment compared widens the others' simultaneous intervals.
SEGMENT_FEATURES = 20
# The evidence keeps the worst losing segments only: enough for stage 6 and the memo
# to say where to look, short enough for a reader.
LOSING_SEGMENTS_KEPT = 10
# Timed whole-batch and one-row predictions: enough calls for a steady p50 and p95,
# few enough to keep the stage quick on a large test period.
LATENCY_REPEATS = 5
LATENCY_SINGLE_ROWS = 50
# The diagnostics' shares of --tuning-seconds (wall time, as tuning's): permutation
# importance on wide data, and the latency calls. Their predictions were most of
# stage 4 on 3,000 columns (23 and 12 s of CPU at a 5 s budget); with these shares
# and their stated minimums the stage stays near twice the budget. Narrow data's
# importance shuffles every feature whatever the clock.
IMPORTANCE_SHARE = 0.2
LATENCY_SHARE = 0.1
# On wide data the work after tuning costs about as much as tuning: each prediction
# through the pipeline takes tens of milliseconds on 3,000 columns, and importance,
# latency, scoring, the stage-7 sample fit and the page took 5.5-6 s at a 5 s budget.
# Tuning (its final fit included) then gets this share of --tuning-seconds, so that
# the stage keeps within twice the budget; narrower data is tuned on all of it.
WIDE_TUNING_SHARE = 0.5


@dataclass(frozen=True)
class PocEvidence:
    """What stage 4 found: the KPI with its interval, the decision, and how.

    Attributes:
        task: "top_k", "forecast" or "routing".
        kpi: The model against today's baseline on the charter's KPI, with its interval.
        decision: Go, iterate or stop, with the reasons.
        split: How the rows were held out, in words.
        ladder: Every baseline and the model on the same test rows.
        model_name: The chosen candidate.
        candidates: Every setting tried on the validation rows, then those not
            fitted on wide data (`Candidate.skipped` says why).
        tuning_trials: How many settings were fitted (pass it as `trials`, with
            `refitted`, to repeat them).
        experiment_inputs: Each arm's value per unit for stage 6's A/B plan; None
            where an online test of units does not apply (forecasts).
        latency: Prediction time against the charter's requirement.
        losing_segments: Segments where the model loses to today's baseline at equal
            contacts, its interval below zero (`segments.compare`).
        fairness_groups: The model against today's baseline in each sensitive group.
        segment_features: The features the segments split by, when only the
            `SEGMENT_FEATURES` the model uses most were (most first); None when every
            feature was.
        features_not_segmented: How many features were not split into segments.
        sample_fit: The chosen settings fitted again on a seeded sample of the
            training rows, fingerprinted, for stage 7 to repeat.
        calibration: Whether a yes/no model's scores are probabilities; a
            calibration that fell back is evidence of a weak signal, and its scores
            are shown as scores. None for forecasts and routing.
        calendar: A forecast's calendar: missing steps and how they were treated,
            the partial test periods (weighted or dropped), the calendar features,
            the columns read lagged and those that look observed on the day but
            are used unlagged. None for the other tasks.
        contact_policies: A yes/no model's break-even and fill-capacity policies
            side by side, the threshold, and which one the decision uses. None for
            forecasts and routing.
        training_sample: The seeded sample of the training rows a yes/no model was
            fitted on when there were more than it needs; None when it was fitted
            on all of them (and for forecasts and routing).
        importance_scope: What permutation importance measured: its seeded sample
            of the test rows, the features it shuffled of those the model reads,
            and whether its time allowance stopped it early. None in evidence
            saved before it was recorded.
        refitted: False when the model is the chosen setting as tuning fitted it,
            without the validation rows, because its final fit on every training
            row did not fit in what was left of the tuning budget (wide data). A
            repeat passes it with `tuning_trials` (`build`'s `refitted`).
    """

    task: str
    kpi: KpiReport
    decision: Decision
    split: str
    ladder: list[Rung]
    model_name: str
    candidates: list[Candidate]
    tuning_trials: int
    experiment_inputs: ExperimentInputs | None
    latency: LatencyReport
    losing_segments: list[Segment] = field(default_factory=list)
    fairness_groups: list[Segment] = field(default_factory=list)
    segment_features: list[str] | None = None
    features_not_segmented: int = 0
    sample_fit: SampleFit | None = None
    calibration: Calibration | None = None
    calendar: CalendarReport | None = None
    contact_policies: ContactPolicies | None = None
    training_sample: TrainingSample | None = None
    importance_scope: ImportanceScope | None = None
    refitted: bool = True


@dataclass(frozen=True)
class PocStage:
    """Stage 4's outcome, and what its notebook shows beside it.

    Attributes:
        outcome: What the notebook saves and later stages read (`journey.save`).
        poc: The charter the stage judged against.
        frame: The rows the stage read (the model bundle fingerprints a SQL source's
            rows from them).
        comparison: The fitted model, the split and the scored test rows.
        tuning_seconds: The wall time the stage was given (--tuning-seconds).
        importance: Permutation importance of each feature, largest drop first.
        importance_score: The score whose drop `importance` measures.
        segments: Every segment of a feature with `SEGMENT_MIN_ROWS` rows or more,
            lowest lift first; the evidence keeps only the worst losing ones.
        tuning_budget: The share of `tuning_seconds` tuning got on wide data
            (`tuning_budget`); None when it got all of it.
    """

    outcome: journey.StageOutcome[PocEvidence]
    poc: Charter
    frame: pd.DataFrame
    comparison: Comparison
    tuning_seconds: float
    importance: list[Importance]
    importance_score: str
    segments: list[Segment]
    tuning_budget: float | None = None

    @property
    def evidence(self) -> PocEvidence:
        """The stage's typed evidence."""
        return self.outcome.evidence


@dataclass(frozen=True)
class PocData:
    """The rows stage 4 reads, and stage 3's findings on their columns if they hold.

    Attributes:
        frame: The rows, as `playbook.data.read` hands them to the model.
        findings: Stage 3's PII and leak findings on the same data under the same
            charter (`column_findings.from_data_strategy`); None when stage 3 saved
            none that hold, and the stage finds them again.
    """

    frame: pd.DataFrame
    findings: ColumnFindings | None = None


def read(
    poc: Charter, *, path: str | Path | None = None, run_dir: str | Path | None = None
) -> PocData:
    """Read the stage's rows, with stage 3's findings from `run_dir` when they hold.

    Args:
        poc: The charter.
        path: The file or folder read instead of the charter's source (`--data`);
            empty or None for the charter's.
        run_dir: The run folder stage 3 saved its evidence in; None reads none.

    Raises:
        DataError: The data cannot be read or does not fit the charter
            (`playbook.data.read`).
    """
    frame = data.read(poc, path=path or None)
    found = column_findings.from_data_strategy(
        run_dir, poc=poc, frame=frame, data_path=path
    )
    return PocData(frame, found)


# Over 80 lines: it is the stage, one call per diagnostic in the order the page
# shows them (comparison, importance, latency, segments, sample fit, evidence).
def build(
    rows: pd.DataFrame | PocData,
    *,
    poc: Charter,
    seed: int,
    tuning_seconds: float = evaluation.DEFAULT_TUNING_SECONDS,
    trials: int | None = None,
    refitted: bool = True,
) -> PocStage:
    """Run stage 4: the candidates against today's baseline, and the diagnostics.

    Args:
        rows: The data, or the data with stage 3's column findings (`read`).
        poc: The charter.
        seed: Fixes every random choice.
        tuning_seconds: Wall time for tuning the candidates.
        trials: Try exactly this many settings whatever the clock (to repeat a run:
            its evidence's `tuning_trials`).
        refitted: With `trials`, the repeated run's `PocEvidence.refitted`: False
            keeps tuning's fit as that run did.

    Raises:
        CharterError: The charter lacks a section the task needs, or it does not fit
            the data.
        DataError: The data cannot be split into training and test rows for the task.
    """
    frame, found = (
        (rows.frame, rows.findings) if isinstance(rows, PocData) else (rows, None)
    )
    # Packed once for every fit and prediction below (wide data only).
    modelled = models.packed(frame)
    budget = tuning_budget(tuning_seconds, columns=len(frame.columns))
    result = evaluation.compare(
        modelled,
        found,
        poc=poc,
        seed=seed,
        tuning_seconds=budget,
        trials=trials,
        refitted=refitted,
    )
    ranking = importance.importance(
        result.model,
        result.test_frame,
        result.rows["actual"].to_numpy(),
        features=result.features,
        task=result.task,
        seed=seed,
        deadline=Deadline(max(tuning_seconds, 0.0) * IMPORTANCE_SHARE),
    )
    columns = [c for c in result.features if c != poc.data.text]
    split_by = most_used(columns, ranking.found, screened=ranking.screened)
    confidence = poc.need("kpi").confidence
    found_segments = segments.compare(
        result.rows,
        result.test_frame,
        columns=split_by,
        min_rows=SEGMENT_MIN_ROWS,
        confidence=confidence,
        equal_contacts=True,
    )
    # How each group fares under each policy's own decisions: a group the model
    # calls less is a finding for the fairness notes, unlike a losing segment.
    groups = segments.compare(
        result.rows,
        result.test_frame,
        columns=list(poc.data.sensitive),
        min_rows=GROUP_MIN_ROWS,
        confidence=confidence,
        equal_contacts=False,
    )
    speed = latency.measure(
        result.model,
        result.latest_test_rows()[result.features],
        prediction=poc.prediction,
        repeats=LATENCY_REPEATS,
        single_rows=LATENCY_SINGLE_ROWS,
        seed=seed,
        deadline=Deadline(max(tuning_seconds, 0.0) * LATENCY_SHARE),
        # The comparison scored the test rows with it: its set-up is paid.
        warmed=True,
    )
    refit = reproduction.sample_fit(
        evaluation.held_out(modelled, poc=poc, seed=seed)[0],
        model=result.model,
        features=result.features,
        poc=poc,
        task=result.task,
        seed=seed,
    )
    found_evidence = evidence(
        result,
        measured_latency=speed,
        feature_segments=found_segments,
        sensitive_groups=groups,
        sample_fit=refit,
        language=poc.language,
        segment_features=split_by if len(split_by) < len(columns) else None,
        features_not_segmented=len(columns) - len(split_by),
        importance_scope=ranking.scope,
    )
    return PocStage(
        outcome=journey.StageOutcome(
            stage=STAGE,
            status=journey.PASSED,
            summary=summary(found_evidence, language=poc.language),
            evidence=found_evidence,
            reasons=reasons(found_evidence),
        ),
        poc=poc,
        frame=frame,
        comparison=result,
        tuning_seconds=tuning_seconds,
        importance=ranking.found,
        importance_score=ranking.score,
        segments=found_segments,
        tuning_budget=budget if budget < tuning_seconds else None,
    )


def tuning_budget(seconds: float, *, columns: int) -> float:
    """The wall time tuning gets of --tuning-seconds: all of it, or a share.

    The share, `WIDE_TUNING_SHARE`, on data of more than
    `models.PACKED_ABOVE_COLUMNS` columns.
    """
    if columns > models.PACKED_ABOVE_COLUMNS:
        return seconds * WIDE_TUNING_SHARE
    return seconds


def most_used(
    columns: list[str], found: list[Importance], *, screened: list[str] | None = None
) -> list[str]:
    """The columns segments split by: all, or the `SEGMENT_FEATURES` used most.

    Most used: the largest drops of permutation importance first (`found` is in that
    order); then, on wide data, those its screen put first but that were not shuffled
    (`screened`, when its time allowance stopped it early); then the columns in their
    own order.
    """
    if len(columns) <= SEGMENT_FEATURES:
        return columns
    allowed = set(columns)
    measured = [item.feature for item in found if item.feature in allowed]
    then = [name for name in screened or [] if name in allowed]
    ranked = list(dict.fromkeys([*measured, *then, *columns]))
    return ranked[:SEGMENT_FEATURES]


def evidence(
    result: Comparison,
    *,
    measured_latency: LatencyReport,
    feature_segments: list[Segment],
    sensitive_groups: list[Segment],
    sample_fit: SampleFit | None = None,
    language: Language = "en",
    segment_features: list[str] | None = None,
    features_not_segmented: int = 0,
    importance_scope: ImportanceScope | None = None,
) -> PocEvidence:
    """What later stages read of a comparison and its diagnostics.

    Args:
        result: The comparison.
        measured_latency: The measured prediction times.
        feature_segments: Every segment of the features, lowest lift first.
        sensitive_groups: The segments of the sensitive attributes.
        sample_fit: The chosen settings fitted on a sample, for stage 7 to repeat.
        language: The language of the decision's reasons (the same decision,
            worded from the same KPI).
        segment_features: The features the segments split by, when not all were.
        features_not_segmented: How many features were not split.
        importance_scope: What permutation importance measured.
    """
    losing = [s for s in feature_segments if s.loses]
    return PocEvidence(
        task=result.task,
        kpi=result.kpi,
        decision=(
            result.decision
            if language == "en"
            else decide_poc(result.kpi, rule=result.decision.rule, language=language)
        ),
        split=result.holdout.description,
        ladder=result.ladder,
        model_name=result.model_name,
        candidates=result.candidates,
        tuning_trials=sum(not c.skipped for c in result.candidates),
        experiment_inputs=result.experiment_inputs,
        latency=measured_latency,
        losing_segments=losing[:LOSING_SEGMENTS_KEPT],
        fairness_groups=sensitive_groups,
        segment_features=segment_features,
        features_not_segmented=features_not_segmented,
        sample_fit=sample_fit,
        calibration=result.calibration,
        calendar=result.calendar,
        contact_policies=result.contact_policies,
        training_sample=result.training_sample,
        importance_scope=importance_scope,
        refitted=result.refitted,
    )


def summary(found: PocEvidence, *, language: Language = "en") -> str:
    """One line for the runner and the index page: the decision and the lift."""
    decided = decision_code(found.decision.decision, language=language)
    return f"{decided}: {lift_summary(found.kpi, language=language)}"


def reasons(found: PocEvidence) -> list[str]:
    """What a reader must know first: the decision's reasons, then any warning.

    The warning: columns that look observed on the day, read as if known ahead.
    """
    warning = calendar.same_day_warning(found.calendar) if found.calendar else None
    return [*found.decision.reasons, *([warning] if warning else [])]
