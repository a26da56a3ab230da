"""Where a journey's time goes outside its notebooks' cells: the runner's own work.

Runs `runner.run_journey` in this process (as `playbook run` does, without the command
line) and times, in wall and CPU seconds of the runner process, the steps around the
stages: importing the runner, fingerprinting the data, starting, clearing and closing
the kernel, papermill's saves of each running notebook, exporting each stage's page,
and the index and portfolio pages. Then the journey's wall time, the stages' sum (the
manifest's seconds) and what lies outside them, and the KPI, to check that two code
trees decide the same. Run it on a charter `playbook demo --rows N --no-run` wrote;
compare two trees by setting PYTHONPATH to each.

    PYTHONPATH=. .venv/bin/python bench/journey_overhead.py CHARTER RUNS_DIR
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Step = tuple[str, float, float]


def timed(owner: Any, attribute: str, label: str, steps: list[Step]) -> None:
    """Replace `owner.attribute` by a copy that adds its wall and CPU to `steps`."""
    original: Callable[..., Any] = getattr(owner, attribute)

    @functools.wraps(original)
    def measured(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            steps.append((label, time.perf_counter() - wall, time.process_time() - cpu))

    setattr(owner, attribute, measured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("charter", type=Path)
    parser.add_argument("runs_dir", type=Path)
    parser.add_argument("--tuning-seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    started, cpu_started = time.perf_counter(), time.process_time()
    load_before = os.getloadavg()[0]
    from playbook.run import kernel, runner

    steps: list[Step] = [
        (
            "import the runner",
            time.perf_counter() - started,
            time.process_time() - cpu_started,
        )
    ]
    import papermill.engines

    from playbook import data
    from playbook.report import pages, portfolio, stage_export

    for owner, attribute, label in [
        (data, "fingerprint", "fingerprint the data"),
        (kernel.JourneyKernel, "_start", "start the kernel"),
        (kernel.JourneyKernel, "_reset", "clear the kernel"),
        (kernel.JourneyKernel, "close", "close the kernel"),
        (papermill.engines.NotebookExecutionManager, "save", "save a notebook"),
        (stage_export.StageExporter, "export", "export a page"),
        (pages, "write_index", "write the index page"),
        (portfolio, "write", "write the portfolio"),
    ]:
        timed(owner, attribute, label, steps)
    result = runner.run_journey(
        arguments.charter,
        runs_dir=arguments.runs_dir,
        tuning_seconds=arguments.tuning_seconds,
    )
    wall = time.perf_counter() - started
    stages = {k: v.get("seconds") or 0.0 for k, v in result.manifest["stages"].items()}
    print(
        f"exit {result.exit_code}; wall {wall:.1f} s, stages {sum(stages.values()):.1f}"
        f" s, outside them {wall - sum(stages.values()):.1f} s; runner CPU "
        f"{time.process_time() - cpu_started:.1f} s; load average "
        f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    for stage, seconds in stages.items():
        print(f"  {stage:24s} {seconds:6.1f} s")
    totals: dict[str, list[float]] = {}
    for label, seconds, cpu in steps:
        total = totals.setdefault(label, [0, 0.0, 0.0])
        total[0] += 1
        total[1] += seconds
        total[2] += cpu
    for label, (count, seconds, cpu) in totals.items():
        print(f"  {label:22s} x{count:<4.0f} wall {seconds:6.2f} cpu {cpu:6.2f}")
    kpi = result.manifest.get("kpi") or {}
    print(
        "KPI:",
        *(kpi.get(k) for k in ("baseline", "model", "lift", "lift_ci_low")),
        kpi.get("lift_ci_high"),
        result.manifest.get("decision"),
    )


if __name__ == "__main__":
    main()
