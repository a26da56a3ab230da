"""The reader's language: report.language in the charter, --lang, <html lang>."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from playbook import charter
from playbook.charter import check as charter_check
from playbook.charter import init as charter_init
from playbook.charter import overrides
from playbook.cli.app import app
from playbook.core.language import language_of
from playbook.errors import CharterError
from playbook.report import page_templates, pages
from tests.test_portfolio import write_run


def test_a_charter_without_a_report_section_reads_english(churn_charter):
    assert churn_charter.language == "en"


def test_report_language_ko_reads_korean(write_charter):
    path = write_charter(lambda raw: raw.update(report={"language": "ko"}))
    assert charter.load(path).language == "ko"


def test_an_unknown_language_is_a_blocker_naming_the_choices(write_charter):
    path = write_charter(lambda raw: raw.update(report={"language": "jp"}))
    with pytest.raises(CharterError) as raised:
        charter.load(path)
    assert "report.language" in str(raised.value)
    assert "ko" in str(raised.value)
    report = charter_check.check(path)
    assert report.exit_code == 2


@pytest.mark.parametrize(("value", "code"), [("ko", "ko"), ("KO", "ko"), (None, "en")])
def test_language_of_falls_back_to_english(value, code):
    assert language_of(value) == code


def test_lang_sets_a_field_the_charter_leaves_out(write_charter, tmp_path):
    path = write_charter()
    fields = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "report" not in fields
    overrides.check_overrides(fields, {overrides.LANGUAGE: "ko"}, where="test")
    derived = tmp_path / "derived.yaml"
    derived.write_text(
        overrides.derive_charter(path, {overrides.LANGUAGE: "ko"}), encoding="utf-8"
    )
    assert charter.load(derived).language == "ko"


def test_another_missing_field_is_still_refused(write_charter):
    fields = yaml.safe_load(write_charter().read_text(encoding="utf-8"))
    with pytest.raises(Exception, match="no such field"):
        overrides.check_overrides(fields, {"report.colour": "red"}, where="test")


@pytest.mark.parametrize("language", ["en", "ko"])
def test_pages_declare_their_language(language):
    html = page_templates.render(
        "layout.html.j2", language=language, asset=None, page=None
    )
    assert f'<html lang="{language}">' in html


def test_the_index_follows_the_manifest_and_lang_overrides_it(tmp_path):
    run_dir = write_run(tmp_path / "runs", "churn", "20261120-100000-000001")
    record = json.loads((run_dir / "manifest.json").read_text())
    pages.write_index(run_dir, {**record, "language": "ko"})
    assert '<html lang="ko">' in (run_dir / "index.html").read_text()
    pages.refresh(run_dir, language="en")
    assert '<html lang="en">' in (run_dir / "index.html").read_text()


def test_report_and_memo_take_lang(tmp_path):
    runs_dir = tmp_path / "runs"
    run_dir = write_run(runs_dir, "churn", "20261120-100000-000001")
    cli = CliRunner()
    done = cli.invoke(app, ["report", str(runs_dir), "--lang", "ko"])
    assert done.exit_code == 0, done.output
    assert '<html lang="ko">' in (runs_dir / "index.html").read_text()
    done = cli.invoke(app, ["memo", str(run_dir), "--lang", "ko"])
    assert done.exit_code == 0, done.output
    assert '<html lang="ko">' in (run_dir / "memo.html").read_text()
    refused = cli.invoke(app, ["report", str(runs_dir), "--lang", "jp"])
    assert refused.exit_code == 2


@pytest.mark.parametrize(
    "command", ["run", "batch", "report", "memo", "demo", "check", "init"]
)
def test_every_reporting_command_offers_lang(command):
    done = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--lang" in done.output


def test_check_reads_amounts_in_won_and_says_how(write_charter):
    def korean_amounts(raw):
        raw["budget"]["amount"] = "2억"
        raw["kpi"]["min_lift"] = "200만원"

    path = write_charter(korean_amounts)
    report = charter_check.check(path)
    notes = [p for p in report.problems if p.severity == "note" and "read" in p.message]
    assert {p.path for p in notes} == {"budget.amount", "kpi.min_lift"}
    assert any("200,000,000" in p.message for p in notes)
    loaded = charter.load(path)
    assert loaded.need("budget").amount == 200_000_000
    assert loaded.need("kpi").min_lift == 2_000_000


def test_an_amount_that_is_no_amount_stays_a_blocker(write_charter):
    path = write_charter(lambda raw: raw["budget"].update(amount="이억 정도"))
    report = charter_check.check(path)
    assert [p.path for p in report.blockers] == ["budget.amount"]
    assert "200만원" in report.blockers[0].hint


def test_init_reads_won_and_says_what_it_read():
    assert charter_init.parse_answer("budget.amount", "2억") == 200_000_000
    assert charter_init.parse_answer("kpi.min_lift", "1,500,000원") == 1_500_000
    assert charter_init.parse_answer("poc", "2억") == "2억"  # text stays text
    said = charter_init.amounts_read(
        ["budget.amount=2억", "kpi.min_lift=2000000"], language="ko"
    )
    assert said == ["budget.amount=2억 값을 금액 200,000,000으로 읽었습니다."]


def test_check_lang_ko_sums_up_in_korean(write_charter):
    path = write_charter()
    done = CliRunner().invoke(app, ["check", str(path), "--lang", "ko"])
    assert "차터가 준비되었습니다" in done.output
    english = CliRunner().invoke(app, ["check", str(path)])
    assert "the charter is ready" in english.output
