"""Stage 1: is the charter ready? The POC evaluation questions, blockers and warnings.

The questions follow the POC evaluation questions of the adoption journey: the problem
and its value, the users, today's baseline, the minimum improvement, the model's speed,
the success metric and trade-offs, the team and its process, the data and its labels,
and the timeline and budget. A POC of 2 to 6 months is the norm; a longer plan suggests
goals that are too aggressive for a first step.

`findings` is the one list of readiness blockers and warnings: stage 1 shows it and
`playbook check` prints it with each field's line and column.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.charter import kpi_terms
from playbook.charter.field_table import ROLE_KEYS
from playbook.charter.model import Charter
from playbook.charter.timeline import TIMELINE_HINTS, timeline_check
from playbook.charter.value_model import (
    PERIODS_PER_YEAR,
    amount_per_period,
    amount_words,
    value_model,
)
from playbook.core.language import Language
from playbook.core.locale_format import format_date
from playbook.core.messages import marked, translated


@dataclass(frozen=True)
class QuestionCheck:
    """One evaluation question and whether the charter answers it."""

    question: str
    fields: str
    answered: bool
    answer: str
    blocks: bool


@dataclass(frozen=True)
class Finding:
    """A readiness blocker or warning, on the charter field it is about."""

    path: str
    blocks: bool
    message: str
    hint: str

    def __str__(self) -> str:
        """The finding as one sentence for a reader: field, what, what to do."""
        return f"{self.path}: {self.message}. {self.hint}"


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
    findings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        """True when nothing blocks the POC from starting."""
        return not self.blockers


def review(poc: Charter, *, language: Language = "en") -> CharterReview:
    """Check the charter against the POC evaluation questions.

    Args:
        poc: The charter.
        language: The language of the blockers and warnings.
    """
    found = findings(poc, language=language)
    kpi = poc.kpi
    per_period = kpi.min_lift if kpi and kpi.min_lift is not None else None
    per_year = per_period * PERIODS_PER_YEAR[kpi.period] if kpi and per_period else None
    checks = _questions(poc)
    return CharterReview(
        questions=checks,
        answered=sum(check.answered for check in checks),
        blockers=[str(item) for item in found if item.blocks],
        warnings=[str(item) for item in found if not item.blocks],
        min_lift_per_period=per_period,
        min_lift_per_year=per_year,
        unit=kpi.unit if kpi else None,
        period=kpi.period if kpi else None,
        findings=tuple(found),
    )


def findings(poc: Charter, *, language: Language = "en") -> list[Finding]:
    """Every readiness blocker and warning of a charter that loaded.

    Blockers: no decision the prediction feeds, no users, no baseline, no success
    metric, no minimum lift, no label definition, a count of cases per period
    beside a time column (nothing would read it). Warnings: questions left open, a
    timeline outside 2 to 6 months, no budget, roles nobody holds, a minimum lift that
    would not repay the budget within a year.

    Args:
        poc: The charter.
        language: The language of each finding's message and hint.
    """
    return [*_blockers(poc, language), *_warnings(poc, language)]


def _open(
    path: str,
    present: object,
    message: str,
    hint: str,
    *,
    blocks: bool,
    language: Language,
) -> list[Finding]:
    """A finding when `present` is empty: the charter leaves this question open.

    `message` and `hint` are marked for the catalogue where they are written.
    """
    if present:
        return []
    said = translated(language, message), translated(language, hint)
    return [Finding(path, blocks, *said)]


def _open_questions(
    questions: list[tuple[str, object, str, str]],
    *,
    blocks: bool,
    language: Language,
) -> list[Finding]:
    """A finding for each question (field, answer, message, hint) left open."""
    return [
        finding
        for path, present, message, hint in questions
        for finding in _open(
            path, present, message, hint, blocks=blocks, language=language
        )
    ]


def _blockers(poc: Charter, language: Language) -> list[Finding]:
    business, kpi = poc.business, poc.kpi
    found = _open_questions(
        [
            (
                "business.decision",
                business.decision,
                marked("no decision that the prediction feeds"),
                marked(
                    "Say who does what with a prediction, and when: a prediction "
                    "nobody acts on earns nothing."
                ),
            ),
            (
                "business.users",
                business.users,
                marked("nobody is named who uses the predictions"),
                marked("List the people or teams who act on them (business.users)."),
            ),
            (
                "baseline",
                poc.baseline,
                marked("no baseline (How is the problem solved today?)"),
                marked(
                    "Describe today's way of deciding (a rule, a score, or the best "
                    "trivial guess); the model is judged against it."
                ),
            ),
            (
                "success.metric",
                poc.success and poc.success.metric,
                marked("no success metric"),
                marked(
                    "Say which measure decides success, against what, on which data."
                ),
            ),
            (
                "kpi.min_lift",
                kpi and kpi.min_lift is not None,
                marked(
                    "no minimum lift: nothing says how much better than today counts "
                    "as success"
                ),
                marked(
                    "Add the extra value per period over today that makes the model "
                    "worth building, in the KPI's unit."
                ),
            ),
            (
                "data.label_definition",
                poc.data.label_definition,
                translated(
                    language,
                    "no label definition for the target %(target)s",
                    target=repr(poc.data.target),
                ),
                marked(
                    "Say exactly what the target means and when it becomes known, e.g. "
                    "'the customer cancelled within 30 days after renewal'."
                ),
            ),
        ],
        blocks=True,
        language=language,
    )
    return found + _count_beside_time(poc, language)


# Over 80 lines: most of it is a table of the questions that do not block, one entry
# per charter field in the order stage 1 lists them; the entries are data, not steps.
def _warnings(poc: Charter, language: Language) -> list[Finding]:
    business = poc.business
    held = poc.team.roles if poc.team else {}
    nobody = [role for role in ROLE_KEYS if not held.get(role)]
    found = _open_questions(
        [
            (
                "business.question",
                business.question and business.value,
                marked("the business question or its value is not written down"),
                marked("Fill in business.question and business.value."),
            ),
            (
                "prediction",
                poc.prediction
                and (
                    poc.prediction.mode == "batch" or poc.prediction.latency_budget_ms
                ),
                marked("how fast the model must answer is not said")
                if poc.prediction is None
                else marked("a real-time model has no latency budget"),
                marked(
                    "Set prediction.mode (batch or real_time) and, for real time, "
                    "prediction.latency_budget_ms."
                ),
            ),
            (
                "success.trade_offs",
                poc.success and poc.success.trade_offs,
                marked("no trade-offs accepted"),
                marked(
                    "Say what the business accepts in exchange for the lift (more "
                    "contacts, some misses)."
                ),
            ),
            (
                "team.process",
                poc.team and poc.team.process,
                marked("no team process"),
                marked("Say how the team works and who decides go, iterate or stop."),
            ),
            (
                "team.roles",
                not nobody,
                translated(language, "nobody holds %(roles)s", roles=", ".join(nobody)),
                marked(
                    "Name who holds each role, or stage 2 shows what covers the gap."
                ),
            ),
        ],
        blocks=False,
        language=language,
    )
    timing = timeline_check(poc, language=language)
    if not timing.fits:
        hint = translated(language, TIMELINE_HINTS[timing.verdict])
        found.append(Finding("timeline", False, timing.message, hint))
    found += _open(
        "budget",
        poc.budget,
        marked("no budget"),
        marked(
            "Add budget.amount and budget.currency: without them nobody can say "
            "whether the minimum lift repays the POC."
        ),
        blocks=False,
        language=language,
    )
    found += _period_findings(poc, language)
    model = value_model(poc)
    if model and model.budget and model.min_lift_per_year < model.budget:
        gains = kpi_terms.lift_verb(poc.kpi.kind if poc.kpi else "")
        found.append(
            Finding(
                "kpi.min_lift",
                False,
                translated(
                    language,
                    _SHORT_OF_BUDGET[gains],
                    amount=amount_words(model.min_lift_per_year, model.unit, language),
                    budget=amount_words(model.budget, model.currency or "", language),
                    years=f"{model.budget / model.min_lift_per_year:.1f}",
                ),
                translated(language, "Raise the minimum lift or cut the budget."),
            )
        )
    return found


# A minimum lift whose year is worth less than the budget, by what the lift does.
_SHORT_OF_BUDGET = {
    "earns": marked(
        "at the minimum lift the model earns %(amount)s a year, less than the POC "
        "budget (%(budget)s): it would take %(years)s years to repay"
    ),
    "saves": marked(
        "at the minimum lift the model saves %(amount)s a year, less than the POC "
        "budget (%(budget)s): it would take %(years)s years to repay"
    ),
}


def _count_beside_time(poc: Charter, language: Language) -> list[Finding]:
    """A count of cases per period beside a time column: nothing would read it.

    A blocker, not a warning: whoever set both believes the KPI is scaled to the
    count, and with real periods it never is.
    """
    data = poc.data
    if not data.time or data.cases_per_period is None:
        return []
    return [
        Finding(
            "data.cases_per_period",
            True,
            translated(
                language,
                "data.cases_per_period (%(count)s) and data.time (%(column)s) are "
                "both set: with a time column the periods are real, so the count "
                "would never be read and the capacity and minimum lift apply to each "
                "real period as written",
                count=f"{data.cases_per_period:,.0f}",
                column=repr(data.time),
            ),
            translated(
                language,
                "Remove data.cases_per_period if the time column dates the cases; "
                "remove data.time if it does not (the held-out rows are then scaled "
                "to the count).",
            ),
        )
    ]


def _period_findings(poc: Charter, language: Language) -> list[Finding]:
    """A KPI per period on data without periods and no count of cases.

    Without a time column the held-out rows are one draw of cases, not a period: the
    minimum lift (and a top-k KPI's capacity) then apply to the held-out rows as a
    whole unless the charter says how many cases arrive per period. Every KPI kind
    that runs without a time column is read alike (`kpi_terms.TIMED_KINDS`).
    """
    kpi, data = poc.kpi, poc.data
    if kpi is None or kpi.kind in kpi_terms.TIMED_KINDS:
        return []
    if data.time or data.cases_per_period is not None:
        return []
    capacity = kpi.kind == "top_k"
    return [
        Finding(
            "data.cases_per_period",
            False,
            translated(
                language,
                _NO_PERIODS[capacity],
                period=translated(language, kpi.period),
            ),
            translated(
                language,
                _NO_PERIODS_HINT[capacity],
                period=translated(language, kpi.period),
            ),
        )
    ]


# Without periods or a count of cases, by whether the KPI has a capacity.
_NO_PERIODS = {
    True: marked(
        "the data has no time column, so the held-out rows are judged as one draw of "
        "cases, not a %(period)s: the capacity and the minimum lift apply to the "
        "held-out rows as a whole, and the yearly value and the A/B test's duration "
        "do not read per %(period)s"
    ),
    False: marked(
        "the data has no time column, so the held-out rows are judged as one draw of "
        "cases, not a %(period)s: the minimum lift applies to the held-out rows as a "
        "whole, and the yearly value and the A/B test's duration do not read per "
        "%(period)s"
    ),
}
_NO_PERIODS_HINT = {
    True: marked(
        "Set data.cases_per_period to how many cases arrive per %(period)s; the "
        "held-out rows' KPI is then scaled to a %(period)s, and the capacity and "
        "minimum lift stay per %(period)s."
    ),
    False: marked(
        "Set data.cases_per_period to how many cases arrive per %(period)s; the "
        "held-out rows' KPI is then scaled to a %(period)s, and the minimum lift "
        "stays per %(period)s."
    ),
}


def _questions(poc: Charter) -> list[QuestionCheck]:
    business, kpi, team = poc.business, poc.kpi, poc.team
    return [
        _check(
            translated(
                poc.language,
                "What is the business problem and what is solving it worth?",
            ),
            "business.question, business.value",
            business.question and business.value,
            business.question,
        ),
        _check(
            translated(
                poc.language,
                "Which decision does the prediction feed, and who uses it?",
            ),
            "business.decision, business.users",
            business.decision and business.users,
            business.decision,
            blocks=True,
        ),
        _check(
            translated(poc.language, "How is the problem solved today (the baseline)?"),
            "baseline",
            poc.baseline,
            poc.baseline.description if poc.baseline else None,
            blocks=True,
        ),
        _check(
            translated(
                poc.language, "What minimum improvement over today counts as success?"
            ),
            "kpi.min_lift",
            kpi and kpi.min_lift is not None,
            amount_per_period(kpi.min_lift, kpi.unit, kpi.period, poc.language)
            if kpi and kpi.min_lift is not None
            else None,
            blocks=True,
        ),
        _check(
            translated(poc.language, "How fast must the model predict?"),
            "prediction",
            poc.prediction
            and (poc.prediction.mode == "batch" or poc.prediction.latency_budget_ms),
            _speed(poc),
        ),
        _check(
            translated(
                poc.language,
                "Which metric decides success, and which trade-offs are accepted?",
            ),
            "success.metric, success.trade_offs",
            poc.success and poc.success.metric and poc.success.trade_offs,
            poc.success.metric if poc.success else None,
            blocks=not (poc.success and poc.success.metric),
        ),
        _check(
            translated(poc.language, "Who is on the core team, and how will it work?"),
            "team.roles, team.process",
            team and any(team.roles.values()) and team.process,
            team.process if team else None,
        ),
        _check(
            translated(
                poc.language, "Is the right data available, and is it labelled?"
            ),
            "data.path, data.target, data.label_definition",
            poc.data.label_definition,
            poc.data.label_definition,
            blocks=True,
        ),
        _check(
            translated(poc.language, "What are the timeline and the budget?"),
            "timeline, budget",
            poc.timeline and poc.budget,
            _plan(poc),
        ),
    ]


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
    # The mode is the charter's word: said in the catalogue's words when it has it.
    mode = translated(poc.language, poc.prediction.mode)
    if poc.prediction.latency_budget_ms is None:
        return mode
    return translated(
        poc.language,
        "%(mode)s, within %(budget)s ms",
        mode=mode,
        budget=f"{poc.prediction.latency_budget_ms:,.0f}",
    )


def _plan(poc: Charter) -> str | None:
    if poc.timeline is None or poc.budget is None:
        return None
    language = poc.language
    return translated(
        language,
        "%(start)s to %(end)s (%(months)s months), %(budget)s",
        start=format_date(poc.timeline.start, language=language),
        end=format_date(poc.timeline.end, language=language),
        months=f"{poc.timeline.months:.1f}",
        budget=amount_words(poc.budget.amount, poc.budget.currency, language),
    )
