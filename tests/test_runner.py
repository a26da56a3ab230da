import sys

import pytest

from playbook import errors
from playbook.core import slow_imports
from playbook.errors import StageSelectionError
from playbook.run import runner


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, [1, 2, 3, 4, 5, 6, 7]),
        ("1-4", [1, 2, 3, 4]),
        ("3,4", [3, 4]),
        ("1-3, 6, 4", [1, 2, 3, 4, 6]),
        ("7", [7]),
    ],
    ids=["all", "range", "list", "mixed", "single"],
)
def test_parse_stages_reads_ranges_and_lists(text, expected):
    assert runner.parse_stages(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a-b", "not a stage number"),
        ("0-3", "outside 1-7"),
        ("5-2", "runs backwards"),
        ("8", "outside 1-7"),
        ("6", "stage 6 uses the results of stage 4"),
    ],
    ids=["letters", "zero", "backwards", "too high", "missing dependency"],
)
def test_parse_stages_explains_bad_selections(text, message):
    with pytest.raises(StageSelectionError, match=message):
        runner.parse_stages(text)


def test_new_run_dirs_never_collide_and_sort_by_time(tmp_path):
    made = [runner.new_run_dir(tmp_path, "poc") for _ in range(5)]
    assert len(set(made)) == 5
    assert [path.name for path in made] == sorted(path.name for path in made)


def test_errors_raised_in_notebooks_map_to_exit_codes_by_name():
    assert errors.exit_code_for("DataError") == 2
    assert errors.exit_code_for("CharterError") == 2
    assert errors.exit_code_for("DataCheckError") == 2
    assert errors.exit_code_for("KeyError") == 1
    assert errors.exit_code_for("StageSelectionError") == 1


def test_missing_data_file_fails_before_a_run_folder_is_made(churn_charter, tmp_path):
    with pytest.raises(errors.DataError, match="no such data file"):
        runner.run_journey(
            churn_charter.source, runs_dir=tmp_path, data_path=tmp_path / "x.csv"
        )
    assert not any(tmp_path.iterdir())


def test_a_running_notebook_is_saved_at_most_every_few_seconds():
    from playbook.run.journey_engine import sparse_saves

    now, saved = [100.0], []
    save = sparse_saves(
        lambda **kwargs: saved.append((now[0], kwargs)), every=5.0, clock=lambda: now[0]
    )
    for moment in (100.0, 101.0, 104.9, 105.0, 106.0, 109.9, 111.0, 111.5):
        now[0] = moment
        save(nb="node")
    # 5 s after the save before the first cell, then 5 s after each save made.
    assert saved == [(105.0, {"nb": "node"}), (111.0, {"nb": "node"})]


PROBE = "playbook_slow_probe"


@pytest.fixture
def slow_probe(tmp_path, monkeypatch):
    """A module that leaves a file behind when it is imported, and its marker."""
    marker = tmp_path / "imported"
    (tmp_path / f"{PROBE}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).touch()\n"
        "def is_valid_syntax(rule, value):\n    return rule == 'iri' and ':' in value\n"
        "RULES = ('iri',)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, PROBE, raising=False)
    yield marker
    sys.modules.pop(PROBE, None)


def test_a_deferred_module_is_imported_when_a_function_of_it_is_called(slow_probe):
    assert slow_imports.defer(PROBE, functions=("is_valid_syntax",))
    from playbook_slow_probe import is_valid_syntax  # as jsonschema takes it

    assert not slow_probe.exists()
    assert is_valid_syntax("iri", "http://a.example") is True
    assert is_valid_syntax("iri", "no scheme") is False
    assert slow_probe.exists()
    assert sys.modules[PROBE].__file__.endswith(f"{PROBE}.py")  # the real one now


def test_a_deferred_module_is_imported_when_any_other_name_is_read(slow_probe):
    slow_imports.defer(PROBE, functions=("is_valid_syntax",))

    assert sys.modules[PROBE].RULES == ("iri",)
    assert slow_probe.exists()


def test_nothing_is_deferred_that_is_imported_already_or_missing(slow_probe):
    import playbook_slow_probe

    assert not slow_imports.defer(PROBE, functions=())
    assert sys.modules[PROBE] is playbook_slow_probe
    assert not slow_imports.defer("playbook_no_such_module", functions=())
    assert "playbook_no_such_module" not in sys.modules
