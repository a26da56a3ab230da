"""`playbook batch` specs: journeys from YAML or a folder, bad specs refused clearly."""

import re
from pathlib import Path

import pytest
import yaml
from cli_in_process import run_cli
from tiny import make_example

from playbook.run import batch
from playbook.run.batch import BatchSpecError


def write_spec(folder: Path, **spec) -> Path:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return make_example(tmp_path_factory.mktemp("batch") / "example").parent


# --- bad specs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pocs: [charter: a.yaml\n", r"not valid YAML at line 2"),
        ("- just\n- a list\n", r"expected a mapping with a list `pocs:`"),
        (
            "pocs:\n  - charter: missing.yaml\n",
            r"pocs\[0\]\.charter: .*missing\.yaml: no",
        ),
        (
            "pocs:\n  - charter: example/charter.yaml\n"
            "    grid: {kpi.capacity_per_periodd: [1, 2]}\n",
            r"pocs\[0\]\.grid: unknown parameter 'kpi.capacity_per_periodd'.*"
            r"Did you mean kpi.capacity_per_period",
        ),
        (
            "pocs:\n  - charter: example/charter.yaml\n    grid: {seed: [-1]}\n",
            r"pocs\[0\]\.grid\.seed: expected whole numbers",
        ),
        (
            "pocs:\n  - charter: example/charter.yaml\n    stages: 6\n",
            r"pocs\[0\]\.stages: .*stage 6 uses the results of stage 4",
        ),
        (
            "pocs:\n  - charter: example/charter.yaml\n    sead: 1\n",
            r"pocs\[0\]: unknown field\(s\) sead",
        ),
        ("workers: 2\npocs: []\nextra: 1\n", r"unknown field\(s\) extra"),
        ("version: 1\npoc: x\n", r"this is a charter, not a batch spec"),
        (
            "pocs:\n  - charter: example/charter.yaml\n"
            "  - charter: example/charter.yaml\n",
            r"listed twice",
        ),
    ],
    ids=[
        "not yaml",
        "not a mapping",
        "missing charter",
        "unknown parameter",
        "bad seed",
        "bad stages",
        "unknown entry field",
        "unknown spec field",
        "a charter",
        "duplicate",
    ],
)
def test_a_bad_spec_is_refused_with_file_entry_and_field(example, text, message):
    spec = example.parent / "spec.yaml"
    spec.write_text(text)
    with pytest.raises(BatchSpecError, match=message) as caught:
        batch.load_spec(spec)
    assert str(spec) in str(caught.value)


def test_a_bad_spec_exits_1_from_the_cli_and_writes_nothing(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("pocs:\n  - charter: nowhere.yaml\n")
    done = run_cli("batch", str(spec), cwd=tmp_path)  # fails if an exception escaped
    assert done.returncode == 1, done.stdout + done.stderr
    assert "nowhere.yaml: no such charter file" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "runs").exists()


def test_a_folder_spec_finds_its_charters_and_skips_data_contracts(tmp_path):
    example = make_example(tmp_path / "examples" / "churn").parent
    (example / "notes.yaml").write_text("just: some notes\n")
    spec = batch.load_spec(example.parent, runs_dir=tmp_path / "runs")
    assert [job.charter.name for job in spec.jobs] == ["charter.yaml"]
    assert spec.jobs[0].poc == "churn-tiny"


def test_a_grid_makes_one_journey_per_combination(example):
    spec = write_spec(
        example.parent,
        pocs=[
            {
                "charter": "example/charter.yaml",
                "grid": {"seed": [1, 2], "kpi.capacity_per_period": [20, 40]},
            }
        ],
    )
    jobs = batch.load_spec(spec).jobs
    assert [job.name for job in jobs] == [
        "churn-tiny [seed=1, kpi.capacity_per_period=20]",
        "churn-tiny [seed=1, kpi.capacity_per_period=40]",
        "churn-tiny [seed=2, kpi.capacity_per_period=20]",
        "churn-tiny [seed=2, kpi.capacity_per_period=40]",
    ]
    assert len({job.fingerprint for job in jobs}) == 4


def test_an_entry_timeout_applies_to_its_journeys_only(example):
    spec = write_spec(
        example.parent,
        timeout=900,
        pocs=[
            {"charter": "example/charter.yaml", "timeout": 30, "grid": {"seed": [1]}},
            {"charter": "example/charter.yaml", "grid": {"seed": [2]}},
        ],
    )
    loaded = batch.load_spec(spec)
    assert loaded.timeout == 900
    assert [job.timeout for job in loaded.jobs] == [30, None]


def test_an_entry_timeout_must_be_seconds_above_0(example):
    spec = write_spec(
        example.parent, pocs=[{"charter": "example/charter.yaml", "timeout": 0}]
    )
    with pytest.raises(BatchSpecError, match=r"pocs\[0\]\.timeout: expected seconds"):
        batch.load_spec(spec)


@pytest.mark.parametrize(
    ("entry", "english", "korean"),
    [
        (
            "charters: example/charter.yaml",
            r"pocs\[0\]\.charters: .*charter\.yaml: no such folder of charters\.$",
            r"charter\.yaml: 차터 폴더가 없습니다\.$",
        ),
        (
            "charter: example/charter.yaml\n    data: example",
            r"pocs\[0\]\.data: .*example: no such data file\.$",
            r"example: 데이터 파일이 없습니다\.$",
        ),
        (
            "charter: example/charter.yaml\n    notebooks: example/charter.yaml",
            r"pocs\[0\]\.notebooks: .*charter\.yaml: no such folder\.$",
            r"charter\.yaml: 폴더가 없습니다\.$",
        ),
    ],
)
def test_a_path_of_the_wrong_kind_in_an_entry_is_named_in_each_language(
    example, entry, english, korean
):
    spec = example.parent / "spec.yaml"
    spec.write_text(f"pocs:\n  - {entry}\n")
    with pytest.raises(BatchSpecError) as refused:
        batch.load_spec(spec)
    assert re.search(english, refused.value.in_language("en"))
    assert re.search(korean, refused.value.in_language("ko"))
