"""Stages 5-7 building blocks: saved model, scoring, fresh batch, history, readiness."""

import dataclasses
import io
import json
import shutil
import tempfile
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.pandas import column, data_frames, range_indexes
from tiny import make_example, save_model

from playbook import charter, data
from playbook.beyond import (
    beyond_stage,
    history,
    iterate_stage,
    monitoring,
    reproducibility,
    scale_up_stage,
    shadow,
)
from playbook.beyond import readiness as production
from playbook.core import journey
from playbook.data import contracts
from playbook.errors import EvidenceError, ModelError, PlaybookError
from playbook.serve import saved_model
from playbook.serve import scoring as score
from playbook.tasks import (
    calibration,
    evaluation,
    holdout,
    latency,
    reproduction,
    segments,
    top_k,
)
from playbook.tasks.kpi import KpiReport
from playbook.tasks.poc_stage import PocEvidence
from tests.korean_text import HANGUL, english_in


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny example with stage 4's comparison done and its model saved."""
    folder = tmp_path_factory.mktemp("built")
    poc = charter.load(make_example(folder / "example"))
    frame = data.load(poc.data.path)
    result = evaluation.compare(frame, poc=poc, seed=42)
    run = save_model(
        poc, frame, result, folder=folder, seed=42, repeats=3, single_rows=20
    )
    return poc, frame, result, run


def test_saved_model_reloads_and_predicts_the_same(built):
    poc, frame, result, run = built
    model = saved_model.load(run)
    rows = frame.iloc[result.holdout.test][result.features]
    assert np.array_equal(
        model.pipeline.predict_proba(rows), result.model.predict_proba(rows)
    )
    assert model.features == result.features
    assert model.capacity_per_period == poc.kpi.capacity_per_period
    card = (run / "model" / "model_card.md").read_text()
    assert "SYNTHETIC" in card and "Limits" in card


def test_loading_a_model_from_an_empty_folder_says_where_to_point(tmp_path):
    with pytest.raises(ModelError, match="no saved model here"):
        saved_model.load(tmp_path)


def test_score_file_writes_a_call_list_per_period(built, tmp_path):
    poc, _, _, run = built
    new = data.load(poc.data.fresh).drop(columns=[poc.data.target])
    new.to_csv(tmp_path / "new.csv", index=False)
    result = score.score_file(
        run, tmp_path / "new.csv", out=tmp_path / "s.csv", force=False
    )
    scores = pd.read_csv(tmp_path / "s.csv")
    assert result.rows == len(new) == len(scores)
    per_period = scores.groupby("period")["contact"].sum()
    assert (per_period == poc.kpi.capacity_per_period).all()
    assert scores["probability"].between(0, 1).all()


def test_score_file_refuses_data_that_breaks_the_contract_and_writes_nothing(
    built, tmp_path
):
    poc, _, _, run = built
    bad = data.load(poc.data.fresh).drop(columns=[poc.data.target])
    bad.loc[bad.index[:7], "contract"] = "lifetime"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(
        score.ContractBroken, match="expect_column_values_to_be_in_set on contract"
    ) as raised:
        score.score_file(run, tmp_path / "bad.csv", out=tmp_path / "s.csv", force=False)
    assert raised.value.exit_code == 2
    assert not (tmp_path / "s.csv").exists()


def test_score_file_never_replaces_an_output_without_force(built, tmp_path):
    _, _, _, run = built
    (tmp_path / "s.csv").write_text("keep me")
    with pytest.raises(PlaybookError, match="pass --force"):
        score.score_file(run, tmp_path / "x.csv", out=tmp_path / "s.csv", force=False)
    assert (tmp_path / "s.csv").read_text() == "keep me"


def test_label_free_suite_drops_only_what_concerns_the_label(built):
    poc, _, _, _ = built
    suite = contracts.load_suite(poc.data.checks)
    trimmed = score.label_free(suite, poc.data.target)
    assert len(trimmed.expectations) < len(suite.expectations)
    assert all(poc.data.target not in (e.column or "") for e in trimmed.expectations)
    column_sets = [
        e.kwargs["column_set"] for e in trimmed.expectations if "column_set" in e.kwargs
    ]
    assert column_sets and all(poc.data.target not in s for s in column_sets)


def test_fresh_batch_is_the_charter_file_and_never_the_test_rows(built):
    poc, _, _, _ = built
    named = monitoring.fresh_batch(poc)
    assert named.source.startswith("churn_fresh_SYNTHETIC.csv")
    assert named.sha256 == data.sha256(poc.data.fresh)
    assert monitoring.fresh_batch(_without_fresh(poc)) is None


def _without_fresh(poc):
    return dataclasses.replace(poc, data=dataclasses.replace(poc.data, fresh=None))


def test_score_fresh_compares_both_policies_on_the_fresh_rows(built):
    poc, _, _, run = built
    fresh = monitoring.fresh_batch(poc)
    later = monitoring.score_fresh(fresh, out_dir=run, poc=poc, seed=42)
    assert later.kpi.test_rows == len(fresh.rows)
    assert later.summary.startswith("lift ")
    missing_model = monitoring.score_fresh(
        fresh, out_dir=run / "nowhere", poc=poc, seed=42
    )
    assert missing_model.kpi is None
    assert "did not save a model" in missing_model.summary
    nothing = monitoring.score_fresh(None, out_dir=run, poc=poc, seed=42)
    assert (nothing.kpi, nothing.summary) == (None, monitoring.NO_FRESH)


def test_fresh_rows_waiting_for_a_label_are_left_out_of_the_fresh_kpi(built):
    poc, _, _, run = built
    fresh = monitoring.fresh_batch(poc)
    waiting = fresh.rows[poc.data.target].astype(object)
    waiting.iloc[: len(waiting) // 3] = None
    partly = dataclasses.replace(
        fresh, rows=fresh.rows.assign(**{poc.data.target: waiting})
    )
    later = monitoring.score_fresh(partly, out_dir=run, poc=poc, seed=42)
    assert later.kpi.test_rows == len(fresh.rows) - len(fresh.rows) // 3

    none = dataclasses.replace(fresh, rows=fresh.rows.assign(**{poc.data.target: None}))
    unlabelled = monitoring.score_fresh(none, out_dir=run, poc=poc, seed=42)
    assert (unlabelled.kpi, unlabelled.summary) == (None, monitoring.NO_LABELS)


def test_proposed_thresholds_cover_every_numeric_feature_and_the_kpi(built):
    poc, frame, result, _ = built
    limits = monitoring.propose_thresholds(
        frame.iloc[result.holdout.train],
        features=result.features,
        poc=poc,
        baseline_kpi=result.kpi.baseline,
    )
    ranges = {t.feature for t in limits if t.watch == "range"}
    numeric = {f for f in result.features if pd.api.types.is_numeric_dtype(frame[f])}
    assert ranges == numeric
    assert any(t.watch == "KPI" for t in limits)


def test_history_reads_runs_of_the_same_poc_and_says_what_changed(tmp_path):
    def manifest(folder, **fields):
        folder.mkdir(parents=True)
        record = {
            "poc": "p",
            "run_id": folder.name,
            "charter_sha256": "c1",
            "data_sha256": "d1",
            "seed": 1,
            "packages": {"playbook": "0.1.0"},
            "kpi": {
                "lift": 5.0,
                "lift_ci_low": 1.0,
                "lift_ci_high": 9.0,
                "min_lift": 2.0,
                "unit": "KRW",
            },
        }
        record.update(fields)
        (folder / "manifest.json").write_text(json.dumps(record))

    manifest(tmp_path / "p" / "20260101-000000-000001")
    manifest(tmp_path / "p" / "20260102-000000-000001", data_sha256="d2", seed=2)
    manifest(tmp_path / "p" / "20260103-000000-000001", poc="other")
    (tmp_path / "p" / "20260104-000000-000001").mkdir()  # a run still starting
    past = history.runs(tmp_path / "p" / "20260102-000000-000001", poc="p")
    assert [run.run_id for run in past] == [
        "20260101-000000-000001",
        "20260102-000000-000001",
    ]
    assert past[0].changed == "first run"
    assert past[1].changed == "data; seed"


def _scored(value, model, today, period):
    """Scored rows in the shape every task writes (`comparison.SCORE_COLUMNS`)."""
    value, model, today = np.array(value), np.array(model), np.array(today)
    return pd.DataFrame(
        {
            "period": period,
            "decision_model": model.astype(int),
            "decision_today": today.astype(int),
            "value_model": np.where(model, value, 0.0),
            "value_today": np.where(today, value, 0.0),
        }
    )


def test_groups_show_what_each_policys_own_decisions_earned_in_them():
    scores = _scored(
        [10.0, 10.0, -1.0, -1.0, 10.0, -1.0],
        [True, False, True, True, True, False],
        [False, True, False, False, True, True],
        ["a"] * 6,
    )
    features = pd.DataFrame({"plan": ["x", "y", "x", "x", "y", "y"]})
    found = segments.compare(
        scores,
        features,
        columns=["plan"],
        min_rows=1,
        confidence=0.95,
        equal_contacts=False,
    )
    by_name = {s.segment: s for s in found}
    assert by_name["x"].model_value == 8.0 and by_name["x"].today_value == 0.0
    assert by_name["y"].model_value == 10.0 and by_name["y"].today_value == 19.0
    assert found[0].segment == "y" and found[0].lift == -9.0


def test_shadow_replay_counts_disagreements_and_each_policys_earnings():
    scores = _scored(
        [10.0, -1.0, 10.0, -1.0],
        [True, False, True, True],
        [True, True, False, True],
        ["a", "a", "b", "b"],
    )
    replay = shadow.replay(scores, source="test")
    assert (replay.acted_by_model, replay.acted_by_today) == (3, 3)
    assert replay.acted_by_both == 2
    assert replay.disagreement == pytest.approx(2 / 4)
    assert replay.model_value == pytest.approx((10 + 10 - 1) / 2)
    assert replay.today_value == pytest.approx((10 - 1 - 1) / 2)


def test_shadow_replay_of_forecasts_counts_forecasts_apart_by_more_than_a_tenth():
    scores = pd.DataFrame(
        {
            "period": ["a", "a", "a"],
            "decision_model": [100.0, 50.0, 0.05],
            "decision_today": [105.0, 80.0, 0.0],
            "value_model": [-1.0, -2.0, -3.0],
            "value_today": [-2.0, -2.0, -2.0],
        }
    )
    replay = shadow.replay(scores, source="test", task="forecast")
    # 100 vs 105 is within a tenth; 50 vs 80 is not; 0.05 vs 0 is within 0.1 x 1.
    assert replay.differ == 1 and replay.acted_by_model is None
    assert replay.model_value == -6.0 and replay.today_value == -6.0


def _poc_outcome(result, *, lift_ci_low, batch_p95_ms, meets):
    """Stage 4's outcome as the notebook saves it, with the KPI and latency given."""
    speed = latency.LatencyReport(
        mode="batch",
        budget_ms=100.0,
        batch_rows=100,
        batch_p50_ms=batch_p95_ms,
        batch_p95_ms=batch_p95_ms,
        row_p50_ms=1.0,
        row_p95_ms=1.0,
        meets=meets,
        judged_on="p95",
    )
    evidence = PocEvidence(
        task=result.task,
        kpi=dataclasses.replace(result.kpi, lift_ci_low=lift_ci_low),
        decision=result.decision,
        split=result.holdout.description,
        ladder=result.ladder,
        model_name=result.model_name,
        candidates=result.candidates,
        tuning_trials=len(result.candidates),
        experiment_inputs=result.experiment_inputs,
        latency=speed,
    )
    return journey.StageOutcome(
        stage="04_poc", status="passed", summary="s", reasons=["r"], evidence=evidence
    )


def test_readiness_changes_when_its_evidence_changes(built):
    _, _, result, _ = built
    good = production.RunEvidence(
        poc=_poc_outcome(result, lift_ci_low=1.0, batch_p95_ms=5.0, meets=True),
        model_card="model/model_card.md",
    )
    bad = production.RunEvidence(
        poc=_poc_outcome(result, lift_ci_low=-1.0, batch_p95_ms=500.0, meets=False),
        model_card="model/model_card.md",
    )

    def status(earlier, text):
        ready = production.readiness(earlier, run=None, own=[])
        return next(i.status for i in ready.items if i.item.startswith(text))

    assert status(good, "The model beats") == production.MET
    assert status(bad, "The model beats") == production.NOT_MET
    assert status(good, "Prediction latency") == production.MET
    assert status(bad, "Prediction latency") == production.NOT_MET
    assert status(production.RunEvidence(), "The model beats") == production.NOT_RUN


@pytest.fixture(scope="module")
def rerun(built, tmp_path_factory):
    """A run folder as stage 4 leaves it: model, scores, evidence with a sample fit."""
    poc, frame, result, run = built
    folder = tmp_path_factory.mktemp("rerun")
    shutil.copytree(run / journey.MODEL_DIR, folder / journey.MODEL_DIR)
    # Written as stage 4 writes them: ids as keyed hashes, cells spreadsheet-safe.
    saved_model.save_scores(folder, journey.TEST_SCORES, result.rows, poc=poc)
    held_out = evaluation.held_out(frame, poc=poc, seed=42)
    fitted = reproduction.sample_fit(
        held_out[0],
        model=result.model,
        features=result.features,
        poc=poc,
        task=result.task,
        seed=42,
    )
    outcome = _poc_outcome(result, lift_ci_low=1.0, batch_p95_ms=5.0, meets=True)
    # Stage 4's KPI as stage 7 reads it: saved as JSON and read back.
    kpi = journey.from_jsonable(KpiReport, journey.to_jsonable(result.kpi))
    stage4 = dataclasses.replace(outcome.evidence, kpi=kpi, sample_fit=fitted)
    return poc, folder, held_out, stage4


def test_reproducibility_is_met_on_an_untouched_run_and_says_what_it_checked(rerun):
    poc, folder, held_out, stage4 = rerun
    item = reproducibility.check(stage4, folder, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.MET and item.problem is None
    rows = len(held_out[1])
    assert rows <= reproducibility.RESCORED_ROWS
    assert f"re-scored all {rows:,} test rows with the saved model" in item.evidence
    assert "ids and scores identical" in item.evidence
    assert "equals stage 4's to the last digit" in item.evidence
    assert f"{stage4.sample_fit.rows:,}-row training sample" in item.evidence
    assert "bit for bit" in item.evidence


def test_reproducibility_fails_when_one_saved_prediction_moves_by_one_ulp(
    rerun, tmp_path
):
    poc, folder, held_out, stage4 = rerun
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    saved = journey.read_table(tmp_path, journey.TEST_SCORES)
    saved.loc[5, "model_score"] = np.nextafter(saved.loc[5, "model_score"], 2.0)
    journey.save_table(tmp_path, journey.TEST_SCORES, saved)
    item = reproducibility.check(stage4, tmp_path, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.NOT_MET
    assert f"re-scoring {len(saved):,} of the {len(saved):,} test rows" in item.problem
    assert "changes 1 of their saved scores" in item.problem
    assert "(in model_score)" in item.problem


@pytest.fixture
def sampled(rerun, monkeypatch):
    """The run re-checked with a sample of 40 test rows: what a large run does."""
    monkeypatch.setattr(reproducibility, "RESCORED_ROWS", 40)
    poc, folder, held_out, stage4 = rerun
    picked = set(reproducibility.rescored_positions(len(held_out[1]), seed=42))
    assert len(picked) == 40
    return poc, folder, held_out, stage4, picked


def test_a_sample_says_so_and_a_tampered_saved_score_outside_it_moves_the_kpi(
    sampled, tmp_path
):
    poc, folder, held_out, stage4, picked = sampled
    item = reproducibility.check(stage4, folder, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.MET, item.problem
    assert (
        f"re-scored a seeded sample of 40 of the {len(held_out[1]):,} test rows"
        in item.evidence
    )
    assert "recomputed from the saved scores of every test row" in item.evidence
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    saved = journey.read_table(tmp_path, journey.TEST_SCORES)
    # A churner the model did not list, outside the sample, raised to the top
    # score: it moves the list, so the values and the KPI recomputed from the
    # saved scores.
    unlisted = (saved["decision_model"] == 0) & (saved["actual"] == 1)
    row = saved.index[unlisted].difference(list(picked))[0]
    saved.loc[row, "model_score"] = 1.0
    journey.save_table(tmp_path, journey.TEST_SCORES, saved)
    item = reproducibility.check(stage4, tmp_path, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.NOT_MET
    assert "re-scoring" not in item.problem
    assert "the KPI recomputed from the test rows differs" in item.problem
    assert "recomputing the test rows changes" in item.problem


def test_a_changed_model_is_caught_by_the_re_scored_sample(sampled, tmp_path):
    poc, folder, held_out, stage4, _ = sampled
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    model_file = tmp_path / journey.MODEL_DIR / saved_model.MODEL_FILE
    saved = joblib.load(model_file)
    # The same model (a copy, read anew), its calibration's intercept moved by a
    # hundredth.
    changed = saved["pipeline"]
    assert calibration.publishes_probabilities(changed)
    calibrated = changed.steps[0][1]
    sigmoid = calibrated.sigmoid
    calibrated.sigmoid = dataclasses.replace(
        sigmoid, intercept=sigmoid.intercept + 0.01
    )
    joblib.dump({**saved, "pipeline": changed}, model_file)
    item = reproducibility.check(stage4, tmp_path, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.NOT_MET
    assert f"re-scoring 40 of the {len(held_out[1]):,} test rows" in item.problem
    assert "(in model_score)" in item.problem


def test_reproducibility_fails_without_the_saved_scores_or_stage_4(rerun, tmp_path):
    poc, folder, held_out, stage4 = rerun
    shutil.copytree(folder / journey.MODEL_DIR, tmp_path / journey.MODEL_DIR)
    item = reproducibility.check(stage4, tmp_path, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.NOT_MET and "could not score" in item.problem
    none = reproducibility.check(None, folder, poc=poc, held_out=held_out, seed=42)
    assert none.status == production.NOT_MET and "did not run" in none.problem


def test_reproducibility_fails_when_the_kpi_or_the_sample_fit_differs(rerun):
    poc, folder, held_out, stage4 = rerun
    found = reproducibility.repeat(folder, poc=poc, held_out=held_out, seed=42)
    assert reproducibility.judge(stage4, found).status == production.MET
    # An interval that moved by one unit is caught: the check is to the digit.
    moved = dataclasses.replace(
        stage4,
        kpi=dataclasses.replace(stage4.kpi, lift_ci_high=found.kpi.lift_ci_high + 1),
    )
    item = reproducibility.judge(moved, found)
    assert item.status == production.NOT_MET and "in lift_ci_high" in item.problem
    other = dataclasses.replace(stage4.sample_fit, predictions_sha256="0" * 64)
    item = reproducibility.judge(dataclasses.replace(stage4, sample_fit=other), found)
    assert item.status == production.NOT_MET and "predict differently" in item.problem
    resampled = dataclasses.replace(stage4.sample_fit, sample_sha256="0" * 64)
    item = reproducibility.judge(
        dataclasses.replace(stage4, sample_fit=resampled), found
    )
    assert item.status == production.NOT_MET
    assert "training rows or the seed changed" in item.problem


def test_reproducibility_rescores_at_the_saved_break_even_threshold(
    built, rerun, tmp_path
):
    poc, _, result, _ = built
    _, folder, held_out, stage4 = rerun
    chosen = {"model": result.model, "features": result.features, "poc": poc}
    filled = top_k.score(held_out[1], seed=42, **chosen)
    # A threshold at the median listed score: break-even stops short of the capacity.
    listed = filled.rows["model_score"][filled.rows["decision_model"] == 1]
    threshold = float(listed.median())
    stopped = top_k.score(held_out[1], seed=42, threshold=threshold, **chosen)
    assert (stopped.rows["decision_model"] < filled.rows["decision_model"]).any()
    # What stage 7 recomputes from saved scores, with no model call, is what stage 4
    # scored: the same table and the same KPI, to the last digit.
    for scored, at in ((stopped, threshold), (filled, None)):
        replayed = top_k.listed(
            held_out[1],
            scored.rows["model_score"].to_numpy(),
            poc=poc,
            seed=42,
            threshold=at,
        )
        pd.testing.assert_frame_equal(replayed.rows, scored.rows)
        assert replayed.report == scored.kpi
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    model_file = tmp_path / journey.MODEL_DIR / saved_model.MODEL_FILE
    joblib.dump({**joblib.load(model_file), "contact_threshold": threshold}, model_file)
    kpi = journey.from_jsonable(KpiReport, journey.to_jsonable(stopped.kpi))
    stage4 = dataclasses.replace(stage4, kpi=kpi)

    def item(table):
        saved_model.save_scores(tmp_path, journey.TEST_SCORES, table, poc=poc)
        return reproducibility.check(
            stage4, tmp_path, poc=poc, held_out=held_out, seed=42
        )

    # Stage 4 listed no row below the saved threshold: re-scored, nor does the model.
    assert item(stopped.rows).status == production.MET
    # A list that filled the capacity is not the saved model's list.
    filled_item = item(filled.rows)
    assert filled_item.status == production.NOT_MET
    assert "(in decision_model, value_model)" in filled_item.problem


def test_reproducibility_fails_when_stage_7_runs_with_another_seed(built, rerun):
    poc, frame, _, _ = built
    _, folder, _, stage4 = rerun
    other = evaluation.held_out(frame, poc=poc, seed=43)
    item = reproducibility.check(stage4, folder, poc=poc, held_out=other, seed=43)
    assert item.status == production.NOT_MET
    # The test rows are the latest periods whatever the seed, and so is the KPI: the
    # seeded sample of the training rows is what tells the seeds apart.
    assert "its fingerprint differs" in item.problem
    assert "re-scoring" not in item.problem


def test_reproducibility_fails_when_the_saved_scores_are_replaced_by_others(
    rerun, tmp_path
):
    poc, folder, held_out, stage4 = rerun
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    saved = journey.read_table(tmp_path, journey.TEST_SCORES)
    # Scores from another model: the same values in another order.
    saved["model_score"] = saved["model_score"].to_numpy()[::-1]
    journey.save_table(tmp_path, journey.TEST_SCORES, saved)
    item = reproducibility.check(stage4, tmp_path, poc=poc, held_out=held_out, seed=42)
    assert item.status == production.NOT_MET
    assert "(in model_score)" in item.problem and "does not reproduce" in item.problem


def test_a_sample_fit_that_failed_must_fail_again_the_same_way(rerun):
    poc, folder, held_out, stage4 = rerun
    found = reproducibility.repeat(folder, poc=poc, held_out=held_out, seed=42)
    failed = dataclasses.replace(
        stage4.sample_fit, predictions_sha256=None, problem="only one class"
    )
    # Stage 4 could not fit the sample, stage 7 can: not reproduced.
    item = reproducibility.judge(dataclasses.replace(stage4, sample_fit=failed), found)
    assert item.status == production.NOT_MET
    assert "sample fit failed (only one class), stage 7's succeeded" in item.problem
    # The reverse.
    item = reproducibility.judge(stage4, dataclasses.replace(found, refit=failed))
    assert item.status == production.NOT_MET
    assert "stage 7's failed (only one class)" in item.problem
    # Both failed the same way on the same sample: the failure reproduces.
    both = reproducibility.judge(
        dataclasses.replace(stage4, sample_fit=failed),
        dataclasses.replace(found, refit=failed),
    )
    assert both.status == production.MET
    assert "could not be fitted in stage 4 nor here (only one class)" in both.evidence


def test_reproducibility_says_what_it_found_in_korean(rerun, tmp_path):
    poc, folder, held_out, stage4 = rerun
    found = reproducibility.repeat(folder, poc=poc, held_out=held_out, seed=42)
    failed = dataclasses.replace(
        stage4.sample_fit, predictions_sha256=None, problem="one class"
    )
    moved = dataclasses.replace(
        stage4,
        kpi=dataclasses.replace(
            stage4.kpi, lift=found.kpi.lift + 1, lift_ci_low=found.kpi.lift_ci_low + 1
        ),
        sample_fit=dataclasses.replace(stage4.sample_fit, sample_sha256="0" * 64),
    )
    changed = dataclasses.replace(
        found, saved_rows=found.saved_rows.assign(model_score=-1.0, model=-1)
    )
    said = {
        "met": reproducibility.judge(stage4, found, language="ko").evidence,
        "no fit": reproducibility.judge(
            dataclasses.replace(stage4, sample_fit=None), found, language="ko"
        ).evidence,
        "both failed": reproducibility.judge(
            dataclasses.replace(stage4, sample_fit=failed),
            dataclasses.replace(found, refit=failed),
            language="ko",
        ).evidence,
        "one failed": reproducibility.judge(
            dataclasses.replace(stage4, sample_fit=failed), found, language="ko"
        ).problem,
        "moved": reproducibility.judge(moved, changed, language="ko").problem,
        "other fit": reproducibility.judge(
            dataclasses.replace(
                stage4,
                sample_fit=dataclasses.replace(
                    stage4.sample_fit, predictions_sha256="0" * 64
                ),
            ),
            found,
            language="ko",
        ).problem,
        "not run": reproducibility.check(
            None, folder, poc=poc, held_out=held_out, seed=42, language="ko"
        ).evidence,
    }
    for case, sentence in said.items():
        assert sentence and HANGUL.search(sentence), case
        assert english_in([sentence]) == [], (case, sentence)
    assert "비트 단위까지 같습니다" in said["met"]
    # The KPI fields read by the names the Korean pages head them with.
    assert "리프트 · 리프트 신뢰구간 하한" in said["moved"]
    # English reads as it always has.
    assert reproducibility.judge(stage4, found).evidence.startswith(
        f"re-scored all {len(found.rows):,} test rows with the saved model: ids and "
    )


def test_the_scoring_smoke_test_says_what_it_scored_in_korean(built, tmp_path):
    poc, frame, _, run = built
    rows = frame.drop(columns=[poc.data.target]).head(50)
    smoke = reproducibility.scoring_smoke(
        run / "model", rows, source="새 배치", language="ko"
    )
    assert smoke.status == production.MET
    assert smoke.evidence.startswith("새 배치의 50행을 스코어링했습니다.")
    missing = reproducibility.scoring_smoke(
        tmp_path, rows, source="새 배치", language="ko"
    )
    assert missing.problem.startswith("저장된 모델이 새 배치를 스코어링하지 못했습니다")
    batch = pd.DataFrame({"row": range(12_345)})
    _, said = scale_up_stage.smoke_sample(
        batch, source="새 배치", forecast=False, language="ko"
    )
    assert said == "새 배치(전체 12,345행에서 고르게 뽑은 표본)"


def test_a_sample_with_one_class_is_fingerprinted_and_says_why_it_was_not_fitted(
    built,
):
    poc, frame, result, _ = built
    train = evaluation.held_out(frame, poc=poc, seed=42)[0]
    negatives = train[~top_k.is_positive(train, poc=poc)]
    chosen = {"model": result.model, "features": result.features, "task": result.task}
    fitted = reproduction.sample_fit(negatives, poc=poc, seed=42, **chosen)
    assert fitted.predictions_sha256 is None and fitted.problem
    assert len(fitted.sample_sha256) == 64
    assert fitted.rows == min(reproduction.SAMPLE_ROWS, len(negatives))


@settings(max_examples=40, deadline=None)
@given(
    table=data_frames(
        [
            column("id", dtype=int),
            column("period", elements=st.sampled_from(["2025-10", "2025-11"])),
            column("score", dtype=float),
        ],
        index=range_indexes(min_size=1, max_size=30),
    ),
    data=st.data(),
)
def test_a_changed_cell_of_a_saved_table_is_found_after_a_csv_round_trip(table, data):
    saved = pd.read_csv(io.StringIO(table.to_csv(index=False)))
    assert reproducibility.differences(saved, table) == ([], 0)
    row = data.draw(st.integers(0, len(table) - 1))
    name = data.draw(st.sampled_from(list(table.columns)))
    changed = table.copy()
    old = changed.loc[row, name]
    changed.loc[row, name] = (
        old + 1
        if name == "id"
        else "2099-01"
        if name == "period"
        # The next float up, or 0 where there is none (NaN, infinity).
        else (np.nextafter(old, np.inf) if np.isfinite(old) else 0.0)
    )
    assert reproducibility.differences(saved, changed) == ([name], 1)


def test_scoring_smoke_reports_a_missing_model_as_not_met(built, tmp_path):
    poc, frame, _, run = built
    rows = frame.drop(columns=[poc.data.target]).head(50)
    smoke = reproducibility.scoring_smoke(run / "model", rows, source="the test rows")
    assert smoke.status == production.MET
    assert smoke.evidence.startswith("scored 50 rows of the test rows")
    missing = reproducibility.scoring_smoke(tmp_path, rows, source="the test rows")
    assert missing.status == production.NOT_MET
    assert "no saved model" in missing.evidence


def test_the_scoring_smoke_test_tries_an_even_sample_of_a_large_batch():
    batch = pd.DataFrame({"row": range(12_345)})
    rows, source = scale_up_stage.smoke_sample(
        batch, source="the fresh batch", forecast=False
    )
    assert len(rows) == scale_up_stage.SMOKE_ROWS
    assert rows["row"].is_monotonic_increasing and rows["row"].is_unique
    assert (rows["row"].iloc[0], rows["row"].iloc[-1]) == (0, 12_344)
    assert source == "the fresh batch (evenly spread over its 12,345 rows)"
    # A forecast's lags read the rows before: it keeps them all, as does a small batch.
    kept, said = scale_up_stage.smoke_sample(batch, source="s", forecast=True)
    assert len(kept) == len(batch) and said == "s"
    small = batch.head(scale_up_stage.SMOKE_ROWS)
    assert len(scale_up_stage.smoke_sample(small, source="s", forecast=False)[0]) == (
        scale_up_stage.SMOKE_ROWS
    )


def test_latency_is_judged_on_the_batch_for_a_batch_requirement(built):
    poc, frame, result, _ = built
    rows = frame.iloc[result.holdout.test][result.features]
    report = latency.measure(
        result.model, rows, prediction=poc.prediction, repeats=3, single_rows=10, seed=1
    )
    assert report.mode == "batch"
    assert report.meets == (report.batch_p95_ms <= poc.prediction.latency_budget_ms)
    assert 0 < report.row_p50_ms <= report.row_p95_ms
    tight = dataclasses.replace(poc.prediction, latency_budget_ms=1e-6)
    assert (
        latency.measure(
            result.model, rows, prediction=tight, repeats=2, single_rows=5, seed=1
        ).meets
        is False
    )


def test_holdout_latest_rows_are_the_last_test_period(built):
    poc, frame, result, _ = built
    latest = holdout.latest_rows(frame, result.holdout, poc=poc)
    assert set(latest[poc.data.time]) == {result.holdout.test_periods[-1]}


def test_the_model_card_reports_each_group_of_a_sensitive_attribute(built):
    poc, _, _, _ = built
    assert "names no sensitive attribute" in saved_model.fairness_notes(poc, groups=[])
    sensitive = dataclasses.replace(
        poc, data=dataclasses.replace(poc.data, sensitive=("region",))
    )
    groups = [
        segments.Segment(
            "region", "metro", 400, 1200.0, 1500.0, -300.0, -500, -100, 0.95
        ),
        segments.Segment("region", "rural", 300, 900.0, 600.0, 300.0, 100, 500, 0.95),
    ]
    notes = saved_model.fairness_notes(sensitive, groups=groups)
    assert "region = metro (400 rows)" in notes and "lift -300 KRW" in notes
    assert "region = rural" in notes
    assert "no group" in saved_model.fairness_notes(sensitive, groups=[])


@pytest.fixture(scope="module")
def staged(built):
    """Stages 4-7 of one run: stage 4 saved as its notebook does, 5-7 by builders."""
    poc, _, result, run = built
    poc_outcome = _poc_outcome(result, lift_ci_low=1.0, batch_p95_ms=5.0, meets=True)
    journey.save(run, poc_outcome)
    journey.save_table(run, journey.TEST_SCORES, result.rows)
    beyond = beyond_stage.build(poc, out_dir=run, data_path=None, seed=42)
    journey.save(run, beyond.outcome)
    journey.save_table(run, journey.FRESH_SCORES, beyond.scored.rows)
    iteration = iterate_stage.build(poc, out_dir=run, data_path=None, seed=42)
    journey.save(run, iteration.outcome)
    scale_up = scale_up_stage.build(
        poc, out_dir=run, data_path=None, seed=42, charter_file="charter.yaml", run=None
    )
    journey.save(run, scale_up.outcome)
    return run, beyond, iteration, scale_up


def _same(a, b):
    """Equal, field by field, with NaN equal to NaN (JSON keeps NaN as null)."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize(
    ("position", "module", "evidence_type"),
    [
        (1, beyond_stage, beyond_stage.BeyondEvidence),
        (2, iterate_stage, iterate_stage.IterateEvidence),
        (3, scale_up_stage, scale_up_stage.ScaleUpEvidence),
    ],
    ids=["05_beyond_poc", "06_iterate", "07_scale_up_evaluation"],
)
def test_stage_evidence_loads_back_as_it_was_saved(
    staged, position, module, evidence_type
):
    run, built_outcome = staged[0], staged[position].outcome
    loaded = journey.load(run, module.STAGE, evidence_type)
    assert isinstance(loaded.evidence, evidence_type)
    assert _same(loaded.evidence, built_outcome.evidence)
    assert (loaded.summary, loaded.reasons) == (
        built_outcome.summary,
        built_outcome.reasons,
    )


def test_summaries_are_written_from_the_evidence(staged):
    _, beyond, iteration, scale_up = staged
    found = beyond.outcome.evidence
    assert beyond.outcome.summary.endswith(
        f"fresh batch: {beyond_stage.fresh_kpi_summary(found)}"
    )
    assert beyond_stage.contract_summary(found).endswith(found.fresh.source)
    iterated = iteration.outcome.evidence
    assert len(iterated.losing_segments) <= iterate_stage.MOST_LOSING
    assert iterated.losing_count == sum(s.loses for s in iteration.segments)
    assert all(s.lift_ci_high < 0 for s in iterated.losing_segments)
    assert iteration.design.summary == iterate_stage.ab_summary(iterated)
    decided = scale_up.outcome.evidence
    assert scale_up.outcome.summary.startswith(decided.decision.decision)
    assert scale_up.outcome.reasons == decided.decision.reasons


def test_readiness_reads_the_run_folder_into_typed_evidence(staged):
    run = staged[0]
    earlier = production.run_evidence(run)
    assert earlier.business is None and earlier.poc is not None
    assert earlier.model_card == "model/model_card.md"
    ready = production.readiness(earlier, run=None, own=[])
    by_item = {i.item: i for i in ready.items}
    card = by_item["A model card documents the model"]
    assert (card.status, card.evidence) == (production.MET, "model/model_card.md")
    contract = by_item["The fresh batch passes the data contract"]
    assert contract.evidence == beyond_stage.contract_summary(earlier.beyond.evidence)
    assert by_item["Every role the POC needs is staffed"].status == production.NOT_RUN


def test_drift_past_an_alert_turns_a_go_into_iterate(staged):
    earlier = production.run_evidence(staged[0])
    go = dataclasses.replace(
        earlier.poc.evidence,
        decision=dataclasses.replace(earlier.poc.evidence.decision, decision="go"),
    )
    drifted = dataclasses.replace(earlier.beyond.evidence, alerts=["tenure_months"])
    earlier = dataclasses.replace(
        earlier,
        poc=dataclasses.replace(earlier.poc, evidence=go),
        beyond=dataclasses.replace(earlier.beyond, evidence=drifted),
    )
    ready = production.readiness(earlier, run=None, own=[])
    found = production.downgrades(ready, beyond=drifted)
    verdict = scale_up_stage.final_decision(go.decision, found)
    assert verdict.decision == "iterate"
    assert verdict.reasons[0].startswith("Downgraded from stage 4's GO to ITERATE by")
    assert "drift" in verdict.reasons[0]
    assert any("tenure_months" in reason for reason in verdict.reasons)


def test_history_skips_stage_5_evidence_of_an_older_layout(staged, tmp_path):
    typed = staged[0] / "results" / f"{beyond_stage.STAGE}.json"
    runs = []
    for run_id in ("20260101-000000-000001", "20260102-000000-000001"):
        folder = tmp_path / "p" / run_id
        (folder / "results").mkdir(parents=True)
        (folder / "manifest.json").write_text(
            json.dumps({"poc": "p", "run_id": run_id, "seed": 1})
        )
        runs.append(folder)
    # The first run was saved by an older playbook: evidence as a dict, no version.
    old = json.loads(typed.read_text())
    del old["schema_version"], old["evidence_type"]
    (runs[0] / "results" / typed.name).write_text(json.dumps(old))
    (runs[1] / "results" / typed.name).write_text(typed.read_text())
    past = history.runs(runs[1], poc="p")
    fresh = staged[1].outcome.evidence.fresh_kpi
    assert [run.fresh_lift for run in past] == [None, fresh.lift]
    assert past[1].changed == "fresh batch"


def test_without_a_fresh_batch_stage_5_judges_nothing_on_later_data(
    built, staged, tmp_path
):
    poc, run = built[0], staged[0]
    stage = beyond_stage.build(
        _without_fresh(poc), out_dir=run, data_path=None, seed=42
    )
    found = stage.outcome.evidence
    assert found.fresh_batch is False and found.alerts == []
    assert (found.drift, found.record, found.fresh, found.fresh_kpi) == (None,) * 4
    assert stage.contract is None and stage.scored.rows is None
    assert found.thresholds and stage.outcome.reasons == []
    assert stage.outcome.summary.startswith("No fresh batch (the charter sets no")
    journey.save(tmp_path, stage.outcome)
    loaded = journey.load(tmp_path, beyond_stage.STAGE, beyond_stage.BeyondEvidence)
    assert _same(loaded.evidence, found)
    # Stage 7: every judgement on later data reads "not run"; none is a finding.
    earlier = dataclasses.replace(production.run_evidence(run), beyond=loaded)
    ready = production.readiness(earlier, run=None, own=[])
    later = [i for i in ready.items if i.stage == beyond_stage.STAGE][:3]
    assert [i.status for i in later] == [production.NOT_RUN] * 3
    assert all(i.evidence == monitoring.NO_FRESH for i in later)
    outcome = scale_up_stage.evaluate(
        earlier, ready=ready, poc=poc, charter_file="c.yaml", run_dir="r"
    )
    verdict = outcome.evidence.decision
    # No finding on the test rows as later data: only that nothing shows the gain.
    assert not any("does not hold" in reason for reason in verdict.reasons)
    assert not any("drifted" in reason for reason in verdict.reasons)
    missing = [
        d for d in outcome.evidence.downgrades if d.by == production.NO_LATER_CHECK
    ]
    assert [d.reason for d in missing] == [
        f"Nothing shows the gain holds on later data: {monitoring.NO_FRESH}."
    ]
    # A GO held back for it names the missing check, never a fresh batch there was not.
    go = dataclasses.replace(verdict, decision="go")
    held = scale_up_stage.final_decision(go, missing)
    assert held.reasons[0] == (
        "Downgraded from stage 4's GO to ITERATE by the missing check on later data."
    )
    assert f"On later data: {monitoring.NO_FRESH}." in outcome.evidence.memo.money


def test_stage_5_evidence_refuses_judgements_on_later_data_it_does_not_have(staged):
    found = staged[1].outcome.evidence
    assert found.fresh_batch and found.drift is not None
    with pytest.raises(EvidenceError, match="fresh_batch is False"):
        dataclasses.replace(found, fresh_batch=False)


def test_the_drift_item_reads_the_drift_judged_against_noise(staged):
    earlier = production.run_evidence(staged[0])
    found = earlier.beyond.evidence

    def drift_item(evidence):
        beyond = dataclasses.replace(earlier.beyond, evidence=evidence)
        ready = production.readiness(
            dataclasses.replace(earlier, beyond=beyond), run=None, own=[]
        )
        return next(i for i in ready.items if i.item.startswith("No feature"))

    calm = drift_item(dataclasses.replace(found, alerts=[]))
    assert calm.status == production.MET
    assert calm.evidence == beyond_stage.drift_summary(found)
    assert drift_item(dataclasses.replace(found, alerts=["plan"])).status == (
        production.NOT_MET
    )
    one_row = dataclasses.replace(found.drift, current_rows=1)
    few = drift_item(dataclasses.replace(found, drift=one_row, alerts=[]))
    assert few.status == production.NOT_RUN
    assert few.evidence.startswith("1 fresh row(s): too few to judge drift")


def test_history_reads_a_run_without_a_fresh_batch(built, staged, tmp_path):
    poc, run = built[0], staged[0]
    stage = beyond_stage.build(
        _without_fresh(poc), out_dir=run, data_path=None, seed=42
    )
    folder = tmp_path / "p" / "20260101-000000-000001"
    (folder / "results").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"poc": "p", "run_id": "r"}))
    journey.save(folder, stage.outcome)
    past = history.runs(folder, poc="p")
    assert past[0].fresh_lift is None and past[0].changed == "first run"


# --- scoring hostile and small batches ------------------------------------------------


def _fresh_rows(poc, count=None):
    rows = data.load(poc.data.fresh).drop(columns=[poc.data.target])
    return rows if count is None else rows.head(count).copy()


def test_a_ten_row_batch_is_scored_despite_the_training_row_count_bounds(
    built, tmp_path
):
    poc, _, _, run = built
    _fresh_rows(poc, 10).to_csv(tmp_path / "ten.csv", index=False)
    result = score.score_file(
        run, tmp_path / "ten.csv", out=tmp_path / "s.csv", force=False
    )
    assert result.rows == 10
    assert len(pd.read_csv(tmp_path / "s.csv")) == 10


def test_a_value_that_is_not_a_number_is_refused_naming_column_row_and_value(
    built, tmp_path
):
    poc, frame, result, run = built
    column = next(c for c in result.features if pd.api.types.is_float_dtype(frame[c]))
    rows = _fresh_rows(poc, 20)
    rows[column] = rows[column].astype(object)
    rows.loc[rows.index[3], column] = "twelve"
    rows.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(score.ContractBroken) as raised:
        score.score_file(run, tmp_path / "bad.csv", out=tmp_path / "s.csv", force=False)
    message = str(raised.value)
    assert f"column {column!r}, row 4: 'twelve' is not a number" in message
    assert "min_value" not in message
    assert raised.value.exit_code == 2
    assert not (tmp_path / "s.csv").exists()


def test_an_empty_id_or_period_is_refused_naming_the_row(built, tmp_path):
    poc, _, _, run = built
    rows = _fresh_rows(poc, 20)
    rows[poc.data.id] = rows[poc.data.id].astype(object)
    rows.loc[rows.index[0], poc.data.id] = None
    rows.loc[rows.index[5], poc.data.time] = None
    rows.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(score.ContractBroken) as raised:
        score.score_file(run, tmp_path / "bad.csv", out=tmp_path / "s.csv", force=False)
    message = str(raised.value)
    assert f"column {poc.data.id!r}, row 1: empty (every row needs its id)" in message
    assert f"column {poc.data.time!r}, row 6: empty (every row needs its period)" in (
        message
    )
    assert not (tmp_path / "s.csv").exists()


def test_rows_with_every_feature_empty_are_flagged_and_kept_off_the_list(built):
    poc, _, result, run = built
    model = saved_model.load(run)
    rows = _fresh_rows(poc, 400)
    blank = rows.index[:30]
    rows.loc[blank, result.features] = np.nan
    scores = score.score_frame(model, rows)
    assert scores["features_empty"].tolist() == [True] * 30 + [False] * 370
    assert not scores.loc[scores["features_empty"], "contact"].any()
    assert scores.loc[scores["features_empty"], "probability"].isna().all()
    listed = scores.groupby("period")["contact"].sum()
    capacity = poc.kpi.capacity_per_period
    # At break-even (the charter's default) no row below the model's threshold is
    # listed either.
    worth = scores["probability"] >= (model.contact_threshold or 0.0)
    assert model.contact_threshold == pytest.approx(result.contact_policies.threshold)
    for period, count in listed.items():
        eligible = (
            ~scores["features_empty"] & worth & (scores["period"] == period)
        ).sum()
        assert count == min(capacity, eligible)


@pytest.mark.parametrize("which", ["data", "model"])
def test_out_may_not_name_an_input_of_the_scoring(built, tmp_path, which):
    poc, _, _, run = built
    _fresh_rows(poc, 10).to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "new.csv" if which == "data" else run / "model" / "model.joblib"
    before = out.read_bytes()
    with pytest.raises(PlaybookError, match="is an input of this scoring"):
        score.score_file(run, tmp_path / "new.csv", out=out, force=True)
    assert out.read_bytes() == before


def test_score_command_refuses_a_bad_value_in_one_line_with_exit_2(built, tmp_path):
    from typer.testing import CliRunner

    from playbook.cli.app import app

    poc, frame, result, run = built
    column = next(c for c in result.features if pd.api.types.is_float_dtype(frame[c]))
    rows = _fresh_rows(poc, 10)
    rows[column] = rows[column].astype(object)
    rows.loc[rows.index[0], column] = "\x1b[2J=cmd|x"
    rows.to_csv(tmp_path / "bad.csv", index=False)
    got = CliRunner().invoke(
        app,
        [
            "score",
            str(run),
            str(tmp_path / "bad.csv"),
            "--out",
            str(tmp_path / "s.csv"),
        ],
    )
    assert got.exit_code == 2, got.output
    lines = got.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), got.output
    assert "\x1b" not in got.output


SCORE_CELLS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.text(max_size=10),
    st.sampled_from(["", "=1+1", "-2+3+cmd|' /C calc'!A0", "\x1b[2J", "1e400", "yes"]),
)


@settings(max_examples=8, derandomize=True, deadline=None)
@given(
    st.integers(min_value=1, max_value=60),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=59), st.integers(0, 30), SCORE_CELLS
        ),
        max_size=8,
    ),
)
def test_score_of_any_mangled_batch_scores_or_is_refused(built, count, edits):
    poc, _, _, run = built
    rows = _fresh_rows(poc, count)
    columns = list(rows.columns)
    for row, column_index, value in edits:
        name = columns[column_index % len(columns)]
        rows[name] = rows[name].astype(object)
        rows.iloc[row % len(rows), rows.columns.get_loc(name)] = value
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "new.csv", Path(folder) / "s.csv"
        rows.to_csv(source, index=False)
        try:
            result = score.score_file(run, source, out=out, force=False)
        except PlaybookError as error:
            assert error.exit_code in (1, 2)
            assert not out.exists()
            return
        assert result.rows == len(pd.read_csv(out))
