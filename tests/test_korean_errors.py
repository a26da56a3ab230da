"""Errors in the reader's language: a charter that does not load, YAML that does not
parse and data that is not there are said in Korean when the command speaks Korean,
and word for word as before in English."""

from pathlib import Path

import pytest

from playbook.core.messages import sentence
from playbook.errors import CharterError, DataError, PlaybookError
from tests.korean_text import HANGUL, english_lines
from tests.test_korean_cli import TEMPLATES, _invoke


@pytest.fixture
def korean_charter(tmp_path: Path) -> Path:
    """The Korean churn template, copied where its data file is not."""
    path = tmp_path / "charter.yaml"
    path.write_text((TEMPLATES / "ko" / "churn.yaml").read_text("utf-8"), "utf-8")
    return path


def _broken(charter: Path) -> Path:
    text = charter.read_text("utf-8").replace("\nseed: 42", "\nseed: high", 1)
    charter.write_text(text, "utf-8")
    return charter


def test_check_says_bad_yaml_in_korean(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\npoc: churn\n  owner: [\n", "utf-8")
    result = _invoke("check", str(bad), "--lang", "ko")
    assert result.exit_code == 2
    assert "3행 8열이 올바른 YAML이 아닙니다" in result.output
    assert "이 위치에는 매핑 값(': ')을 쓸 수 없습니다" in result.output
    assert "들여쓰기와 따옴표를 확인하십시오" in result.output
    assert english_lines(result.output) == []
    english = _invoke("check", str(bad), "--lang", "en")
    assert (
        "blocker: not valid YAML at line 3, column 8: mapping values are not "
        "allowed here. Check the indentation" in english.output
    )


def test_run_refuses_a_broken_charter_in_its_own_language(korean_charter):
    # No --lang: the charter does not load, yet its YAML asks for Korean.
    result = _invoke("run", str(_broken(korean_charter)), "--runs-dir", "runs")
    assert result.exit_code == 2
    assert "오류:" in result.output
    assert "차단: seed: 필요한 값은 42 같은 정수인데 실제 값은 'high'입니다" in (
        result.output
    )
    assert english_lines(result.output) == []
    english = _invoke("run", str(korean_charter), "--lang", "en", "--runs-dir", "r")
    assert english.exit_code == 2
    assert (
        "error: " in english.output
        and "blocker: seed: expected a whole number such as 42, got 'high'. Write a "
        "whole number, without a decimal point."
        in english.output
    )


def test_run_says_a_missing_data_file_in_korean(korean_charter, tmp_path):
    # The charter's report.language asks for Korean (--lang would make a copy).
    result = _invoke("run", str(korean_charter), "--runs-dir", str(tmp_path / "r"))
    assert result.exit_code == 2
    missing = korean_charter.parent / "churn_SYNTHETIC.csv"
    assert f"{missing}: 데이터 파일이나 폴더가 없습니다." in result.output.replace(
        "\n", ""
    )
    assert "data.path를 확인하거나 --data를 지정하십시오" in result.output
    assert english_lines(result.output) == []
    assert not (tmp_path / "r").exists()  # refused before a run folder was made


def test_check_says_missing_data_in_korean(korean_charter):
    result = _invoke("check", str(korean_charter), "--lang", "ko")
    assert result.exit_code == 0  # a note: stage 3 reads the data
    assert "churn_SYNTHETIC.csv 파일이 없습니다" in result.output
    assert english_lines(result.output) == []


def test_a_sentence_is_english_until_it_is_shown_in_another_language():
    error = DataError(
        sentence(
            "%(path)s: not %(encoding)s text (byte %(position)s cannot be decoded). "
            "%(advice)s",
            path="data.csv",
            encoding="utf-8",
            position="1,024",
            advice=sentence(
                "It reads as %(encoding)s (%(language)s): set `encoding: "
                "%(encoding)s` in the charter's data section, or convert the file "
                "to UTF-8.",
                encoding="cp949",
                language=sentence("Korean, Windows"),
            ),
        )
    )
    assert str(error) == (
        "data.csv: not utf-8 text (byte 1,024 cannot be decoded). It reads as cp949 "
        "(Korean, Windows): set `encoding: cp949` in the charter's data section, or "
        "convert the file to UTF-8."
    )
    korean = error.in_language("ko")
    assert korean.startswith("data.csv: utf-8 텍스트가 아닙니다(1,024번째 바이트")
    assert "cp949 인코딩(한국어, Windows)으로 읽힙니다" in korean
    assert "`encoding: cp949`를 설정하거나" in korean  # the particle was chosen
    assert english_lines(korean) == []
    with pytest.raises(DataError, match=r"byte 1,024 cannot be decoded"):
        raise error


def test_an_error_written_as_plain_text_is_shown_as_written():
    assert PlaybookError("plain words").in_language("ko") == "plain words"
    assert not HANGUL.search(CharterError("x").in_language("ko"))
