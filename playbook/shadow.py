"""Stage 6: a shadow-deployment replay: both policies decide on the same later rows."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Replay:
    """How often the model and today's rule decide differently, and what each earns."""

    source: str
    rows: int
    periods: int
    contacted_by_model: int
    contacted_by_rule: int
    contacted_by_both: int
    disagreement: float
    model_value: float
    rule_value: float


def replay(scores: pd.DataFrame, *, source: str) -> Replay:
    """Replay the two policies on scored rows (`evaluation.Scored.rows`).

    Disagreement is the share of contacted customers that only one policy would have
    called; the values are the net value each policy's calls would have earned per
    period, from the rows' known outcomes.
    """
    model = scores["contacted_model"].astype(bool)
    rule = scores["contacted_rule"].astype(bool)
    either = int((model | rule).sum())
    periods = max(scores["period"].nunique(), 1)
    value = scores["value_if_contacted"]
    return Replay(
        source=source,
        rows=len(scores),
        periods=periods,
        contacted_by_model=int(model.sum()),
        contacted_by_rule=int(rule.sum()),
        contacted_by_both=int((model & rule).sum()),
        disagreement=float((model ^ rule).sum() / either) if either else 0.0,
        model_value=float(value[model].sum() / periods),
        rule_value=float(value[rule].sum() / periods),
    )
