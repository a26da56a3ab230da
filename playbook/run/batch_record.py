"""What a batch records: how each journey ended, its progress, and the record file.

The record, `runs_dir/_batches/<batch-id>.json`, is rewritten as journeys finish, so
that a batch stopped half way still says which journeys ran and how they ended.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from playbook.core.files import write_atomic
from playbook.report import portfolio
from playbook.run.batch_spec import BatchSpec, Job
from playbook.run.interruption import INTERRUPTED

BATCHES_DIR = "_batches"


class Outcome(StrEnum):
    """How a journey of a batch ended; the record and the manifests hold the value."""

    COMPLETE = "complete"
    STOPPED = "stopped"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"
    INTERRUPTED = "interrupted"
    SKIPPED = "skipped"
    NOT_STARTED = "not_started"


_OUTCOME_CODES = {
    Outcome.COMPLETE: 0,
    Outcome.SKIPPED: 0,
    Outcome.STOPPED: 2,
    Outcome.FAILED: 1,
    Outcome.TIMED_OUT: 1,
    Outcome.CRASHED: 1,
    Outcome.INTERRUPTED: INTERRUPTED,
    Outcome.NOT_STARTED: INTERRUPTED,
}


@dataclass(frozen=True)
class JobResult:
    """How one journey of the batch ended."""

    job: Job
    outcome: Outcome
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
    """Every journey's result, where the record is, and whether Ctrl-C cut it short.

    `signal_code` is the exit code of what interrupted it: 130 Ctrl-C, 143 SIGTERM.
    """

    batch_id: str
    runs_dir: Path
    record: Path
    results: tuple[JobResult, ...]
    seconds: float
    interrupted: bool = False
    signal_code: int = INTERRUPTED
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """130 interrupted (143 by SIGTERM), 1 any failed, 2 any stopped, else 0."""
        codes = {_OUTCOME_CODES[result.outcome] for result in self.results}
        if INTERRUPTED in codes:
            return self.signal_code
        for code in (1, 2):
            if code in codes:
                return code
        return 0

    @property
    def portfolio(self) -> Path:
        """The portfolio page the batch refreshed."""
        return self.runs_dir / portfolio.INDEX


def job_result(job: Job, raw: Mapping[str, Any]) -> JobResult:
    """A journey's result from the plain dict its supervisor returned."""
    return JobResult(
        job,
        Outcome(raw["outcome"]),
        int(raw["exit_code"]),
        run_dir=Path(raw["run_dir"]) if raw.get("run_dir") else None,
        decision=raw.get("decision"),
        kpi=raw.get("kpi"),
        seconds=raw.get("seconds"),
        stage=str(raw["stage"]) if raw.get("stage") else None,
        message=raw.get("message"),
    )


def stage_event(job: Job, fields: Mapping[str, Any]) -> BatchEvent:
    """A "stage" event from the fields a worker sent about one of its stages."""
    return BatchEvent(
        job, "stage", stage=fields.get("stage"), status=fields.get("status")
    )


class BatchRecord:
    """The batch's record, `runs_dir/_batches/<batch-id>.json`, rewritten atomically.

    Args:
        path: The record file.
        batch_id: The batch's id (its start time).
        spec: The spec the batch runs.
        scheduler: The Dask scheduler's address, or None on local workers.
    """

    def __init__(
        self, path: Path, *, batch_id: str, spec: BatchSpec, scheduler: str | None
    ) -> None:
        """Remember the batch; nothing is written until `write`."""
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
        """Rewrite the record: every journey's outcome, or running / pending."""
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
        with self._lock:  # supervisor threads finish at the same time
            write_atomic(self.path, json.dumps(body, indent=2, default=str) + "\n")


@dataclass(frozen=True)
class BatchLedger:
    """Where a batch keeps its journeys' results and progress as they come in.

    Executors call `post` and `finish` from any thread; `drain` hands the queued events
    to `on_event` in the thread that runs the batch.
    """

    results: dict[int, JobResult]
    record: BatchRecord
    on_event: Callable[[BatchEvent], None] | None
    events: queue.Queue[BatchEvent] = field(default_factory=queue.Queue)

    def post(self, event: BatchEvent) -> None:
        """Queue a progress event for `on_event`."""
        self.events.put(event)

    def finish(self, result: JobResult, *, running: set[int]) -> None:
        """Keep a journey's result, rewrite the record, and queue a "finished" event."""
        self.results[result.job.index] = result
        self.record.write(self.results, running=running, interrupted=False)
        self.events.put(BatchEvent(result.job, "finished", result=result))

    def drain(self) -> None:
        """Hand every queued event to `on_event`, in this thread, until none is left."""
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            if self.on_event:
                self.on_event(event)


@dataclass(frozen=True)
class Execution:
    """What an executor (local threads or Dask) needs to run each journey of a batch.

    Attributes:
        batch_id: The batch's id; names its Dask event topic and tasks.
        runs_dir: Where the journeys' run folders go (with Dask, a path every worker
            sees).
        logs: Folder for each worker's own messages.
        timeout: Seconds per journey, for a journey whose spec entry gives none.
        ledger: Takes each journey's progress and result; drained in the batch's thread.
    """

    batch_id: str
    runs_dir: Path
    logs: Path
    timeout: float
    ledger: BatchLedger

    def log(self, job: Job) -> Path:
        """The file of the job's worker's own messages."""
        return self.logs / f"{job.index:03d}-{job.poc}.log"

    def timeout_of(self, job: Job) -> float:
        """Seconds the job may run: its spec entry's, else the batch's."""
        return job.timeout or self.timeout
