import math

import numpy as np
import pytest

from playbook.beyond import ab_test
from playbook.tasks import experiment


@pytest.mark.parametrize(
    ("effect", "sd", "significance", "power", "expected"),
    [
        # n = (z_.975 + z_.8)^2 * 2 sd^2 / effect^2 = 7.849 * 2 / 0.01 = 1569.8
        (0.1, 1.0, 0.05, 0.8, 1570),
        # Kohavi's rule of thumb 16 sd^2 / effect^2 with sd = 10, effect = 1 -> 1600;
        # the exact normal formula gives 1570
        (1.0, 10.0, 0.05, 0.8, 1570),
        # z_.995 = 2.5758, z_.9 = 1.2816: (3.8574)^2 * 2 / 0.25 = 119.04
        (0.5, 1.0, 0.01, 0.9, 120),
    ],
    ids=["textbook", "rule of thumb case", "stricter test"],
)
def test_sample_size_matches_the_closed_form(effect, sd, significance, power, expected):
    n = ab_test.sample_size_per_arm(
        effect=effect,
        sd_control=sd,
        sd_treatment=sd,
        significance=significance,
        power=power,
    )
    assert n == expected


def test_sample_size_refuses_a_non_positive_effect():
    with pytest.raises(ValueError, match="must be positive"):
        ab_test.sample_size_per_arm(
            effect=0, sd_control=1, sd_treatment=1, significance=0.05, power=0.8
        )


def test_arm_moments_match_a_simulation_of_the_offer(churn_charter):
    rng = np.random.default_rng(0)
    contacted = rng.random(2000) < 0.2
    positive = rng.random(2000) < 0.3
    moments = experiment.arm_moments(contacted, positive, kpi=churn_charter.kpi)
    k = churn_charter.kpi
    saved = rng.random((400, 2000)) < k.offer_success_rate
    realised = contacted * (
        positive * saved * k.value_per_saved_customer - k.contact_cost
    )
    assert moments.mean == pytest.approx(realised.mean(), rel=0.02)
    assert moments.sd == pytest.approx(realised.std(), rel=0.02)


def test_plan_duration_covers_both_arms_at_the_stated_traffic():
    plan = ab_test.plan(
        experiment.ExperimentInputs(
            units_per_period=1000.0,
            control=experiment.ArmMoments(0.0, 10.0),
            treatment=experiment.ArmMoments(1.0, 10.0),
        ),
        min_lift_per_period=1000.0,
        significance=0.05,
        power=0.8,
        period="month",
    )
    assert plan.effect_per_unit == 1.0
    assert plan.units_per_arm == 1570
    assert plan.periods == math.ceil(2 * 1570 / 1000)


def test_periods_in_converts_months_to_each_period():
    assert ab_test.periods_in(6, "month") == 6
    assert ab_test.periods_in(6, "week") == 26
    assert ab_test.periods_in(6, "quarter") == 2


@pytest.mark.parametrize(
    ("p_control", "relative", "expected"),
    [
        (0.02, 0.15, 36_693),
        (0.02, 0.05, 315_206),
        (0.05, 0.05, 122_123),
        (0.10, 0.10, 14_751),
    ],
    ids=["2% +15%", "2% +5%", "5% +5%", "10% +10%"],
)
def test_proportion_sample_sizes_match_the_reference_table(
    p_control, relative, expected
):
    n = ab_test.sample_size_proportions(
        p_control=p_control,
        p_treatment=p_control * (1 + relative),
        significance=0.05,
        power=0.8,
    )
    assert abs(n - expected) <= 2  # the table rounds z to 1.96 and 0.8416


def test_srm_check_matches_the_worked_example():
    # 50,000 vs 50,600 on a 50/50 split: chi-square 3.58, p = 0.059
    p = ab_test.srm_p_value(50_000, 50_600, control_share=0.5)
    assert p == pytest.approx(0.0588, abs=0.0005)
    assert ab_test.srm_p_value(50_000, 50_000, control_share=0.5) == 1.0
