"""SIGTERM, Ctrl-C, SIGKILL, a full disk and a read-only folder end a run cleanly."""

import datetime as dt
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from tiny import make_example
from typer.testing import CliRunner

from playbook.cli.app import app
from playbook.core import files
from playbook.run import liveness

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return make_example(tmp_path_factory.mktemp("signals") / "example")


def _start(charter: Path, runs: Path) -> tuple[subprocess.Popen, Path]:
    """`playbook run` in its own process group, once its stage 1 is running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "playbook", "run", str(charter), "--stages", "1",
         "--runs-dir", str(runs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        for path in runs.glob("*/*/manifest.json"):
            try:
                record = json.loads(path.read_text())
            except ValueError:
                continue
            if record["stages"]["01_business_question"]["status"] == "running":
                time.sleep(2)  # into the stage's cells
                return process, path.parent
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"stage 1 never ran: {process.communicate()}")


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


@pytest.mark.journey
@pytest.mark.parametrize(
    ("number", "group", "code", "cause"),
    [(signal.SIGTERM, False, 143, "SIGTERM"), (signal.SIGINT, True, 130, "Ctrl-C")],
    ids=["sigterm", "ctrl-c-to-the-group"],
)
def test_a_signal_stops_the_kernel_records_interrupted_and_prints_one_line(
    example, tmp_path, number, group, code, cause
):
    process, run_dir = _start(example, tmp_path / "runs")
    kernels = psutil.Process(process.pid).children(recursive=True)
    assert kernels, "the journey's kernel should be running"
    if group:  # a terminal's Ctrl-C reaches every process of the group
        os.killpg(process.pid, number)
    else:
        process.send_signal(number)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code, (out, err)
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"interrupted by {cause}"), out
    assert str(run_dir) in lines[0]
    assert "Traceback" not in err and "DeadKernelError" not in err, err
    assert "Kernel died" not in err
    record = _manifest(run_dir)
    assert record["status"] == "interrupted"
    assert record["exit_code"] == code
    assert record["stages"]["01_business_question"]["status"] == "interrupted"
    _, alive = psutil.wait_procs(kernels, timeout=30)
    assert not alive, f"kernel still running: {alive}"


@pytest.mark.journey
def test_a_killed_run_is_shown_abandoned_by_report_and_the_next_run(example, tmp_path):
    runs = tmp_path / "runs"
    process, run_dir = _start(example, runs)
    record = _manifest(run_dir)
    assert record["process"]["pid"] == process.pid
    assert record["process"]["host"] and record["heartbeat_at"]
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    assert _manifest(run_dir)["status"] == "running"  # nobody could close it

    result = CliRunner().invoke(app, ["report", str(runs)])
    assert result.exit_code == 0, result.output
    assert f"abandoned: {run_dir}: its process ({process.pid} on" in result.output
    record = _manifest(run_dir)
    assert record["status"] == "abandoned"
    assert record["stages"]["01_business_question"]["status"] == "abandoned"
    assert "abandoned" in (runs / "index.html").read_text()
    assert "Abandoned" in (run_dir / "index.html").read_text()


def test_the_next_run_marks_a_dead_run_abandoned(tmp_path):
    runs = tmp_path / "runs"
    dead = runs / "churn-tiny" / "20260101-000000-000000"
    dead.mkdir(parents=True)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    record = {
        "poc": "churn-tiny", "title": "t", "run_id": dead.name, "status": "running",
        "exit_code": None, "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": None, "heartbeat_at": "2026-01-01T00:00:00+00:00",
        "process": {**liveness.this_process(), "pid": int(finished.stdout)},
        "stages": {"01_business_question": {"number": 1, "title": "t",
                   "status": "running", "error": None}},
        "gates": [], "kpi": None, "decision": None, "reasons": [],
    }  # fmt: skip
    (dead / "manifest.json").write_text(json.dumps(record))
    # What `run_journey` calls before it makes its own run folder.
    from playbook.run import runner

    found = runner.mark_abandoned(runs)
    assert found == [(dead, found[0][1])]
    assert "ended without closing the run" in found[0][1]
    assert _manifest(dead)["status"] == "abandoned"


@pytest.mark.parametrize(
    ("host", "minutes", "dead"),
    [("elsewhere", 1, False), ("elsewhere", 60, True)],
    ids=["fresh-heartbeat", "stale-heartbeat"],
)
def test_a_run_on_another_host_is_abandoned_only_when_its_heartbeat_is_stale(
    host, minutes, dead
):
    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    beat = (now - dt.timedelta(minutes=minutes)).isoformat()
    record = {
        "status": "running",
        "started_at": beat,
        "heartbeat_at": beat,
        "process": {"pid": os.getpid(), "host": host},
    }
    assert bool(liveness.abandoned(record, now=now)) is dead


def test_a_live_process_on_this_host_is_not_abandoned():
    long_ago = "2000-01-01T00:00:00+00:00"  # a stale heartbeat: the pid decides
    record = {
        "status": "running",
        "started_at": dt.datetime.now(dt.UTC).isoformat(),
        "heartbeat_at": long_ago,
        "process": liveness.this_process(),
    }
    assert liveness.abandoned(record) is None


def _full_disk(monkeypatch, *, only: str = "") -> None:
    """Each write through `files.write_atomic` (names holding `only`) fails half way."""
    real = files._write

    def write(handle, text):
        if only in handle.name:
            real(handle, text[: len(text) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(handle, text)

    monkeypatch.setattr(files, "_write", write)


def _one_failing_line(charter: Path, runs: Path) -> str:
    """`playbook run --stages 1` that must fail with exit code 1 and one line."""
    result = CliRunner().invoke(
        app, ["run", str(charter), "--stages", "1", "--runs-dir", str(runs)]
    )
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def _leftovers(folder: Path) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file()
        and (path.name.endswith(".partial") or path.stat().st_size == 0)
    ]


def test_a_full_disk_ends_run_in_one_line_naming_the_file_and_leaves_no_half_file(
    example, tmp_path, monkeypatch
):
    _full_disk(monkeypatch)
    runs = tmp_path / "runs"
    line = _one_failing_line(example, runs)
    assert line.startswith("error: ") and "manifest.json" in line
    assert "No space left on device" in line
    assert _leftovers(runs) == []
    assert not list(runs.glob("*/*/manifest.json"))


@pytest.mark.journey
def test_a_disk_filling_up_during_a_stage_leaves_no_truncated_notebook(
    example, tmp_path, monkeypatch
):
    _full_disk(monkeypatch, only=".ipynb")
    runs = tmp_path / "runs"
    line = _one_failing_line(example, runs)
    assert "01_business_question.ipynb: No space left on device" in line
    assert _leftovers(runs) == []
    assert not list(runs.glob("*/*/notebooks/*.ipynb"))
    (manifest,) = runs.glob("*/*/manifest.json")
    record = json.loads(manifest.read_text())
    assert record["status"] == "failed" and record["exit_code"] == 1
    assert record["stages"]["01_business_question"]["status"] == "failed"


def test_a_runs_folder_that_cannot_be_written_ends_in_one_line(example, tmp_path):
    # A path under a regular file cannot be a folder, even for root (for whom a
    # read-only folder is writable).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    assert str(blocker) in _one_failing_line(example, blocker / "runs")


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root writes into a read-only folder: chmod cannot stop it",
)
def test_a_read_only_runs_folder_ends_in_one_line(example, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    runs.chmod(0o555)
    try:
        assert "Permission denied" in _one_failing_line(example, runs)
    finally:
        runs.chmod(0o755)
    assert _leftovers(runs) == []


def test_an_interrupted_cells_task_is_not_reported_whatever_it_ended_in():
    # SIGTERM while nbclient sends the cell: the closed channel's AssertionError,
    # logged by asyncio after the "interrupted" line (seen once in CI).
    import logging

    from playbook.run import interruption

    def record(message: str, error: BaseException) -> logging.LogRecord:
        return logging.LogRecord(
            "asyncio",
            logging.ERROR,
            __file__,
            1,
            message,
            None,
            (type(error), error, None),
        )

    task = (
        "Task exception was never retrieved\nfuture: <Task finished name='Task-5' "
        "coro=<NotebookClient.async_execute_cell() done>"
    )
    quiet = interruption._QUIET
    assert not quiet.filter(record(task, AssertionError()))
    assert not quiet.filter(
        record("Kernel died while waiting for execute reply", OSError())
    )
    # Any other task's failure is still reported.
    other = "Task exception was never retrieved\nfuture: <Task coro=<other() done>"
    assert quiet.filter(record(other, AssertionError()))
