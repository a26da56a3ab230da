"""Run one hostile input through the `playbook` command and judge what came out.

A `Case` builds its inputs in a fresh folder (a `Workspace`) and names the command;
`run_case` runs it (in-process through Typer's CliRunner, or as a subprocess where a
signal or a real process matters) and returns an `Outcome`; `problems` lists what is
wrong with it: an unexpected exit code, a traceback, a planted secret in the output or
in any file the command wrote, a raw control character in the output, a hang, or what
the case's own `verify` finds. The pytest test and `bench/hostile_inputs.py` share it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"

# Strings planted in inputs that no output and no written file may hold.
SECRET = "PLANTED-SECRET-7c1e"
PASSWORD = "PLANTED-PW-hunter2"

# A raw control character in the terminal output acts on the terminal (ESC, BEL, C1).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TIMEOUT = 60.0


@dataclass(frozen=True)
class Case:
    """One hostile input: how to build it, the command, and what must come out.

    Attributes:
        id: Short unique name (the pytest id).
        group: The kind of input, as in issue #17's list.
        input: What the input is, for the table in docs/hostile-inputs.md.
        prepare: Builds the inputs in the workspace and returns the command's
            arguments (after `playbook`).
        exits: The exit codes that are right for this input (playbook/errors.py).
        secrets: Strings planted in the inputs that must appear nowhere.
        verify: Further checks on the outcome; returns what is wrong.
        subprocess: Run as a real process (signals, a real stdin).
        signal_after: Send this signal once a run's manifest is written, or after
            `signal_after[1]` seconds (subprocess).
        slow: Starts a kernel: marked `slow`.
        xfail: Why the case fails on this branch (strict xfail), or None.
        timeout: Seconds the command may take.
    """

    id: str
    group: str
    input: str
    prepare: Callable[[Workspace], list[str]]
    exits: tuple[int, ...]
    secrets: tuple[str, ...] = (SECRET, PASSWORD)
    verify: Callable[[Workspace, Outcome], list[str]] | None = None
    subprocess: bool = False
    signal_after: tuple[int, float] | None = None
    slow: bool = False
    xfail: str | None = None
    timeout: float = TIMEOUT


@dataclass
class Outcome:
    """What one command did."""

    args: list[str]
    exit_code: int | None
    stdout: str
    stderr: str
    seconds: float
    hung: bool = False
    uncaught: str | None = None  # an exception that escaped the command, formatted
    written: dict[str, bytes] = field(default_factory=dict)

    @property
    def output(self) -> str:
        """Stdout and stderr together."""
        return self.stdout + self.stderr

    @property
    def message(self) -> str:
        """The first error line, else the first line printed."""
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        first = next(
            (n for n, line in enumerate(lines) if line.startswith("error") or
             "blocker:" in line),
            0,
        )  # fmt: skip
        shown = lines[first : first + 2] if lines else [""]
        # "error: 3 problems in the charter:" says little without its first problem.
        return " ".join(shown) if shown[0].endswith(":") else shown[0]


class Workspace:
    """A fresh folder for one case: the tiny example, charters, data and files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"  # the command's current folder
        self.work.mkdir(parents=True)
        self.poc = root / "poc"
        self.env: dict[str, str] = {}
        self.stack = contextlib.ExitStack()
        self._charter: dict[str, Any] | None = None

    def example(self, *, customers: int = 300) -> Path:
        """The tiny SYNTHETIC churn example (charter, contract, data); its charter."""
        if not (self.poc / "charter.yaml").exists():
            from tiny import make_example

            make_example(self.poc, customers=customers)
        return self.poc / "charter.yaml"

    def charter(
        self,
        edit: Callable[[dict[str, Any]], None] | None = None,
        *,
        name: str = "charter.yaml",
    ) -> Path:
        """The tiny charter with `edit` applied, written as `name` next to the data."""
        self.example()
        raw = yaml.safe_load((FIXTURES / "tiny_charter.yaml").read_text())
        # Without the tiny charter's own two warnings, what is printed is the case's.
        raw["team"]["roles"]["ml_engineer"] = "Platform team"
        raw["budget"]["amount"] = 1_000_000
        if edit is not None:
            edit(raw)
        path = self.poc / name
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return path

    def frame(self) -> pd.DataFrame:
        """The example's data, to edit and write back with `write_data`."""
        self.example()
        return pd.read_csv(self.poc / "churn_SYNTHETIC.csv")

    def write_data(
        self, frame: pd.DataFrame, name: str = "churn_SYNTHETIC.csv"
    ) -> Path:
        """Write `frame` into the example's folder as `name` (CSV or Parquet)."""
        self.example()
        path = self.poc / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        return path

    def write(self, relative: str, content: str | bytes) -> Path:
        """Write a file under the workspace's root."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def patch(self, owner: object, name: str, value: object) -> None:
        """Set `owner.name` for the command only (in-process cases)."""
        old = getattr(owner, name)
        setattr(owner, name, value)
        self.stack.callback(setattr, owner, name, old)

    def model(self) -> Path:
        """A run folder holding a saved stage 4 model of the tiny example (shared)."""
        return _shared_model()


@functools.cache
def _shared_model() -> Path:
    """Fit and save one small model for every `score` case of the process (~5 s)."""
    from tiny import make_example, save_model

    from playbook import charter, data
    from playbook.tasks import evaluation

    folder = Path(tempfile.mkdtemp(prefix="hostile-model-"))
    path = make_example(folder / "example", customers=1000)
    # Without the contract's SYNTHETIC-id pattern, hostile ids reach the scores file.
    contract = folder / "example" / "churn.checks.yaml"
    pattern = "  - type: expect_column_values_to_match_regex\n    column: customer_id\n"
    text = contract.read_text()
    assert pattern in text, "the churn contract no longer pins the id pattern"
    contract.write_text(
        text.replace(
            pattern,
            "  - type: expect_column_to_exist\n    column: customer_id\n  # ",
            1,
        )
    )
    poc = charter.load(path)
    frame = data.load(poc.data.path)
    result = evaluation.compare(frame, poc=poc, seed=7, tuning_seconds=0, trials=1)
    return save_model(
        poc, frame, result, folder=folder, seed=7, repeats=1, single_rows=2
    )


def _snapshot(root: Path) -> dict[Path, tuple[int, int]]:
    found = {}
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                stat = path.stat()
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def _written(root: Path, before: dict[Path, tuple[int, int]]) -> dict[str, bytes]:
    written = {}
    for path, mark in _snapshot(root).items():
        if before.get(path) != mark:
            with contextlib.suppress(OSError):
                written[str(path.relative_to(root))] = path.read_bytes()
    return written


@contextlib.contextmanager
def _inside(workspace: Workspace) -> Iterator[None]:
    """The command's current folder and environment, restored after."""
    old_cwd = Path.cwd()
    old_env = {name: os.environ.get(name) for name in workspace.env}
    os.chdir(workspace.work)
    os.environ.update(workspace.env)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        for name, value in old_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _in_process(case: Case, args: list[str], workspace: Workspace) -> Outcome:
    from typer.testing import CliRunner

    from playbook.cli.app import app

    box: dict[str, Any] = {}

    def invoke() -> None:
        box["result"] = CliRunner().invoke(app, args, prog_name="playbook")

    started = time.monotonic()
    with _inside(workspace):
        # A thread, so that a hang is seen as one (the thread is left behind).
        thread = threading.Thread(target=invoke, daemon=True)
        thread.start()
        thread.join(case.timeout)
    took = time.monotonic() - started
    if thread.is_alive():
        return Outcome(args, None, "", "", took, hung=True)
    result = box["result"]
    uncaught = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        uncaught = "".join(traceback.format_exception(result.exception))
    return Outcome(
        args, result.exit_code, result.stdout, result.stderr, took, uncaught=uncaught
    )


def _wait_for_a_run(
    workspace: Workspace, process: subprocess.Popen, *, seconds: float
) -> None:
    """Wait until a run's manifest is written (its stage 1 started), at most `seconds`.

    A signal then lands on a running journey, not on a process still importing.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        if any(workspace.work.rglob("manifest.json")):
            time.sleep(1.0)
            return
        time.sleep(0.2)


def _as_process(case: Case, args: list[str], workspace: Workspace) -> Outcome:
    env = {**os.environ, **workspace.env, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "playbook", *args],
        cwd=workspace.work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    if case.signal_after is not None:
        number, after = case.signal_after
        _wait_for_a_run(workspace, process, seconds=after)
        if process.poll() is None:
            if number == signal.SIGINT:  # Ctrl-C reaches the terminal's process group
                os.killpg(process.pid, number)
            else:  # `kill PID`, as a CI runner or a scheduler sends SIGTERM
                process.send_signal(number)
    try:
        stdout, stderr = process.communicate(timeout=case.timeout)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        hung = True
    took = time.monotonic() - started
    code = None if hung else process.returncode
    # A process killed by a signal reports -N; the shell's convention is 128 + N.
    if code is not None and code < 0:
        code = 128 - code
    return Outcome(args, code, stdout, stderr, took, hung=hung)


def run_case(case: Case, root: Path) -> tuple[Workspace, Outcome]:
    """Build `case`'s inputs under `root` (an empty folder) and run its command."""
    workspace = Workspace(root)
    with workspace.stack:
        args = case.prepare(workspace)
        before = _snapshot(root)
        runner = _as_process if case.subprocess else _in_process
        outcome = runner(case, args, workspace)
        outcome.written = _written(root, before)
    return workspace, outcome


def problems(case: Case, workspace: Workspace, outcome: Outcome) -> list[str]:
    """Everything wrong with `outcome` for `case`; empty when it behaved."""
    found = []
    if outcome.hung:
        return [f"hung: no exit within {case.timeout:.0f} s"]
    if outcome.exit_code not in case.exits:
        found.append(f"exit {outcome.exit_code}, expected one of {case.exits}")
    if outcome.uncaught is not None:
        found.append(f"uncaught exception: {outcome.uncaught.splitlines()[-1]}")
    if "Traceback (most recent call last)" in outcome.output:
        found.append("a traceback in the output")
    for secret in case.secrets:
        if secret in outcome.output:
            found.append(f"planted secret {secret!r} in the output")
        for name, content in outcome.written.items():
            if secret.encode() in content:
                found.append(f"planted secret {secret!r} in written file {name}")
    raw = _RAW_CONTROL.search(outcome.output)
    if raw is not None:
        found.append(f"raw control character {raw.group()!r} in the output")
    if case.verify is not None:
        found.extend(case.verify(workspace, outcome))
    return found
