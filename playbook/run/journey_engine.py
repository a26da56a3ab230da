"""The papermill engine that runs a stage notebook in the journey's running kernel.

papermill's own engine starts a kernel for each notebook, or, given a kernel manager,
opens a new kernel client each time and leaves it open; a journey keeps ONE kernel and
one client for its seven notebooks (`kernel.JourneyKernel`). This engine plugs into
papermill's engine interface (subclass `papermill.engines.Engine`, implement
`execute_managed_notebook`), so papermill still does the rest: it times every cell,
saves the notebook after each one and marks the cell that failed. It is imported only
when a notebook runs, so that the command line starts without loading papermill.
"""

from __future__ import annotations

import logging
from typing import Any

# Not in papermill's top-level API (which exports only execute_notebook and
# inspect_notebook), but it is the client papermill's own engine runs cells with: it
# saves the notebook after every cell and records the failing one. No public API runs
# a notebook in a kernel client that is already running.
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine

# papermill's logger (papermill.log.logger is this one), as its own engine uses.
_LOG = logging.getLogger("papermill")


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
        client.execute(cleanup_kc=False)
