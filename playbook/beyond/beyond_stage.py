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
from playbook.beyond import drift, monitoring
from playbook.beyond.drift import DriftReport
from playbook.beyond.monitoring import (
    ContractRecord,
    FreshBatch,
    FreshScore,
    Threshold,
)
from playbook.charter.model import Charter
from playbook.core import journey
from playbook.data import contracts
from playbook.data.contracts import ContractReport
from playbook.tasks import evaluation, models
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
        drift: PSI and KS distance of every feature against the training rows.
        alerts: Features past an alert threshold.
        record: The batch's schema, size and fingerprint, kept with the run.
        fresh: The batch and its contract result in a few facts.
        fresh_kpi: The model against today's baseline on the batch; None when the
            batch has no labels or stage 4 saved no model.
        thresholds: Monitoring thresholds proposed for a person to review.
    """

    drift: DriftReport
    alerts: list[str]
    record: ContractRecord
    fresh: FreshBatchFacts
    fresh_kpi: KpiReport | None
    thresholds: list[Threshold]


@dataclass(frozen=True)
class BeyondPoc:
    """Stage 5's outcome, and what the notebook shows beside it.

    Attributes:
        outcome: The stage's outcome with its evidence, to save with `journey.save`.
        contract: The fresh batch's contract result, expectation by expectation.
        scored: The fresh batch scored by both policies (rows for stage 6's replay).
        poc_kpi: Stage 4's KPI on the test periods; None when stage 4 did not run.
    """

    outcome: journey.StageOutcome[BeyondEvidence]
    contract: ContractReport
    scored: FreshScore
    poc_kpi: KpiReport | None


def build(
    poc: Charter, *, out_dir: str | Path, data_path: str | Path | None, seed: int
) -> BeyondPoc:
    """Check the fresh batch: contract, drift, the KPI on it, monitoring thresholds.

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
    fresh = monitoring.fresh_batch(frame, poc=poc, split=split)
    suite = monitoring.fresh_suite(
        contracts.load_suite(poc.data.checks), batch=fresh, target=poc.data.target
    )
    contract = contracts.validate(fresh.rows, suite)
    report = _drift(frame, split=split, fresh=fresh, poc=poc)
    stage4 = journey.load(out_dir, POC_STAGE, PocEvidence)
    poc_kpi = stage4.evidence.kpi if stage4 is not None else None
    scored = monitoring.score_fresh(
        fresh, out_dir=out_dir, poc=poc, seed=seed, earlier=frame
    )
    limits = monitoring.propose_thresholds(
        frame.iloc[split.train],
        features=models.tabular_columns(frame, poc=poc),
        poc=poc,
        baseline_kpi=poc_kpi.baseline if poc_kpi is not None else None,
    )
    evidence = BeyondEvidence(
        drift=report,
        alerts=report.alerts,
        record=monitoring.contract_record(fresh, contract=contract),
        fresh=FreshBatchFacts(
            source=fresh.source,
            rows=len(fresh.rows),
            labelled=fresh.labelled,
            contract_passed=contract.passed,
            expectations=contract.evaluated,
            failed=contract.failed,
        ),
        fresh_kpi=scored.kpi,
        thresholds=limits,
    )
    outcome = journey.StageOutcome(
        stage=STAGE,
        status=journey.PASSED,
        summary=summary(evidence),
        reasons=reasons(evidence),
        evidence=evidence,
    )
    return BeyondPoc(outcome=outcome, contract=contract, scored=scored, poc_kpi=poc_kpi)


def _drift(
    frame: pd.DataFrame, *, split: Holdout, fresh: FreshBatch, poc: Charter
) -> DriftReport:
    thresholds = poc.need("drift")
    reference, reference_name = monitoring.drift_reference(
        frame.iloc[split.train], fresh, poc=poc, periods=len(split.train_periods)
    )
    return drift.feature_drift(
        reference,
        fresh.rows,
        columns=models.tabular_columns(frame, poc=poc),
        warning=thresholds.psi_warning,
        alert=thresholds.psi_alert,
        ks_alert=thresholds.ks_alert,
        reference_name=reference_name,
        current_name=fresh.source,
    )


def fresh_kpi_summary(evidence: BeyondEvidence) -> str:
    """The lift on the fresh batch in one phrase, or why it was not measured."""
    if evidence.fresh_kpi is not None:
        return lift_summary(evidence.fresh_kpi)
    return monitoring.NO_MODEL if evidence.fresh.labelled else monitoring.NO_LABELS


def contract_summary(evidence: BeyondEvidence) -> str:
    """How many of the contract's expectations the fresh batch meets, and where."""
    fresh = evidence.fresh
    met = fresh.expectations - fresh.failed
    return f"{met} of {fresh.expectations} expectations met on {fresh.source}"


def summary(evidence: BeyondEvidence) -> str:
    """Stage 5 in one line: features shifted, alerts, and the lift on the batch."""
    shifted = _shifted(evidence)
    return (
        f"{len(shifted)} of {len(evidence.drift.features)} features shifted, "
        f"{len(evidence.alerts)} past an alert; "
        f"fresh batch: {fresh_kpi_summary(evidence)}"
    )


def reasons(evidence: BeyondEvidence) -> list[str]:
    """Each feature that shifted, with its PSI and level."""
    return [f"{f.feature}: PSI {f.psi:.3f} ({f.level})" for f in _shifted(evidence)]


def _shifted(evidence: BeyondEvidence) -> list[drift.FeatureDrift]:
    return [f for f in evidence.drift.features if f.level != "stable"]
