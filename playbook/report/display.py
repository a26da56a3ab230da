"""What a stage notebook uses to show things: charts, banners, tables, decisions.

Charts go through a plotly renderer made for reports: JupyterLab draws the figure from
its JSON, and the HTML export gets the chart's `<div>` and `Plotly.newPlot` call
without plotly.js, which the report page loads once from the run folder's `assets/`.

`use_report_renderer` also sets the reader's language of the notebook's kernel (the
charter's `report.language`): the sections, charts and the words shown here read it
with `reader_language()` (sentences with `said`), as plotly reads its default
renderer, so a notebook says it once rather than in every call.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.io as pio
from IPython.display import display
from plotly.io.base_renderers import MimetypeRenderer, PlotlyRenderer

from playbook.core.language import Language
from playbook.core.messages import marked, translated
from playbook.data import pii
from playbook.tasks.decision import Decision
from playbook.tasks.decision_words import decision_code

RENDERER_NAME = "playbook_report"

_BANNER_TEXT = marked("SYNTHETIC example data: generated, not real records")
# A true/false cell of a table, in the reader's words (English keeps Python's).
_BOOLEAN_WORDS = {True: marked("True"), False: marked("False")}
# The kernel's reader, set once per stage notebook by `use_report_renderer`.
_READER: dict[str, Language] = {"language": "en"}
_DECISION_COLOURS = {"go": "#1b7f3b", "iterate": "#b26a00", "stop": "#b3261e"}
_TABLE_STYLE = (
    "<style>.playbook-table{border-collapse:collapse;margin:6px 0}"
    ".playbook-caption{font-weight:700;margin:10px 0 2px}"
    ".playbook-table th,.playbook-table td{padding:4px 10px;text-align:left;"
    "border-bottom:1px solid #ddd}.playbook-table th{background:#f4f6f8}"
    ".playbook-table .num{text-align:right;font-variant-numeric:tabular-nums}</style>"
)


class _ReportRenderer(MimetypeRenderer):
    """Plotly's JSON for JupyterLab, plus a plotly.js-free HTML div for nbconvert.

    A figure that ends a cell shows itself through `pio.renderers`, which accepts only
    `MimetypeRenderer` subclasses; plotly exports that base class and its own
    `PlotlyRenderer` publicly in `plotly.io.base_renderers` (since plotly 4), so no
    private module is needed. No built-in renderer gives this pair: plotly's HTML
    renderers embed plotly.js or load it from a CDN through require.js.
    """

    def to_mimebundle(self, fig_dict: dict[str, Any]) -> dict[str, Any]:
        bundle = PlotlyRenderer().to_mimebundle(dict(fig_dict))
        bundle["text/html"] = pio.to_html(
            fig_dict,
            config={"displaylogo": False},
            include_plotlyjs=False,
            include_mathjax=False,
            full_html=False,
            default_width="100%",
            default_height=480,
            validate=False,
        )
        return bundle


def use_report_renderer(language: Language = "en") -> None:
    """Show plotly figures in a way that both JupyterLab and the HTML report can draw.

    After this call, a figure that ends a cell, or `fig.show()`, outputs a bundle with
    `application/vnd.plotly.v1+json` and a `text/html` div that expects `Plotly` to be
    loaded by the page (the report loads `assets/plotly.min.js`).

    Args:
        language: The reader's language of what the notebook shows from now on.
    """
    _READER["language"] = language
    pio.renderers[RENDERER_NAME] = _ReportRenderer()
    pio.renderers.default = RENDERER_NAME
    pio.renderers.render_on_display = True


def reader_language() -> Language:
    """The language the notebook's reader reads (`use_report_renderer`)."""
    return _READER["language"]


def said(message: str, /, **values: object) -> str:
    """A sentence of a section in the reader's language, its placeholders filled."""
    return translated(_READER["language"], message, **values)


def synthetic_banner(is_synthetic: bool) -> None:
    """Warn the reader, in large letters, that the data is synthetic.

    Args:
        is_synthetic: Whether the journey runs on generated data; nothing is shown
            when false.
    """
    if not is_synthetic:
        return
    banner = html.escape(said(_BANNER_TEXT))
    style = (
        "background:#fff4d6;border:2px solid #c98a00;border-radius:6px;"
        "padding:10px 16px;margin:8px 0;color:#5c3d00;font-size:1.15em;"
        "font-weight:700"
    )
    display(
        {
            "text/html": f'<div style="{style}">&#9888; {banner}</div>',
            "text/markdown": f"**&#9888; {banner}**",
            "text/plain": f"!! {banner} !!",
        },
        raw=True,
    )


def table(
    frame: pd.DataFrame, *, caption: str | None = None, hidden: Iterable[str] = ()
) -> None:
    """Show a data frame as a readable HTML table, with personal data masked.

    A column's name is shown in the reader's language when the catalogue has it.

    Numbers are right-aligned with thousands separators and a number of decimals
    chosen per column; a plain 0, 1, 2... index is left out, any other index is shown
    as the first columns. Any text that looks like personal data (an e-mail address,
    a phone, card or resident registration number, an IP address) is masked in every
    column, and every value of the `hidden` columns.

    Args:
        frame: What to show.
        caption: A sentence above the table saying what it shows.
        hidden: Columns holding personal data the patterns cannot see (names).
    """
    frame = pii.mask_frame(frame, columns=hidden)
    shown = frame
    if not isinstance(frame.index, pd.RangeIndex):
        names = ["" if name is None else name for name in frame.index.names]
        shown = frame.reset_index(names=names, allow_duplicates=True)
    columns = [_column_cells(shown.iloc[:, i]) for i in range(shown.shape[1])]
    head = "".join(
        f"<th{kind}>{html.escape(said(str(name)))}</th>"
        for name, (kind, _) in zip(shown.columns, columns, strict=True)
    )
    rows = (
        "".join(
            "<tr>"
            + "".join(f"<td{kind}>{cells[row]}</td>" for kind, cells in columns)
            + "</tr>"
            for row in range(len(shown))
        )
        or f'<tr><td colspan="{max(len(columns), 1)}">{said("none")}</td></tr>'
    )
    caption = pii.mask_text(caption) if caption else caption
    title = f'<p class="playbook-caption">{html.escape(caption)}</p>' if caption else ""
    markup = (
        f'{_TABLE_STYLE}{title}<table class="playbook-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )
    plain = f"{caption}\n{frame.to_string()}" if caption else frame.to_string()
    display({"text/html": markup, "text/plain": plain}, raw=True)


def frame(rows: Iterable[Any], *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A data frame with one row per dataclass instance or mapping, for `table`.

    Args:
        rows: Result dataclasses (or mappings) of the same kind.
        columns: The fields to keep, in this order; all fields when omitted.
    """
    records = [
        {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
        if dataclasses.is_dataclass(row)
        else dict(row)
        for row in rows
    ]
    if columns is None:
        return pd.DataFrame(records)
    if not records:
        return pd.DataFrame(columns=list(columns))
    return pd.DataFrame(records)[list(columns)]


def bullets(title: str, items: Sequence[str]) -> None:
    """Show a short heading and a list of sentences ("none" when the list is empty).

    Any part of a sentence that looks like personal data is masked.
    """
    items = [pii.mask_text(str(item)) for item in items]
    heading = f"<p><strong>{html.escape(title)}</strong>"
    if not items:
        none = said("none")
        markup, plain = f"{heading}: {none}</p>", f"{title}: {none}"
    else:
        listed = "".join(f"<li>{html.escape(str(item))}</li>" for item in items)
        markup = f"{heading}</p><ul>{listed}</ul>"
        plain = "\n".join([title, *(f"- {item}" for item in items)])
    display({"text/html": markup, "text/plain": plain}, raw=True)


def verdict(passed: bool, if_passed: str, if_failed: str) -> None:
    """Show a check's outcome as one green or red sentence.

    Args:
        passed: The check's outcome.
        if_passed: The sentence to show when it passed.
        if_failed: The sentence to show when it failed.
    """
    if_passed, if_failed = pii.mask_text(if_passed), pii.mask_text(if_failed)
    mark, text, colour = (
        ("&#10004;", if_passed, "#1b7f3b")
        if passed
        else ("&#10008;", if_failed, "#b3261e")
    )
    style = f"color:{colour};font-weight:700;font-size:1.1em;margin:8px 0"
    display(
        {
            "text/html": f'<p style="{style}">{mark} {html.escape(text)}</p>',
            "text/plain": f"{'PASSED' if passed else 'FAILED'}: {text}",
        },
        raw=True,
    )


def decision(outcome: Decision) -> None:
    """Show a go / iterate / stop decision in large letters, with its reasons."""
    language = _READER["language"]
    word = (
        outcome.decision.upper()
        if language == "en"
        else decision_code(outcome.decision, language=language)
    )
    colour = _DECISION_COLOURS.get(outcome.decision, "#5f6368")
    masked = [pii.mask_text(reason) for reason in outcome.reasons]
    reasons = "".join(f"<li>{html.escape(reason)}</li>" for reason in masked)
    # The class marks the decision box for tools that read the page (and its tests).
    markup = (
        '<div class="playbook-decision">'
        f'<div style="font-size:2.6em;font-weight:800;color:{colour};margin:8px 0">'
        f"{html.escape(word)}</div><ul>{reasons}</ul></div>"
    )
    plain = "\n".join([word, *(f"- {reason}" for reason in masked)])
    display({"text/html": markup, "text/plain": plain}, raw=True)


def lead(text: str) -> None:
    """Show one sentence a reader takes first (a memo's headline), in bold."""
    text = pii.mask_text(text)
    style = "font-weight:700;font-size:1.15em;margin:10px 0"
    display(
        {
            "text/html": f'<p style="{style}">{html.escape(text)}</p>',
            "text/plain": text,
        },
        raw=True,
    )


def link(text: str, href: str) -> None:
    """Show a link to a page in the run folder (`href` relative to the stage's page)."""
    markup = f'<p><a href="{html.escape(quote(href))}">{html.escape(text)}</a></p>'
    display({"text/html": markup, "text/plain": f"{text}: {href}"}, raw=True)


def figures(items: Iterable[Any]) -> None:
    """Show several plotly figures one after the other."""
    for figure in items:
        display(figure)


def code(title: str, text: str) -> None:
    """Show a short file's text (a script, a command) as a block a reader can copy."""
    style = (
        "background:#f4f6f8;border:1px solid #dde1e6;border-radius:4px;"
        "padding:8px 12px;font-size:0.95em;white-space:pre-wrap"
    )
    markup = (
        f"<p><strong>{html.escape(title)}</strong></p>"
        f'<pre style="{style}">{html.escape(text)}</pre>'
    )
    display({"text/html": markup, "text/plain": f"{title}\n{text}"}, raw=True)


def _column_cells(column: pd.Series) -> tuple[str, list[str]]:
    """A class attribute for one column's cells (numbers align right), and its cells."""
    kind = column.dtype
    if not pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind):
        texts = ["" if _missing(v) else html.escape(_cell_text(v)) for v in column]
        return "", texts
    if pd.api.types.is_integer_dtype(kind):
        return ' class="num"', ["" if _missing(v) else f"{v:,}" for v in column]
    magnitudes = np.abs(column.to_numpy(dtype=float, na_value=np.nan))
    finite = magnitudes[np.isfinite(magnitudes)]
    largest = finite.max() if finite.size else 0.0
    decimals = 0 if largest >= 1000 else 2 if largest >= 1 else 3
    return ' class="num"', ["" if _missing(v) else f"{v:,.{decimals}f}" for v in column]


def _cell_text(value: Any) -> str:
    """A cell that is no number: a true/false in the reader's words, else its text."""
    if isinstance(value, bool | np.bool_):
        return said(_BOOLEAN_WORDS[bool(value)])
    return str(value)


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))
