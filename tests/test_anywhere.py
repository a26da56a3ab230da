"""Notebooks and run folders that work anywhere: the bundled tiny example, typed
parameters, finished runs that are never rewritten, manifests that run again from where
they are, and `playbook lab`."""

import json
import sys
from pathlib import Path

import papermill
import pytest
import typer
import yaml
from typer.testing import CliRunner

from playbook import charter
from playbook.charter import overrides as charter_overrides
from playbook.cli import journey_output, lab_command
from playbook.cli.app import app
from playbook.core import bundled, journey
from playbook.core.journey import StageOutcome
from playbook.errors import (
    CharterError,
    FinishedRunError,
    MissingExtra,
    PlaybookError,
)
from playbook.run import rerun

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
KNOWN_TYPES = {"str", "int", "float", "bool"}


def test_the_bundled_tiny_example_is_synthetic_small_and_what_an_empty_path_loads():
    poc = charter.load("")
    folder = bundled.tiny_example().parent

    assert poc.source == bundled.tiny_example()
    assert poc.data.synthetic
    assert "SYNTHETIC" in folder.joinpath("charter.yaml").read_text(encoding="utf-8")
    data = [folder / poc.data.path, folder / poc.data.fresh]
    assert all(path.is_file() and "SYNTHETIC" in path.name for path in data)
    # Tiny: the whole example stays small enough to ship in the wheel.
    assert sum(path.stat().st_size for path in folder.iterdir()) < 300_000


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_parameter_has_a_type_a_default_and_a_one_line_description(notebook):
    found = papermill.inspect_notebook(str(notebook))

    assert {"charter_path", "data_path", "out_dir", "seed"} <= set(found)
    for name, parameter in found.items():
        assert parameter["inferred_type_name"] in KNOWN_TYPES, name
        assert parameter["help"] and "\n" not in parameter["help"], name
    assert found["charter_path"]["default"] == '""'  # the bundled tiny example
    assert not Path(found["out_dir"]["default"].strip('"')).is_absolute()


def test_papermill_help_notebook_shows_each_parameter_with_its_type(monkeypatch):
    # papermill's own command (`python -m papermill` runs it), in this process: an
    # interpreter importing papermill and its engines costs 4 s of CPU.
    from click.testing import CliRunner as ClickRunner
    from papermill.cli import papermill as papermill_command

    monkeypatch.chdir(REPO)
    done = ClickRunner().invoke(
        papermill_command, ["--help-notebook", "notebooks/04_poc.ipynb"]
    )
    assert done.exit_code == 0, done.output
    shown = done.stdout

    for line in ("charter_path: str", "seed: int", "tuning_seconds: float"):
        assert line in shown
    assert "Unknown type" not in shown
    assert "the tiny SYNTHETIC example" in shown


def _outcome() -> StageOutcome:
    return StageOutcome(stage="02_team", status="passed", summary="ok", evidence=None)


def _finished(folder: Path, finished_at: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {"run_id": folder.name, "finished_at": finished_at}
    (folder / journey.MANIFEST).write_text(json.dumps(record), encoding="utf-8")
    return folder


def test_a_stage_writes_into_a_folder_by_hand_or_a_run_still_running(tmp_path):
    by_hand = tmp_path / "notebook"
    running = _finished(tmp_path / "running", None)
    garbled = tmp_path / "garbled"
    garbled.mkdir()
    (garbled / journey.MANIFEST).write_text("{half", encoding="utf-8")

    for folder in (by_hand, running, garbled):
        assert journey.save(folder, _outcome()).is_file()


def test_a_finished_run_refuses_every_write_and_says_what_to_do(tmp_path):
    run_dir = _finished(tmp_path / "runs" / "p" / "r1", "2026-12-01T10:00:00+00:00")
    before = sorted(run_dir.rglob("*"))

    writes = [
        lambda: journey.save(run_dir, _outcome()),
        lambda: journey.save_text(run_dir, "next_steps.sh", "echo"),
        lambda: journey.save_json(run_dir, "record.json", {"a": 1}),
    ]
    for write in writes:
        with pytest.raises(FinishedRunError) as refused:
            write()
        message = str(refused.value)
        assert str(run_dir.resolve()) in message and "2026-12-01T10:00" in message
        assert "playbook run" in message and "out_dir" in message
    assert sorted(run_dir.rglob("*")) == before
    assert FinishedRunError("x").exit_code == 1


def _run_folder(tmp_path: Path, parameters: dict) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "charter.yaml").write_text("version: 1\n", encoding="utf-8")
    (project / "extract.csv").write_text("a\n1\n", encoding="utf-8")
    run_dir = project / "runs" / "p" / "r1"
    run_dir.mkdir(parents=True)
    record = {
        "charter_path": "../../../charter.yaml",
        "seed": 7,
        "parameters": parameters,
    }
    (run_dir / journey.MANIFEST).write_text(json.dumps(record), encoding="utf-8")
    return run_dir


def test_a_manifest_runs_again_from_wherever_its_folder_is(tmp_path):
    run_dir = _run_folder(
        tmp_path,
        {
            "stages": [1, 2, 3],
            "overrides": {"kpi.capacity_per_period": 20},
            "tuning_seconds": 5.0,
            "data": "../../../extract.csv",
            "data_docs": True,
            "allowed_paths": ["../../../../shared"],
        },
    )

    for given in (run_dir, run_dir / journey.MANIFEST):
        assert rerun.manifest_of(given) == run_dir / journey.MANIFEST
    assert rerun.manifest_of(run_dir.parents[2] / "charter.yaml") is None
    again = rerun.read(run_dir / journey.MANIFEST)
    assert again.charter.resolve() == (tmp_path / "project" / "charter.yaml")
    assert again.data.resolve() == (tmp_path / "project" / "extract.csv")
    assert (again.seed, again.stages, again.tuning_seconds) == (7, [1, 2, 3], 5.0)
    assert again.overrides == {"kpi.capacity_per_period": 20} and again.data_docs
    shared = tmp_path / "shared"
    assert [folder.resolve() for folder in again.allowed_paths] == [shared]
    # Run again, --allow-path adds to the earlier run's folders, never drops them.
    given = journey_output.JourneyOptions(tmp_path, allowed_paths=(tmp_path / "more",))
    filled = journey_output._filled(given, again)
    assert [p.resolve() for p in filled.allowed_paths] == [tmp_path / "more", shared]
    # A manifest written before the folders were kept allows none.
    (tmp_path / "older").mkdir()
    older = _run_folder(tmp_path / "older", {"stages": [1]})
    assert rerun.read(older / journey.MANIFEST).allowed_paths == []


def test_a_manifest_whose_charter_is_not_beside_it_says_where_it_looked(tmp_path):
    run_dir = _run_folder(tmp_path, {"stages": [1]})
    (tmp_path / "project" / "charter.yaml").unlink()

    with pytest.raises(CharterError, match=r"charter is not at .*charter\.yaml"):
        rerun.read(run_dir / journey.MANIFEST)
    (run_dir / journey.MANIFEST).write_text("[]", encoding="utf-8")
    with pytest.raises(CharterError, match="not a run's manifest"):
        rerun.read(run_dir / journey.MANIFEST)


def test_a_derived_charter_for_a_run_folder_keeps_its_paths_relative(tmp_path):
    source = tmp_path / "poc" / "charter.yaml"
    source.parent.mkdir()
    text = charter.load("").source.read_text(encoding="utf-8")
    source.write_text(text, encoding="utf-8")
    run_dir = tmp_path / "runs" / "p" / "r1"
    run_dir.mkdir(parents=True)

    derived = charter_overrides.derive_charter(
        source, {"kpi.capacity_per_period": 20}, into=run_dir
    )

    assert str(tmp_path) not in derived
    data = yaml.safe_load(derived)["data"]
    assert (run_dir / data["path"]).resolve() == source.parent / "churn_SYNTHETIC.csv"
    assert not Path(data["checks"]).is_absolute()


def _missing(name: str) -> None:
    return None


def test_lab_without_jupyterlab_says_how_to_install_it_in_one_line():
    with pytest.raises(MissingExtra) as refused:
        lab_command.lab_command(None, installed=_missing)

    message = str(refused.value)
    assert "pip install 'playbook[lab]'" in message and "\n" not in message
    assert refused.value.exit_code == 1


def test_lab_command_exits_1_with_the_install_line_when_the_extra_is_missing(
    monkeypatch,
):
    find_spec = lab_command.importlib.util.find_spec
    monkeypatch.setattr(
        lab_command.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "jupyterlab" else find_spec(name, *args),
    )

    result = CliRunner().invoke(app, ["lab"])

    assert result.exit_code == 1
    assert "pip install 'playbook[lab]'" in result.output


def test_lab_opens_the_stage_notebooks_or_a_runs_executed_ones(tmp_path):
    launched = []

    def launch(command):
        launched.append(command)
        return 0

    lines = list(lab_command.start_lab(None, launch=launch))
    run_dir = _finished(tmp_path / "r1", "2026-12-01T10:00:00+00:00")
    (run_dir / "notebooks").mkdir()
    list(lab_command.start_lab(run_dir, launch=launch))

    assert launched[0][:3] == [sys.executable, "-m", "jupyterlab"]
    notebooks = bundled.bundled("notebooks").resolve()
    assert launched[0][-1] == f"--ServerApp.root_dir={notebooks}"
    assert launched[1][-1] == f"--ServerApp.root_dir={(run_dir / 'notebooks')}"
    assert str(notebooks) in lines[0]


def test_lab_refuses_a_folder_that_is_no_run_and_passes_on_jupyterlabs_failure(
    tmp_path,
):
    with pytest.raises(PlaybookError, match="not a run folder"):
        lab_command.lab_command(tmp_path, installed=lambda name: object())
    with pytest.raises(typer.Exit) as ended:
        list(lab_command.start_lab(None, launch=lambda command: 3))
    assert ended.value.exit_code == 3
