"""Run the journey: execute the stage notebooks with papermill into a new run folder.

Each run gets `runs/<poc>/<run-id>/` (ids sort by time; an earlier run is never touched)
holding the executed notebooks, one HTML report per stage, `index.html`, the stages'
outcomes under `results/`, and `manifest.json`, rewritten after every stage so that a
crash or an interruption keeps everything produced so far.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook import charter, data, journey, manifest, report, resources
from playbook.errors import CharterError, DataError, StageSelectionError, exit_code_for
from playbook.journey import STAGES, STOPPED, Stage


@dataclass(frozen=True)
class StageEvent:
    """Progress of one stage, for whoever shows it (the CLI prints it)."""

    stage: Stage
    status: str
    seconds: float | None = None
    summary: str | None = None


@dataclass(frozen=True)
class JourneyResult:
    """Where the run went and how it ended."""

    run_dir: Path
    exit_code: int
    manifest: dict[str, Any]

    @property
    def index(self) -> Path:
        """The run's index report."""
        return self.run_dir / "index.html"


def parse_stages(text: str | None) -> list[int]:
    """Stage numbers from "1-4", "3,4" or "1-3,6"; every stage when empty.

    Raises:
        StageSelectionError: The text is not a list of stage numbers and ranges in 1-7.
    """
    if not text:
        return [stage.number for stage in STAGES]
    chosen: set[int] = set()
    for part in text.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise StageSelectionError(
                f"--stages {text!r}: {part!r} is not a stage number or a range such as "
                f"1-4. Use numbers from 1 to {len(STAGES)}, e.g. 1-4 or 3,4."
            ) from None
        if not 1 <= first <= last <= len(STAGES):
            raise StageSelectionError(
                f"--stages {text!r}: {part!r} is outside 1-{len(STAGES)} "
                "or runs backwards."
            )
        chosen.update(range(first, last + 1))
    for number in sorted(chosen):
        missing = [need for need in journey.stage(number).needs if need not in chosen]
        if missing:
            raise StageSelectionError(
                f"--stages {text!r}: stage {number} uses the results of stage "
                f"{', '.join(map(str, missing))} from the same run; add it, e.g. "
                f"--stages {min(chosen | set(missing))}-{max(chosen)}."
            )
    return sorted(chosen)


def new_run_dir(runs_dir: Path, poc: str) -> Path:
    """Create a new run folder, named to sort by time; never reuse an existing one."""
    parent = runs_dir / poc
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        try:
            (parent / run_id).mkdir()
        except FileExistsError:
            continue
        return parent / run_id


def run_journey(
    charter_path: Path,
    *,
    runs_dir: Path,
    seed: int | None = None,
    data_path: Path | None = None,
    stages: list[int] | None = None,
    notebooks_dir: Path | None = None,
    on_event: Callable[[StageEvent], None] | None = None,
) -> JourneyResult:
    """Run the selected stages for one charter, in order, stopping at a gate or a crash.

    Args:
        charter_path: The POC charter (YAML).
        runs_dir: Folder under which `<poc>/<run-id>/` is created.
        seed: Seed passed to every stage (default: the charter's `seed`); the same seed
            gives the same numbers.
        data_path: Data file to use instead of the charter's `data.path`.
        stages: Stage numbers to run (default: all seven).
        notebooks_dir: Folder holding the stage notebooks (default: playbook's own).
        on_event: Called when a stage starts and when it ends.

    Raises:
        CharterError: The charter cannot be loaded (nothing is written).
        DataError: The data file is missing (nothing is written).
    """
    poc = charter.load(charter_path)
    seed = seed if seed is not None else poc.seed
    if seed is None:
        raise CharterError(
            f"{poc.source}: seed is missing: add `seed: 42` (any whole number) to the "
            f"charter, or pass --seed."
        )
    source = Path(data_path).resolve() if data_path else poc.data.path
    if not source.is_file():
        raise DataError(
            f"{source}: no such data file. "
            f"Check data.path in {poc.source}, or pass --data."
        )
    selected = stages or [stage.number for stage in STAGES]
    notebooks = notebooks_dir or resources.bundled("notebooks")
    run_dir = new_run_dir(Path(runs_dir).resolve(), poc.poc)
    record = manifest.start(
        poc=poc.poc,
        title=poc.title,
        run_id=run_dir.name,
        charter_path=poc.source,
        charter_sha256=charter.sha256(poc.source),
        data_path=source,
        data_sha256=data.sha256(source),
        synthetic_data=poc.data.synthetic,
        seed=seed,
        selected=selected,
    )
    manifest.write(run_dir, record)
    parameters = {
        "charter_path": str(poc.source),
        "data_path": str(source),
        "out_dir": str(run_dir),
        "seed": seed,
    }
    exit_code = 0
    try:
        for stage in (journey.stage(number) for number in selected):
            exit_code = _run_stage(
                stage, notebooks, run_dir, parameters, record, on_event
            )
            if exit_code:
                break
        record["status"] = {0: "complete", 2: "stopped"}.get(exit_code, "failed")
    except KeyboardInterrupt:
        exit_code = 130
        record["status"] = "interrupted"
        for entry in record["stages"].values():
            if entry["status"] == "running":
                entry["status"] = "interrupted"
        raise
    finally:
        for entry in record["stages"].values():
            if entry["status"] == "pending":
                entry["status"] = "not_run"
        record["exit_code"] = exit_code
        record["finished_at"] = manifest.now()
        manifest.write(run_dir, record)
        report.write_index(run_dir, record)
    return JourneyResult(run_dir=run_dir, exit_code=exit_code, manifest=record)


def _run_stage(
    stage: Stage,
    notebooks: Path,
    run_dir: Path,
    parameters: dict[str, Any],
    record: dict[str, Any],
    on_event: Callable[[StageEvent], None] | None,
) -> int:
    """Execute one stage; update the manifest; return the exit code it implies."""
    import papermill

    entry = record["stages"][stage.key]
    executed = run_dir / "notebooks" / stage.notebook
    executed.parent.mkdir(exist_ok=True)
    entry.update(status="running", notebook=str(executed.relative_to(run_dir)))
    manifest.write(run_dir, record)
    if on_event:
        on_event(StageEvent(stage, "running"))
    started = time.perf_counter()
    exit_code = 0
    try:
        papermill.execute_notebook(
            str(notebooks / stage.notebook),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(run_dir),
            # ipykernel warns on every start that its local TCP link is unencrypted;
            # that line says nothing about the journey, so keep the kernel to errors.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except papermill.PapermillExecutionError as error:
        exit_code = exit_code_for(error.ename)
        entry.update(
            status="stopped" if exit_code == 2 else "failed",
            error={
                "cell": _failed_cell(executed),
                "name": error.ename,
                "message": error.evalue,
            },
        )
        if exit_code == 2:  # the charter or the data are unfit: a gate, not a crash
            record["gates"].append(
                {
                    "gate": "charter" if error.ename == "CharterError" else "data",
                    "stage": stage.key,
                    "passed": False,
                    "reasons": [error.evalue],
                    "details": None,
                }
            )
    except Exception as error:  # the kernel died, or the notebook could not be read
        exit_code = 1
        entry.update(
            status="failed",
            error={"cell": None, "name": type(error).__name__, "message": str(error)},
        )
    entry["seconds"] = round(time.perf_counter() - started, 2)
    if exit_code == 0:
        outcome = journey.load(run_dir, stage.key)
        if outcome is None:
            exit_code = 1
            entry.update(
                status="failed",
                error={
                    "cell": None,
                    "name": "MissingOutcome",
                    "message": "the notebook finished without saving its outcome "
                    "(journey.save); its last cell must record it",
                },
            )
        else:
            manifest.record_outcome(record, outcome)
            entry.update(status="complete", summary=outcome.summary)
            if outcome.status == STOPPED:
                exit_code = 2
                entry["status"] = "stopped"
    if executed.exists():
        html = run_dir / f"{stage.key}.html"
        report.export_stage(executed, html, title=f"{stage.number}. {stage.title}")
        entry["report"] = html.name
    manifest.write(run_dir, record)
    if on_event:
        on_event(StageEvent(stage, entry["status"], entry["seconds"], entry["summary"]))
    return exit_code


def _failed_cell(executed: Path) -> int | None:
    """Position (from 1) of the cell that raised, in the executed notebook as saved.

    papermill adds a banner cell above the notebook when a cell fails, so the index it
    reports is off by one in the saved file; the cell's own metadata is not.
    """
    import nbformat

    if not executed.exists():
        return None
    cells = nbformat.read(executed, as_version=4).cells
    for position, cell in enumerate(cells, start=1):
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            return position
    return None
