"""Plotly figures for stage 4: the ladder, operating point, calibration, forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from playbook.charter import kpi_terms
from playbook.charter.model import Charter, Kpi
from playbook.core.messages import marked
from playbook.report.charts import (
    MODEL,
    TODAY,
    layout,
    money,
    money_ticks,
    per_period_axis,
)
from playbook.report.display import reader_language, said
from playbook.tasks import holdout as holdout_split
from playbook.tasks.comparison import CANDIDATE, Comparison
from playbook.tasks.comparison import TODAY as TODAY_ROLE
from playbook.tasks.holdout import Holdout
from playbook.tasks.importance import Importance
from playbook.tasks.split_words import described

OTHER = "#c9c9c9"
# Candidates that tuning did not choose, still shown on the ladder.
OTHER_CANDIDATE = "#9ecae1"


def ladder(result: Comparison) -> go.Figure:
    """Every baseline and the model on the KPI, on the same test rows."""
    report = result.kpi
    rungs = sorted(result.ladder, key=lambda r: r.kpi, reverse=report.better == "lower")
    colours = {CANDIDATE: OTHER_CANDIDATE, TODAY_ROLE: TODAY}
    figure = go.Figure()
    figure.add_bar(
        x=[rung.kpi for rung in rungs],
        y=[
            f"{said(rung.name)} ({said('chosen') if rung.chosen else said(rung.role)})"
            for rung in rungs
        ],
        orientation="h",
        marker_color=[
            MODEL if rung.chosen else colours.get(rung.role, OTHER) for rung in rungs
        ],
        text=[money(rung.kpi, report.unit) for rung in rungs],
        textposition="auto",
    )
    what = said("net value") if report.better == "higher" else said("cost of errors")
    figure.update_xaxes(
        title=f"{what}, {per_period_axis(report.unit, report.period)}",
        **(
            money_ticks(
                [rung.kpi for rung in rungs],
                unit=report.unit,
                language=reader_language(),
            )
            or {}
        ),
    )
    best = (max if report.better == "higher" else min)(rungs, key=lambda r: r.kpi)
    title = (
        said(
            "The chosen model is the best of %(count)s policies on the test rows",
            count=len(rungs),
        )
        if best.chosen
        else said(
            "%(name)s does better than the chosen model on the test rows",
            name=said(best.name),
        )
    )
    return layout(figure, title, height=140 + 40 * len(rungs))


def cumulative_gain(rows: pd.DataFrame, *, today: str) -> go.Figure:
    """Share of all positives reached against share of rows contacted, best first."""
    figure = go.Figure()
    positives = rows["actual"].to_numpy()
    total = max(positives.sum(), 1)
    for column, name, colour in (
        ("model_score", said("the model"), MODEL),
        ("today_score", said(today), TODAY),
    ):
        order = np.argsort(-rows[column].to_numpy(), kind="stable")
        reached = np.concatenate([[0], np.cumsum(positives[order])]) / total
        share = np.linspace(0, 1, len(reached))
        step = max(1, len(share) // 400)
        figure.add_scatter(
            x=share[::step], y=reached[::step], name=name, line_color=colour
        )
    figure.add_scatter(
        x=[0, 1],
        y=[0, 1],
        name=said("random"),
        line={"dash": "dot", "color": OTHER},
    )
    contacted = rows["decision_model"].mean()
    figure.add_vline(
        x=contacted,
        line_dash="dash",
        annotation_text=said("capacity"),
        line_color="#555",
    )
    figure.update_xaxes(title=said("share of test rows contacted, highest score first"))
    figure.update_yaxes(title=said("share of all positives reached"))
    at = rows.loc[rows["decision_model"] == 1, "actual"].sum() / total
    title = said(
        "At the charter's capacity (%(contacted)s of the rows) the model reaches "
        "%(reached)s of the positives",
        contacted=f"{contacted:.0%}",
        reached=f"{at:.0%}",
    )
    return layout(figure, title)


def kpi_by_capacity(
    rows: pd.DataFrame, *, capacity: int, unit: str, period: str, today: str
) -> go.Figure:
    """The KPI each policy would earn at other capacities, with the charter's one."""
    periods = rows["period"].to_numpy()
    labels = sorted(set(periods))
    largest = max((periods == label).sum() for label in labels)
    grid = np.unique(np.linspace(1, largest, 60).round().astype(int))
    figure = go.Figure()
    shown: list[float] = []
    for column, name, colour in (
        ("model_score", said("the model"), MODEL),
        ("today_score", said(today), TODAY),
    ):
        total = np.zeros(len(grid))
        for label in labels:
            part = rows[periods == label]
            order = np.argsort(-part[column].to_numpy(), kind="stable")
            gained = np.cumsum(part["value_if_contacted"].to_numpy()[order])
            total += gained[np.minimum(grid, len(gained)) - 1]
        figure.add_scatter(x=grid, y=total / len(labels), name=name, line_color=colour)
        shown.extend(total / len(labels))
    figure.add_vline(
        x=capacity,
        line_dash="dash",
        line_color="#555",
        annotation_text=said("charter"),
    )
    figure.update_xaxes(title=said("contacts per %(period)s", period=said(period)))
    figure.update_yaxes(
        title=per_period_axis(unit, period),
        **(money_ticks(shown, unit=unit, language=reader_language()) or {}),
    )
    return layout(
        figure,
        said(
            "Net value per %(period)s at every capacity; the charter's is %(capacity)s",
            period=said(period),
            capacity=f"{capacity:,}",
        ),
    )


def calibration(rows: pd.DataFrame, *, bins: int = 10) -> go.Figure:
    """Predicted probability against the observed rate, by decile of the prediction."""
    probability = rows["model_score"].to_numpy()
    observed = rows["actual"].to_numpy()
    edges = np.unique(np.quantile(probability, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, probability, side="right") - 1, 0, None)
    which = np.minimum(which, len(edges) - 2)
    frame = pd.DataFrame({"bin": which, "p": probability, "y": observed})
    means = frame.groupby("bin").agg(p=("p", "mean"), y=("y", "mean"), n=("y", "size"))
    figure = go.Figure()
    figure.add_scatter(
        x=[0, 1],
        y=[0, 1],
        name=said("perfect"),
        line={"dash": "dot", "color": OTHER},
    )
    figure.add_scatter(
        x=means["p"],
        y=means["y"],
        mode="lines+markers",
        name=said("the model"),
        line_color=MODEL,
        text=[said("%(rows)s rows", rows=f"{n:,}") for n in means["n"]],
    )
    top = float(max(means["p"].max(), means["y"].max()) * 1.1)
    figure.update_xaxes(title=said("predicted probability"), range=[0, top])
    figure.update_yaxes(title=said("observed rate"), range=[0, top])
    gap = float(np.average(np.abs(means["p"] - means["y"]), weights=means["n"]))
    return layout(
        figure,
        said(
            "Predicted against observed: off by %(gap)s on average per decile",
            gap=f"{gap:.1%}",
        ),
    )


def forecast_against_actuals(rows: pd.DataFrame, *, today: str) -> go.Figure:
    """Actual totals over the test period, with the model's and today's forecasts."""
    by_time = (
        rows.groupby("time")[["actual", "decision_model", "decision_today"]]
        .sum()
        .sort_index()
    )
    figure = go.Figure()
    for column, name, colour, dash in (
        ("actual", said("actual"), "#222", None),
        ("decision_model", said("the model"), MODEL, None),
        ("decision_today", said(today), TODAY, "dot"),
    ):
        figure.add_scatter(
            x=by_time.index,
            y=by_time[column],
            name=name,
            line={"color": colour, "dash": dash},
        )
    figure.update_yaxes(title=said("total over all series"))
    model_error = (by_time["decision_model"] - by_time["actual"]).abs().sum()
    today_error = (by_time["decision_today"] - by_time["actual"]).abs().sum()
    title = said(
        "Forecasts against actuals over the test periods: the model's total error is "
        "%(share)s of %(baseline)s's",
        share=f"{model_error / max(today_error, 1e-9):.0%}",
        baseline=said(today),
    )
    return layout(figure, title)


def importance(
    found: list[Importance], *, score: str, features: int, shown: int = 15
) -> go.Figure:
    """How much the model's score drops when each feature is shuffled.

    Args:
        found: The features shuffled, largest drop first.
        score: The score whose drop is measured.
        features: How many features the model reads: more than `found` when only
            those its score moves with most were shuffled (wide data).
        shown: Bars drawn at most.
    """
    top = found[:shown]
    figure = go.Figure()
    figure.add_bar(
        x=[item.drop for item in reversed(top)],
        y=[item.feature for item in reversed(top)],
        orientation="h",
        marker_color=MODEL,
        error_x={"type": "data", "array": [item.spread for item in reversed(top)]},
    )
    figure.update_xaxes(
        title=said("drop in %(score)s when the feature is shuffled", score=score)
    )
    title = (
        said("The model leans most on %(feature)s", feature=top[0].feature)
        if top and top[0].drop > 0
        else said("No single feature matters much on its own")
    )
    if len(found) < features:
        title += said(
            " (of the %(shuffled)s of %(features)s features its score moves with "
            "most; the others were not shuffled)",
            shuffled=f"{len(found):,}",
            features=f"{features:,}",
        )
    return layout(figure, title, height=max(300, 26 * len(top) + 120))


def holdout(frame: pd.DataFrame, split: Holdout, *, poc: Charter) -> go.Figure:
    """Rows per period on each side of the split."""
    side = np.full(len(frame), "train", dtype=object)
    side[split.test] = "test"
    # The split's own periods, labelled so that text order is time order.
    period = holdout_split.periods_of(frame, poc=poc)
    counts = pd.crosstab(period, side)
    figure = go.Figure()
    for name, colour in (("train", TODAY), ("test", MODEL)):
        if name in counts:
            figure.add_bar(
                x=counts.index, y=counts[name], name=said(name), marker_color=colour
            )
    figure.update_layout(barmode="stack", xaxis={"type": "category"})
    figure.update_yaxes(title=said("rows"))
    by_time = split.kind == "time"
    title = said(
        _BY_TIME if by_time else _AT_RANDOM,
        periods=len(split.train_periods),
        train=f"{len(split.train):,}",
        tested=len(split.test_periods),
        test=f"{len(split.test):,}",
    )
    return layout(figure, title)


_BY_TIME = marked(
    "Trained on %(periods)s period(s), %(train)s rows; tested on the latest "
    "%(tested)s, %(test)s rows"
)
_AT_RANDOM = marked("Trained on %(train)s rows, tested on %(test)s")


def split(result: Comparison) -> go.Figure:
    """Rows per period on each side of the split: fitted, validated, tested."""
    holdout = result.holdout
    count = len(holdout.train) + len(holdout.test)
    periods = result.periods if result.periods is not None else np.full(count, "all")
    side = np.full(len(periods), "", dtype=object)
    side[holdout.train] = "train"
    if result.validation is not None:
        side[result.validation] = "validation"
    side[holdout.test] = "test"
    used = side != ""
    counts = pd.crosstab(pd.Series(periods[used], name="period"), side[used])
    figure = go.Figure()
    for name, colour in (("train", TODAY), ("validation", OTHER), ("test", MODEL)):
        if name in counts:
            figure.add_bar(
                x=counts.index, y=counts[name], name=said(name), marker_color=colour
            )
    # Two years of weeks would print a hundred labels on top of each other.
    step = -(-len(counts) // 24)
    figure.update_layout(
        barmode="stack",
        xaxis={"type": "category", "tickvals": list(counts.index[::step])},
    )
    figure.update_yaxes(title=said("rows"))
    description = described(holdout.account, language=reader_language())
    return layout(figure, description[:1].upper() + description[1:])


# The sides of the split and the ladder's roles, as the charts name them.
_CHART_WORDS = (
    marked("train"),
    marked("validation"),
    marked("test"),
    marked("chosen"),
    marked("today"),
    marked("baseline"),
    marked("candidate"),
)


def for_task(result: Comparison, *, kpi_definition: Kpi) -> list[go.Figure]:
    """The charts that read best for the task.

    Gain, capacity and calibration for a yes/no decision; forecasts against actuals
    for a forecast; the KPI against the confidence threshold for a router.
    """
    today = result.kpi.baseline_name
    if result.task == "top_k":
        capacity = kpi_terms.top_k(kpi_definition).capacity_per_period
        return [
            cumulative_gain(result.rows, today=today),
            kpi_by_capacity(
                result.rows,
                capacity=capacity,
                unit=result.kpi.unit,
                period=result.kpi.period,
                today=today,
            ),
            calibration(result.rows),
        ]
    if result.task == "forecast":
        return [forecast_against_actuals(result.rows, today=today)]
    router = result.model.steps[-1][1]
    definition = kpi_definition
    return [
        kpi_by_threshold(
            result.rows,
            threshold=router.threshold,
            value_per_correct=kpi_terms.routing(definition).value_per_correct,
            cost_per_wrong=kpi_terms.routing(definition).cost_per_wrong,
            unit=result.kpi.unit,
            period=result.kpi.period,
        )
    ]


def kpi_by_threshold(
    rows: pd.DataFrame,
    *,
    threshold: float,
    value_per_correct: float,
    cost_per_wrong: float,
    unit: str,
    period: str,
) -> go.Figure:
    """The router's KPI and the share it routes, for every confidence threshold."""
    confidence = rows["confidence"].to_numpy(dtype=float)
    right = (rows["top_label"].astype(str) == rows["actual"].astype(str)).to_numpy()
    value = np.where(right, value_per_correct, -cost_per_wrong)
    periods = max(rows["period"].nunique(), 1)
    grid = np.linspace(0, 1, 101)
    routed = confidence[None, :] >= grid[:, None]
    kpi = (routed * value[None, :]).sum(axis=1) / periods
    figure = go.Figure()
    axis, routed_share = per_period_axis(unit, period), said("share routed (%)")
    figure.add_scatter(x=grid, y=kpi, name=axis, line_color=MODEL)
    figure.add_scatter(
        x=grid,
        y=routed.mean(axis=1) * 100,
        name=routed_share,
        yaxis="y2",
        line={"color": TODAY, "dash": "dot"},
    )
    figure.add_vline(
        x=threshold,
        line_dash="dash",
        line_color="#555",
        annotation_text=said("chosen"),
    )
    figure.update_layout(
        yaxis={"title": axis},
        yaxis2={"overlaying": "y", "side": "right", "title": routed_share},
    )
    figure.update_xaxes(
        title=said("route only when the model's confidence is at least")
    )
    at = routed[np.searchsorted(grid, threshold)].mean()
    title = said(
        "At the threshold chosen on validation rows (%(threshold)s) the model routes "
        "%(share)s of the tickets; the rest go to a person",
        threshold=f"{threshold:.2f}",
        share=f"{at:.0%}",
    )
    return layout(figure, title)
