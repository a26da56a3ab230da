from pathlib import Path

import pytest
import yaml

from playbook import charter
from playbook.charter import overrides as parameters
from playbook.charter.overrides import ParameterError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fields():
    return yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())


def test_grid_gives_every_combination_with_the_first_parameter_slowest():
    grid = {"seed": [1, 2], "kpi.capacity_per_period": [200, 300]}
    assert parameters.expand_grid(grid) == [
        {"seed": 1, "kpi.capacity_per_period": 200},
        {"seed": 1, "kpi.capacity_per_period": 300},
        {"seed": 2, "kpi.capacity_per_period": 200},
        {"seed": 2, "kpi.capacity_per_period": 300},
    ]
    assert parameters.expand_grid({}) == [{}]


def test_a_known_plain_field_can_be_overridden(fields):
    parameters.check_overrides(
        fields,
        {"kpi.capacity_per_period": 300, "kpi.min_lift": 2.5e6},
        where="spec",
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"kpi.capacity_per_periodd": 3},
            r"unknown parameter 'kpi.capacity_per_periodd'.*Did you mean "
            r"kpi.capacity_per_period",
        ),
        ({"nothing.here": 1}, "unknown parameter 'nothing.here'"),
        ({"kpi": 3}, "kpi is a section"),
        ({"business.users": "x"}, "business.users is a list"),
        ({"poc": "other"}, "poc cannot vary"),
        ({"data.path": "x.csv"}, "data.path cannot vary"),
        ({"kpi.min_lift": [1, 2]}, r"kpi.min_lift: expected a number"),
    ],
    ids=["typo", "unknown", "section", "list", "poc", "data path", "list value"],
)
def test_overrides_that_name_no_plain_field_are_refused(fields, overrides, message):
    with pytest.raises(ParameterError, match=message):
        parameters.check_overrides(fields, overrides, where="spec.yaml: pocs[0]")


def test_derived_charter_has_the_new_value_and_absolute_data_paths(tmp_path):
    source = REPO / "templates" / "churn.yaml"
    text = parameters.derive_charter(source, {"kpi.capacity_per_period": 321})
    copy = tmp_path / "elsewhere" / "charter.yaml"
    copy.parent.mkdir()
    copy.write_text(text)

    derived = charter.load(copy)
    original = charter.load(source)

    assert derived.kpi.capacity_per_period == 321
    assert derived.data.path == original.data.path
    assert derived.data.checks == original.data.checks
    assert derived.kpi.min_lift == original.kpi.min_lift
    assert "kpi.capacity_per_period=321" in text.splitlines()[1]


def test_override_values_stay_data_and_are_never_evaluated(tmp_path):
    source = REPO / "templates" / "churn.yaml"
    sneaky = "__import__('os').system('touch pwned')"
    text = parameters.derive_charter(source, {"title": sneaky})
    copy = tmp_path / "charter.yaml"
    copy.write_text(text)
    assert charter.load(copy).title == sneaky
    assert not (tmp_path / "pwned").exists()


def test_fingerprint_changes_with_any_input_and_ignores_override_order():
    base = {
        "charter_sha256": "a" * 64,
        "data_sha256": "b" * 64,
        "seed": 1,
        "overrides": {"x.y": 1, "x.z": 2},
        "stages": [1, 2, 3],
    }
    same = parameters.fingerprint(**{**base, "overrides": {"x.z": 2, "x.y": 1}})
    assert parameters.fingerprint(**base) == same
    for change in (
        {"seed": 2},
        {"data_sha256": "c" * 64},
        {"overrides": {"x.y": 3, "x.z": 2}},
        {"stages": [1, 2]},
        {"notebooks": Path("/elsewhere")},
    ):
        assert parameters.fingerprint(**{**base, **change}) != same


def test_derived_charter_makes_every_data_file_beside_it_absolute(tmp_path):
    for name in ("d.csv", "fresh.csv", "churned"):
        (tmp_path / name).write_text("x\n")
    source = tmp_path / "charter.yaml"
    source.write_text(
        yaml.safe_dump(
            {
                "poc": "p",
                "data": {
                    "path": "d.csv",
                    "checks": "c.yaml",
                    "fresh": "fresh.csv",
                    "target": "churned",
                    "sql": {"url": "sqlite:///d.csv"},
                },
            }
        )
    )
    data = yaml.safe_load(parameters.derive_charter(source, {}))["data"]
    assert data == {
        "path": str(tmp_path / "d.csv"),
        "checks": str(tmp_path / "c.yaml"),
        "fresh": str(tmp_path / "fresh.csv"),
        "target": "churned",
        "sql": {"url": "sqlite:///d.csv"},
    }


def test_a_data_file_not_there_yet_is_still_named_beside_the_charter(tmp_path):
    # The derived copy is loaded from a temporary folder: a relative path left as it
    # was would point there and be refused as outside the allowed folders, not as
    # missing.
    source = tmp_path / "charter.yaml"
    source.write_text(
        yaml.safe_dump({"poc": "p", "data": {"path": "d.csv", "fresh": "later.csv"}})
    )
    data = yaml.safe_load(parameters.derive_charter(source, {}))["data"]
    assert data["fresh"] == str(tmp_path / "later.csv")
    assert data["path"] == str(tmp_path / "d.csv")
