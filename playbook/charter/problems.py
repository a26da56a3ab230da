"""A problem found in a charter, and how problems are listed.

Every check of a charter (the YAML reader, the validator, `playbook check`) reports a
`Problem`: the file, line and column, the field, how bad it is, what is wrong and what
to do.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from playbook.core.language import Language
from playbook.core.messages import marked, translated

BLOCKER, WARNING, NOTE = "blocker", "warning", "note"
_SEVERITIES = {
    BLOCKER: marked("blocker"),
    WARNING: marked("warning"),
    NOTE: marked("note"),
}


@dataclass(frozen=True)
class Problem:
    """One problem in a charter: where, how bad, what is wrong and what to do."""

    file: str
    line: int
    column: int
    path: str
    severity: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        """The problem as a compiler prints it: `file:line:column: severity: ...`."""
        text = f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else f"{text}."


def listing(problems: list[Problem], *, file: str, language: Language = "en") -> str:
    """All problems in one message, one per line in the file's order, for an error."""
    problems = in_order(problems)
    if len(problems) == 1:
        return line_in(problems[0], language)
    lines = "\n".join(f"  {line_in(problem, language)}" for problem in problems)
    return translated(
        language,
        "%(file)s: %(count)s problems in the charter:\n%(lines)s\nFix them, then run "
        "again (`playbook check` lists them as well).",
        file=file,
        count=len(problems),
        lines=lines,
    )


def line_in(problem: Problem, language: Language) -> str:
    """A problem as a compiler prints it, its severity in the reader's language."""
    if language == "en":
        return str(problem)
    word = _SEVERITIES.get(problem.severity)
    severity = translated(language, word) if word else problem.severity
    return str(dataclasses.replace(problem, severity=severity))


def in_order(problems: list[Problem]) -> list[Problem]:
    """Problems sorted by file, line and column, as a compiler lists them."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.column))


def shown_value(value: object) -> str:
    """A value as a problem quotes it: sections and lists by name, long text cut."""
    if isinstance(value, dict):
        return "a section"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
