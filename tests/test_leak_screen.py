"""The leakage screen scores number columns together as the per-column checks would."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook import charter
from playbook.data import leak_screen, leakage

THRESHOLDS = {
    "warn_at": leakage.ALONE_WARN,
    "pure_share": leakage.PURE_SHARE,
    "pure_min_rows": leakage.PURE_MIN_ROWS,
    "pure_min_cover": leakage.PURE_MIN_COVER,
    "id_distinct": leakage.ID_DISTINCT,
    "id_min_rows": leakage.ID_MIN_ROWS,
}


def _screen(frame: pd.DataFrame, target: np.ndarray) -> leak_screen.Screened:
    return leak_screen.screen(frame, target, columns=list(frame.columns), **THRESHOLDS)


def _kinds(rng: np.random.Generator, rows: int, target: np.ndarray) -> dict:
    """Number columns of every shape the bins treat differently."""
    return {
        "normal": rng.normal(size=rows).round(3),
        "few_values": rng.integers(0, 6, rows),
        "twenty_one_values": rng.integers(0, 21, rows),
        "mostly_zero": np.where(
            rng.random(rows) < 0.7, 0.0, rng.exponential(size=rows)
        ),
        "shifted": rng.normal(size=rows) + 0.8 * target,
        "constant": np.full(rows, 3.5),
        "ties_at_edges": rng.choice([0.0, 1.0, 1.0, 2.0, 5.0], rows)
        + rng.integers(0, 30, rows),
    }


@settings(max_examples=8, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(60, 400),
    rate=st.floats(0.02, 0.9),
)
def test_cleared_columns_score_as_the_per_column_check_scores_them(seed, rows, rate):
    rng = np.random.default_rng(seed)
    target = rng.random(rows) < rate
    if target.all() or not target.any():
        target[0] = not target[0]
    frame = pd.DataFrame(_kinds(rng, rows, target))

    found = _screen(frame, target)

    assert found.skipped == []
    assert set(found.alone) | set(found.recheck) == set(frame.columns)
    for column in frame.columns:
        alone = leakage._alone(frame[column], target, kind="classes")
        pure = leakage._pure_value(frame[column], target, column=column, outcome="y")
        if column in found.alone:
            assert found.alone[column] == pytest.approx(alone, abs=1e-12)
            assert pure is None
            assert alone < leakage.ALONE_WARN
        else:
            assert pure is not None or alone >= leakage.ALONE_WARN - 1e-6


def test_leaks_ids_and_pure_values_are_left_to_the_per_column_checks():
    rng = np.random.default_rng(5)
    rows = 2000
    target = rng.random(rows) < 0.1
    frame = pd.DataFrame(
        {
            "noise": rng.normal(size=rows),
            "copy": target * 3.0 + rng.normal(scale=0.01, size=rows),
            "row_number": np.arange(rows),
            "flag": (target & (rng.random(rows) < 0.5)).astype(int),
        }
    )

    found = _screen(frame, target)

    assert list(found.alone) == ["noise"]
    assert found.recheck == ["copy", "row_number", "flag"]


def test_text_flags_gaps_and_infinities_are_not_screened():
    rng = np.random.default_rng(6)
    rows = 300
    target = rng.random(rows) < 0.3
    gappy = rng.normal(size=rows)
    gappy[4] = np.nan
    endless = rng.normal(size=rows)
    endless[7] = np.inf
    frame = pd.DataFrame(
        {
            "plan": rng.choice(["a", "b"], rows),
            "yes_no": rng.random(rows) < 0.5,
            "gappy": gappy,
            "endless": endless,
            "nullable": pd.array(rng.integers(0, 50, rows), dtype="Int64"),
            "fine": rng.normal(size=rows),
        }
    )

    found = _screen(frame, target)

    assert found.skipped == ["plan", "yes_no", "gappy", "endless", "nullable"]
    assert list(found.alone) == ["fine"]


@pytest.mark.parametrize("outcome", [True, False])
def test_a_target_with_one_outcome_leaves_every_column_to_the_scan(outcome):
    frame = pd.DataFrame({"x": np.arange(100.0), "z": np.ones(100)})

    found = _screen(frame, np.full(100, outcome))

    assert found == leak_screen.Screened({}, [], ["x", "z"])


def test_blocks_of_columns_give_the_same_scores_as_one_block(monkeypatch):
    rng = np.random.default_rng(8)
    rows = 500
    target = rng.random(rows) < 0.25
    frame = pd.DataFrame(
        rng.normal(size=(rows, 30)), columns=[f"c{i}" for i in range(30)]
    )
    whole = _screen(frame, target)

    monkeypatch.setattr(leak_screen, "BLOCK_CELLS", rows * 7)
    blocks = _screen(frame, target)

    assert blocks == whole


@pytest.fixture
def wide_charter(write_charter):
    def edit(raw):
        raw["data"] = {
            "path": "data.csv",
            "checks": "checks.yaml",
            "positive_label": 1,
            "target": "churned",
            "id": "customer_id",
        }

    return charter.load(write_charter(edit))


def _wide(columns: int, rows: int = 1500, seed: int = 11) -> pd.DataFrame:
    """SYNTHETIC: noise columns with a few leaks and awkward columns among them."""
    rng = np.random.default_rng(seed)
    churned = (rng.random(rows) < 0.15).astype(int)
    frame = pd.DataFrame(
        rng.normal(size=(rows, columns)).round(4),
        columns=[f"noise_{i:04d}" for i in range(columns)],
    )
    frame["customer_id"] = np.arange(rows)
    frame["churned"] = churned
    frame["cancel_reason_code"] = churned * rng.integers(1, 4, rows)
    frame["refund_flag"] = (churned & (rng.random(rows) < 0.4)).astype(int)
    frame["account_number"] = rng.permutation(rows) + 10_000
    frame["weak"] = rng.normal(size=rows) + 0.9 * churned
    frame["region"] = rng.choice(["north", "south"], rows)
    gappy = rng.normal(size=rows)
    gappy[::17] = np.nan
    frame["gappy"] = gappy
    return frame


def test_a_wide_scan_finds_what_the_per_column_scan_finds(wide_charter, monkeypatch):
    frame = _wide(400)
    checked_one_by_one: list[str] = []
    alone = leakage._alone
    monkeypatch.setattr(
        leakage,
        "_alone",
        lambda series, *a, **k: (
            checked_one_by_one.append(series.name) or alone(series, *a, **k)
        ),
    )
    fast = leakage.scan(frame, poc=wide_charter)
    checked = set(checked_one_by_one)
    screened_out = [c for c in frame.columns if c not in checked]

    # The per-column scan, on the leaks and the first 30 noise columns only: on all
    # 400 it takes as long as the rest of this file.
    monkeypatch.setattr(
        leak_screen,
        "screen",
        lambda sample, target, *, columns, **_: leak_screen.Screened({}, [], columns),
    )
    few = frame[[c for c in frame.columns if not c.startswith("noise_")]]
    slow = leakage.scan(pd.concat([frame.iloc[:, :30], few], axis=1), poc=wide_charter)
    fast_signals = {s.column: s.alone for s in fast.signals}

    assert fast.findings == slow.findings
    assert {f.column for f in fast.findings} >= {
        "cancel_reason_code",
        "refund_flag",
        "account_number",
    }
    assert len(fast.signals) == 400 + 5
    for signal in slow.signals:
        assert fast_signals[signal.column] == pytest.approx(signal.alone, abs=1e-12)
    # The noise is settled by the screen; only the leaks, the id, the text and the
    # column with gaps are checked one by one.
    assert len(screened_out) > 390
    assert checked == {
        "cancel_reason_code",
        "refund_flag",
        "region",
        "gappy",
    }
