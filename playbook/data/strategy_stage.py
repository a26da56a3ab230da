"""Stage 3's evidence: the data read, its personal data and leaks, and the contract.

The stage-3 notebook calls `build`, shows what it returns and saves the outcome with
`journey.save`; the manifest records the contract's result from it, and later readers
use `journey.load(run_dir, "03_data_strategy", DataStrategyEvidence)`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd

from playbook.charter.model import Charter
from playbook.charter.review import Finding
from playbook.core import journey
from playbook.core.files import relative_path
from playbook.core.language import Language
from playbook.core.messages import translated
from playbook.data import (
    calendar,
    charter_fit,
    contracts,
    labels,
    leakage,
    modelling_rows,
    pii,
    sources,
    time_column,
)
from playbook.data.calendar import CalendarReport
from playbook.data.contracts import ContractReport
from playbook.data.frame import (
    label_balance,
    profile,
    require_columns,
    require_unique_ids,
    rows_per_period,
    source_name,
)
from playbook.data.labels import UnlabelledRows
from playbook.data.leakage import LeakageReport
from playbook.data.pii import PiiColumn
from playbook.data.sources import Fingerprint

STAGE = "03_data_strategy"
GATE = "data_contract"


class ColumnRule(Protocol):
    """The model's rule for the columns it leaves out, each with the reason."""

    def __call__(
        self,
        frame: pd.DataFrame,
        *,
        poc: Charter,
        personal: list[PiiColumn] | None = None,
        leaks: LeakageReport | None = None,
    ) -> dict[str, str]:
        """The columns kept out of the model, column to reason, in the frame's order.

        `personal` and `leaks` are this stage's own findings on the frame, reused.
        """
        ...


@dataclass(frozen=True)
class LabelCount:
    """One value of a target with classes: how many rows hold it, and their share."""

    label: str
    rows: int
    share: float


@dataclass(frozen=True)
class TargetStatistic:
    """One statistic of a quantity target (rows with a value, median, ...)."""

    statistic: str
    value: float


@dataclass(frozen=True)
class LabelBalance:
    """The target's values: counts per label (classes) or its spread (a quantity).

    Exactly one of the two lists holds rows, as `playbook.data.label_balance` decides.
    """

    labels: list[LabelCount] = field(default_factory=list)
    statistics: list[TargetStatistic] = field(default_factory=list)


@dataclass(frozen=True)
class DataStrategyEvidence:
    """What stage 3 found in the data.

    Attributes:
        source: Where the data came from, without passwords, for the reader.
        rows: Rows read.
        columns: Columns read.
        required: The target, id, time, text, series, rule and score columns the
            charter names; all present.
        fingerprint: What exactly was read (the file's bytes, or the query's rows).
        ids: What the one-row-per-case check found, in a sentence.
        pii: Columns holding personal data; masked everywhere.
        leakage: The leakage checks, their findings and each column's signal.
        excluded: The columns kept out of the model, column to reason.
        balance: The target's values, or its spread for a quantity.
        contract: The data contract's result, one outcome per expectation.
        time_layout: How the time column is written ("MM/YYYY", "ISO date", ...);
            None without `data.time`.
        unlabelled: The rows without a label, which stages 4 to 7 leave out.
        charter_warnings: Where the charter fits the data only loosely (a rule that
            is not today's selecting nobody); the blockers stopped the stage.
        data_docs: The GX Data Docs page of the contract's validation, relative to
            the stage's page; None when none were asked for.
        calendar: A forecast's calendar: each series' missing steps (how many,
            which), the periods they leave partial, the calendar features, the
            columns read lagged and those that look observed on the day; None for
            other tasks.
        findings_key: `findings_key` of the charter `pii` and `leakage` were found
            with: stages 4 and 5 reuse them only under a charter that gives the
            same key. None in evidence saved before it was recorded.
    """

    source: str
    rows: int
    columns: int
    required: list[str]
    fingerprint: Fingerprint
    ids: str
    pii: list[PiiColumn]
    leakage: LeakageReport
    excluded: dict[str, str]
    balance: LabelBalance
    contract: ContractReport
    time_layout: str | None = None
    unlabelled: UnlabelledRows | None = None
    charter_warnings: list[Finding] = field(default_factory=list)
    data_docs: str | None = None
    calendar: CalendarReport | None = None
    findings_key: str | None = None


@dataclass(frozen=True)
class DataStrategyResult:
    """Stage 3's outcome, and the tables its notebook shows beside the evidence.

    Attributes:
        outcome: Passed, or stopped by the data contract, with the evidence.
        profile: One row per column: type, missing share, distinct values, shape.
        balance: The target's values as a table (`playbook.data.label_balance`).
        periods: Rows per period of the time column; None without `data.time`.
    """

    outcome: journey.StageOutcome[DataStrategyEvidence]
    profile: pd.DataFrame
    balance: pd.DataFrame
    periods: pd.DataFrame | None

    @property
    def evidence(self) -> DataStrategyEvidence:
        """The stage's evidence, as saved."""
        return self.outcome.evidence


def build(
    poc: Charter,
    *,
    path: str | Path | None,
    seed: int,
    excluded_columns: ColumnRule,
    docs: str | Path | None = None,
) -> DataStrategyResult:
    """Read the data, describe it, find personal data and leaks, run the contract.

    The checks run in the order a reader meets them, so the first problem found is
    the one that stops the stage.

    Args:
        poc: The charter.
        path: The file or folder read instead of the charter's source (`--data`);
            empty or None for the charter's.
        seed: The run's seed (the leakage model's).
        excluded_columns: The model's rule for the columns it leaves out
            (`playbook.tasks.models.excluded_columns`); passed in because the model's
            features belong to stage 4, which this layer may not import.
        docs: A folder beside the stage's page (the runner's is `data_docs/` in
            the run folder) to build GX Data Docs of the contract's validation in,
            offline; empty or None builds none.

    Returns:
        The outcome (stopped by the data contract when an expectation fails) and the
        tables the notebook shows.

    Raises:
        DataError: The data cannot be read, lacks a column the charter names, repeats
            an id, holds infinities, its target or time column is unfit, or the
            charter does not fit it (`playbook.data.charter_fit`).
        DataCheckError: The charter's data contract is malformed.
    """
    # Long because it is the stage: one line per check, in the order the page shows
    # them, and the evidence's fields; splitting it would hide that order.
    source = path or None
    frame = sources.read(poc, path=source)
    found = sources.fingerprint(poc, path=source, frame=frame)
    required = require_columns(frame, poc=poc, source=source)
    personal = pii.detect(
        frame,
        declared=poc.data.pii,
        allowed=poc.data.allow_pii,
        free_text=poc.data.text,
    )
    hidden = [column.column for column in personal]
    ids = require_unique_ids(frame, poc=poc, hidden=hidden, source=source)
    modelling_rows.require_finite(frame, poc=poc, source=source)
    time = time_column.parse(frame, poc=poc, source=source) if poc.data.time else None
    warnings = charter_fit.require(frame, poc=poc, source=source)
    columns = profile(frame, hidden=hidden, language=poc.language)
    balance = label_balance(frame, poc=poc, source=source)
    periods = rows_per_period(frame, poc=poc, source=source) if time else None
    leaks = leakage.scan(frame, poc=poc, skip=hidden, deep=True, seed=seed)
    excluded = excluded_columns(frame, poc=poc, personal=personal, leaks=leaks)
    # Data Docs go beside the stage's page: never into a finished run's folder.
    folder = journey.open_run(Path(docs).parent) / Path(docs).name if docs else None
    contract = contracts.validate(
        frame, contracts.load_suite(poc.data.checks), hidden=hidden, docs=folder
    )
    found, contract = _beside_charter(found, contract, poc=poc)
    evidence = DataStrategyEvidence(
        source=source_name(poc, path=path),
        rows=len(frame),
        columns=frame.shape[1],
        required=required,
        fingerprint=found,
        ids=ids,
        pii=personal,
        leakage=leaks,
        excluded=excluded,
        balance=_balance(balance),
        contract=contract,
        time_layout=time.layout.name if time else None,
        unlabelled=labels.unlabelled(
            frame, poc=poc, periods=time.labels if time else None
        )
        if labels.ranks_one_outcome(poc)
        else None,
        charter_warnings=warnings,
        data_docs=f"{folder.name}/{contract.docs_page}"
        if folder and contract.docs_page
        else None,
        calendar=calendar.describe(frame, poc=poc, when=time.when)
        if time and poc.kpi is not None and poc.kpi.kind == "forecast"
        else None,
        findings_key=findings_key(poc),
    )
    outcome = journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED if contract.passed else journey.STOPPED,
        summary=summary(evidence, language=poc.language),
        evidence=evidence,
        reasons=reasons(evidence, language=poc.language),
        gate=GATE,
    )
    return DataStrategyResult(
        outcome=outcome, profile=columns, balance=balance, periods=periods
    )


def findings_key(poc: Charter) -> str:
    """Fingerprint of the charter fields the PII and leak findings depend on.

    `pii.detect` reads `data.pii`, `data.allow_pii` and `data.text`; `leakage.scan`
    the target, the positive label, the id, time and text columns, the time format,
    `data.allow_leaks` and the KPI's period. A charter edited in any of them after
    stage 3 gives another key, so later stages find the columns again.
    """
    data = poc.data
    fields = {
        "pii": list(data.pii),
        "allow_pii": list(data.allow_pii),
        "allow_leaks": list(data.allow_leaks),
        "text": data.text,
        "target": data.target,
        "positive_label": repr(data.positive_label),
        "id": data.id,
        "time": data.time,
        "time_format": data.time_format,
        "period": poc.kpi.period if poc.kpi is not None else None,
    }
    text = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def summary(evidence: DataStrategyEvidence, *, language: Language = "en") -> str:
    """The stage in one line: rows, unlabelled rows, personal data, leaks, contract."""
    leaks, contract = evidence.leakage, evidence.contract
    unlabelled = evidence.unlabelled
    values = {
        "rows": f"{evidence.rows:,}",
        "pii": len(evidence.pii),
        "excluded": len(leaks.excluded),
        "warnings": len(leaks.warnings),
        "suite": contract.suite,
        "met": contract.evaluated - contract.failed,
        "expectations": contract.evaluated,
    }
    if unlabelled and unlabelled.rows:
        return translated(
            language,
            "%(rows)s rows (%(unlabelled)s without a label, left out of the model); "
            "%(pii)s PII column(s); %(excluded)s leaking column(s) kept out, "
            "%(warnings)s leak warning(s); contract %(suite)s: %(met)s of "
            "%(expectations)s expectations met",
            unlabelled=f"{unlabelled.rows:,}",
            **values,
        )
    return translated(
        language,
        "%(rows)s rows; %(pii)s PII column(s); %(excluded)s leaking column(s) kept "
        "out, %(warnings)s leak warning(s); contract %(suite)s: %(met)s of "
        "%(expectations)s expectations met",
        **values,
    )


def fit_notes(
    evidence: DataStrategyEvidence, *, language: Language = "en"
) -> list[str]:
    """How the charter fits the data, for the reader: time, labels, warnings."""
    notes = []
    if evidence.time_layout:
        notes.append(
            translated(
                language,
                "The time column is read as %(layout)s, the same way in every stage: "
                "its periods are ordered in time.",
                layout=evidence.time_layout,
            )
        )
    if evidence.unlabelled is not None:
        notes.append(labels.sentence(evidence.unlabelled, language=language))
    if evidence.calendar is not None:
        notes.extend(calendar.sentences(evidence.calendar))
    return notes + [str(finding) for finding in evidence.charter_warnings]


def reasons(evidence: DataStrategyEvidence, *, language: Language = "en") -> list[str]:
    """Why the contract stopped the stage; when it passed, how the charter fits.

    Args:
        evidence: The stage's evidence.
        language: The reader's language (the charter's `report.language`).
    """
    return contracts.failure_reasons(evidence.contract, language=language) or fit_notes(
        evidence, language=language
    )


def _balance(table: pd.DataFrame) -> LabelBalance:
    """The label balance table as typed rows."""
    if "statistic" in table:
        return LabelBalance(
            statistics=[
                TargetStatistic(str(name), float(value))
                for name, value in zip(table["statistic"], table["value"], strict=True)
            ]
        )
    return LabelBalance(
        labels=[
            LabelCount(str(label), int(rows), float(share))
            for label, rows, share in zip(
                table["label"], table["rows"], table["share"], strict=True
            )
        ]
    )


def _beside_charter(
    found: Fingerprint, contract: ContractReport, *, poc: Charter
) -> tuple[Fingerprint, ContractReport]:
    """The data's and the contract's paths relative to the charter's folder.

    The evidence travels with its run folder (zipped, moved): it names no folder of
    the machine that ran it. A SQL source's location is its URL and stays.
    """
    folder = poc.source.parent
    if found.kind != "sql":
        found = dataclasses.replace(
            found, location=relative_path(found.location, start=folder)
        )
    if contract.source:
        contract = dataclasses.replace(
            contract, source=relative_path(contract.source, start=folder)
        )
    return found, contract
