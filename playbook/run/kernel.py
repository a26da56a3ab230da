"""Run a journey's stage notebooks in one Jupyter kernel, one notebook after another.

A cold kernel costs a couple of seconds to start and as much again to import pandas,
scikit-learn and plotly before a stage does any work; seven cold kernels per journey
made that most of a journey's time. `JourneyKernel` starts one kernel per journey
(never one shared by two POCs), runs each stage notebook in it the way papermill does
(parameters injected after the `parameters` cell, the executed notebook saved after
every cell, the failing cell marked in its metadata, then `PapermillExecutionError`
raised), and clears the kernel's namespace before each stage, so that stages hand off
only through the files in the run folder. Imported modules stay loaded: that is the
saving.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from playbook.core import slow_imports
from playbook.core.language import Language
from playbook.core.messages import sentence
from playbook.errors import KernelError
from playbook.report import stage_prose

# Run silently in the kernel before each stage but the first: forget every name the
# previous stage defined (its frames, models, outputs) and number cells from 1 again.
# `reset` ends with a full garbage collection, which walks every object the imports
# made (0.2 s with pandas, scikit-learn and GX loaded); freezing the survivors keeps
# later collections to what the next stage creates.
_RESET = (
    "get_ipython().reset(new_session=False, aggressive=False)\n"
    "get_ipython().execution_count = 1\n"
    "__import__('gc').freeze()\n"
)


class JourneyKernel:
    """One kernel for the stages of one journey; use it as a context manager.

    The kernel starts with the first notebook and is shut down on leaving the `with`
    block, also after an error or an interruption.

    Args:
        cwd: Working folder of the kernel (the run's executed notebooks).
        kernel_name: Jupyter kernel to start.
        extra_arguments: Command-line arguments added to the kernel's.
        startup_timeout: Seconds to wait for the kernel to answer after it starts.
    """

    def __init__(
        self,
        *,
        cwd: Path,
        kernel_name: str = "python3",
        extra_arguments: Sequence[str] = (),
        startup_timeout: float = 60.0,
    ) -> None:
        """Remember how to start the kernel; nothing starts yet."""
        self.cwd = Path(cwd)
        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments)
        self.startup_timeout = startup_timeout
        self.notebooks_run = 0
        self._manager: Any = None
        self._client: Any = None

    def __enter__(self) -> JourneyKernel:
        """Return the session; the kernel starts with the first notebook."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Shut the kernel down: politely after success, at once after an error."""
        self.close(now=kind is not None)

    def execute(
        self,
        notebook: Path,
        output: Path,
        *,
        parameters: Mapping[str, Any],
        language: Language = "en",
    ) -> None:
        """Run one notebook in the journey's kernel and save it, executed, to `output`.

        Args:
            notebook: The stage notebook to run (left as it is).
            output: Where the executed copy goes; rewritten after every cell.
            parameters: Values injected after the cell tagged `parameters`.
            language: The reader's language: the markdown cells run and are saved
                in it (`playbook.report.stage_prose`).

        Raises:
            papermill.PapermillExecutionError: A cell raised; the notebook was saved
                first, with the failing cell marked as papermill marks it.
            KernelError: The kernel could not be started or cleared.
        """
        # papermill.execute_notebook, papermill's public entry, takes these steps and
        # then hands the notebook to an engine (here JourneyEngine, through papermill's
        # engine interface). They are taken one by one, with the functions it calls
        # (papermill.iorw to read and write, parameterize_notebook to inject, the
        # helpers of papermill.execute to mark and raise a failed cell), because
        # execute_notebook also warns on stderr about each parameter a notebook does
        # not declare (the runner hands every stage the same ones; only stage 4 reads
        # tuning_seconds) and formats both paths with the parameters (braces in a
        # folder name would break it). None of these has a public equivalent.
        slow_imports.defer_iri_grammar()  # before papermill imports jsonschema
        from papermill.execute import (
            prepare_notebook_metadata,
            raise_for_execution_errors,
            remove_error_markers,
        )
        from papermill.iorw import load_notebook_node, write_ipynb
        from papermill.parameterize import parameterize_notebook

        from playbook.run.journey_engine import JourneyEngine, atomic

        node = stage_prose.in_language(load_notebook_node(str(notebook)), language)
        node = parameterize_notebook(
            node, dict(parameters), report_mode=False, kernel_name=self.kernel_name
        )
        # By name only: the executed notebook travels with its run folder.
        node = prepare_notebook_metadata(node, notebook.name, output.name)
        node = remove_error_markers(node)
        if self._manager is None:
            self._start()
        elif self.notebooks_run:
            self._reset()
        self.notebooks_run += 1
        node = JourneyEngine.execute_notebook(
            node,
            self.kernel_name,
            output_path=atomic(output),
            progress_bar=False,
            log_output=False,
            kernel_manager=self._manager,
            kernel_client=self._client,
            startup_timeout=self.startup_timeout,
        )
        raise_for_execution_errors(node, atomic(output))
        write_ipynb(node, atomic(output))

    def last_error_in(self, language: Language) -> str | None:
        """The message of the error the last failed cell raised, in `language`.

        A `PlaybookError` stays in the kernel, where it can still write its message
        in any language; the notebook's traceback holds only its English. None when
        the error says nothing but its English, or the kernel does not answer.
        """
        from jupyter_core.utils import run_sync

        # Hex digits travel through the kernel's text/plain repr unchanged.
        expression = (
            f"__import__('sys').last_value.in_language({language!r}).encode().hex()"
        )
        try:
            reply = run_sync(self._await_reply)(
                self._client.execute(
                    "",
                    silent=True,
                    store_history=False,
                    user_expressions={"said": expression},
                )
            )
        except Exception:  # queue.Empty: the kernel no longer answers
            return None
        found = reply["content"].get("user_expressions", {}).get("said", {})
        if found.get("status") != "ok":
            return None
        return bytes.fromhex(found["data"]["text/plain"].strip("'\"")).decode()

    def close(self, *, now: bool = False) -> None:
        """Stop the kernel (at once when `now`); safe to call twice."""
        from jupyter_core.utils import run_sync

        client, manager = self._client, self._manager
        self._client = self._manager = None
        if client is not None:
            client.stop_channels()
        if manager is not None and manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=now)

    def _start(self) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        manager = AsyncKernelManager(kernel_name=self.kernel_name)
        # Two OpenMP threads that spin while waiting for each other stall for whole
        # time slices when the kernel shares its cores with other work: with three
        # busy processes on two cores, gradient boosting took 1.1, 48.7 and 8.7 s in
        # three fits, one thread 0.6 s each time. Alone on the machine one thread is
        # as fast at 20,000 rows and 1.3 times slower at 200,000 (bench/omp_wait.py,
        # bench/results.md). A user's own OMP_NUM_THREADS wins.
        env = {"OMP_NUM_THREADS": "1", **os.environ}
        try:
            run_sync(manager.start_kernel)(
                cwd=str(self.cwd), extra_arguments=self.extra_arguments, env=env
            )
        except Exception as error:
            raise KernelError(
                sentence(
                    "The Jupyter kernel %(kernel_name)s did not start in %(cwd)s "
                    "(%(kind)s: %(error)s). Check that ipykernel is installed "
                    "in this environment (`python -m ipykernel install --user`).",
                    kernel_name=repr(self.kernel_name),
                    cwd=self.cwd,
                    kind=type(error).__name__,
                    error=error,
                )
            ) from error
        self._manager = manager
        self._client = manager.client()
        self._client.start_channels()
        try:
            run_sync(self._client.wait_for_ready)(timeout=self.startup_timeout)
        except RuntimeError as error:
            raise KernelError(
                sentence(
                    "The Jupyter kernel %(kernel_name)s started but did not "
                    "answer within %(startup_timeout)s s (%(error)s).",
                    kernel_name=repr(self.kernel_name),
                    startup_timeout=f"{self.startup_timeout:.0f}",
                    error=error,
                )
            ) from error

    def _reset(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            reply = run_sync(self._await_reply)(
                self._client.execute(_RESET, silent=True, store_history=False)
            )
        except Exception as error:  # queue.Empty: the kernel no longer answers
            raise KernelError(
                sentence(
                    "The journey's kernel did not answer before the next stage "
                    "(%(kind)s); it may have died in the previous stage.",
                    kind=type(error).__name__,
                )
            ) from error
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise KernelError(
                sentence(
                    "The kernel could not clear the previous stage's names "
                    "before the next stage (%(name_of_error)s: %(message)s).",
                    name_of_error=content.get("ename"),
                    message=content.get("evalue"),
                )
            )

    async def _await_reply(self, msg_id: str) -> dict[str, Any]:
        while True:
            reply = await self._client.get_shell_msg(timeout=self.startup_timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply
