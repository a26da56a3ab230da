"""The papermill engine that runs a stage notebook in the journey's running kernel.

papermill's own engine starts a kernel for each notebook, or, given a kernel manager,
opens a new kernel client each time and leaves it open; a journey keeps ONE kernel and
one client for its seven notebooks (`kernel.JourneyKernel`). This engine plugs into
papermill's engine interface (subclass `papermill.engines.Engine`, implement
`execute_managed_notebook`), so papermill still does the rest: it times every cell,
saves the notebook as it runs and marks the cell that failed. It is imported only
when a notebook runs, so that the command line starts without loading papermill.

papermill saves the whole notebook before and after every cell: a schema check, a JSON
dump and (through `AtomicNotebookFiles`) an fsync each time, about 250 saves and 7 s
of a 1,000,000-row journey while the kernel waits. Between its first and its last
save a notebook is saved at most every `SAVE_EVERY` seconds (`sparse_saves`); the
last save, papermill's own at the end of the notebook, also after an error or an
interruption, is never skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Not in papermill's top-level API (which exports only execute_notebook and
# inspect_notebook), but it is the client papermill's own engine runs cells with: it
# saves the notebook after every cell and records the failing one. No public API runs
# a notebook in a kernel client that is already running.
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine
from papermill.iorw import papermill_io

from playbook.core.files import write_atomic

# papermill's logger (papermill.log.logger is this one), as its own engine uses.
_LOG = logging.getLogger("papermill")
# Seconds between two saves of a running notebook: what a person watching it, or a
# runner killed outright, may miss of the latest outputs.
SAVE_EVERY = 5.0


def sparse_saves(
    save: Callable[..., Any],
    *,
    every: float = SAVE_EVERY,
    clock: Callable[[], float] = time.monotonic,
) -> Callable[..., None]:
    """`save`, called only when `every` seconds have passed since it last ran.

    The first call counts from the moment this is called (papermill has just saved
    the notebook before its first cell).

    Args:
        save: The save to thin out (papermill's `NotebookExecutionManager.save`).
        every: Seconds between two saves.
        clock: Where the time comes from (seconds).
    """
    last = clock()

    def save_now_and_then(**kwargs: Any) -> None:
        nonlocal last
        if clock() - last >= every:
            save(**kwargs)
            last = clock()

    return save_now_and_then


class JourneyEngine(Engine):
    """A papermill engine that runs a notebook's cells in a kernel already running."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        *,
        kernel_manager: Any = None,
        kernel_client: Any = None,
        startup_timeout: float = 60.0,
        **kwargs: Any,
    ) -> None:
        """Run every cell of `nb_man.nb` in the given kernel; leave the kernel running.

        Args:
            nb_man: papermill's execution manager of the notebook.
            kernel_name: The kernel's name, for the notebook's metadata.
            kernel_manager: The journey's kernel manager (its kernel is running).
            kernel_client: The journey's kernel client (its channels are started).
            startup_timeout: Seconds to wait for the kernel to answer.
            **kwargs: What papermill passes every engine (e.g. `log_output`); unused.
        """
        client = PapermillNotebookClient(
            nb_man,
            km=kernel_manager,
            kernel_name=kernel_name,
            startup_timeout=startup_timeout,
            log=_LOG,
        )
        # nbclient opens a client only when none is set; the journey's is open.
        client.kc = kernel_client
        nb_man.save = sparse_saves(nb_man.save)
        try:
            client.execute(cleanup_kc=False)
        finally:
            # papermill's own save again, for its last one (Engine.execute_notebook
            # calls notebook_complete after this returns or raises).
            del nb_man.save


class AtomicNotebookFiles:
    """papermill I/O handler that writes each save of a notebook atomically.

    papermill saves the executed notebook after every cell by writing over it; on a
    full disk that leaves it truncated. Paths given as `atomic(path)` are written
    through `write_atomic` instead (a registered papermill I/O handler, papermill's
    extension point for where notebooks are read and written).
    """

    PREFIX = "playbook-atomic://"

    def read(self, path: str) -> str:
        """The notebook's text."""
        return Path(self._local(path)).read_text(encoding="utf-8")

    def listdir(self, path: str) -> list[str]:
        """The names in a folder."""
        return sorted(entry.name for entry in Path(self._local(path)).iterdir())

    def write(self, buf: str, path: str) -> None:
        """Replace the notebook with `buf`, atomically."""
        write_atomic(self._local(path), buf)

    def pretty_path(self, path: str) -> str:
        """The path as a person reads it."""
        return self._local(path)

    def _local(self, path: str) -> str:
        return path.removeprefix(self.PREFIX)


def atomic(path: str | Path) -> str:
    """`path` as papermill must be given it to save through `AtomicNotebookFiles`."""
    return AtomicNotebookFiles.PREFIX + str(path)


papermill_io.register(AtomicNotebookFiles.PREFIX, AtomicNotebookFiles())
