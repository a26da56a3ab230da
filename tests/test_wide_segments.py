"""On wide data, segments split only the features the model uses most, and say so."""

import dataclasses

import numpy as np
import pandas as pd
import verdict_runs as runs

from playbook.report import poc_sections
from playbook.tasks import poc_stage, segments
from playbook.tasks.importance import Importance


def test_up_to_the_cap_every_feature_is_split_in_its_order():
    columns = [f"f{i}" for i in range(poc_stage.SEGMENT_FEATURES)]
    found = [Importance("f7", 0.3, 0.0), Importance("f2", 0.1, 0.0)]

    assert poc_stage.most_used(columns, found) == columns


def test_beyond_the_cap_the_largest_drops_come_first_then_the_columns_order():
    columns = [f"f{i:03d}" for i in range(400)] + ["text"]
    measured = [f"f{i:03d}" for i in (399, 12, 250)]
    found = [Importance(name, 0.5 - k / 10, 0.0) for k, name in enumerate(measured)]
    found.append(Importance("text", 0.01, 0.0))  # not a column segments may split

    chosen = poc_stage.most_used(columns[:-1], found)

    assert len(chosen) == poc_stage.SEGMENT_FEATURES
    assert chosen[:3] == measured
    assert chosen[3:] == [c for c in columns[:-1] if c not in measured][:17]


def _wide_scored(columns: int, rows: int = 600, seed: int = 4):
    """SYNTHETIC scored test rows and a wide frame of features for them."""
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(
        rng.normal(size=(rows, columns)), columns=[f"x{i:03d}" for i in range(columns)]
    )
    value = np.where(rng.random(rows) < 0.2, 100.0, 0.0)
    contacted = rng.random(rows) < 0.3
    scores = pd.DataFrame(
        {
            "period": np.repeat(["2024-01", "2024-02"], rows // 2),
            "value_model": value * contacted,
            "value_today": value * (rng.random(rows) < 0.3),
        }
    )
    return scores, features


def test_a_wide_frame_is_compared_on_the_chosen_features_only():
    scores, features = _wide_scored(400)
    found = [Importance("x321", 0.2, 0.0), Importance("x005", 0.1, 0.0)]
    chosen = poc_stage.most_used(list(features.columns), found)

    split = segments.compare(
        scores,
        features,
        columns=chosen,
        min_rows=50,
        confidence=0.9,
        equal_contacts=False,
    )

    assert {s.feature for s in split} == set(chosen)
    assert len(split) == 4 * poc_stage.SEGMENT_FEATURES  # quartiles; nothing missing
    assert all(s.rows == 150 for s in split)


def test_the_page_names_the_features_split_and_counts_the_rest():
    evidence = dataclasses.replace(
        _evidence(),
        segment_features=[f"x{i:03d}" for i in range(20)],
        features_not_segmented=2_977,
    )

    said = poc_sections.segment_scope(evidence)

    assert said is not None
    assert said.startswith("Segments of the 20 features the model uses most")
    assert "x000, x001, x002, x003, x004 and 15 more" in said
    assert "The other 2,977 features were not split" in said


def test_nothing_is_said_when_every_feature_was_split():
    assert poc_sections.segment_scope(_evidence()) is None


def _evidence() -> poc_stage.PocEvidence:
    report = runs.kpi(runs.template("churn"), lift=10.0, low=5.0, high=15.0)
    return runs.poc_outcome(report).evidence


def test_features_the_screen_put_first_follow_the_shuffled_ones():
    columns = [f"f{i:03d}" for i in range(100)]
    found = [Importance("f050", 0.3, 0.0), Importance("f010", 0.1, 0.0)]
    # The screen's order when importance stopped after two: its others come next.
    screened = ["f010", "f050", "f099", "f098", "gone", *columns]

    chosen = poc_stage.most_used(columns, found, screened=screened)

    assert chosen[:4] == ["f050", "f010", "f099", "f098"]
    assert chosen[4:] == [c for c in columns if c not in chosen[:4]][:16]
