"""What stage 4 measures for stage 6's A/B test plan: each arm's value per unit.

Stage 4 knows, on its test rows, what today's policy and the model realise per unit;
stage 6 sizes an online test from these moments. They live here, with the POC, so that
stage 4 never imports stage 6's code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from playbook.charter import kpi_terms
from playbook.charter.model import Kpi


@dataclass(frozen=True)
class ArmMoments:
    """Mean and standard deviation of one policy's realised net value per unit."""

    mean: float
    sd: float


@dataclass(frozen=True)
class ExperimentInputs:
    """What an A/B test of the model against today's policy would see, per unit.

    Attributes:
        units_per_period: Units (customers, tickets) arriving per KPI period.
        control: Today's policy's value per unit.
        treatment: The model's value per unit.
        control_positive_rate: Share of units that turn positive under today's policy
            (top-k only; None where the KPI has no such rate).
    """

    units_per_period: float
    control: ArmMoments
    treatment: ArmMoments
    control_positive_rate: float | None = None


def arm_moments(contacted: np.ndarray, positive: np.ndarray, *, kpi: Kpi) -> ArmMoments:
    """Moments of the realised value per unit when a policy contacts `contacted` units.

    The variance adds the spread between units to the chance in each saved customer
    (law of total variance), so it does not understate how noisy the test will be.
    """
    contacted = np.asarray(contacted, dtype=float)
    positive = np.asarray(positive, dtype=float)
    terms = kpi_terms.top_k(kpi)
    gain, rate = terms.value_per_saved_customer, terms.offer_success_rate
    expected = contacted * (positive * rate * gain - terms.contact_cost)
    within = contacted * positive * rate * (1 - rate) * gain**2
    variance = within.mean() + expected.var()
    return ArmMoments(mean=float(expected.mean()), sd=float(math.sqrt(variance)))


def value_moments(values: np.ndarray) -> ArmMoments:
    """Moments of a policy's realised value per unit, from the values themselves."""
    return ArmMoments(mean=float(np.mean(values)), sd=float(np.std(values)))
