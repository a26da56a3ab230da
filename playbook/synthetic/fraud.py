"""Seeded SYNTHETIC card transactions for the fraud-review example.

Nothing here describes real people or real cards. Every generated file carries
SYNTHETIC in its name and every report that shows it says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.synthetic.timeline import Batch, case_ids, draw_label, timeline

FRAUD_COLUMNS = {
    "transaction_id": "SYNTHETIC transaction id (one row per card transaction).",
    "transaction_date": "Day of the transaction, ISO date.",
    "hour": "Hour of the day the transaction was authorised, 0-23.",
    "channel": "card_present, contactless or online.",
    "merchant_category": (
        "grocery, restaurants, fuel, online_retail, electronics, travel, gaming, "
        "jewellery or crypto_exchange (the last two are rare)."
    ),
    "amount_krw": "Amount of the transaction, KRW.",
    "amount_vs_card_avg": (
        "Amount divided by the card's average over the last 90 days (missing for "
        "cards younger than 30 days)."
    ),
    "card_age_days": "Days since the card was issued.",
    "tx_count_24h": "Transactions on the same card in the 24 hours before this one.",
    "is_foreign": "1 when the merchant is abroad, else 0.",
    "distance_from_home_km": (
        "Distance between the terminal and the cardholder's home, km (missing for "
        "online transactions and when the terminal sends no location)."
    ),
    "new_device": (
        "1 when an online purchase comes from a device never seen on the card, else "
        "0 (missing for purchases in a shop)."
    ),
    "customer_age_band": "Cardholder's age band: 20s to 70+ (reported for fairness).",
    "vendor_score": (
        "Today's fraud score from the card-network vendor, 0-999, higher is riskier "
        "(missing when the vendor's service timed out)."
    ),
    "is_fraud": (
        "Label: 1 when the cardholder disputed the transaction as fraud and the "
        "dispute was confirmed within 60 days."
    ),
}

_CATEGORIES = {
    # name: (share of transactions, median amount in KRW, effect on the fraud logit)
    "grocery": (0.25, 35000, -0.6),
    "restaurants": (0.18, 28000, -0.4),
    "fuel": (0.10, 60000, -0.1),
    "online_retail": (0.17, 55000, 0.2),
    "electronics": (0.08, 290000, 0.9),
    "travel": (0.07, 240000, 0.4),
    "gaming": (0.13, 22000, 0.6),
    "jewellery": (0.015, 650000, 1.0),
    "crypto_exchange": (0.005, 480000, 1.4),
}
_AGE_BANDS = ["20s", "30s", "40s", "50s", "60s", "70+"]
# The example's eight weeks of transactions.
EIGHT_WEEKS = Batch(first="2025-09-01", periods=56)


# Long on purpose: one story from one random stream, in order (see `timeline`).
def fraud(*, transactions: int, seed: int, batch: Batch = EIGHT_WEEKS) -> pd.DataFrame:
    """Generate the SYNTHETIC card-fraud example: about 1% of transactions are fraud.

    One row per card transaction over the batch's days. Fraud depends on the channel,
    the merchant category, the hour, a foreign merchant, a young card, a burst of
    transactions, an amount far above the card's usual, a new device and the distance
    from home, plus noise nobody can observe. The vendor's score sees the generic
    signals (channel, category, amount, hour, foreign) but not the card's own history,
    so a model that adds the card's history beats it by a modest margin. Fraud grows a
    little over the weeks, and online purchases gain share.

    The batch's `shift` moves a later batch away from the example: more online
    purchases, larger amounts, and a wave of fraud on gaming sites from new devices, a
    pattern the vendor's score has not learnt. 0 leaves the data as it was.

    Args:
        transactions: Number of transactions (rows).
        seed: Seed of the random generator; the same seed gives the same data.
        batch: The days (default: the 56 from 1 September 2025), the drift and the
            first transaction id.
    """
    when = timeline(seed, rows=transactions, batch=batch, freq="D")
    rng, n, drift, shift = when.rng, transactions, when.drift, batch.shift

    hour = rng.choice(24, size=n, p=_hour_profile())
    online_share = 0.30 + 0.08 * drift + 0.15 * shift
    draw = rng.random(n)
    channel = np.where(
        draw < online_share,
        "online",
        np.where(draw < online_share + 0.2, "contactless", "card_present"),
    )
    names = list(_CATEGORIES)
    shares = np.array([_CATEGORIES[name][0] for name in names])
    category = rng.choice(names, size=n, p=shares / shares.sum())
    median = pd.Series(category).map({k: v[1] for k, v in _CATEGORIES.items()})
    amount = np.round(
        median.to_numpy() * (1 + 0.2 * shift) * rng.lognormal(0.0, 0.8, size=n), -1
    )
    card_age = np.clip(rng.gamma(1.3, 500.0, size=n), 1, 7300).round()
    is_foreign = (rng.random(n) < 0.03 + 0.05 * (category == "travel")).astype(int)
    age_band = rng.choice(_AGE_BANDS, size=n, p=[0.17, 0.22, 0.23, 0.19, 0.13, 0.06])
    online = channel == "online"

    suspicious = rng.normal(0.0, 1.0, size=n)  # never observed directly
    ratio = np.round(np.exp(rng.normal(0.0, 0.6, size=n) + 0.35 * suspicious), 2)
    tx_count = rng.poisson(np.exp(0.6 + 0.25 * suspicious))
    new_device = np.where(
        online, (rng.random(n) < 0.08 + 0.05 * (suspicious > 1.2)).astype(float), np.nan
    )
    distance = np.round(rng.lognormal(2.0, 1.2, size=n) * np.exp(0.3 * suspicious), 1)
    night = (hour < 6).astype(float)

    effect = pd.Series(category).map({k: v[2] for k, v in _CATEGORIES.items()})
    generic = (
        1.2 * online
        + 1.8 * effect.to_numpy()
        + 1.5 * night
        + 2.0 * is_foreign
        + 0.7 * np.log(amount / median.to_numpy())
    )
    history = (
        1.2 * (card_age < 30)
        + 1.5 * np.clip(np.log(ratio), -1, 3)
        + 1.3 * (tx_count >= 5)
        + 2.4 * np.nan_to_num(new_device)
        + 1.6 * (~online & (distance > 300))
    )
    wave = shift * 1.8 * ((category == "gaming") & (np.nan_to_num(new_device) == 1))
    logit = -7.6 + generic + history + 0.5 * suspicious + 0.35 * drift + wave
    is_fraud = draw_label(rng, logit)

    # The vendor sees the generic signals and a little of the rest, with its own noise.
    vendor_logit = (
        generic + 0.2 * history + 0.3 * suspicious + rng.normal(0.0, 0.7, size=n)
    )
    vendor_score = np.round(999 / (1 + np.exp(-(vendor_logit - 1.5) / 1.1)))

    frame = pd.DataFrame(
        {
            "transaction_id": case_ids(
                rng, rows=n, batch=batch, pattern="SYN-TX-{:08d}"
            ),
            "transaction_date": when.dates(),
            "hour": hour,
            "channel": channel,
            "merchant_category": category,
            "amount_krw": amount,
            "amount_vs_card_avg": ratio,
            "card_age_days": card_age,
            "tx_count_24h": tx_count,
            "is_foreign": is_foreign,
            "distance_from_home_km": np.where(online, np.nan, distance),
            "new_device": new_device,
            "customer_age_band": age_band,
            "vendor_score": vendor_score,
            "is_fraud": is_fraud,
        }
    )
    # Real extracts have gaps: a young card has no 90-day average yet, some terminals
    # send no location, and the vendor's service sometimes times out.
    frame.loc[card_age < 30, "amount_vs_card_avg"] = np.nan
    frame.loc[rng.random(n) < 0.05, "distance_from_home_km"] = np.nan
    frame.loc[rng.random(n) < 0.01, "vendor_score"] = np.nan
    return frame


def _hour_profile() -> np.ndarray:
    """Share of transactions per hour: quiet at night, peaks at lunch and evening."""
    hours = np.arange(24)
    weight = (
        0.15
        + np.exp(-((hours - 12.5) ** 2) / 8)
        + 1.2 * np.exp(-((hours - 19) ** 2) / 10)
    )
    return weight / weight.sum()
