"""Stage 2: does the POC have the roles an ML project needs, and who covers the gaps?"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter import Charter


@dataclass(frozen=True)
class Role:
    """A role an ML team needs, what it does, and how a POC can cover it if missing."""

    key: str
    title: str
    does: str
    if_missing: str
    needed_for_poc: bool


ROLES = (
    Role(
        "executive_sponsor",
        "Executive sponsor",
        "owns the business outcome and takes the go / iterate / stop decision",
        "Nobody can act on the result: name a sponsor before the POC starts.",
        True,
    ),
    Role(
        "product_manager",
        "Product or project manager",
        "keeps scope, timeline and stakeholders aligned",
        "The sponsor or domain expert can hold scope for a short POC; name one owner.",
        False,
    ),
    Role(
        "domain_expert",
        "Domain expert",
        "knows what the data means and whether a prediction is useful",
        "Borrow time from the team that makes the decision today.",
        True,
    ),
    Role(
        "data_scientist",
        "Data scientist",
        "frames the problem, builds and evaluates the models",
        "The POC cannot run: staff one, or engage a partner.",
        True,
    ),
    Role(
        "data_engineer",
        "Data engineer",
        "sources, cleans and delivers the data, and keeps it flowing after the POC",
        "A data scientist can pull a sandbox copy for the POC; production needs one.",
        False,
    ),
    Role(
        "ml_engineer",
        "ML or software engineer",
        "turns the model into a service or a batch job and integrates it",
        "Not needed to decide the POC; needed before scale-up (stage 7).",
        False,
    ),
    Role(
        "devops",
        "DevOps engineer",
        "runs environments, pipelines, monitoring and deployment",
        "A managed ML platform can cover the POC; production needs an owner.",
        False,
    ),
    Role(
        "security",
        "Security engineer",
        "sets access rules and protects personal data",
        "Ask the security office to review data access before the data is copied.",
        False,
    ),
)


@dataclass(frozen=True)
class RoleCoverage:
    """One role: who holds it, or what covers the gap."""

    role: str
    title: str
    holder: str | None
    covered: bool
    does: str
    gap: str | None
    needed_for_poc: bool


@dataclass(frozen=True)
class TeamCoverage:
    """All roles, the gaps, and whether the named team can run the POC."""

    roles: list[RoleCoverage]
    covered: int
    gaps: list[str]
    can_run_poc: bool
    unknown_roles: list[str]


def coverage(poc: Charter) -> TeamCoverage:
    """Compare the charter's team with the roles an ML project needs."""
    named = poc.team.roles if poc.team else {}
    rows = []
    for role in ROLES:
        holder = named.get(role.key)
        rows.append(
            RoleCoverage(
                role=role.key,
                title=role.title,
                holder=holder,
                covered=bool(holder),
                does=role.does,
                gap=None if holder else role.if_missing,
                needed_for_poc=role.needed_for_poc,
            )
        )
    known = {role.key for role in ROLES}
    return TeamCoverage(
        roles=rows,
        covered=sum(row.covered for row in rows),
        gaps=[row.title for row in rows if not row.covered],
        can_run_poc=all(row.covered for row in rows if row.needed_for_poc),
        unknown_roles=sorted(set(named) - known),
    )
