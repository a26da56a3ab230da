"""Stage 4 in one call: its typed evidence, its files, what the manifest copies."""

import dataclasses
import json
import math

import pandas as pd
import pytest
from tiny import make_example

from playbook import charter, data
from playbook.core import journey
from playbook.report import poc_sections
from playbook.run import evidence_types, manifest
from playbook.serve import saved_model
from playbook.tasks import kpi, poc_stage
from playbook.tasks.poc_stage import PocEvidence
from playbook.tasks.segments import Segment


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Stage 4 on the tiny example, with region as a sensitive attribute."""
    folder = tmp_path_factory.mktemp("poc_stage")
    poc = charter.load(make_example(folder / "example"))
    poc = dataclasses.replace(
        poc, data=dataclasses.replace(poc.data, sensitive=("region",))
    )
    frame = data.read(poc)
    # A trial count, not a time budget: the test does not depend on the machine's speed.
    return poc_stage.build(frame, poc=poc, seed=42, tuning_seconds=0, trials=2)


def _same(saved, loaded):
    """Equal, field by field, with NaN equal to NaN."""
    if dataclasses.is_dataclass(saved):
        return type(saved) is type(loaded) and all(
            _same(getattr(saved, f.name), getattr(loaded, f.name))
            for f in dataclasses.fields(saved)
        )
    if isinstance(saved, dict):
        return saved.keys() == loaded.keys() and all(
            _same(saved[k], loaded[k]) for k in saved
        )
    if isinstance(saved, list | tuple):
        return len(saved) == len(loaded) and all(
            _same(a, b) for a, b in zip(saved, loaded, strict=True)
        )
    if isinstance(saved, float) and math.isnan(saved):
        return isinstance(loaded, float) and math.isnan(loaded)
    return saved == loaded


def test_saved_evidence_loads_back_as_the_same_evidence(built, tmp_path):
    journey.save(tmp_path, built.outcome)
    loaded = journey.load(tmp_path, poc_stage.STAGE, PocEvidence)
    assert isinstance(loaded.evidence, PocEvidence)
    assert loaded.evidence.fairness_groups, "the round trip should carry groups"
    assert _same(built.evidence, loaded.evidence)
    assert (loaded.status, loaded.summary, loaded.reasons, loaded.gate) == (
        built.outcome.status,
        built.outcome.summary,
        built.outcome.reasons,
        built.outcome.gate,
    )


def test_summary_and_reasons_are_written_from_the_decision(built):
    found = built.evidence
    assert built.outcome.stage == "04_poc"
    assert built.outcome.status == journey.PASSED
    assert built.outcome.summary == (
        f"{found.decision.decision}: {kpi.lift_summary(found.kpi)}"
    )
    assert built.outcome.reasons == found.decision.reasons
    assert found.tuning_trials == len(found.candidates) == 2


def test_segments_and_groups_are_no_smaller_than_their_minimum(built):
    assert built.segments
    assert all(s.rows >= poc_stage.SEGMENT_MIN_ROWS for s in built.segments)
    assert all(
        s.rows >= poc_stage.GROUP_MIN_ROWS for s in built.evidence.fairness_groups
    )
    assert {s.feature for s in built.evidence.fairness_groups} == {"region"}


def test_the_evidence_keeps_only_the_worst_losing_segments(built):
    many = [
        Segment("f", str(i), 100, 0.0, i, -i, -i - 1, -i + 0.5, 0.95)
        for i in range(30, 0, -1)
    ]
    # Below zero on its point, but its interval reaches zero: not a losing segment.
    unsure = Segment("f", "unsure", 100, 0.0, 40.0, -40.0, -90.0, 10.0, 0.95)
    winning = Segment("f", "good", 100, 5.0, 1.0, 4.0, 2.0, 6.0, 0.95)
    found = poc_stage.evidence(
        built.comparison,
        measured_latency=built.evidence.latency,
        feature_segments=[unsure, *many, winning],
        sensitive_groups=[],
    )
    assert found.losing_segments == many[: poc_stage.LOSING_SEGMENTS_KEPT]


def test_save_stage_writes_the_model_its_card_and_the_test_scores(built, tmp_path):
    saved = saved_model.save_stage(tmp_path, built)
    assert saved.model_dir == tmp_path / journey.MODEL_DIR
    assert saved_model.card_path(tmp_path).is_file()
    assert "region" in saved_model.card_path(tmp_path).read_text()
    assert saved_model.load(tmp_path).features == built.comparison.features
    scores = pd.read_csv(saved.test_scores)
    assert len(scores) == len(built.comparison.rows)


def test_the_manifest_copies_the_kpi_and_decision_of_typed_evidence(built, tmp_path):
    journey.save(tmp_path, built.outcome)
    record = {"gates": [], "kpi": None, "decision": None, "reasons": []}
    manifest.record_outcome(
        record, evidence_types.load_outcome(tmp_path, poc_stage.STAGE)
    )
    report = built.evidence.kpi
    assert record["kpi"] == {
        name: getattr(report, name)
        for name in (
            "metric",
            "unit",
            "period",
            "baseline_name",
            "baseline",
            "model",
            "lift",
            "lift_ci_low",
            "lift_ci_high",
            "min_lift",
            "relative_lift",
            "confidence",
        )
    }
    assert record["decision"] == built.evidence.decision.decision
    assert record["reasons"] == built.evidence.decision.reasons
    assert record["gates"] == []


def test_the_runner_reads_stage_4_typed_and_a_bare_envelope_as_no_evidence(
    built, tmp_path
):
    journey.save(tmp_path, built.outcome)
    journey.save(
        tmp_path,
        journey.StageOutcome(
            stage="02_team", status="passed", summary="s", evidence=None
        ),
    )
    typed = evidence_types.load_outcome(tmp_path, poc_stage.STAGE)
    bare = evidence_types.load_outcome(tmp_path, "02_team")
    assert isinstance(typed.evidence, PocEvidence)
    assert (bare.summary, bare.evidence) == ("s", None)
    assert evidence_types.load_outcome(tmp_path, "05_beyond_poc") is None


def test_stage_4_evidence_saved_as_a_mapping_is_refused_by_name(tmp_path):
    path = tmp_path / "results" / "04_poc.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps(
            {
                "schema_version": journey.SCHEMA_VERSION,
                "evidence_type": "builtins.dict",
                "stage": "04_poc",
                "status": "passed",
                "summary": "s",
                "evidence": {"task": "top_k"},
            }
        )
    )
    with pytest.raises(journey.EvidenceError, match=r"holds builtins\.dict evidence"):
        evidence_types.load_outcome(tmp_path, poc_stage.STAGE)


def test_every_section_of_the_notebook_shows_without_error(built, tmp_path, capsys):
    poc_sections.decision(built)
    poc_sections.ladder(built)
    poc_sections.kpi_by_period(built)
    poc_sections.split(built)
    poc_sections.candidates(built)
    poc_sections.how_the_model_decides(built)
    poc_sections.losing_segments(built)
    poc_sections.latency(built)
    poc_sections.saved_files(saved_model.save_stage(tmp_path, built))
    shown = capsys.readouterr().out
    assert "Prediction time (ms)" in shown
    assert "model/: the model, its data contract and model_card.md" in shown
    assert "scores/test.csv: every policy's decisions on the test rows" in shown
    assert built.evidence.refitted and "was not fitted again" not in shown
    kept = dataclasses.replace(
        built,
        outcome=dataclasses.replace(
            built.outcome,
            evidence=dataclasses.replace(built.evidence, refitted=False),
        ),
    )
    poc_sections.candidates(kept)
    assert "The chosen setting was not fitted again on every training row" in (
        capsys.readouterr().out
    )
    assert built.tuning_budget is None and "Tuning had" not in shown
    halved = dataclasses.replace(built, tuning_seconds=5.0, tuning_budget=2.5)
    poc_sections.candidates(halved)
    shown = capsys.readouterr().out
    assert "(budget 2.5 s)" in shown
    once = dataclasses.replace(
        halved,
        outcome=dataclasses.replace(
            built.outcome,
            evidence=dataclasses.replace(built.evidence, tuning_trials=1),
        ),
    )
    poc_sections.candidates(once)
    assert "1 setting fitted in" in capsys.readouterr().out
    assert "Tuning had 2.5 s of the 5 s budget: on data this wide (" in shown


def test_wide_data_is_tuned_on_a_share_of_the_budget_narrow_data_on_all_of_it():
    wide = poc_stage.models.PACKED_ABOVE_COLUMNS + 1
    assert poc_stage.tuning_budget(5.0, columns=wide - 1) == 5.0
    assert poc_stage.tuning_budget(5.0, columns=wide) == 5.0 * (
        poc_stage.WIDE_TUNING_SHARE
    )
    assert 0 < poc_stage.WIDE_TUNING_SHARE < 1
