"""Stage 6's evidence: earlier runs, losing segments, the A/B plan and a shadow replay.

`build` compares this run with the POC's earlier runs, finds the segments where the
model loses to today's baseline, sizes the A/B test that would confirm the minimum
lift and replays both policies on the latest scored rows. The notebook saves the
`IterateEvidence` it returns; stage 7 reads it back with
`journey.load(run_dir, "06_iterate", IterateEvidence)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playbook import data
from playbook.beyond import ab_test, history, shadow
from playbook.beyond.ab_test import AbPlan, Design, RatePlan
from playbook.beyond.history import PastRun
from playbook.beyond.shadow import Replay
from playbook.charter import timeline
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.core.language import Language
from playbook.core.locale_format import periods_counted
from playbook.core.messages import translated
from playbook.errors import PlaybookError
from playbook.tasks import evaluation, models, segments
from playbook.tasks.poc_stage import STAGE as POC_STAGE
from playbook.tasks.poc_stage import PocEvidence
from playbook.tasks.segments import Segment

STAGE = "06_iterate"
# Segments of fewer test rows than this earn too noisy a value per period to read.
MIN_SEGMENT_ROWS = 50
# The worst losing segments the evidence keeps: enough to act on, few enough to read.
MOST_LOSING = 10


@dataclass(frozen=True)
class IterateEvidence:
    """What stage 6 found.

    Attributes:
        plan: The A/B test on the money KPI per unit; None when no test applies.
        rate_plan: The A/B test on the rate of positives, for yes/no decisions.
        feasible: Whether the shorter test fits within the charter's longest POC;
            None when no A/B test applies.
        no_test_reason: Why no A/B test applies; None when one does.
        runs: Every run of this POC, oldest first, with what changed between them.
        losing_segments: The segments where the model loses most to today's baseline,
            at most `MOST_LOSING`.
        losing_count: How many segments the model loses in, all of them.
        replay: Both policies on the latest scored rows, as a shadow deployment.
    """

    plan: AbPlan | None
    rate_plan: RatePlan | None
    feasible: bool | None
    no_test_reason: str | None
    runs: list[PastRun]
    losing_segments: list[Segment]
    losing_count: int
    replay: Replay


@dataclass(frozen=True)
class Iteration:
    """Stage 6's outcome, and what the notebook shows beside it.

    Attributes:
        outcome: The stage's outcome with its evidence, to save with `journey.save`.
        segments: Every segment of the test rows, the model's worst first.
        design: The A/B design, with the longest test the charter allows.
    """

    outcome: journey.StageOutcome[IterateEvidence]
    segments: list[Segment]
    design: Design


def build(
    poc: Charter, *, out_dir: str | Path, data_path: str | Path | None, seed: int
) -> Iteration:
    """Compare the runs, find losing segments, size the A/B test, replay the policies.

    Args:
        poc: The charter.
        out_dir: The run folder (stage 4's evidence and scored rows).
        data_path: The data file to read instead of the charter's `data.path`.
        seed: The run's seed (the split stage 4 judged).

    Raises:
        PlaybookError: Stage 4 did not run in this run.
        EvidenceError: Stage 4's saved evidence cannot be read back.
    """
    stage4 = journey.load(out_dir, POC_STAGE, PocEvidence)
    if stage4 is None:
        raise PlaybookError(
            f"{out_dir}: stage 4 recorded no evidence; run stage 4 before stage 6, "
            "in the same run"
        )
    past = history.runs(out_dir, poc=poc.poc)
    frame = data.read(poc, path=data_path)
    found = segments.compare(
        journey.read_table(out_dir, journey.TEST_SCORES),
        evaluation.test_rows(frame, poc=poc, seed=seed),
        columns=models.tabular_columns(frame, poc=poc),
        min_rows=MIN_SEGMENT_ROWS,
        confidence=poc.need("kpi").confidence,
        equal_contacts=True,
    )
    settings = poc.need("experiment")
    design = ab_test.design(
        kpi=poc.need("kpi"),
        inputs=stage4.evidence.experiment_inputs,
        significance=settings.significance,
        power=settings.power,
        longest_months=timeline.LONGEST_MONTHS,
    )
    source, latest = journey.latest_scores(out_dir)
    losing = [s for s in found if s.loses]
    evidence = IterateEvidence(
        plan=design.plan,
        rate_plan=design.rates,
        feasible=design.feasible if design.applies else None,
        no_test_reason=None if design.applies else design.reason,
        runs=past,
        losing_segments=losing[:MOST_LOSING],
        losing_count=len(losing),
        replay=shadow.replay(latest, source=source, task=poc.need("kpi").kind),
    )
    outcome = journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED,
        summary=summary(evidence, language=poc.language),
        reasons=reasons(evidence, language=poc.language),
        evidence=evidence,
    )
    return Iteration(outcome=outcome, segments=found, design=design)


def ab_summary(evidence: IterateEvidence, *, language: Language = "en") -> str:
    """The A/B test in one phrase: the shorter test's size and duration, or why none."""
    return ab_test.summary(
        evidence.plan,
        evidence.rate_plan,
        reason=evidence.no_test_reason or "",
        language=language,
    )


def ab_problem(evidence: IterateEvidence, *, language: Language = "en") -> str | None:
    """The A/B test's length as a problem, when it is longer than a POC may take.

    Returns:
        "An A/B test would need about 48 months (38,483 units per arm), longer than
        the 6 months a POC may take." when even the shorter test does not fit; None
        when it fits or no A/B test applies.
    """
    plans = [p for p in (evidence.plan, evidence.rate_plan) if p is not None]
    if evidence.feasible is not False or not plans:
        return None
    shortest = min(plans, key=lambda p: p.periods)
    period = shortest.period
    longest = ab_test.periods_in(timeline.LONGEST_MONTHS, period)
    allowed = periods_counted(longest, period, language=language)
    if period != "month":
        months = periods_counted(timeline.LONGEST_MONTHS, "month", language=language)
        allowed += f" ({months})"
    return translated(
        language,
        "An A/B test would need about %(needed)s (%(units)s units per arm) to confirm "
        "the minimum lift, longer than the %(allowed)s a POC may take.",
        needed=periods_counted(shortest.periods, period, language=language),
        units=f"{shortest.units_per_arm:,}",
        allowed=allowed,
    )


def summary(evidence: IterateEvidence, *, language: Language = "en") -> str:
    """Stage 6 in one line: runs, losing segments and the A/B test."""
    ab = ab_summary(evidence, language=language)
    runs, losing = len(evidence.runs), evidence.losing_count
    values = {
        "runs": f"{runs:,}",
        "losing": f"{losing:,}",
        "ab": ab[:1].lower() + ab[1:],
    }
    # One sentence per plural form of each count, so each reads whole in the catalogue.
    if runs == 1 and losing == 1:
        return translated(
            language,
            "%(runs)s run; the model loses in %(losing)s segment; %(ab)s",
            **values,
        )
    if runs == 1:
        return translated(
            language,
            "%(runs)s run; the model loses in %(losing)s segments; %(ab)s",
            **values,
        )
    if losing == 1:
        return translated(
            language,
            "%(runs)s runs; the model loses in %(losing)s segment; %(ab)s",
            **values,
        )
    return translated(
        language,
        "%(runs)s runs; the model loses in %(losing)s segments; %(ab)s",
        **values,
    )


def reasons(evidence: IterateEvidence, *, language: Language = "en") -> list[str]:
    """What a reader must know first: an A/B test longer than a POC may take."""
    problem = ab_problem(evidence, language=language)
    return [problem] if problem is not None else []
