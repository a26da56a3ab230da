"""`playbook memo RUN [--pdf]`: the sponsor's memo of a run, written again, printed.

`playbook.cli.app` registers it: it prints each line the command yields and turns a
`PlaybookError` into one line and its exit code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from playbook.cli.options import LangOption


def memo(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="A run folder, RUNS_DIR/<poc>/<run-id>, with its manifest."
        ),
    ],
    pdf: Annotated[
        bool,
        typer.Option("--pdf", help="Also print it to memo.pdf with headless Chromium."),
    ] = False,
    lang: LangOption = None,
) -> Iterator[str]:
    """Write the sponsor's memo, memo.html, of a run again; --pdf prints it too.

    The memo gives the decision, the money, the payback time, the risks, the open
    items and the next steps; the run's index page links it first. Exit codes: 0
    written, 1 the folder is no run folder, or Chromium is missing or failed.
    """
    import json

    from playbook.core.language import language_of
    from playbook.core.messages import translated
    from playbook.report import memo_page, pages

    written = pages.refresh(run_dir, language=lang)
    # Written in --lang, else in the run's own language: say so in the same one.
    record = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    language = lang or language_of(record.get("language"))
    yield translated(language, "Memo: %(path)s", path=written)
    if pdf:
        yield f"PDF: {memo_page.print_pdf(run_dir)}"
