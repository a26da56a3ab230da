"""Time 8 journeys: `playbook batch` against plain papermill and against ploomber.

All three run the same seven stage notebooks on the same SYNTHETIC demo example
(20,000 customers) with seeds 1 to 8, one after the other in this session:
  - playbook batch: `playbook batch SPEC --workers 2` (a worker process and one kernel
    per journey, two journeys at once, plus the reports, manifests and portfolio page);
  - papermill, sequential: the papermill command line, once per notebook, journey after
    journey, with the same parameters and nothing else;
  - ploomber: a ploomber DAG of 8 x 7 NotebookRunner tasks (each stage after the
    previous one of its journey) run by ploomber's Parallel executor with 2 processes.
    Ploomber is not a dependency of playbook: it is installed into
    bench/work/ploomber-venv with the same pinned versions (constraints.txt) of
    everything the notebooks use; pass --setup-ploomber once to create it, or
    --no-ploomber to leave it out.
Wall time and peak memory (the summed resident memory of the command's process tree,
kernels included, sampled every 0.2 s) are recorded in bench/batch.md with the ratios.

    .venv/bin/python bench/batch.py --setup-ploomber
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

from playbook.core.journey import STAGES
from playbook.synthetic import demo

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work" / "batch"
PLOOMBER_VENV = BENCH / "work" / "ploomber-venv"
BIN = Path(sys.executable).parent
SEEDS = range(1, 9)

PLOOMBER_PIPELINE = """
import sys
from pathlib import Path
from ploomber import DAG
from ploomber.executors import Parallel
from ploomber.products import File
from ploomber.tasks import NotebookRunner

notebooks, charter, data, out, stages = (
    Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]), sys.argv[5:]
)
dag = DAG(executor=Parallel(processes=2))
for seed in range(1, 9):
    folder = out / f"seed-{seed}"
    folder.mkdir(parents=True)
    previous = None
    for stage in stages:
        task = NotebookRunner(
            notebooks / f"{stage}.ipynb",
            File(folder / f"{stage}.ipynb"),
            dag=dag,
            name=f"{seed}-{stage}",
            params={
                "charter_path": charter,
                "data_path": data,
                "out_dir": str(folder),
                "seed": seed,
            },
            kernelspec_name="python3",
            static_analysis="disable",
            papermill_params={"cwd": str(folder)},
        )
        if previous is not None:
            previous >> task
        previous = task
dag.build(force=True, show_progress=False)
"""


def measure(command: list[str], *, env: dict[str, str] | None = None) -> dict:
    """Run a command; return its wall time and the peak RSS of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    peak = [0]

    def sample() -> None:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                family = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for member in family:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += member.memory_info().rss
            peak[0] = max(peak[0], total)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    return {
        "seconds": seconds,
        "peak_mb": peak[0] / 2**20,
        "code": process.returncode,
        "output": output,
    }


def papermill_sequential(example: demo.ExampleFolder, out: Path) -> list[str]:
    """A shell-free script that runs the 56 notebooks one after the other."""
    script = out / "sequential.py"
    out.mkdir(parents=True)
    script.write_text(
        "import subprocess, sys\n"
        f"for seed in {list(SEEDS)!r}:\n"
        f"    folder = {str(out)!r} + f'/seed-{{seed}}'\n"
        "    subprocess.run(['mkdir', '-p', folder], check=True)\n"
        f"    for stage in {[s.key for s in STAGES]!r}:\n"
        "        subprocess.run([\n"
        f"            {str(BIN / 'papermill')!r},\n"
        f"            {str(REPO / 'notebooks')!r} + f'/{{stage}}.ipynb',\n"
        "            folder + f'/{stage}.ipynb', '--cwd', folder,\n"
        f"            '-p', 'charter_path', {str(example.charter)!r},\n"
        f"            '-p', 'data_path', {str(example.folder / demo.DATA)!r},\n"
        "            '-p', 'out_dir', folder, '-p', 'seed', str(seed),\n"
        "        ], check=True, capture_output=True)\n"
    )
    return [sys.executable, str(script)]


def setup_ploomber() -> None:
    subprocess.run([sys.executable, "-m", "venv", str(PLOOMBER_VENV)], check=True)
    pip = [str(PLOOMBER_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--upgrade", "pip>=24"], check=True)
    subprocess.run(
        [
            *pip,
            "-c",
            str(REPO / "constraints.txt"),
            "-e",
            str(REPO),
            "ploomber==0.23.3",
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--setup-ploomber", action="store_true")
    parser.add_argument("--no-ploomber", action="store_true")
    args = parser.parse_args()

    if args.setup_ploomber and not PLOOMBER_VENV.exists():
        setup_ploomber()
    load = os.getloadavg()[0]
    shutil.rmtree(WORK, ignore_errors=True)
    example = demo.write_example(WORK / "example", customers=args.customers, seed=None)
    spec = WORK / "spec.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "runs_dir": str(WORK / "runs"),
                "workers": 2,
                "pocs": [
                    {"charter": str(example.charter), "grid": {"seed": list(SEEDS)}}
                ],
            }
        )
    )
    sides: dict[str, dict] = {}
    sides["playbook batch (2 workers)"] = measure(
        [str(BIN / "playbook"), "batch", str(spec), "--force"]
    )
    sides["papermill, sequential"] = measure(
        papermill_sequential(example, WORK / "papermill")
    )
    ploomber_python = PLOOMBER_VENV / "bin" / "python"
    if not args.no_ploomber and ploomber_python.exists():
        pipeline = WORK / "ploomber_pipeline.py"
        pipeline.write_text(PLOOMBER_PIPELINE)
        # The kernel papermill starts under ploomber must be the ploomber venv's own.
        env = {**os.environ, "PATH": f"{PLOOMBER_VENV / 'bin'}:{os.environ['PATH']}"}
        sides["ploomber Parallel (2 processes)"] = measure(
            [
                str(ploomber_python),
                str(pipeline),
                str(REPO / "notebooks"),
                str(example.charter),
                str(example.folder / demo.DATA),
                str(WORK / "ploomber"),
                *[stage.key for stage in STAGES],
            ],
            env=env,
        )
    for name, side in sides.items():
        print(
            f"{name}: {side['seconds']:.1f} s, peak {side['peak_mb']:.0f} MB, "
            f"exit {side['code']}"
        )
        if side["code"]:
            print(side["output"][-3000:])

    batch = sides["playbook batch (2 workers)"]
    records = sorted((WORK / "runs" / "_batches").glob("*.json"))
    outcomes = (
        [j["outcome"] for j in json.loads(records[-1].read_text())["journeys"]]
        if records
        else []
    )
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, 8 journeys "
        f"(seeds 1-8) on {args.customers:,} customers",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; load average before the run "
        f"{load:.2f} (other work on the machine counts against every side).",
        "",
        "| command | wall s | peak memory MB | exit | wall / playbook batch |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, side in sides.items():
        lines.append(
            f"| {name} | {side['seconds']:.1f} | {side['peak_mb']:.0f} "
            f"| {side['code']} | {side['seconds'] / batch['seconds']:.2f} |"
        )
    lines += [
        "",
        f"playbook batch outcomes: {', '.join(outcomes) or 'none recorded'}.",
    ]
    if "ploomber Parallel (2 processes)" not in sides:
        lines.append("ploomber: not run (no bench/work/ploomber-venv).")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    results = BENCH / "batch.md"
    previous = (
        results.read_text()
        if results.exists()
        else "# Batch benchmark: playbook batch, papermill, ploomber\n\n"
    )
    results.write_text(previous + text + "\n")


if __name__ == "__main__":
    main()
