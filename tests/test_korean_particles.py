"""Korean particles after a value: the form follows the final consonant before it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playbook.core import messages
from playbook.core.korean_particles import final_consonant, particle, with_particles
from playbook.core.locale_format import korean_won


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("알 수 없음(으)로", "알 수 없음으로"),
        ("260만원(으)로", "260만원으로"),
        ("56%(으)로", "56%로"),
        ("1% 미만(으)로", "1% 미만으로"),
        ("99% 초과(으)로", "99% 초과로"),
        ("3개월(으)로", "3개월로"),  # ㄹ takes 로
        ("서울(으)로", "서울로"),
        ("7(으)로", "7로"),  # 칠
        ("6(으)로", "6으로"),  # 육
        ("현행 규칙을(를) 넘습니다", "현행 규칙을 넘습니다"),
        ("모델이(가)", "모델이"),
        ("기준선과(와) 모델", "기준선과 모델"),
        ("리프트은(는)", "리프트는"),
        ("KPI이(가)", "KPI가"),
        # An English word is said, not spelled: both forms stay ("timeline" ends in
        # ㄴ aloud, "lift" in a vowel, and no spelling rule tells which).
        ("(kpi.min_lift)을(를)", "(kpi.min_lift)을(를)"),
        ("timeline을(를) 뜻했습니까?", "timeline을(를) 뜻했습니까?"),
        ("(AUC)이(가)", "(AUC)가"),
        ("둘: 2억원(으)로, 3(으)로", "둘: 2억원으로, 3으로"),
        ("괄호 없는 문장", "괄호 없는 문장"),
    ],
)
def test_each_written_pair_takes_the_form_its_word_calls_for(text, read):
    assert with_particles(text) == read


@given(st.integers(min_value=-(10**13), max_value=10**13))
def test_an_amount_of_won_takes_the_forms_after_a_final_consonant(won):
    # Every amount korean_won writes ends in 원 (final ㄴ): 으로, 을, 이.
    amount = korean_won(won)
    assert with_particles(f"{amount}(으)로") == f"{amount}으로"
    assert particle(amount, "을(를)") == "을"


def test_a_word_ending_in_no_letter_reads_as_after_a_vowel():
    assert final_consonant("") is None
    assert final_consonant("-") is None
    assert particle("", "(으)로") == "로"


def test_an_unknown_pair_is_an_error_not_a_silent_guess():
    with pytest.raises(KeyError):
        particle("모델", "에(서)")


def test_the_catalogue_places_particles_after_the_value_it_was_given():
    sentence = messages.translated(
        "ko",
        "Go: the model's lift over %(baseline)s is %(amount)s, enough to build it.",
        baseline="현행 규칙",
        amount="월 260만원",
    )
    assert "월 260만원으로," in sentence and "(으)" not in sentence
    english = messages.translated(
        "en",
        "Go: the model's lift over %(baseline)s is %(amount)s, enough to build it.",
        baseline="today's rule",
        amount="2.6M KRW per month",
    )
    assert english.endswith("is 2.6M KRW per month, enough to build it.")
