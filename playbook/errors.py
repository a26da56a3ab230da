"""Every error playbook raises, and the exit code each one maps to.

Exit codes are part of the contract: 0 the journey completed, 2 it was stopped by a gate
(the charter or the data are not fit for the journey: fix the inputs), 1 anything else.
"""

from __future__ import annotations

from pathlib import Path


class PlaybookError(Exception):
    """Base class for every error raised by playbook."""

    exit_code = 1


class CharterError(PlaybookError):
    """The charter cannot be read, or lacks a field the journey needs."""

    exit_code = 2


class DataError(PlaybookError):
    """The data named by the charter is missing, unreadable or unfit for the journey."""

    exit_code = 2


class DataCheckError(PlaybookError):
    """A data contract in `data_checks/` is malformed."""

    exit_code = 2


class StageSelectionError(PlaybookError):
    """The stages asked for cannot be run as asked."""


class StageFailed(PlaybookError):
    """A stage notebook raised an error; the executed notebook was saved first."""

    def __init__(
        self, stage: str, notebook: Path, cell: int | None, message: str
    ) -> None:
        """Keep where the failure happened so that callers can point at it."""
        where = f"cell {cell}" if cell is not None else "an unknown cell"
        super().__init__(f"stage {stage} failed in {where} of {notebook}: {message}")
        self.stage = stage
        self.notebook = notebook
        self.cell = cell
        self.message = message


def exit_code_for(error_name: str) -> int:
    """Exit code for an error raised inside a notebook, known there only by its name.

    Args:
        error_name: The exception's class name, as the kernel reported it.
    """
    known = {cls.__name__: cls.exit_code for cls in _all_subclasses(PlaybookError)}
    return known.get(error_name, PlaybookError.exit_code)


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


class ModelError(PlaybookError):
    """A saved model cannot be found or read."""
