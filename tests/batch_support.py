"""What the batch tests share: tiny stage notebooks, charters, specs and waits."""

import json
import time
from pathlib import Path

import nbformat
import psutil
import yaml

from playbook.run import batch

# Seconds for a journey that must finish, ample on a machine busy with other work; a
# journey meant to hang gets HANGS_FOR, enough to reach its stage 1 under load.
ENOUGH = 900
HANGS_FOR = 60
SAVE_OUTCOME = (
    "from playbook.core import journey\n"
    "journey.save(out_dir, journey.StageOutcome(stage='01_business_question', "
    "status='passed', summary='minimal stage ran', evidence=None))"
)


def stage_one(folder: Path, *cells: str) -> Path:
    """A notebooks folder whose stage 1 runs `cells`, then saves its outcome."""
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell(
        "charter_path = ''\ndata_path = ''\nout_dir = ''\nseed = 0"
    )
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        parameters,
        *(nbformat.v4.new_code_cell(c) for c in cells),
        nbformat.v4.new_code_cell(SAVE_OUTCOME),
    ]
    nbformat.write(notebook, folder / "01_business_question.ipynb")
    return folder


def charter_named(example: Path, poc: str, edit=None) -> Path:
    """A copy of the tiny charter, beside its data, with another POC id."""
    raw = yaml.safe_load((example / "charter.yaml").read_text())
    raw["poc"] = poc
    if edit:
        edit(raw)
    path = example / f"{poc}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def write_spec(folder: Path, **spec) -> Path:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def outcomes(result: batch.BatchResult) -> dict[str, str]:
    return {r.job.poc: r.outcome for r in result.results}


def processes_in(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cwd"]):
        if process.info["cwd"] and Path(process.info["cwd"]) == folder:
            found.append(process)
    return found


def run_folder_once_running(poc_runs: Path, seconds: float = 180) -> Path:
    """The run folder of a journey, once its stage 1 is running (it must start)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        for manifest in poc_runs.glob("*/manifest.json"):
            record = json.loads(manifest.read_text())
            if record["stages"]["01_business_question"]["status"] == "running":
                return manifest.parent
    raise AssertionError(f"{poc_runs.name} never started")
