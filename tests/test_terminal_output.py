"""Names from the user's data reach the terminal as plain, inert text."""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from playbook.cli import journey_output
from playbook.cli.app import app
from playbook.core.printable import printable
from playbook.run import runner

MARKUP = "x[/]y"
TITLE = "\x1b]0;owned\x07t"  # OSC: sets the terminal window's title
CLEAR = "\x1b[2J\x1b[Hc"  # ANSI: clears the screen
NEWLINE = "a\nDecision: GO"
HOSTILE = [MARKUP, TITLE, CLEAR, NEWLINE, "r\u202eev"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain name", "plain name"),
        ("고객 번호", "고객 번호"),
        (TITLE, "\\x1b]0;owned\\x07t"),
        (CLEAR, "\\x1b[2J\\x1b[Hc"),
        (NEWLINE, "a\\nDecision: GO"),
        ("tab\there", "tab\\there"),
        ("r\u202eev", "r\\u202eev"),
    ],
    ids=["plain", "korean", "osc", "ansi", "newline", "tab", "bidi"],
)
def test_control_characters_are_shown_as_visible_escapes(raw, expected):
    assert printable(raw) == expected


def test_a_message_keeps_its_own_lines_but_indents_every_later_one():
    assert printable("first\nsecond", keep_newlines=True) == "first\n  second"


def _no_control_characters(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text


def _fake_journey(tmp_path, monkeypatch):
    """`playbook run` whose journey 'ended' with hostile names in every field."""
    manifest = {
        "stages": {
            "03_data_strategy": {
                "number": 3,
                "title": "Data strategy",
                "status": "failed",
                "notebook": f"notebooks/{MARKUP}.ipynb",
                "error": {"cell": 2, "name": TITLE, "message": f"column {MARKUP}"},
            }
        },
        "gates": [
            {
                "gate": "data",
                "stage": "03_data_strategy",
                "passed": False,
                "reasons": [f"column {name!s} is missing" for name in HOSTILE],
            }
        ],
        "decision": "stop",
        "reasons": [CLEAR, NEWLINE],
        "kpi": {"metric": MARKUP, "model": 1.0, "baseline": 0.5, "unit": TITLE},
    }

    def run(charter, options, *, console):
        return runner.JourneyResult(tmp_path / MARKUP, 2, manifest)

    monkeypatch.setattr(journey_output, "run_with_progress", run)


def test_run_prints_hostile_names_plainly_and_exits_with_the_gates_code(
    tmp_path, monkeypatch
):
    _fake_journey(tmp_path, monkeypatch)
    result = CliRunner().invoke(app, ["run", str(tmp_path / "c.yaml")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    _no_control_characters(out)
    assert f"column {MARKUP} is missing" in out
    assert "\\x1b]0;owned\\x07t" in out
    # The newline in a reason cannot print a line of its own that looks like ours.
    assert "\nDecision: GO" not in out
    assert "a\\nDecision: GO" in out
    assert "Decision: STOP" in out


def test_an_error_naming_a_hostile_column_is_one_plain_line(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(data, index=False)
    for name in HOSTILE:
        result = CliRunner().invoke(
            app,
            ["checks", "suggest", str(data), "--target", name, "--out",
             str(tmp_path / "s.yaml")],
        )  # fmt: skip
        assert result.exit_code == 2, result.output
        _no_control_characters(result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert result.output.startswith("error: ")


def test_checks_suggest_comments_cannot_inject_expectations(tmp_path):
    data = tmp_path / "d.csv"
    injected = "evil\n  - type: expect_table_row_count_to_be_between\n    min_value: 0"
    frame = pd.DataFrame({"y": [0, 1] * 20, injected: range(40), TITLE: range(40)})
    frame.to_csv(data, index=False)
    out = tmp_path / "d.yaml"
    result = CliRunner().invoke(
        app, ["checks", "suggest", str(data), "--target", "y", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    _no_control_characters(result.output)
    text = out.read_text(encoding="utf-8")
    _no_control_characters(text)
    suite = yaml.safe_load(text)
    kinds = [item["type"] for item in suite["expectations"]]
    assert kinds.count("expect_table_row_count_to_be_between") == 1
    columns = {item.get("column") for item in suite["expectations"]}
    assert injected in columns and TITLE in columns  # the names themselves survive


def test_batch_lines_show_job_names_plainly():
    from rich.console import Console

    from playbook.cli import progress
    from playbook.run.batch import JobResult, Outcome
    from playbook.run.batch_spec import Job

    job = Job(
        index=0,
        poc=TITLE + MARKUP,
        charter=Path("c.yaml"),
        data=None,
        stages=(1,),
        seed=None,
        overrides={},
        notebooks=None,
        fingerprint=None,
    )
    console = Console(record=True, width=200, force_terminal=False)
    console.print(
        progress._finished_line(JobResult(job, Outcome.FAILED, 1, message=CLEAR))
    )
    shown = console.export_text()
    _no_control_characters(shown)
    assert "\\x1b]0;owned\\x07t" + MARKUP in shown


UNSHOWN = [TITLE, CLEAR, NEWLINE, "r\u202eev"]


@pytest.mark.parametrize("raw", UNSHOWN, ids=["osc", "ansi", "newline", "bidi"])
def test_an_unknown_charter_field_is_named_with_visible_escapes(raw, write_charter):
    from playbook.charter import check as charter_check

    def add_field(charter: dict) -> None:
        charter[raw] = 1
        charter["kpi"][raw] = 2

    report = charter_check.check(write_charter(add_field))

    unknown = [p.message for p in report.problems if "unknown field" in p.message]
    assert len(unknown) == 2
    for message in unknown:
        _no_control_characters(message)
        assert "\n" not in message
        assert printable(raw) in message


@pytest.mark.parametrize("raw", UNSHOWN, ids=["osc", "ansi", "newline", "bidi"])
@pytest.mark.parametrize("level", ["spec", "entry"])
def test_a_batch_spec_names_unknown_fields_with_visible_escapes(raw, level, tmp_path):
    from playbook.errors import BatchSpecError
    from playbook.run import batch

    entry = {"charter": "charter.yaml"}
    spec = {"pocs": [entry]}
    # A key of another type beside the text ones: sorting them must not crash.
    (spec if level == "spec" else entry).update({raw: 1, 7: 2})
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")

    with pytest.raises(BatchSpecError) as refused:
        batch.load_spec(path)

    message = str(refused.value)
    _no_control_characters(message)
    assert "\n" not in message
    assert f"unknown field(s) 7, {printable(raw)}" in message
