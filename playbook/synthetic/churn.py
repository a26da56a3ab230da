"""Seeded SYNTHETIC example data sets, so that the demo runs offline.

Nothing here describes real people. Every generated file carries SYNTHETIC in its name
and every report that shows it says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from playbook.synthetic.timeline import Batch, case_ids, draw_label, timeline

CHURN_COLUMNS = {
    "customer_id": "SYNTHETIC customer id (one row per customer).",
    "snapshot_month": (
        "First day of the month the customer's contract came up for renewal."
    ),
    "plan": "Tariff plan: basic, standard or premium.",
    "contract": "Contract length: monthly, one_year or two_year.",
    "tenure_months": "Months since the customer joined.",
    "monthly_charge": "Average monthly bill over the last three months, KRW.",
    "data_usage_gb": (
        "Average monthly data use over the last three months, GB (some missing)."
    ),
    "usage_change_3m": (
        "Change in data use over the last three months, % (some missing)."
    ),
    "support_calls_90d": "Calls to customer support in the last 90 days.",
    "late_payments_12m": "Bills paid late in the last 12 months.",
    "payment_method": "auto_debit, card, bank_transfer or invoice.",
    "discount_pct": "Current loyalty discount, %.",
    "region": "capital, metro or other.",
    "churned": "Label: 1 when the customer cancelled within 30 days after renewal.",
}

# The example's year of monthly renewal snapshots.
YEAR = Batch(first="2025-01-01", periods=12)


# Long on purpose: one story from one random stream, in order (see `timeline`).
def churn(*, customers: int, seed: int, batch: Batch = YEAR) -> pd.DataFrame:
    """Generate the SYNTHETIC churn-at-renewal example.

    One row per customer, taken in the month the customer's contract came up for
    renewal, spread over 12 monthly snapshots. Churn depends on support calls, late
    payments, tenure, contract, a drop in usage and price against tenure, plus noise
    nobody can observe, so a model can beat a two-condition rule by a modest margin, not
    an absurd one. The later months drift a little (usage grows, more customers on
    monthly contracts).

    The batch's `shift` moves the population and the behaviour away from the first
    year's, for a later batch that has drifted: more monthly contracts, higher prices,
    heavier data use, unhappier customers, and heavy data users who start to leave for a
    competitor (a pattern the first year's data does not show). 0 leaves the data as it
    was.

    Args:
        customers: Number of customers (rows).
        seed: Seed of the random generator; the same seed gives the same data.
        batch: The snapshot months (default: the twelve of 2025), the drift and the
            first customer id.
    """
    when = timeline(seed, rows=customers, batch=batch, freq="MS")
    rng, n, drift, shift = when.rng, customers, when.drift, batch.shift

    plan = rng.choice(["basic", "standard", "premium"], size=n, p=[0.45, 0.35, 0.20])
    monthly_share = 0.40 + 0.10 * drift + 0.25 * shift
    contract = np.where(
        rng.random(n) < monthly_share,
        "monthly",
        rng.choice(["one_year", "two_year"], size=n, p=[0.6, 0.4]),
    )
    tenure = np.clip(rng.gamma(shape=1.6, scale=18.0, size=n).round(), 1, 180).astype(
        int
    )
    base_charge = (
        pd.Series(plan)
        .map({"basic": 33000, "standard": 55000, "premium": 89000})
        .to_numpy()
    )
    monthly_charge = np.round(
        base_charge * (1 + 0.15 * shift) * rng.lognormal(0.0, 0.12, size=n), -2
    )
    usage = np.round(
        pd.Series(plan)
        .map({"basic": 6.0, "standard": 18.0, "premium": 45.0})
        .to_numpy()
        * rng.lognormal(0.1 * drift + 0.4 * shift, 0.55, size=n),
        1,
    )
    dissatisfaction = rng.normal(0.3 * shift, 1.0, size=n)  # never observed directly
    usage_change = np.round(
        np.clip(rng.normal(-3.0, 18.0, size=n) - 6.0 * dissatisfaction, -100, None), 1
    )
    support_calls = rng.poisson(np.exp(-0.3 + 0.55 * dissatisfaction))
    late_payments = rng.poisson(np.exp(-1.2 + 0.35 * dissatisfaction), size=n)
    payment_method = rng.choice(
        ["auto_debit", "card", "bank_transfer", "invoice"],
        size=n,
        p=[0.45, 0.3, 0.15, 0.1],
    )
    discount = rng.choice([0, 5, 10, 15], size=n, p=[0.55, 0.2, 0.15, 0.1])
    region = rng.choice(["capital", "metro", "other"], size=n, p=[0.5, 0.3, 0.2])

    logit = (
        -2.05
        + 0.22 * np.minimum(support_calls, 6)
        + 0.30 * np.minimum(late_payments, 4)
        - 0.9 * (1 - np.exp(-tenure / 24.0))
        + np.select([contract == "monthly", contract == "two_year"], [0.75, -0.6], 0.0)
        + 0.02 * np.clip(-usage_change, 0, 40)
        + 0.5 * ((monthly_charge > 60000) & (tenure < 12))
        + np.select(
            [payment_method == "invoice", payment_method == "auto_debit"],
            [0.35, -0.3],
            0,
        )
        - 0.03 * discount
        + 0.6 * dissatisfaction
        + shift * (1.0 * (usage > 40) - 0.4 * (contract == "monthly"))
    )
    churned = draw_label(rng, logit)

    frame = pd.DataFrame(
        {
            "customer_id": case_ids(rng, rows=n, batch=batch, pattern="SYN-{:06d}"),
            "snapshot_month": when.dates(),
            "plan": plan,
            "contract": contract,
            "tenure_months": tenure,
            "monthly_charge": monthly_charge,
            "data_usage_gb": usage,
            "usage_change_3m": usage_change,
            "support_calls_90d": support_calls,
            "late_payments_12m": late_payments,
            "payment_method": payment_method,
            "discount_pct": discount,
            "region": region,
            "churned": churned,
        }
    )
    # Real extracts have gaps: usage is missing when the metering feed was down.
    for column, share in (("data_usage_gb", 0.04), ("usage_change_3m", 0.05)):
        frame.loc[rng.random(n) < share, column] = np.nan
    return frame
