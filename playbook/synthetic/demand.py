"""Seeded SYNTHETIC daily store sales for the demand-forecasting example.

Nothing here describes a real shop. Every generated file carries SYNTHETIC in its name
and every report that shows it says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DEMAND_COLUMNS = {
    "date": "Day of sale, ISO date.",
    "store_item": (
        "SYNTHETIC series id: store and item, e.g. S03-I012 (one row per series and "
        "day; a new item starts late, and one store was closed for refurbishment)."
    ),
    "store": "Store id, S01 to S06.",
    "store_format": "hypermarket, supermarket or express.",
    "category": "dairy, bakery, produce, beverages, frozen or household.",
    "weekday": "Day of the week: mon to sun.",
    "holiday": "1 on a public holiday, else 0.",
    "pre_holiday": "1 on the two days before a public holiday, else 0.",
    "promo": "1 when the item is on a planned promotion that day, else 0.",
    "price_krw": "Shelf price that day, KRW (lower during a promotion).",
    "temperature_c": (
        "Forecast midday temperature for the region, degrees C (missing when the "
        "weather feed was down)."
    ),
    "units_sold": "Target: units of the item the store sold that day.",
}

_CATEGORIES = {
    # name: (median units per day, price in KRW, weekend effect, summer effect)
    "dairy": (30.0, 2800, 0.10, 0.00),
    "bakery": (22.0, 4200, 0.25, -0.05),
    "produce": (26.0, 3900, 0.20, 0.10),
    "beverages": (34.0, 1900, 0.30, 0.45),
    "frozen": (12.0, 6900, 0.15, 0.35),
    "household": (9.0, 8900, 0.35, 0.00),
}
_FORMATS = {"hypermarket": 1.8, "supermarket": 1.0, "express": 0.5}
_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Public holidays in Korea, lunar ones included, for the years the example spans.
_HOLIDAYS = [
    "2024-01-01", "2024-02-09", "2024-02-10", "2024-02-11", "2024-02-12",
    "2024-03-01", "2024-05-05", "2024-05-06", "2024-05-15", "2024-06-06",
    "2024-08-15", "2024-09-16", "2024-09-17", "2024-09-18", "2024-10-03",
    "2024-10-09", "2024-12-25",
    "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-03-01",
    "2025-03-03", "2025-05-05", "2025-05-06", "2025-06-06", "2025-08-15",
    "2025-10-03", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08",
    "2025-10-09", "2025-12-25",
    "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-03-01",
    "2026-03-02", "2026-05-05", "2026-05-24", "2026-05-25", "2026-06-06",
    "2026-08-15", "2026-08-17", "2026-09-24", "2026-09-25", "2026-09-26",
    "2026-10-03", "2026-10-05", "2026-10-09", "2026-12-25",
]  # fmt: skip


# Long on purpose: the rows are one story drawn from one random stream, and what a
# seed gives depends on the order of the draws, so they stay in one function, in
# that order.
def demand(
    *,
    series: int,
    seed: int,
    first_day: str = "2024-01-01",
    days: int = 728,
    start: int = 0,
    batch: int = 0,
    shift: float = 0.0,
) -> pd.DataFrame:
    """Generate the SYNTHETIC daily-sales example: one row per store, item and day.

    Each series has its own level, a weekly pattern (busier weekends), a yearly season
    (drinks and ice cream in summer), a slow upward trend, planned promotions with a
    lower price, public holidays (shops quieter on the day, busier on the two days
    before) and the weather; sales are a noisy count around that. Seasonal-naive (the
    same weekday last week) is a fair baseline; a model that knows the promotions and
    holidays beats it by a modest margin.

    The series are drawn from `seed` alone, so a later batch of the same series (a
    larger `start`, another `batch`) continues them. Traps a real extract has: a new
    item that starts selling in the last third of the days, one store closed for two
    weeks of refurbishment (its rows are absent), and gaps in the weather feed.

    `shift` moves a later batch away from the example: a competitor opens near two
    stores (their sales drop), and promotions lift sales more than they used to. 0
    leaves the data as it was.

    Args:
        series: Number of store-item series.
        seed: Seed of the random generator; the same seed gives the same data.
        first_day: First day of the whole history, ISO date (the day `start` counts
            from).
        days: Number of days to generate.
        start: Days from `first_day` to the first generated day.
        batch: Number of the batch: draws the daily noise of a later batch afresh.
        shift: How far the batch has drifted, 0 (none) to about 1 (strongly).
    """
    stores = max(series // 5, 2)
    traits = np.random.default_rng(seed)
    store_of = np.arange(series) % stores
    store_format = traits.choice(list(_FORMATS), size=stores, p=[0.25, 0.5, 0.25])[
        store_of
    ]
    names = list(_CATEGORIES)
    category = traits.choice(names, size=series)
    median, price, weekend, summer = (
        np.array([_CATEGORIES[name][k] for name in category]) for k in range(4)
    )
    scale = pd.Series(store_format).map(_FORMATS).to_numpy()
    level = median * scale * traits.lognormal(0.0, 0.35, size=series)
    promo_lift = traits.uniform(0.25, 0.6, size=series)
    launch = np.where(np.arange(series) == series - 1, int(0.66 * 728), 0)
    closed_store = int(traits.integers(0, stores))
    closed_from = int(traits.integers(200, 500))

    rng = np.random.default_rng([seed, batch])
    day_numbers = np.arange(start, start + days)
    dates = pd.Timestamp(first_day) + pd.to_timedelta(day_numbers, unit="D")
    weekday = dates.day_of_week.to_numpy()
    holidays = pd.DatetimeIndex(pd.to_datetime(_HOLIDAYS))
    holiday = dates.isin(holidays).astype(int)
    pre_holiday = (
        (dates + pd.Timedelta(days=1)).isin(holidays)
        | (dates + pd.Timedelta(days=2)).isin(holidays)
    ).astype(int) * (1 - holiday)
    season = np.sin(2 * np.pi * (dates.day_of_year.to_numpy() - 105) / 365.25)
    temperature = np.round(12.5 + 14.0 * season + rng.normal(0.0, 3.0, size=days), 1)

    series_grid, day_grid = np.meshgrid(
        np.arange(series), np.arange(days), indexing="ij"
    )
    s, d = series_grid.ravel(), day_grid.ravel()
    promo_grid = np.zeros((series, days), dtype=int)
    for index in range(series):
        # Promotions run for a week, about one week in eight, planned ahead.
        starts = np.flatnonzero(rng.random(days) < 1 / 56)
        for first in starts:
            promo_grid[index, first : first + 7] = 1
    promo = promo_grid.ravel()
    competitor = shift * 0.35 * np.isin(store_of[s], [0, 1])
    mean = (
        level[s]
        * (1 + 0.08 * day_numbers[d] / 365.25)
        * (1 + weekend[s] * (weekday[d] >= 5))
        * (1 + summer[s] * season[d])
        * (1 + 0.012 * summer[s] / 0.45 * np.clip(temperature[d] - 25, 0, None))
        * (1 + (promo_lift[s] + 0.3 * shift) * promo)
        * (1 - 0.45 * holiday[d])
        * (1 + 0.35 * pre_holiday[d])
        * (1 - competitor)
    )
    # Overdispersed counts (gamma-Poisson), as shop sales are.
    units = rng.poisson(mean * rng.gamma(8.0, 1 / 8.0, size=len(mean)))

    frame = pd.DataFrame(
        {
            "date": dates[d].strftime("%Y-%m-%d"),
            "store_item": [f"S{store_of[i] + 1:02d}-I{i + 1:03d}" for i in s],
            "store": [f"S{store_of[i] + 1:02d}" for i in s],
            "store_format": store_format[s],
            "category": category[s],
            "weekday": np.array(_WEEKDAYS)[weekday[d]],
            "holiday": holiday[d],
            "pre_holiday": pre_holiday[d],
            "promo": promo,
            "price_krw": np.round(price[s] * (1 - 0.2 * promo), -1),
            "temperature_c": temperature[d],
            "units_sold": units,
        }
    )
    feed_down = (rng.random(days) < 0.03)[d]
    frame.loc[feed_down, "temperature_c"] = np.nan
    closed = (store_of[s] == closed_store) & (
        (day_numbers[d] >= closed_from) & (day_numbers[d] < closed_from + 14)
    )
    not_launched = day_numbers[d] < launch[s]
    return frame[~(closed | not_launched)].reset_index(drop=True)
