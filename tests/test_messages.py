"""The message catalogue: each message has a Korean entry with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from playbook.core import messages
from playbook.report import page_templates
from tests.catalogue_messages import extracted

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def korean_entries() -> dict[str, str]:
    with messages.catalogue_path("ko").open("rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def test_every_message_of_the_package_has_a_korean_entry():
    korean = korean_entries()
    missing = {
        msgid: where for msgid, where in extracted().items() if not korean.get(msgid)
    }
    assert not missing, f"no Korean entry in {messages.catalogue_path('ko')}: {missing}"


def test_korean_entries_keep_every_placeholder_and_add_none():
    for msgid, text in korean_entries().items():
        assert sorted(PLACEHOLDER.findall(text)) == sorted(
            PLACEHOLDER.findall(msgid)
        ), msgid


def test_the_catalogue_holds_no_entry_nothing_uses():
    unused = set(korean_entries()) - set(extracted())
    assert not unused


def test_translated_places_values_where_korean_grammar_wants_them():
    sentence = messages.translated(
        "ko",
        "Model beats %(baseline)s by %(amount)s per %(period)s",
        baseline="현행 규칙",
        amount="211만원",
        period="월",
    )
    assert sentence == "모델이 현행 규칙보다 월 211만원 더 낫습니다"
    english = messages.translated("en", "minimum %(amount)s", amount="2.0M KRW")
    assert english == "minimum 2.0M KRW"


def test_a_message_missing_from_the_catalogue_reads_english_not_an_error():
    assert messages.translated("ko", "A sentence nobody wrote") == (
        "A sentence nobody wrote"
    )


@pytest.mark.parametrize(
    ("code", "word"), [("go", "진행"), ("iterate", "보완 후 재검토"), ("stop", "중단")]
)
def test_decision_words_stand_beside_go_iterate_stop(code, word):
    korean = page_templates.render(
        "memo.html.j2", language="ko", asset=None, page=_memo_page(code)
    )
    assert f"{word} ({code.upper()})" in korean
    english = page_templates.render(
        "memo.html.j2", language="en", asset=None, page=_memo_page(code)
    )
    assert f">{code.upper()}</div>" in english


def _memo_page(code):
    from playbook.beyond.memo import Memo
    from playbook.report.memo_page import MemoPage

    fields = {name: [] for name in Memo.__dataclass_fields__}
    fields.update(decision=code, headline="h", payback="", timeline="t")
    return MemoPage(
        title="t",
        poc="p",
        run_id="r",
        synthetic=False,
        memo=Memo(**fields),
        colour="#000",
        stopped=None,
        unread=None,
    )


def test_make_messages_extracts_with_the_keywords_of_the_code():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text()
    recipe = makefile.split("\nmessages:", 1)[1].split("\n\n", 1)[0]
    keywords = set(re.findall(r"-k (\w+)", recipe))
    assert keywords == {*messages.CATALOGUE_KEYWORDS, "_"}
    assert "--no-default-keywords" in recipe and "-F babel.cfg" in recipe
