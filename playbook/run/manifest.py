"""The run's manifest: what ran, on what, with what result. Written after each stage."""

from __future__ import annotations

import datetime as dt
import json
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from playbook.core.files import write_atomic
from playbook.core.journey import STAGES, StageOutcome, to_jsonable

_PACKAGES = (
    "playbook",
    "pandas",
    "numpy",
    "scikit-learn",
    "great-expectations",
    "papermill",
    "nbconvert",
    "plotly",
    "pyyaml",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a run's numbers depend on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def now() -> str:
    """The current time in UTC, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def start(
    *,
    poc: str,
    title: str,
    run_id: str,
    charter_path: Path,
    charter_sha256: str,
    data_path: Path,
    data_sha256: str,
    synthetic_data: bool,
    seed: int,
    selected: list[int],
) -> dict[str, Any]:
    """A manifest for a starting run: every selected stage pending, others not run."""
    return {
        "poc": poc,
        "title": title,
        "run_id": run_id,
        "status": "running",
        "exit_code": None,
        "started_at": now(),
        "finished_at": None,
        "charter_path": str(charter_path),
        "charter_sha256": charter_sha256,
        "data_path": str(data_path),
        "data_sha256": data_sha256,
        "synthetic_data": synthetic_data,
        "seed": seed,
        "packages": package_versions(),
        "stages": {
            stage.key: {
                "number": stage.number,
                "title": stage.title,
                "status": "pending" if stage.number in selected else "not_run",
                "summary": None,
                "seconds": None,
                "notebook": None,
                "report": None,
                "error": None,
            }
            for stage in STAGES
        },
        "gates": [],
        "kpi": None,
        "decision": None,
        "reasons": [],
    }


def record_outcome(manifest: dict[str, Any], outcome: StageOutcome) -> None:
    """Copy what the manifest contract asks for out of a stage's outcome."""
    evidence = outcome.evidence or {}
    if outcome.gate:
        manifest["gates"].append(
            {
                "gate": outcome.gate,
                "stage": outcome.stage,
                "passed": outcome.status == "passed",
                "reasons": outcome.reasons,
                "details": evidence.get("gate_details"),
            }
        )
    if "kpi" in evidence:
        manifest["kpi"] = {
            key: evidence["kpi"][key]
            for key in (
                "metric",
                "unit",
                "period",
                "baseline_name",
                "baseline",
                "model",
                "lift",
                "lift_ci_low",
                "lift_ci_high",
                "min_lift",
                "relative_lift",
                "confidence",
            )
        }
    if "decision" in evidence:
        manifest["decision"] = evidence["decision"]["decision"]
        manifest["reasons"] = evidence["decision"]["reasons"]


def write(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write manifest.json atomically, so a reader never sees half a file."""
    text = json.dumps(to_jsonable(manifest), indent=2, allow_nan=False) + "\n"
    return write_atomic(run_dir / "manifest.json", text)


def read(run_dir: str | Path) -> dict[str, Any] | None:
    """Read a run's manifest; None when the folder has none (a notebook run by hand)."""
    path = Path(run_dir) / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else None
