"""The Dask executor of a batch: each journey a task on a Dask cluster.

The task runs the same supervisor as a local thread (`supervision.supervise`) on a Dask
worker and sends its progress back as Dask events. Dask is imported only here, and only
when a batch is given a scheduler (`pip install "playbook[dask]"`).
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from playbook.core.messages import Sentence, sentence
from playbook.errors import BatchError
from playbook.run.batch_record import (
    BatchEvent,
    BatchLedger,
    Execution,
    JobResult,
    Outcome,
    job_result,
    stage_event,
)
from playbook.run.batch_spec import Job
from playbook.run.interruption import exit_code_of
from playbook.run.supervision import supervise

# Seconds to wait for a Dask scheduler to answer before giving up.
CONNECT_TIMEOUT = 10.0
# A Dask message starts with its size, 8 bytes little-endian; a scheduler's handshake
# (its versions and options) is a few hundred bytes.
_SIZE = struct.Struct("<Q")
_LARGEST_HANDSHAKE = 1 << 20


def connect(address: str) -> Any:
    """A Dask client of the scheduler at `address`.

    Raises:
        BatchError: Dask is not installed, or no scheduler answered in
            `CONNECT_TIMEOUT` seconds.
    """
    try:
        from distributed import Client
    except ImportError:
        raise BatchError(
            sentence(
                "--scheduler needs Dask's distributed scheduler, which is "
                'not installed. Install it with: pip install "playbook[dask]"'
            )
        ) from None
    advice = sentence(
        "Start one with `dask scheduler` and workers with `dask worker ADDRESS`, "
        "check the address, or leave out --scheduler to run on this machine. Nothing "
        "was written."
    )
    problem = _probe(address)
    if problem:
        raise BatchError(
            sentence(
                "%(address)s: %(problem)s. %(advice)s",
                address=address,
                problem=problem,
                advice=advice,
            )
        )
    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT:g}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError, MemoryError) as error:
        raise BatchError(
            sentence(
                "No Dask scheduler answered at %(address)s within "
                "%(connect_timeout)s s (%(kind)s: %(error)s). %(advice)s",
                address=address,
                connect_timeout=f"{CONNECT_TIMEOUT:g}",
                kind=type(error).__name__,
                error=error,
                advice=advice,
            )
        ) from None


def _probe(address: str) -> Sentence | None:
    """What is wrong with a TCP address as a Dask scheduler, before Dask talks to it.

    Dask's own connection waits for the scheduler's handshake without a limit, and
    reads its first 8 bytes as the size of a message to allocate: a listener that
    accepts and stays silent hangs it, and one that answers "HTTP/1.1" asks for
    3 EiB. A scheduler sends its handshake at once, a small message; anything else
    is not one. Addresses other than TCP are left to Dask.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme != "tcp":
            return None
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as error:
        return sentence(
            "not a Dask scheduler address such as tcp://HOST:8786 (%(error)s)",
            error=error,
        )
    deadline = time.monotonic() + CONNECT_TIMEOUT
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT) as link:
            head = b""
            while len(head) < _SIZE.size:
                link.settimeout(max(deadline - time.monotonic(), 0.001))
                chunk = link.recv(_SIZE.size - len(head))
                if not chunk:
                    return sentence(
                        "the listener closed the connection without a handshake"
                    )
                head += chunk
    except TimeoutError:
        return sentence(
            "something accepts connections there but sent no Dask handshake within "
            "%(seconds)s s",
            seconds=f"{CONNECT_TIMEOUT:g}",
        )
    except OSError as error:
        return sentence(
            "no Dask scheduler answered within %(seconds)s s (%(error)s)",
            seconds=f"{CONNECT_TIMEOUT:g}",
            error=error,
        )
    (size,) = _SIZE.unpack(head)
    if size > _LARGEST_HANDSHAKE:
        return sentence(
            "the listener there is not a Dask scheduler (its first bytes, %(head)s, "
            "are no Dask handshake)",
            head=repr(head),
        )
    return None


def run_dask(client: Any, jobs: Sequence[Job], execution: Execution) -> int:
    """Send each journey to the Dask cluster as one task.

    Returns:
        0 when nothing interrupted them; else the interruption's exit code (130 after
        Ctrl-C, 143 after SIGTERM).

    Args:
        client: What `connect` returned.
        jobs: The journeys to run.
        execution: The batch's id, where the run folders and logs go, the timeout and
            the ledger.
    """
    from distributed import Event

    ledger = execution.ledger
    topic = f"playbook-batch-{execution.batch_id}"
    by_index = {job.index: job for job in jobs}

    started: set[int] = set()

    def relay(message: Any) -> None:
        _, fields = message if isinstance(message, tuple) else (None, message)
        job = by_index.get(int(fields.get("job", -1)))
        if job is not None:
            kind = fields.get("kind")
            if kind == "started":
                started.add(job.index)
            ledger.post(
                BatchEvent(job, "started")
                if kind == "started"
                else stage_event(job, fields)
            )

    client.subscribe_topic(topic, relay)
    stop = Event(f"{topic}-stop", client=client)
    pending = {
        client.submit(
            dask_task,
            job,
            runs_dir=execution.runs_dir,
            log=execution.log(job),
            timeout=execution.timeout_of(job),
            topic=topic,
            stop_name=f"{topic}-stop",
            key=f"{topic}-{job.index}",
            pure=False,
        ): job
        for job in jobs
    }
    interrupted = 0
    while pending:
        try:
            _collect(pending, interrupted=bool(interrupted), ledger=ledger)
            ledger.drain()
            time.sleep(0.1)
        except KeyboardInterrupt as signalled:
            if interrupted:  # a second Ctrl-C: stop waiting for the cluster
                client.cancel(list(pending))
                break
            interrupted = exit_code_of(signalled)
            stop.set()
            # A running task's future also reads "pending": cancel only the journeys
            # that have not started, and let the running ones stop themselves (they
            # watch `stop`) and report how far they got.
            client.cancel([f for f, j in pending.items() if j.index not in started])
    return interrupted


def dask_task(
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


def _collect(
    pending: dict[Any, Job], *, interrupted: bool, ledger: BatchLedger
) -> None:
    """Take the results of the tasks that are done out of `pending`."""
    for future, job in list(pending.items()):
        if not future.done():
            continue
        del pending[future]
        if future.cancelled() and interrupted:
            continue  # never ran: the batch marks it not started
        try:
            result = job_result(job, future.result())
        except Exception as error:  # the task raised, or its worker died
            result = JobResult(
                job, Outcome.CRASHED, 1, message=f"{type(error).__name__}: {error}"
            )
        ledger.finish(result, running={j.index for j in pending.values()})
