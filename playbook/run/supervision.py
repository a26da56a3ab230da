"""Supervising one journey of a batch: a worker process, watched until it ends.

The supervisor starts the worker (`python -m playbook.run.batch_worker`, which runs the
journey in its own kernel), relays the worker's progress, stops it when the journey runs
past its timeout or when the batch is interrupted, and closes the run's manifest when
the worker died or was killed, so that the run folder always says how the journey
ended. It runs in a local supervisor thread (`batch_local`) or as a task on a Dask
worker (`batch_dask`), and returns a plain dict that either can pass back.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from playbook.run.batch_record import (
    Outcome,
)
from playbook.run.batch_spec import Job

# Seconds a stopped worker gets to close its run before it is killed.
GRACE_SECONDS = 20.0
# Started with `python -m` and never imported here: the worker process then loads it
# once, as __main__ (imported as well, its module would run twice).
WORKER_MODULE = "playbook.run.batch_worker"
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class _Watch:
    """What the supervisor learnt from its worker, and whether it stopped it."""

    run_dir: str | None = None
    stage: int | None = None
    end: dict[str, Any] | None = None
    stop_sent: float | None = None  # when SIGINT went to the worker
    reason: Outcome | None = None  # TIMED_OUT or INTERRUPTED once the worker was killed


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
    `python -m playbook.run.batch_worker` (which runs the journey in its own kernel),
    relays the worker's progress to `emit`, kills the worker and its kernel when the
    journey runs past `timeout` or when `should_stop()` has been true for
    `GRACE_SECONDS`, and then closes the run's manifest, so that the run folder always
    says how it ended.

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
    started = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as stderr:
        worker, lines, reader = _start_worker(
            job, runs_dir=runs_dir, stderr=stderr, threads=threads
        )
        watch = _watch(
            worker,
            lines,
            reader,
            started=started,
            timeout=timeout,
            emit=emit,
            should_stop=should_stop,
            hurry=hurry,
        )
        worker.wait()
    return _conclude(
        watch,
        seconds=round(time.perf_counter() - started, 2),
        timeout=timeout,
        returncode=worker.returncode,
        log=log,
    )


def _start_worker(
    job: Job, *, runs_dir: Path, stderr: IO[str], threads: int | None
) -> tuple[subprocess.Popen[str], queue.Queue[str | None], threading.Thread]:
    """Start the worker, read its stdout in a thread, and hand it the journey."""
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
    worker = subprocess.Popen(
        [sys.executable, "-m", WORKER_MODULE],
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
    return worker, lines, reader


def _watch(
    worker: subprocess.Popen[str],
    lines: queue.Queue[str | None],
    reader: threading.Thread,
    *,
    started: float,
    timeout: float,
    emit: Callable[[dict[str, Any]], None],
    should_stop: Callable[[], bool],
    hurry: Callable[[], bool],
) -> _Watch:
    """Relay the worker's lines until it ends; kill it past the timeout or the grace."""
    watch = _Watch()
    while True:
        with contextlib.suppress(queue.Empty):
            line = lines.get(timeout=0.2)
            if line is not None:
                _take(line, watch, emit)
                continue
        if worker.poll() is not None and not reader.is_alive():
            while not lines.empty():
                line = lines.get()
                if line is not None:
                    _take(line, watch, emit)
            return watch
        if watch.reason is not None:
            continue  # killed: wait for the pipe to close
        if time.perf_counter() - started > timeout:
            watch.reason = Outcome.TIMED_OUT
            _kill_tree(worker.pid)
        elif watch.stop_sent is None and should_stop():
            watch.stop_sent = time.perf_counter()
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGINT)
        elif watch.stop_sent is not None and (
            hurry() or time.perf_counter() - watch.stop_sent > GRACE_SECONDS
        ):
            watch.reason = Outcome.INTERRUPTED
            _kill_tree(worker.pid)


def _conclude(
    watch: _Watch, *, seconds: float, timeout: float, returncode: int, log: Path
) -> dict[str, Any]:
    """How the journey ended; close its manifest when its worker could not."""
    from playbook.run import runner

    end = watch.end or {}
    run_dir = Path(watch.run_dir) if watch.run_dir else None
    stage = watch.stage
    if watch.reason == Outcome.TIMED_OUT or (not end and watch.stop_sent is None):
        outcome = watch.reason or Outcome.CRASHED
        where = f" during stage {stage}" if stage else ""
        message = (
            f"ran past its {timeout:g} s timeout{where}; its worker and kernel "
            "were stopped. Give it more time with `timeout:` in the spec or --timeout."
            if outcome == Outcome.TIMED_OUT
            else f"its worker process ended with code {returncode}{where} "
            f"before the journey finished; see {log}"
        )
        if run_dir is not None:
            runner.mark_unfinished(
                run_dir,
                status=Outcome.FAILED,
                error={
                    "name": "JourneyTimeout"
                    if outcome == Outcome.TIMED_OUT
                    else "WorkerDied",
                    "message": message,
                },
            )
        return _outcome(outcome, 1, run_dir, seconds, stage, message)
    if end.get("kind") == "finished":
        status = str(end.get("status"))
        outcome = {"complete": Outcome.COMPLETE, "stopped": Outcome.STOPPED}.get(
            status, Outcome.FAILED
        )
        if status == "interrupted":
            outcome = Outcome.INTERRUPTED
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
        outcome = Outcome.STOPPED if code == 2 else Outcome.FAILED
        return _outcome(outcome, code, run_dir, seconds, stage, end.get("message"))
    # Stopped by the batch: the worker closed its run, or was killed after the grace.
    if run_dir is not None:
        runner.mark_unfinished(
            run_dir,
            status=Outcome.INTERRUPTED,
            error={"name": "KeyboardInterrupt", "message": "the batch was interrupted"},
        )
    return _outcome(
        Outcome.INTERRUPTED, 130, run_dir, seconds, stage, "the batch was interrupted"
    )


def _read_lines(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _take(line: str, watch: _Watch, emit: Callable[[dict[str, Any]], None]) -> None:
    try:
        fields = json.loads(line)
    except ValueError:
        return
    if not isinstance(fields, dict):
        return
    if fields.get("run_dir"):
        watch.run_dir = fields["run_dir"]
    if fields.get("kind") == "stage":
        watch.stage = fields.get("stage")
        emit(fields)
    elif fields.get("kind") in ("finished", "error", "interrupted"):
        watch.end = fields


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
    outcome: Outcome,
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
