"""The sections of the stage-1 and stage-2 pages: the charter review and the team.

Each function shows one section of a stage's page from the stage's evidence (its
tables, bullets and verdicts); the notebooks call them so that no sentence is written
in a notebook.
"""

from __future__ import annotations

from playbook.charter import value_model as charter_value
from playbook.charter.review import CharterReview
from playbook.charter.team import TeamCoverage
from playbook.charter.timeline import TimelineCheck
from playbook.charter.value_model import ValueModel
from playbook.core.messages import marked
from playbook.report import charts, display
from playbook.report.display import said

# The questions table's columns, headed in the reader's language.
_QUESTION_COLUMNS = [marked("question"), marked("answered"), marked("answer")]
# The value table's columns (`value_model.value_rows`), headed in the reader's language.
_VALUE_COLUMNS = (marked("what"), marked("value"))
# The team's tables: each role, and what the POC's process needs.
_ROLE_COLUMNS = [
    *(marked("title"), marked("holder"), marked("does"), marked("cover")),
    marked("gap"),
]
_PROCESS_COLUMNS = [marked("need"), marked("met"), marked("evidence")]


def questions_table(review: CharterReview) -> None:
    """The evaluation questions, whether the charter answers each, and the answer."""
    display.table(
        display.frame(review.questions, columns=_QUESTION_COLUMNS),
        caption=said(
            "%(answered)s of %(questions)s questions answered",
            answered=review.answered,
            questions=len(review.questions),
        ),
    )


def blockers(review: CharterReview) -> None:
    """The blockers (they stop the journey) and the warnings, as two lists."""
    display.bullets(said("Blockers (the journey stops)"), review.blockers)
    display.bullets(said("Warnings"), review.warnings)


def value_table(model: ValueModel | None) -> None:
    """The minimum lift in money: per period, per year, the budget and the payback."""
    display.table(
        display.frame(
            charter_value.value_rows(model, language=display.reader_language())
        ),
        caption=said("The minimum lift in money"),
    )


def timeline(check: TimelineCheck) -> None:
    """The timeline against the 2-6 month rule: a verdict and a chart."""
    display.verdict(check.fits, check.message, check.message)
    display.figures([charts.timeline_rule(check)])


def roles(coverage: TeamCoverage) -> None:
    """Who holds each role, what it does, and what covers a role nobody holds."""
    display.table(
        display.frame(coverage.roles, columns=_ROLE_COLUMNS),
        caption=said(
            "%(covered)s of %(roles)s roles staffed",
            covered=coverage.covered,
            roles=len(coverage.roles),
        ),
    )


def process(coverage: TeamCoverage) -> None:
    """What the POC's process needs from the team, the gaps, and the verdict."""
    display.table(
        display.frame(coverage.process, columns=_PROCESS_COLUMNS),
        caption=said("What the POC's process needs from the team"),
    )
    display.bullets(said("Gaps and what covers them"), coverage.gaps)
    display.bullets(said("People named for many roles"), coverage.crowded)
    display.bullets(
        said("Roles in the charter this playbook does not know"),
        coverage.unknown_roles,
    )
    display.verdict(
        coverage.can_run_poc,
        said("The named team can run the POC's process."),
        said(
            "The named team cannot run the POC's process yet: see the needs not "
            "met above."
        ),
    )
