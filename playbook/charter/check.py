"""`playbook check`: every problem of a charter at once, each with file, line and field.

Four passes, each adding what it finds: the schema (`playbook.charter.yaml_reader`
and `playbook.charter.validate`: YAML, kinds, bounds, unknown and missing fields),
readiness (`playbook.charter.review.findings`: the blockers and warnings stage 1
shows), the files the charter names, each of which must be in the charter's folder
tree or a folder allowed (`playbook.charter.data_paths`; a file outside is never
opened), and the data's header, when the data file is reachable, against every column
the charter names. When the columns are all there, a caller may pass a check of the
charter against the data's values (`playbook check` passes
`playbook.data.charter_fit.problems`, which this layer may not import). Blockers exit
2, warnings and notes are printed and exit 0.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from playbook import charter
from playbook.charter import data_paths, review, validate, yaml_reader
from playbook.charter.loading import from_fields
from playbook.charter.model import Charter
from playbook.charter.problems import (
    BLOCKER,
    NOTE,
    WARNING,
    Problem,
    in_order,
    line_in,
)
from playbook.charter.yaml_reader import Document
from playbook.core.language import Language, language_of
from playbook.core.messages import marked, translated

# How many of the data's columns a message lists.
_SHOWN_COLUMNS = 30


# A check of the charter against the data's values, with the problems it finds.
class DataFit(Protocol):
    """Checks a charter against its data's values (`playbook.data.charter_fit`)."""

    def __call__(
        self, poc: Charter, document: Document, *, language: Language = "en"
    ) -> list[Problem]:
        """The problems found, their sentences in `language`."""
        ...


@dataclass(frozen=True)
class CheckReport:
    """The problems of one charter, in the file's order."""

    file: str
    problems: list[Problem]
    language: Language = "en"

    @property
    def blockers(self) -> list[Problem]:
        """Problems that stop the POC from starting."""
        return [p for p in self.problems if p.severity == BLOCKER]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth fixing that do not stop the POC."""
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def exit_code(self) -> int:
        """2 when a blocker is found, else 0."""
        return 2 if self.blockers else 0


def check(
    path: str | Path,
    *,
    shown: str | None = None,
    data_fit: DataFit | None = None,
    allowed: Sequence[str | Path] = (),
    language: Language | None = None,
) -> CheckReport:
    """Check a charter file and report every problem found.

    Args:
        path: The charter file.
        shown: How to name the file in problems (default: the path as given).
        data_fit: Checks the charter against the data's values; run when the data
            file is there and has every column the charter names.
        allowed: Folders outside the charter's that its files may be in
            (`--allow-path`); a file outside every such folder is a blocker, and is
            not opened (`playbook.charter.data_paths`).
        language: The language of the problems (`--lang`); without it, the
            charter's own `report.language`, else English.
    """
    file = shown if shown is not None else str(path)
    document, problems = yaml_reader.read(path, shown=file, language=language or "en")
    if document is None:
        return CheckReport(file, problems, language or "en")
    if language is None:
        language = _language_asked(document.data)
        if problems:  # a key given twice: said in the language the charter asks for
            problems = yaml_reader.read(path, shown=file, language=language)[1]
    problems = [*problems, *validate.validate(document, language=language)]
    if any(problem.severity == BLOCKER for problem in problems):
        return CheckReport(file, in_order(problems), language)
    # What `charter.load` would build: it refuses exactly the blockers found above.
    poc = from_fields(document.data, source=Path(path).resolve())
    for finding in review.findings(poc, language=language):
        line, column = (
            document.key_at(finding.path)
            if finding.path in document.keys
            else document.where(finding.path)
        )
        problems.append(
            Problem(
                file,
                line,
                column,
                finding.path,
                BLOCKER if finding.blocks else WARNING,
                f"{finding.path}: {finding.message}",
                finding.hint,
            )
        )
    refused = [
        _located(
            document,
            item.field,
            BLOCKER,
            item.message_in(language),
            item.hint_in(language),
        )
        for item in data_paths.outside(poc, allowed=allowed)
    ]
    if refused:  # nothing outside the allowed folders is opened, not even a header
        return CheckReport(file, in_order([*problems, *refused]), language)
    columns = data_columns(poc, document, language=language)
    problems += columns
    if data_fit is not None and not columns:
        problems += data_fit(poc, document, language=language)
    return CheckReport(file, in_order(problems), language)


def language_asked(path: str | Path) -> Language:
    """The `report.language` of a charter that may not load, else English.

    A charter with a blocker still says which language its reader reads, as long
    as its YAML parses: its problems are then written in that language.
    """
    document = yaml_reader.read(path)[0]
    return _language_asked(document.data) if document is not None else "en"


def _language_asked(fields: object) -> Language:
    """The charter's `report.language`, read before the charter is checked."""
    report = fields.get("report") if isinstance(fields, dict) else None
    return language_of(report.get("language") if isinstance(report, dict) else None)


def data_columns(
    poc: charter.Charter, document: Document, *, language: Language = "en"
) -> list[Problem]:
    """Columns the charter names that the data's header lacks, read cheaply.

    Only a CSV or Parquet file is read, and only its header; for a folder of files, a
    SQL query or a file that is not there, a note says the columns were not checked.

    Args:
        poc: The charter.
        document: The charter's YAML, for each field's line and column.
        language: The reader's language.
    """
    source = poc.data.path
    if source is None or not source.is_file():
        return [_not_checked(poc, document, language=language)]
    try:
        header = _header(source, poc)
    # csv.Error: the sniffer finds no delimiter in an empty or blank file.
    except (OSError, ValueError, UnicodeDecodeError, ImportError, csv.Error) as error:
        return [
            _located(
                document,
                "data.path",
                WARNING,
                translated(
                    language,
                    "data.path: cannot read the header of %(file)s (%(error)s)",
                    file=_relative(source, poc),
                    error=f"{type(error).__name__}: {str(error)[:120]}",
                ),
                translated(
                    language,
                    "Stage 3 says more when the journey reads it; check "
                    "data.encoding, or for a workbook whether openpyxl is installed.",
                ),
            )
        ]
    problems = []
    named = named_columns(poc)
    shown = header_note(header, named=list(named.values()), language=language)
    for path, column_name in named.items():
        if column_name in header:
            continue
        problems.append(
            _located(
                document,
                path,
                BLOCKER,
                translated(
                    language,
                    "%(field)s: the data has no column %(column)s",
                    field=path,
                    column=repr(column_name),
                ),
                translated(
                    language,
                    "%(columns)s Fix the charter or the extract.",
                    columns=shown,
                ),
            )
        )
    return problems


def _not_checked(
    poc: charter.Charter, document: Document, *, language: Language
) -> Problem:
    """The note that the columns were not checked: no file to read a header from."""
    source = poc.data.path
    why = (
        marked("the data comes from a SQL query")
        if source is None
        else marked("%(file)s is not there")
        if not source.exists()
        else marked("%(file)s is a folder")
        if source.is_dir()
        else marked(
            "%(file)s is not a regular file (a pipe or a device), and is never opened"
        )
    )
    file = "" if source is None else _relative(source, poc)
    return _located(
        document,
        "data.path",
        NOTE,
        translated(
            language,
            "data columns not checked: %(why)s",
            why=translated(language, why, file=file),
        ),
        translated(language, "Stage 3 checks them when the journey reads the data."),
        at="data.sql" if source is None else "data.path",
    )


def header_note(
    header: Sequence[object],
    *,
    named: Sequence[str | None],
    language: Language = "en",
) -> str:
    """The data's columns for a message about missing ones, unless none fits at all.

    A file that holds none of the columns the charter names may be no table (a
    `.env` file, a key read by mistake): its first line is described, not shown.
    """
    if any(column in header for column in named if column):
        listed = ", ".join(map(str, header[:_SHOWN_COLUMNS]))
        more = ", ..." if len(header) > _SHOWN_COLUMNS else ""
        return translated(
            language, "The data's columns: %(columns)s.", columns=listed + more
        )
    return translated(
        language,
        "The data has none of them among its %(count)s column(s), so its header is "
        "not shown: check that the path names the data, and its data.delimiter and "
        "data.encoding.",
        count=len(header),
    )


def _located(
    document: Document,
    path: str,
    severity: str,
    message: str,
    hint: str,
    *,
    at: str | None = None,
) -> Problem:
    """A problem with the field `path`, placed at the value of `at` (else `path`)."""
    line, column = document.where(at or path)
    return Problem(document.file, line, column, path, severity, message, hint)


def named_columns(poc: charter.Charter) -> dict[str, str]:
    """Every data column the charter names, by the field that names it.

    The same fields as `playbook.data.frame.require_columns` checks on the full data.
    """
    data = poc.data
    named = {
        "data.target": data.target,
        "data.id": data.id,
        "data.time": data.time,
        "data.text": data.text,
        "data.series": data.series,
    }
    if poc.baseline is not None:
        for index, condition in enumerate(poc.baseline.conditions):
            named[f"baseline.rule.conditions[{index}].column"] = condition.column
        named["baseline.score_column"] = poc.baseline.score_column
    for field in ("pii", "allow_pii", "exclude", "allow_leaks", "sensitive"):
        for index, column in enumerate(getattr(data, field)):
            named[f"data.{field}[{index}]"] = column
    return {path: column for path, column in named.items() if column}


def as_text(report: CheckReport, *, language: Language = "en") -> list[str]:
    """The report as lines, compiler style, ending with a one-line summary.

    Args:
        report: What `check` found.
        language: The language of the severities and the summary line (the
            problems' sentences are in the language `check` was given).
    """
    lines = [line_in(problem, language) for problem in report.problems]
    blockers, warnings = len(report.blockers), len(report.warnings)
    counts = {"file": report.file, "blockers": blockers, "warnings": warnings}
    if language == "en":
        verdict = (
            "the POC cannot start until the blockers are fixed"
            if blockers
            else "the charter is ready"
        )
        lines.append(
            f"{report.file}: {blockers} blocker{'s' * (blockers != 1)}, {warnings} "
            f"warning{'s' * (warnings != 1)}: {verdict}."
        )
    elif blockers:
        lines.append(
            translated(
                language,
                "%(file)s: %(blockers)s blockers, %(warnings)s warnings: the POC "
                "cannot start until the blockers are fixed.",
                **counts,
            )
        )
    else:
        lines.append(
            translated(
                language,
                "%(file)s: %(blockers)s blockers, %(warnings)s warnings: the charter "
                "is ready.",
                **counts,
            )
        )
    return lines


def as_json(reports: list[CheckReport]) -> str:
    """Every problem of every report as a JSON list of plain objects."""
    rows = [
        dataclasses.asdict(problem) for report in reports for problem in report.problems
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def _header(source: Path, poc: charter.Charter) -> list[str]:
    if source.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return [str(name) for name in pq.read_schema(source).names]
    if source.suffix.lower() in (".xlsx", ".xlsm"):
        sheet = pd.read_excel(source, sheet_name=poc.data.sheet or 0, nrows=0)
        return [str(name) for name in sheet.columns]
    frame = pd.read_csv(
        source,
        nrows=0,
        sep=poc.data.delimiter,
        engine="python",
        encoding=poc.data.encoding or "utf-8-sig",
    )
    return [str(name) for name in frame.columns]


def _relative(path: Path, poc: charter.Charter) -> str:
    try:
        return str(path.relative_to(poc.source.parent))
    except ValueError:
        return str(path)
