"""`playbook batch`: journeys in parallel, faults kept apart, resume, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from batch_support import (
    ENOUGH,
    HANGS_FOR,
    charter_named,
    outcomes,
    processes_in,
    run_folder_once_running,
    stage_one,
    write_spec,
)
from tiny import make_example

from playbook.run import batch, batch_dask
from playbook.run.batch import BatchError

pytestmark = pytest.mark.journey


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    return make_example(tmp_path_factory.mktemp("batch") / "example").parent


# --- faults stay inside their journey -----------------------------------------


def test_failing_crashing_hanging_and_stopped_journeys_do_not_stop_the_others(
    example, tmp_path
):
    notebooks = {  # the hanging one first, so that its timeout runs alongside
        "hangs": stage_one(tmp_path / "nb-hangs", "import time\ntime.sleep(600)"),
        "raises": stage_one(tmp_path / "nb-raises", "raise RuntimeError('boom')"),
        "kills": stage_one(
            tmp_path / "nb-kills", "import os, signal\nos.kill(os.getpid(), 9)"
        ),
    }
    pocs = [
        {"charter": charter_named(example, name).name, "notebooks": str(folder)}
        for name, folder in notebooks.items()
    ]
    pocs[0]["timeout"] = HANGS_FOR
    pocs.append({"charter": charter_named(example, "good").name})
    pocs.append(
        {
            "charter": charter_named(
                example, "gated", lambda raw: raw.pop("baseline")
            ).name
        }
    )
    broken = example / "broken.yaml"
    broken.write_text("version: 1\npoc: broken\ndata: {path: x.csv}\n")
    pocs.append({"charter": broken.name})
    for entry in pocs:
        entry["stages"] = "1"
    spec_path = write_spec(
        example, runs_dir=str(tmp_path / "runs"), timeout=ENOUGH, pocs=pocs
    )

    result = batch.run_batch(batch.load_spec(spec_path), workers=3)

    assert outcomes(result) == {
        "good": "complete",
        "raises": "failed",
        "kills": "failed",
        "hangs": "timed_out",
        "gated": "stopped",
        "broken": "stopped",
    }
    assert result.exit_code == 1
    by_poc = {r.job.poc: r for r in result.results}
    assert "RuntimeError: boom (cell " in by_poc["raises"].message
    assert "DeadKernelError" in by_poc["kills"].message
    assert f"{HANGS_FOR} s timeout during stage 1" in by_poc["hangs"].message
    assert "How is the problem solved today" in by_poc["gated"].message
    assert "broken.yaml" in by_poc["broken"].message
    assert by_poc["broken"].run_dir is None

    hung = json.loads((by_poc["hangs"].run_dir / "manifest.json").read_text())
    assert hung["status"] == "failed"
    assert hung["stages"]["01_business_question"]["error"]["name"] == "JourneyTimeout"
    assert not processes_in(by_poc["hangs"].run_dir)  # its kernel is gone too
    assert (by_poc["hangs"].run_dir / "index.html").exists()

    record = json.loads(result.record.read_text())
    assert {j["poc"]: j["outcome"] for j in record["journeys"]} == outcomes(result)
    page = result.portfolio.read_text()
    for poc in ("good", "raises", "kills", "hangs", "gated"):
        assert f"<code>{poc}</code>" in page


def test_a_second_batch_skips_finished_journeys_unless_forced(example, tmp_path):
    notebooks = stage_one(tmp_path / "nb")
    spec_path = write_spec(
        example,
        runs_dir=str(tmp_path / "runs"),
        pocs=[
            {
                "charter": "charter.yaml",
                "stages": "1",
                "notebooks": str(notebooks),
                "grid": {"seed": [1, 2]},
            }
        ],
    )
    first = batch.run_batch(batch.load_spec(spec_path), workers=2)
    again = batch.run_batch(batch.load_spec(spec_path), workers=2)
    forced = batch.run_batch(batch.load_spec(spec_path), workers=2, force=True)

    assert [r.outcome for r in first.results] == ["complete", "complete"]
    assert [r.outcome for r in again.results] == ["skipped", "skipped"]
    assert [r.run_dir for r in again.results] == [r.run_dir for r in first.results]
    assert again.exit_code == 0
    assert [r.outcome for r in forced.results] == ["complete", "complete"]
    assert len(list((tmp_path / "runs" / "churn-tiny").iterdir())) == 4


def test_a_batch_needs_nothing_of_dask_without_a_scheduler(example, tmp_path):
    blocker = tmp_path / "no-dask"
    for name in ("dask", "distributed"):
        (blocker / name).mkdir(parents=True)
        (blocker / name / "__init__.py").write_text(
            f"raise ImportError('{name} is blocked by this test')\n"
        )
    spec_path = write_spec(
        example,
        runs_dir=str(tmp_path / "runs"),
        pocs=[
            {
                "charter": "charter.yaml",
                "stages": "1",
                "notebooks": str(stage_one(tmp_path / "nb")),
            }
        ],
    )
    path = [str(blocker), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    command = [sys.executable, "-m", "playbook", "batch", str(spec_path)]

    plain = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300
    )
    on_dask = subprocess.run(
        [*command, "--scheduler", "tcp://127.0.0.1:9"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )

    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert on_dask.returncode == 1
    assert 'pip install "playbook[dask]"' in on_dask.stdout


def test_ctrl_c_keeps_finished_runs_marks_the_rest_and_leaves_a_portfolio(
    example, tmp_path
):
    runs = tmp_path / "runs"
    spec_path = write_spec(
        example,
        runs_dir=str(runs),
        workers=1,
        pocs=[
            {
                "charter": charter_named(example, "first").name,
                "stages": "1",
                "notebooks": str(stage_one(tmp_path / "nb-first")),
            },
            {
                "charter": charter_named(example, "sleepy").name,
                "stages": "1",
                "notebooks": str(
                    stage_one(tmp_path / "nb-sleepy", "import time\ntime.sleep(600)")
                ),
            },
            {
                "charter": charter_named(example, "later").name,
                "stages": "1",
                "notebooks": str(stage_one(tmp_path / "nb-later")),
            },
        ],
    )
    cli = subprocess.Popen(
        [sys.executable, "-m", "playbook", "batch", str(spec_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sleepy = run_folder_once_running(runs / "sleepy")
    time.sleep(2)  # let it get into the sleeping cell
    cli.send_signal(signal.SIGINT)
    output, _ = cli.communicate(timeout=120)

    assert cli.returncode == 130, output
    record = json.loads(next((runs / "_batches").glob("*.json")).read_text())
    assert record["interrupted"] is True
    assert {j["poc"]: j["outcome"] for j in record["journeys"]} == {
        "first": "complete",
        "sleepy": "interrupted",
        "later": "not_started",
    }
    manifest = json.loads((sleepy / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["stages"]["01_business_question"]["status"] == "interrupted"
    assert not processes_in(sleepy)
    page = (runs / "index.html").read_text()
    assert "<code>first</code>" in page and "<code>sleepy</code>" in page
    assert not (runs / "later").exists()


def test_sigterm_exits_143_and_marks_every_running_journey_interrupted(
    example, tmp_path
):
    runs = tmp_path / "runs"
    sleeping = stage_one(tmp_path / "nb-sleepy", "import time\ntime.sleep(600)")
    names = ("sleepy-one", "sleepy-two")
    spec_path = write_spec(
        example,
        runs_dir=str(runs),
        workers=2,
        pocs=[
            {
                "charter": charter_named(example, name).name,
                "stages": "1",
                "notebooks": str(sleeping),
            }
            for name in names
        ],
    )
    cli = subprocess.Popen(
        [sys.executable, "-m", "playbook", "batch", str(spec_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    folders = [run_folder_once_running(runs / name) for name in names]
    time.sleep(2)  # let both get into the sleeping cell
    cli.send_signal(signal.SIGTERM)
    output, _ = cli.communicate(timeout=120)

    assert cli.returncode == 143, output
    assert "Traceback" not in output
    record = json.loads(next((runs / "_batches").glob("*.json")).read_text())
    assert record["interrupted"] is True
    assert {j["poc"]: j["outcome"] for j in record["journeys"]} == dict.fromkeys(
        names, "interrupted"
    )
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["status"] == "interrupted"
        assert manifest["stages"]["01_business_question"]["status"] == "interrupted"
        assert not processes_in(folder)


# --- Dask ---------------------------------------------------------------------


def test_an_unanswering_scheduler_fails_clearly_and_writes_nothing(
    example, tmp_path, monkeypatch
):
    pytest.importorskip("distributed")
    monkeypatch.setattr(batch_dask, "CONNECT_TIMEOUT", 2.0)
    spec_path = write_spec(
        example, runs_dir=str(tmp_path / "runs"), pocs=[{"charter": "charter.yaml"}]
    )
    with pytest.raises(
        BatchError, match=r"tcp://127\.0\.0\.1:9: no Dask scheduler answered within"
    ):
        batch.run_batch(batch.load_spec(spec_path), scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "runs").exists()
