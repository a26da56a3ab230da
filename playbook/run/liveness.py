"""Is a run whose manifest says "running" still running? Its process and heartbeat.

The manifest records the process that runs the journey (id and host) and a heartbeat:
the time of the manifest's latest write, refreshed every `HEARTBEAT_SECONDS` while a
stage runs. A run killed without a chance to close its manifest (SIGKILL, a power cut,
an out-of-memory kill) is then told apart from one still at work: on the same host its
process is gone; on another host (a Dask worker) its heartbeat has gone stale.
`playbook report` and the next `playbook run` mark such runs "abandoned".
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psutil

# How often a running journey refreshes its manifest's heartbeat.
HEARTBEAT_SECONDS = 30.0
# A heartbeat older than this, from another host, means the run is gone: ten missed
# beats, ample for a machine busy enough to delay a thread.
STALE_AFTER_SECONDS = 10 * HEARTBEAT_SECONDS


def this_process() -> dict[str, Any]:
    """The manifest's `process`: who runs the journey, to find it again later."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def abandoned(record: dict[str, Any], *, now: dt.datetime | None = None) -> str | None:
    """Why a manifest that says "running" belongs to a dead run; None if it may live.

    Args:
        record: The manifest.
        now: The current time (UTC), for tests.
    """
    if record.get("status") != "running":
        return None
    process = record.get("process") or {}
    pid, host = process.get("pid"), process.get("host")
    if isinstance(pid, int) and host == socket.gethostname():
        if _alive(pid, since=_time(record.get("started_at"))):
            return None
        return f"its process ({pid} on {host}) ended without closing the run"
    beat = _time(record.get("heartbeat_at") or record.get("started_at"))
    if beat is None:
        return None
    silent = ((now or dt.datetime.now(dt.UTC)) - beat).total_seconds()
    if silent <= STALE_AFTER_SECONDS:
        return None
    where = f" ({pid} on {host})" if host else ""
    return f"its process{where} has sent no heartbeat for {silent / 60:.0f} minutes"


@contextmanager
def heartbeat(
    beat: Callable[[], None], *, every: float | None = None
) -> Iterator[None]:
    """Call `beat` every `every` seconds in a thread while the block runs.

    A failing beat (a full disk) is skipped: the journey's own writes report it.
    """
    every = HEARTBEAT_SECONDS if every is None else every
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                beat()
            except OSError:
                continue

    thread = threading.Thread(target=loop, name="playbook-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _alive(pid: int, *, since: dt.datetime | None) -> bool:
    """Whether `pid` is a live process started no later than the run (not a reuse)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        started = dt.datetime.fromtimestamp(process.create_time(), dt.UTC)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: alive, and not ours to judge
        return True
    # The manifest's times are whole seconds; a process id reused by a process that
    # started after the run is not the run's.
    return since is None or started <= since + dt.timedelta(seconds=2)


def _time(text: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
