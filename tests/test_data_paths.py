"""A charter reads only files in its folder tree or allowed, and never echoes a file.

Planted secret files (a `.env` and an `/etc/shadow`-like file) are named as the data
and as the data contract; their secret text must appear in no output: terminal,
manifest, pages, notebooks.
"""

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
import yaml
from test_journey import run_cli
from tiny import make_example

from playbook import charter
from playbook.data import contracts
from playbook.data.frame import require_columns
from playbook.errors import CharterError, DataCheckError, DataError
from playbook.run import rerun


@pytest.fixture
def data_paths():
    """The module, imported here: the command-line tests run on any version."""
    from playbook.charter import data_paths

    return data_paths


SECRETS = ("sk-live-SECRET123", "hunter2secret", "SECRETHASHVALUE", "ANOTHERSECRET")
ENV = "API_KEY=sk-live-SECRET123\nDB_PASSWORD=hunter2secret\n"
SHADOW = (
    "root:$6$saltsalt$SECRETHASHVALUE:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "bob:$6$xyz$ANOTHERSECRET:19000:0:99999:7:::\n"
)


@pytest.fixture
def project(tmp_path) -> Path:
    """A tiny example in `project/`, beside a `secrets/` folder holding both files."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / ".env").write_text(ENV)
    (secrets / "shadow").write_text(SHADOW)
    return make_example(tmp_path / "project", customers=1200)


def edit(charter_path: Path, **data_fields) -> Path:
    raw = yaml.safe_load(charter_path.read_text())
    raw["data"].update(data_fields)
    charter_path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return charter_path


def secrets_in(*texts: str) -> list[str]:
    return [secret for secret in SECRETS for text in texts if secret in text]


def files_text(folder: Path) -> str:
    return "\n".join(
        file.read_bytes().decode("utf-8", "replace")
        for file in sorted(folder.rglob("*"))
        if file.is_file()
    )


# --- which files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("path", "../secrets/.env"),
        ("fresh", "../secrets/.env"),
        ("checks", "../secrets/shadow"),
        ("checks", "/etc/passwd"),
    ],
    ids=["data-path", "fresh", "checks", "absolute"],
)
def test_a_file_outside_the_charters_folder_is_refused(
    project, data_paths, field, value
):
    poc = charter.load(edit(project, **{field: value}))

    found = data_paths.outside(poc)

    assert [item.field for item in found] == [f"data.{field}"]
    with pytest.raises(CharterError, match=rf"data\.{field}: .* is outside"):
        data_paths.require_inside(poc)


def test_files_in_the_folder_tree_and_below_are_read(project, data_paths):
    (project.parent / "extracts").mkdir()
    (project.parent / "churn_SYNTHETIC.csv").rename(
        project.parent / "extracts" / "churn.csv"
    )

    poc = charter.load(edit(project, path="extracts/churn.csv"))

    assert data_paths.outside(poc) == []


def test_a_link_inside_the_folder_to_a_file_outside_is_refused(project, data_paths):
    (project.parent / "innocent.csv").symlink_to(project.parent.parent / "secrets/.env")

    poc = charter.load(edit(project, path="innocent.csv"))

    assert [item.field for item in data_paths.outside(poc)] == ["data.path"]


def test_a_folder_the_charter_or_the_user_allows_is_read(project, data_paths):
    poc = charter.load(edit(project, checks="../secrets/shadow"))
    allowed = project.parent.parent / "secrets"

    assert data_paths.outside(poc, allowed=[allowed]) == []
    in_charter = charter.load(edit(project, allowed_folders=["../secrets"]))
    assert data_paths.outside(in_charter) == []
    assert in_charter.data.allowed_folders == (allowed.resolve(),)


def test_data_given_on_the_command_line_replaces_data_path(project, data_paths):
    poc = charter.load(edit(project, path="../secrets/.env"))

    assert data_paths.outside(poc, data_given=True) == []


def test_a_copy_of_the_charter_is_judged_by_its_originals_folder(project, data_paths):
    poc = charter.load(project)
    copy = dataclasses.replace(poc, source=project.parent.parent / "runs" / "c.yaml")

    assert data_paths.outside(copy, root=project.parent) == []
    assert {item.field for item in data_paths.outside(copy)} == {
        "data.path",
        "data.fresh",
        "data.checks",
    }


# --- check and run refuse, and say what to do ---------------------------------------


def test_check_refuses_the_secret_and_never_opens_it(project):
    edit(project, path="../secrets/.env", checks="../secrets/shadow")

    result = run_cli("check", str(project), cwd=project.parent)

    assert result.returncode == 2
    out = result.stdout + result.stderr
    assert "data.path:" in out and "data.checks:" in out
    assert "is outside the folders playbook may read from" in out
    assert "--allow-path" in out and "data.allowed_folders" in out
    assert secrets_in(out) == []


def test_run_refuses_before_anything_is_written(project):
    edit(project, checks="../secrets/shadow")
    runs = project.parent / "runs"

    result = run_cli("run", str(project), "--runs-dir", str(runs), cwd=project.parent)

    assert result.returncode == 2
    assert "data.checks:" in result.stdout + result.stderr
    assert secrets_in(result.stdout, result.stderr) == []
    assert not runs.exists()


def test_an_allowed_secret_as_data_is_described_never_shown(project):
    edit(project, path="../secrets/.env")

    result = run_cli(
        "check",
        str(project),
        "--allow-path",
        str(project.parent.parent / "secrets"),
        cwd=project.parent,
    )

    assert result.returncode == 2
    out = result.stdout + result.stderr
    assert "none of them among its" in out
    assert secrets_in(out) == []


# --- a file that is not what it should be: position and kind, no content -------------


def test_a_secret_named_as_the_contract_is_described_by_line(tmp_path):
    shadow = tmp_path / "shadow"
    shadow.write_text(SHADOW)

    with pytest.raises(DataCheckError) as raised:
        contracts.load_suite(shadow)

    message = str(raised.value)
    assert "a key at line 1, a key at line 2, a key at line 3" in message
    assert secrets_in(message) == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (ENV, "got a text of 51 characters"),
        ("suite: sk-live-SECRET123\nexpectations: hunter2secret\n", "got a text"),
        ("suite: s\nexpectations:\n  - hunter2secret\n", "got a text of 13"),
        ("suite: s\nexpectations:\n  - type: [sk-live-SECRET123]\n", "got a list"),
        (
            "suite: s\nexpectations:\n  - type: sk-live-SECRET123 hunter2secret\n",
            "unknown expectation type a text of 31 characters",
        ),
    ],
    ids=["env-file", "expectations-text", "item-text", "type-list", "type-text"],
)
def test_a_malformed_contract_never_echoes_its_values(tmp_path, content, said):
    path = tmp_path / "contract.yaml"
    path.write_text(content)

    with pytest.raises(DataCheckError) as raised:
        contracts.load_suite(path)

    assert said in str(raised.value)
    assert secrets_in(str(raised.value)) == []


def test_a_data_file_sharing_no_column_keeps_its_header_to_itself(project):
    poc = charter.load(project)
    frame = pd.DataFrame({"API_KEY=sk-live-SECRET123": ["DB_PASSWORD=hunter2secret"]})

    with pytest.raises(DataError) as raised:
        require_columns(frame, poc=poc)

    assert "none of them among its 1 column(s)" in str(raised.value)
    assert secrets_in(str(raised.value)) == []


def test_a_data_file_missing_one_column_still_lists_its_columns(project):
    poc = charter.load(project)
    frame = pd.read_csv(poc.data.path, nrows=5).drop(columns=["churned"])

    with pytest.raises(DataError, match=r"The data's columns: customer_id, "):
        require_columns(frame, poc=poc)


@pytest.mark.journey
@pytest.mark.parametrize(
    ("fields", "allow"),
    [({"checks": "shadow"}, False), ({"path": "../secrets/.env"}, True)],
    ids=["shadow-as-contract-in-the-tree", "env-as-data-allowed"],
)
def test_a_journey_on_a_secret_file_shows_none_of_it(project, fields, allow):
    (project.parent / "shadow").write_text(SHADOW)
    edit(project, **fields)
    runs = project.parent / "runs"
    allowed = ["--allow-path", str(project.parent.parent / "secrets")] * allow

    result = run_cli(
        "run",
        str(project),
        "--runs-dir",
        str(runs),
        "--stages",
        "3",
        *allowed,
        cwd=project.parent,
    )

    assert result.returncode == 2, result.stdout + result.stderr
    run = next((runs / "churn-tiny").iterdir())
    written = files_text(run)
    assert (run / "manifest.json").is_file() and (run / "index.html").is_file()
    assert list(run.rglob("03_*.ipynb")) and list(run.rglob("03_*.html"))
    assert secrets_in(result.stdout, result.stderr, written) == []
    # The manifest keeps --allow-path, so `playbook run RUN` may read it again.
    kept = rerun.read(run / "manifest.json").allowed_paths
    assert [p.resolve() for p in kept] == [Path(p).resolve() for p in allowed[1::2]]


def test_a_derived_charter_keeps_its_allowed_folders_absolute(tmp_path):
    from playbook.charter import overrides

    source = tmp_path / "poc" / "charter.yaml"
    source.parent.mkdir()
    source.write_text("poc: p\ndata: {checks: c.yaml, allowed_folders: ../shared}\n")

    derived = yaml.safe_load(overrides.derive_charter(source, {}))["data"]

    assert derived["allowed_folders"] == [str((tmp_path / "shared").resolve())]
