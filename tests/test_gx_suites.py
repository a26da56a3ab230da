"""Great Expectations both ways: suites GX saved, `checks export`, and Data Docs."""

import json
import re
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from playbook.cli.app import app
from playbook.data import contracts
from playbook.errors import DataCheckError

CHURN_CONTRACT = Path(__file__).resolve().parents[1] / "data_checks" / "churn.yaml"
OURS = """suite: people
expectations:
  - type: expect_column_values_to_not_be_null
    column: id
  - type: expect_column_values_to_be_between
    column: age
    min_value: 18
    max_value: 120
    mostly: 0.95
  - type: expect_column_values_to_be_in_set
    column: plan
    value_set: [basic, plus]
"""


def _gx_saved(tmp_path: Path, name: str = "people") -> Path:
    """The suite of OURS, declared with GX's classes and saved as GX saves it."""
    context = gx.get_context(mode="ephemeral")
    suite = context.suites.add(
        gx.ExpectationSuite(
            name=name,
            expectations=[
                gxe.ExpectColumnValuesToNotBeNull(column="id"),
                gxe.ExpectColumnValuesToBeBetween(
                    column="age", min_value=18, max_value=120, mostly=0.95
                ),
                gxe.ExpectColumnValuesToBeInSet(
                    column="plan", value_set=["basic", "plus"]
                ),
            ],
        )
    )
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(suite.to_json_dict(), indent=2), encoding="utf-8")
    return path


def _write_json(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "suite.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- reading a suite GX saved ---------------------------------------------------------


def test_a_suite_saved_by_gx_reads_as_the_same_contract_as_ours(tmp_path):
    ours = tmp_path / "people.yaml"
    ours.write_text(OURS, encoding="utf-8")
    saved = _gx_saved(tmp_path)
    raw = json.loads(saved.read_text())
    assert {"id", "meta", "name", "notes"} <= set(raw)  # what was refused before
    assert all("id" in item and "kwargs" in item for item in raw["expectations"])

    from_gx = contracts.load_suite(saved)

    assert from_gx.name == "people"
    assert from_gx.expectations == contracts.load_suite(ours).expectations


def test_a_suite_saved_by_gx_gates_the_data_like_ours(tmp_path):
    suite = contracts.load_suite(_gx_saved(tmp_path))
    frame = pd.DataFrame(
        {"id": [1, 2, None], "age": [30, 40, 50], "plan": ["basic", "gold", "plus"]}
    )

    report = contracts.validate(frame, suite)

    assert not report.passed
    assert [(o.column, o.passed) for o in report.results] == [
        ("id", False),
        ("age", True),
        ("plan", False),
    ]
    assert contracts.failure_reasons(report)[0].startswith("people.json: ")


def test_an_expectation_of_warning_severity_still_fails_the_contract(tmp_path):
    # GX's own validation fails on it too: severity only routes notifications.
    document = {
        "name": "people",
        "expectations": [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "id"},
                "severity": "warning",
                "description": "ids are present",
                "notes": "owned by the CRM team",
            }
        ],
    }
    suite = contracts.load_suite(_write_json(tmp_path, document))

    report = contracts.validate(pd.DataFrame({"id": [1, None]}), suite)

    assert not report.passed


MALFORMED_GX = {
    "unknown-top-level-key": (
        {"name": "p", "expectations": [], "owner": "me"},
        r"unknown top-level key\(s\) 'owner'; a suite saved by Great Expectations "
        r"holds only name, id, meta, notes, suite_parameters and expectations",
    ),
    "no-name": (
        {"id": None, "meta": {}, "expectations": []},
        r"`name` \(GX's layout\) must name the suite.*; it is missing",
    ),
    "suite-parameters": (
        {"name": "p", "suite_parameters": {"low": 1}, "expectations": []},
        r"declares suite_parameters",
    ),
    "unknown-expectation-key": (
        {
            "name": "p",
            "expectations": [
                {"type": "expect_column_to_exist", "kwargs": {"column": "a"}, "x": 1}
            ],
        },
        r"expectations\[0\] \(expect_column_to_exist\): unknown key\(s\) 'x'",
    ),
    "kwargs-not-a-mapping": (
        {
            "name": "p",
            "expectations": [{"type": "expect_column_to_exist", "kwargs": ["a"]}],
        },
        r"expectations\[0\] \(expect_column_to_exist\): `kwargs` must be a mapping",
    ),
    "type-inside-kwargs": (
        {
            "name": "p",
            "expectations": [
                {"type": "expect_column_to_exist", "kwargs": {"type": "x"}}
            ],
        },
        r"`kwargs` holds a `type` argument",
    ),
    "suite-parameter-argument": (
        {
            "name": "p",
            "expectations": [
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": "a", "min_value": {"$PARAMETER": "low"}},
                }
            ],
        },
        r"expectations\[0\] \(expect_column_values_to_be_between\): min_value "
        r"takes the suite parameter 'low'",
    ),
    "unknown-type": (
        {
            "name": "p",
            "expectations": [
                {"type": "expect_column_to_exist", "kwargs": {"column": "a"}},
                {"type": "expect_colum_to_exist", "kwargs": {"column": "a"}},
            ],
        },
        r"expectations\[1\]: unknown expectation type 'expect_colum_to_exist' "
        r"\(did you mean 'expect_column_to_exist'",
    ),
    "bad-argument": (
        {
            "name": "p",
            "expectations": [
                {
                    "type": "expect_column_values_to_be_between",
                    "kwargs": {"column": "a", "min_vale": 1},
                }
            ],
        },
        r"expectations\[0\] \(expect_column_values_to_be_between\): bad arguments: "
        r"min_vale: not an argument",
    ),
    "no-expectations": (
        {"name": "p", "id": None, "expectations": []},
        r"`expectations` must be a non-empty list",
    ),
    "not-a-mapping": ([{"name": "p"}], r"expected a mapping"),
}


@pytest.mark.parametrize(
    ("document", "problem"), MALFORMED_GX.values(), ids=MALFORMED_GX.keys()
)
def test_a_malformed_gx_suite_is_refused_naming_the_file_and_the_problem(
    tmp_path, document, problem
):
    path = _write_json(tmp_path, document)

    with pytest.raises(DataCheckError, match=re.escape(str(path)) + ".*" + problem):
        contracts.load_suite(path)


def test_json_that_does_not_parse_is_refused_with_its_line_and_column(tmp_path):
    path = tmp_path / "suite.json"
    path.write_text('{\n  "name": "p",\n  "expectations": [,]\n}\n', encoding="utf-8")

    with pytest.raises(DataCheckError, match=r"not valid JSON at line 3, column 20"):
        contracts.load_suite(path)


# --- checks export --------------------------------------------------------------------


def test_export_writes_a_suite_gx_loads_and_we_read_back_the_same(tmp_path):
    out = tmp_path / "churn.gx.json"

    written = contracts.export_gx(CHURN_CONTRACT, out=out)

    ours = contracts.load_suite(CHURN_CONTRACT)
    loaded = gx.ExpectationSuite(**json.loads(out.read_text(encoding="utf-8")))
    assert written.expectations == len(ours.expectations) == len(loaded.expectations)
    assert loaded.name == "churn"
    assert [e.expectation_type for e in loaded.expectations] == [
        spec.type for spec in ours.expectations
    ]
    again = contracts.load_suite(out)
    assert (again.name, again.expectations) == (ours.name, ours.expectations)


bounds = st.floats(
    allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    low=bounds,
    high=bounds,
    mostly=st.floats(min_value=0.0, max_value=1.0) | st.none(),
)
def test_export_round_trips_any_bounds_exactly(tmp_path, low, high, mostly):
    low, high = min(low, high), max(low, high)
    extra = "" if mostly is None else f"    mostly: {mostly!r}\n"
    source = tmp_path / "bounds.yaml"
    source.write_text(
        "suite: bounds\nexpectations:\n"
        "  - type: expect_column_values_to_be_between\n    column: x\n"
        f"    min_value: {low!r}\n    max_value: {high!r}\n" + extra,
        encoding="utf-8",
    )
    out = tmp_path / "bounds.json"

    contracts.export_gx(source, out=out, force=True)

    (spec,) = contracts.load_suite(out).expectations
    assert spec.kwargs["min_value"] == low and spec.kwargs["max_value"] == high
    # GX leaves out `mostly` at its default of 1.0 (every row must pass): same meaning.
    assert spec.kwargs.get("mostly", 1.0) == (1.0 if mostly is None else mostly)


def test_export_refuses_to_replace_a_file_without_force(tmp_path):
    out = tmp_path / "churn.gx.json"
    out.write_text("keep me", encoding="utf-8")

    with pytest.raises(DataCheckError, match=r"already there.*--force"):
        contracts.export_gx(CHURN_CONTRACT, out=out)
    assert out.read_text(encoding="utf-8") == "keep me"

    contracts.export_gx(CHURN_CONTRACT, out=out, force=True)
    assert json.loads(out.read_text(encoding="utf-8"))["name"] == "churn"


def test_checks_export_command_writes_beside_the_contract_and_exits_by_outcome(
    tmp_path,
):
    contract = tmp_path / "people.yaml"
    contract.write_text(OURS, encoding="utf-8")

    first = CliRunner().invoke(app, ["checks", "export", str(contract)])
    again = CliRunner().invoke(app, ["checks", "export", str(contract)])
    broken = tmp_path / "broken.yaml"
    broken.write_text("suite: b\nexpectations: []\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["checks", "export", str(broken)])

    assert first.exit_code == 0, first.output
    assert "people.gx.json: suite 'people', 3 expectations" in first.output
    assert contracts.load_suite(tmp_path / "people.gx.json").expectations == (
        contracts.load_suite(contract).expectations
    )
    assert again.exit_code == 2 and "already there" in again.output
    assert bad.exit_code == 2 and "non-empty list" in bad.output
    assert not (tmp_path / "broken.gx.json").exists()


# --- Data Docs ------------------------------------------------------------------------


def remote_loads(folder: Path) -> list[str]:
    """Every script, stylesheet, image or frame a page or its CSS loads remotely."""
    remote = re.compile(r"^(https?:)?//", re.IGNORECASE)
    found = []
    for page in folder.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for tag, attribute in (
            ("script", "src"),
            ("link", "href"),
            ("img", "src"),
            ("iframe", "src"),
        ):
            found += [
                f"{page.name}: {node[attribute]}"
                for node in soup.find_all(tag)
                if remote.match(node.get(attribute) or "")
            ]
    for css in folder.rglob("*.css"):
        found += re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", css.read_text())
    return found


def test_data_docs_are_built_offline_with_personal_data_masked(tmp_path):
    contract = tmp_path / "people.yaml"
    contract.write_text(
        "suite: people\nexpectations:\n"
        "  - type: expect_column_values_to_match_regex\n    column: email\n"
        "    regex: '^[a-z]+@corp\\.example$'\n"
        "  - type: expect_column_values_to_be_in_set\n    column: note\n"
        "    value_set: [ok]\n"
        "  - type: expect_column_values_to_not_be_null\n    column: region\n",
        encoding="utf-8",
    )
    frame = pd.DataFrame(
        {
            "email": ["kim@corp.example", "lee.seoyeon@gmail.com", "park@corp.example"],
            "note": ["ok", "call 010-9876-5432", "ok"],
        }
    )
    docs = tmp_path / "run" / "data_docs"

    report = contracts.validate(
        frame, contracts.load_suite(contract), hidden=["email"], docs=docs
    )

    assert report.docs_page is not None
    page = docs / report.docs_page
    assert page.is_file() and page.parent.parent.parent.name == "people"
    assert remote_loads(docs) == []
    text = page.read_text(encoding="utf-8")
    assert "Unsuccessful Expectations" in text
    assert "region" in text and "is absent" in text
    everything = " ".join(p.read_text(encoding="utf-8") for p in docs.rglob("*.html"))
    assert "lee.seoyeon" not in everything and "9876" not in everything
    assert "xxx.xxxxxxx@xxxxx.xxx" in everything  # the hidden column, masked whole
    assert "###-####-####" in everything  # a phone number in an ordinary column


def test_no_data_docs_are_built_unless_asked(tmp_path):
    contract = tmp_path / "people.yaml"
    contract.write_text(OURS, encoding="utf-8")

    report = contracts.validate(
        pd.DataFrame({"id": [1], "age": [30], "plan": ["basic"]}),
        contracts.load_suite(contract),
    )

    assert report.passed and report.docs_page is None
    assert list(tmp_path.iterdir()) == [contract]


def test_run_data_docs_option_reaches_the_journey(monkeypatch, tmp_path):
    from playbook.run import runner

    asked = []

    def fake_journey(charter, **options):
        asked.append(options["data_docs"])
        raise DataCheckError("stopped here")

    monkeypatch.setattr(runner, "run_journey", fake_journey)

    result = CliRunner().invoke(app, ["run", str(tmp_path / "c.yaml"), "--data-docs"])
    plain = CliRunner().invoke(app, ["run", str(tmp_path / "c.yaml")])

    assert result.exit_code == 2 and "stopped here" in result.output
    assert plain.exit_code == 2
    assert asked == [True, False]
