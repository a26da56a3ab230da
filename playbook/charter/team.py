"""Stage 2: does the POC have the roles an ML project needs, and who covers the gaps?

Each role matters in some phases of the journey and not others: a POC (stages 1-4) can
run without an ML engineer, a scale-up (stage 7) cannot. A role nobody holds may still
be covered, by another field of the charter (the business sponsor) or by someone who
holds a neighbouring role (a data scientist pulling a sandbox copy of the data).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from playbook.charter.model import Charter
from playbook.core.messages import marked, translated

PHASES = ("POC (stages 1-4)", "Beyond the POC (5-6)", "Scale-up (7)")
NEEDED, HELPS, LATER = "needed", "helps", "not yet"
# A holder with this many roles or more is a bottleneck for a POC.
MANY_ROLES = 3


@dataclass(frozen=True)
class Role:
    """A role an ML team needs, what it does, and how a POC can cover it if missing."""

    key: str
    title: str
    does: str
    if_missing: str
    needed_for_poc: bool
    phases: tuple[str, str, str] = (NEEDED, NEEDED, NEEDED)


ROLES = (
    Role(
        "executive_sponsor",
        marked("Executive sponsor"),
        marked("owns the business outcome and takes the go / iterate / stop decision"),
        marked("Nobody can act on the result: name a sponsor before the POC starts."),
        True,
        (NEEDED, NEEDED, NEEDED),
    ),
    Role(
        "product_manager",
        marked("Product or project manager"),
        marked("keeps scope, timeline and stakeholders aligned"),
        marked(
            "The sponsor or domain expert can hold scope for a short POC; name one "
            "owner."
        ),
        False,
        (HELPS, NEEDED, NEEDED),
    ),
    Role(
        "domain_expert",
        marked("Domain expert"),
        marked("knows what the data means and whether a prediction is useful"),
        marked("Borrow time from the team that makes the decision today."),
        True,
        (NEEDED, NEEDED, HELPS),
    ),
    Role(
        "data_scientist",
        marked("Data scientist"),
        marked("frames the problem, builds and evaluates the models"),
        marked("The POC cannot run: staff one, or engage a partner."),
        True,
        (NEEDED, NEEDED, NEEDED),
    ),
    Role(
        "data_engineer",
        marked("Data engineer"),
        marked(
            "sources, cleans and delivers the data, and keeps it flowing after the POC"
        ),
        marked(
            "A data scientist can pull a sandbox copy for the POC; production needs "
            "one."
        ),
        False,
        (HELPS, NEEDED, NEEDED),
    ),
    Role(
        "ml_engineer",
        marked("ML or software engineer"),
        marked("turns the model into a service or a batch job and integrates it"),
        marked("Not needed to decide the POC; needed before scale-up (stage 7)."),
        False,
        (LATER, HELPS, NEEDED),
    ),
    Role(
        "devops",
        marked("DevOps engineer"),
        marked("runs environments, pipelines, monitoring and deployment"),
        marked("A managed ML platform can cover the POC; production needs an owner."),
        False,
        (LATER, HELPS, NEEDED),
    ),
    Role(
        "security",
        marked("Security engineer"),
        marked("sets access rules and protects personal data"),
        marked(
            "Ask the security office to review data access before the data is copied."
        ),
        False,
        (HELPS, HELPS, NEEDED),
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
    cover: str | None = None
    phases: dict[str, str] = field(default_factory=dict)
    cover_lasts: bool = False


@dataclass(frozen=True)
class ProcessCheck:
    """One thing the POC's process needs from the team, and whether it has it."""

    need: str
    met: bool
    evidence: str


@dataclass(frozen=True)
class TeamCoverage:
    """All roles, the gaps, and whether the named team can run the POC."""

    roles: list[RoleCoverage]
    covered: int
    gaps: list[str]
    can_run_poc: bool
    unknown_roles: list[str]
    process: list[ProcessCheck] = field(default_factory=list)
    crowded: list[str] = field(default_factory=list)


def coverage(poc: Charter) -> TeamCoverage:
    """Compare the charter's team with the roles an ML project needs.

    A role nobody holds is covered when another field or another role holder can
    stand in for it during the POC; `cover` says who and how.
    """
    named = poc.team.roles if poc.team else {}
    rows = []
    for role in ROLES:
        holder = named.get(role.key)
        cover = None if holder else _cover(role.key, poc)
        # A neighbouring role stands in for the POC only; a named sponsor or user
        # stays.
        lasts = role.key in ("executive_sponsor", "domain_expert")
        rows.append(
            RoleCoverage(
                role=role.key,
                title=translated(poc.language, role.title),
                holder=holder,
                covered=bool(holder),
                does=translated(poc.language, role.does),
                gap=None if holder else translated(poc.language, role.if_missing),
                needed_for_poc=role.needed_for_poc,
                cover=cover,
                phases=dict(zip(PHASES, role.phases, strict=True)),
                cover_lasts=bool(cover) and lasts,
            )
        )
    known = {role.key for role in ROLES}
    process = process_checks(poc, rows)
    return TeamCoverage(
        roles=rows,
        covered=sum(row.covered for row in rows),
        gaps=[
            f"{row.title}: {row.cover or row.gap}" for row in rows if not row.covered
        ],
        can_run_poc=all(check.met for check in process),
        unknown_roles=sorted(set(named) - known),
        process=process,
        crowded=_crowded(named),
    )


def matrix(team: TeamCoverage) -> pd.DataFrame:
    """Role by phase: held, covered, a gap, or not needed yet.

    A neighbouring role covers a gap during the POC only; after it, the gap is open.

    Returns:
        One row per role, one column per phase of the journey, plus who holds it.
    """
    rows = []
    for row in team.roles:
        cells = {"role": row.title, "held by": row.holder or ""}
        for index, (phase, need) in enumerate(row.phases.items()):
            if row.holder:
                cells[phase] = "held"
            elif need == LATER:
                cells[phase] = "not needed yet"
            elif row.cover and (index == 0 or row.cover_lasts):
                cells[phase] = "covered"
            else:
                cells[phase] = "gap" if need == NEEDED else "gap (helps)"
        rows.append(cells)
    return pd.DataFrame(rows, columns=["role", "held by", *PHASES])


def process_checks(poc: Charter, rows: list[RoleCoverage]) -> list[ProcessCheck]:
    """What the POC's process needs from the team, checked against the charter."""
    by_role = {row.role: row for row in rows}

    def staffed(key: str) -> tuple[bool, str]:
        row = by_role[key]
        if row.holder:
            return True, f"{row.title}: {row.holder}"
        if row.cover:
            return True, translated(
                poc.language,
                "%(title)s: nobody, but %(cover)s",
                title=row.title,
                cover=row.cover,
            )
        return False, translated(
            poc.language, "%(title)s: nobody. %(gap)s", title=row.title, gap=row.gap
        )

    checks = [
        ProcessCheck(
            translated(poc.language, "a written way of working (iterations, reviews)"),
            bool(poc.team and poc.team.process),
            (poc.team.process if poc.team and poc.team.process else "")
            or translated(
                poc.language,
                "team.process is empty: say how the team works and who decides.",
            ),
        ),
    ]
    for need, key in (
        (
            marked("someone who takes the go / iterate / stop decision"),
            "executive_sponsor",
        ),
        (
            marked("someone who frames, builds and evaluates the models"),
            "data_scientist",
        ),
        (marked("someone who knows the data and the decision"), "domain_expert"),
        (marked("someone who delivers the data"), "data_engineer"),
    ):
        met, evidence = staffed(key)
        checks.append(ProcessCheck(translated(poc.language, need), met, evidence))
    users = poc.business.users
    checks.append(
        ProcessCheck(
            translated(poc.language, "users who act on the predictions"),
            bool(users),
            "; ".join(users)
            if users
            else translated(poc.language, "business.users is empty."),
        )
    )
    return checks


def _cover(key: str, poc: Charter) -> str | None:
    """Who or what stands in for a role nobody holds, during the POC; None if nobody."""
    roles = poc.team.roles if poc.team else {}
    data = poc.data
    if key == "executive_sponsor" and poc.business.sponsor:
        return translated(
            poc.language,
            "the business sponsor (%(sponsor)s) decides",
            sponsor=poc.business.sponsor,
        )
    if key == "product_manager":
        for other in ("executive_sponsor", "domain_expert"):
            if roles.get(other):
                return translated(
                    poc.language,
                    "%(name)s holds the scope for the POC",
                    name=roles[other],
                )
    if key == "domain_expert" and poc.business.users:
        return translated(
            poc.language, "borrow time from %(users)s", users=poc.business.users[0]
        )
    scientist = roles.get("data_scientist")
    sandbox = data.synthetic or data.access == "sandbox_copy"
    batch = poc.prediction is None or poc.prediction.mode == "batch"
    if key == "data_engineer" and scientist and sandbox:
        return translated(
            poc.language, "%(name)s pulls a sandbox copy for the POC", name=scientist
        )
    if key == "ml_engineer" and scientist and batch:
        return translated(
            poc.language, "%(name)s scores the POC's batches", name=scientist
        )
    if key == "devops" and roles.get("data_engineer"):
        return translated(
            poc.language,
            "%(name)s runs the POC's environment",
            name=roles["data_engineer"],
        )
    if key == "security" and sandbox and not (data.pii or data.sensitive):
        return translated(
            poc.language,
            "no personal data is named: the security office's standard review",
        )
    return None


def _crowded(named: dict[str, str | None]) -> list[str]:
    """Holders named for MANY_ROLES roles or more: the POC depends on their time."""
    held: dict[str, list[str]] = defaultdict(list)
    for role, holder in named.items():
        if holder:
            held[holder.strip().lower()].append(role)
    return [
        f"{next(h for r, h in named.items() if r == roles[0])} holds "
        f"{len(roles)} roles ({', '.join(roles)}): the POC depends on their time."
        for roles in held.values()
        if len(roles) >= MANY_ROLES
    ]
