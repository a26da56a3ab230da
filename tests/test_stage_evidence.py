"""Stages 1-3 build typed evidence, save it and read it back as the same type."""

import dataclasses
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from tiny import make_example

from playbook import charter
from playbook.charter import business_stage, team_stage
from playbook.charter.business_stage import BusinessEvidence
from playbook.charter.team_stage import TeamEvidence
from playbook.core import journey
from playbook.data import contracts, strategy_stage
from playbook.data.strategy_stage import DataStrategyEvidence
from playbook.run import evidence_types, manifest
from playbook.tasks import models, poc_stage

MISSING_COLUMN_RULE = (
    "  - type: expect_column_values_to_not_be_null\n    column: loyalty_tier\n"
)


def same(a, b) -> bool:
    """Equal, field by field, with NaN equal to NaN and the types kept."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, list | tuple):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and list(a) == list(b)
            and all(same(a[key], b[key]) for key in a)
        )
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return type(a) is type(b) and a == b


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return charter.load(make_example(tmp_path_factory.mktemp("tiny") / "example"))


@pytest.fixture(scope="module")
def data_stage(tiny):
    return strategy_stage.build(
        tiny, path=None, seed=42, excluded_columns=models.excluded_columns
    )


def _edited(tmp_path, edit):
    path = make_example(tmp_path / "example")
    raw = yaml.safe_load(path.read_text())
    edit(raw)
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return charter.load(path)


# --- stage 1 --------------------------------------------------------------------------


def test_business_evidence_saved_and_loaded_is_equal(tiny, tmp_path):
    outcome = business_stage.build(tiny)

    journey.save(tmp_path, outcome)
    loaded = journey.load(tmp_path, business_stage.STAGE, BusinessEvidence)

    assert same(loaded.evidence, outcome.evidence)
    assert loaded == outcome


def test_stage_1_passes_the_tiny_charter_with_its_warnings_as_reasons(tiny):
    outcome = business_stage.build(tiny)

    found = outcome.evidence.review
    assert (outcome.stage, outcome.status, outcome.gate) == (
        "01_business_question",
        journey.PASSED,
        "charter",
    )
    assert found.blockers == []
    assert outcome.reasons == found.warnings
    assert outcome.summary == (
        f"{found.answered} of {len(found.questions)} questions answered; "
        f"0 blocker(s), {len(found.warnings)} warning(s)"
    )
    assert outcome.evidence.value.min_lift_per_period == tiny.kpi.min_lift
    assert outcome.evidence.timeline.fits


def test_stage_1_stops_at_the_charter_gate_with_the_blockers_as_reasons(tmp_path):
    poc = _edited(tmp_path, lambda raw: raw.pop("baseline"))

    outcome = business_stage.build(poc)

    assert (outcome.status, outcome.gate) == (journey.STOPPED, "charter")
    assert outcome.reasons == outcome.evidence.review.blockers
    assert "How is the problem solved today" in outcome.reasons[0]


# --- stage 2 --------------------------------------------------------------------------


def test_team_evidence_saved_and_loaded_is_equal(tiny, tmp_path):
    outcome = team_stage.build(tiny)

    journey.save(tmp_path, outcome)
    loaded = journey.load(tmp_path, team_stage.STAGE, TeamEvidence)

    assert same(loaded.evidence, outcome.evidence)
    assert loaded == outcome


def test_stage_2_passes_and_names_each_gap_as_a_reason(tmp_path):
    def no_engineer(raw):
        raw["team"]["roles"]["ml_engineer"] = None

    outcome = team_stage.build(_edited(tmp_path, no_engineer))

    coverage = outcome.evidence.coverage
    assert (outcome.stage, outcome.status, outcome.gate) == (
        "02_team",
        journey.PASSED,
        None,
    )
    assert outcome.reasons == [f"No one holds the role: {g}" for g in coverage.gaps]
    assert any(
        reason.startswith("No one holds the role: ML") for reason in outcome.reasons
    )
    assert outcome.summary.startswith(
        f"{coverage.covered} of {len(coverage.roles)} roles staffed"
    )


# --- stage 3 --------------------------------------------------------------------------


def test_data_strategy_evidence_saved_and_loaded_is_equal(data_stage, tmp_path):
    journey.save(tmp_path, data_stage.outcome)
    loaded = journey.load(tmp_path, strategy_stage.STAGE, DataStrategyEvidence)

    assert same(loaded.evidence, data_stage.evidence)
    assert (loaded.status, loaded.summary, loaded.reasons, loaded.gate) == (
        data_stage.outcome.status,
        data_stage.outcome.summary,
        data_stage.outcome.reasons,
        data_stage.outcome.gate,
    )


def test_stage_3_passes_the_tiny_data_and_returns_what_its_page_shows(data_stage, tiny):
    found = data_stage.evidence

    assert (data_stage.outcome.status, data_stage.outcome.gate) == (
        journey.PASSED,
        "data_contract",
    )
    assert data_stage.outcome.reasons == [
        "The time column is read as ISO date (YYYY-MM-DD), the same way in every "
        "stage: its periods are ordered in time.",
        "Every row has a label in 'churned'.",
    ]
    assert found.rows == 3000
    assert found.columns == len(data_stage.profile)
    assert found.contract.passed and found.contract.failed == 0
    assert found.excluded[tiny.data.target] == "the target"
    assert [row.label for row in found.balance.labels] == list(
        data_stage.balance["label"]
    )
    assert sum(row.rows for row in found.balance.labels) == found.rows
    assert found.balance.statistics == []
    assert data_stage.periods is not None and data_stage.periods["rows"].sum() == 3000
    assert data_stage.outcome.summary.startswith("3,000 rows; 0 PII column(s); ")
    assert data_stage.outcome.summary.endswith(
        f"contract churn: {found.contract.evaluated} of {found.contract.evaluated} "
        "expectations met"
    )


@pytest.fixture(scope="module")
def leaky_run(tiny, tmp_path_factory):
    """Stage 3 saved in a run folder, on the tiny data with PII and a leak added."""
    folder = tmp_path_factory.mktemp("leaky")
    frame = pd.read_csv(tiny.data.path)
    churned = frame[tiny.data.target].astype(str)
    frame = frame.assign(
        email=[f"user{i}@example.com" for i in range(len(frame))],
        cancel_code=np.where(churned == str(tiny.data.positive_label), "C9", "none"),
    )
    path = folder / "leaky_SYNTHETIC.csv"
    frame.to_csv(path, index=False)
    stage = strategy_stage.build(
        tiny, path=path, seed=42, excluded_columns=models.excluded_columns
    )
    journey.save(folder / "run", stage.outcome)
    return folder / "run", path, stage.evidence


def test_stage_3s_findings_reused_keep_out_the_same_columns_to_the_letter(
    tiny, leaky_run
):
    run_dir, path, stage3 = leaky_run

    rows = poc_stage.read(tiny, path=path, run_dir=run_dir)
    reused = models.excluded_columns(
        rows.frame,
        poc=tiny,
        personal=rows.findings.personal,
        leaks=rows.findings.leaks,
    )

    assert rows.findings is not None
    assert reused == models.excluded_columns(rows.frame, poc=tiny) == stage3.excluded
    assert reused["email"].startswith("personal data (e-mail address)")
    assert reused["cancel_code"].startswith("possible leak")
    assert models.tabular_columns(
        rows.frame, poc=tiny, findings=rows.findings
    ) == models.tabular_columns(rows.frame, poc=tiny)


def _older_evidence(run_dir, path, poc):
    saved = journey.load(run_dir, strategy_stage.STAGE, DataStrategyEvidence)
    journey.save(
        run_dir,
        dataclasses.replace(
            saved, evidence=dataclasses.replace(saved.evidence, findings_key=None)
        ),
    )
    return run_dir, path, poc


def _other_bytes(run_dir, path, poc):
    changed = path.with_name("changed_SYNTHETIC.csv")
    changed.write_text(path.read_text().replace("user7@", "user8@", 1))
    return run_dir, changed, poc


def _leaks_allowed(run_dir, path, poc):
    edited = dataclasses.replace(
        poc.data, allow_leaks=(*poc.data.allow_leaks, "cancel_code")
    )
    return run_dir, path, dataclasses.replace(poc, data=edited)


@pytest.mark.parametrize(
    "changed",
    [
        lambda run_dir, path, poc: (run_dir.parent / "empty", path, poc),
        lambda run_dir, path, poc: (None, path, poc),
        _older_evidence,
        _other_bytes,
        _leaks_allowed,
    ],
    ids=["no stage 3", "no run", "older evidence", "other data", "charter edited"],
)
def test_stage_3s_findings_are_found_again_when_they_may_not_hold(
    tiny, leaky_run, tmp_path, changed
):
    run_dir, path, _ = leaky_run
    copied = tmp_path / "run"
    shutil.copytree(run_dir, copied)
    where, data_path, poc = changed(copied, Path(shutil.copy(path, tmp_path)), tiny)

    assert poc_stage.read(tiny, path=path, run_dir=run_dir).findings is not None
    assert poc_stage.read(poc, path=data_path, run_dir=where).findings is None


def test_stage_3_stops_at_the_data_contract_naming_the_failed_expectation(tmp_path):
    path = make_example(tmp_path / "example")
    contract = path.parent / "churn.checks.yaml"
    contract.write_text(contract.read_text() + MISSING_COLUMN_RULE)

    result = strategy_stage.build(
        charter.load(path), path=None, seed=42, excluded_columns=models.excluded_columns
    )

    outcome = result.outcome
    assert (outcome.status, outcome.gate) == (journey.STOPPED, "data_contract")
    assert outcome.reasons == contracts.failure_reasons(result.evidence.contract)
    assert outcome.reasons == [
        "churn.checks.yaml: expect_column_values_to_not_be_null on loyalty_tier: "
        "expected no missing values, found column 'loyalty_tier' is absent"
    ]


# --- the manifest ---------------------------------------------------------------------


def test_the_manifest_records_each_gate_from_its_typed_evidence(
    tiny, data_stage, tmp_path
):
    record = {"gates": [], "kpi": None, "decision": None, "reasons": []}
    journey.save(tmp_path, business_stage.build(tiny))
    journey.save(tmp_path, data_stage.outcome)

    for key in (business_stage.STAGE, strategy_stage.STAGE):
        manifest.record_outcome(record, evidence_types.load_outcome(tmp_path, key))
    manifest.write(tmp_path, record)

    written = json.loads((tmp_path / "manifest.json").read_text())["gates"]
    assert record["gates"] == written  # plain JSON in memory too, as the runner returns
    charter_gate, data_gate = written
    assert (
        set(charter_gate)
        == set(data_gate)
        == {
            "gate",
            "stage",
            "passed",
            "reasons",
            "details",
        }
    )
    assert (charter_gate["gate"], charter_gate["passed"]) == ("charter", True)
    assert charter_gate["details"] == []
    assert data_gate["details"] == journey.to_jsonable(data_stage.evidence.contract)
    assert set(data_gate["details"]) == {
        "suite",
        "passed",
        "evaluated",
        "failed",
        "results",
        "source",
        "docs_page",
    }


def test_an_outcome_saved_without_evidence_records_no_gate(tmp_path):
    journey.save(
        tmp_path,
        journey.StageOutcome(
            stage=business_stage.STAGE, status="passed", summary="ok", evidence=None
        ),
    )

    outcome = evidence_types.load_outcome(tmp_path, business_stage.STAGE)
    record = {"gates": [], "kpi": None, "decision": None, "reasons": []}
    manifest.record_outcome(record, outcome)

    assert (outcome.summary, outcome.evidence) == ("ok", None)
    assert record["gates"] == []


def test_evidence_saved_as_a_mapping_is_refused_before_anything_is_written(tmp_path):
    outcome = journey.StageOutcome(
        stage=business_stage.STAGE,
        status=journey.PASSED,
        summary="ok",
        evidence={"review": "loose"},
    )
    with pytest.raises(journey.EvidenceError, match="evidence is a dict"):
        journey.save(tmp_path, outcome)
    assert not (tmp_path / "results").exists()
