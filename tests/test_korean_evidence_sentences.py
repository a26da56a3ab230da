"""Sentences stages 5-7 write from their evidence: whole in Korean, English unchanged.

Each function is called in both languages: the Korean has Hangul and no English
sentence (`korean_text.english_in`), the English reads word for word as it always has.
"""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from playbook import charter
from playbook.beyond import ab_test, beyond_stage, monitoring
from playbook.beyond.readiness import AB_LENGTH, AB_TITLE, ReadinessItem
from playbook.charter.timeline import LONGEST_MONTHS
from playbook.core.locale_format import names_listed
from playbook.core.messages import translated
from playbook.data import calendar
from playbook.tasks import latency
from playbook.tasks.experiment import ArmMoments, ExperimentInputs
from tests.korean_text import HANGUL, english_in

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def korean(sentences: list[str]) -> None:
    """Every sentence has Hangul and none holds an English sentence."""
    for sentence in sentences:
        assert HANGUL.search(sentence), sentence
    assert english_in(sentences) == []


@pytest.fixture(scope="module")
def charters():
    return charter.load(TEMPLATES / "ko" / "churn.yaml"), charter.load(
        TEMPLATES / "churn.yaml"
    )


@pytest.fixture
def training() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tenure": np.arange(100.0),
            "calls": [None] * 10 + list(range(90)),
            "plan": ["basic"] * 100,
            "region": ["north"] * 100,
            "channel": ["web"] * 100,
        }
    )


def test_monitoring_thresholds_are_proposed_in_the_charters_language(
    charters, training
):
    ko, en = charters
    features = list(training.columns)
    said = monitoring.propose_thresholds(
        training, features=features, poc=ko, baseline_kpi=2_110_000
    )
    cells = [
        text
        for limit in said
        for text in (limit.feature, limit.warning, limit.alert, limit.basis)
    ]
    korean(
        [limit.alert for limit in said]
        + [limit.basis for limit in said]
        + [limit.warning for limit in said[1:]]
    )
    assert english_in(cells) == []
    kpi = said[-1]
    assert (kpi.warning, kpi.alert) == ("월 232만원 미만", "월 211만원 미만")
    # Complete columns are named apart with the middle dot, not read as a sentence.
    assert "tenure · plan · region · channel" in [limit.feature for limit in said]

    english = monitoring.propose_thresholds(
        training, features=features, poc=en, baseline_kpi=2_110_000
    )
    assert [limit.watch for limit in english] == [
        "PSI",
        "range",
        "range",
        "missing values",
        "missing values",
        "KPI",
    ]
    assert english[0].alert == "PSI 0.25, or KS distance 0.1 for numbers"
    assert english[0].basis == (
        "charter drift thresholds, for a move larger than sampling noise at 95% "
        "(Holm's correction across 5 features)"
    )
    assert english[1].alert == "more than 1% of a batch outside that range"
    assert english[1].basis == "0.5-99.5% of the training rows"
    assert (english[3].warning, english[3].basis) == (
        "more than 12.0% missing",
        "10.0% missing in training",
    )
    assert english[4].feature == "tenure, plan, region, channel"
    assert english[-1].warning == "below 2,321,000 KRW per month"
    assert english[-1].basis == (
        "today's baseline on the test periods: past it, the model loses"
    )


def test_the_drift_reference_is_named_in_the_charters_language(charters, training):
    ko, en = charters
    batch = monitoring.FreshBatch(training, "fresh.csv", None, labelled=True)
    _, korean_name = monitoring.drift_reference(
        training, batch, poc=ko, periods=6, language="ko"
    )
    assert korean_name == "학습 기간 6개"
    _, english_name = monitoring.drift_reference(training, batch, poc=en, periods=6)
    assert english_name == "the 6 training periods"


@pytest.mark.parametrize(
    ("handling", "english", "said"),
    [
        (
            "drop",
            "2 month(s) are partial, 2025-10-01 (12 of 31 days), 2025-11-01 "
            "(3 of 30 days); they are left out of the KPI "
            "(data.partial_periods: drop).",
            "2025-10-01 (31일 중 12일), 2025-11-01 (30일 중 3일). 이 기간은 KPI에서 "
            "제외합니다",
        ),
        (
            "weight",
            "2 month(s) are partial, 2025-10-01 (12 of 31 days), 2025-11-01 "
            "(3 of 30 days); they are weighted: each one's cost scaled to a whole "
            "month (data.partial_periods: weight).",
            "온전한 월 기준으로 환산해 가중합니다",
        ),
    ],
)
def test_partial_periods_are_said_in_the_readers_language(handling, english, said):
    treatment = calendar.PartialTreatment(
        handling,
        "month",
        "day",
        [
            calendar.PartialPeriod("2025-10-01", 12, 31),
            calendar.PartialPeriod("2025-11-01", 3, 30),
        ],
    )
    assert calendar.treatment_sentence(treatment) == english
    sentence = calendar.treatment_sentence(treatment, language="ko")
    assert said in sentence and "2개입니다" in sentence
    korean([sentence])


@pytest.fixture
def design(charters):
    _, en = charters
    inputs = ExperimentInputs(
        units_per_period=4_000,
        control=ArmMoments(mean=100.0, sd=900.0),
        treatment=ArmMoments(mean=150.0, sd=950.0),
        control_positive_rate=0.13,
    )
    return ab_test.design(
        kpi=en.need("kpi"),
        inputs=inputs,
        significance=0.05,
        power=0.8,
        longest_months=6,
    )


def test_the_ab_table_and_checks_read_in_korean(design):
    rows = design.table(language="ko")
    assert rows[0][ab_test.TEST_ON] == "단위당 순가치"
    korean([row[ab_test.TEST_ON] for row in rows])
    assert rows[1][ab_test.TEST_ON] == (
        f"양성 비율, {design.rates.p_control:.2%}에서 {design.rates.p_treatment:.2%}로"
    )
    plan = design.plan
    korean([translated("ko", plan.srm_check)])
    korean([translated("ko", guardrail) for guardrail in plan.guardrails])
    korean([translated("ko", column) for column in rows[0]])


def test_the_ab_table_reads_as_before_in_english(design):
    rows = design.table()
    assert [row["test on"] for row in rows] == [
        "net value per unit",
        f"rate of positives, {design.rates.p_control:.2%} to "
        f"{design.rates.p_treatment:.2%}",
    ]
    assert set(rows[0]) == {"test on", "units per arm", "periods"}
    assert design.plan.srm_check.startswith("Before reading any result, compare")
    assert design.plan.guardrails[0] == (
        "Contacts per period stay within capacity in both arms"
    )


def test_the_fresh_contract_summary_is_said_in_the_readers_language():
    evidence = SimpleNamespace(
        fresh=SimpleNamespace(expectations=32, failed=2, source="fresh.csv")
    )
    assert beyond_stage.contract_summary(evidence) == (
        "30 of 32 expectations met on fresh.csv"
    )
    said = beyond_stage.contract_summary(evidence, language="ko")
    assert said == "fresh.csv에서 기대치 32개 중 30개를 충족합니다"
    none = SimpleNamespace(fresh=None)
    korean([beyond_stage.contract_summary(none, language="ko")])


@pytest.mark.parametrize("mode", ["batch", "online"])
def test_what_latency_is_judged_on_reads_in_both_languages(mode):
    report = latency.LatencyReport(
        mode=mode,
        budget_ms=100.0,
        batch_rows=1_200,
        batch_p50_ms=3.0,
        batch_p95_ms=4.0,
        row_p50_ms=1.0,
        row_p95_ms=1.5,
        meets=True,
        judged_on="",
    )
    english = latency.judged_on(report, language="en")
    assert english == (
        "p95 of scoring 1,200 rows at once"
        if mode == "batch"
        else "p95 of scoring one row at a time"
    )
    korean([latency.judged_on(report, language="ko")])


def test_the_ab_readiness_item_is_titled_with_the_longest_poc():
    item = ReadinessItem(
        AB_TITLE % {"months": LONGEST_MONTHS},
        "experiment design",
        "06_iterate",
        "met",
        "",
        concern=AB_LENGTH,
    )
    assert item.title(language="en") == item.item
    title = item.title(language="ko")
    assert f"{LONGEST_MONTHS}" in title
    korean([title])


def test_names_are_listed_apart_in_korean():
    assert names_listed(["a", "b"], language="en") == "a, b"
    assert names_listed(["plan", "contract", "tenure"], language="ko") == (
        "plan · contract · tenure"
    )
    # Joined with commas, the same names would read as an English sentence.
    assert english_in([names_listed(["plan", "contract", "tenure"], language="en")])
    assert names_listed([], language="ko") == ""


def test_readiness_statuses_and_run_changes_read_in_korean(tmp_path):
    from playbook.beyond import history, readiness

    statuses = [readiness.MET, readiness.NOT_MET, readiness.NOT_RUN, readiness.PERSON]
    assert statuses == ["met", "not met", "not run", "needs a person"]
    korean([translated("ko", status) for status in statuses])
    first = {"charter_sha256": "a", "data_sha256": "b", "seed": 1}
    later = {**first, "seed": 2, "fresh_sha256": "c"}
    assert history._changes(None, first) == ["first run"]
    changed = history._changes(first, later)
    assert changed == ["seed", "fresh batch"]
    assert [translated("ko", part) for part in changed] == ["시드", "새 배치"]
    assert translated("ko", history._changes(first, first)[0]) == "기록된 변경 없음"


def test_the_charters_answers_on_speed_and_plan_read_in_its_language(charters):
    from playbook.charter import review

    ko, en = charters
    answers = {q.fields: q.answer for q in review.review(ko, language="ko").questions}
    korean([answers["timeline, budget"]])
    assert answers["timeline, budget"].endswith("(3.8개월), 2,400만원")
    english = {q.fields: q.answer for q in review.review(en).questions}
    assert english["timeline, budget"] == (
        "2026-01-05 to 2026-04-30 (3.8 months), 24,000,000 KRW"
    )
    speed = [a for a in english.values() if a.endswith(" ms")]
    assert speed == ["batch, within 60,000 ms"]
    assert "배치, 60,000 ms 이내" in answers.values()
