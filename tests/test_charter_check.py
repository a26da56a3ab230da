"""`playbook check`: every problem at once, with file, line, column, field and hint."""

import json
import re
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml
from cli_in_process import run_cli

from playbook import charter, data
from playbook.charter import check as charter_check
from playbook.charter import field_table, json_schema, team, yaml_reader
from playbook.charter.data_fields import ForecastCalendar
from playbook.charter.fields import MAX_AMOUNT, MAX_COUNT
from playbook.errors import CharterError, DataError

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((REPO / "templates").glob("*.yaml"))
CHURN = (REPO / "templates" / "churn.yaml").read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _edit(old: str, new: str) -> str:
    assert old in CHURN, old
    return CHURN.replace(old, new, 1)


def _check(tmp_path, text: str | bytes):
    path = tmp_path / "charter.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return charter_check.check(path, shown="charter.yaml")


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_every_template_passes_check_without_blockers(template):
    report = charter_check.check(template)
    assert report.exit_code == 0, "\n".join(charter_check.as_text(report))
    assert charter.load(template).poc


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.stem for t in TEMPLATES])
def test_every_template_validates_against_the_committed_json_schema(template):
    schema = json.loads((REPO / "schema" / "charter.schema.json").read_text())
    raw = json.loads(json.dumps(yaml.safe_load(template.read_text()), default=str))
    jsonschema.Draft202012Validator(schema).validate(raw)


def test_committed_json_schema_is_the_generated_one():
    committed = (REPO / "schema" / "charter.schema.json").read_text(encoding="utf-8")
    assert committed == json_schema.schema_text(), (
        "regenerate it: playbook check --print-schema > schema/charter.schema.json"
    )


def test_json_schema_refuses_a_wrong_type_and_an_unknown_key():
    schema = json_schema.json_schema()
    raw = json.loads(json.dumps(yaml.safe_load(CHURN), default=str))
    raw["kpi"]["min_lift"] = "five percent"
    raw["kpi"]["min_lfit"] = 3
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(raw))
    assert len(errors) == 2


def test_schema_names_every_field_the_charter_dataclasses_hold():
    sections = {
        "business": charter.Business,
        "kpi": charter.Kpi,
        "prediction": charter.Prediction,
        "success": charter.Success,
        "split": charter.Split,
        "drift": charter.Drift,
        "experiment": charter.Experiment,
        "budget": charter.Budget,
        "timeline": charter.Timeline,
    }
    for name, cls in sections.items():
        fields = {f.name for f in cls.__dataclass_fields__.values()}
        schema = {f.name for f in field_table.field_at(name).fields}
        assert fields <= schema, (name, fields - schema)
    # A forecast's calendar fields sit in data, read into one dataclass.
    data_fields = (set(charter.Data.__dataclass_fields__) - {"sql", "calendar"}) | set(
        ForecastCalendar.__dataclass_fields__
    )
    assert data_fields <= {f.name for f in field_table.field_at("data").fields}


def test_schema_roles_are_the_roles_stage_2_reviews():
    assert tuple(role.key for role in team.ROLES) == field_table.ROLE_KEYS


def test_schema_choices_match_the_charter_loader():
    assert field_table.field_at("baseline.today").choices == charter.BASELINES
    assert field_table.field_at("kpi.kind").choices == charter.KPI_KINDS
    assert field_table.field_at("data.access").choices == charter.ACCESS_MODES


BAD = [
    (
        "yaml syntax error",
        "version: 1\npoc: [unclosed\nbusiness: {}\n",
        (3, 9),
        r"not valid YAML at line 3, column 9",
    ),
    ("empty file", "", (1, 1), r"an empty file"),
    ("only a comment", "# nothing yet\n", (1, 1), r"an empty file"),
    ("a list, not fields", "- version\n- poc\n", (1, 1), r"expected a mapping"),
    (
        "non-UTF-8 bytes",
        "version: 1\npoc: 이탈\n".encode("euc-kr"),
        (2, 6),
        r"not UTF-8 text \(byte 16, 0xc0",
    ),
    (
        "duplicate key",
        _edit("  contact_cost: 12000", "  contact_cost: 12000\n  contact_cost: 9000"),
        (_line_of(CHURN, "contact_cost:") + 1, 3),
        r"kpi\.contact_cost appears twice \(first on line \d+\)",
    ),
    (
        "wrong type",
        _edit("min_lift: 2000000 ", "min_lift: five percent "),
        (_line_of(CHURN, "min_lift:"), 13),
        r"kpi\.min_lift: expected a number such as 2000000, got 'five percent'",
    ),
    (
        "negative budget",
        _edit("amount: 24000000", "amount: -5"),
        (_line_of(CHURN, "amount: 24000000"), 11),
        r"budget\.amount: expected a number of at least 0, got -5",
    ),
    (
        "absurd capacity",
        _edit("capacity_per_period: 250 ", f"capacity_per_period: {10**40} "),
        (_line_of(CHURN, "capacity_per_period:"), 24),
        r"kpi\.capacity_per_period: expected a whole number of at most 1000000000, "
        r"got 10{40}",
    ),
    (
        "absurd amount",
        _edit(
            "value_per_saved_customer: 480000 ", f"value_per_saved_customer: {10**20} "
        ),
        (_line_of(CHURN, "value_per_saved_customer:"), 29),
        r"kpi\.value_per_saved_customer: expected a number of at most "
        r"1000000000000000, got 10{20}",
    ),
    (
        "unknown key",
        _edit("  min_lift: 2000000 ", "  min_lfit: 2000000 "),
        (_line_of(CHURN, "min_lift:"), 3),
        r"kpi\.min_lfit: unknown field",
    ),
    (
        "date that is not a date",
        _edit("end: 2026-04-30", "end: end of April"),
        (_line_of(CHURN, "end: 2026-04-30"), 8),
        r"timeline\.end: expected a date such as 2026-01-31, got 'end of April'",
    ),
    (
        "python object tag",
        "version: 1\npoc: !!python/object/apply:os.system ['echo hi']\n",
        (2, 6),
        r"tag !!python/object/apply:os\.system, which asks to build an object",
    ),
    (
        "future version",
        _edit("version: 1", "version: 3").replace("poc:", "pocc:"),
        (_line_of(CHURN, "version: 1"), 10),
        r"version 3 is newer than this playbook understands \(up to 1\)",
    ),
    (
        "unknown choice",
        _edit("mode: batch", "mode: realtime"),
        (_line_of(CHURN, "mode: batch"), 9),
        r"prediction\.mode: expected one of batch, real_time, got 'realtime'",
    ),
    (
        "end before start",
        _edit("end: 2026-04-30", "end: 2025-04-30"),
        (_line_of(CHURN, "end: 2026-04-30"), 8),
        r"timeline\.end: expected a date after start \(2026-01-05\)",
    ),
    (
        "rule value YAML reads as true",
        _edit("value: monthly}", "value: yes}"),
        (_line_of(CHURN, "value: monthly}"), 45),
        r"conditions\[0\]\.value: expected a number or some text, got True",
    ),
    *(
        (
            f"data.{name} {value}",
            _edit(
                "  time: snapshot_month\n",
                f"  time: snapshot_month\n  {name}: {value}\n",
            ),
            (_line_of(CHURN, "time: snapshot_month") + 1, len(name) + 5),
            rf"data\.{name}: expected {expected}, got {shown}",
        )
        for name, value, expected, shown in (
            ("encoding", "utf-99", "a text encoding such as utf-8, .*", "'utf-99'"),
            ("delimiter", "';;'", "one character such as ';' or ','", "';;'"),
            (
                "time_format",
                "'%m'",
                r"a strftime pattern with the year \(%Y .*",
                "'%m'",
            ),
        )
    ),
]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_check_says_what_and_where_for_bad_input(tmp_path, text, where, message):
    report = _check(tmp_path, text)

    assert report.exit_code == 2
    found = [p for p in report.blockers if re.search(message, p.message)]
    assert found, [str(p) for p in report.problems]
    assert (found[0].line, found[0].column) == where
    assert str(found[0]).startswith(f"charter.yaml:{where[0]}:{where[1]}: blocker: ")
    assert found[0].hint
    with pytest.raises(CharterError):
        charter.load(tmp_path / "charter.yaml")


def test_counts_and_amounts_pass_up_to_their_bound_and_not_past_it(tmp_path):
    at_bound = _edit("capacity_per_period: 250 ", f"capacity_per_period: {MAX_COUNT} ")
    at_bound = at_bound.replace("amount: 24000000", f"amount: {MAX_AMOUNT}")
    assert not _check(tmp_path, at_bound).blockers

    past = at_bound.replace(f"amount: {MAX_AMOUNT}", f"amount: {MAX_AMOUNT + 1}")
    blockers = _check(tmp_path, past).blockers
    assert [p.path for p in blockers] == ["budget.amount"]
    assert blockers[0].hint == "Use a value from 0 to 1000000000000000."


def test_unknown_key_and_choice_get_a_did_you_mean(tmp_path):
    text = _edit("  min_lift: 2000000 ", "  min_lfit: 2000000 ").replace(
        "mode: batch", "mode: batchh"
    )
    hints = [p.hint for p in _check(tmp_path, text).blockers]
    assert "Did you mean min_lift?" in hints
    assert "Did you mean batch?" in hints


def test_a_route_without_keywords_is_a_blocker(tmp_path):
    routing = (REPO / "templates" / "ticket_routing.yaml").read_text(encoding="utf-8")
    old = '["cancel*", "close my account", "unsubscribe"]'
    assert old in routing
    report = _check(tmp_path, routing.replace(old, '[" "]', 1))
    assert [p.message for p in report.blockers] == [
        "baseline.routes[0].keywords is empty: expected a list of text items"
    ]
    with pytest.raises(CharterError, match=r"routes\[0\]\.keywords is empty"):
        charter.load(tmp_path / "charter.yaml")


def test_a_future_version_is_the_only_problem_reported(tmp_path):
    report = _check(tmp_path, _edit("version: 1", "version: 2") + "\nnew_field: 1\n")
    assert [p.path for p in report.problems] == ["version"]
    assert "Upgrade playbook" in report.problems[0].hint


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path):
    padding = "# " + "x" * 100 + "\n"
    text = CHURN + padding * (yaml_reader.MAX_CHARTER_BYTES // len(padding) + 1)
    report = _check(tmp_path, text)
    assert report.exit_code == 2
    assert "over the 1,000,000 a charter may have" in report.problems[0].message


def test_aliases_that_expand_exponentially_are_checked_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}] " + f"# {i}" for i in range(1, 40)]
    report = _check(tmp_path, "\n".join(lines) + "\n")
    assert report.exit_code == 2
    assert any("unknown field" in p.message for p in report.problems)


def test_check_reports_every_problem_at_once_in_file_order(tmp_path):
    text = (
        _edit("min_lift: 2000000 ", "min_lift: five percent ")
        .replace("amount: 24000000", "amount: -5")
        .replace("  unit: KRW", "  unti: KRW", 1)
        .replace("end: 2026-04-30", "end: soon")
    )
    report = _check(tmp_path, text)
    paths = [p.path for p in report.blockers]
    assert {
        "kpi.min_lift",
        "budget.amount",
        "kpi.unti",
        "kpi.unit",
        "timeline.end",
    } <= set(paths)
    assert [p.line for p in report.problems] == sorted(p.line for p in report.problems)


def test_load_lists_every_blocking_problem_in_one_error(tmp_path):
    text = _edit("min_lift: 2000000 ", "min_lift: five percent ").replace(
        "amount: 24000000", "amount: -5"
    )
    path = tmp_path / "charter.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CharterError) as raised:
        charter.load(path)
    message = str(raised.value)
    assert "2 problems in the charter" in message
    assert f"{path}:{_line_of(CHURN, 'min_lift:')}:13: blocker: kpi.min_lift" in message
    assert "budget.amount" in message


READINESS = [
    ("no baseline", ("baseline",), "baseline"),
    ("no minimum lift", ("kpi", "min_lift"), "kpi.min_lift"),
    ("no success metric", ("success", "metric"), "success.metric"),
    ("no decision", ("business", "decision"), "business.decision"),
    ("no users", ("business", "users"), "business.users"),
    ("no label definition", ("data", "label_definition"), "data.label_definition"),
]


@pytest.mark.parametrize(
    ("drop", "path"),
    [case[1:] for case in READINESS],
    ids=[case[0] for case in READINESS],
)
def test_check_blocks_a_charter_that_cannot_be_judged(write_charter, drop, path):
    def edit(raw):
        node = raw
        for key in drop[:-1]:
            node = node[key]
        del node[drop[-1]]

    report = charter_check.check(write_charter(edit))
    assert report.exit_code == 2
    assert path in [p.path for p in report.blockers]


def test_a_missing_target_blocks_with_its_place(write_charter):
    report = charter_check.check(write_charter(lambda raw: raw["data"].pop("target")))
    blocker = next(p for p in report.blockers if p.path == "data.target")
    assert "data.target is missing" in blocker.message
    assert "target: churned" in blocker.hint


WARNINGS = [
    ("timeline over six months", ("timeline", "end"), "2026-12-31", "too aggressive"),
    ("timeline under two months", ("timeline", "end"), "2026-02-01", "under 2"),
    ("no budget", ("budget",), None, "no budget"),
    (
        "roles missing",
        ("team", "roles", "devops"),
        None,
        "nobody holds ml_engineer, devops",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [case[1:] for case in WARNINGS],
    ids=[case[0] for case in WARNINGS],
)
def test_check_warns_but_passes(write_charter, path, value, message):
    def edit(raw):
        node = raw
        for key in path[:-1]:
            node = node[key]
        if value is None and path[-1] != "devops":
            del node[path[-1]]
        else:
            node[path[-1]] = value

    report = charter_check.check(write_charter(edit))
    assert report.exit_code == 0
    assert any(message in p.message for p in report.warnings), [
        str(p) for p in report.problems
    ]


def test_a_column_the_data_lacks_is_a_blocker_when_the_data_is_there(tmp_path):
    text = _edit("column: support_calls_90d", "column: support_calls")
    pd.DataFrame(
        columns=[
            "customer_id",
            "snapshot_month",
            "contract",
            "support_calls_90d",
            "late_payments_12m",
            "churned",
        ]
    ).to_csv(tmp_path / "churn_SYNTHETIC.csv", index=False)
    report = _check(tmp_path, text)
    blocker = next(p for p in report.blockers)
    assert blocker.path == "baseline.rule.conditions[1].column"
    assert blocker.line == _line_of(CHURN, "support_calls_90d")
    assert "the data has no column 'support_calls'" in blocker.message
    assert "support_calls_90d" in blocker.hint


def test_columns_are_not_checked_when_the_data_is_not_there(tmp_path):
    report = _check(tmp_path, CHURN)
    note = next(p for p in report.problems if p.severity == "note")
    assert "data columns not checked" in note.message
    assert report.exit_code == 0


def test_named_columns_are_the_ones_stage_3_requires(churn_charter):
    with pytest.raises(DataError) as raised:
        data.require_columns(pd.DataFrame(), poc=churn_charter)
    for path in charter_check.named_columns(churn_charter):
        assert path in str(raised.value)


def test_check_command_prints_compiler_lines_and_exits_2(tmp_path):
    path = tmp_path / "charter.yaml"
    path.write_text(_edit("min_lift: 2000000 ", "min_lift: five percent "))
    result = run_cli("check", "charter.yaml", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    line = _line_of(CHURN, "min_lift:")
    assert (
        f"charter.yaml:{line}:13: blocker: kpi.min_lift: expected a number such as "
        "2000000, got 'five percent'. Write a plain number" in result.stdout
    )
    assert "1 blocker" in result.stdout


def test_a_wrong_number_is_hinted_with_its_own_example_and_only_money_takes_won(
    tmp_path,
):
    text = _edit("min_lift: 2000000 ", "min_lift: two million ")
    report = _check(tmp_path, re.sub(r"confidence: [0-9.]+", "confidence: high", text))
    hints = {problem.path: problem.hint for problem in report.problems}
    assert hints["kpi.confidence"] == "Write a plain number such as 0.95."
    assert "200만원" in hints["kpi.min_lift"]


def test_check_command_passes_templates_and_prints_their_warnings():
    result = run_cli("check", *map(str, TEMPLATES), cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning:" in result.stdout


def test_check_command_prints_json_for_machines(tmp_path):
    path = tmp_path / "charter.yaml"
    path.write_text(_edit("amount: 24000000", "amount: -5"))
    result = run_cli("check", "charter.yaml", "--format", "json", cwd=tmp_path)
    assert result.returncode == 2
    rows = json.loads(result.stdout)
    assert set(rows[0]) == {
        "file",
        "line",
        "column",
        "path",
        "severity",
        "message",
        "hint",
    }
    assert any(
        r["path"] == "budget.amount" and r["severity"] == "blocker" for r in rows
    )


def test_check_command_prints_the_json_schema():
    result = run_cli("check", "--print-schema", cwd=REPO)
    assert result.returncode == 0
    assert json.loads(result.stdout) == json_schema.json_schema()


def test_strings_full_of_quotes_reach_the_charter_unchanged(tmp_path):
    tricky = "He said \"call {them}\" \\ now\nand {{0}} then '%s' ${HOME}"
    raw = yaml.safe_load(CHURN)
    raw["business"]["question"] = tricky
    raw["business"]["users"] = [tricky]
    path = tmp_path / "charter.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    assert charter_check.check(path).exit_code == 0
    poc = charter.load(path)
    assert poc.business.question == tricky
    assert poc.business.users == (tricky,)


@pytest.mark.journey
def test_tricky_strings_reach_stages_1_and_2_unchanged_and_harmless(tmp_path):
    from tiny import make_example

    from playbook.charter import business_stage, team_stage
    from playbook.charter.business_stage import BusinessEvidence
    from playbook.charter.team_stage import TeamEvidence
    from playbook.core import journey
    from playbook.run import runner

    tricky = (
        "He said \"call {them}\" \\ now\nand {{0}} then '%s' ${HOME} "
        "<script>alert(1)</script>"
    )
    charter_path = make_example(tmp_path / "example")
    raw = yaml.safe_load(charter_path.read_text())
    raw["business"]["question"] = tricky
    raw["business"]["decision"] = tricky
    raw["team"]["process"] = tricky
    raw["team"]["roles"]["ml_engineer"] = tricky
    charter_path.write_text(yaml.safe_dump(raw, sort_keys=False))

    result = runner.run_journey(charter_path, runs_dir=tmp_path / "runs", stages=[1, 2])

    assert result.exit_code == 0, result.manifest
    stage1 = journey.load(result.run_dir, business_stage.STAGE, BusinessEvidence)
    answers = [q.answer for q in stage1.evidence.review.questions]
    assert tricky in answers
    stage2 = journey.load(result.run_dir, team_stage.STAGE, TeamEvidence)
    holders = {r.role: r.holder for r in stage2.evidence.coverage.roles}
    assert holders["ml_engineer"] == tricky
    for page in ("01_business_question.html", "02_team.html"):
        assert "<script>alert(1)</script>" not in (result.run_dir / page).read_text()
