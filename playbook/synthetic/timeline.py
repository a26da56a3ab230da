"""Rows spread over a run of months or days, and the slow drift across that run.

The example generators that draw one row per case (customers, transactions, tickets)
put each row in a period at random, sorted so that rows run in time order, and let
some of their behaviour drift from the first period (0) to the last (1). The periods
are drawn from the generator's own random stream, so what a seed gives depends on
where the draw stands among the others: change that order and every row changes.
This is also why each generator is one long function: its rows are one story drawn
from one random stream, in one order.

A `Batch` says which stretch of that story a call draws: the example itself, or a
later batch that follows it in time, has drifted, and numbers its ids after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Batch:
    """Which periods a generated batch covers, how far it has drifted, its first id.

    Attributes:
        first: First period, ISO date (a month, YYYY-MM, for the tickets).
        periods: Number of periods (months or days, as the generator counts them).
        shift: How far the batch has drifted, 0 (none) to about 1 (strongly).
        first_id: Number of the first case id, so that batches do not share ids.
    """

    first: str
    periods: int
    shift: float = 0.0
    first_id: int = 1


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

    def dates(self) -> pd.Index:
        """The first day of each row's period, ISO date."""
        return self.calendar[self.index].strftime("%Y-%m-%d")


def timeline(seed: int, *, rows: int, batch: Batch, freq: str) -> Timeline:
    """Seed a generator and spread `rows` rows over the periods of `batch`.

    Args:
        seed: Seed of the random generator; the same seed gives the same rows.
        rows: Number of rows.
        batch: The first period and the number of periods.
        freq: pandas' frequency of the periods, e.g. "MS" (months) or "D" (days).
    """
    rng = np.random.default_rng(seed)
    index = draw_periods(rng, rows=rows, periods=batch.periods)
    return Timeline(
        rng=rng,
        index=index,
        calendar=pd.date_range(batch.first, periods=batch.periods, freq=freq),
        drift=index / max(batch.periods - 1, 1),
    )


def draw_periods(rng: np.random.Generator, *, rows: int, periods: int) -> np.ndarray:
    """Each row's period (0 for the first), drawn at random and sorted."""
    return np.sort(rng.integers(0, periods, size=rows))


def case_ids(
    rng: np.random.Generator, *, rows: int, batch: Batch, pattern: str
) -> list[str]:
    """Ids numbered from the batch's first id, in random order, e.g. `SYN-{:06d}`."""
    return [pattern.format(i) for i in rng.permutation(rows) + batch.first_id]


def draw_label(rng: np.random.Generator, logit: np.ndarray) -> np.ndarray:
    """A 0/1 label per row, 1 with the probability the row's logit gives."""
    return (rng.random(len(logit)) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
