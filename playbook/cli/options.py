"""The options several commands share, each defined once with its help."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from playbook.charter.fields import SEED_MAXIMUM
from playbook.core.language import Language
from playbook.errors import PlaybookError


def _check_stages(text: str | None) -> str | None:
    """Refuse a bad --stages as a usage error (exit 2) before anything runs."""
    from playbook.run import runner

    try:
        runner.parse_stages(text)
    except PlaybookError as error:
        raise typer.BadParameter(str(error)) from None
    return text


StagesOption = Annotated[
    str | None,
    typer.Option(
        "--stages",
        callback=_check_stages,
        help=(
            "Stages to run, e.g. 1-4 or 3,4 (default: all seven). "
            "Stage 6 needs stage 4."
        ),
    ),
]
RunsDirOption = Annotated[
    Path,
    typer.Option(
        "--runs-dir",
        help="Each run goes to RUNS_DIR/<poc>/<run-id>/; nothing is overwritten.",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed",
        min=0,
        max=SEED_MAXIMUM,
        help="Seed for every random choice, a whole number from 0 to 2**32 - 1 "
        "(default: the charter's seed).",
    ),
]
FailOnOption = Annotated[
    Literal["never", "iterate", "stop"],
    typer.Option(
        "--fail-on",
        help="For CI: exit 3 when the journey completed but decided ITERATE or STOP "
        "(iterate), or STOP (stop); never (the default) exits 0 whatever it decided.",
    ),
]
JunitOption = Annotated[
    Path | None,
    typer.Option(
        "--junit",
        metavar="FILE",
        help="Also write a JUnit XML report for CI: one test case per stage and one "
        "for the decision.",
    ),
]
AllowPathOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-path",
        help="A folder outside the charter's own that data.path, data.fresh and "
        "data.checks may point into (repeatable); nothing else outside it is read.",
    ),
]
ReplaceOption = Annotated[
    bool, typer.Option("--force", help="Replace --out when it exists.")
]
LangOption = Annotated[
    Language | None,
    typer.Option(
        "--lang",
        help="The language of the pages, memo and messages: en or ko (한국어) "
        "(default: the charter's report.language, else en).",
    ),
]
