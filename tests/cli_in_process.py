"""`playbook ARGS` run in the test's own process, as `python -m playbook` runs it.

`python -m playbook` is `app(prog_name="playbook")` (playbook/__main__.py); Typer's
runner calls the same app with the same arguments, so a test sees the same exit code
and output without a new interpreter, which costs 2 s of CPU (more when it imports
GX) per call.
"""

import dataclasses
import os
from pathlib import Path

from typer.testing import CliRunner

from playbook.cli.app import app


@dataclasses.dataclass(frozen=True)
class Ran:
    """What `playbook ARGS` printed and how it exited."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path, stdin: str = "") -> Ran:
    """Run `playbook ARGS` in the folder `cwd` with `stdin` piped in.

    An exception that escaped the command (a traceback a user would see) fails the
    test here, naming what was printed.
    """
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), input=stdin, prog_name="playbook")
    finally:
        os.chdir(before)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output
    )
    return Ran(result.exit_code, result.stdout, result.stderr)
