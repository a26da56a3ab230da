"""A journey's stage pages, exported with one nbconvert exporter.

nbconvert compiles its Jinja templates (the stage page's and the ten it extends) for
each new exporter: two thirds of exporting a page. The runner keeps one
`StageExporter` for a journey's seven pages, so the templates are compiled once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playbook.core import slow_imports
from playbook.core.files import write_atomic
from playbook.core.language import HTML_LANG, Language
from playbook.core.messages import translated
from playbook.errors import ReportError
from playbook.report.pages import ensure_plotly_asset

_TEMPLATES = Path(__file__).parent / "templates"
_STAGE_TEMPLATE = "playbook_stage"


class StageExporter:
    """Exports executed stage notebooks as business-view HTML pages in one language.

    Args:
        language: The reader's language (the pages' `<html lang>` and own words).
    """

    def __init__(self, language: Language = "en") -> None:
        """Remember the language; nbconvert is imported with the first page."""
        self.language = language
        self._exporter: Any = None

    def export(self, notebook: Path, html: Path, *, title: str) -> Path:
        """Turn an executed stage notebook into a page (see `pages.export_stage`).

        Args:
            notebook: The executed notebook.
            html: Where to write the page; its folder is the run folder.
            title: The page's title.

        Returns:
            The page's path.

        Raises:
            ReportError: The notebook cannot be read.
        """
        # Imported here, not at the top: every stage's kernel imports this package
        # while only the runner exports pages, and nbformat reaches jsonschema, whose
        # format checks build a grammar at import (deferred by slow_imports).
        slow_imports.defer_iri_grammar()
        import nbformat

        try:
            node = nbformat.read(notebook, as_version=4)
        except (OSError, ValueError) as error:
            raise ReportError(
                f"{notebook}: cannot read the executed notebook ({error}). "
                "Run the stage again to recreate it."
            ) from error
        node.metadata["title"] = title
        # The stage template's own words, in the reader's language (nb.metadata).
        node.metadata["playbook_words"] = {
            "overview": translated(self.language, "Run overview")
        }
        body, _ = self._html_exporter().from_notebook_node(node)
        html = Path(html)
        html.parent.mkdir(parents=True, exist_ok=True)
        ensure_plotly_asset(html.parent)
        return write_atomic(html, body)

    def _html_exporter(self) -> Any:
        if self._exporter is None:
            from nbconvert import HTMLExporter

            self._exporter = HTMLExporter(
                template_name=_STAGE_TEMPLATE,
                extra_template_basedirs=[str(_TEMPLATES)],
                exclude_input=True,
                exclude_input_prompt=True,
                exclude_output_prompt=True,
                language_code=HTML_LANG[self.language],
            )
        return self._exporter
