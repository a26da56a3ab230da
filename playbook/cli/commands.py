"""What every `playbook` command shares: readable help, --quiet and --verbose, errors.

Typer shows each value's Python type as a placeholder (`<path>`, `<list[Path]>`) and a
required argument in braces (`{charter}`); a reader wants `--runs-dir RUNS_DIR` and
`CHARTER`. Every command made with `PlaybookTyper.command` gets those names, and two
options, `--quiet` (errors only) and `--verbose` (debug lines), which set the level of
the `playbook` logger (stdlib logging, to stderr) and whether the terminal output shows.
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperOption

from playbook.cli.safe_text import shown
from playbook.core.language import Language
from playbook.core.messages import sentence, translated
from playbook.core.printable import printable
from playbook.errors import PlaybookError

LOGGER = "playbook"
_HANDLER_NAME = "playbook-cli"


class _Argument(TyperArgument):
    """An argument shown by its name in capitals, without a type or braces."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1:
            return f"[{name}]..." if not self.required else f"{name}..."
        return name if self.required else f"[{name}]"


def _readable(param: object) -> None:
    """Give a parameter a placeholder a reader understands, unless it has one."""
    if getattr(param, "metavar", None) is not None:
        return
    if isinstance(param, TyperArgument):
        param.__class__ = _Argument
        param.metavar = (param.name or "value").upper()
    elif isinstance(param, TyperOption) and not param.is_flag:
        described = param.type_descriptor
        if described.is_choice and described.choices:
            param.metavar = "[" + "|".join(map(str, described.choices)) + "]"
        else:
            longest = max(param.opts, key=len)
            param.metavar = longest.lstrip("-").replace("-", "_").upper()


QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")]
VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="Also print debug lines: what runs, where, with which parameters.",
    ),
]


def _with_verbosity(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` with --quiet and --verbose added, which set the logging level."""
    signature = inspect.signature(function, eval_str=True)
    added = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=False, annotation=kind
        )
        for name, kind in (("quiet", QuietOption), ("verbose", VerboseOption))
    ]

    @functools.wraps(function)
    def command(*args: Any, quiet: bool, verbose: bool, **kwargs: Any) -> Any:
        if quiet and verbose:
            raise typer.BadParameter("give --quiet or --verbose, not both.")
        level = (
            logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING
        )
        configure_logging(level)
        return function(*args, **kwargs)

    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *added]
    )
    command.__annotations__ = {
        **function.__annotations__,
        "quiet": QuietOption,
        "verbose": VerboseOption,
    }
    return command


class PlaybookCommand(TyperCommand):
    """A command with readable placeholders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Rename the placeholders."""
        super().__init__(*args, **kwargs)
        for param in self.params:
            _readable(param)


class PlaybookTyper(typer.Typer):
    """A Typer app whose commands are `PlaybookCommand`s."""

    def command(self, *args: Any, **kwargs: Any) -> Any:
        """As `typer.Typer.command`, with readable help and --quiet / --verbose."""
        kwargs.setdefault("cls", PlaybookCommand)
        register = super().command(*args, **kwargs)

        def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
            register(_with_verbosity(function))
            return function

        return decorator


console = Console(highlight=False, soft_wrap=True)


def configure_logging(level: int) -> None:
    """Send the `playbook` logger's records at `level` and above to stderr.

    Below WARNING (verbose) the terminal output shows as usual; above it (quiet) the
    terminal output is hidden, and errors still show (see `print_error`).
    """
    logger = logging.getLogger(LOGGER)
    logger.setLevel(level)
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
        logger.removeHandler(old)
    # Bound to the stderr of now: a test runner swaps it between commands.
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    console.quiet = level > logging.WARNING


def print_error(text: str) -> None:
    """Print an error line, even under --quiet."""
    quiet, console.quiet = console.quiet, False
    try:
        console.print(text)
    finally:
        console.quiet = quiet


def printing(command: Callable[..., Iterator[str]]) -> Callable[..., None]:
    """A command that yields its lines: each printed as it comes, as plain text.

    The lines hold names and paths from the user's files: control characters in them
    are shown as visible escapes, and markup is never parsed.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with exit_on_error():
            for line in command(*args, **kwargs):
                console.print(printable(line), markup=False)

    return run


@contextmanager
def exit_on_error(language: Language = "en") -> Iterator[None]:
    """Turn a `PlaybookError` or an `OSError` into one red line and its exit code.

    Args:
        language: The language the command speaks: the error is written in it.
    """
    try:
        yield
    except PlaybookError as error:
        fail(error, language)
    except OSError as error:  # a full disk, a read-only folder: one line, not a trace
        where = error.filename or sentence("a file playbook was writing")
        fail(
            PlaybookError(
                sentence(
                    "%(where)s: %(problem)s. Free space on that disk or make the "
                    "folder writable (or choose another --runs-dir / --out), then "
                    "run again.",
                    where=where,
                    problem=error.strerror or error,
                )
            ),
            language,
        )


def fail(error: PlaybookError, language: Language = "en") -> NoReturn:
    """Print the error as one red line, in the command's language, and exit."""
    label = translated(language, "error:")
    message = shown(error.in_language(language), keep_newlines=True)
    print_error(f"[red]{label}[/] {message}")
    raise typer.Exit(code=error.exit_code)
