"""Plotly figures for the stage reports, each titled with what it shows, not how."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from playbook.beyond.readiness import MET, NOT_MET, NOT_RUN, PERSON
from playbook.charter.model import Budget
from playbook.charter.review import CharterReview
from playbook.charter.timeline import TimelineCheck
from playbook.charter.value_model import ValueModel
from playbook.core.language import FONT_STACK
from playbook.core.locale_format import format_money, names_listed
from playbook.core.messages import marked
from playbook.data.leakage import LeakageReport
from playbook.report.display import reader_language, said
from playbook.report.page_templates import WON_UNITS, money_ticks
from playbook.tasks.kpi import KpiReport

TODAY, MODEL = "#8c8c8c", "#1f6fb4"
LEVEL_COLOURS = {"stable": "#4c9a2a", "warning": "#e0a100", "alert": "#c0392b"}
STATUS_COLOURS = {
    MET: "#4c9a2a",
    NOT_MET: "#c0392b",
    PERSON: "#7f8c8d",
    NOT_RUN: "#bdc3c7",
}


def money(value: float, unit: str) -> str:
    """An amount as the notebook's reader reads it (1.6M KRW, 160만원)."""
    return format_money(value, unit, language=reader_language())


def per_period_axis(unit: str, period: str) -> str:
    """An axis title "KRW per month" in the notebook's reader's language (월별 원)."""
    return said("%(unit)s per %(period)s", unit=unit_word(unit), period=said(period))


def unit_word(unit: str) -> str:
    """A unit as an axis names it: won are 원 to a Korean reader, KRW to others."""
    if reader_language() == "ko" and unit.strip().upper() in WON_UNITS:
        return "원"
    return unit


def layout(figure: go.Figure, title: str, *, height: int = 380) -> go.Figure:
    """Give a figure the reports' look, titled with its finding."""
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 50},
        legend={"orientation": "h", "y": -0.2},
        font={"family": FONT_STACK},
    )
    return figure


def minimum_lift_value(review: CharterReview, *, budget: Budget | None) -> go.Figure:
    """What the charter's minimum lift is worth in a year, against the POC's budget."""
    figure = go.Figure()
    if review.min_lift_per_year is None:
        return layout(
            figure, said("No minimum lift in the charter: its value cannot be shown")
        )
    unit = review.unit or ""
    names = [said("Minimum lift, one year")]
    values = [review.min_lift_per_year]
    if budget is not None:
        names.append(said("POC budget"))
        values.append(budget.amount)
    figure.add_bar(
        x=names,
        y=values,
        marker_color=[MODEL, TODAY][: len(values)],
        text=[money(v, unit) for v in values],
        textposition="outside",
    )
    budget_amount = budget.amount if budget is not None else 0.0
    title = said(
        _WORTH_AGAINST_BUDGET if budget_amount > 0 else _WORTH,
        amount=money(values[0], unit),
        multiple=f"{values[0] / budget_amount:.1f}" if budget_amount > 0 else "",
    )
    figure.update_yaxes(
        title=unit_word(unit),
        rangemode="tozero",
        **(money_ticks(values, unit=unit, language=reader_language()) or {}),
    )
    return layout(figure, title)


_WORTH = marked("At the minimum lift the model is worth %(amount)s a year")
_WORTH_AGAINST_BUDGET = marked(
    "At the minimum lift the model is worth %(amount)s a year, %(multiple)sx the POC "
    "budget"
)


def rows_per_period(periods: pd.DataFrame, *, target: str) -> go.Figure:
    """Rows and positive (or labelled) share, or a quantity's mean, per period."""
    share = next(
        (c for c in ("positive_share", "labelled_share") if c in periods), None
    )
    line = periods[share] * 100 if share else periods["mean"]
    measure = share or "mean"
    axis = said(_PERIOD_AXES[measure], target=target)
    figure = go.Figure()
    figure.add_bar(
        x=periods["period"], y=periods["rows"], name=said("rows"), marker_color=TODAY
    )
    figure.add_scatter(
        x=periods["period"],
        y=line.where(periods["rows"] > 0),
        name=axis,
        yaxis="y2",
        mode="lines+markers",
        line_color=MODEL,
    )
    gaps = periods.loc[periods["rows"] == 0, "period"].tolist()
    if gaps:
        figure.add_scatter(
            x=gaps,
            y=[0] * len(gaps),
            name=said("no rows"),
            mode="markers",
            marker={"symbol": "x", "size": 11, "color": "#c0392b"},
        )
    present = periods[periods["rows"] > 0]
    low, high = present[measure].min(), present[measure].max()
    title = said(
        _PERIOD_TITLES[measure],
        periods=len(present),
        least=f"{present['rows'].min():,}",
        most=f"{present['rows'].max():,}",
        target=target,
        low=f"{low:.0%}" if share else f"{low:,.3g}",
        high=f"{high:.0%}" if share else f"{high:,.3g}",
    )
    title += (
        said(
            "; %(count)s period(s) missing: %(names)s",
            count=len(gaps),
            names=names_listed(gaps[:5], language=reader_language()),
        )
        if gaps
        else said("; no gaps")
    )
    figure.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": said("rows"), "rangemode": "tozero"},
        yaxis2={
            "title": axis,
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
        },
    )
    return layout(figure, title)


# The period chart's right axis and title, by what its line shows.
_PERIOD_AXES = {
    "labelled_share": marked("%(target)s labelled (%%)"),
    "positive_share": marked("%(target)s (%%)"),
    "mean": marked("mean %(target)s"),
}
_PERIOD_TITLES = {
    "labelled_share": marked(
        "%(periods)s periods, %(least)s to %(most)s rows each; %(target)s %(low)s to "
        "%(high)s labelled"
    ),
    "positive_share": marked(
        "%(periods)s periods, %(least)s to %(most)s rows each; %(target)s %(low)s to "
        "%(high)s"
    ),
    "mean": marked(
        "%(periods)s periods, %(least)s to %(most)s rows each; %(target)s mean "
        "%(low)s to %(high)s"
    ),
}


def kpi_by_period(report: KpiReport) -> go.Figure:
    """The KPI of today's baseline and of the model in each test period."""
    labels = list(report.per_period)
    figure = go.Figure()
    shown: list[float] = []
    for key, name, colour in (
        ("baseline", said(report.baseline_name), TODAY),
        ("model", said("the model"), MODEL),
    ):
        values = [report.per_period[label][key] for label in labels]
        figure.add_bar(
            x=labels,
            y=values,
            name=name,
            marker_color=colour,
            text=[money(v, report.unit) for v in values],
            textposition="outside",
        )
        shown.extend(values)
    figure.update_layout(barmode="group", xaxis={"type": "category"})
    figure.update_yaxes(
        title=per_period_axis(report.unit, report.period),
        **(money_ticks(shown, unit=report.unit, language=reader_language()) or {}),
    )
    words = {
        "amount": money(abs(report.lift), report.unit),
        "period": said(report.period),
        "baseline": said(report.baseline_name),
        "low": money(report.lift_ci_low, report.unit),
        "high": money(report.lift_ci_high, report.unit),
    }
    if report.lift < 0:
        title = said(
            "The model does %(amount)s per %(period)s worse than %(baseline)s",
            **words,
        )
    elif report.better == "higher":
        title = said(
            "The model earns %(amount)s per %(period)s against %(baseline)s "
            "[%(low)s, %(high)s]",
            **words,
        )
    else:
        title = said(
            "The model saves %(amount)s per %(period)s against %(baseline)s "
            "[%(low)s, %(high)s]",
            **words,
        )
    return layout(figure, title)


def lift_interval(report: KpiReport) -> go.Figure:
    """The lift with its interval, against zero and the charter's minimum."""
    figure = go.Figure()
    figure.add_scatter(
        x=[report.lift],
        y=[said("lift")],
        mode="markers",
        marker={"size": 14, "color": MODEL},
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [report.lift_ci_high - report.lift],
            "arrayminus": [report.lift - report.lift_ci_low],
            "thickness": 3,
            "width": 10,
        },
        name=said(
            "lift, %(confidence)s interval", confidence=f"{report.confidence:.0%}"
        ),
    )
    mark_lift_axis(
        figure, min_lift=report.min_lift, unit=report.unit, period=report.period
    )
    figure.update_xaxes(
        **(
            money_ticks(
                [report.lift_ci_low, report.lift_ci_high, report.min_lift],
                unit=report.unit,
                language=reader_language(),
            )
            or {}
        )
    )
    figure.update_yaxes(showticklabels=False)
    clears = report.lift_ci_low > 0
    reaches = report.lift >= report.min_lift
    values = {
        "lift": money(report.lift, report.unit),
        "period": said(report.period),
        "minimum": money(report.min_lift, report.unit),
    }
    title = said(_LIFT_TITLES[clears, reaches], **values)
    return layout(figure, title, height=260)


# The lift chart's title by (interval above zero, point reaches the minimum).
_LIFT_TITLES = {
    (True, True): marked(
        "Lift %(lift)s per %(period)s: interval above zero, point reaches the "
        "minimum %(minimum)s"
    ),
    (True, False): marked(
        "Lift %(lift)s per %(period)s: interval above zero, point misses the "
        "minimum %(minimum)s"
    ),
    (False, True): marked(
        "Lift %(lift)s per %(period)s: interval includes zero, point reaches the "
        "minimum %(minimum)s"
    ),
    (False, False): marked(
        "Lift %(lift)s per %(period)s: interval includes zero, point misses the "
        "minimum %(minimum)s"
    ),
}


def mark_lift_axis(
    figure: go.Figure, *, min_lift: float, unit: str, period: str
) -> None:
    """Lines at no gain and at the charter's minimum lift (if set); the axis titled."""
    figure.add_vline(x=0, line_color=TODAY, annotation_text=said("no gain"))
    if not np.isnan(min_lift):
        figure.add_vline(
            x=min_lift,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text=said("minimum lift"),
        )
    unit = unit_word(unit)
    figure.update_xaxes(
        title=said(
            "%(unit)s per %(period)s, model minus today", unit=unit, period=said(period)
        )
    )


def losing_segments(segments: list, *, unit: str, period: str) -> go.Figure:
    """The segments where the model earns least against today's baseline.

    Each bar is the lift at equal contacts with its interval; a segment is red only
    when its whole interval is below zero.
    """
    shown = segments[:12]
    figure = go.Figure()
    figure.add_bar(
        x=[s.lift for s in reversed(shown)],
        y=[f"{s.feature} = {s.segment}" for s in reversed(shown)],
        orientation="h",
        marker_color=[
            LEVEL_COLOURS["alert"] if s.loses else LEVEL_COLOURS["stable"]
            for s in reversed(shown)
        ],
        error_x={
            "type": "data",
            "symmetric": False,
            "array": [s.lift_ci_high - s.lift for s in reversed(shown)],
            "arrayminus": [s.lift - s.lift_ci_low for s in reversed(shown)],
        },
    )
    figure.update_xaxes(
        title=said("lift, %(axis)s", axis=per_period_axis(unit, period)),
        **(
            money_ticks(
                [v for s in shown for v in (s.lift_ci_low, s.lift_ci_high)],
                unit=unit,
                language=reader_language(),
            )
            or {}
        ),
    )
    losing = [s for s in segments if s.loses]
    confidence = f"{segments[0].confidence:.0%}" if segments else ""
    title = (
        said(
            "The model loses to today's baseline in %(count)s segment(s), "
            "%(confidence)s joint intervals below zero; worst: %(worst)s",
            count=len(losing),
            confidence=confidence,
            worst=f"{losing[0].feature} = {losing[0].segment}",
        )
        if losing
        else said(
            "No segment where the model surely loses to today's baseline: every "
            "%(confidence)s joint interval reaches zero or above",
            confidence=confidence,
        )
    )
    return layout(figure, title, height=max(300, 28 * len(shown) + 120))


def leak_signals(report: LeakageReport) -> go.Figure:
    """How well each column alone predicts the target, leaks in red."""
    level: dict[str, str] = {}
    for finding in report.findings:
        if level.get(finding.column) != "blocking":
            level[finding.column] = finding.level
    colours = {"blocking": LEVEL_COLOURS["alert"], "warning": LEVEL_COLOURS["warning"]}
    signals = report.signals[:25]
    figure = go.Figure()
    figure.add_bar(
        x=[signal.alone for signal in signals],
        y=[signal.column for signal in signals],
        orientation="h",
        marker_color=[colours.get(level.get(s.column, ""), TODAY) for s in signals],
        text=[f"{signal.alone:.3f}" for signal in signals],
        textposition="outside",
    )
    figure.update_xaxes(
        title=said("%(measure)s of the column alone", measure=report.measure),
        range=[0.5, 1.05],
    )
    figure.update_yaxes(autorange="reversed")
    excluded = report.excluded
    if excluded:
        named = names_listed(excluded[:4], language=reader_language())
        title = said(
            "%(count)s column(s) leak %(target)s and stay out of the model: %(names)s",
            count=len(excluded),
            target=report.target,
            names=named + (" ..." if len(excluded) > 4 else ""),
        )
    elif report.findings:
        title = said(
            "%(count)s warning(s) to check; no column blocked",
            count=len(report.findings),
        )
    elif signals:
        title = said(
            "No column gives %(target)s away: the strongest alone, %(column)s, "
            "reaches %(measure)s %(value)s",
            target=report.target,
            column=signals[0].column,
            measure=report.measure,
            value=f"{signals[0].alone:.2f}",
        )
    else:
        title = said("No column to check")
    return layout(figure, title, height=max(260, 26 * len(signals) + 120))


def value_sensitivity(model: ValueModel | None) -> go.Figure:
    """Value a year over lift and adoption, against the POC budget (stage 1)."""
    figure = go.Figure()
    if model is None:
        return layout(figure, said("No minimum lift in the charter: no value to model"))
    unit = model.unit
    columns = [
        said(
            "%(multiple)sx (%(lift)s)", multiple=f"{multiple:g}", lift=money(lift, unit)
        )
        for multiple, lift in zip(model.multiples, model.lifts, strict=True)
    ]
    rows = [said("%(share)s adopted", share=f"{s:.0%}") for s in model.adoption]
    text = [[money(value, unit) for value in row] for row in model.per_year]
    figure.add_heatmap(
        z=model.per_year,
        x=columns,
        y=rows,
        text=text,
        texttemplate="%{text}",
        colorscale="Blues",
        colorbar={
            "title": said("%(unit)s a year", unit=unit_word(unit)),
            **(
                money_ticks(
                    [v for row in model.per_year for v in row],
                    unit=unit,
                    language=reader_language(),
                )
                or {}
            ),
        },
        # plotly's own placeholders, placed by the catalogue's sentence.
        hovertemplate=said(
            "lift %(lift)s, %(share)s: %(value)s a year",
            lift="%{x}",
            share="%{y}",
            value="%{text}",
        )
        + "<extra></extra>",
    )
    figure.update_xaxes(
        title=said(
            "lift per %(period)s (multiple of the minimum)",
            period=said(model.period),
        )
    )
    figure.update_yaxes(title=said("share of decisions that follow the model"))
    if model.budget:
        repaid = sum(v >= model.budget for row in model.per_year for v in row)
        title = said(
            "%(repaid)s of %(combinations)s combinations repay the %(budget)s budget "
            "within a year",
            repaid=repaid,
            combinations=len(rows) * len(columns),
            budget=money(model.budget, model.currency or unit),
        )
    else:
        title = said(
            "At the minimum lift, fully adopted: %(value)s a year", value=text[-1][1]
        )
    return layout(figure, title, height=360)


def timeline_rule(check: TimelineCheck) -> go.Figure:
    """The POC's length against the 2-6 month rule (stage 1)."""
    figure = go.Figure()
    if check.months is None:
        return layout(figure, said("No timeline in the charter: it cannot be checked"))
    words = {
        "months": f"{check.months:.1f}",
        "shortest": check.shortest,
        "longest": check.longest,
    }
    figure.add_vrect(
        x0=check.shortest,
        x1=check.longest,
        fillcolor="#4c9a2a",
        opacity=0.15,
        line_width=0,
        annotation_text=said("%(shortest)s-%(longest)s months", **words),
        annotation_position="top left",
    )
    colour = MODEL if check.fits else LEVEL_COLOURS["alert"]
    figure.add_bar(
        x=[check.months],
        y=[said("this POC")],
        orientation="h",
        marker_color=colour,
        text=[said("%(months)s months", **words)],
        textposition="outside",
    )
    figure.update_xaxes(
        title=said("months"), range=[0, max(check.longest + 2, check.months * 1.2)]
    )
    return layout(figure, said(_TIMELINE_TITLES[check.verdict], **words), height=220)


# The timeline chart's title by the check's verdict.
_TIMELINE_TITLES = {
    "fits": marked("%(months)s months: within the %(shortest)s-%(longest)s month rule"),
    "too_long": marked("%(months)s months: longer than a POC should take"),
    "too_short": marked("%(months)s months: shorter than a first POC needs"),
}


ROLE_CELL_COLOURS = {
    "held": "#4c9a2a",
    "covered": "#9ccc65",
    "not needed yet": "#d5d8dc",
    "gap (helps)": "#e0a100",
    "gap": "#c0392b",
}


# The role matrix's cells and phases (`charter.team.matrix`), said by the chart.
ROLE_MATRIX_WORDS = (
    marked("held"),
    marked("not needed yet"),
    marked("covered"),
    marked("gap"),
    marked("gap (helps)"),
    marked("POC (stages 1-4)"),
    marked("Beyond the POC (5-6)"),
    marked("Scale-up (7)"),
)


def role_matrix(matrix: pd.DataFrame) -> go.Figure:
    """Roles by phase of the journey: held, covered, a gap or not needed (stage 2)."""
    phases = [column for column in matrix.columns if column not in ("role", "held by")]
    states = list(ROLE_CELL_COLOURS)
    z = [[states.index(matrix.at[i, p]) for p in phases] for i in matrix.index]
    # A discrete scale: state k fills [k/n, (k+1)/n] with its colour.
    n = len(states)
    scale = [
        [bound / n, ROLE_CELL_COLOURS[state]]
        for k, state in enumerate(states)
        for bound in (k, k + 1)
    ]
    figure = go.Figure()
    figure.add_heatmap(
        z=z,
        x=[said(phase) for phase in phases],
        y=list(matrix["role"]),
        text=[[said(cell) for cell in row] for row in matrix[phases].to_numpy()],
        texttemplate="%{text}",
        zmin=-0.5,
        zmax=n - 0.5,
        colorscale=scale,
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
    )
    figure.update_yaxes(autorange="reversed")
    open_gaps = int((matrix[phases[0]] == "gap").sum())
    later = int(matrix[phases[1:]].isin(["gap"]).to_numpy().sum())
    title = (
        said("%(gaps)s role(s) the POC needs are open", gaps=open_gaps)
        if open_gaps
        else said("Every role the POC needs is held or covered")
    ) + (
        said("; %(later)s gap(s) to fill before scale-up", later=later) if later else ""
    )
    return layout(figure, title, height=420)
