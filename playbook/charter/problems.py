"""A problem found in a charter, and how problems are listed.

Every check of a charter (the YAML reader, the validator, `playbook check`) reports a
`Problem`: the file, line and column, the field, how bad it is, what is wrong and what
to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbook.core.language import Language
from playbook.core.messages import translated

BLOCKER, WARNING, NOTE = "blocker", "warning", "note"


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
        return str(problems[0])
    lines = "\n".join(f"  {problem}" for problem in problems)
    return translated(
        language,
        "%(file)s: %(count)s problems in the charter:\n%(lines)s\nFix them, then run "
        "again (`playbook check` lists them as well).",
        file=file,
        count=len(problems),
        lines=lines,
    )


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
