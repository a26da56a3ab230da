"""Time and measure stage 3 (data strategy) on one million rows and 30 columns.

Everything runs in the same session on the same SYNTHETIC extract (seeded, written to
bench/work/data_stage/), each measurement in a fresh Python process so that its peak
memory is its own:

  - pandas: `pd.read_csv` of the extract, nothing else;
  - gx: the same read, then a bare Great Expectations validation of the same suite
    (GX's API directly, no playbook);
  - stage 3 functions: every call the stage 3 notebook makes, in one process, timed
    one by one (read, fingerprint, PII, ids, profile, labels, periods, leakage,
    features, the contract);
  - playbook run --stages 3: the real thing, papermill and the HTML report included.

Peak memory is the process's maximum resident set size; "added" is that peak minus the
resident size just before the data was read (Python and the imports). The frame's size
is pandas' deep memory usage. Results are appended to bench/results.md.

    .venv/bin/python bench/data_stage.py            # 1,000,000 rows
    .venv/bin/python bench/data_stage.py --rows 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work" / "data_stage"
BIN = Path(sys.executable).parent


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the extract ---------------------------------------------------------------------


def write_extract(rows: int) -> dict:
    """A SYNTHETIC churn-like extract of `rows` x 30, its charter and its contract."""
    import numpy as np
    import pandas as pd
    import yaml

    from playbook.data import suggest as suggestions
    from playbook.synthetic import churn as synthetic

    WORK.mkdir(parents=True, exist_ok=True)
    data = WORK / "extract_SYNTHETIC.csv"
    started = time.perf_counter()
    frame = synthetic.churn(customers=rows, seed=1)
    rng = np.random.default_rng(2)
    for i in range(6):
        frame[f"usage_{i}"] = rng.gamma(2, 10, rows).round(2)
    for i in range(4):
        frame[f"count_{i}"] = rng.poisson(3, rows)
    frame["segment"] = rng.choice([f"seg_{k}" for k in range(12)], rows)
    frame["channel"] = rng.choice(["web", "app", "shop", "phone"], rows)
    frame["device"] = rng.choice(
        ["android", "ios", "feature"], rows, p=[0.6, 0.35, 0.05]
    )
    snapshot = pd.to_datetime(frame["snapshot_month"])
    joined = snapshot - pd.to_timedelta(frame["tenure_months"] * 30, "D")
    frame["signup_date"] = joined.dt.strftime("%Y-%m-%d")
    frame["email"] = [f"customer{i}@example.com" for i in range(rows)]  # PII
    frame["nps_score"] = rng.integers(0, 11, rows)
    frame.to_csv(data, index=False)
    del frame
    written = time.perf_counter() - started

    contract = WORK / "contract.yaml"
    started = time.perf_counter()
    suggested = suggestions.suggest_file(
        data,
        target="churned",
        out=contract,
        id_column="customer_id",
        time="snapshot_month",
        force=True,
    )
    suggest_seconds = time.perf_counter() - started
    raw = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())
    raw["poc"] = "bench-data-stage"
    raw["data"]["path"] = data.name
    raw["data"]["checks"] = contract.name
    raw["data"].pop("fresh", None)
    (WORK / "charter.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return {
        "rows": rows,
        "bytes": data.stat().st_size,
        "write_seconds": round(written, 1),
        "suggest_seconds": round(suggest_seconds, 1),
        "expectations": suggested.expectations,
        "suggested_suite_passes": suggested.passes,
    }


# --- measurements (each runs in its own process) -------------------------------------


def measure_pandas() -> dict:
    import pandas as pd

    pd.Series(["warm up"])  # loads pyarrow, which backs pandas' strings
    before = rss_mib()
    started = time.perf_counter()
    frame = pd.read_csv(WORK / "extract_SYNTHETIC.csv")
    seconds = time.perf_counter() - started
    return _memory(frame, before, seconds=seconds)


def measure_gx() -> dict:
    import logging
    import warnings

    import pandas as pd
    import yaml

    warnings.simplefilter("ignore")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    classes = {
        cls.expectation_type: cls
        for name, cls in vars(gxe).items()
        if name.startswith("Expect") and isinstance(cls, type)
    }
    declared = yaml.safe_load((WORK / "contract.yaml").read_text())
    pd.Series(["warm up"])
    before = rss_mib()
    started = time.perf_counter()
    frame = pd.read_csv(WORK / "extract_SYNTHETIC.csv")
    read = time.perf_counter() - started
    context = gx.get_context(
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(
                init_temp_docs_sites=False
            ),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        ),
        mode="ephemeral",
    )
    batch = (
        context.data_sources.add_pandas("bench")
        .add_dataframe_asset("extract")
        .add_batch_definition_whole_dataframe("all")
    )
    suite = context.suites.add(
        gx.ExpectationSuite(
            name="bench",
            expectations=[
                classes[item.pop("type")](**item) for item in declared["expectations"]
            ],
        )
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="bench", data=batch, suite=suite)
    )
    validated = time.perf_counter()
    result = definition.run(
        batch_parameters={"dataframe": frame}, result_format="SUMMARY"
    )
    seconds = time.perf_counter() - started
    found = _memory(frame, before, seconds=seconds)
    found.update(
        read_seconds=round(read, 2),
        validate_seconds=round(time.perf_counter() - validated, 2),
        passed=bool(result.success),
    )
    return found


def measure_stage3() -> dict:
    """Every call of notebooks/03_data_strategy.ipynb, in order, timed one by one."""
    from playbook import charter, data
    from playbook.data import contracts, leakage, pii
    from playbook.tasks import models

    steps: dict[str, float] = {}
    peaks: dict[str, int] = {}
    poc = charter.load(WORK / "charter.yaml")
    contracts.load_suite(
        poc.data.checks
    )  # imports GX, as the notebook's first cells do
    before = rss_mib()
    started = time.perf_counter()

    def step(name, call):
        began = time.perf_counter()
        value = call()
        steps[name] = round(time.perf_counter() - began, 2)
        peaks[name] = round(peak_mib() - before)
        return value

    frame = step("read", lambda: data.read(poc))
    step("fingerprint", lambda: data.fingerprint(poc, frame=frame))
    step("require columns", lambda: data.require_columns(frame, poc=poc))
    personal = step(
        "PII",
        lambda: pii.detect(frame, declared=poc.data.pii, allowed=poc.data.allow_pii),
    )
    hidden = [found.column for found in personal]
    step("unique ids", lambda: data.require_unique_ids(frame, poc=poc, hidden=hidden))
    step("profile", lambda: data.profile(frame, hidden=hidden))
    step("labels", lambda: data.label_balance(frame, poc=poc))
    step("periods", lambda: data.rows_per_period(frame, poc=poc))
    leaks = step(
        "leakage",
        lambda: leakage.scan(frame, poc=poc, skip=hidden, deep=True, seed=42),
    )
    excluded = step("features", lambda: models.excluded_columns(frame, poc=poc))
    contract = step(
        "contract (GX)",
        lambda: contracts.validate(
            frame, contracts.load_suite(poc.data.checks), hidden=hidden
        ),
    )
    seconds = time.perf_counter() - started
    found = _memory(frame, before, seconds=seconds)
    found.update(
        steps=steps,
        peaks=peaks,
        pii=hidden,
        leaks=leaks.excluded,
        excluded=list(excluded),
        contract_passed=contract.passed,
        expectations=contract.evaluated,
    )
    return found


def measure_run() -> dict:
    runs = WORK / "runs"
    started = time.perf_counter()
    done = subprocess.run(
        [
            str(BIN / "playbook"),
            "run",
            str(WORK / "charter.yaml"),
            "--stages",
            "3",
            "--runs-dir",
            str(runs),
        ],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    run_dir = sorted((runs / "bench-data-stage").iterdir())[-1]
    record = json.loads((run_dir / "manifest.json").read_text())
    return {
        "seconds": round(seconds, 1),
        "exit_code": done.returncode,
        "stage_seconds": record["stages"]["03_data_strategy"]["seconds"],
        "summary": record["stages"]["03_data_strategy"]["summary"],
        "largest_process_peak_mib": round(children),
    }


def _memory(frame, before: float, *, seconds: float) -> dict:
    size = frame.memory_usage(deep=True).sum() / 2**20
    peak = peak_mib()
    return {
        "seconds": round(seconds, 2),
        "frame_mib": round(size),
        "rss_before_mib": round(before),
        "peak_mib": round(peak),
        "added_mib": round(peak - before),
        "added_over_frame": round((peak - before) / size, 2),
    }


MEASURES = {
    "pandas": measure_pandas,
    "gx": measure_gx,
    "stage3": measure_stage3,
    "run": measure_run,
}


def in_subprocess(name: str, *, repeats: int) -> dict:
    """The measurement with the median time, of `repeats` fresh processes."""
    found = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, __file__, "--measure", name],
            capture_output=True,
            text=True,
            check=True,
        )
        found.append(json.loads(done.stdout.strip().splitlines()[-1]))
    found.sort(key=lambda item: item["seconds"])
    middle = dict(found[len(found) // 2])
    middle["repeats"] = repeats
    if "added_mib" in middle:
        added = sorted(item["added_mib"] for item in found)
        middle["added_mib"] = added[len(added) // 2]
        middle["added_range"] = f"{added[0]:,}-{added[-1]:,}"
        middle["added_over_frame"] = round(middle["added_mib"] / middle["frame_mib"], 2)
        peaks = sorted(item["peak_mib"] for item in found)
        middle["peak_mib"] = peaks[len(peaks) // 2]
    return middle


def report(extract: dict, results: dict) -> str:
    pandas_, gx_, stage, run = (results[k] for k in ("pandas", "gx", "stage3", "run"))
    load = os.getloadavg()
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, stage 3 on "
        f"{extract['rows']:,} rows x 30 columns",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; load average before the run "
        f"{load[0]:.1f} (other jobs share the machine). Extract: SYNTHETIC, "
        f"{extract['bytes'] / 2**20:,.0f} MiB of CSV; frame "
        f"{stage['frame_mib']:,} MiB in pandas. `playbook checks suggest` wrote its "
        f"{extract['expectations']}-expectation contract in "
        f"{extract['suggest_seconds']} s (read, infer, validate).",
        "",
        "| what | seconds | peak RSS MiB | added MiB (range) | added / frame |",
        "| --- | --- | --- | --- | --- |",
        f"| pandas read_csv | {pandas_['seconds']} | {pandas_['peak_mib']:,} | "
        f"{pandas_['added_mib']:,} ({pandas_['added_range']}) | "
        f"{pandas_['added_over_frame']} |",
        f"| bare GX: read + validate the same suite | {gx_['seconds']} "
        f"(validate {gx_['validate_seconds']}) | {gx_['peak_mib']:,} | "
        f"{gx_['added_mib']:,} ({gx_['added_range']}) | {gx_['added_over_frame']} |",
        f"| stage 3 calls, in one process | {stage['seconds']} | "
        f"{stage['peak_mib']:,} | {stage['added_mib']:,} ({stage['added_range']}) | "
        f"{stage['added_over_frame']} |",
        f"| `playbook run --stages 3` (kernel, report) | {run['seconds']} "
        f"(stage {run['stage_seconds']}) | {run['largest_process_peak_mib']:,} | | |",
        "",
        "Stage 3 step by step, seconds (peak added MiB so far): "
        + ", ".join(
            f"{name} {value} ({stage['peaks'][name]:,})"
            for name, value in stage["steps"].items()
        ),
        "",
        f"Found: PII {', '.join(stage['pii']) or 'none'}; leaks kept out "
        f"{', '.join(stage['leaks']) or 'none'}; contract passed: "
        f"{stage['contract_passed']} ({stage['expectations']} expectations). Run "
        f"summary: {run['summary']} (exit {run['exit_code']}).",
        "",
        "Added = peak resident memory minus the resident memory just before the data "
        "was read (Python and the imports, "
        f"{stage['rss_before_mib']:,} MiB for stage 3). Each row but the last gives "
        f"the medians of {stage['repeats']} fresh processes (time, peak, added) and "
        "the range of added memory; the same read varies by the file's size in memory "
        "from one process to the next, with the machine's memory state.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--measure", choices=sorted(MEASURES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(MEASURES[args.measure]()))
        return
    if WORK.exists():
        shutil.rmtree(WORK)
    extract = write_extract(args.rows)
    results = {
        name: in_subprocess(name, repeats=1 if name == "run" else args.repeats)
        for name in ("pandas", "gx", "stage3", "run")
    }
    text = report(extract, results)
    print(text)
    with (BENCH / "results.md").open("a") as handle:
        handle.write("\n" + text)


if __name__ == "__main__":
    main()
