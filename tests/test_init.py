"""`playbook init`: a charter from a template, from prompts or flags, that passes."""

from pathlib import Path

import pytest
import yaml
from cli_in_process import run_cli
from typer.testing import CliRunner

from playbook import charter
from playbook.charter import check
from playbook.charter import init as charter_init
from playbook.cli.app import app
from playbook.errors import CharterError, PlaybookError

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((REPO / "templates").glob("*.yaml"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_init_from_every_template_passes_check_and_keeps_comments(tmp_path, template):
    out = tmp_path / "charter.yaml"
    result = charter_init.write(template, out, {"poc": "my-poc"})
    assert result.report.exit_code == 0
    text = out.read_text()
    assert "poc: my-poc" in text
    comments = [line for line in template.read_text().splitlines() if "#" in line]
    assert sum(line in text for line in comments) >= len(comments) - 1
    assert check.check(out).exit_code == 0


def test_init_applies_flags_and_an_answers_file(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "kpi:\n  min_lift: 3500000\nbusiness.users: [Desk, Head of care]\n"
        "team.roles.ml_engineer: Platform team\ndata.series: store\n"
    )
    result = run_cli(
        "init",
        "--answers",
        "answers.yaml",
        "--set",
        "poc=retention-2026",
        "--set",
        "timeline.end=2026-05-31",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    poc = charter.load(tmp_path / "charter.yaml")
    assert poc.poc == "retention-2026"
    assert poc.kpi.min_lift == 3_500_000
    assert poc.business.users == ("Desk", "Head of care")
    assert poc.team.roles["ml_engineer"] == "Platform team"
    assert poc.data.series == "store"
    assert str(poc.timeline.end) == "2026-05-31"
    assert (
        "# calls the desk can make per month" in (tmp_path / "charter.yaml").read_text()
    )


def test_init_never_overwrites_without_force(tmp_path):
    (tmp_path / "charter.yaml").write_text("mine\n")
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 1
    assert "never overwrites" in result.stdout
    assert (tmp_path / "charter.yaml").read_text() == "mine\n"
    assert run_cli("init", "--force", cwd=tmp_path).returncode == 0
    assert charter.load(tmp_path / "charter.yaml").poc == "churn-retention"


def test_init_refuses_answers_that_do_not_fit_and_writes_nothing(tmp_path):
    result = run_cli(
        "init",
        "--set",
        "kpi.min_lift=five percent",
        "--set",
        "kpi.min_lfit=3",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "kpi.min_lift: expected a number" in result.stdout
    assert "Did you mean kpi.min_lift?" in result.stdout
    assert not (tmp_path / "charter.yaml").exists()


def test_init_refuses_a_charter_that_would_not_pass_check(tmp_path):
    with pytest.raises(CharterError, match=r"business\.decision"):
        charter_init.write(
            REPO / "templates" / "churn.yaml",
            tmp_path / "charter.yaml",
            {"business.decision": None},
        )
    assert list(tmp_path.iterdir()) == []


def test_init_names_the_templates_when_one_is_unknown():
    with pytest.raises(PlaybookError, match=r"Did you mean churn\?.*fraud"):
        charter_init.template_path("churm")


def test_init_asks_each_field_again_until_the_answer_fits(tmp_path):
    template = (REPO / "templates" / "churn.yaml").read_text()
    typed = {"kpi.min_lift": ["lots", "-", "2500000"], "poc": ["Bad Id!", "new-poc"]}
    problems = []

    def ask(question, problem):
        if problem:
            problems.append(problem)
        queue = typed.get(question.path)
        return queue.pop(0) if queue else ""

    answers = charter_init.ask_all(template, ask)
    assert answers == {"kpi.min_lift": 2500000, "poc": "new-poc"}
    assert any("kpi.min_lift: expected a number" in p for p in problems)
    assert any("short id" in p for p in problems)


def test_init_asks_only_the_kpi_fields_of_the_templates_kind():
    text = (REPO / "templates" / "churn.yaml").read_text()
    asked = [q.path for q in charter_init.questions(text)]
    assert "kpi.capacity_per_period" in asked
    assert "kpi.season_length" not in asked
    assert "team.roles.security" in asked
    assert all(q.help for q in charter_init.questions(text))


def test_init_prompts_in_a_terminal_session(tmp_path):
    questions = charter_init.questions((REPO / "templates" / "churn.yaml").read_text())
    lines = ["" for _ in questions]
    lines[[q.path for q in questions].index("kpi.min_lift")] = "2500000"
    result = run_cli(
        "init", "--interactive", cwd=tmp_path, stdin="\n".join(lines) + "\n"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kpi.min_lift: The extra value per period" in result.stdout
    assert charter.load(tmp_path / "charter.yaml").kpi.min_lift == 2_500_000


def test_tricky_text_survives_init(tmp_path):
    tricky = 'He said "call {them}" \\ now # not a comment: {0} %s'
    out = tmp_path / "charter.yaml"
    charter_init.write(
        REPO / "templates" / "churn.yaml", out, {"business.question": tricky}
    )
    assert yaml.safe_load(out.read_text())["business"]["question"] == tricky


def test_init_shows_a_templates_hostile_default_escaped(tmp_path):
    hostile = "Chief\x1b]0;owned\x07 \x1b[2Jofficer"
    raw = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())
    raw["business"]["sponsor"] = hostile
    template = tmp_path / "hostile.yaml"
    template.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    asked = charter_init.questions(template.read_text(encoding="utf-8"))
    assert "business.sponsor" in [question.path for question in asked]

    out = tmp_path / "c.yaml"
    result = CliRunner().invoke(
        app,
        ["init", "--template", str(template), "--out", str(out), "--interactive"],
        input="\n" * len(asked),
    )

    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "[Chief\\x1b]0;owned\\x07 \\x1b[2Jofficer]" in result.output
