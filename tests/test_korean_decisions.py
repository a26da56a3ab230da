"""Decision reasons in Korean: the same decision, each reason from the catalogue."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.tasks import decision as gates
from tests.test_decisions import NAN, _report

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Three Latin words in a row: a sentence left in English.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")

CASES = {
    "go": _report(150.0, 110.0, 190.0),
    "lenient go": _report(130.0, 60.0, 200.0),
    "iterate up": _report(130.0, 60.0, 200.0),
    "iterate down": _report(80.0, 20.0, 140.0),
    "stop": _report(60.0, 30.0, 99.0),
    "lenient below zero": _report(130.0, -10.0, 270.0),
    "no interval": _report(120.0, NAN, NAN, periods=3),
    "no minimum": _report(120.0, 60.0, 180.0, min_lift=NAN),
    "one period": _report(130.0, 60.0, 200.0, periods=1, chance=0.7),
    "cost kpi": _report(130.0, 60.0, 200.0, better="lower"),
}


def assert_korean(reasons):
    for reason in reasons:
        assert HANGUL.search(reason), reason
        assert "%(" not in reason, reason
        assert not ENGLISH.search(reason.replace("kpi.decision_rule: lenient", "")), (
            reason
        )


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("rule", ["strict", "lenient"])
def test_korean_reasons_decide_alike_and_read_korean(case, rule):
    english = gates.decide_poc(CASES[case], rule=rule)
    korean = gates.decide_poc(CASES[case], rule=rule, language="ko")
    assert korean.decision == english.decision
    assert korean.lean == english.lean
    assert korean.more_periods_needed == english.more_periods_needed
    assert len(korean.reasons) == len(english.reasons)
    assert_korean(korean.reasons)


def test_korean_amounts_are_in_won_per_period():
    report = _report(2_240_000.0, 1_630_000.0, 2_850_000.0, min_lift=2_000_000.0)
    measured, *rest = gates.decide_poc(report, language="ko").reasons
    assert "월 224만원" in measured
    assert "163만원 ~ 285만원" in measured
    assert "테스트 데이터 6개월" in measured
    assert any("월 200만원" in reason for reason in rest)


@settings(max_examples=60, deadline=None)
@given(
    lift=st.floats(-500, 500),
    half=st.floats(1, 300),
    periods=st.integers(2, 30),
    rule=st.sampled_from(["strict", "lenient"]),
)
def test_every_korean_decision_matches_the_english_one(lift, half, periods, rule):
    report = _report(lift, lift - half, lift + half, periods=periods)
    english = gates.decide_poc(report, rule=rule)
    korean = gates.decide_poc(report, rule=rule, language="ko")
    assert korean.decision == english.decision
    assert_korean(korean.reasons)


def test_every_baseline_a_task_names_has_a_korean_name():
    from playbook.core.messages import translated
    from playbook.tasks import forecast, routing, top_k
    from playbook.tasks.decision_words import TASK_BASELINE_NAMES

    for task, module in (
        ("top_k", top_k),
        ("forecast", forecast),
        ("routing", routing),
    ):
        assert module.BASELINE_NAMES is TASK_BASELINE_NAMES[task]
        for name in module.BASELINE_NAMES.values():
            assert HANGUL.search(translated("ko", name)), name


@pytest.mark.parametrize("name", ["go", "iterate", "stop"])
def test_the_korean_memo_writes_its_own_sentences_in_korean(name):
    import dataclasses

    import verdict_runs

    run = verdict_runs.demo_runs()[name]
    korean_poc = dataclasses.replace(run.poc, language="ko")
    english, korean = (
        verdict_runs.scale_up_stage.evaluate(
            run.earlier, ready=run.ready, poc=poc, charter_file="c.yaml", run_dir="."
        ).evidence.memo
        for poc in (run.poc, korean_poc)
    )
    assert korean.decision == english.decision
    own = [korean.headline, korean.payback, korean.timeline]
    own += [*korean.money, *korean.risks, *korean.next_steps, *korean.open_items]
    assert len(korean.money) == len(english.money)
    assert len(korean.open_items) == len(english.open_items)
    assert_korean(sentence.replace("SYNTHETIC", "") for sentence in own)
    assert korean.commands == english.commands
