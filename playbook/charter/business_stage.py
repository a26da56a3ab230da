"""Stage 1's evidence: is the charter ready, what the minimum lift is worth, and when.

The stage-1 notebook calls `build` and saves the outcome with `journey.save`; the
manifest, the portfolio and stage 7 read it back with
`journey.load(run_dir, "01_business_question", BusinessEvidence)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter import review, timeline, value_model
from playbook.charter.model import Charter
from playbook.charter.review import CharterReview
from playbook.charter.timeline import TimelineCheck
from playbook.charter.value_model import ValueModel
from playbook.core import journey
from playbook.core.language import Language
from playbook.core.messages import translated

STAGE = "01_business_question"
GATE = "charter"


@dataclass(frozen=True)
class BusinessEvidence:
    """What stage 1 found in the charter.

    Attributes:
        review: The charter against the POC evaluation questions, with its blockers
            (they stop the journey) and warnings.
        value: What the minimum lift is worth a year, and how that moves with lift
            and adoption; None when the charter has no minimum lift.
        timeline: The POC's length against the 2-6 month rule.
    """

    review: CharterReview
    value: ValueModel | None
    timeline: TimelineCheck


def build(poc: Charter) -> journey.StageOutcome[BusinessEvidence]:
    """Review the charter: stopped by the charter gate while a blocker is open.

    Args:
        poc: The charter.

    Returns:
        The stage's outcome: passed, or stopped with the blockers as reasons; when it
        passes, the warnings are the reasons.
    """
    evidence = BusinessEvidence(
        review=review.review(poc, language=poc.language),
        value=value_model.value_model(poc),
        timeline=timeline.timeline_check(poc, language=poc.language),
    )
    return journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED if evidence.review.passed else journey.STOPPED,
        summary=summary(evidence, language=poc.language),
        evidence=evidence,
        reasons=reasons(evidence),
        gate=GATE,
    )


def summary(evidence: BusinessEvidence, *, language: Language = "en") -> str:
    """The stage in one line: questions answered, blockers and warnings."""
    found = evidence.review
    return translated(
        language,
        "%(answered)s of %(questions)s questions answered; %(blockers)s blocker(s), "
        "%(warnings)s warning(s)",
        answered=found.answered,
        questions=len(found.questions),
        blockers=len(found.blockers),
        warnings=len(found.warnings),
    )


def reasons(evidence: BusinessEvidence) -> list[str]:
    """Why the stage stopped (the blockers), else what to know first (the warnings)."""
    return list(evidence.review.blockers or evidence.review.warnings)
