"""Gradient boosting in a journey kernel on a busy machine: OpenMP spinning or passive.

A journey kernel shares its cores with whatever else runs (other journeys of a batch, a
test suite, a notebook server). OpenMP threads that spin while waiting for each other
lose whole time slices when the cores are oversubscribed. This bench keeps the cores
busy with `--busy` spinning processes, then, alternating, fits stage 4's gradient
boosting on the SYNTHETIC churn example inside a Jupyter kernel (as the runner does)
with the OpenMP default and with `OMP_WAIT_POLICY=PASSIVE`, which the runner sets.

    .venv/bin/python bench/omp_wait.py --busy 3 --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import statistics
import time
from pathlib import Path

import nbformat

from playbook import kernel

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work" / "omp-wait"

FIT = """
import time
from playbook import models, synthetic
frame = synthetic.churn(customers=20000, seed=1)
kept_out = ("customer_id", "snapshot_month", "churned")
features = [c for c in frame.columns if c not in kept_out]
started = time.perf_counter()
models.gradient_boosting({}, seed=1).fit(frame[features], frame["churned"])
print(time.perf_counter() - started)
"""


def spin() -> None:
    while True:
        pass


def fit_in_kernel(policy: str) -> float:
    """Seconds of one fit in a fresh kernel started with the given OMP_WAIT_POLICY."""
    notebook = WORK / "fit.ipynb"
    cells = [nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]})]
    cells.append(nbformat.v4.new_code_cell(FIT))
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    saved = os.environ.get("OMP_WAIT_POLICY")
    os.environ["OMP_WAIT_POLICY"] = policy
    try:
        with kernel.JourneyKernel(cwd=WORK) as journey:
            journey.execute(notebook, WORK / "fit.out.ipynb", parameters={})
    finally:
        os.environ.pop("OMP_WAIT_POLICY")
        if saved is not None:
            os.environ["OMP_WAIT_POLICY"] = saved
    executed = nbformat.read(WORK / "fit.out.ipynb", as_version=4)
    return float(executed.cells[-1].outputs[0]["text"].strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=3, help="spinning processes")
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    busy = [
        multiprocessing.Process(target=spin, daemon=True) for _ in range(arguments.busy)
    ]
    for process in busy:
        process.start()
    time.sleep(1)
    load = os.getloadavg()[0]
    times: dict[str, list[float]] = {"OpenMP default (ACTIVE)": [], "PASSIVE": []}
    try:
        for _ in range(arguments.repeats):
            times["OpenMP default (ACTIVE)"].append(fit_in_kernel("ACTIVE"))
            times["PASSIVE"].append(fit_in_kernel("PASSIVE"))
    finally:
        for process in busy:
            process.terminate()
    print(
        f"## OpenMP wait policy in a busy journey kernel "
        f"({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)\n\n"
        f"{platform.machine()}, {os.cpu_count()} cores, {arguments.busy} spinning "
        f"processes, load average {load:.2f} at the start; gradient boosting (200 "
        f"iterations, 2 OpenMP threads) on 20,000 SYNTHETIC churn rows, in a fresh "
        f"kernel each time, alternating; {arguments.repeats} repeats.\n\n"
        "| wait policy | median fit s | runs |\n| --- | --- | --- |"
    )
    for name, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {statistics.median(values):.1f} | {runs} |")


if __name__ == "__main__":
    main()
