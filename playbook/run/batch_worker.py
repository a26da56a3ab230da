"""A batch worker: `python -m playbook.run.batch_worker` runs one journey of a batch.

The supervisor (`supervision.supervise`) starts it, writes the journey as JSON on its
stdin and reads its progress as JSON lines on its stdout. Nothing imports this module:
run with `-m` it is loaded once, as __main__.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from playbook.errors import PlaybookError
from playbook.run.interruption import interrupt_on_sigterm


def main() -> int:
    """Run one journey from stdin; return its exit code.

    Reads the journey as JSON on stdin and writes progress as JSON lines on stdout;
    everything else the process prints goes to stderr.
    """
    from playbook.run import runner

    job = json.loads(sys.stdin.read())
    events = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    interrupt_on_sigterm()
    threading.Thread(
        target=_interrupt_when_orphaned, args=(os.getppid(),), daemon=True
    ).start()

    def send(kind: str, **fields: Any) -> None:
        events.write(json.dumps({"kind": kind, **fields}, default=str) + "\n")

    def relay(event: runner.StageEvent) -> None:
        send(
            "stage",
            stage=event.stage.number,
            status=event.status,
            run_dir=str(event.run_dir) if event.run_dir else None,
        )

    try:
        result = runner.run_journey(
            Path(job["charter"]),
            runs_dir=Path(job["runs_dir"]),
            seed=job["seed"],
            data_path=Path(job["data"]) if job["data"] else None,
            stages=job["stages"],
            notebooks_dir=Path(job["notebooks"]) if job["notebooks"] else None,
            on_event=relay,
            overrides=job["overrides"],
            refresh_portfolio=False,
        )
    except PlaybookError as error:
        send("error", exit_code=error.exit_code, message=str(error))
        return error.exit_code
    except KeyboardInterrupt:
        send("interrupted")
        return 130
    record = result.manifest
    send(
        "finished",
        exit_code=result.exit_code,
        run_dir=str(result.run_dir),
        status=record["status"],
        decision=record["decision"],
        kpi=record["kpi"],
        message=_message(record),
    )
    return result.exit_code


def _message(record: dict[str, Any]) -> str | None:
    """One line on what stopped a journey: its failed stage, else its failed gate."""
    failed = [
        entry["error"]
        for entry in record["stages"].values()
        if entry.get("error") and entry["status"] == "failed"
    ]
    gates = [g for g in record["gates"] if not g["passed"]]
    message = None
    if failed:
        message = f"{failed[0]['name']}: {failed[0]['message']}"
        if failed[0].get("cell"):
            message += f" (cell {failed[0]['cell']})"
    elif gates:
        message = "; ".join(gates[0]["reasons"][:2])
    return message


def _interrupt_when_orphaned(parent: int) -> None:
    """Stop the journey, as Ctrl-C would, when the supervisor that started it dies."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGINT)


if __name__ == "__main__":
    sys.exit(main())
