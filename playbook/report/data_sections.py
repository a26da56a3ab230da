"""The sections of the stage-3 page: the data, its personal data, leaks and contract.

Each function shows one section of the page from the stage's evidence or the tables
`playbook.data.strategy_stage.build` returns; the notebook calls them so that no
sentence is written in a notebook. Personal data stays masked: the evidence holds only
masked examples, and every table and bullet masks what looks like personal data.
"""

from __future__ import annotations

from pathlib import Path

from playbook.charter.model import Charter
from playbook.data import contracts
from playbook.data.frame import access_note, period_gaps
from playbook.data.strategy_stage import DataStrategyEvidence, DataStrategyResult
from playbook.report import charts, display


def source(evidence: DataStrategyEvidence, *, poc: Charter) -> None:
    """Where the data comes from: size, fingerprint, access and the label's meaning."""
    found = evidence.fingerprint
    display.bullets(
        "Data",
        [
            f"{evidence.rows:,} rows and {evidence.columns} columns from "
            f"{evidence.source}",
            f"Fingerprint ({found.kind}): SHA-256 {found.sha256[:16]}...",
            f"Access: {access_note(poc)}",
            f"Label: {poc.data.label_definition or 'not defined in the charter'}",
        ],
    )


def personal_data(evidence: DataStrategyEvidence) -> None:
    """The columns holding personal data, how each was found, a masked example."""
    display.table(
        display.frame(
            evidence.pii,
            columns=["column", "kind", "found_by", "share", "example", "excluded"],
        ),
        caption=f"{len(evidence.pii)} column(s) hold personal data (examples "
        "masked); an excluded column is never read by a model, the others reach it "
        "with their personal data replaced by placeholders such as <PHONE>",
    )


def ids(evidence: DataStrategyEvidence) -> None:
    """What the one-row-per-case check found."""
    display.bullets("Ids", [evidence.ids])


def label_balance(result: DataStrategyResult, *, poc: Charter) -> None:
    """The target's values and their counts, or a quantity's spread."""
    display.table(result.balance, caption=f"Values of the target {poc.data.target!r}")


def periods(result: DataStrategyResult, *, poc: Charter) -> None:
    """Rows per period and the periods without rows; a note when there is no time."""
    if result.periods is None:
        display.bullets(
            "Time",
            [
                "No time column (data.time): the POC holds out a random, "
                "stratified share of the rows instead of the latest periods."
            ],
        )
        return
    display.bullets("Periods without rows", period_gaps(result.periods))
    charts.rows_per_period(result.periods, target=poc.data.target).show()


def leaks(evidence: DataStrategyEvidence) -> None:
    """The leakage findings as a table, and each column's signal as a chart."""
    report = evidence.leakage
    display.table(
        display.frame(
            report.findings, columns=["column", "check", "level", "evidence"]
        ),
        caption=f"Leakage checks on {report.rows_checked:,} rows",
    )
    display.figures([charts.leak_signals(report)])


def features(evidence: DataStrategyEvidence) -> None:
    """The columns the model may not use, each with the reason."""
    excluded = evidence.excluded
    display.table(
        display.frame([{"column": c, "reason": r} for c, r in excluded.items()]),
        caption=f"{evidence.columns - len(excluded)} of {evidence.columns} columns "
        f"are features; these {len(excluded)} are not",
    )


def contract(evidence: DataStrategyEvidence) -> None:
    """The data-quality gate: a verdict, and the failed expectations."""
    report = evidence.contract
    name = Path(report.source).name if report.source else report.suite
    display.verdict(
        report.passed,
        f"The data passes all {report.evaluated} expectations of the contract {name}.",
        f"The data fails {report.failed} of {report.evaluated} expectations of "
        f"{name}: the journey stops here.",
    )
    display.table(contracts.failures_table(report), caption="Failed expectations")
    if evidence.data_docs:
        display.link(
            "Every expectation, passed or failed, in Great Expectations' Data Docs",
            evidence.data_docs,
        )
