"""Generated scripts quote every path; every CSV playbook writes is safe to open."""

import os
import stat
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from playbook.beyond import memo as memos
from playbook.beyond import readiness
from playbook.core import journey
from playbook.core.files import FORMULA_STARTS, neutralise_formulas, write_csv
from playbook.tasks.decision import Decision

HOSTILE_NAMES = ["c;touch PWNED_$(id -u);#.yaml", "my charter.yaml", "a'b\n`x`.yaml"]


def _script(churn_charter, *, charter_file: str, run_dir: str) -> str:
    memo = memos.memo(
        Decision("go", []),
        poc=churn_charter,
        earlier=readiness.RunEvidence(),
        ready=readiness.Readiness(items=[], met=0, decided=0),
        held_back=[],
        charter_file=charter_file,
        run_dir=run_dir,
    )
    return memos.next_steps_script(memo)


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=["injection", "space", "quotes"])
def test_next_steps_script_passes_hostile_paths_as_one_word_and_runs_nothing(
    churn_charter, tmp_path, name
):
    # A stand-in `playbook` that records its arguments, one per line, NUL-ended.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "playbook"
    fake.write_text(
        '#!/usr/bin/env bash\nprintf "%s\\0" "$@" >> "$RECORD"\n', encoding="utf-8"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    run_dir = f"runs/{name}/20261201-000000"
    # The script lives in its run folder and works from there, whatever the caller's.
    script = tmp_path / run_dir / "next_steps.sh"
    script.parent.mkdir(parents=True)
    script.write_text(
        _script(churn_charter, charter_file=name, run_dir=run_dir), encoding="utf-8"
    )
    record = tmp_path / "record"
    done = subprocess.run(
        ["bash", str(script)],
        cwd=tmp_path,
        env={
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "RECORD": str(record),
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.glob("PWNED*"))
    words = record.read_text(encoding="utf-8").split("\0")[:-1]
    charter = os.path.relpath(name, run_dir)
    assert words == [
        "score", ".", "NEW_DATA.csv", "--out", "scores.csv",
        "run", charter, "--data", "NEW_EXTRACT.csv", "--runs-dir", "../..",
    ]  # fmt: skip
    assert (script.parent / charter).resolve() == (tmp_path / name).resolve()


HOSTILE_CELLS = [
    '=HYPERLINK("http://x","y")',
    "-2+3+cmd|' /C calc'!A0",
    "+1",
    "@SUM(1+1)",
    "\t=1",
    "\r=1",
]


# Text looked at all at once (str, string) or cell by cell (object, category).
@pytest.mark.parametrize("text", [object, "str", "string", "category"])
def test_text_cells_that_start_a_formula_get_a_leading_quote(text):
    frame = pd.DataFrame(
        {
            "id": pd.Series([*HOSTILE_CELLS, "plain", None], dtype=text),
            "amount": [-2.5, -1, 0, 1, 2, 3, 4, np.nan],
            "count": np.arange(8) - 4,
        }
    )
    safe = neutralise_formulas(frame)
    assert list(safe["id"][:6]) == ["'" + cell for cell in HOSTILE_CELLS]
    assert safe["id"][6] == "plain" and pd.isna(safe["id"][7])
    # Numbers stay numbers: a negative number is not a formula.
    pd.testing.assert_series_equal(safe["amount"], frame["amount"])
    pd.testing.assert_series_equal(safe["count"], frame["count"])
    assert frame["id"][0] == HOSTILE_CELLS[0]  # the caller's frame is untouched


def test_the_written_csv_holds_no_cell_a_spreadsheet_would_run(tmp_path):
    frame = pd.DataFrame({"=id": HOSTILE_CELLS, "score": [-0.5] * 6})
    path = write_csv(tmp_path / "scores.csv", frame)
    back = pd.read_csv(path, keep_default_na=False)
    assert list(back.columns) == ["'=id", "score"]
    for cell in back["'=id"]:
        assert not cell.startswith(FORMULA_STARTS)
    assert back["score"].tolist() == [-0.5] * 6
    assert not list(tmp_path.glob(".*partial"))
    assert len(back) == len(HOSTILE_CELLS)  # a carriage return starts no new row


def test_stage_hand_off_tables_are_written_neutralised(tmp_path):
    frame = pd.DataFrame({"id": ["=1+1", "@x"], "period": ["2026-01", "2026-02"]})
    path = journey.save_table(tmp_path, journey.TEST_SCORES, frame)
    assert path == tmp_path / "scores" / "test.csv"
    assert journey.read_table(tmp_path, journey.TEST_SCORES)["id"].tolist() == [
        "'=1+1",
        "'@x",
    ]


def test_no_csv_is_written_around_the_one_neutralising_writer():
    # Every CSV of user values goes through files.write_csv; a new `.to_csv(path`
    # elsewhere in the package would bypass it. (The SYNTHETIC demo writes its own
    # generated data to bytes, not a user's values.)
    done = subprocess.run(
        ["grep", "-rn", "--include=*.py", "to_csv(", "playbook"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    found = [
        line
        for line in done.stdout.splitlines()
        if not line.startswith(("playbook/core/files.py", "playbook/synthetic/"))
    ]
    assert found == [], found
