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
from playbook.core.language import Language
from playbook.core.messages import marked, translated
from playbook.data import labels, sources, time_column
from playbook.errors import DataError

_COMPARISONS = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
# How many periods a message names before it counts the rest.
_NAMED_PERIODS = 6
# The blockers that stop a stage: one, or more.
_DOES_NOT_FIT = {
    True: marked(
        "%(where)s: the charter does not fit the data (1 blocker):\n%(listed)s\n"
        "Fix the charter or the extract, then run again (`playbook check` lists them "
        "too)."
    ),
    False: marked(
        "%(where)s: the charter does not fit the data (%(count)s blockers):\n"
        "%(listed)s\nFix the charter or the extract, then run again (`playbook check` "
        "lists them too)."
    ),
}
# A rule value the column never holds: `==` selects nobody, `!=` everyone.
_NEVER_OCCURS = {
    "==": marked(
        "%(value)s never occurs in column %(column)s (its values: %(values)s), so the "
        "condition selects nobody"
    ),
    "!=": marked(
        "%(value)s never occurs in column %(column)s (its values: %(values)s), so the "
        "condition selects everyone"
    ),
}
# What a baseline selecting nobody means: for today's way, or for the other one.
_ZERO_BASELINE = {
    True: marked(
        "today's baseline there would be zero, and any model would look better than "
        "it is"
    ),
    False: marked("that baseline would be zero there"),
}
# The one "period" of data without a time column.
_WHOLE_DATA = "the data"


def findings(
    frame: pd.DataFrame,
    *,
    poc: Charter,
    source: str | Path | None = None,
    language: Language | None = None,
) -> list[Finding]:
    """Every way the charter does not fit the data, blockers first.

    Args:
        frame: The data, every row read.
        poc: The charter.
        source: The file read (e.g. `--data`), for messages.
        language: The language of the findings (default: the charter's
            `report.language`).

    Raises:
        DataError: The time column cannot be read (`time_column.parse`): no period,
            so no test period, can be told.
    """
    said = language or poc.language
    found = labels.findings(frame, poc=poc, language=said)
    if poc.data.time:
        time_column.parse(frame, poc=poc, source=source)
    if poc.baseline is not None and labels.ranks_one_outcome(poc):
        values = _rule_values(frame, poc.baseline, said)
        found += values or _selections(
            frame, poc=poc, baseline=poc.baseline, language=said
        )
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
        listed = "\n".join(f"  - {blocker}" for blocker in blockers)
        raise DataError(
            translated(
                poc.language,
                _DOES_NOT_FIT[len(blockers) == 1],
                where=time_column.data_source(poc, source),
                count=len(blockers),
                listed=listed,
            )
        )
    return [finding for finding in found if not finding.blocks]


def problems(
    poc: Charter, document: Document, *, language: Language = "en"
) -> list[Problem]:
    """The charter against its data for `playbook check`, each on its field's line.

    The data is read whole (a file or a folder; a SQL source is left to stage 3). A
    file that cannot be read, or a time column that cannot, is one blocker: stage 3
    would stop on it too. `language` is the language of the findings.
    """
    if poc.data.path is None:
        return []
    try:
        frame = sources.read(poc)
    except DataError as error:
        return [_unreadable(document, "data.path", error)]
    try:
        found = findings(frame, poc=poc, language=language)
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


def _rule_values(
    frame: pd.DataFrame, baseline: Baseline, language: Language
) -> list[Finding]:
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
            hint = translated(
                language,
                "Did you mean %(near)s? Write the value as the data has it.",
                near=repr(near),
            )
        elif numbers and isinstance(condition.value, str):
            hint = translated(
                language, "The column holds numbers: write the value without quotes."
            )
        else:
            hint = translated(
                language, "Write a value the column holds (case and spelling count)."
            )
        found.append(
            Finding(
                f"baseline.rule.conditions[{index}].value",
                True,
                translated(
                    language,
                    _NEVER_OCCURS[condition.op],
                    value=repr(condition.value),
                    column=repr(condition.column),
                    values=labels.listed(counts, 8, language=language),
                ),
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
    frame: pd.DataFrame, *, poc: Charter, baseline: Baseline, language: Language
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
            what=translated(language, "the rule"),
            today=baseline.today == "rule",
            language=language,
        )
    score = baseline.score_column
    if score and score in frame:
        scored = pd.to_numeric(labelled[score], errors="coerce").notna().to_numpy()
        found += _empty_periods(
            scored,
            periods,
            path="baseline.score_column",
            what=translated(language, "the score %(score)s", score=repr(score)),
            today=baseline.today == "score",
            language=language,
        )
    return found


def _test_periods(frame: pd.DataFrame, *, poc: Charter) -> dict[str, np.ndarray]:
    """The rows of each test period: the latest `split.test_periods` with time."""
    if not poc.data.time or frame.empty:
        return {_WHOLE_DATA: np.ones(len(frame), dtype=bool)}
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
    language: Language,
) -> list[Finding]:
    empty = [label for label, rows in periods.items() if not selected[rows].any()]
    if not empty:
        return []
    consequence = translated(language, _ZERO_BASELINE[today])
    if list(periods) == [_WHOLE_DATA]:
        message = translated(
            language,
            "%(what)s selects nobody in any of the %(rows)s labelled rows: "
            "%(consequence)s",
            what=what,
            rows=f"{len(selected):,}",
            consequence=consequence,
        )
    else:
        named = ", ".join(empty[:_NAMED_PERIODS])
        more = len(empty) - _NAMED_PERIODS
        if more > 0:
            named = translated(
                language, "%(named)s, +%(more)s more", named=named, more=more
            )
        message = translated(
            language,
            "%(what)s selects nobody in %(empty)s of the %(periods)s test period(s) "
            "(%(named)s): %(consequence)s",
            what=what,
            empty=len(empty),
            periods=len(periods),
            named=named,
            consequence=consequence,
        )
    return [
        Finding(
            path,
            today,
            message,
            translated(
                language,
                "Check each value against the data (case, spelling, units): today's "
                "way must select the cases the business acts on today.",
            ),
        )
    ]
