"""Run the journey: execute the stage notebooks into a new run folder.

Each run gets `runs/<poc>/<run-id>/` (ids sort by time; an earlier run is never touched)
holding the executed notebooks, one HTML report per stage, `index.html`, the stages'
outcomes under `results/`, and `manifest.json`, rewritten after every stage so that a
crash or an interruption keeps everything produced so far. The stages of one journey
share one Jupyter kernel (`playbook.run.kernel`), cleared between stages; two journeys
never share one. At the end the portfolio page over every run, `runs/index.html`, is
redrawn.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from playbook import charter, data
from playbook.charter import data_paths
from playbook.charter import overrides as charter_overrides
from playbook.core import bundled, journey
from playbook.core.files import relative_path
from playbook.core.journey import STAGES, STOPPED, Stage
from playbook.core.language import Language, language_of
from playbook.core.messages import sentence, translated
from playbook.errors import CharterError, StageSelectionError, exit_code_for
from playbook.report import pages, portfolio, stage_export
from playbook.run import evidence_types, interruption, kernel, liveness, manifest

_LOG = logging.getLogger(__name__)
# The derived charter a run reads when a batch overrides some of its fields.
RUN_CHARTER = "charter.yaml"
# Where stage 3 builds GX Data Docs of the data contract when asked (`data_docs`).
DATA_DOCS = "data_docs"
# The run's executed notebooks, and the kernel's working folder.
EXECUTED = "notebooks"
# ipykernel warns on every start that its local TCP link is unencrypted; that line says
# nothing about the journey, so keep the kernel to errors. IPython's history database is
# shared by every kernel on the machine: concurrent journeys collide in it and print
# "Session/line number was not unique" into the reports; a journey needs no history.
# Before any stage imports anything, the kernel defers a grammar that nothing in a
# journey uses (`playbook.core.slow_imports`), leaving no name in the stage's namespace.
_KERNEL_ARGUMENTS = (
    "--IPKernelApp.log_level=ERROR",
    "--HistoryManager.enabled=False",
    "--IPKernelApp.exec_lines="
    "__import__('playbook.core.slow_imports').core.slow_imports.defer_iri_grammar()",
)
# Errors of the run folder's disk (full, read-only, no permission): they end the
# journey at once, whichever stage was running.
_DISK_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)


@dataclass(frozen=True)
class StageEvent:
    """Progress of one stage, for whoever shows it (the CLI prints it)."""

    stage: Stage
    status: str
    seconds: float | None = None
    summary: str | None = None
    run_dir: Path | None = None


@dataclass(frozen=True)
class JourneyResult:
    """Where the run went and how it ended."""

    run_dir: Path
    exit_code: int
    manifest: dict[str, Any]
    abandoned: tuple[tuple[Path, str], ...] = ()

    @property
    def index(self) -> Path:
        """The run's index pages."""
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
                sentence(
                    "--stages %(text)s: %(part)s is not a stage number or a "
                    "range such as 1-4. Use numbers from 1 to %(total)s, e.g. 1-4 "
                    "or 3,4.",
                    text=repr(text),
                    part=repr(part),
                    total=len(STAGES),
                )
            ) from None
        if not 1 <= first <= last <= len(STAGES):
            raise StageSelectionError(
                sentence(
                    "--stages %(text)s: %(part)s is outside 1-%(total)s or runs "
                    "backwards.",
                    text=repr(text),
                    part=repr(part),
                    total=len(STAGES),
                )
            )
        chosen.update(range(first, last + 1))
    for number in sorted(chosen):
        missing = [need for need in journey.stage(number).needs if need not in chosen]
        if missing:
            raise StageSelectionError(
                sentence(
                    "--stages %(text)s: stage %(number)s uses the results of "
                    "stage %(missing)s from the same run; add it, e.g. --stages "
                    "%(min)s-%(max)s.",
                    text=repr(text),
                    number=number,
                    missing=", ".join(map(str, missing)),
                    min=min(chosen | set(missing)),
                    max=max(chosen),
                )
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
    overrides: Mapping[str, Any] | None = None,
    refresh_portfolio: bool = True,
    tuning_seconds: float | None = None,
    data_docs: bool = False,
    allowed_paths: Sequence[Path] = (),
    language: Language | None = None,
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
        overrides: Charter fields to replace for this run, by dotted path (e.g.
            `{"kpi.capacity_per_period": 200}`); the stages read a copy of the charter
            with these values, saved in the run folder.
        refresh_portfolio: Redraw `runs_dir/index.html` at the end (a batch does it
            once for all its journeys instead).
        tuning_seconds: Wall time stage 4 may spend tuning the candidate models
            (default: the notebook's, 60 s).
        data_docs: Build GX Data Docs of stage 3's data contract into the run
            folder's `data_docs/`, linked from the stage 3 page.
        allowed_paths: Folders outside the charter's own that its data, fresh batch
            and contract may be in (`--allow-path`; `playbook.charter.data_paths`).
        language: The reader's language instead of the charter's
            `report.language` (an override like a batch's).

    Raises:
        CharterError: The charter cannot be loaded, the overrides make it invalid,
            or it names a file outside the folders it may read from (nothing is
            written, nothing outside is opened).
        ParameterError: An override names no field of the charter (nothing is written).
        DataError: The data file or folder is missing, or the SQL query fails
            (nothing is written).
    """
    # Long: the journey's life in order (load, fingerprint, folder, manifest, stages,
    # index) with one try around it, so that an interruption anywhere is recorded the
    # same way.
    overrides = dict(overrides or {})
    if language is not None:
        overrides[charter_overrides.LANGUAGE] = language
    poc = charter.load(charter_path)
    derived, stage_charter = _derive(poc, overrides) if overrides else (None, poc)
    seed = seed if seed is not None else stage_charter.seed
    if seed is None:
        raise CharterError(
            sentence(
                "%(source)s: seed is missing: add `seed: 42` (any whole "
                "number) to the charter, or pass --seed.",
                source=poc.source,
            )
        )
    # Before any file is opened: only the charter's folder tree, and what is allowed.
    data_paths.require_inside(
        stage_charter,
        root=poc.source.parent,
        allowed=[*poc.data.allowed_folders, *allowed_paths],
        data_given=bool(data_path),
    )
    # A file, a folder of files, or a SQL query's rows; a missing one raises DataError.
    source = Path(data_path).resolve() if data_path else None
    found = data.fingerprint(stage_charter, path=source)
    selected = stages or [stage.number for stage in STAGES]
    notebooks = notebooks_dir or bundled.bundled("notebooks")
    runs_dir = Path(runs_dir).resolve()
    abandoned = tuple(mark_abandoned(runs_dir))
    charter_sha256, data_sha256 = charter.sha256(poc.source), found.sha256
    run_dir = new_run_dir(runs_dir, poc.poc)
    record = manifest.start(
        poc=poc.poc,
        title=stage_charter.title,
        run_id=run_dir.name,
        charter_path=relative_path(poc.source, start=run_dir),
        charter_sha256=charter_sha256,
        data_path=found.location
        if found.kind == "sql"
        else relative_path(found.location, start=poc.source.parent),
        data_sha256=data_sha256,
        synthetic_data=stage_charter.data.synthetic,
        seed=seed,
        selected=selected,
    )
    record.update(
        owner=_owner(stage_charter),
        language=stage_charter.language,
        parameters={
            "seed": seed,
            "overrides": overrides,
            "stages": selected,
            "charter": RUN_CHARTER if derived else None,
            "tuning_seconds": tuning_seconds,
            "data": relative_path(source, start=run_dir) if source else None,
            "data_docs": data_docs,
            # --allow-path, so that running the folder again may read what this did.
            "allowed_paths": [
                relative_path(folder, start=run_dir) for folder in allowed_paths
            ],
        },
        journey_sha256=charter_overrides.fingerprint(
            charter_sha256=charter_sha256,
            data_sha256=data_sha256,
            seed=seed,
            overrides=overrides,
            stages=selected,
            notebooks=notebooks_dir,
            tuning_seconds=tuning_seconds,
        ),
    )
    if derived:  # its paths relative to the run folder, which may move
        relocatable = charter_overrides.derive_charter(
            poc.source, overrides, into=run_dir
        )
        (run_dir / RUN_CHARTER).write_text(relocatable, encoding="utf-8")
    manifest.write(run_dir, record)
    # The kernel works in the executed notebooks' folder, as JupyterLab does when one is
    # opened again, and every path the stages get is relative to it: a run folder that
    # is moved or zipped keeps working, and its notebooks name no one's home folder.
    executed = run_dir / EXECUTED
    executed.mkdir()
    injected = {
        "charter_path": relative_path(
            run_dir / RUN_CHARTER if derived else poc.source, start=executed
        ),
        # Empty unless --data: the stages then read what the charter says.
        "data_path": relative_path(source, start=executed) if source else "",
        "out_dir": relative_path(run_dir, start=executed),
        "seed": seed,
    }
    if tuning_seconds is not None:
        injected["tuning_seconds"] = float(tuning_seconds)
    if data_docs:
        injected["docs"] = relative_path(run_dir / DATA_DOCS, start=executed)
    _LOG.debug(
        "journey %s: run folder %s, stages %s, notebooks from %s, data %s (sha256 %s)",
        poc.poc,
        run_dir,
        selected,
        notebooks,
        found.location,
        data_sha256[:12],
    )
    exit_code = 0
    # One exporter for the journey's pages: its templates are compiled once.
    exporter = stage_export.StageExporter(language_of(record.get("language")))
    try:
        with (
            liveness.heartbeat(lambda: manifest.beat(run_dir)),
            kernel.JourneyKernel(
                cwd=executed, extra_arguments=_KERNEL_ARGUMENTS
            ) as session,
        ):
            for stage in (journey.stage(number) for number in selected):
                exit_code = _run_stage(
                    stage,
                    notebooks,
                    run_dir,
                    injected,
                    record,
                    on_event,
                    session,
                    exporter,
                )
                if exit_code:
                    break
        record["status"] = {0: "complete", 2: "stopped"}.get(exit_code, "failed")
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (interruption.Terminated)
        exit_code = interruption.exit_code_of(stop)
        interruption.quiet_stopped_kernel()
        _close_running(record, "interrupted", None)
        raise
    except OSError as error:  # a full disk or a folder that became read-only
        exit_code = 1
        _close_running(record, "failed", error)
        raise
    finally:
        for entry in record["stages"].values():
            if entry["status"] == "pending":
                entry["status"] = "not_run"
        record["exit_code"] = exit_code
        record["finished_at"] = manifest.now()
        manifest.write(run_dir, record)
        pages.write_index(run_dir, record)
    _LOG.debug("journey %s ended %s (exit %s)", poc.poc, record["status"], exit_code)
    if refresh_portfolio:
        # The frame in the run's language: the command's (--lang) or the charter's.
        portfolio.write(runs_dir, language=stage_charter.language)
    return JourneyResult(run_dir, exit_code, record, abandoned=abandoned)


def mark_unfinished(run_dir: Path, *, status: str, error: Mapping[str, Any]) -> None:
    """Close the manifest of a journey that was killed before it could close it.

    A batch calls this when it stops a journey from outside (a timeout, a crashed
    worker, an interruption): the stage that was running gets `status` and `error`,
    stages not reached become `not_run`, and the run's index page is redrawn. A run
    that closed its manifest itself is left as it is.

    Args:
        run_dir: The run folder.
        status: The journey's and the running stage's new status, e.g. "failed" or
            "interrupted".
        error: `{"name": ..., "message": ...}` saying what stopped it.
    """
    record = manifest.read(run_dir)
    if record is None or record.get("finished_at"):
        return
    for entry in record["stages"].values():
        if entry["status"] == "running":
            entry.update(status=status, error={"cell": None, **error})
        elif entry["status"] == "pending":
            entry["status"] = "not_run"
    record.update(
        status=status,
        exit_code=interruption.INTERRUPTED if status == "interrupted" else 1,
        finished_at=manifest.now(),
    )
    manifest.write(run_dir, record)
    pages.write_index(run_dir, record)


def mark_abandoned(runs_dir: Path) -> list[tuple[Path, str]]:
    """Mark "abandoned" every run under `runs_dir` whose process died while running.

    A journey killed without closing its manifest (SIGKILL, a power cut) still says
    "running"; `liveness.abandoned` tells it from one at work (its process is gone, or
    its heartbeat is stale), and `mark_unfinished` closes it.

    Returns:
        Each abandoned run's folder and why it counts as abandoned.
    """
    found = []
    for path in sorted(Path(runs_dir).glob("*/*/manifest.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written, or not a manifest: the portfolio says so
        reason = liveness.abandoned(record) if isinstance(record, dict) else None
        if reason:
            mark_unfinished(
                path.parent,
                status="abandoned",
                error={"name": "Abandoned", "message": reason},
            )
            found.append((path.parent, reason))
    return found


def _close_running(record: dict[str, Any], status: str, error: OSError | None) -> None:
    """Give the journey and its running stage `status` (and what stopped it)."""
    record["status"] = status
    for entry in record["stages"].values():
        if entry["status"] == "running":
            entry["status"] = status
            if error is not None:
                entry["error"] = {
                    "cell": None,
                    "name": type(error).__name__,
                    "message": str(error),
                }


def _derive(poc: charter.Charter, overrides: dict[str, Any]) -> tuple[str, Any]:
    """The derived charter's text, and the charter it loads as; checked, not written.

    Raises:
        ParameterError: An override names no plain field of the charter.
        CharterError: An override gives a field a value the charter refuses.
    """
    fields = yaml.safe_load(poc.source.read_text(encoding="utf-8"))
    charter_overrides.check_overrides(fields, overrides, where=str(poc.source))
    text = charter_overrides.derive_charter(poc.source, overrides)
    with tempfile.TemporaryDirectory(prefix="playbook-charter-") as folder:
        copy = Path(folder) / RUN_CHARTER
        copy.write_text(text, encoding="utf-8")
        try:
            return text, charter.load(copy)
        except CharterError as error:
            listed = charter_overrides.label(None, overrides)
            raise CharterError(
                str(error).replace(str(copy), f"{poc.source} with {listed}")
            ) from None


def _owner(poc: charter.Charter) -> str | None:
    """Who answers for the POC: its product manager, else its executive sponsor."""
    roles = poc.team.roles if poc.team else {}
    return (
        roles.get("product_manager")
        or poc.business.sponsor
        or roles.get("executive_sponsor")
    )


def _run_stage(
    stage: Stage,
    notebooks: Path,
    run_dir: Path,
    parameters: dict[str, Any],
    record: dict[str, Any],
    on_event: Callable[[StageEvent], None] | None,
    session: kernel.JourneyKernel,
    exporter: stage_export.StageExporter,
) -> int:
    """Execute one stage; update the manifest; return the exit code it implies."""
    # Long: execute, then read and record the outcome, in one try so that a crash in
    # the notebook, a missing outcome and a gate all end in the manifest the same way.
    import papermill

    entry = record["stages"][stage.key]
    language = language_of(record.get("language"))
    executed = run_dir / EXECUTED / stage.notebook
    entry.update(status="running", notebook=str(executed.relative_to(run_dir)))
    manifest.write(run_dir, record)
    if on_event:
        on_event(StageEvent(stage, "running", run_dir=run_dir))
    _LOG.debug(
        "stage %s: %s -> %s with %s",
        stage.number,
        notebooks / stage.notebook,
        executed,
        parameters,
    )
    started = time.perf_counter()
    exit_code = 0
    try:
        session.execute(
            notebooks / stage.notebook,
            executed,
            parameters=parameters,
            language=language,
        )
    except papermill.PapermillExecutionError as error:
        exit_code = exit_code_for(error.ename)
        said = session.last_error_in(language) if language != "en" else None
        entry.update(
            status="stopped" if exit_code == 2 else "failed",
            error={
                "cell": _failed_cell(executed),
                "name": error.ename,
                "message": said or error.evalue,
            },
        )
        if exit_code == 2:  # the charter or the data are unfit: a gate, not a crash
            record["gates"].append(
                {
                    "gate": "charter" if error.ename == "CharterError" else "data",
                    "stage": stage.key,
                    "passed": False,
                    "reasons": [said or error.evalue],
                    "details": None,
                }
            )
    except Exception as error:  # the kernel died, or the notebook could not be read
        if isinstance(error, OSError) and error.errno in _DISK_ERRNOS:
            raise  # not the stage's fault: the journey cannot go on (run_journey)
        exit_code = 1
        entry.update(
            status="failed",
            error={"cell": None, "name": type(error).__name__, "message": str(error)},
        )
    entry["seconds"] = round(time.perf_counter() - started, 2)
    _LOG.debug("stage %s: executed in %.1f s", stage.number, entry["seconds"])
    if exit_code == 0:
        unread = {
            "cell": None,
            "name": "MissingOutcome",
            "message": translated(
                language,
                "the notebook finished without saving its outcome (journey.save); "
                "its last cell must record it",
            ),
        }
        try:
            outcome = evidence_types.load_outcome(run_dir, stage.key)
        except journey.EvidenceError as error:  # saved, but not as the stage's type
            outcome = None
            unread = {"cell": None, "name": "EvidenceError", "message": str(error)}
        if outcome is None:
            exit_code = 1
            entry.update(status="failed", error=unread)
        else:
            manifest.record_outcome(record, outcome)
            entry.update(status="complete", summary=outcome.summary)
            if outcome.status == STOPPED:
                exit_code = 2
                entry["status"] = "stopped"
    if executed.exists():
        html = run_dir / f"{stage.key}.html"
        exporter.export(
            executed, html, title=f"{stage.number}. {translated(language, stage.title)}"
        )
        entry["report"] = html.name
    manifest.write(run_dir, record)
    if on_event:
        on_event(
            StageEvent(
                stage,
                entry["status"],
                entry["seconds"],
                entry["summary"],
                run_dir=run_dir,
            )
        )
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
