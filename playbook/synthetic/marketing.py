"""Seeded SYNTHETIC bank customers for the campaign-targeting example.

Nothing here describes real people. Every generated file carries SYNTHETIC in its name
and every report that shows it says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.synthetic.timeline import Batch, case_ids, draw_label, timeline

MARKETING_COLUMNS = {
    "customer_id": "SYNTHETIC customer id (one row per customer).",
    "campaign_month": "First day of the month of the campaign the customer was in.",
    "age_band": "Customer's age band: 20s to 70+ (reported for fairness).",
    "segment": "mass, affluent or private (private is rare).",
    "tenure_months": "Months since the customer opened the first account.",
    "balance_krw": (
        "Average balance over the last three months, KRW (missing when the "
        "core-banking extract failed for the customer)."
    ),
    "card_spend_3m_krw": "Card spending over the last three months, KRW (0: no card).",
    "app_logins_30d": (
        "Logins to the mobile app in the last 30 days (missing: the customer has no "
        "app account)."
    ),
    "products_held": "Number of the bank's products the customer holds.",
    "has_loan": "1 when the customer has a loan with the bank, else 0.",
    "previous_outcome": (
        "Outcome of the last campaign contact: none (never contacted), failure or "
        "success."
    ),
    "days_since_last_contact": (
        "Days since the last campaign contact (missing: never contacted)."
    ),
    "preferred_channel": "phone, sms, email or app_push.",
    "region": "capital, metro or other.",
    "converted": (
        "Label: 1 when the customer opened the product within 30 days after the "
        "campaign contact."
    ),
}

_AGE_BANDS = ["20s", "30s", "40s", "50s", "60s", "70+"]
# The example's year of monthly campaigns.
YEAR = Batch(first="2025-01-01", periods=12)


# Long on purpose: one story from one random stream, in order (see `timeline`).
def marketing(*, customers: int, seed: int, batch: Batch = YEAR) -> pd.DataFrame:
    """Generate the SYNTHETIC campaign example: about 7% of contacted customers convert.

    One row per customer, taken in the month of the campaign that contacted them (a
    random test cell, so that every kind of customer was contacted). Conversion
    depends on app engagement, balance, products held, age, the last campaign's outcome
    and contact fatigue, plus noise nobody can observe, so a model can beat a
    two-condition rule by a modest margin, not an absurd one. Over the year app use
    grows and conversion fades a little (campaign fatigue).

    The batch's `shift` moves a later batch away from the example: more app users, lower
    balances, and younger customers who answer app pushes rather than calls (a pattern
    the first year's data barely shows). 0 leaves the data as it was.

    Args:
        customers: Number of customers (rows).
        seed: Seed of the random generator; the same seed gives the same data.
        batch: The campaign months (default: the twelve of 2025), the drift and the
            first customer id.
    """
    when = timeline(seed, rows=customers, batch=batch, freq="MS")
    rng, n, drift, shift = when.rng, customers, when.drift, batch.shift

    young = 0.15 * shift
    age_band = rng.choice(
        _AGE_BANDS,
        size=n,
        p=np.array([0.16 + young, 0.21, 0.22, 0.19, 0.14, 0.08]) / (1 + young),
    )
    age_index = pd.Series(age_band).map({b: i for i, b in enumerate(_AGE_BANDS)})
    age_index = age_index.to_numpy()
    segment = rng.choice(["mass", "affluent", "private"], size=n, p=[0.8, 0.18, 0.02])
    tenure = np.clip(rng.gamma(1.8, 40.0, size=n).round(), 1, 600).astype(int)
    wealth = pd.Series(segment).map({"mass": 0.0, "affluent": 1.3, "private": 2.6})
    balance = np.round(
        2_500_000
        * np.exp(wealth.to_numpy() + 0.08 * age_index - 0.3 * shift)
        * rng.lognormal(0.0, 0.9, size=n),
        -3,
    )
    card_spend = np.where(
        rng.random(n) < 0.82,
        np.round(1_200_000 * rng.lognormal(0.2 * wealth.to_numpy(), 0.7, size=n), -3),
        0.0,
    )
    app_share = 0.80 - 0.08 * age_index + 0.05 * drift + 0.15 * shift
    has_app = rng.random(n) < app_share
    interest = rng.normal(0.0, 1.0, size=n)  # never observed directly
    logins = rng.poisson(np.exp(1.6 + 0.35 * interest + 0.2 * drift + 0.3 * shift))
    products = 1 + rng.poisson(0.9 + 0.3 * wealth.to_numpy())
    has_loan = (rng.random(n) < 0.25 + 0.05 * products).astype(int)
    previous = rng.choice(["none", "failure", "success"], size=n, p=[0.62, 0.33, 0.05])
    days_since = np.where(
        previous == "none", np.nan, rng.integers(7, 720, size=n).astype(float)
    )
    channel = rng.choice(
        ["phone", "sms", "email", "app_push"], size=n, p=[0.35, 0.3, 0.15, 0.2]
    )
    region = rng.choice(["capital", "metro", "other"], size=n, p=[0.5, 0.3, 0.2])

    log_balance = np.log1p(balance) - np.log(2_500_000)
    logit = (
        -3.6
        + 0.55 * np.where(has_app, np.log1p(logins) - 1.6, -0.5)
        + 0.6 * log_balance
        - 0.25 * np.clip(log_balance - 1.5, 0, None) ** 2
        + 0.25 * np.minimum(products, 5)
        + np.select([age_index == 1, age_index == 2], [0.35, 0.25], 0.0)
        + np.select([previous == "success", previous == "failure"], [1.4, -0.3], 0.0)
        - 0.8 * (np.nan_to_num(days_since, nan=999) < 60)
        + 0.3 * (card_spend > 2_000_000)
        - 0.3 * drift
        + 0.65 * interest
        + shift * (0.8 * (channel == "app_push") * (age_index <= 1) - 0.3)
    )
    converted = draw_label(rng, logit)

    frame = pd.DataFrame(
        {
            "customer_id": case_ids(rng, rows=n, batch=batch, pattern="SYN-MK-{:06d}"),
            "campaign_month": when.dates(),
            "age_band": age_band,
            "segment": segment,
            "tenure_months": tenure,
            "balance_krw": balance,
            "card_spend_3m_krw": card_spend,
            "app_logins_30d": np.where(has_app, logins, np.nan),
            "products_held": products,
            "has_loan": has_loan,
            "previous_outcome": previous,
            "days_since_last_contact": days_since,
            "preferred_channel": channel,
            "region": region,
            "converted": converted,
        }
    )
    # Real extracts have gaps: the core-banking extract failed for a few customers.
    frame.loc[rng.random(n) < 0.03, "balance_krw"] = np.nan
    return frame
