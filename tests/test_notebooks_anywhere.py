"""`pytest --nbmake notebooks/` on a fresh clone: every stage notebook runs on its
defaults (the tiny SYNTHETIC example inside the package), with no `playbook demo`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from playbook.core.journey import STAGES

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.journey


def test_pytest_nbmake_runs_every_stage_notebook_on_its_defaults(tmp_path):
    # A copy, so that the notebooks' default run folder (runs/notebook beside them)
    # is written under tmp_path, not into the checkout.
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbmake",
            "notebooks/",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"{len(STAGES)} passed" in result.stdout
    saved = tmp_path / "notebooks" / "runs" / "notebook" / "results"
    assert sorted(path.stem for path in saved.glob("*.json")) == [
        stage.key for stage in STAGES
    ]
