"""Plotly figures for stages 5-7: drift, the fresh batch, history, A/B, readiness."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playbook.beyond import ab_test
from playbook.beyond.drift import NOT_JUDGED, TREND, DriftReport
from playbook.beyond.drift_words import trend_finding
from playbook.beyond.monitoring import FreshScore
from playbook.beyond.readiness import MET, NOT_MET, NOT_RUN, PERSON, Readiness
from playbook.report.charts import (
    LEVEL_COLOURS,
    MODEL,
    STATUS_COLOURS,
    TODAY,
    layout,
    mark_lift_axis,
)
from playbook.tasks.kpi import KpiReport, format_amount

# The drift chart's colours: the charts' levels, a trend's numbers in blue.
_DRIFT_COLOURS = {
    **LEVEL_COLOURS,
    TREND: "#2e86c1",
    NOT_JUDGED: STATUS_COLOURS[NOT_RUN],
}


def drift(report: DriftReport) -> go.Figure:
    """PSI of every feature, most shifted first, coloured by its judged level."""
    features = list(reversed(report.features))
    figure = go.Figure()
    figure.add_bar(
        x=[f.psi for f in features],
        y=[f.feature for f in features],
        orientation="h",
        marker_color=[_DRIFT_COLOURS[f.level] for f in features],
        text=[f"{f.psi:.3f} ({f.level})" for f in features],
        textposition="outside",
    )
    for value, name in ((report.rule.warning, "warning"), (report.rule.alert, "alert")):
        figure.add_vline(
            x=value,
            line_dash="dash",
            line_color=LEVEL_COLOURS[name],
            annotation_text=name,
        )
    figure.update_xaxes(title="population stability index (PSI)", rangemode="tozero")
    alerts = report.alerts
    if alerts:
        title = (
            f"{len(alerts)} feature(s) moved past an alert, more than noise: "
            f"{', '.join(alerts[:4])}{' ...' if len(alerts) > 4 else ''}"
        )
    elif report.trend is not None:
        title = f"A trend, no alert: {trend_finding(report.trend)}"
    else:
        title = (
            f"No feature moved past an alert by more than noise between training "
            f"and {report.current}"
        )
    return layout(figure, title, height=max(300, 32 * len(features) + 120))


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
    return layout(figure, title)


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
    return layout(figure, title, height=220)


def lift_on_fresh(poc_kpi: KpiReport | None, later: FreshScore) -> go.Figure:
    """The lift and its interval on the POC's test periods and on the fresh batch."""
    figure = go.Figure()
    fresh = later.kpi
    if fresh is None:
        return layout(
            figure, f"No lift on the fresh batch: {later.summary}", height=200
        )
    unit, period = fresh.unit, fresh.period
    rows = [("fresh batch", fresh.lift, fresh.lift_ci_low, fresh.lift_ci_high)]
    if poc_kpi is not None:
        rows.insert(
            0,
            (
                "POC test periods",
                poc_kpi.lift,
                poc_kpi.lift_ci_low,
                poc_kpi.lift_ci_high,
            ),
        )
    for name, lift, low, high in rows:
        figure.add_scatter(
            x=[lift],
            y=[name],
            mode="markers+text",
            name=name,
            marker={"size": 13, "color": MODEL if name == "fresh batch" else TODAY},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [high - lift],
                "arrayminus": [lift - low],
                "thickness": 3,
                "width": 8,
            },
            text=[format_amount(lift, unit)],
            textposition="top center",
            showlegend=False,
        )
    mark_lift_axis(figure, min_lift=fresh.min_lift, unit=unit, period=period)
    holds = fresh.lift_ci_low > 0
    title = (
        f"On the fresh batch the lift is {format_amount(fresh.lift, unit)} "
        f"[{format_amount(fresh.lift_ci_low, unit)}, "
        f"{format_amount(fresh.lift_ci_high, unit)}]: it "
        + ("holds" if holds else "no longer clears zero")
    )
    return layout(figure, title, height=300)


def run_history(runs: list) -> go.Figure:
    """The lift with its interval in every run of the POC, oldest first."""
    with_kpi = [run for run in runs if run.lift is not None]
    figure = go.Figure()
    if not with_kpi:
        return layout(figure, "No run of this POC has reached stage 4 yet")
    unit = with_kpi[-1].unit or ""
    figure.add_scatter(
        x=[run.run_id for run in with_kpi],
        y=[run.lift for run in with_kpi],
        mode="markers+lines",
        marker={"size": 11, "color": MODEL},
        line={"color": MODEL, "dash": "dot"},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [run.lift_ci_high - run.lift for run in with_kpi],
            "arrayminus": [run.lift - run.lift_ci_low for run in with_kpi],
        },
        text=[run.changed for run in with_kpi],
        hovertemplate="%{x}<br>lift %{y:,.0f}<br>changed: %{text}<extra></extra>",
        name="lift on the test periods",
    )
    fresh = [run for run in with_kpi if run.fresh_lift is not None]
    if fresh:
        figure.add_scatter(
            x=[run.run_id for run in fresh],
            y=[run.fresh_lift for run in fresh],
            mode="markers",
            marker={"size": 11, "color": "#e0a100", "symbol": "diamond"},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [run.fresh_ci_high - run.fresh_lift for run in fresh],
                "arrayminus": [run.fresh_lift - run.fresh_ci_low for run in fresh],
            },
            name="lift on the fresh batch",
        )
    if with_kpi[-1].min_lift is not None:
        figure.add_hline(
            y=with_kpi[-1].min_lift,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text="minimum lift",
        )
    figure.add_hline(y=0, line_color=TODAY)
    figure.update_xaxes(title="run", type="category")
    figure.update_yaxes(title=f"lift, {unit} per period")
    first, last = with_kpi[0], with_kpi[-1]
    title = (
        f"{len(with_kpi)} runs of this POC: lift on the test periods "
        f"{format_amount(first.lift, unit)} then {format_amount(last.lift, unit)}"
        if len(with_kpi) > 1
        else f"The first run of this POC: lift {format_amount(last.lift, unit)}"
    )
    if len(fresh) > 1:
        title += (
            f"; on the fresh batch {format_amount(fresh[0].fresh_lift, unit)} then "
            f"{format_amount(fresh[-1].fresh_lift, unit)}"
        )
    return layout(figure, title)


def shadow_replay(replay, *, unit: str, period: str) -> go.Figure:
    """Where the two policies decide differently on the replayed rows."""
    figure = go.Figure()
    if replay.acted_by_model is not None:
        only_model = replay.acted_by_model - replay.acted_by_both
        only_today = replay.acted_by_today - replay.acted_by_both
        parts = (
            ("model only", only_model, MODEL),
            ("both", replay.acted_by_both, "#7f8c8d"),
            ("today only", only_today, TODAY),
        )
        axis = "rows acted on (called, reviewed, contacted)"
    else:
        parts = (  # type: ignore[assignment]  # two parts where top-k has three
            ("decided differently", replay.differ, MODEL),
            ("decided alike", replay.rows - replay.differ, "#7f8c8d"),
        )
        axis = "rows"
    for name, value, colour in parts:
        figure.add_bar(
            x=[value],
            y=["rows"],
            orientation="h",
            name=name,
            marker_color=colour,
            text=[f"{value:,}"],
            textposition="inside",
        )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title=axis)
    figure.update_yaxes(showticklabels=False)
    gain = replay.model_value - replay.today_value
    title = (
        f"Model and today's baseline disagree on {replay.disagreement:.0%}; the "
        f"model's decisions are worth {format_amount(abs(gain), unit)} "
        f"{'more' if gain >= 0 else 'less'} per {period}"
    )
    return layout(figure, title, height=240)
