"""The reader's language: report.language in the charter, --lang, <html lang>."""

import json

import pytest
import yaml
from typer.testing import CliRunner

from playbook import charter
from playbook.charter import check as charter_check
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


@pytest.mark.parametrize("command", ["run", "batch", "report", "memo", "demo"])
def test_every_reporting_command_offers_lang(command):
    done = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--lang" in done.output
