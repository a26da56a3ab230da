"""Stage 1: is the charter ready? The POC evaluation questions, blockers and warnings.

The questions follow the POC evaluation questions of the adoption journey: the problem
and its value, the users, today's baseline, the minimum improvement, the model's speed,
the success metric and trade-offs, the team and its process, the data and its labels,
and the timeline and budget. A POC of 2 to 6 months is the norm; a longer plan suggests
goals that are too aggressive for a first step.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter import Charter

PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4}
SHORTEST_MONTHS, LONGEST_MONTHS = 2, 6


@dataclass(frozen=True)
class QuestionCheck:
    """One evaluation question and whether the charter answers it."""

    question: str
    fields: str
    answered: bool
    answer: str
    blocks: bool


@dataclass(frozen=True)
class CharterReview:
    """The charter against the evaluation questions."""

    questions: list[QuestionCheck]
    answered: int
    blockers: list[str]
    warnings: list[str]
    min_lift_per_period: float | None
    min_lift_per_year: float | None
    unit: str | None
    period: str | None

    @property
    def passed(self) -> bool:
        """True when nothing blocks the POC from starting."""
        return not self.blockers


def review(poc: Charter) -> CharterReview:
    """Check the charter against the POC evaluation questions."""
    business, kpi, team = poc.business, poc.kpi, poc.team
    checks = [
        _check(
            "What is the business problem and what is solving it worth?",
            "business.question, business.value",
            business.question and business.value,
            business.question,
        ),
        _check(
            "Which decision does the prediction feed, and who uses it?",
            "business.decision, business.users",
            business.decision and business.users,
            business.decision,
            blocks=not business.decision,
        ),
        _check(
            "How is the problem solved today (the baseline)?",
            "baseline",
            poc.baseline,
            poc.baseline.description if poc.baseline else None,
            blocks=True,
        ),
        _check(
            "What minimum improvement over today counts as success?",
            "kpi.min_lift",
            kpi and kpi.min_lift is not None,
            f"{kpi.min_lift:,.0f} {kpi.unit} per {kpi.period}"
            if kpi and kpi.min_lift
            else None,
            blocks=True,
        ),
        _check(
            "How fast must the model predict?",
            "prediction",
            poc.prediction
            and (poc.prediction.mode == "batch" or poc.prediction.latency_budget_ms),
            _speed(poc),
        ),
        _check(
            "Which metric decides success, and which trade-offs are accepted?",
            "kpi.name, success.trade_offs",
            kpi and poc.success and poc.success.trade_offs,
            kpi.name if kpi else None,
        ),
        _check(
            "Who is on the core team, and how will it work?",
            "team.roles, team.process",
            team and any(team.roles.values()) and team.process,
            team.process if team else None,
        ),
        _check(
            "Is the right data available, and is it labelled?",
            "data.path, data.target, data.label_definition",
            poc.data.label_definition,
            poc.data.label_definition,
        ),
        _check(
            "What are the timeline and the budget?",
            "timeline, budget",
            poc.timeline and poc.budget,
            _plan(poc),
        ),
    ]
    blockers = [
        f"Unanswered: {check.question} (fill in {check.fields})"
        for check in checks
        if check.blocks and not check.answered
    ]
    warnings = [
        f"Unanswered: {check.question} (fill in {check.fields})"
        for check in checks
        if not check.blocks and not check.answered
    ]
    if poc.timeline is not None:
        months = poc.timeline.months
        if months > LONGEST_MONTHS:
            warnings.append(
                f"The timeline is {months:.1f} months, over {LONGEST_MONTHS}: "
                f"the goals may be too aggressive for a POC. "
                f"Cut the scope to a first milestone."
            )
        elif months < SHORTEST_MONTHS:
            warnings.append(
                f"The timeline is {months:.1f} months, under {SHORTEST_MONTHS}: "
                f"a first POC rarely gets data access, a baseline and an evaluation "
                f"done that fast."
            )
    per_period = kpi.min_lift if kpi and kpi.min_lift is not None else None
    per_year = per_period * PERIODS_PER_YEAR[kpi.period] if per_period else None
    if per_year and poc.budget and per_year < poc.budget.amount:
        warnings.append(
            f"At the minimum lift the model earns {per_year:,.0f} {kpi.unit} a year, "
            f"less than the POC budget ({poc.budget.amount:,.0f} "
            f"{poc.budget.currency}): it would take "
            f"{poc.budget.amount / per_year:.1f} years to repay. Raise the minimum "
            f"lift or cut the budget."
        )
    return CharterReview(
        questions=checks,
        answered=sum(check.answered for check in checks),
        blockers=blockers,
        warnings=warnings,
        min_lift_per_period=per_period,
        min_lift_per_year=per_year,
        unit=kpi.unit if kpi else None,
        period=kpi.period if kpi else None,
    )


def _check(
    question: str, fields: str, answered, answer, *, blocks: bool = False
) -> QuestionCheck:
    return QuestionCheck(
        question=question,
        fields=fields,
        answered=bool(answered),
        answer=str(answer) if answered and answer else "",
        blocks=blocks,
    )


def _speed(poc: Charter) -> str | None:
    if poc.prediction is None:
        return None
    if poc.prediction.latency_budget_ms is None:
        return poc.prediction.mode
    return f"{poc.prediction.mode}, within {poc.prediction.latency_budget_ms:,.0f} ms"


def _plan(poc: Charter) -> str | None:
    if poc.timeline is None or poc.budget is None:
        return None
    return (
        f"{poc.timeline.start} to {poc.timeline.end} "
        f"({poc.timeline.months:.1f} months), "
        f"{poc.budget.amount:,.0f} {poc.budget.currency}"
    )
