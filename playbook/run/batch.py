"""`playbook batch`: many journeys at once, on this machine's cores or on Dask.

A batch spec (`batch_spec`) lists charters and parameter grids; each charter and
parameter set is one journey. Each journey runs in its own worker process
(`batch_worker`, with its own kernel) and writes its own run folder. A supervisor per
journey (`supervision`) watches it: it relays the worker's progress, stops it when it
runs past its timeout, and closes its manifest when the worker dies or is stopped; so a
POC that fails, crashes its kernel, hangs or is stopped by a gate never stops the
others. The supervisors run as local threads (`batch_local`), or with `scheduler=` as
tasks on a Dask cluster (`batch_dask`); nothing of Dask is imported without it.

A journey whose charter, data and parameters (by their sha256) match a run that already
completed is skipped unless `force=True`; one that was stopped by a gate, failed or was
interrupted runs again. Every batch leaves a record in
`runs_dir/_batches/<batch-id>.json` (`batch_record`), rewritten as journeys finish, and
redraws the portfolio page `runs_dir/index.html`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from playbook.core.language import Language
from playbook.report import portfolio
from playbook.run import batch_dask, batch_local
from playbook.run.batch_dask import BatchError
from playbook.run.batch_record import (
    BATCHES_DIR,
    BatchEvent,
    BatchLedger,
    BatchRecord,
    BatchResult,
    Execution,
    JobResult,
    Outcome,
)
from playbook.run.batch_spec import BatchSpec, BatchSpecError, Job, load_spec
from playbook.run.interruption import INTERRUPTED, interrupt_on_sigterm

__all__ = [
    "BatchError",
    "BatchEvent",
    "BatchResult",
    "BatchSpec",
    "BatchSpecError",
    "Job",
    "JobResult",
    "Outcome",
    "load_spec",
    "run_batch",
]


def run_batch(
    spec: BatchSpec,
    *,
    workers: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    scheduler: str | None = None,
    on_event: Callable[[BatchEvent], None] | None = None,
    language: Language = "en",
) -> BatchResult:
    """Run every journey of a spec, in parallel, and refresh the portfolio page.

    Args:
        spec: What `load_spec` read.
        workers: Journeys at once on this machine (default: the spec's, else the
            number of cores). Ignored with `scheduler`, where the cluster decides.
        timeout: Seconds per journey (default: the spec's), for journeys whose spec
            entry gives none; a journey past it is stopped, its worker and kernel
            killed, and its run marked failed.
        force: Run journeys that already completed with the same inputs again.
        scheduler: Address of a Dask scheduler (e.g. tcp://10.0.0.5:8786) to send the
            journeys to instead of local workers. Needs `playbook[dask]`, and runs
            folders and charters on a path every Dask worker sees.
        on_event: Called, in this thread, as journeys start, move on and finish.
        language: The language of the portfolio page's frame (each run's row keeps
            the language its charter gave it).

    Returns:
        The results; an interrupted batch (Ctrl-C) returns with `interrupted` set after
        closing the runs it stopped.

    Raises:
        BatchError: The Dask scheduler does not answer, or Dask is not installed;
            nothing is written then.
    """
    started = time.perf_counter()
    timeout = float(timeout or spec.timeout)
    client = batch_dask.connect(scheduler) if scheduler else None
    batch_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
    runs_dir = spec.runs_dir
    logs = _logs_folder(runs_dir / BATCHES_DIR / batch_id, client=client)
    record_path = runs_dir / BATCHES_DIR / f"{batch_id}.json"
    results, todo = _sort_out(spec.jobs, runs_dir=runs_dir, force=force)
    record = BatchRecord(record_path, batch_id=batch_id, spec=spec, scheduler=scheduler)
    ledger = BatchLedger(results, record, on_event)
    for result in results.values():
        ledger.post(BatchEvent(result.job, "finished", result=result))
    record.write(results, running=set(), interrupted=False)
    execution = Execution(batch_id, runs_dir, logs, timeout, ledger)
    # 0, or the exit code of the signal that interrupted the batch (130 or 143).
    signal_code = 0
    restore = interrupt_on_sigterm()
    try:
        if client is None:
            workers = workers or spec.workers or os.cpu_count() or 1
            signal_code = batch_local.run_local(todo, execution, workers=workers)
        else:
            signal_code = batch_dask.run_dask(client, todo, execution)
    finally:
        interrupted = bool(signal_code)
        restore()
        if client is not None:
            client.close()
        for job in todo:
            results.setdefault(job.index, _not_started(job))
        record.write(results, running=set(), interrupted=interrupted)
        portfolio.write(runs_dir, language=language)
        ledger.drain()
    ordered = tuple(results[job.index] for job in spec.jobs)
    return BatchResult(
        batch_id=batch_id,
        runs_dir=runs_dir,
        record=record_path,
        results=ordered,
        seconds=time.perf_counter() - started,
        interrupted=interrupted,
        signal_code=signal_code or INTERRUPTED,
        counts=dict(Counter(result.outcome for result in ordered)),
    )


def _logs_folder(logs: Path, *, client: Any) -> Path:
    """Make the folder of the workers' logs; close the Dask client if it cannot."""
    try:
        logs.mkdir(parents=True, exist_ok=True)
    except OSError:
        if client is not None:
            client.close()
        raise
    return logs


def _sort_out(
    jobs: Iterable[Job], *, runs_dir: Path, force: bool
) -> tuple[dict[int, JobResult], list[Job]]:
    """Results for the journeys settled before they run, and the journeys to run.

    A journey whose charter does not load is stopped; one that completed before with
    the same inputs is skipped, unless `force`.
    """
    results: dict[int, JobResult] = {}
    todo: list[Job] = []
    for job in jobs:
        done = None if force or job.problem else _finished_run(runs_dir, job)
        if job.problem:
            results[job.index] = JobResult(
                job, Outcome.STOPPED, 2, message=job.problem, seconds=0.0
            )
        elif done is not None:
            results[job.index] = _skipped(job, done)
        else:
            todo.append(job)
    return results, todo


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
            and record.get("status") == Outcome.COMPLETE
        ):
            latest = {**record, "_run_dir": str(path.parent)}
    return latest


def _skipped(job: Job, record: Mapping[str, Any]) -> JobResult:
    return JobResult(
        job,
        Outcome.SKIPPED,
        0,
        run_dir=Path(record["_run_dir"]),
        decision=record.get("decision"),
        kpi=record.get("kpi"),
        seconds=0.0,
        message="already complete with the same charter, data and parameters; "
        "--force runs it again",
    )


def _not_started(job: Job) -> JobResult:
    return JobResult(
        job,
        Outcome.NOT_STARTED,
        130,
        message="the batch was interrupted before this journey started",
    )
