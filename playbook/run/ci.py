"""What a CI server reads from journeys: a decision policy and JUnit XML.

A journey that completes exits 0 whatever it decided; a pipeline that must not go green
on ITERATE or STOP asks for `--fail-on iterate` (fail on ITERATE and STOP) or
`--fail-on stop` (fail on STOP only), and gets `BELOW_BAR` instead. The JUnit report has
one test suite per journey, one test case per stage and one for the decision; a failure
carries the gate's reasons, the stage's error or the decision's reasons. The pytest
plugin (`playbook.cli.pytest_plugin`) turns the same cases into test items.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook.core.files import write_atomic
from playbook.core.journey import STAGES
from playbook.core.messages import sentence
from playbook.errors import BELOW_BAR
from playbook.run import manifest
from playbook.run.batch_record import JobResult, Outcome

# Which decisions fail the pipeline under each policy.
FAIL_ON: dict[str, frozenset[str]] = {
    "never": frozenset(),
    "iterate": frozenset({"iterate", "stop"}),
    "stop": frozenset({"stop"}),
}
DECISION_CASE = "decision"
# Characters XML 1.0 cannot hold at all, even escaped: a kernel's traceback has them
# (terminal colours), and one of them makes the whole report unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Case:
    """One test case: a stage of a journey, or its decision.

    Attributes:
        name: The stage's key (e.g. "03_data_strategy"), or "decision".
        outcome: "passed", "failed", "error" (a crash, not a verdict) or "skipped".
        message: One line saying why it failed or was skipped; None when it passed.
        detail: The reasons, one per line.
        seconds: How long the stage took (0 for the decision).
    """

    name: str
    outcome: str
    message: str | None = None
    detail: str = ""
    seconds: float = 0.0


def check_policy(fail_on: str) -> frozenset[str]:
    """The decisions that fail under `fail_on`.

    Raises:
        ValueError: `fail_on` is not never, iterate or stop.
    """
    try:
        return FAIL_ON[fail_on]
    except KeyError:
        raise ValueError(
            sentence(
                "fail-on %(fail_on)s: use one of %(choices)s.",
                fail_on=repr(fail_on),
                choices=", ".join(FAIL_ON),
            )
        ) from None


def exit_code(journey_code: int, decision: str | None, *, fail_on: str) -> int:
    """The journey's exit code under a decision policy.

    Args:
        journey_code: How the journey ended (0 completed, 2 gate, 1 failure, ...).
        decision: The manifest's decision ("go", "iterate", "stop") or None.
        fail_on: "never", "iterate" or "stop".

    Returns:
        `journey_code` when it is not 0; `BELOW_BAR` when the decision fails the
        policy; else 0.
    """
    if journey_code != 0:
        return journey_code
    return BELOW_BAR if decision in check_policy(fail_on) else 0


def batch_exit_code(
    batch_code: int, results: Sequence[JobResult], *, fail_on: str
) -> int:
    """A batch's exit code under a decision policy: `BELOW_BAR` only instead of 0."""
    failing = check_policy(fail_on)
    if batch_code == 0 and any(result.decision in failing for result in results):
        return BELOW_BAR
    return batch_code


def stage_cases(record: Mapping[str, Any]) -> list[Case]:
    """One case per stage of a run's manifest: passed, failed by a gate, or crashed."""
    cases = []
    ended_at = None
    for stage in STAGES:
        entry = record["stages"][stage.key]
        name = stage.key
        status = entry["status"]
        seconds = float(entry.get("seconds") or 0.0)
        if status == "complete":
            cases.append(Case(name, "passed", seconds=seconds))
            continue
        if status in ("stopped", "failed", "interrupted", "abandoned"):
            ended_at = stage.number
        if status == "stopped":
            reasons = [
                reason
                for gate in record["gates"]
                if gate["stage"] == stage.key and not gate["passed"]
                for reason in gate["reasons"]
            ]
            gate = next(
                (g["gate"] for g in record["gates"] if g["stage"] == stage.key), "a"
            )
            message = f"the {gate} gate stopped the journey: " + "; ".join(reasons)
            cases.append(Case(name, "failed", message, "\n".join(reasons), seconds))
        elif status == "not_run":
            why = (
                f"not reached: stage {ended_at} ended the journey"
                if ended_at is not None
                else "not selected"
            )
            cases.append(Case(name, "skipped", why))
        else:
            error = entry.get("error") or {}
            cell = f" in cell {error['cell']}" if error.get("cell") else ""
            message = (
                f"{status}{cell} of {entry.get('notebook')}: "
                f"{error.get('name', 'Error')}: {error.get('message', '')}"
            )
            cases.append(Case(name, "error", message, message, seconds))
    return cases


def decision_case(record: Mapping[str, Any], *, fail_on: str) -> Case:
    """The decision's case: failed when the policy fails it; skipped with none."""
    decision = record.get("decision")
    reasons = "\n".join(record.get("reasons") or [])
    if decision is None:
        return Case(DECISION_CASE, "skipped", "no decision: stage 4 did not complete")
    said = f"decision {decision.upper()}"
    if decision in check_policy(fail_on):
        because = "; ".join(record.get("reasons") or [])
        return Case(
            DECISION_CASE,
            "failed",
            f"{said}, below the bar (--fail-on {fail_on}): {because}",
            reasons,
        )
    return Case(DECISION_CASE, "passed", detail=f"{said}\n{reasons}")


def journey_cases(record: Mapping[str, Any], *, fail_on: str) -> list[Case]:
    """Every case of one journey: its stages, then its decision."""
    return [*stage_cases(record), decision_case(record, fail_on=fail_on)]


@dataclass(frozen=True)
class Suite:
    """One journey as a test suite: its name (the POC and run id) and its cases."""

    name: str
    cases: tuple[Case, ...]


def junit_xml(suites: Sequence[Suite]) -> str:
    """JUnit XML (the schema Jenkins, GitLab and GitHub's reporters read)."""
    root = ElementTree.Element("testsuites", name="playbook")
    for suite in suites:
        element = ElementTree.SubElement(
            root,
            "testsuite",
            name=_clean(suite.name),
            tests=str(len(suite.cases)),
            failures=str(sum(case.outcome == "failed" for case in suite.cases)),
            errors=str(sum(case.outcome == "error" for case in suite.cases)),
            skipped=str(sum(case.outcome == "skipped" for case in suite.cases)),
            time=f"{sum(case.seconds for case in suite.cases):.2f}",
        )
        for case in suite.cases:
            test = ElementTree.SubElement(
                element,
                "testcase",
                classname=_clean(suite.name),
                name=_clean(case.name),
                time=f"{case.seconds:.2f}",
            )
            if case.outcome in ("failed", "error", "skipped"):
                tag = {"failed": "failure", "error": "error"}.get(
                    case.outcome, "skipped"
                )
                child = ElementTree.SubElement(
                    test, tag, message=_clean(case.message or "")
                )
                child.text = _clean(case.detail) or None
            elif case.detail:
                ElementTree.SubElement(test, "system-out").text = _clean(case.detail)
    ElementTree.indent(root)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        + ElementTree.tostring(root, encoding="unicode")
        + "\n"
    )


def suite_of(record: Mapping[str, Any], *, fail_on: str) -> Suite:
    """A run's manifest as a test suite named "<poc> <run-id>"."""
    return Suite(
        f"{record['poc']} {record['run_id']}",
        tuple(journey_cases(record, fail_on=fail_on)),
    )


def batch_suites(results: Sequence[JobResult], *, fail_on: str) -> list[Suite]:
    """One suite per journey of a batch; one error case for a journey with no run."""
    suites = []
    for result in results:
        record = manifest.read(result.run_dir) if result.run_dir else None
        if record is not None:
            suites.append(suite_of(record, fail_on=fail_on))
            continue
        message = f"{result.outcome}: {result.message or 'no run folder was made'}"
        outcome = "skipped" if result.outcome == Outcome.NOT_STARTED else "error"
        suites.append(Suite(result.job.name, (Case("journey", outcome, message),)))
    return suites


def write_junit(path: Path, suites: Sequence[Suite]) -> Path:
    """Write the JUnit report atomically; returns its path."""
    return write_atomic(path, junit_xml(suites))


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)
