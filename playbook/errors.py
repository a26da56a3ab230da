"""Every error playbook raises, and the exit code each one maps to.

Exit codes are part of the contract: 0 the journey completed, 2 it was stopped by a gate
(the charter or the data are not fit for the journey: fix the inputs), 3 it completed
but its decision is below the bar a CI pipeline set with `--fail-on iterate|stop`, 1
anything else (130 and 143: interrupted by Ctrl-C or SIGTERM).
Every error class is defined here, so that `EXIT_CODES` is the whole table: an error a
notebook raised is known in the runner only by its class name, and a name missing from
the table would silently map to 1.
"""

from __future__ import annotations

from pathlib import Path

# A gate: the charter or the data are unfit for the journey; fix the inputs and re-run.
GATE = 2
# Anything else: a bug, a broken environment, an interrupted run.
FAILURE = 1
# The journey completed, but `--fail-on` counts its decision (ITERATE, STOP) as failing.
BELOW_BAR = 3


class PlaybookError(Exception):
    """Base class for every error raised by playbook.

    Its message is text, or a sentence written in the reader's language when it is
    shown (`playbook.core.messages.Sentence`): `str(error)` is English, and
    `in_language` writes it in the language of the command that prints it.
    """

    def in_language(self, language: str) -> str:
        """The message in `language`; a message given as plain text stays as it is."""
        message = self.args[0] if len(self.args) == 1 else None
        render = getattr(message, "in_language", None)
        return str(render(language)) if callable(render) else str(self)

    @property
    def exit_code(self) -> int:
        """The exit code this error ends `playbook` with."""
        return exit_code_of(type(self))


class CharterError(PlaybookError):
    """The charter cannot be read, or lacks a field the journey needs."""


class ParameterError(PlaybookError):
    """A parameter names no field of the charter, or gives it an unusable value."""


class DataError(PlaybookError):
    """The data named by the charter is missing, unreadable or unfit for the journey."""


class ContractBroken(DataError):
    """The data to score breaks the model's data contract."""


class DataCheckError(PlaybookError):
    """A data contract in `data_checks/` is malformed."""


class UnknownTemplate(PlaybookError):
    """`playbook demo --template` names a template that has no example."""


class EvidenceError(PlaybookError):
    """A stage's saved evidence cannot be read back into its type."""


class ModelError(PlaybookError):
    """A saved model cannot be found or read."""


class ReportError(PlaybookError):
    """A report page cannot be written."""


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


class BatchSpecError(PlaybookError):
    """The batch spec does not parse, names a missing file or an unknown parameter."""


class BatchError(PlaybookError):
    """The batch cannot start: e.g. the Dask scheduler does not answer."""


class KernelError(PlaybookError):
    """The journey's kernel could not be started or cleared between stages."""


class FinishedRunError(PlaybookError):
    """A stage would write into a run folder whose journey has finished."""


class MissingExtra(PlaybookError):
    """A command needs an optional part of playbook (an extra) that is not installed."""


EXIT_CODES: dict[type[PlaybookError], int] = {
    PlaybookError: FAILURE,
    CharterError: GATE,
    ParameterError: FAILURE,
    DataError: GATE,
    ContractBroken: GATE,
    DataCheckError: GATE,
    UnknownTemplate: FAILURE,
    EvidenceError: FAILURE,
    ModelError: FAILURE,
    ReportError: FAILURE,
    StageSelectionError: FAILURE,
    StageFailed: FAILURE,
    BatchSpecError: FAILURE,
    BatchError: FAILURE,
    KernelError: FAILURE,
    FinishedRunError: FAILURE,
    MissingExtra: FAILURE,
}


def exit_code_of(error_type: type[BaseException]) -> int:
    """Exit code of an error class: its `EXIT_CODES` entry, else its nearest base's."""
    for klass in error_type.__mro__:
        if klass in EXIT_CODES:
            return EXIT_CODES[klass]
    return FAILURE


def exit_code_for(error_name: str) -> int:
    """Exit code for an error raised inside a notebook, known there only by its name.

    Args:
        error_name: The exception's class name, as the kernel reported it.
    """
    by_name = {klass.__name__: klass for klass in EXIT_CODES}
    known = by_name.get(error_name)
    return exit_code_of(known) if known is not None else FAILURE
