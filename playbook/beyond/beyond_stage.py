"""Stage 5's evidence: the fresh batch against the contract, drift and the KPI on it.

`build` checks the fresh batch against the data contract, measures how far each
feature moved since training, scores the batch with stage 4's saved model and proposes
monitoring thresholds. The notebook saves the `BeyondEvidence` it returns; stage 6's
run history and stage 7's readiness read it back with
`journey.load(run_dir, "05_beyond_poc", BeyondEvidence)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from playbook import data
from playbook.beyond import drift, drift_words, monitoring
from playbook.beyond.drift import DriftReport
from playbook.beyond.monitoring import (
    ContractRecord,
    FreshBatch,
    FreshScore,
    Threshold,
)
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.core.language import Language
from playbook.core.messages import translated
from playbook.data import contracts
from playbook.data.contracts import ContractReport
from playbook.errors import EvidenceError
from playbook.tasks import column_findings, evaluation, models
from playbook.tasks.holdout import Holdout
from playbook.tasks.kpi import KpiReport, lift_summary
from playbook.tasks.poc_stage import STAGE as POC_STAGE
from playbook.tasks.poc_stage import PocEvidence

STAGE = "05_beyond_poc"
# The contract record's file in the run folder, kept with the run for an audit.
CONTRACT_RECORD = "data_contract_record.json"


@dataclass(frozen=True)
class FreshBatchFacts:
    """The fresh batch in a few facts: its source, size, labels and contract result.

    Attributes:
        source: Where the batch came from ("x.csv (data.fresh)", "the latest ...").
        rows: Rows in the batch.
        labelled: Whether the batch has the target, so the KPI can be measured on it.
        contract_passed: Whether the batch meets every expectation of the contract.
        expectations: Expectations checked.
        failed: Expectations the batch fails.
    """

    source: str
    rows: int
    labelled: bool
    contract_passed: bool
    expectations: int
    failed: int


@dataclass(frozen=True)
class BeyondEvidence:
    """What stage 5 found on the fresh batch.

    Attributes:
        fresh_batch: Whether the charter names a fresh batch (`data.fresh`). Without
            one, every judgement on later data (contract, drift, lift) is not run:
            `drift`, `record`, `fresh` and `fresh_kpi` are None and `alerts` empty.
        drift: Every feature's move against the training rows, judged against noise.
        alerts: Features past an alert threshold by more than noise, beyond any trend.
        record: The batch's schema, size and fingerprint, kept with the run.
        fresh: The batch and its contract result in a few facts.
        fresh_kpi: The model against today's baseline on the batch; None when there
            is no batch, it has no labels, or stage 4 saved no model.
        thresholds: Monitoring thresholds proposed for a person to review.
    """

    fresh_batch: bool
    drift: DriftReport | None
    alerts: list[str]
    record: ContractRecord | None
    fresh: FreshBatchFacts | None
    fresh_kpi: KpiReport | None
    thresholds: list[Threshold]

    def __post_init__(self) -> None:
        """Refuse evidence that judges later data it does not have."""
        later = (self.drift, self.record, self.fresh, self.fresh_kpi)
        if not self.fresh_batch and (self.alerts or any(x is not None for x in later)):
            raise EvidenceError(
                "BeyondEvidence: fresh_batch is False, yet it holds drift, a contract "
                "record, batch facts or a KPI on later data; build it with "
                "beyond_stage.build"
            )


@dataclass(frozen=True)
class BeyondPoc:
    """Stage 5's outcome, and what the notebook shows beside it.

    Attributes:
        outcome: The stage's outcome with its evidence, to save with `journey.save`.
        contract: The fresh batch's contract result, expectation by expectation;
            None without a fresh batch.
        scored: The fresh batch scored by both policies (rows for stage 6's replay).
        poc_kpi: Stage 4's KPI on the test periods; None when stage 4 did not run.
    """

    outcome: journey.StageOutcome[BeyondEvidence]
    contract: ContractReport | None
    scored: FreshScore
    poc_kpi: KpiReport | None


def build(
    poc: Charter, *, out_dir: str | Path, data_path: str | Path | None, seed: int
) -> BeyondPoc:
    """Check the fresh batch: contract, drift, the KPI on it, monitoring thresholds.

    Without a fresh batch (`data.fresh`) only the thresholds are proposed: the test
    rows are not later data, so nothing is judged on them here.

    Args:
        poc: The charter.
        out_dir: The run folder (stage 4's evidence and saved model).
        data_path: The data file to read instead of the charter's `data.path`.
        seed: The run's seed (the split and the bootstrap).

    Raises:
        DataError: The data or the fresh batch cannot be read.
        EvidenceError: Stage 4's saved evidence cannot be read back.
    """
    frame = data.read(poc, path=data_path)
    split = evaluation.split(frame, poc=poc, seed=seed)
    fresh = monitoring.fresh_batch(poc)
    stage4 = journey.load(out_dir, POC_STAGE, PocEvidence)
    poc_kpi = stage4.evidence.kpi if stage4 is not None else None
    scored = monitoring.score_fresh(
        fresh, out_dir=out_dir, poc=poc, seed=seed, earlier=frame
    )
    # Once: the columns follow from the data and the charter (a PII and leak scan,
    # stage 3's when it found them on this data).
    found = column_findings.from_data_strategy(
        out_dir, poc=poc, frame=frame, data_path=data_path
    )
    features = models.tabular_columns(frame, poc=poc, findings=found)
    limits = monitoring.propose_thresholds(
        frame.iloc[split.train],
        features=features,
        poc=poc,
        baseline_kpi=poc_kpi.baseline if poc_kpi is not None else None,
    )
    contract = None
    if fresh is None:
        evidence = BeyondEvidence(
            fresh_batch=False,
            drift=None,
            alerts=[],
            record=None,
            fresh=None,
            fresh_kpi=None,
            thresholds=limits,
        )
    else:
        suite = monitoring.fresh_suite(
            contracts.load_suite(poc.data.checks), batch=fresh, target=poc.data.target
        )
        contract = contracts.validate(fresh.rows, suite)
        report = _drift(frame, split=split, fresh=fresh, poc=poc, features=features)
        evidence = BeyondEvidence(
            fresh_batch=True,
            drift=report,
            alerts=report.alerts,
            record=monitoring.contract_record(fresh, contract=contract),
            fresh=_facts(fresh, contract=contract),
            fresh_kpi=scored.kpi,
            thresholds=limits,
        )
    outcome = journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED,
        summary=summary(evidence, language=poc.language),
        reasons=reasons(evidence),
        evidence=evidence,
    )
    return BeyondPoc(outcome=outcome, contract=contract, scored=scored, poc_kpi=poc_kpi)


def _facts(fresh: FreshBatch, *, contract: ContractReport) -> FreshBatchFacts:
    # In the order of FreshBatchFacts' fields: the batch, then its contract result.
    batch = (fresh.source, len(fresh.rows), fresh.labelled)
    return FreshBatchFacts(*batch, contract.passed, contract.evaluated, contract.failed)


def _drift(
    frame: pd.DataFrame,
    *,
    split: Holdout,
    fresh: FreshBatch,
    poc: Charter,
    features: list[str],
) -> DriftReport:
    thresholds = poc.need("drift")
    reference, reference_name = monitoring.drift_reference(
        frame.iloc[split.train],
        fresh,
        poc=poc,
        periods=len(split.train_periods),
        language=poc.language,
    )
    return drift.feature_drift(
        reference,
        fresh.rows,
        columns=features,
        rule=drift.DriftRule(
            warning=thresholds.psi_warning,
            alert=thresholds.psi_alert,
            ks_alert=thresholds.ks_alert,
            confidence=poc.need("kpi").confidence,
        ),
        reference_name=reference_name,
        current_name=fresh.source,
    )


def fresh_kpi_summary(evidence: BeyondEvidence, *, language: Language = "en") -> str:
    """The lift on the fresh batch in one phrase, or why it was not measured."""
    if evidence.fresh_kpi is not None:
        return lift_summary(evidence.fresh_kpi, language=language)
    if evidence.fresh is None:
        return translated(language, monitoring.NO_FRESH)
    return translated(
        language,
        monitoring.NO_MODEL if evidence.fresh.labelled else monitoring.NO_LABELS,
    )


def contract_summary(evidence: BeyondEvidence, *, language: Language = "en") -> str:
    """How many of the contract's expectations the fresh batch meets, and where."""
    fresh = evidence.fresh
    if fresh is None:
        return translated(language, monitoring.NO_FRESH)
    return translated(
        language,
        "%(met)s of %(expectations)s expectations met on %(source)s",
        met=fresh.expectations - fresh.failed,
        expectations=fresh.expectations,
        source=fresh.source,
    )


def drift_summary(evidence: BeyondEvidence, *, language: Language = "en") -> str:
    """How the features moved since training, in one sentence, or why not judged."""
    if evidence.drift is None:
        return translated(language, monitoring.NO_FRESH)
    return drift_words.finding(evidence.drift, language=language)


def summary(evidence: BeyondEvidence, *, language: Language = "en") -> str:
    """Stage 5 in one line: drift beyond noise, a trend, and the lift on the batch."""
    if not evidence.fresh_batch:
        return translated(
            language,
            "No fresh batch (the charter sets no data.fresh): the contract, drift and "
            "the lift on later data are not run; %(thresholds)s monitoring thresholds "
            "proposed",
            thresholds=len(evidence.thresholds),
        )
    return translated(
        language,
        "%(drift)s; fresh batch: %(lift)s",
        drift=drift_summary(evidence, language=language),
        lift=fresh_kpi_summary(evidence, language=language),
    )


def reasons(evidence: BeyondEvidence) -> list[str]:
    """The common trend, then each feature that moved beyond noise and its level."""
    if evidence.drift is None:
        return []
    return drift_words.feature_findings(evidence.drift)
