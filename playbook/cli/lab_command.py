"""`playbook lab [RUN]`: JupyterLab on the stage notebooks, or on a run's executed ones.

JupyterLab is an extra (`playbook[lab]`): the journey itself needs only a kernel.
Without it the command says, in one line, how to install it. `playbook.cli.app`
registers it.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Annotated

import typer

from playbook.core import bundled
from playbook.core.journey import MANIFEST
from playbook.errors import MissingExtra, PlaybookError

INSTALL = "pip install 'playbook[lab]'"
# A run folder's executed notebooks (`playbook.run.runner.EXECUTED`; the run layer is
# above this one's imports only at run time).
_EXECUTED = "notebooks"


def lab_command(
    run_dir: Path | None, *, installed: Callable[[str], object | None] | None = None
) -> list[str]:
    """The command line that starts JupyterLab on the notebooks, or on a run's.

    Args:
        run_dir: A run folder, whose executed notebooks to open; None for the stage
            notebooks (their defaults run the tiny SYNTHETIC example).
        installed: Finds a module's spec (default `importlib.util.find_spec`); a test
            passes its own to act as if JupyterLab were missing.

    Raises:
        MissingExtra: JupyterLab is not installed.
        PlaybookError: `run_dir` is not a run folder with executed notebooks.
    """
    find = installed or importlib.util.find_spec
    if find("jupyterlab") is None:
        raise MissingExtra(
            f"playbook lab needs JupyterLab, an optional part of playbook: {INSTALL}"
        )
    if run_dir is None:
        folder = bundled.bundled("notebooks")
    else:
        folder = Path(run_dir) / _EXECUTED
        if not (Path(run_dir) / MANIFEST).is_file() or not folder.is_dir():
            raise PlaybookError(
                f"{run_dir}: not a run folder with executed notebooks (no {MANIFEST} "
                f"or {_EXECUTED}/). Pass RUNS_DIR/<poc>/<run-id>, or nothing for the "
                "stage notebooks."
            )
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={folder.resolve()}",
    ]


def start_lab(
    run_dir: Path | None,
    *,
    launch: Callable[[Sequence[str]], int] = subprocess.call,
    installed: Callable[[str], object | None] | None = None,
) -> Iterator[str]:
    """Say where JupyterLab opens, then run it until it stops; its exit code is ours.

    Raises:
        MissingExtra: JupyterLab is not installed.
        PlaybookError: `run_dir` is not a run folder with executed notebooks.
        typer.Exit: JupyterLab ended with an error (its exit code).
    """
    command = lab_command(run_dir, installed=installed)
    yield f"JupyterLab on {command[-1].partition('=')[2]} (Ctrl-C stops it)."
    code = launch(command)
    if code:
        raise typer.Exit(code=code)


def lab(
    run_dir: Annotated[
        Path | None,
        typer.Argument(
            help="A run folder, RUNS_DIR/<poc>/<run-id>, to open its executed "
            "notebooks (default: the stage notebooks)."
        ),
    ] = None,
) -> Iterator[str]:
    """Open JupyterLab on the stage notebooks, or on a run's executed notebooks.

    The stage notebooks run on the tiny SYNTHETIC example by default ("Run All").
    Running a finished run's notebook again refuses to write into that run. Needs
    the lab extra: pip install 'playbook[lab]'. Exit codes: 0 JupyterLab stopped, 1 it
    is not installed or RUN is not a run folder.
    """
    yield from start_lab(run_dir)
