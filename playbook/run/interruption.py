"""Ctrl-C and SIGTERM stop a journey the same way: as an interruption, recorded.

A cancelled CI job, `kill` or a container's stop sends SIGTERM, whose default is to end
the process at once and leave the manifest saying "running" forever. While a journey
or a batch runs, SIGTERM raises `Terminated`, a `KeyboardInterrupt`, so that it takes
Ctrl-C's path: the kernel is stopped, the manifest says "interrupted", and the command
ends with 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM), as a shell does.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

# Exit code of a process ended by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 128 + signal.SIGINT


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: stop as after Ctrl-C, and exit with 143."""

    exit_code = 128 + signal.SIGTERM


def exit_code_of(interruption: BaseException) -> int:
    """130 after Ctrl-C, 143 after SIGTERM."""
    return getattr(interruption, "exit_code", INTERRUPTED)


def interrupt_on_sigterm(*, sigint: bool = False) -> Callable[[], None]:
    """Treat SIGTERM like Ctrl-C (raise `Terminated`); return the undo.

    Either signal also keeps the report of the kernel it stops out of stderr
    (`quiet_stopped_kernel`). Only the main thread can take signals; elsewhere
    nothing changes.

    Args:
        sigint: Take Ctrl-C here too (as Python does, with a `KeyboardInterrupt`), for
            a command that prints its own "interrupted" line.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def terminate(number: int, frame: Any) -> None:
        quiet_stopped_kernel()
        raise Terminated

    def interrupt(number: int, frame: Any) -> None:
        quiet_stopped_kernel()
        raise KeyboardInterrupt

    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, terminate)}
    if sigint:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, interrupt)

    def undo() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return undo


class _StoppedKernel(logging.Filter):
    """Drop the reports of the kernel an interruption stopped on purpose.

    Ctrl-C or SIGTERM leave nbclient's task for the running cell pending; when the
    kernel is shut down (or took the signal too) the task ends in `DeadKernelError`:
    papermill's logger says "Kernel died while waiting for execute reply", and asyncio
    prints the task's traceback ("Task exception was never retrieved") after the
    command's own "interrupted" line. When the signal comes while the task is
    sending the cell, the channels are already closed and the task ends in an
    `AssertionError` of jupyter_client instead. Nothing there to report.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if type(error).__name__ == "DeadKernelError":
            return False
        message = str(record.msg)
        if "NotebookClient.async_execute_cell" in message:
            return False  # the running cell's task, whatever it ended in
        return not message.startswith("Kernel died")


_QUIET = _StoppedKernel()


def quiet_stopped_kernel() -> None:
    """After an interruption: keep the stopped kernel's reports out of stderr."""
    for name in ("asyncio", "papermill"):
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)
