"""Rows spread over a run of months or days, and the slow drift across that run.

The example generators that draw one row per case (customers, transactions, tickets)
put each row in a period at random, sorted so that rows run in time order, and let
some of their behaviour drift from the first period (0) to the last (1). The periods
are drawn from the generator's own random stream, so what a seed gives depends on
where the draw stands among the others: change that order and every row changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Timeline:
    """A generator's random stream, each row's period and how far it has drifted.

    Attributes:
        rng: The random generator, seeded; the rows' periods are its first draw.
        index: Each row's period, 0 for the first, sorted.
        calendar: The first day of each period.
        drift: Each row's place in the run: 0 in the first period, 1 in the last.
    """

    rng: np.random.Generator
    index: np.ndarray
    calendar: pd.DatetimeIndex
    drift: np.ndarray


def timeline(seed: int, *, rows: int, first: str, periods: int, freq: str) -> Timeline:
    """Seed a generator and spread `rows` rows over `periods` periods from `first`.

    Args:
        seed: Seed of the random generator; the same seed gives the same rows.
        rows: Number of rows.
        first: First period, ISO date.
        periods: Number of periods.
        freq: pandas' frequency of the periods, e.g. "MS" (months) or "D" (days).
    """
    rng = np.random.default_rng(seed)
    index = draw_periods(rng, rows=rows, periods=periods)
    return Timeline(
        rng=rng,
        index=index,
        calendar=pd.date_range(first, periods=periods, freq=freq),
        drift=index / max(periods - 1, 1),
    )


def draw_periods(rng: np.random.Generator, *, rows: int, periods: int) -> np.ndarray:
    """Each row's period (0 for the first), drawn at random and sorted."""
    return np.sort(rng.integers(0, periods, size=rows))
