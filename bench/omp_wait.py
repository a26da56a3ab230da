"""Gradient boosting in a journey kernel: OpenMP threads and how they wait.

A journey kernel shares its cores with whatever else runs (other journeys of a batch, a
test suite, a notebook server). OpenMP threads that spin while waiting for each other
lose whole time slices when the cores are oversubscribed. This bench keeps the cores
busy with `--busy` spinning processes, then, alternating, fits stage 4's gradient
boosting on the SYNTHETIC churn example inside a Jupyter kernel (as the runner does)
with two threads (OpenMP's default waiting, passive waiting, a short spin) and with
one thread, which the runner sets unless the environment says otherwise.

    .venv/bin/python bench/omp_wait.py --busy 3 --repeats 3
    .venv/bin/python bench/omp_wait.py --busy 0 --repeats 3   # a quiet machine
    .venv/bin/python bench/omp_wait.py --busy 0 --rows 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import statistics
from pathlib import Path

import nbformat

from playbook.run import kernel

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work" / "omp-wait"

FIT = """
import time
from playbook.tasks import models
from playbook.synthetic import churn as synthetic
frame = synthetic.churn(customers=ROWS, seed=1)
kept_out = ("customer_id", "snapshot_month", "churned")
features = [c for c in frame.columns if c not in kept_out]
started = time.perf_counter()
models.gradient_boosting({}, seed=1).fit(frame[features], frame["churned"])
print(time.perf_counter() - started)
"""


def spin() -> None:
    while True:
        pass


# Environment settings each kernel starts with.
SETTINGS = {
    "2 threads, OpenMP's default waiting": {"OMP_NUM_THREADS": "2"},
    "2 threads, OMP_WAIT_POLICY=PASSIVE": {
        "OMP_NUM_THREADS": "2",
        "OMP_WAIT_POLICY": "PASSIVE",
    },
    "2 threads, GOMP_SPINCOUNT=10000": {
        "OMP_NUM_THREADS": "2",
        "GOMP_SPINCOUNT": "10000",
    },
    "1 thread (the runner's default)": {"OMP_NUM_THREADS": "1"},
}
_NAMES = sorted({name for values in SETTINGS.values() for name in values})


def fit_in_kernel(setting: dict[str, str], rows: int) -> float:
    """Seconds of one fit in a fresh kernel started with the given environment."""
    notebook = WORK / "fit.ipynb"
    cells = [nbformat.v4.new_code_cell("", metadata={"tags": ["parameters"]})]
    cells.append(nbformat.v4.new_code_cell(FIT.replace("ROWS", str(rows))))
    kernel_spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    metadata = {"kernelspec": kernel_spec, "language_info": {"name": "python"}}
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata=metadata), notebook)
    saved = {name: os.environ.pop(name) for name in _NAMES if name in os.environ}
    os.environ.update(setting)
    try:
        with kernel.JourneyKernel(
            cwd=WORK, extra_arguments=("--IPKernelApp.log_level=ERROR",)
        ) as journey:
            journey.execute(notebook, WORK / "fit.out.ipynb", parameters={})
    finally:
        for name in _NAMES:
            os.environ.pop(name, None)
        os.environ.update(saved)
    executed = nbformat.read(WORK / "fit.out.ipynb", as_version=4)
    printed = [
        o["text"] for o in executed.cells[-1].outputs if o.get("name") == "stdout"
    ]
    return float("".join(printed).strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=3, help="spinning processes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20000, help="SYNTHETIC churn rows")
    arguments = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    busy = [
        multiprocessing.Process(target=spin, daemon=True) for _ in range(arguments.busy)
    ]
    for process in busy:
        process.start()
    times: dict[str, list[float]] = {name: [] for name in SETTINGS}
    try:
        for _ in range(arguments.repeats):
            for name, setting in SETTINGS.items():
                times[name].append(fit_in_kernel(setting, arguments.rows))
    finally:
        for process in busy:
            process.terminate()
    print(
        f"## OpenMP threads and waiting in a journey kernel "
        f"({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)\n\n"
        f"{platform.machine()}, {os.cpu_count()} cores, {arguments.busy} spinning "
        f"processes besides the kernel; gradient boosting (200 "
        f"iterations) on {arguments.rows:,} SYNTHETIC churn rows, in a fresh "
        f"kernel each time, alternating; {arguments.repeats} repeats.\n\n"
        "| kernel environment | median fit s | runs |\n| --- | --- | --- |"
    )
    for name, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {statistics.median(values):.1f} | {runs} |")


if __name__ == "__main__":
    main()
