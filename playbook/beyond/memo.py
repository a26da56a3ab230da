"""Stage 7's memo: the final decision told to an executive sponsor.

Written from the run's typed evidence and the final decision (`scale_up_stage`): a
headline that gives the decision and why in one sentence, the money (what the model
earns, or saves for a cost KPI, and a year of it; the budget; the fresh batch), the
time the model takes to pay back the budget, the risks, the open items a person must
settle, the next steps in words, the commands for them (paths relative to the run
folder) and the timeline. `playbook.report.memo_page` lays it out as `memo.html`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from playbook.beyond import memo_words
from playbook.beyond.readiness import (
    NO_STAGE,
    NOT_RUN,
    PERSON,
    Downgrade,
    Readiness,
    RunEvidence,
)
from playbook.beyond.verdict import amounts_apart, counted, gain
from playbook.charter.model import Budget, Charter
from playbook.charter.timeline import LONGEST_MONTHS, SHORTEST_MONTHS
from playbook.charter.value_model import PERIODS_PER_YEAR
from playbook.core.language import Language
from playbook.core.messages import marked, translated
from playbook.tasks.decision import Decision
from playbook.tasks.kpi import KpiReport, format_amount

# A payback longer than this many months is told in years.
_MONTHS_TOLD = 24


@dataclass(frozen=True)
class Memo:
    """The final evaluation, written for an executive sponsor.

    Attributes:
        decision: "go", "iterate" or "stop".
        headline: The decision and why, in one sentence.
        money: What the model earns or saves, per period and per year; the budget;
            the fresh batch.
        reasons: The decision's reasons.
        risks: What could make the figures wrong.
        next_steps: What to do next, in sentences.
        timeline: The charter's timeline against the usual length of a POC.
        payback: How long the model's yearly value takes to pay back the budget.
        open_items: What no run could settle, for a person to confirm.
        commands: The next steps' commands, paths relative to the run folder.
    """

    decision: str
    headline: str
    money: list[str]
    reasons: list[str]
    risks: list[str]
    next_steps: list[str]
    timeline: str
    payback: str = ""
    open_items: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)


@dataclass(frozen=True)
class Command:
    """A next step as a shell command.

    Attributes:
        what: What it does, e.g. "Score a new batch".
        command: The command, to run from the run folder: its paths are relative to it.
    """

    what: str
    command: str


def memo(
    verdict: Decision,
    *,
    poc: Charter,
    earlier: RunEvidence,
    ready: Readiness,
    held_back: list[Downgrade],
    charter_file: str,
    run_dir: str,
) -> Memo:
    """The final evaluation for the sponsor: verdict, money, risks, next steps.

    Args:
        verdict: The run's final decision.
        poc: The charter.
        earlier: What stages 1-6 recorded.
        ready: The readiness checklist.
        held_back: The downgrades that made the decision worse than stage 4's.
        charter_file: The charter's path, for the next steps' commands.
        run_dir: The run folder; the commands' paths are relative to it.
    """
    risks = []
    if poc.data.synthetic:
        risks.append(
            "The data is SYNTHETIC: these figures show the method, not a real "
            "business case."
        )
    kpi = earlier.poc.evidence.kpi if earlier.poc is not None else None
    english = Memo(
        decision=verdict.decision,
        headline=headline(verdict, earlier=earlier, held_back=held_back),
        money=_money(poc, earlier),
        reasons=verdict.reasons,
        risks=risks,
        next_steps=_steps(verdict.decision, held_back),
        timeline=_timeline(poc),
        payback=payback(kpi, poc.budget),
        open_items=open_items(ready, decision=verdict.decision, language=poc.language),
        commands=_commands(charter_file, run_dir=run_dir),
    )
    if poc.language == "en":
        return english
    words = memo_words.worded(
        memo_words.MemoFacts(
            verdict,
            poc,
            kpi,
            concerns(held_back, language=poc.language),
            earlier.beyond.evidence if earlier.beyond is not None else None,
        )
    )
    return dataclasses.replace(english, **dataclasses.asdict(words))


def payback(kpi: KpiReport | None, budget: Budget | None) -> str:
    """How long a year of the model's lift takes to pay back the POC's budget.

    E.g. "At about 25.3M KRW a year, the model pays back the 24.0M KRW budget in
    about 11 months." A lift of zero or less does not pay back; without a budget, or
    with a budget in another currency than the KPI, no time is given.

    Args:
        kpi: Stage 4's KPI; None when stage 4 did not run.
        budget: The charter's budget; None when it gives none.
    """
    if kpi is None:
        return "No payback time: stage 4 did not measure what the model is worth."
    if budget is None:
        return "The charter gives no budget, so there is no payback time to state."
    if budget.currency.strip().upper() != kpi.unit.strip().upper():
        return (
            f"The budget is in {budget.currency} and the KPI in {kpi.unit}: no "
            "payback time without a rate between them."
        )
    spent = format_amount(budget.amount, budget.currency)
    per_year = PERIODS_PER_YEAR[kpi.period]
    if not math.isfinite(kpi.lift) or kpi.lift <= 0:
        return f"Does not pay back the {spent} budget: the model {gain(kpi)}."
    yearly = kpi.lift * per_year
    said = (
        f"At about {format_amount(yearly, kpi.unit)} a year, the model pays back the "
        f"{spent} budget in {_months(12 * budget.amount / yearly)}"
    )
    low = kpi.lift_ci_low
    if math.isfinite(low) and low <= 0:
        return said + "; at the low end of its interval it would not pay back."
    ends = memo_words.payback_at_ends(kpi, budget, in_words=_months)
    if ends is None:
        return said + "."
    return said + f"; at the ends of its interval, in {ends[0]} and in {ends[1]}."


def open_items(
    ready: Readiness, *, decision: str, language: Language = "en"
) -> list[str]:
    """What a person must confirm before scale-up, one sentence each.

    The readiness items no run can show, and those this run could not check (a
    stage that did not run). A STOP has none: nothing is to be scaled up. The
    items' titles are catalogue messages (`readiness`), said in the reader's language;
    so is fixed evidence ("the stage did not run"); evidence with the run's figures
    was written in the reader's language by stage 7.
    """
    if decision == "stop":
        return []
    items = []
    for item in ready.items:
        title = item.title(language=language)
        evidence = translated(language, item.evidence)
        # English runs the title into a sentence; a Korean title stays as written
        # (its "POC" keeps its capitals).
        what = title[:1].lower() + title[1:] if language == "en" else title
        if item.status == PERSON and item.stage == NO_STAGE:
            items.append(
                translated(
                    language, "Confirm that %(what)s: no run can show it.", what=what
                )
            )
        elif item.status == PERSON:
            items.append(
                translated(
                    language,
                    "Confirm that %(what)s. %(evidence)s",
                    what=what,
                    evidence=evidence,
                )
            )
        elif item.status == NOT_RUN:
            items.append(
                translated(
                    language,
                    "Not checked in this run (%(evidence)s): %(what)s.",
                    what=what,
                    evidence=evidence,
                )
            )
    return items


def _commands(charter_file: str, *, run_dir: str) -> list[Command]:
    """Scoring a new batch and retraining, from the run folder (paths relative)."""
    charter = Path(os.path.relpath(charter_file, run_dir)).as_posix()
    return [
        Command(
            marked("Score a new batch"),
            "playbook score . NEW_DATA.csv --out scores.csv",
        ),
        # The run folder is RUNS_DIR/<poc>/<run-id>: the new run goes beside it.
        Command(
            marked("Retrain on newer data"),
            f"playbook run {shlex.quote(charter)} --data NEW_EXTRACT.csv "
            "--runs-dir ../..",
        ),
    ]


def _months(months: float) -> str:
    """A payback time in words: "about 11 months", or "about 2.5 years" when long."""
    if months < 1:
        return "less than a month"
    if months <= _MONTHS_TOLD:
        return "about " + counted(round(months), "month")
    return f"about {months / 12:.1f} years"


def concerns(held_back: list[Downgrade], *, language: Language = "en") -> str:
    """What the downgrades are about, once each, as a list in words.

    The concerns are catalogue messages (`readiness`), said in the reader's language.
    """
    names = [translated(language, d) for d in dict.fromkeys(d.by for d in held_back)]
    if len(names) < 2:
        return "".join(names)
    return translated(
        language,
        "%(first)s and %(last)s",
        first=", ".join(names[:-1]),
        last=names[-1],
    )


def headline(
    verdict: Decision,
    *,
    earlier: RunEvidence,
    held_back: list[Downgrade],
) -> str:
    """The decision and why, in one sentence a sponsor reads first.

    It gives no number: the decision's reasons, shown with it, give them once.
    """
    poc = earlier.poc.evidence if earlier.poc is not None else None
    if verdict.decision == "go" and poc is not None:
        said = f"Go: the model {gain(poc.kpi)}, enough to build it."
    elif verdict.decision == "go":
        said = "Go."
    elif held_back and verdict.decision == "iterate":
        said = f"Iterate: {concerns(held_back)} must be settled before building."
    elif held_back:
        said = f"Stop: what came after stage 4 ({concerns(held_back)}) rules it out."
    elif verdict.decision == "iterate":
        said = "Iterate: the evidence cannot yet tell go from stop."
    else:
        said = "Stop: the model does not beat today's baseline by enough to matter."
    return said


def _steps(decision: str, held_back: list[Downgrade]) -> list[str]:
    """What to do next for the decision, before the commands."""
    if decision == "go":
        return [
            "Run the model in shadow beside today's baseline for one period and "
            "compare their decisions (stage 6 replay).",
            "Confirm online with the A/B test planned in stage 6, watched with the "
            "stage 5 monitoring thresholds.",
        ]
    if decision == "iterate" and held_back:
        return [
            f"Settle {concerns(held_back)} (the readiness checklist states what was "
            "found), then run the journey again; stage 6 compares the runs."
        ]
    if decision == "iterate":
        return [
            "Work on the reasons above, then run the journey again; stage 6 compares "
            "the runs."
        ]
    return [
        "Keep today's baseline. Record what was learned (stage 6 retrospective) and "
        "revisit when new data or a new framing is available."
    ]


def _money(poc: Charter, earlier: RunEvidence) -> list[str]:
    """The memo's money: the gain offline and in a year, the budget, the fresh lift."""
    money: list[str] = []
    if earlier.poc is not None:
        kpi = earlier.poc.evidence.kpi
        low, high = amounts_apart([kpi.lift_ci_low, kpi.lift_ci_high], kpi.unit)
        yearly = format_amount(abs(kpi.lift) * PERIODS_PER_YEAR[kpi.period], kpi.unit)
        money.append(
            f"Offline, the model {gain(kpi)} ({kpi.confidence:.0%} interval {low} to "
            f"{high}); over a year, about {yearly}."
        )
        if poc.budget is not None:
            money.append(
                "The POC budget is "
                f"{format_amount(poc.budget.amount, poc.budget.currency)}."
            )
    if earlier.beyond is not None:
        money.append(memo_words.fresh_line(earlier.beyond.evidence, language="en"))
    return money


def _timeline(poc: Charter) -> str:
    """The charter's timeline against the usual length of a POC."""
    if poc.timeline is None:
        return "The charter gives no timeline."
    months = poc.timeline.months
    within = SHORTEST_MONTHS <= months <= LONGEST_MONTHS
    return (
        f"Planned {poc.timeline.start} to {poc.timeline.end} "
        f"({months:.1f} months): "
        + ("within" if within else "outside")
        + f" the {SHORTEST_MONTHS}-{LONGEST_MONTHS} month norm for a POC."
    )


def next_steps_script(memo: Memo) -> str:
    """The memo's commands as a shell script to keep with the run.

    It moves to its own folder first, the run folder, so that the commands' relative
    paths hold wherever it is started from.
    """
    lines = [
        "#!/usr/bin/env bash",
        "# Next steps for this POC, as code. Paths are relative to the run folder.",
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
    ]
    for command in memo.commands:
        lines += ["", f"# {command.what}", command.command]
    return "\n".join(lines) + "\n"
