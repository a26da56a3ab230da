"""Plotly figures for stages 5-7: drift, the fresh batch, history, A/B, readiness."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playbook.beyond import ab_test
from playbook.beyond.drift import ALERT, NOT_JUDGED, STABLE, TREND, WARNING, DriftReport
from playbook.beyond.drift_words import trend_finding
from playbook.beyond.monitoring import FreshScore
from playbook.beyond.readiness import MET, NOT_MET, NOT_RUN, PERSON, Readiness
from playbook.core.locale_format import names_listed, periods_counted
from playbook.core.messages import marked
from playbook.report.charts import (
    LEVEL_COLOURS,
    MODEL,
    STATUS_COLOURS,
    TODAY,
    layout,
    mark_lift_axis,
    money,
    per_period_axis,
)
from playbook.report.display import reader_language, said
from playbook.tasks.kpi import KpiReport

# The drift chart's colours: the charts' levels, a trend's numbers in blue.
_DRIFT_COLOURS = {
    **LEVEL_COLOURS,
    TREND: "#2e86c1",
    NOT_JUDGED: STATUS_COLOURS[NOT_RUN],
}
# A period in the plural, as an axis counts it.
_PERIODS = {
    "day": marked("days"),
    "week": marked("weeks"),
    "month": marked("months"),
    "quarter": marked("quarters"),
}
# The fresh batch's lift against zero, and the shadow replay's value against today's.
_FRESH_HOLDS = marked(
    "On the fresh batch the lift is %(lift)s [%(low)s, %(high)s]: it holds"
)
_FRESH_FALLS = marked(
    "On the fresh batch the lift is %(lift)s [%(low)s, %(high)s]: it no longer "
    "clears zero"
)
_SHADOW_MORE = marked(
    "Model and today's baseline disagree on %(share)s; the model's decisions are "
    "worth %(amount)s more per %(period)s"
)
_SHADOW_LESS = marked(
    "Model and today's baseline disagree on %(share)s; the model's decisions are "
    "worth %(amount)s less per %(period)s"
)
# Each drift level as a bar's label says it.
_LEVEL_WORDS = {
    ALERT: marked("alert"),
    WARNING: marked("warning"),
    STABLE: marked("stable"),
    TREND: marked("trend"),
    NOT_JUDGED: marked("not judged"),
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
        text=[f"{f.psi:.3f} ({said(_LEVEL_WORDS[f.level])})" for f in features],
        textposition="outside",
    )
    for value, name in ((report.rule.warning, WARNING), (report.rule.alert, ALERT)):
        figure.add_vline(
            x=value,
            line_dash="dash",
            line_color=LEVEL_COLOURS[name],
            annotation_text=said(_LEVEL_WORDS[name]),
        )
    figure.update_xaxes(
        title=said("population stability index (PSI)"), rangemode="tozero"
    )
    alerts = report.alerts
    language = reader_language()
    if alerts:
        shown = names_listed(alerts[:4], language=language)
        title = said(
            "%(count)s feature(s) moved past an alert, more than noise: %(names)s",
            count=len(alerts),
            names=shown + (" ..." if len(alerts) > 4 else ""),
        )
    elif report.trend is not None:
        title = said(
            "A trend, no alert: %(trend)s",
            trend=trend_finding(report.trend, language=language),
        )
    else:
        title = said(
            "No feature moved past an alert by more than noise between training "
            "and %(current)s",
            current=report.current,
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
        name=said("duration needed"),
    )
    figure.add_scatter(
        x=[minimum],
        y=[plan.periods],
        mode="markers",
        marker={"size": 12, "color": "#c0392b"},
        name=said("the charter's minimum lift"),
    )
    figure.add_hline(
        y=longest,
        line_dash="dash",
        line_color=TODAY,
        annotation_text=periods_counted(
            longest, plan.period, language=reader_language()
        ),
    )
    figure.update_xaxes(
        title=said("lift to detect, %(axis)s", axis=per_period_axis(unit, plan.period))
    )
    figure.update_yaxes(
        title=said(
            "%(periods)s of traffic (log scale)", periods=said(_PERIODS[plan.period])
        ),
        type="log",
    )
    title = said(
        "Confirming a %(amount)s lift takes %(units)s customers per arm, about "
        "%(duration)s",
        amount=money(minimum, unit),
        units=f"{plan.units_per_arm:,}",
        duration=periods_counted(plan.periods, plan.period, language=reader_language()),
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
                name=said(status),
                marker_color=STATUS_COLOURS[status],
                text=[counts[status]],
                textposition="inside",
            )
    figure.update_layout(barmode="stack")
    figure.update_xaxes(title=said("readiness items"))
    figure.update_yaxes(showticklabels=False)
    title = said(
        "%(met)s of %(decided)s items this run could decide are met; %(person)s need "
        "a person",
        met=ready.met,
        decided=ready.decided,
        person=counts[PERSON],
    )
    return layout(figure, title, height=220)


def lift_on_fresh(poc_kpi: KpiReport | None, later: FreshScore) -> go.Figure:
    """The lift and its interval on the POC's test periods and on the fresh batch."""
    figure = go.Figure()
    fresh = later.kpi
    if fresh is None:
        return layout(
            figure,
            said("No lift on the fresh batch: %(why)s", why=later.summary),
            height=200,
        )
    unit, period = fresh.unit, fresh.period
    batch = said("fresh batch")
    rows = [(batch, fresh.lift, fresh.lift_ci_low, fresh.lift_ci_high)]
    if poc_kpi is not None:
        rows.insert(
            0,
            (
                said("POC test periods"),
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
            marker={"size": 13, "color": MODEL if name == batch else TODAY},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [high - lift],
                "arrayminus": [lift - low],
                "thickness": 3,
                "width": 8,
            },
            text=[money(lift, unit)],
            # Below the marker: above it, the top row's amount ran into the axis
            # marks ("no gain", "minimum lift") written along the plot's top edge.
            textposition="bottom center",
            showlegend=False,
        )
    mark_lift_axis(figure, min_lift=fresh.min_lift, unit=unit, period=period)
    # Room below the lowest row for its amount, above the top row for the axis marks.
    figure.update_yaxes(range=[-0.65, len(rows) - 0.45])
    holds = fresh.lift_ci_low > 0
    title = said(
        _FRESH_HOLDS if holds else _FRESH_FALLS,
        lift=money(fresh.lift, unit),
        low=money(fresh.lift_ci_low, unit),
        high=money(fresh.lift_ci_high, unit),
    )
    return layout(figure, title, height=300)


def run_history(runs: list) -> go.Figure:
    """The lift with its interval in every run of the POC, oldest first."""
    with_kpi = [run for run in runs if run.lift is not None]
    figure = go.Figure()
    if not with_kpi:
        return layout(figure, said("No run of this POC has reached stage 4 yet"))
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
        name=said("lift on the test periods"),
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
            name=said("lift on the fresh batch"),
        )
    if with_kpi[-1].min_lift is not None:
        figure.add_hline(
            y=with_kpi[-1].min_lift,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text=said("minimum lift"),
        )
    figure.add_hline(y=0, line_color=TODAY)
    figure.update_xaxes(title=said("run"), type="category")
    figure.update_yaxes(title=said("lift, %(unit)s per period", unit=unit))
    first, last = with_kpi[0], with_kpi[-1]
    if len(with_kpi) > 1:
        title = said(
            "%(runs)s runs of this POC: lift on the test periods %(first)s then "
            "%(last)s",
            runs=len(with_kpi),
            first=money(first.lift, unit),
            last=money(last.lift, unit),
        )
    else:
        title = said(
            "The first run of this POC: lift %(lift)s", lift=money(last.lift, unit)
        )
    if len(fresh) > 1:
        title += said(
            "; on the fresh batch %(first)s then %(last)s",
            first=money(fresh[0].fresh_lift, unit),
            last=money(fresh[-1].fresh_lift, unit),
        )
    return layout(figure, title)


def shadow_replay(replay, *, unit: str, period: str) -> go.Figure:
    """Where the two policies decide differently on the replayed rows."""
    figure = go.Figure()
    if replay.acted_by_model is not None:
        only_model = replay.acted_by_model - replay.acted_by_both
        only_today = replay.acted_by_today - replay.acted_by_both
        parts = (
            (said("model only"), only_model, MODEL),
            (said("both"), replay.acted_by_both, "#7f8c8d"),
            (said("today only"), only_today, TODAY),
        )
        axis = said("rows acted on (called, reviewed, contacted)")
    else:
        parts = (  # type: ignore[assignment]  # two parts where top-k has three
            (said("decided differently"), replay.differ, MODEL),
            (said("decided alike"), replay.rows - replay.differ, "#7f8c8d"),
        )
        axis = said("rows")
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
    title = said(
        _SHADOW_MORE if gain >= 0 else _SHADOW_LESS,
        share=f"{replay.disagreement:.0%}",
        amount=money(abs(gain), unit),
        period=said(period),
    )
    return layout(figure, title, height=240)
