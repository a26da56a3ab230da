"""`playbook batch` on Dask: the same journeys as on local workers, timeouts, Ctrl-C."""

import json
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

from playbook.run import batch

pytestmark = pytest.mark.journey


# Stages 1 to 4 reach the decision and the KPI the two executors must agree on; stages
# 5 to 7 run on Dask the same way (one stage at a time, the same events) and add only
# minutes. The smallest tiny example: the numbers need not be good, only equal.
SEEDS_STAGES = "1-4"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("batch") / "example"
    return make_example(folder, customers=1500).parent


@pytest.fixture(scope="module")
def seeds_spec(example, tmp_path_factory) -> Path:
    """The tiny example with two seeds, stages 1 to 4: run locally and on Dask."""
    folder = tmp_path_factory.mktemp("seeds")
    charter = str(example / "charter.yaml")
    return write_spec(
        folder,
        timeout=ENOUGH,
        pocs=[{"charter": charter, "stages": SEEDS_STAGES, "grid": {"seed": [1, 2]}}],
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


@pytest.fixture(scope="module")
def on_dask(example, tmp_path_factory):
    """The seeds spec on a Dask local cluster, beside a journey that hangs past its
    timeout and a quick one: one cluster, and the hang's wait runs alongside the
    seeds' journeys instead of after them (it was a minute of its own)."""
    distributed = pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("dask-spec")
    hangs = stage_one(folder / "nb-hangs", "import time\ntime.sleep(600)")
    pocs = [
        {
            "charter": str(example / "charter.yaml"),
            "stages": SEEDS_STAGES,
            "grid": {"seed": [1, 2]},
        },
        {
            "charter": str(charter_named(example, "hangs-on-dask")),
            "notebooks": str(hangs),
            "stages": "1",
            "timeout": HANGS_FOR,
        },
        {"charter": str(charter_named(example, "good-on-dask")), "stages": "1"},
    ]
    spec_path = write_spec(folder, timeout=ENOUGH, pocs=pocs)
    runs = folder / "dask-runs"
    events = []
    # A worker for each seed's journey and one for the hanging journey; the quick one
    # follows the first to finish.
    with distributed.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = batch.run_batch(
            batch.load_spec(spec_path, runs_dir=runs),
            scheduler=cluster.scheduler_address,
            on_event=events.append,
        )
    return result, runs, events


def test_the_same_spec_runs_on_a_dask_local_cluster(on_dask, local_seeds):
    result, runs, events = on_dask
    seeds = [r for r in result.results if r.job.poc == "churn-tiny"]
    assert [r.outcome for r in seeds] == ["complete", "complete"]
    assert [(r.decision, r.kpi["lift"]) for r in seeds] == [
        (r.decision, r.kpi["lift"]) for r in local_seeds.results
    ]
    assert all(r.run_dir.parent.parent == runs for r in result.results)
    seed_jobs = {r.job.index for r in seeds}
    stages_seen = {
        (e.job.index, e.stage)
        for e in events
        if e.kind == "stage" and e.job.index in seed_jobs
    }
    assert {stage for _, stage in stages_seen} == set(range(1, 5))
    assert (runs / "index.html").exists()


def test_a_journey_past_its_timeout_on_dask_is_stopped_and_the_others_finish(
    on_dask,
):
    result, _, _ = on_dask
    assert outcomes(result) == {
        "churn-tiny": "complete",
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
        sleepy = run_folder_once_running(runs / "sleepy-on-dask")
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
