import os
import shutil
import subprocess
from pathlib import Path

# One OpenMP thread, as the journeys' kernels have (playbook/run/kernel.py): two threads
# that spin-wait for each other stall for whole time slices on a busy machine, where a
# one-second fit took minutes. Set before numpy and scikit-learn load; a value given
# by the caller wins. The numbers do not depend on it.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The key scores' ids are hashed with (playbook.serve.pseudonyms): a fixed one, so that
# no test run makes a key file in the home folder of whoever runs the tests.
os.environ.setdefault("PLAYBOOK_ID_KEY", "playbook tests")

from importlib.metadata import entry_points

import pytest

from playbook import charter

# The playbook plugin comes with the installed package (entry point pytest11); a
# checkout whose package was installed before the plugin existed loads it from here.
_PLUGIN = "playbook.cli.pytest_plugin"
pytest_plugins = ["pytester"] + (
    []
    if any(ep.value == _PLUGIN for ep in entry_points(group="pytest11"))
    else [_PLUGIN]
)

REPO = Path(__file__).resolve().parents[1]

# The slowest test files, slowest first (per-file wall time of `make test` on main at
# 3a58943, 2026-12-01). `make test` runs each file on one of two workers (`--dist
# loadfile`) and xdist hands out files in collection order (`--no-loadscope-reorder`
# in pyproject.toml; by default it orders them by their number of tests, which put
# the slow one-test files last, one worker running alone at the end). Files not
# listed follow in their usual order; they take seconds and fill the gaps.
SLOWEST_FIRST = (
    "test_journey.py",
    "test_privacy_journey.py",
    "test_batch_dask.py",
    "test_templates.py",
    "test_batch.py",
    "test_data_stage.py",
    "test_ci.py",
    "test_notebooks_anywhere.py",
    "test_hostile_inputs.py",
    "test_data_paths.py",
    "test_drift.py",
    "test_top_k.py",
    "test_signals_and_disks.py",
    "test_real_data.py",
    "test_suggestions.py",
    "test_charter_check.py",
    "test_beyond_poc.py",
    "test_routing.py",
    "test_report.py",
    "test_checks.py",
)


@pytest.fixture
def churn_charter() -> charter.Charter:
    return charter.load(REPO / "templates" / "churn.yaml")


@pytest.fixture
def write_charter(tmp_path):
    """Write a charter built from the churn template with some top-level edits."""
    import yaml

    def write(edit=None, *, text: str | None = None) -> Path:
        path = tmp_path / "charter.yaml"
        if text is not None:
            path.write_text(text, encoding="utf-8")
            return path
        raw = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())
        if edit:
            edit(raw)
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def chromium():
    """Run headless Chromium with the network off and return its stdout.

    Skipped when Chromium is missing, except in CI, which must run the browser tests.
    """
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed, but CI must run the browser tests")
        pytest.skip("chromium is not installed")

    def run(profile: Path, *args: str) -> str:
        done = subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=<-loopback>",
                "--virtual-time-budget=10000",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    return run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slowest files first (SLOWEST_FIRST), keeping each file's own order."""
    rank = {name: number for number, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
