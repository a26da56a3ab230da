"""The local executor of a batch: journeys on this machine, one supervisor thread each.

`workers` threads take journeys from a queue; each supervises one worker process at a
time (`supervision.supervise`). Ctrl-C stops taking new journeys and asks the running
ones to stop; a second Ctrl-C kills them at once.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Sequence

from playbook.run.batch_record import (
    BatchEvent,
    Execution,
    JobResult,
    Outcome,
    job_result,
    stage_event,
)
from playbook.run.batch_spec import Job
from playbook.run.interruption import exit_code_of
from playbook.run.supervision import supervise


def run_local(jobs: Sequence[Job], execution: Execution, *, workers: int) -> int:
    """Run the journeys on `workers` supervisor threads.

    Returns:
        0 when nothing interrupted them; else the interruption's exit code (130 after
        Ctrl-C, 143 after SIGTERM).

    Args:
        jobs: The journeys to run.
        execution: Where their run folders and logs go, their timeout and ledger.
        workers: Journeys at once.
    """
    ledger = execution.ledger
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
            ledger.post(BatchEvent(job, "started"))
            result = _supervise_one(
                job, execution, stop=stop, hurry=hurry, threads=threads
            )
            with lock:
                running.discard(job.index)
                ledger.finish(result, running=set(running))

    pool = [
        threading.Thread(target=work, name=f"playbook-batch-{n}", daemon=True)
        for n in range(min(workers, len(jobs)) or 0)
    ]
    for thread in pool:
        thread.start()
    interrupted = 0
    # Wait by polling a list rather than with Thread.join: on Python 3.11 a Ctrl-C
    # that lands inside join() can mark a thread as stopped while it still runs.
    while len(finished) < len(pool):
        try:
            time.sleep(0.1)
            ledger.drain()
        except KeyboardInterrupt as signalled:
            if interrupted:  # a second Ctrl-C: kill the workers now
                hurry.set()
            interrupted = interrupted or exit_code_of(signalled)
            stop.set()
    ledger.drain()
    return interrupted


def _supervise_one(
    job: Job,
    execution: Execution,
    *,
    stop: threading.Event,
    hurry: threading.Event,
    threads: int,
) -> JobResult:
    """Supervise one journey in this thread; a supervisor that fails says so."""
    try:
        raw = supervise(
            job,
            runs_dir=execution.runs_dir,
            log=execution.log(job),
            timeout=execution.timeout_of(job),
            emit=lambda fields: execution.ledger.post(stage_event(job, fields)),
            should_stop=stop.is_set,
            hurry=hurry.is_set,
            threads=threads,
        )
        return job_result(job, raw)
    except Exception as error:  # the supervisor itself failed: say so, go on
        return JobResult(
            job, Outcome.CRASHED, 1, message=f"{type(error).__name__}: {error}"
        )
