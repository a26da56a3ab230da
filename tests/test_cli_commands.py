"""What every command shares: readable help, --quiet, --verbose, usage errors."""

import logging
import re
from pathlib import Path

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from playbook.charter import init as charter_init
from playbook.cli.app import app
from playbook.run import runner

REPO = Path(__file__).resolve().parents[1]
COMMANDS = [
    ["run"],
    ["demo"],
    ["score"],
    ["batch"],
    ["report"],
    ["check"],
    ["init"],
    ["checks", "suggest"],
]
# A type shown as a placeholder (<path>, <list[Path]>, <int range>) or an argument
# in braces ({charter}); <poc> and <run-id> in a help sentence are words.
PLACEHOLDER = re.compile(
    r"<(?:path|str|int|float|bool|list\[\w+\]|int range|float range)>|\{[a-z_]+\}"
)


def every_command() -> list[list[str]]:
    """Every command of the app, found by walking it (new commands included)."""
    found = []

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            found.append(path)

    walk(get_command(app), [])
    return found


def test_the_walk_finds_every_known_command():
    assert all(command in every_command() for command in COMMANDS)


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_help_has_no_type_placeholders_and_offers_quiet_and_verbose(command):
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert not PLACEHOLDER.findall(result.output), result.output
    assert "-q, --quiet" in result.output
    assert "-v, --verbose" in result.output


def test_usage_line_names_arguments_in_capitals():
    result = CliRunner().invoke(app, ["run", "--help"])
    assert "run [OPTIONS] CHARTER\n" in result.output
    result = CliRunner().invoke(app, ["check", "--help"])
    assert "[CHARTERS]..." in result.output


@pytest.mark.parametrize("stages", ["9", "0-3", "4-2", "x", "6"])
def test_a_bad_stages_is_a_usage_error_before_anything_runs(
    tmp_path, monkeypatch, stages
):
    def never(*args, **kwargs):
        raise AssertionError("the journey must not start")

    monkeypatch.setattr(runner, "run_journey", never)
    charter = tmp_path / "charter.yaml"
    charter.write_text("poc: x\n")
    result = CliRunner().invoke(app, ["run", str(charter), "--stages", stages])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--stages'" in result.output
    assert not (tmp_path / "runs").exists()


def test_quiet_prints_only_errors_and_verbose_prints_debug_lines(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("poc: [\n")
    good_runs = tmp_path / "runs"
    good_runs.mkdir()
    quiet = CliRunner().invoke(app, ["report", str(good_runs), "--quiet"])
    assert quiet.exit_code == 0
    assert quiet.output == ""
    normal = CliRunner().invoke(app, ["report", str(good_runs)])
    assert "Portfolio:" in normal.output
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "nope"), "-q"])
    assert missing.exit_code == 1
    assert "error:" in missing.output and "no such runs folder" in missing.output
    both = CliRunner().invoke(app, ["report", str(good_runs), "-q", "-v"])
    assert both.exit_code == 2


def test_verbose_sets_the_playbook_logger_to_debug_and_resets_after(tmp_path):
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record)

    logger = logging.getLogger("playbook")
    keep = Keep(level=logging.DEBUG)
    logger.addHandler(keep)
    try:
        (tmp_path / "runs").mkdir()
        CliRunner().invoke(app, ["report", str(tmp_path / "runs"), "--verbose"])
        assert logger.level == logging.DEBUG
        logging.getLogger("playbook.run.runner").debug("a debug line")
        assert [record.getMessage() for record in seen] == ["a debug line"]
        CliRunner().invoke(app, ["report", str(tmp_path / "runs")])
        assert logger.level == logging.WARNING
        CliRunner().invoke(app, ["report", str(tmp_path / "runs"), "--quiet"])
        assert logger.level == logging.ERROR
    finally:
        logger.removeHandler(keep)


def test_ticket_routing_is_listed_wherever_templates_are():
    demo_help = CliRunner().invoke(app, ["demo", "--help"], env={"COLUMNS": "300"})
    init_help = CliRunner().invoke(app, ["init", "--help"], env={"COLUMNS": "300"})
    for name in charter_init.templates():
        assert name in demo_help.output.split("Options:")[0], name
        assert name in init_help.output, name
    ignored = (REPO / ".gitignore").read_text().splitlines()
    clean = (REPO / "Makefile").read_text().split("\nclean:", 1)[1]
    for name in charter_init.templates():
        assert f"examples/{name}/" in ignored, name
        assert f"examples/{name}" in clean, name
    assert yaml.safe_load((REPO / "templates" / "ticket_routing.yaml").read_text())
