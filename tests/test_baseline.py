import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from playbook.charter import Condition
from playbook.errors import CharterError
from playbook.tasks.baselines import RuleBaseline

FRAME = pd.DataFrame(
    {
        "calls": [0, 3, 5, np.nan, 1],
        "contract": ["monthly", "annual", "monthly", "monthly", None],
    }
)
RULE = (Condition("calls", ">=", 3), Condition("contract", "==", "monthly"))


def test_rule_flags_rows_meeting_any_condition_and_ranks_by_conditions_met():
    rule = RuleBaseline(conditions=RULE, match="any").fit(FRAME)
    assert rule.predict(FRAME).tolist() == [1, 1, 1, 1, 0]
    assert rule.decision_function(FRAME).tolist() == [1, 1, 2, 1, 0]


def test_rule_with_match_all_flags_only_rows_meeting_every_condition():
    rule = RuleBaseline(conditions=RULE, match="all").fit(FRAME)
    assert rule.predict(FRAME).tolist() == [0, 0, 1, 0, 0]


def test_missing_values_meet_no_condition():
    rule = RuleBaseline(conditions=(Condition("calls", "<", 10),), match="any").fit(
        FRAME
    )
    assert rule.predict(FRAME).tolist() == [1, 1, 1, 0, 1]


def test_rule_naming_a_missing_column_says_which_condition_and_lists_columns():
    rule = RuleBaseline(conditions=(Condition("tenure", ">", 2),), match="any")
    with pytest.raises(CharterError, match=r"conditions\[0\]\.column.*'tenure'.*calls"):
        rule.fit(FRAME)


def test_rule_comparing_text_with_a_number_is_refused():
    rule = RuleBaseline(conditions=(Condition("contract", ">=", 3),), match="any")
    with pytest.raises(CharterError, match="cannot compare column 'contract'"):
        rule.fit(FRAME)


def test_rule_must_be_fitted_before_predicting():
    with pytest.raises(NotFittedError):
        RuleBaseline(conditions=RULE).predict(FRAME)
