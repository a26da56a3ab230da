"""The prose of the stage notebooks (their markdown cells) in the reader's language.

A stage notebook's markdown cells are written in English, and each cell's whole text
is one message of the catalogue (`playbook.core.messages`): the runner hands a
journey's kernel the notebook with each markdown cell replaced by its entry in the
reader's language, so the executed notebook and its page read in one language and the
English cell stays the one source of each paragraph. `extract_notebook` finds these
messages for `pybabel extract` (method map line
`[playbook.report.stage_prose:extract_notebook: notebooks/**.ipynb]`) and for the test
that fails when a cell has no Korean entry.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from playbook.core.language import Language
from playbook.core.messages import translated


def in_language(notebook: Any, language: Language) -> Any:
    """The notebook with each markdown cell's text in the reader's language.

    Args:
        notebook: A notebook node (`nbformat`), changed in place and returned.
        language: The reader's language; English leaves every cell as written.
    """
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = translated(language, cell.source)
    return notebook


def extract_notebook(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Each markdown cell of a notebook as a message, as Babel's extractors yield them.

    The line is the cell's position in the notebook (from 1): a notebook's JSON has
    no lines a translator would look up.
    """
    cells = json.loads(fileobj.read().decode("utf-8"))["cells"]
    for position, cell in enumerate(cells, start=1):
        source = cell["source"]
        text = source if isinstance(source, str) else "".join(source)
        if cell["cell_type"] == "markdown" and text.strip():
            yield position, None, text, []
