"""Stage 7's memo: the final decision told to an executive sponsor.

Written from the run's typed evidence and the final decision (`scale_up_stage`): a
headline that gives the decision and why in one sentence, the money (what the model
earns, or saves for a cost KPI, and a year of it; the budget; the fresh batch), the
risks no run has ruled out, the next steps as commands, and the timeline.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from playbook.beyond import beyond_stage
from playbook.beyond.readiness import NO_STAGE, Downgrade, Readiness, RunEvidence
from playbook.beyond.verdict import amounts_apart, gain
from playbook.charter.model import Charter
from playbook.charter.review import LONGEST_MONTHS, PERIODS_PER_YEAR, SHORTEST_MONTHS
from playbook.tasks.decision import Decision
from playbook.tasks.kpi import format_amount


@dataclass(frozen=True)
class Memo:
    """The final evaluation, written for an executive sponsor."""

    decision: str
    headline: str
    money: list[str]
    reasons: list[str]
    risks: list[str]
    next_steps: list[str]
    timeline: str


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
        run_dir: The run folder, for the next steps' commands.
    """
    risks = []
    if poc.data.synthetic:
        risks.append(
            "The data is SYNTHETIC: these figures show the method, not a real "
            "business case."
        )
    unshown = [
        item.item[:1].lower() + item.item[1:]
        for item in ready.items
        if item.stage == NO_STAGE
    ]
    if unshown and verdict.decision != "stop":
        risks.append("Not shown by any run yet: " + "; ".join(unshown) + ".")
    steps = _steps(verdict.decision, held_back)
    steps += [
        f"Score a new batch: playbook score {shlex.quote(run_dir)} NEW_DATA.csv "
        "--out scores.csv",
        f"Retrain on newer data: playbook run {shlex.quote(charter_file)} "
        "--data NEW_EXTRACT.csv",
    ]
    return Memo(
        decision=verdict.decision,
        headline=headline(verdict, earlier=earlier, held_back=held_back),
        money=_money(poc, earlier),
        reasons=verdict.reasons,
        risks=risks,
        next_steps=steps,
        timeline=_timeline(poc),
    )


def concerns(held_back: list[Downgrade]) -> str:
    """What the downgrades are about, once each, as a list in words."""
    names = list(dict.fromkeys(d.by for d in held_back))
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


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
    later = earlier.beyond.evidence if earlier.beyond is not None else None
    if later is not None:
        where = "the fresh batch" if later.fresh_batch else "later data"
        money.append(f"On {where}: {beyond_stage.fresh_kpi_summary(later)}.")
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
    """The memo's commands as a shell script to keep with the run."""
    commands = [
        step for step in memo.next_steps if step.startswith(("Score", "Retrain"))
    ]
    lines = [
        "#!/usr/bin/env bash",
        "# Next steps for this POC, as code.",
        "set -euo pipefail",
    ]
    for step in commands:
        words, _, command = step.partition(": ")
        lines += ["", f"# {words}", command]
    return "\n".join(lines) + "\n"
