"""The sections of the stage-3 page: the data, its personal data, leaks and contract.

Each function shows one section of the page from the stage's evidence or the tables
`playbook.data.strategy_stage.build` returns; the notebook calls them so that no
sentence is written in a notebook. Personal data stays masked: the evidence holds only
masked examples, and every table and bullet masks what looks like personal data.
"""

from __future__ import annotations

from pathlib import Path

from playbook.charter.model import Charter
from playbook.core.messages import marked
from playbook.data import contracts
from playbook.data.frame import access_note, period_gaps
from playbook.data.strategy_stage import DataStrategyEvidence, DataStrategyResult
from playbook.report import charts, display
from playbook.report.display import said

# The columns of this page's tables, named where their frames are built (the evidence's
# fields, `frame.profile`, `frame.label_balance`, `contracts.failures_table`); marked
# here so that the catalogue heads each in the reader's language.
_HEADINGS = (
    *(marked("column"), marked("kind"), marked("found_by"), marked("share")),
    *(marked("example"), marked("excluded"), marked("type"), marked("missing")),
    *(marked("distinct"), marked("distribution"), marked("label"), marked("check")),
    *(marked("level"), marked("evidence"), marked("reason"), marked("statistic")),
    *(marked("expectation"), marked("expected"), marked("observed")),
    marked("examples"),
)
# What a fingerprint was taken of (`sources.fingerprint`), in the reader's words.
_SOURCE_KINDS = {
    "file": marked("file"),
    "folder": marked("folder"),
    "sql": marked("sql"),
}


def source(evidence: DataStrategyEvidence, *, poc: Charter) -> None:
    """Where the data comes from: size, fingerprint, access and the label's meaning."""
    found = evidence.fingerprint
    label = poc.data.label_definition or said("not defined in the charter")
    display.bullets(
        said("Data"),
        [
            said(
                "%(rows)s rows and %(columns)s columns from %(source)s",
                rows=f"{evidence.rows:,}",
                columns=evidence.columns,
                source=evidence.source,
            ),
            said(
                "Fingerprint (%(kind)s): SHA-256 %(sha)s...",
                kind=said(_SOURCE_KINDS.get(found.kind, found.kind)),
                sha=found.sha256[:16],
            ),
            said("Access: %(note)s", note=access_note(poc)),
            said("Label: %(label)s", label=label),
        ],
    )


def personal_data(evidence: DataStrategyEvidence) -> None:
    """The columns holding personal data, how each was found, a masked example."""
    display.table(
        display.frame(
            evidence.pii,
            columns=["column", "kind", "found_by", "share", "example", "excluded"],
        ),
        caption=said(
            "%(count)s column(s) hold personal data (examples masked); an excluded "
            "column is never read by a model, the others reach it with their "
            "personal data replaced by placeholders such as <PHONE>",
            count=len(evidence.pii),
        ),
    )


def ids(evidence: DataStrategyEvidence) -> None:
    """What the one-row-per-case check found."""
    display.bullets(said("Ids"), [evidence.ids])


def column_profile(result: DataStrategyResult) -> None:
    """One row per column: its type, missing share, distinct values and distribution."""
    display.table(result.profile, caption=said("Column profile"))


def label_balance(result: DataStrategyResult, *, poc: Charter) -> None:
    """The target's values and their counts, or a quantity's spread."""
    display.table(
        result.balance,
        caption=said("Values of the target %(target)s", target=repr(poc.data.target)),
    )


def periods(result: DataStrategyResult, *, poc: Charter) -> None:
    """Rows per period and the periods without rows; a note when there is no time."""
    if result.periods is None:
        display.bullets(
            said("Time"),
            [
                said(
                    "No time column (data.time): the POC holds out a random, "
                    "stratified share of the rows instead of the latest periods."
                )
            ],
        )
        return
    display.bullets(said("Periods without rows"), period_gaps(result.periods))
    charts.rows_per_period(result.periods, target=poc.data.target).show()


def leaks(evidence: DataStrategyEvidence) -> None:
    """The leakage findings as a table, and each column's signal as a chart."""
    report = evidence.leakage
    display.table(
        display.frame(
            report.findings, columns=["column", "check", "level", "evidence"]
        ),
        caption=said(
            "Leakage checks on %(rows)s rows", rows=f"{report.rows_checked:,}"
        ),
    )
    display.figures([charts.leak_signals(report)])


def features(evidence: DataStrategyEvidence) -> None:
    """The columns the model may not use, each with the reason."""
    excluded = evidence.excluded
    display.table(
        display.frame([{"column": c, "reason": said(r)} for c, r in excluded.items()]),
        caption=said(
            "%(features)s of %(columns)s columns are features; these %(excluded)s "
            "are not",
            features=evidence.columns - len(excluded),
            columns=evidence.columns,
            excluded=len(excluded),
        ),
    )


def contract(evidence: DataStrategyEvidence) -> None:
    """The data-quality gate: a verdict, and the failed expectations."""
    report = evidence.contract
    name = Path(report.source).name if report.source else report.suite
    display.verdict(
        report.passed,
        said(
            "The data passes all %(evaluated)s expectations of the contract %(name)s.",
            evaluated=report.evaluated,
            name=name,
        ),
        said(
            "The data fails %(failed)s of %(evaluated)s expectations of %(name)s: "
            "the journey stops here.",
            failed=report.failed,
            evaluated=report.evaluated,
            name=name,
        ),
    )
    display.table(contracts.failures_table(report), caption=said("Failed expectations"))
    if evidence.data_docs:
        display.link(
            said(
                "Every expectation, passed or failed, in Great Expectations' Data Docs"
            ),
            evidence.data_docs,
        )
