"""Every template has a Korean twin: same numbers and columns, Korean words, checked."""

import re
from pathlib import Path

import pytest
import yaml

from playbook import charter
from playbook.charter import check as charter_check
from playbook.synthetic import demo

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted(path.name for path in (REPO / "templates").glob("*.yaml"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Fields written in words for the reader: the twin says them in Korean.
WORDS = {
    "title",
    "question",
    "value",
    "decision",
    "users",
    "sponsor",
    "description",
    "name",
    "metric",
    "trade_offs",
    "process",
    "label_definition",
    "executive_sponsor",
    "product_manager",
    "domain_expert",
    "data_scientist",
    "data_engineer",
    "ml_engineer",
    "devops",
    "security",
}


def facts(node, key=""):
    """Every value that is not words: numbers, columns, ids, rule values."""
    if isinstance(node, dict):
        return {
            f"{key}.{name}": fact
            for name, value in node.items()
            if name not in WORDS
            for fact in [facts(value, f"{key}.{name}")]
        }
    if isinstance(node, list):
        return [facts(item, key) for item in node]
    return node


def test_the_five_use_cases_have_korean_twins():
    assert sorted(p.name for p in (REPO / "templates" / "ko").glob("*.yaml")) == (
        TEMPLATES
    )
    assert len(TEMPLATES) == 5


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_twin_changes_words_not_numbers(name):
    english = yaml.safe_load((REPO / "templates" / name).read_text(encoding="utf-8"))
    korean = yaml.safe_load(
        (REPO / "templates" / "ko" / name).read_text(encoding="utf-8")
    )
    assert korean.pop("report") == {"language": "ko"}
    assert facts(korean) == facts(english)


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_twin_passes_check_and_reads_korean(name):
    path = REPO / "templates" / "ko" / name
    report = charter_check.check(path)
    assert report.exit_code == 0, [str(p) for p in report.blockers]
    loaded = charter.load(path)
    assert loaded.language == "ko"
    assert HANGUL.search(loaded.title)
    assert HANGUL.search(loaded.business.question)
    comments = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith("#")
    ]
    assert comments
    # Every comment that says something (not a divider) says it in Korean.
    assert all(HANGUL.search(line) for line in comments if re.search("[A-Za-z]", line))


def test_demo_lang_ko_writes_the_korean_twin(tmp_path):
    example = demo.write_example(
        tmp_path / "ex", template="churn", rows=500, language="ko"
    )
    assert charter.load(example.charter).language == "ko"
    assert (
        example.charter.read_bytes()
        == (REPO / "templates" / "ko" / "churn.yaml").read_bytes()
    )
