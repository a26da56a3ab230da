"""`playbook batch`: many journeys at once, on this machine's cores or on Dask.

A batch spec is a folder of charters, or a YAML file listing POCs and parameter grids:

    runs_dir: runs                  # optional, relative to this file
    workers: 2                      # optional, default: the number of cores
    timeout: 1800                   # optional, seconds per journey
    pocs:
      - charter: examples/churn/charter.yaml
        data: examples/churn/churn_SYNTHETIC.csv   # optional, like --data
        stages: 1-7                                # optional, like --stages
        grid:                                      # every combination is a journey
          seed: [1, 2]
          kpi.capacity_per_period: [200, 300]
      - charters: examples/        # every charter found under a folder

Each journey runs in its own worker process (and its own kernel) and writes its own run
folder. A supervisor thread per journey watches it: it relays the worker's progress,
stops it when it runs past the timeout, and closes its manifest when the worker dies or
is stopped; so a POC that fails, crashes its kernel, hangs or is stopped by a gate never
stops the others. With `scheduler=` the same supervisor runs as a task on a Dask
cluster instead of a local thread; nothing of Dask is imported without it.

A journey whose charter, data and parameters (by their sha256) match a run that already
completed is skipped unless `force=True`; one that was stopped by a gate, failed or was
interrupted runs again. Every batch
leaves a record in `runs_dir/_batches/<batch-id>.json`, rewritten as journeys finish,
and redraws the portfolio page `runs_dir/index.html`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from playbook.charter import overrides as parameters
from playbook.errors import CharterError, DataError, PlaybookError, StageSelectionError
from playbook.report import portfolio

BATCHES_DIR = "_batches"
DEFAULT_TIMEOUT = 3600.0
# Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0
# Seconds a stopped worker gets to close its run before it is killed.
GRACE_SECONDS = 20.0
_SPEC_KEYS = {"runs_dir", "workers", "timeout", "pocs"}
_ENTRY_KEYS = {"charter", "charters", "data", "stages", "grid", "notebooks"}
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

# How a journey of a batch ended.
COMPLETE, STOPPED, FAILED = "complete", "stopped", "failed"
TIMED_OUT, CRASHED, INTERRUPTED = "timed_out", "crashed", "interrupted"
SKIPPED, NOT_STARTED = "skipped", "not_started"
_OUTCOME_CODES = {
    COMPLETE: 0,
    SKIPPED: 0,
    STOPPED: 2,
    FAILED: 1,
    TIMED_OUT: 1,
    CRASHED: 1,
    INTERRUPTED: 130,
    NOT_STARTED: 130,
}


class BatchSpecError(PlaybookError):
    """The batch spec does not parse, names a missing file or an unknown parameter."""


class BatchError(PlaybookError):
    """The batch cannot start: e.g. the Dask scheduler does not answer."""


@dataclass(frozen=True)
class Job:
    """One journey of a batch: a charter and one parameter set."""

    index: int
    poc: str
    charter: Path
    data: Path | None
    stages: tuple[int, ...]
    seed: int | None
    overrides: Mapping[str, Any]
    notebooks: Path | None
    fingerprint: str | None
    problem: str | None = None

    @property
    def name(self) -> str:
        """The POC and its parameters, e.g. "churn-retention [seed=1]"."""
        given = parameters.label(self.seed, self.overrides)
        return f"{self.poc} [{given}]" if given else self.poc


@dataclass(frozen=True)
class BatchSpec:
    """A parsed batch spec: where runs go, how many at once, and the journeys."""

    source: Path
    runs_dir: Path
    workers: int | None
    timeout: float
    jobs: tuple[Job, ...]


@dataclass(frozen=True)
class JobResult:
    """How one journey of the batch ended."""

    job: Job
    outcome: str
    exit_code: int
    run_dir: Path | None = None
    decision: str | None = None
    kpi: Mapping[str, Any] | None = None
    seconds: float | None = None
    stage: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class BatchEvent:
    """Progress of one journey, for whoever shows it (the CLI draws a live table).

    `kind` is "started", "stage" (a stage began or ended: see `stage` and `status`) or
    "finished" (see `result`).
    """

    job: Job
    kind: str
    stage: int | None = None
    status: str | None = None
    result: JobResult | None = None


@dataclass(frozen=True)
class BatchResult:
    """Every journey's result, where the record is, and whether Ctrl-C cut it short."""

    batch_id: str
    runs_dir: Path
    record: Path
    results: tuple[JobResult, ...]
    seconds: float
    interrupted: bool = False
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """130 interrupted, 1 any journey failed, 2 any stopped by a gate, else 0."""
        codes = {_OUTCOME_CODES[result.outcome] for result in self.results}
        for code in (130, 1, 2):
            if code in codes:
                return code
        return 0

    @property
    def portfolio(self) -> Path:
        """The portfolio page the batch refreshed."""
        return self.runs_dir / portfolio.INDEX


def load_spec(path: Path, *, runs_dir: Path | None = None) -> BatchSpec:
    """Read a batch spec (a YAML file or a folder of charters) into its journeys.

    Args:
        path: The spec file, or a folder whose charters each make one journey.
        runs_dir: Where runs go, instead of the spec's `runs_dir` (default: `runs`
            beside the spec file, or in the current folder for a folder of charters).

    Raises:
        BatchSpecError: The spec is not valid YAML or not a spec, names a file that
            does not exist, gives a bad grid, or a parameter the charter lacks. The
            message names the spec, the entry and the field.
    """
    path = Path(path).resolve()
    if path.is_dir():
        entries: list[Any] = [{"charters": str(path)}]
        spec: dict[str, Any] = {}
        base = path
    else:
        spec = _read_spec(path)
        entries = spec["pocs"]
        base = path.parent
    where = str(path)
    workers = spec.get("workers")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise BatchSpecError(
            f"{where}: workers: expected a whole number of at least 1."
        )
    timeout = spec.get("timeout", DEFAULT_TIMEOUT)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or timeout <= 0
    ):
        raise BatchSpecError(
            f"{where}: timeout: expected seconds per journey (a number above 0), "
            f"got {timeout!r}."
        )
    if runs_dir is None:
        runs_dir = base / str(spec.get("runs_dir") or "runs") if spec else Path("runs")
    jobs: list[Job] = []
    for number, entry in enumerate(entries):
        jobs += _entry_jobs(entry, where=f"{where}: pocs[{number}]", base=base)
    if not jobs:
        raise BatchSpecError(
            f"{where}: no charters found. A charter is a YAML file with a `poc:` "
            "field; list them under `pocs:`, or point the batch at a folder that "
            "holds them."
        )
    seen: dict[str, str] = {}
    numbered = []
    for index, job in enumerate(jobs):
        if job.fingerprint and job.fingerprint in seen:
            raise BatchSpecError(
                f"{where}: {job.name} is listed twice ({seen[job.fingerprint]} and "
                f"{job.charter}): the same charter, data and parameters make the same "
                "journey. Remove one."
            )
        if job.fingerprint:
            seen[job.fingerprint] = str(job.charter)
        numbered.append(replace(job, index=index))
    return BatchSpec(
        source=path,
        runs_dir=Path(runs_dir).resolve(),
        workers=workers,
        timeout=float(timeout),
        jobs=tuple(numbered),
    )


def run_batch(
    spec: BatchSpec,
    *,
    workers: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    scheduler: str | None = None,
    on_event: Callable[[BatchEvent], None] | None = None,
) -> BatchResult:
    """Run every journey of a spec, in parallel, and refresh the portfolio page.

    Args:
        spec: What `load_spec` read.
        workers: Journeys at once on this machine (default: the spec's, else the
            number of cores). Ignored with `scheduler`, where the cluster decides.
        timeout: Seconds per journey (default: the spec's); a journey past it is
            stopped, its worker and kernel killed, and its run marked failed.
        force: Run journeys that already completed with the same inputs again.
        scheduler: Address of a Dask scheduler (e.g. tcp://10.0.0.5:8786) to send the
            journeys to instead of local workers. Needs `playbook[dask]`, and runs
            folders and charters on a path every Dask worker sees.
        on_event: Called, in this thread, as journeys start, move on and finish.

    Returns:
        The results; an interrupted batch (Ctrl-C) returns with `interrupted` set after
        closing the runs it stopped.

    Raises:
        BatchError: The Dask scheduler does not answer, or Dask is not installed;
            nothing is written then.
    """
    started = time.perf_counter()
    timeout = float(timeout or spec.timeout)
    client = _dask_client(scheduler) if scheduler else None
    batch_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    runs_dir = spec.runs_dir
    logs = runs_dir / BATCHES_DIR / batch_id
    try:
        logs.mkdir(parents=True, exist_ok=True)
    except OSError:
        if client is not None:
            client.close()
        raise
    record_path = runs_dir / BATCHES_DIR / f"{batch_id}.json"
    results: dict[int, JobResult] = {}
    todo: list[Job] = []
    for job in spec.jobs:
        done = None if force or job.problem else _finished_run(runs_dir, job)
        if job.problem:
            results[job.index] = JobResult(
                job, STOPPED, 2, message=job.problem, seconds=0.0
            )
        elif done is not None:
            results[job.index] = _skipped(job, done)
        else:
            todo.append(job)
    events: queue.Queue[BatchEvent] = queue.Queue()
    for result in results.values():
        events.put(BatchEvent(result.job, "finished", result=result))
    record = _Record(record_path, batch_id=batch_id, spec=spec, scheduler=scheduler)
    record.write(results, running=set(), interrupted=False)
    interrupted = False
    restore = _interrupt_on_sigterm()
    try:
        if client is None:
            count = workers or spec.workers or os.cpu_count() or 1
            interrupted = _run_local(
                todo,
                runs_dir=runs_dir,
                logs=logs,
                workers=count,
                timeout=timeout,
                events=events,
                results=results,
                record=record,
                on_event=on_event,
            )
        else:
            interrupted = _run_dask(
                client,
                todo,
                runs_dir=runs_dir,
                logs=logs,
                timeout=timeout,
                batch_id=batch_id,
                events=events,
                results=results,
                record=record,
                on_event=on_event,
            )
    finally:
        restore()
        if client is not None:
            client.close()
        for job in todo:
            results.setdefault(
                job.index,
                JobResult(
                    job,
                    NOT_STARTED,
                    130,
                    message="the batch was interrupted before this journey started",
                ),
            )
        record.write(results, running=set(), interrupted=interrupted)
        portfolio.write(runs_dir)
        _drain(events, on_event)
    ordered = tuple(results[job.index] for job in spec.jobs)
    counts: dict[str, int] = {}
    for result in ordered:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return BatchResult(
        batch_id=batch_id,
        runs_dir=runs_dir,
        record=record_path,
        results=ordered,
        seconds=time.perf_counter() - started,
        interrupted=interrupted,
        counts=counts,
    )


def supervise(
    job: Job,
    *,
    runs_dir: Path,
    log: Path,
    timeout: float,
    emit: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    hurry: Callable[[], bool] = lambda: False,
    threads: int | None = None,
) -> dict[str, Any]:
    """Run one journey in a worker process and watch it until it ends; return how.

    This runs in a local supervisor thread, or as a task on a Dask worker. It starts
    `python -m playbook.run.batch` (which runs the journey in its own kernel), relays
    the worker's progress to `emit`, kills the worker and its kernel when the journey
    runs past `timeout` or when `should_stop()` has been true for `GRACE_SECONDS`, and
    then closes the run's manifest, so that the run folder always says how it ended.

    Args:
        job: The journey.
        runs_dir: Where its run folder goes.
        log: File for the worker's own messages (kept for a crashed worker).
        timeout: Seconds the journey may take.
        emit: Receives progress events as plain dicts.
        should_stop: True once the batch is interrupted; the worker then gets SIGINT.
        hurry: True once the batch is interrupted a second time: no more grace.
        threads: Threads each numeric library may use in the journey's kernel.

    Returns:
        A plain dict: outcome, exit_code, run_dir, decision, kpi, seconds, stage,
        message.
    """
    from playbook.run import runner

    payload = {
        "charter": str(job.charter),
        "data": str(job.data) if job.data else None,
        "stages": list(job.stages),
        "seed": job.seed,
        "overrides": dict(job.overrides),
        "notebooks": str(job.notebooks) if job.notebooks else None,
        "runs_dir": str(runs_dir),
    }
    env = dict(os.environ)
    if threads:
        for name in _THREAD_VARIABLES:
            env.setdefault(name, str(threads))
    started = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "playbook.run.batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=env,
            start_new_session=True,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()
        reader = threading.Thread(
            target=_read_lines, args=(worker.stdout, lines), daemon=True
        )
        reader.start()
        assert worker.stdin is not None
        worker.stdin.write(json.dumps(payload))
        worker.stdin.close()
        state: dict[str, Any] = {"run_dir": None, "stage": None, "end": None}
        stop_sent: float | None = None
        reason: str | None = None
        while True:
            with contextlib.suppress(queue.Empty):
                line = lines.get(timeout=0.2)
                if line is not None:
                    _take(line, state, emit)
                    continue
            if worker.poll() is not None and not reader.is_alive():
                while not lines.empty():
                    line = lines.get()
                    if line is not None:
                        _take(line, state, emit)
                break
            if reason is not None:
                continue  # killed: wait for the pipe to close
            if time.perf_counter() - started > timeout:
                reason = TIMED_OUT
                _kill_tree(worker.pid)
            elif stop_sent is None and should_stop():
                stop_sent = time.perf_counter()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.pid, signal.SIGINT)
            elif stop_sent is not None and (
                hurry() or time.perf_counter() - stop_sent > GRACE_SECONDS
            ):
                reason = INTERRUPTED
                _kill_tree(worker.pid)
        worker.wait()
    seconds = round(time.perf_counter() - started, 2)
    end = state["end"] or {}
    run_dir = Path(state["run_dir"]) if state["run_dir"] else None
    stage = state["stage"]
    if reason == TIMED_OUT or (not end and stop_sent is None):
        outcome = reason or CRASHED
        where = f" during stage {stage}" if stage else ""
        message = (
            f"ran past the batch's {timeout:g} s timeout{where}; its worker and kernel "
            "were stopped. Give it more time with `timeout:` in the spec or --timeout."
            if outcome == TIMED_OUT
            else f"its worker process ended with code {worker.returncode}{where} "
            f"before the journey finished; see {log}"
        )
        if run_dir is not None:
            runner.mark_unfinished(
                run_dir,
                status=FAILED,
                error={
                    "name": "JourneyTimeout" if outcome == TIMED_OUT else "WorkerDied",
                    "message": message,
                },
            )
        return _outcome(outcome, 1, run_dir, seconds, stage, message)
    if end.get("kind") == "finished":
        status = end.get("status")
        outcome = {"complete": COMPLETE, "stopped": STOPPED}.get(status, FAILED)
        if status == "interrupted":
            outcome = INTERRUPTED
        return _outcome(
            outcome,
            int(end["exit_code"]),
            run_dir,
            seconds,
            stage,
            end.get("message"),
            decision=end.get("decision"),
            kpi=end.get("kpi"),
        )
    if end.get("kind") == "error":
        code = int(end.get("exit_code") or 1)
        outcome = STOPPED if code == 2 else FAILED
        return _outcome(outcome, code, run_dir, seconds, stage, end.get("message"))
    # Stopped by the batch: the worker closed its run, or was killed after the grace.
    if run_dir is not None:
        runner.mark_unfinished(
            run_dir,
            status=INTERRUPTED,
            error={"name": "KeyboardInterrupt", "message": "the batch was interrupted"},
        )
    return _outcome(
        INTERRUPTED, 130, run_dir, seconds, stage, "the batch was interrupted"
    )


def main() -> int:
    """Worker entry point (`python -m playbook.run.batch`): run one journey from stdin.

    Reads the journey as JSON on stdin and writes progress as JSON lines on stdout;
    everything else the process prints goes to stderr.
    """
    from playbook.run import runner

    job = json.loads(sys.stdin.read())
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    _interrupt_on_sigterm()
    threading.Thread(
        target=_interrupt_when_orphaned, args=(os.getppid(),), daemon=True
    ).start()

    def send(kind: str, **fields: Any) -> None:
        events.write(json.dumps({"kind": kind, **fields}, default=str) + "\n")

    def relay(event: runner.StageEvent) -> None:
        send(
            "stage",
            stage=event.stage.number,
            status=event.status,
            run_dir=str(event.run_dir) if event.run_dir else None,
        )

    try:
        result = runner.run_journey(
            Path(job["charter"]),
            runs_dir=Path(job["runs_dir"]),
            seed=job["seed"],
            data_path=Path(job["data"]) if job["data"] else None,
            stages=job["stages"],
            notebooks_dir=Path(job["notebooks"]) if job["notebooks"] else None,
            on_event=relay,
            overrides=job["overrides"],
            refresh_portfolio=False,
        )
    except PlaybookError as error:
        send("error", exit_code=error.exit_code, message=str(error))
        return error.exit_code
    except KeyboardInterrupt:
        send("interrupted")
        return 130
    record = result.manifest
    failed = [
        entry["error"]
        for entry in record["stages"].values()
        if entry.get("error") and entry["status"] == "failed"
    ]
    gates = [g for g in record["gates"] if not g["passed"]]
    message = None
    if failed:
        message = f"{failed[0]['name']}: {failed[0]['message']}"
        if failed[0].get("cell"):
            message += f" (cell {failed[0]['cell']})"
    elif gates:
        message = "; ".join(gates[0]["reasons"][:2])
    send(
        "finished",
        exit_code=result.exit_code,
        run_dir=str(result.run_dir),
        status=record["status"],
        decision=record["decision"],
        kpi=record["kpi"],
        message=message,
    )
    return result.exit_code


def _interrupt_on_sigterm() -> Callable[[], None]:
    """Treat SIGTERM (a cancelled CI job, `kill`) like Ctrl-C; return the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(number: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def _interrupt_when_orphaned(parent: int) -> None:
    """Stop the journey, as Ctrl-C would, when the supervisor that started it dies."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGINT)


def _read_spec(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BatchSpecError(
            f"{path}: no such batch spec. Give a YAML file listing `pocs:`, or a "
            "folder of charters."
        ) from None
    except UnicodeDecodeError as error:
        raise BatchSpecError(
            f"{path}: not UTF-8 text (byte {error.start}). Save the spec as UTF-8."
        ) from None
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise BatchSpecError(
            f"{path}: not valid YAML{where}: {problem}. Fix the spec and run again."
        ) from None
    if isinstance(spec, dict) and "poc" in spec:
        raise BatchSpecError(
            f"{path}: this is a charter, not a batch spec. Run it with `playbook run`, "
            "or list it in a spec under `pocs: [{charter: ...}]`."
        )
    if not isinstance(spec, dict) or not isinstance(spec.get("pocs"), list):
        raise BatchSpecError(
            f"{path}: expected a mapping with a list `pocs:` of entries such as "
            "`- charter: path/to/charter.yaml`."
        )
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise BatchSpecError(
            f"{path}: unknown field(s) {', '.join(unknown)}; a spec has "
            f"{', '.join(sorted(_SPEC_KEYS))}."
        )
    return spec


def _entry_jobs(entry: Any, *, where: str, base: Path) -> list[Job]:
    from playbook.run import runner

    if not isinstance(entry, dict):
        raise BatchSpecError(
            f"{where}: expected `charter: FILE` or `charters: FOLDER`, got {entry!r}."
        )
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise BatchSpecError(
            f"{where}: unknown field(s) {', '.join(unknown)}; an entry has "
            f"{', '.join(sorted(_ENTRY_KEYS))}."
        )
    if ("charter" in entry) == ("charters" in entry):
        raise BatchSpecError(
            f"{where}: give exactly one of `charter: FILE` or `charters: FOLDER`."
        )
    if "charter" in entry:
        charter_path = (base / str(entry["charter"])).resolve()
        if not charter_path.is_file():
            raise BatchSpecError(
                f"{where}.charter: {charter_path}: no such charter file. Fix the path "
                "(it is relative to the spec's folder)."
            )
        charters = [charter_path]
    else:
        folder = (base / str(entry["charters"])).resolve()
        if not folder.is_dir():
            raise BatchSpecError(
                f"{where}.charters: {folder}: no such folder of charters."
            )
        charters = _find_charters(folder)
    data = None
    if entry.get("data") is not None:
        data = (base / str(entry["data"])).resolve()
        if not data.is_file():
            raise BatchSpecError(f"{where}.data: {data}: no such data file.")
    notebooks = None
    if entry.get("notebooks") is not None:
        notebooks = (base / str(entry["notebooks"])).resolve()
        if not notebooks.is_dir():
            raise BatchSpecError(f"{where}.notebooks: {notebooks}: no such folder.")
    try:
        stages = tuple(runner.parse_stages(_text(entry.get("stages"))))
    except StageSelectionError as error:
        raise BatchSpecError(f"{where}.stages: {error}") from None
    grid = _grid(entry.get("grid"), where=f"{where}.grid")
    jobs = []
    for charter_path in charters:
        jobs += _charter_jobs(
            charter_path,
            where=where,
            data=data,
            stages=stages,
            grid=grid,
            notebooks=notebooks,
        )
    return jobs


def _charter_jobs(
    charter_path: Path,
    *,
    where: str,
    data: Path | None,
    stages: tuple[int, ...],
    grid: Mapping[str, list[Any]],
    notebooks: Path | None,
) -> list[Job]:
    """The journeys of one charter, one per parameter set.

    A charter that does not load becomes one journey stopped with the charter's
    message, so that the rest of the batch still runs.
    """
    from playbook import charter
    from playbook import data as data_module

    sets = parameters.expand_grid(grid)
    try:
        poc = charter.load(charter_path)
        fields = yaml.safe_load(charter_path.read_text(encoding="utf-8"))
    except CharterError as error:
        name = charter_path.stem
        return [
            Job(
                index=0,
                poc=charter_path.parent.name if name == "charter" else name,
                charter=charter_path,
                data=data,
                stages=stages,
                seed=None,
                overrides={},
                notebooks=notebooks,
                fingerprint=None,
                problem=str(error),
            )
        ]
    overrides_seen = [
        {k: v for k, v in chosen.items() if k != parameters.SEED} for chosen in sets
    ]
    for overrides in overrides_seen:
        try:
            parameters.check_overrides(fields, overrides, where=f"{where}.grid")
        except parameters.ParameterError as error:
            raise BatchSpecError(f"{error} (charter {charter_path})") from None
    try:  # a file, a folder of files, or the rows of a SQL query
        data_sha = data_module.fingerprint(poc, path=data).sha256
    except DataError:  # the journey will say so; nothing to skip it against
        data_sha = "missing"
    charter_sha = charter.sha256(charter_path)
    jobs = []
    for chosen, overrides in zip(sets, overrides_seen, strict=True):
        seed = chosen.get(parameters.SEED)
        effective = seed if seed is not None else poc.seed
        jobs.append(
            Job(
                index=0,
                poc=poc.poc,
                charter=charter_path,
                data=data,
                stages=stages,
                seed=seed,
                overrides=overrides,
                notebooks=notebooks,
                fingerprint=parameters.fingerprint(
                    charter_sha256=charter_sha,
                    data_sha256=data_sha,
                    seed=effective if effective is not None else -1,
                    overrides=overrides,
                    stages=stages,
                    notebooks=notebooks,
                ),
            )
        )
    return jobs


def _grid(raw: Any, *, where: str) -> dict[str, list[Any]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise BatchSpecError(
            f"{where}: expected parameter names with lists of values, e.g. "
            "`seed: [1, 2]` or `kpi.capacity_per_period: [200, 300]`."
        )
    grid: dict[str, list[Any]] = {}
    for name, values in raw.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise BatchSpecError(f"{where}.{name}: give at least one value.")
        if name == parameters.SEED and not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
        ):
            raise BatchSpecError(
                f"{where}.seed: expected whole numbers of at least 0, got {values!r}."
            )
        grid[str(name)] = values
    return grid


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _find_charters(folder: Path) -> list[Path]:
    """YAML files under `folder` that are charters, or do not parse (to say why).

    A charter is a mapping with `poc:`; data contracts and other YAML are left out, and
    so are run folders and folders whose name starts with "." or "_".
    """
    found = []
    for path in sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]):
        parts = path.relative_to(folder).parts
        if any(part.startswith((".", "_")) for part in parts):
            continue
        if (path.parent / "manifest.json").exists():
            continue
        try:
            fields = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            found.append(path)
            continue
        if isinstance(fields, dict) and "poc" in fields:
            found.append(path)
    return found


def _finished_run(runs_dir: Path, job: Job) -> dict[str, Any] | None:
    """The latest manifest of a completed run with the job's fingerprint, if any."""
    latest = None
    for path in sorted((runs_dir / job.poc).glob("*/manifest.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (
            record.get("journey_sha256") == job.fingerprint
            and record.get("status") == COMPLETE
        ):
            latest = {**record, "_run_dir": str(path.parent)}
    return latest


def _skipped(job: Job, record: Mapping[str, Any]) -> JobResult:
    return JobResult(
        job,
        SKIPPED,
        0,
        run_dir=Path(record["_run_dir"]),
        decision=record.get("decision"),
        kpi=record.get("kpi"),
        seconds=0.0,
        message="already complete with the same charter, data and parameters; "
        "--force runs it again",
    )


def _run_local(
    jobs: Sequence[Job],
    *,
    runs_dir: Path,
    logs: Path,
    workers: int,
    timeout: float,
    events: queue.Queue[BatchEvent],
    results: dict[int, JobResult],
    record: _Record,
    on_event: Callable[[BatchEvent], None] | None,
) -> bool:
    """Run the journeys on `workers` supervisor threads; True when interrupted."""
    pending: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        pending.put(job)
    stop, hurry = threading.Event(), threading.Event()
    running: set[int] = set()
    lock = threading.Lock()
    threads = max(1, (os.cpu_count() or 1) // max(workers, 1))

    finished: list[str] = []

    def work() -> None:
        try:
            supervise_queue()
        finally:
            with lock:
                finished.append(threading.current_thread().name)

    def supervise_queue() -> None:
        while not stop.is_set():
            try:
                job = pending.get_nowait()
            except queue.Empty:
                return
            with lock:
                running.add(job.index)
            events.put(BatchEvent(job, "started"))
            try:
                raw = supervise(
                    job,
                    runs_dir=runs_dir,
                    log=logs / f"{job.index:03d}-{job.poc}.log",
                    timeout=timeout,
                    emit=lambda fields, job=job: events.put(_stage_event(job, fields)),
                    should_stop=stop.is_set,
                    hurry=hurry.is_set,
                    threads=threads,
                )
                result = _result(job, raw)
            except Exception as error:  # the supervisor itself failed: say so, go on
                result = JobResult(
                    job, CRASHED, 1, message=f"{type(error).__name__}: {error}"
                )
            with lock:
                results[job.index] = result
                running.discard(job.index)
                record.write(results, running=set(running), interrupted=False)
            events.put(BatchEvent(job, "finished", result=result))

    pool = [
        threading.Thread(target=work, name=f"playbook-batch-{n}", daemon=True)
        for n in range(min(workers, len(jobs)) or 0)
    ]
    for thread in pool:
        thread.start()
    interrupted = False
    # Wait by polling a list rather than with Thread.join: on Python 3.11 a Ctrl-C
    # that lands inside join() can mark a thread as stopped while it still runs.
    while len(finished) < len(pool):
        try:
            time.sleep(0.1)
            _drain(events, on_event)
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: kill the workers now
                hurry.set()
            interrupted = True
            stop.set()
    _drain(events, on_event)
    return interrupted


def _run_dask(
    client: Any,
    jobs: Sequence[Job],
    *,
    runs_dir: Path,
    logs: Path,
    timeout: float,
    batch_id: str,
    events: queue.Queue[BatchEvent],
    results: dict[int, JobResult],
    record: _Record,
    on_event: Callable[[BatchEvent], None] | None,
) -> bool:
    """Send each journey to the Dask cluster as one task; True when interrupted."""
    from distributed import Event

    topic = f"playbook-batch-{batch_id}"
    by_index = {job.index: job for job in jobs}

    started: set[int] = set()

    def relay(message: Any) -> None:
        _, fields = message if isinstance(message, tuple) else (None, message)
        job = by_index.get(int(fields.get("job", -1)))
        if job is not None:
            kind = fields.get("kind")
            if kind == "started":
                started.add(job.index)
            events.put(
                BatchEvent(job, "started")
                if kind == "started"
                else _stage_event(job, fields)
            )

    client.subscribe_topic(topic, relay)
    stop = Event(f"{topic}-stop", client=client)
    futures = {
        client.submit(
            _dask_task,
            job,
            runs_dir=runs_dir,
            log=logs / f"{job.index:03d}-{job.poc}.log",
            timeout=timeout,
            topic=topic,
            stop_name=f"{topic}-stop",
            key=f"{topic}-{job.index}",
            pure=False,
        ): job
        for job in jobs
    }
    interrupted = False
    pending = dict(futures)
    while pending:
        try:
            for future, job in list(pending.items()):
                if not future.done():
                    continue
                del pending[future]
                if future.cancelled() and interrupted:
                    continue  # never ran: the batch marks it not started
                try:
                    result = _result(job, future.result())
                except Exception as error:  # the task raised, or its worker died
                    result = JobResult(
                        job, CRASHED, 1, message=f"{type(error).__name__}: {error}"
                    )
                results[job.index] = result
                record.write(
                    results,
                    running={j.index for j in pending.values()},
                    interrupted=False,
                )
                events.put(BatchEvent(job, "finished", result=result))
            _drain(events, on_event)
            time.sleep(0.1)
        except KeyboardInterrupt:
            if interrupted:  # a second Ctrl-C: stop waiting for the cluster
                client.cancel(list(pending))
                break
            interrupted = True
            stop.set()
            # A running task's future also reads "pending": cancel only the journeys
            # that have not started, and let the running ones stop themselves (they
            # watch `stop`) and report how far they got.
            client.cancel([f for f, j in pending.items() if j.index not in started])
    return interrupted


def _dask_task(
    job: Job,
    *,
    runs_dir: Path,
    log: Path,
    timeout: float,
    topic: str,
    stop_name: str,
) -> dict[str, Any]:
    """One journey as a Dask task: `supervise` on the worker, progress as events."""
    from distributed import Event, get_worker

    worker = get_worker()
    stop = Event(stop_name)
    last_check = [0.0, False]

    def should_stop() -> bool:
        if time.monotonic() - last_check[0] > 1.0:
            last_check[0], last_check[1] = time.monotonic(), stop.is_set()
        return bool(last_check[1])

    def emit(fields: dict[str, Any]) -> None:
        worker.log_event(topic, {**fields, "job": job.index})

    emit({"kind": "started"})
    return supervise(
        job,
        runs_dir=runs_dir,
        log=log,
        timeout=timeout,
        emit=emit,
        should_stop=should_stop,
        threads=1,  # the cluster's unit of parallelism is the journey
    )


def _dask_client(address: str) -> Any:
    try:
        from distributed import Client
    except ImportError:
        raise BatchError(
            "--scheduler needs Dask's distributed scheduler, which is not installed. "
            'Install it with: pip install "playbook[dask]"'
        ) from None
    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT:g}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise BatchError(
            f"No Dask scheduler answered at {address} within {CONNECT_TIMEOUT:g} s "
            f"({error}). Start one "
            "with `dask scheduler` and workers with `dask worker ADDRESS`, check the "
            "address, or leave out --scheduler to run on this machine. Nothing was "
            "written."
        ) from None


def _read_lines(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _take(line: str, state: dict[str, Any], emit: Callable[[dict], None]) -> None:
    try:
        fields = json.loads(line)
    except ValueError:
        return
    if not isinstance(fields, dict):
        return
    if fields.get("run_dir"):
        state["run_dir"] = fields["run_dir"]
    if fields.get("kind") == "stage":
        state["stage"] = fields.get("stage")
        emit(fields)
    elif fields.get("kind") in ("finished", "error", "interrupted"):
        state["end"] = fields


def _kill_tree(pid: int) -> None:
    """Kill a worker and everything it started (its kernel runs in its own session)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(family, timeout=10)


def _outcome(
    outcome: str,
    exit_code: int,
    run_dir: Path | None,
    seconds: float,
    stage: int | None,
    message: str | None,
    *,
    decision: str | None = None,
    kpi: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "exit_code": exit_code,
        "run_dir": str(run_dir) if run_dir else None,
        "decision": decision,
        "kpi": kpi,
        "seconds": seconds,
        "stage": stage,
        "message": message,
    }


def _result(job: Job, raw: Mapping[str, Any]) -> JobResult:
    return JobResult(
        job,
        raw["outcome"],
        int(raw["exit_code"]),
        run_dir=Path(raw["run_dir"]) if raw.get("run_dir") else None,
        decision=raw.get("decision"),
        kpi=raw.get("kpi"),
        seconds=raw.get("seconds"),
        stage=str(raw["stage"]) if raw.get("stage") else None,
        message=raw.get("message"),
    )


def _stage_event(job: Job, fields: Mapping[str, Any]) -> BatchEvent:
    return BatchEvent(
        job, "stage", stage=fields.get("stage"), status=fields.get("status")
    )


def _drain(
    events: queue.Queue[BatchEvent], on_event: Callable[[BatchEvent], None] | None
) -> None:
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return
        if on_event:
            on_event(event)


class _Record:
    """The batch's record, `runs_dir/_batches/<batch-id>.json`, rewritten atomically."""

    def __init__(
        self, path: Path, *, batch_id: str, spec: BatchSpec, scheduler: str | None
    ) -> None:
        self.path = path
        self.head = {
            "batch_id": batch_id,
            "spec": str(spec.source),
            "runs_dir": str(spec.runs_dir),
            "scheduler": scheduler,
            "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        self.jobs = spec.jobs
        self._lock = threading.Lock()

    def write(
        self, results: Mapping[int, JobResult], *, running: set[int], interrupted: bool
    ) -> None:
        entries = []
        for job in self.jobs:
            result = results.get(job.index)
            entry: dict[str, Any] = {
                "name": job.name,
                "poc": job.poc,
                "charter": str(job.charter),
                "seed": job.seed,
                "overrides": dict(job.overrides),
                "journey_sha256": job.fingerprint,
                "outcome": "running" if job.index in running else "pending",
            }
            if result is not None:
                entry.update(
                    outcome=result.outcome,
                    exit_code=result.exit_code,
                    run_dir=str(result.run_dir) if result.run_dir else None,
                    decision=result.decision,
                    seconds=result.seconds,
                    message=result.message,
                )
            entries.append(entry)
        body = {
            **self.head,
            "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "interrupted": interrupted,
            "journeys": entries,
        }
        with self._lock:
            partial = self.path.with_name(f".{self.path.name}.partial")
            partial.write_text(json.dumps(body, indent=2, default=str) + "\n")
            partial.replace(self.path)


if __name__ == "__main__":
    sys.exit(main())
