"""The charter checked against the data: its rule, its score and its labels.

A charter can be valid and still not fit its data: a rule compares `contract` with
`month-to-month` where the data says `Month-to-month`, so today's rule selects nobody,
its baseline is zero and any model looks twice as good as it is. So, with the data at
hand, every rule condition's value must occur in its column (a near miss gets "did you
mean"), today's rule and score must select at least one row in every test period, and
the target must suit the KPI (`playbook.data.labels`).

`playbook check` asks these questions when the data file is there (`problems`), stage 3
asks them on the data it reads, and so do stages 4 to 7 on theirs
(`playbook.data.modelling_rows`): a blocker stops the journey with exit 2.
"""

from __future__ import annotations

import operator
from pathlib import Path

import numpy as np
import pandas as pd

from playbook.charter.model import Baseline, Charter, Condition
from playbook.charter.problems import BLOCKER, WARNING, Problem
from playbook.charter.review import Finding
from playbook.charter.yaml_reader import Document
from playbook.data import labels, sources, time_column
from playbook.errors import DataError

_COMPARISONS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
# How many periods a message names before it counts the rest.
_NAMED_PERIODS = 6


def findings(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> list[Finding]:
    """Every way the charter does not fit the data, blockers first.

    Args:
        frame: The data, every row read.
        poc: The charter.
        source: The file read (e.g. `--data`), for messages.

    Raises:
        DataError: The time column cannot be read (`time_column.parse`): no period,
            so no test period, can be told.
    """
    found = labels.findings(frame, poc=poc)
    if poc.data.time:
        time_column.parse(frame, poc=poc, source=source)
    if poc.baseline is not None and labels.ranks_one_outcome(poc):
        values = _rule_values(frame, poc.baseline)
        found += values or _selections(frame, poc=poc, baseline=poc.baseline)
    return sorted(found, key=lambda finding: not finding.blocks)


def require(
    frame: pd.DataFrame, *, poc: Charter, source: str | Path | None = None
) -> list[Finding]:
    """Stop when the charter does not fit the data; else return the warnings.

    Raises:
        DataError: A blocker was found; the message lists each with its field and
            what to do, and names the file read.
    """
    found = findings(frame, poc=poc, source=source)
    blockers = [str(finding) for finding in found if finding.blocks]
    if blockers:
        where = time_column.data_source(poc, source)
        listed = "\n".join(f"  - {blocker}" for blocker in blockers)
        raise DataError(
            f"{where}: the charter does not fit the data ({len(blockers)} "
            f"blocker{'s' * (len(blockers) != 1)}):\n{listed}\n"
            "Fix the charter or the extract, then run again (`playbook check` lists "
            "them too)."
        )
    return [finding for finding in found if not finding.blocks]


def problems(poc: Charter, document: Document) -> list[Problem]:
    """The charter against its data for `playbook check`, each on its field's line.

    The data is read whole (a file or a folder; a SQL source is left to stage 3). A
    file that cannot be read, or a time column that cannot, is one blocker: stage 3
    would stop on it too.
    """
    if poc.data.path is None:
        return []
    try:
        frame = sources.read(poc)
    except DataError as error:
        return [_unreadable(document, "data.path", error)]
    try:
        found = findings(frame, poc=poc)
    except DataError as error:
        return [_unreadable(document, "data.time", error)]
    return [
        Problem(
            document.file,
            *document.where(finding.path),
            finding.path,
            BLOCKER if finding.blocks else WARNING,
            f"{finding.path}: {finding.message}",
            finding.hint,
        )
        for finding in found
    ]


def _unreadable(document: Document, path: str, error: DataError) -> Problem:
    """A blocker whose message is the error's, which says what to do itself."""
    return Problem(
        document.file, *document.where(path), path, BLOCKER, str(error).rstrip(".")
    )


# --- the rule's values ---------------------------------------------------------------


def _rule_values(frame: pd.DataFrame, baseline: Baseline) -> list[Finding]:
    """A condition `column == value` (or `!=`) whose value the column never holds."""
    found = []
    for index, condition in enumerate(baseline.conditions):
        if condition.op not in ("==", "!=") or condition.column not in frame:
            continue
        column = frame[condition.column].dropna()
        counts = column.value_counts()
        if _hits(column, condition).any():
            continue
        texts = [str(value) for value in counts.index]
        near = labels.near_miss(str(condition.value), texts)
        numbers = pd.api.types.is_numeric_dtype(column)
        if near is not None:
            hint = f"Did you mean {near!r}? Write the value as the data has it."
        elif numbers and isinstance(condition.value, str):
            hint = "The column holds numbers: write the value without quotes."
        else:
            hint = "Write a value the column holds (case and spelling count)."
        found.append(
            Finding(
                f"baseline.rule.conditions[{index}].value",
                True,
                f"{condition.value!r} never occurs in column {condition.column!r} "
                f"(its values: {labels.listed(counts, 8)}), so the condition "
                f"{'selects nobody' if condition.op == '==' else 'selects everyone'}",
                hint,
            )
        )
    return found


def _hits(column: pd.Series, condition: Condition) -> pd.Series:
    """Where a condition holds; where the values refuse the comparison, nowhere."""
    compare = getattr(operator, _COMPARISONS[condition.op])
    try:
        return compare(column, condition.value) & column.notna()
    except TypeError:
        return pd.Series(False, index=column.index)


def _rule_selects(frame: pd.DataFrame, baseline: Baseline) -> np.ndarray:
    """The rows today's rule flags (`match: any` or `all` of its conditions)."""
    met = np.sum(
        [
            _hits(frame[condition.column], condition).to_numpy(dtype=bool)
            for condition in baseline.conditions
        ],
        axis=0,
    )
    return met >= (1 if baseline.match != "all" else len(baseline.conditions))


# --- who the rule and the score select in the test periods ---------------------------


def _selections(
    frame: pd.DataFrame, *, poc: Charter, baseline: Baseline
) -> list[Finding]:
    """Today's rule and score must select someone in every test period."""
    labelled = frame[~labels.missing(frame, poc=poc).to_numpy()]
    periods = _test_periods(labelled, poc=poc)
    found = []
    if baseline.conditions and all(c.column in frame for c in baseline.conditions):
        selected = _rule_selects(labelled, baseline)
        found += _empty_periods(
            selected,
            periods,
            path="baseline.rule",
            what="the rule",
            today=baseline.today == "rule",
        )
    score = baseline.score_column
    if score and score in frame:
        scored = pd.to_numeric(labelled[score], errors="coerce").notna().to_numpy()
        found += _empty_periods(
            scored,
            periods,
            path="baseline.score_column",
            what=f"the score {score!r}",
            today=baseline.today == "score",
        )
    return found


def _test_periods(frame: pd.DataFrame, *, poc: Charter) -> dict[str, np.ndarray]:
    """The rows of each test period: the latest `split.test_periods` with time."""
    if not poc.data.time or frame.empty:
        return {"the data": np.ones(len(frame), dtype=bool)}
    periods = time_column.parse(frame, poc=poc).labels
    held_out = (poc.split.test_periods if poc.split else None) or 1
    latest = time_column.latest_periods(periods, count=held_out)
    return {label: (periods == label).to_numpy() for label in latest}


def _empty_periods(
    selected: np.ndarray,
    periods: dict[str, np.ndarray],
    *,
    path: str,
    what: str,
    today: bool,
) -> list[Finding]:
    empty = [label for label, rows in periods.items() if not selected[rows].any()]
    if not empty:
        return []
    if list(periods) == ["the data"]:
        where = f"any of the {len(selected):,} labelled rows"
    else:
        named = ", ".join(empty[:_NAMED_PERIODS])
        more = len(empty) - _NAMED_PERIODS
        where = (
            f"{len(empty)} of the {len(periods)} test period(s) ({named}"
            f"{f', +{more} more' if more > 0 else ''})"
        )
    consequence = (
        "today's baseline there would be zero, and any model would look better than "
        "it is"
        if today
        else "that baseline would be zero there"
    )
    return [
        Finding(
            path,
            today,
            f"{what} selects nobody in {where}: {consequence}",
            "Check each value against the data (case, spelling, units): today's way "
            "must select the cases the business acts on today.",
        )
    ]
