import pytest

from playbook import errors
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
