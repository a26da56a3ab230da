"""Stage 1: the POC's timeline against the rule that a first POC takes 2 to 6 months.

A longer plan suggests goals too aggressive for a first step; a shorter one rarely
gets data access, a baseline and an evaluation done.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter.model import Charter
from playbook.core.language import Language
from playbook.core.messages import marked, translated

SHORTEST_MONTHS, LONGEST_MONTHS = 2, 6


@dataclass(frozen=True)
class TimelineCheck:
    """The POC's timeline against the 2-6 month rule."""

    start: str | None
    end: str | None
    months: float | None
    shortest: int
    longest: int
    verdict: str
    message: str

    @property
    def fits(self) -> bool:
        """True when the timeline is within the rule."""
        return self.verdict == "fits"


TIMELINE_HINTS = {
    "missing": marked("Add timeline.start and timeline.end (YYYY-MM-DD)."),
    "too_long": marked("Cut the scope to a first milestone of 2 to 6 months."),
    "too_short": marked("Plan at least 2 months, or say why this one can be faster."),
}


def timeline_check(poc: Charter, *, language: Language = "en") -> TimelineCheck:
    """The POC's timeline against the 2-6 month rule for a POC.

    Args:
        poc: The charter.
        language: The language of the verdict's message.
    """
    if poc.timeline is None:
        return TimelineCheck(
            None,
            None,
            None,
            SHORTEST_MONTHS,
            LONGEST_MONTHS,
            "missing",
            translated(
                language, "no timeline: start and end of the POC are not planned"
            ),
        )
    months = poc.timeline.months
    span = {
        "months": f"{months:.1f}",
        "shortest": SHORTEST_MONTHS,
        "longest": LONGEST_MONTHS,
    }
    if months > LONGEST_MONTHS:
        verdict = "too_long"
        message = translated(
            language,
            "the timeline is %(months)s months, over %(longest)s: the goals may be "
            "too aggressive for a POC",
            **span,
        )
    elif months < SHORTEST_MONTHS:
        verdict = "too_short"
        message = translated(
            language,
            "the timeline is %(months)s months, under %(shortest)s: a first POC "
            "rarely gets data access, a baseline and an evaluation done that fast",
            **span,
        )
    else:
        verdict = "fits"
        message = translated(
            language,
            "the timeline is %(months)s months, within the %(shortest)s to "
            "%(longest)s months a POC should take",
            **span,
        )
    return TimelineCheck(
        str(poc.timeline.start),
        str(poc.timeline.end),
        round(months, 2),
        SHORTEST_MONTHS,
        LONGEST_MONTHS,
        verdict,
        message,
    )
