"""Stage 6: a shadow-deployment replay: both policies decide on the same later rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Two forecasts closer than this share of today's forecast count as the same decision.
FORECAST_TOLERANCE = 0.10


@dataclass(frozen=True)
class Replay:
    """How often the model and today's baseline decide differently, and what each earns.

    For a yes/no decision with a capacity, `acted_by_*` count the rows each policy
    acted on (called, reviewed); for forecasts and routing they are None.
    """

    source: str
    rows: int
    periods: int
    differ: int
    disagreement: float
    model_value: float
    today_value: float
    acted_by_model: int | None = None
    acted_by_today: int | None = None
    acted_by_both: int | None = None


def replay(scores: pd.DataFrame, *, source: str, task: str = "top_k") -> Replay:
    """Replay the two policies on scored rows (`comparison.Scored.rows`).

    Disagreement is, for a yes/no decision, the share of the rows acted on that only
    one policy would have acted on; for a forecast, the share of rows whose forecasts
    differ by more than `FORECAST_TOLERANCE`; for routing, the share routed
    differently. The values are what each policy's decisions would have earned per
    period, from the rows' known outcomes.
    """
    periods = max(scores["period"].nunique(), 1)
    model_value = float(scores["value_model"].sum() / periods)
    today_value = float(scores["value_today"].sum() / periods)
    if task == "top_k":
        model = scores["decision_model"].astype(bool)
        today = scores["decision_today"].astype(bool)
        either = int((model | today).sum())
        differ = int((model ^ today).sum())
        return Replay(
            source=source,
            rows=len(scores),
            periods=periods,
            differ=differ,
            disagreement=differ / either if either else 0.0,
            model_value=model_value,
            today_value=today_value,
            acted_by_model=int(model.sum()),
            acted_by_today=int(today.sum()),
            acted_by_both=int((model & today).sum()),
        )
    if task == "forecast":
        model = scores["decision_model"].to_numpy(dtype=float)
        today = scores["decision_today"].to_numpy(dtype=float)
        scale = np.maximum(np.abs(today), 1.0)
        different = np.abs(model - today) > FORECAST_TOLERANCE * scale
    else:
        different = (
            scores["decision_model"].astype(str) != scores["decision_today"].astype(str)
        ).to_numpy()
    return Replay(
        source=source,
        rows=len(scores),
        periods=periods,
        differ=int(different.sum()),
        disagreement=float(different.mean()) if len(scores) else 0.0,
        model_value=model_value,
        today_value=today_value,
    )
