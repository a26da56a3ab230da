"""Stage 1, 3 and 4 charts in Korean: titles, axes, legends, annotations and hovers.

The Korean demo (tests/test_korean_pages.py) draws the charts of a churn journey; these
draw the others too (a forecast, a router, a random split, every verdict and empty
state) from small typed inputs, and read their words out of plotly's JSON.
"""

import dataclasses
import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from playbook.charter.timeline import TimelineCheck
from playbook.charter.value_model import ValueModel
from playbook.data.leakage import ColumnSignal, LeakageReport, LeakFinding
from playbook.report import charts, display, poc_charts
from playbook.tasks.holdout import Holdout
from playbook.tasks.split_words import SplitAccount
from tests.korean_text import HANGUL, english_in

# Titles (of the figure, its axes and colour bar), names, texts and hover templates.
WORDS = re.compile(r'"(?:title":\{"text|name|text|hovertemplate)":"((?:[^"\\]|\\.)*)"')
VALUE = ValueModel(
    unit="KRW",
    period="month",
    periods_per_year=12,
    min_lift_per_period=2e6,
    min_lift_per_year=24e6,
    budget=24e6,
    currency="KRW",
    payback_months=12.0,
    lifts=[1e6, 2e6, 4e6],
    multiples=[0.5, 1, 2],
    adoption=[0.5, 1.0],
    per_year=[[6e6, 12e6, 24e6], [12e6, 24e6, 48e6]],
)
PERIODS = pd.DataFrame(
    {"period": ["2025-01", "2025-02", "2025-03"], "rows": [9, 0, 12]}
)
SIGNALS = [
    ColumnSignal(c, a)
    for c, a in zip("abcdef", [0.99, 0.98, 0.9, 0.8, 0.7, 0.6], strict=True)
]
RNG = np.random.default_rng(0)


def _split(account: SplitAccount) -> SimpleNamespace:
    split = Holdout(
        kind=account.kind,
        train=np.arange(6),
        test=np.arange(6, 9),
        train_periods=["all"],
        test_periods=["all"],
        account=account,
    )
    return SimpleNamespace(holdout=split, periods=None, validation=np.arange(4, 6))


FIGURES = {
    "minimum lift": lambda: charts.minimum_lift_value(
        SimpleNamespace(min_lift_per_year=24e6, unit="KRW"),
        budget=SimpleNamespace(amount=20e6),
    ),
    "no minimum lift": lambda: charts.minimum_lift_value(
        SimpleNamespace(min_lift_per_year=None, unit="KRW"), budget=None
    ),
    "value model": lambda: charts.value_sensitivity(VALUE),
    "value without budget": lambda: charts.value_sensitivity(
        dataclasses.replace(VALUE, budget=None)
    ),
    "no value model": lambda: charts.value_sensitivity(None),
    **{
        f"timeline {verdict}": lambda verdict=verdict, months=months: (
            charts.timeline_rule(TimelineCheck("a", "b", months, 2, 6, verdict, "m"))
        )
        for verdict, months in (("fits", 3.8), ("too_long", 9.0), ("too_short", 1.0))
    },
    "no timeline": lambda: charts.timeline_rule(
        TimelineCheck(None, None, None, 2, 6, "missing", "m")
    ),
    **{
        f"periods {share}": lambda share=share: charts.rows_per_period(
            PERIODS.assign(**{share: [0.1, 0.0, 0.2]}), target="churned"
        )
        for share in ("positive_share", "labelled_share", "mean")
    },
    "leaks kept out": lambda: charts.leak_signals(
        LeakageReport(
            "churned",
            "binary",
            "AUC",
            100,
            [LeakFinding(c, "alone", "blocking", "e") for c in "abcde"],
            SIGNALS,
        )
    ),
    "leak warnings": lambda: charts.leak_signals(
        LeakageReport(
            "churned", "binary", "AUC", 9, [LeakFinding("a", "n", "warning", "e")]
        )
    ),
    "no leak": lambda: charts.leak_signals(
        LeakageReport("churned", "binary", "AUC", 100, [], SIGNALS)
    ),
    "nothing to check": lambda: charts.leak_signals(
        LeakageReport("churned", "binary", "AUC", 100)
    ),
    "grouped split": lambda: poc_charts.split(
        _split(SplitAccount(kind="grouped", share=0.3, id_column="customer_id"))
    ),
    "forecast": lambda: poc_charts.forecast_against_actuals(
        pd.DataFrame(
            {
                "time": ["2025-01-01", "2025-01-02"] * 2,
                "actual": [5, 6, 7, 8],
                "decision_model": [5, 7, 7, 9],
                "decision_today": [4, 6, 9, 8],
            }
        ),
        today="seasonal naive",
    ),
    "router": lambda: poc_charts.kpi_by_threshold(
        pd.DataFrame(
            {
                "confidence": RNG.random(20),
                "top_label": RNG.choice(list("ab"), 20),
                "actual": RNG.choice(list("ab"), 20),
                "period": ["p1", "p2"] * 10,
            }
        ),
        threshold=0.4,
        value_per_correct=1000,
        cost_per_wrong=300,
        unit="KRW",
        period="month",
    ),
}


@pytest.fixture
def korean_reader():
    display.use_report_renderer("ko")
    yield
    display.use_report_renderer("en")


@pytest.mark.parametrize("name", list(FIGURES))
def test_stage_1_3_and_4_charts_read_in_korean(korean_reader, name):
    figure = FIGURES[name]()
    words = [json.loads(f'"{found}"') for found in WORDS.findall(figure.to_json())]
    assert english_in(words) == []
    assert HANGUL.search(figure.layout.title.text), figure.layout.title.text
