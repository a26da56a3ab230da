"""Plotly figures for the stage reports, each titled with what it shows, not how."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from playbook import ab_test
from playbook.charter import Budget, Charter
from playbook.drift import DriftReport
from playbook.holdout import Holdout
from playbook.kpi import KpiReport, format_amount
from playbook.production import MET, NOT_MET, NOT_RUN, PERSON, Readiness
from playbook.questions import CharterReview

TODAY, MODEL = "#8c8c8c", "#1f6fb4"
LEVEL_COLOURS = {"stable": "#4c9a2a", "warning": "#e0a100", "alert": "#c0392b"}
STATUS_COLOURS = {
    MET: "#4c9a2a",
    NOT_MET: "#c0392b",
    PERSON: "#7f8c8d",
    NOT_RUN: "#bdc3c7",
}


def _layout(figure: go.Figure, title: str, *, height: int = 380) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        template="plotly_white",
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 50},
        legend={"orientation": "h", "y": -0.2},
    )
    return figure


def minimum_lift_value(review: CharterReview, *, budget: Budget | None) -> go.Figure:
    """What the charter's minimum lift is worth in a year, against the POC's budget."""
    figure = go.Figure()
    if review.min_lift_per_year is None:
        return _layout(
            figure, "No minimum lift in the charter: its value cannot be shown"
        )
    unit = review.unit or ""
    names = ["Minimum lift, one year"]
    values = [review.min_lift_per_year]
    if budget is not None:
        names.append("POC budget")
        values.append(budget.amount)
    figure.add_bar(
        x=names,
        y=values,
        marker_color=[MODEL, TODAY][: len(values)],
        text=[format_amount(v, unit) for v in values],
        textposition="outside",
    )
    title = (
        "At the minimum lift the model is worth "
        f"{format_amount(values[0], unit)} a year"
    )
    if budget is not None and budget.amount > 0:
        title += f", {values[0] / budget.amount:.1f}x the POC budget"
    figure.update_yaxes(title=unit, rangemode="tozero")
    return _layout(figure, title)


def rows_per_period(periods: pd.DataFrame, *, target: str) -> go.Figure:
    """Rows and positive share per period, with missing periods called out."""
    figure = go.Figure()
    figure.add_bar(
        x=periods["period"], y=periods["rows"], name="rows", marker_color=TODAY
    )
    figure.add_scatter(
        x=periods["period"],
        y=periods["positive_share"] * 100,
        name=f"{target} (%)",
        yaxis="y2",
        mode="lines+markers",
        line_color=MODEL,
    )
    gaps = periods.loc[periods["rows"] == 0, "period"].tolist()
    present = periods[periods["rows"] > 0]
    title = (
        f"{len(present)} periods, {present['rows'].min():,} to "
        f"{present['rows'].max():,} rows each; {target} "
        f"{present['positive_share'].min():.0%} to "
        f"{present['positive_share'].max():.0%}"
    )
    title += (
        f"; {len(gaps)} period(s) missing: {', '.join(gaps[:5])}"
        if gaps
        else "; no gaps"
    )
    figure.update_layout(
        xaxis={"type": "category"},
        yaxis={"title": "rows", "rangemode": "tozero"},
        yaxis2={
            "title": f"{target} (%)",
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
        },
    )
    return _layout(figure, title)


def holdout(frame: pd.DataFrame, split: Holdout, *, poc: Charter) -> go.Figure:
    """Rows per period on each side of the split."""
    side = np.full(len(frame), "train", dtype=object)
    side[split.test] = "test"
    period = (
        frame[poc.data.time].astype(str)
        if poc.data.time
        else pd.Series("all", frame.index)
    )
    counts = pd.crosstab(period, side)
    figure = go.Figure()
    for name, colour in (("train", TODAY), ("test", MODEL)):
        if name in counts:
            figure.add_bar(
                x=counts.index, y=counts[name], name=name, marker_color=colour
            )
    figure.update_layout(barmode="stack", xaxis={"type": "category"})
    figure.update_yaxes(title="rows")
    title = (
        f"Trained on {len(split.train_periods)} period(s), {len(split.train):,} rows; "
        f"tested on the latest {len(split.test_periods)}, {len(split.test):,} rows"
        if split.kind == "time"
        else f"Trained on {len(split.train):,} rows, tested on {len(split.test):,}"
    )
    return _layout(figure, title)


def kpi_by_period(report: KpiReport) -> go.Figure:
    """The KPI of today's rule and of the model in each test period."""
    labels = list(report.per_period)
    figure = go.Figure()
    for key, name, colour in (
        ("baseline", report.baseline_name, TODAY),
        ("model", "the model", MODEL),
    ):
        values = [report.per_period[label][key] for label in labels]
        figure.add_bar(
            x=labels,
            y=values,
            name=name,
            marker_color=colour,
            text=[format_amount(v, report.unit) for v in values],
            textposition="outside",
        )
    figure.update_layout(barmode="group", xaxis={"type": "category"})
    figure.update_yaxes(title=f"{report.unit} per {report.period}")
    title = (
        f"The model earns {format_amount(report.lift, report.unit)} more per "
        f"{report.period} than {report.baseline_name} "
        f"[{format_amount(report.lift_ci_low, report.unit)}, "
        f"{format_amount(report.lift_ci_high, report.unit)}]"
    )
    if report.lift < 0:
        title = (
            f"The model earns {format_amount(-report.lift, report.unit)} less per "
            f"{report.period} than {report.baseline_name}"
        )
    return _layout(figure, title)


def lift_interval(report: KpiReport) -> go.Figure:
    """The lift with its interval, against zero and the charter's minimum."""
    figure = go.Figure()
    figure.add_scatter(
        x=[report.lift],
        y=["lift"],
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
        name=f"lift, {report.confidence:.0%} interval",
    )
    figure.add_vline(x=0, line_color=TODAY, annotation_text="no gain")
    if not np.isnan(report.min_lift):
        figure.add_vline(
            x=report.min_lift,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text="minimum lift",
        )
    figure.update_xaxes(title=f"{report.unit} per {report.period}, model minus today")
    figure.update_yaxes(showticklabels=False)
    clears = report.lift_ci_low > 0
    reaches = report.lift >= report.min_lift
    title = (
        f"Lift {format_amount(report.lift, report.unit)} per {report.period}: interval "
        f"{'above' if clears else 'includes'} zero, point "
        f"{'reaches' if reaches else 'misses'} the minimum "
        f"{format_amount(report.min_lift, report.unit)}"
    )
    return _layout(figure, title, height=260)


def drift(report: DriftReport) -> go.Figure:
    """PSI of every feature, most shifted first, against the two thresholds."""
    features = list(reversed(report.features))
    figure = go.Figure()
    figure.add_bar(
        x=[f.psi for f in features],
        y=[f.feature for f in features],
        orientation="h",
        marker_color=[LEVEL_COLOURS[f.level] for f in features],
        text=[f"{f.psi:.3f}" for f in features],
        textposition="outside",
    )
    for value, name in ((report.warning, "warning"), (report.alert, "alert")):
        figure.add_vline(
            x=value,
            line_dash="dash",
            line_color=LEVEL_COLOURS[name],
            annotation_text=name,
        )
    figure.update_xaxes(title="population stability index (PSI)", rangemode="tozero")
    alerts = len(report.alerts)
    warnings = sum(f.level == "warning" for f in report.features)
    if alerts:
        title = (
            f"{alerts} feature(s) shifted past the alert threshold: "
            f"{', '.join(report.alerts)}"
        )
    elif warnings:
        title = f"No feature past the alert threshold; {warnings} above the warning"
    else:
        title = "Every feature is stable between training and the latest periods"
    return _layout(figure, title, height=max(300, 32 * len(features) + 120))


def ab_duration(plan: ab_test.AbPlan, *, longest: int, unit: str) -> go.Figure:
    """How long an A/B test runs for lifts from half to three times the minimum."""
    minimum = plan.effect_per_unit * plan.units_per_period
    multiples = np.linspace(0.5, 3.0, 26)
    periods = [
        np.ceil(
            2
            * ab_test.sample_size_per_arm(
                effect=plan.effect_per_unit * m,
                sd_control=plan.sd_control,
                sd_treatment=plan.sd_treatment,
                significance=plan.significance,
                power=plan.power,
            )
            / plan.units_per_period
        )
        for m in multiples
    ]
    figure = go.Figure()
    figure.add_scatter(
        x=multiples * minimum,
        y=periods,
        mode="lines",
        line_color=MODEL,
        name="duration needed",
    )
    figure.add_scatter(
        x=[minimum],
        y=[plan.periods],
        mode="markers",
        marker={"size": 12, "color": "#c0392b"},
        name="the charter's minimum lift",
    )
    figure.add_hline(
        y=longest,
        line_dash="dash",
        line_color=TODAY,
        annotation_text=f"{longest} {plan.period}s",
    )
    figure.update_xaxes(title=f"lift to detect, {unit} per {plan.period}")
    figure.update_yaxes(title=f"{plan.period}s of traffic (log scale)", type="log")
    title = (
        f"Confirming a {format_amount(minimum, unit)} lift takes "
        f"{plan.units_per_arm:,} customers per arm, "
        f"about {plan.periods} {plan.period}(s)"
    )
    return _layout(figure, title)


def readiness(ready: Readiness) -> go.Figure:
    """Readiness items by status."""
    order = [MET, NOT_MET, PERSON, NOT_RUN]
    counts = {
        status: sum(item.status == status for item in ready.items) for status in order
    }
    figure = go.Figure()
    for status in order:
        if counts[status]:
            figure.add_bar(
                x=[counts[status]],
                y=["items"],
                orientation="h",
                name=status,
                marker_color=STATUS_COLOURS[status],
                text=[counts[status]],
                textposition="inside",
            )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title="readiness items")
    figure.update_yaxes(showticklabels=False)
    title = (
        f"{ready.met} of {ready.decided} items this run could decide are met; "
        f"{counts[PERSON]} need a person"
    )
    return _layout(figure, title, height=220)
