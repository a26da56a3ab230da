"""The Jinja2 templates of the run index and portfolio pages, and how they render.

The page templates live in `templates/pages/`, beside their CSS and script: wording and
markup stay there, in one place a translation can replace, and Python hands them typed
rows. Every value a template prints is HTML-escaped. Both pages colour a status alike.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import markupsafe

from playbook.core import messages
from playbook.core.language import HTML_LANG, Language
from playbook.core.locale_format import korean_won

if TYPE_CHECKING:
    import plotly.graph_objects as go

PAGES = Path(__file__).parent / "templates" / "pages"

# Text and background colours of a run's or a stage's status, on both pages.
_STATUS_COLOURS = {
    "complete": ("#1b7f3b", "#e3f4e8"),
    "stopped": ("#8a5300", "#fff1d6"),
    "failed": ("#b3261e", "#fde7e5"),
    "interrupted": ("#b3261e", "#fde7e5"),
    "abandoned": ("#b3261e", "#fde7e5"),
    "running": ("#1f5fa8", "#e3edf9"),
}
_GREY = ("#5f6368", "#eef0f2")  # not run, pending, or a status this version lacks
# The colour of each decision, on the index page and the memo alike.
DECISION_COLOURS = {"go": "#1b7f3b", "iterate": "#b26a00", "stop": "#b3261e"}


def status_colours(status: str | None) -> tuple[str, str]:
    """Text and background colour of a status badge; grey for not run or pending."""
    return _STATUS_COLOURS.get(status or "", _GREY)


def render(template: str, *, language: Language = "en", **context: Any) -> str:
    """Render one page template of `templates/pages/` with autoescaping.

    Args:
        template: The template's file name, e.g. "run_index.html.j2".
        language: The reader's language: the catalogue the template's `_()` reads
            and the page's `<html lang>`.
        **context: The names the template reads.

    Returns:
        The page's HTML.
    """
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(PAGES),
        autoescape=True,
        finalize=_escaped,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    messages.install(environment, language)
    return environment.get_template(template).render(
        html_lang=HTML_LANG[language], language=language, **context
    )


def chart_div(figure: go.Figure, div_id: str) -> str:
    """A chart as a `<div>` for a page that loads plotly.js itself; no toolbar."""
    import plotly.io as pio  # only when a page has a chart: plotly is slow to import

    return pio.to_html(
        figure,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        config={"displayModeBar": False, "responsive": True},
    )


WON_UNITS = ("KRW", "원", "WON")
# A tick step is one of these times a power of ten (250,000 reads as 25만원).
_NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def money_ticks(
    values: list[float], *, unit: str, language: Language, ticks: int = 5
) -> dict[str, list] | None:
    """Tick values and texts in 만원/억원 for a won axis in Korean; None otherwise.

    Plotly's own tick format writes SI prefixes (12M, 500k), which a Korean reader
    does not read as money; English keeps them.

    Args:
        values: The amounts the axis must show (zero is always included).
        unit: The amounts' unit, as the charter names it.
        language: The reader's language.
        ticks: About how many ticks to show.
    """
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    if language != "ko" or unit.strip().upper() not in WON_UNITS or not finite:
        return None
    low, high = min([*finite, 0.0]), max([*finite, 0.0])
    rough = (high - low) / ticks or 1.0
    power = 10.0 ** math.floor(math.log10(rough))
    step = power * next(n for n in _NICE_STEPS if n * power >= rough)
    found = [
        k * step for k in range(math.floor(low / step), math.ceil(high / step) + 1)
    ]
    return {"tickvals": found, "ticktext": [korean_won(v) for v in found]}


def _escaped(value: Any) -> Any:
    """A printed value escaped as `html.escape` does, quotes included.

    Autoescaping alone would write a quote as `&#39;`; the pages have always written
    `&#x27;` (readers and tests search for it), so values are escaped here first and
    autoescaping leaves the already safe result alone.
    """
    if hasattr(value, "__html__"):
        return value
    return markupsafe.Markup(html.escape(str(value), quote=True))


def stage_title(title: str, *, language: Language) -> str:
    """A stage's title in the reader's language, as plain text (not HTML).

    The catalogue holds the titles as the page templates write them, HTML-escaped
    (`words.html.j2`), so that one entry serves the pages and the terminal.
    """
    escaped = html.escape(title, quote=False)
    return html.unescape(messages.translated(language, escaped))
