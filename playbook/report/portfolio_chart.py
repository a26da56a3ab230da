"""The portfolio page's chart: decisions by stage reached, and the value at stake.

Drawn in the page's language (the frame's, `--lang` of `playbook report`); amounts in
different units never share an axis.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from playbook.core.journey import STAGES
from playbook.core.language import FONT_STACK, Language
from playbook.core.messages import translated
from playbook.report import page_templates
from playbook.report.page_templates import stage_title
from playbook.report.portfolio import (
    DECISIONS,
    PocSummary,
    Portfolio,
    RunSummary,
    amount,
    annual,
    number,
)

if TYPE_CHECKING:
    import plotly.graph_objects as go

# A POC row's yearly lift, and how far its interval reaches below and above it.
_Lift = tuple[PocSummary, float, float, float]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _lifts_by_unit(portfolio: Portfolio) -> dict[str, list[_Lift]]:
    """Each POC row's yearly lift and its error bars (down, up), by unit."""
    by_unit: dict[str, list[_Lift]] = {}
    for poc in portfolio.pocs:
        kpi = poc.latest.kpi or {}
        period = kpi.get("period")
        value = annual(poc.latest.lift, period)
        if value is None:
            continue
        low = annual(number(kpi.get("lift_ci_low")), period)
        high = annual(number(kpi.get("lift_ci_high")), period)
        by_unit.setdefault(str(kpi.get("unit") or ""), []).append(
            (
                poc,
                value,
                value - low if low is not None else 0.0,
                high - value if high is not None else 0.0,
            )
        )
    return by_unit


def chart(portfolio: Portfolio, *, language: Language) -> str:
    """Decisions by stage reached, and the yearly lift at stake per POC row.

    Amounts in different units (KRW, EUR, cost units) never share an axis: each unit
    gets its own panel. Plotly reads HTML-like markup in its text, so manifest strings
    are escaped here. Its words are in the page's language.
    """
    from plotly.subplots import make_subplots

    by_unit = _lifts_by_unit(portfolio)
    units = sorted(by_unit, key=lambda unit: -len(by_unit[unit])) or [""]
    panels = len(units)
    bars = sum(len(rows) for rows in by_unit.values())
    fig = make_subplots(
        rows=panels,
        cols=2,
        column_widths=[0.42, 0.58],
        horizontal_spacing=0.22,
        vertical_spacing=min(0.12, 0.5 / panels),
        specs=[[{"rowspan": panels}, {}]] + [[None, {}] for _ in range(panels - 1)],
        subplot_titles=(
            translated(language, "POCs by stage reached (latest run)"),
            *(
                translated(
                    language,
                    "Lift over today's baseline per year, %(unit)s",
                    unit=_e(unit) or translated(language, "no unit"),
                )
                for unit in units
            ),
        ),
    )
    _add_decision_bars(fig, [poc.latest for poc in portfolio.pocs], language)
    for row, unit in enumerate(units, start=1):
        _add_lift_panel(
            fig, by_unit.get(unit, []), unit=unit, row=row, language=language
        )
    fig.update_xaxes(title_text=translated(language, "POCs"), dtick=1, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(
        barmode="stack",
        template="plotly_white",
        height=max(380, 110 * panels + 30 * bars),
        margin={"l": 10, "r": 20, "t": 50, "b": 90},
        legend={"orientation": "h", "y": -0.22, "x": 0},
        font={"size": 13, "family": FONT_STACK},
    )
    return page_templates.chart_div(fig, "portfolio-chart")


def _add_decision_bars(
    fig: go.Figure, latest: Sequence[RunSummary], language: Language
) -> None:
    """Stacked bars: how many POCs' latest runs reached each stage, by decision."""
    stage_names = [
        f"{s.number}. {stage_title(s.title, language=language)}" for s in STAGES
    ]
    for decision, (code, colour, _) in DECISIONS.items():
        word = translated(language, code)
        counts = [
            sum(
                run.decision == decision and run.stage_reached == stage.number
                for run in latest
            )
            for stage in STAGES
        ]
        if any(counts):
            fig.add_bar(
                x=counts,
                y=stage_names,
                orientation="h",
                name=word,
                marker_color=colour,
                hovertemplate="%{y}: "
                + translated(
                    language,
                    "%(count)s POC(s), %(decision)s",
                    count="%{x}",
                    decision=_e(word),
                )
                + "<extra></extra>",
                row=1,
                col=1,
            )


def _add_lift_panel(
    fig: go.Figure,
    lifts: Sequence[_Lift],
    *,
    unit: str,
    row: int,
    language: Language,
) -> None:
    """One unit's panel: each POC row's yearly lift with its interval."""
    rows = sorted(lifts, key=lambda item: item[1])
    if not rows:
        return
    fig.add_bar(
        x=[value for _, value, _, _ in rows],
        y=[_e(_row_name(poc)) for poc, _, _, _ in rows],
        orientation="h",
        marker_color=[
            DECISIONS.get(poc.latest.decision, DECISIONS[None])[1]
            for poc, _, _, _ in rows
        ],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [max(up, 0.0) for _, _, _, up in rows],
            "arrayminus": [max(down, 0.0) for _, _, down, _ in rows],
            "color": "#202124",
        },
        text=[amount(value, unit, language) for _, value, _, _ in rows],
        hovertemplate=translated(
            language, "%(row)s: %(amount)s a year", row="%{y}", amount="%{text}"
        )
        + "<extra></extra>",
        showlegend=False,
        row=row,
        col=2,
    )
    fig.update_xaxes(
        tickformat="~s",
        zeroline=True,
        zerolinecolor="#5f6368",
        row=row,
        col=2,
    )


def _row_name(poc: PocSummary) -> str:
    return f"{poc.poc} ({poc.scenario})" if poc.scenario else poc.poc
