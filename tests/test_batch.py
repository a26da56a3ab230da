"""`playbook batch`: journeys in parallel, faults kept apart, resume, Dask, Ctrl-C."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
import yaml
from tiny import make_example

from playbook.run import batch, batch_dask
from playbook.run.batch import BatchError

pytestmark = pytest.mark.journey

REPO = Path(__file__).resolve().parents[1]
# Seconds for a journey that must finish, ample on a machine busy with other work; a
# journey meant to hang gets HANGS_FOR, enough to reach its stage 1 under load.
ENOUGH = 900
HANGS_FOR = 60
SAVE_OUTCOME = (
    "from playbook.core import journey\n"
    "journey.save(out_dir, journey.StageOutcome(stage='01_business_question', "
    "status='passed', summary='minimal stage ran', evidence=None))"
)


def stage_one(folder: Path, *cells: str) -> Path:
    """A notebooks folder whose stage 1 runs `cells`, then saves its outcome."""
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell(
        "charter_path = ''\ndata_path = ''\nout_dir = ''\nseed = 0"
    )
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        parameters,
        *(nbformat.v4.new_code_cell(c) for c in cells),
        nbformat.v4.new_code_cell(SAVE_OUTCOME),
    ]
    nbformat.write(notebook, folder / "01_business_question.ipynb")
    return folder


def charter_named(example: Path, poc: str, edit=None) -> Path:
    """A copy of the tiny charter, beside its data, with another POC id."""
    raw = yaml.safe_load((example / "charter.yaml").read_text())
    raw["poc"] = poc
    if edit:
        edit(raw)
    path = example / f"{poc}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def write_spec(folder: Path, **spec) -> Path:
    path = folder / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def outcomes(result: batch.BatchResult) -> dict[str, str]:
    return {r.job.poc: r.outcome for r in result.results}


def processes_in(folder: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cwd"]):
        if process.info["cwd"] and Path(process.info["cwd"]) == folder:
            found.append(process)
    return found


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


def _run_folder_once_running(poc_runs: Path, seconds: float = 180) -> Path:
    """The run folder of a journey, once its stage 1 is running (it must start)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.5)
        for manifest in poc_runs.glob("*/manifest.json"):
            record = json.loads(manifest.read_text())
            if record["stages"]["01_business_question"]["status"] == "running":
                return manifest.parent
    raise AssertionError(f"{poc_runs.name} never started")


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
    sleepy = _run_folder_once_running(runs / "sleepy")
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


# --- Dask ---------------------------------------------------------------------


def test_an_unanswering_scheduler_fails_clearly_and_writes_nothing(
    example, tmp_path, monkeypatch
):
    pytest.importorskip("distributed")
    monkeypatch.setattr(batch_dask, "CONNECT_TIMEOUT", 2.0)
    spec_path = write_spec(
        example, runs_dir=str(tmp_path / "runs"), pocs=[{"charter": "charter.yaml"}]
    )
    with pytest.raises(BatchError, match=r"No Dask scheduler answered at tcp://"):
        batch.run_batch(batch.load_spec(spec_path), scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "runs").exists()


@pytest.fixture(scope="module")
def seeds_spec(example, tmp_path_factory) -> Path:
    """The tiny example with two seeds, all seven stages: run locally and on Dask."""
    folder = tmp_path_factory.mktemp("seeds")
    return write_spec(
        folder,
        timeout=ENOUGH,
        pocs=[{"charter": str(example / "charter.yaml"), "grid": {"seed": [1, 2]}}],
    )


@pytest.fixture(scope="module")
def local_seeds(seeds_spec, tmp_path_factory):
    runs = tmp_path_factory.mktemp("local-runs")
    return batch.run_batch(batch.load_spec(seeds_spec, runs_dir=runs), workers=2)


def test_the_seeds_spec_completes_on_two_local_workers(local_seeds):
    assert [r.outcome for r in local_seeds.results] == ["complete", "complete"]
    assert local_seeds.exit_code == 0
    for result in local_seeds.results:
        manifest = json.loads((result.run_dir / "manifest.json").read_text())
        assert manifest["seed"] == result.job.seed
        assert manifest["decision"] == result.decision
    assert local_seeds.portfolio.exists()


def test_the_same_spec_runs_on_a_dask_local_cluster(seeds_spec, local_seeds, tmp_path):
    distributed = pytest.importorskip("distributed")
    runs = tmp_path / "dask-runs"
    events = []
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = batch.run_batch(
            batch.load_spec(seeds_spec, runs_dir=runs),
            scheduler=cluster.scheduler_address,
            on_event=events.append,
        )
    assert [r.outcome for r in result.results] == ["complete", "complete"]
    assert [(r.decision, r.kpi["lift"]) for r in result.results] == [
        (r.decision, r.kpi["lift"]) for r in local_seeds.results
    ]
    assert all(r.run_dir.parent.parent == runs for r in result.results)
    stages_seen = {(e.job.index, e.stage) for e in events if e.kind == "stage"}
    assert {stage for _, stage in stages_seen} == set(range(1, 8))
    assert (runs / "index.html").exists()


def test_a_journey_past_its_timeout_on_dask_is_stopped_and_the_others_finish(
    example, tmp_path
):
    distributed = pytest.importorskip("distributed")
    hangs = stage_one(tmp_path / "nb-hangs", "import time\ntime.sleep(600)")
    pocs = [
        {
            "charter": charter_named(example, "hangs-on-dask").name,
            "notebooks": str(hangs),
            "stages": "1",
            "timeout": HANGS_FOR,
        },
        {"charter": charter_named(example, "good-on-dask").name, "stages": "1"},
    ]
    spec_path = write_spec(
        example, runs_dir=str(tmp_path / "runs"), timeout=ENOUGH, pocs=pocs
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = batch.run_batch(
            batch.load_spec(spec_path), scheduler=cluster.scheduler_address
        )
    assert outcomes(result) == {
        "hangs-on-dask": "timed_out",
        "good-on-dask": "complete",
    }
    assert result.exit_code == 1
    hung = next(r for r in result.results if r.job.poc == "hangs-on-dask")
    assert f"{HANGS_FOR} s timeout during stage 1" in hung.message
    assert not processes_in(hung.run_dir)  # the kernel on the Dask worker is gone


def test_ctrl_c_in_a_dask_batch_stops_the_remote_journey_and_marks_it(
    example, tmp_path
):
    distributed = pytest.importorskip("distributed")
    runs = tmp_path / "runs"
    spec_path = write_spec(
        example,
        runs_dir=str(runs),
        pocs=[
            {
                "charter": charter_named(example, "first-on-dask").name,
                "stages": "1",
                "notebooks": str(stage_one(tmp_path / "nb-first")),
            },
            {
                "charter": charter_named(example, "sleepy-on-dask").name,
                "stages": "1",
                "notebooks": str(
                    stage_one(tmp_path / "nb-sleepy", "import time\ntime.sleep(600)")
                ),
            },
        ],
    )
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        cli = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "playbook",
                "batch",
                str(spec_path),
                "--scheduler",
                cluster.scheduler_address,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        sleepy = _run_folder_once_running(runs / "sleepy-on-dask")
        deadline = time.monotonic() + 180
        first = runs / "first-on-dask"
        while time.monotonic() < deadline and not any(first.glob("*/index.html")):
            time.sleep(0.5)
        time.sleep(2)  # let the sleepy one get into its sleeping cell
        cli.send_signal(signal.SIGINT)
        output, _ = cli.communicate(timeout=120)

    assert cli.returncode == 130, output
    record = json.loads(next((runs / "_batches").glob("*.json")).read_text())
    assert record["interrupted"] is True
    outcomes_seen = {j["poc"]: j["outcome"] for j in record["journeys"]}
    assert outcomes_seen == {
        "first-on-dask": "complete",
        "sleepy-on-dask": "interrupted",
    }
    manifest = json.loads((sleepy / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert not processes_in(sleepy)  # the kernel on the Dask worker is gone
    assert "<code>sleepy-on-dask</code>" in (runs / "index.html").read_text()
