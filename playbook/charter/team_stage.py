"""Stage 2's evidence: who holds each role, what covers the gaps, can the POC run.

The stage-2 notebook calls `build` and saves the outcome with `journey.save`; stage 7
reads it back with `journey.load(run_dir, "02_team", TeamEvidence)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter import team
from playbook.charter.model import Charter
from playbook.charter.team import TeamCoverage
from playbook.core import journey
from playbook.core.language import Language
from playbook.core.messages import translated

STAGE = "02_team"


@dataclass(frozen=True)
class TeamEvidence:
    """What stage 2 found: every role, the gaps, and whether the POC's process can run.

    Attributes:
        coverage: Each role's holder or cover, the process checks, and the gaps.
    """

    coverage: TeamCoverage


def build(poc: Charter) -> journey.StageOutcome[TeamEvidence]:
    """Compare the charter's team with the roles an ML project needs.

    The stage never stops the journey: a gap is a reason to read, not a gate.
    """
    evidence = TeamEvidence(coverage=team.coverage(poc))
    return journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED,
        summary=summary(evidence, language=poc.language),
        evidence=evidence,
        reasons=reasons(evidence),
    )


def summary(evidence: TeamEvidence, *, language: Language = "en") -> str:
    """The stage in one line: roles staffed, and whether the POC lacks a role."""
    coverage = evidence.coverage
    values = {"covered": coverage.covered, "roles": len(coverage.roles)}
    if coverage.can_run_poc:
        return translated(language, "%(covered)s of %(roles)s roles staffed", **values)
    return translated(
        language,
        "%(covered)s of %(roles)s roles staffed; the POC lacks a role it needs",
        **values,
    )


def reasons(evidence: TeamEvidence) -> list[str]:
    """One sentence per role nobody holds, with what covers it."""
    return [f"No one holds the role: {gap}" for gap in evidence.coverage.gaps]
