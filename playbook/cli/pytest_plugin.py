"""A pytest plugin: a team's charters run as journeys, each stage a test item.

Installed with the package (entry point `pytest11`). Name the charters in the pytest
configuration or on the command line:

    # pytest.ini (or [tool.pytest.ini_options] in pyproject.toml)
    [pytest]
    playbook_charters = charters/*.yaml
    playbook_fail_on = iterate

    $ pytest --junitxml=report.xml          # every charter the globs match
    $ pytest --playbook charters/churn.yaml  # just this one

Each charter becomes one test file: an item per selected stage (passed, failed with the
gate's reasons, an error with the crashed cell, or skipped when an earlier stage ended
the journey) and a `decision` item that fails when the decision is below the bar
(`--playbook-fail-on`: iterate fails ITERATE and STOP, stop fails STOP, never fails
none). The journey runs once, when its first item runs, into `--playbook-runs-dir`;
the items report what it found. Charters named by `playbook_charters` are collected
when pytest's collection walks over them (so `pytest tests/test_one.py` runs none);
those named by `--playbook` always are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playbook.run.ci import Case

_CHARTERS = pytest.StashKey[set[Path]]()
_FAIL_ON_CHOICES = ("never", "iterate", "stop")


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's command-line options and ini keys."""
    group = parser.getgroup("playbook", "playbook journeys as tests")
    group.addoption(
        "--playbook",
        action="append",
        default=[],
        metavar="PATH",
        help="A charter (YAML) or a glob of charters to run as journeys; repeatable.",
    )
    group.addoption(
        "--playbook-fail-on",
        choices=_FAIL_ON_CHOICES,
        default=None,
        help="Decisions that fail the decision item: iterate (ITERATE and STOP), "
        "stop (STOP only) or never (default: the playbook_fail_on ini key, iterate).",
    )
    group.addoption(
        "--playbook-runs-dir",
        default=None,
        metavar="DIR",
        help="Where run folders go (default: the playbook_runs_dir ini key, runs).",
    )
    group.addoption(
        "--playbook-stages",
        default=None,
        metavar="STAGES",
        help="Stages to run, e.g. 1-4 (default: the playbook_stages ini key, all).",
    )
    parser.addini(
        "playbook_charters",
        type="linelist",
        default=[],
        help="Globs, relative to the rootdir, of charters to run as journeys.",
    )
    parser.addini("playbook_fail_on", default="iterate", help="See --playbook-fail-on.")
    parser.addini("playbook_runs_dir", default="runs", help="See --playbook-runs-dir.")
    parser.addini("playbook_stages", default="", help="See --playbook-stages.")
    parser.addini(
        "playbook_markers",
        type="linelist",
        default=[],
        help="Markers every journey item gets, e.g. journey (to deselect with -m).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Find the charters; those given with --playbook become collection arguments."""
    fail_on = _fail_on(config)
    if fail_on not in _FAIL_ON_CHOICES:
        raise pytest.UsageError(
            f"playbook_fail_on = {fail_on!r}: use one of {', '.join(_FAIL_ON_CHOICES)}."
        )
    given = _expand(config.getoption("playbook"), Path.cwd(), option="--playbook")
    from_ini = _expand(config.getini("playbook_charters"), config.rootpath)
    config.stash[_CHARTERS] = set(given) | set(from_ini)
    if given:
        named = [str(path) for path in given]
        # Only the charters when no test path was typed; else the charters as well.
        explicit = config.args_source == pytest.Config.ArgsSource.ARGS
        config.args = [*config.args, *named] if explicit else named


def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> pytest.Collector | None:
    """A charter the configuration names becomes a journey."""
    if file_path.resolve() in parent.config.stash.get(_CHARTERS, set()):
        return JourneyFile.from_parent(parent, path=file_path)
    return None


class JourneyFile(pytest.File):
    """One charter: its journey runs once, when its first item runs."""

    _record: dict[str, Any] | None = None
    _error: Exception | None = None

    def collect(self) -> Iterator[pytest.Item]:
        """An item per selected stage, then the decision."""
        from playbook.core.journey import stage
        from playbook.run import runner

        for number in runner.parse_stages(_stages(self.config)):
            yield JourneyItem.from_parent(self, name=stage(number).key)
        yield JourneyItem.from_parent(self, name="decision")

    def case(self, name: str) -> Case:
        """The case of stage (or decision) `name`, running the journey the first time.

        Raises:
            JourneyFailed: The journey could not start (an unreadable charter, no data).
        """
        from playbook.core.journey import stage
        from playbook.errors import PlaybookError
        from playbook.run import ci, runner

        if self._record is None and self._error is None:
            try:
                result = runner.run_journey(
                    self.path,
                    runs_dir=_runs_dir(self.config),
                    stages=runner.parse_stages(_stages(self.config)),
                )
                self._record = result.manifest
            except PlaybookError as error:
                self._error = error
        if self._record is None:
            first = next(iter(runner.parse_stages(_stages(self.config))))
            if name != stage(first).key:
                pytest.skip("not reached: the journey could not start")
            raise JourneyFailed(f"the journey could not start: {self._error}")
        cases = ci.journey_cases(self._record, fail_on=_fail_on(self.config))
        return next(case for case in cases if case.name == name)


class JourneyFailed(Exception):
    """A stage stopped by a gate or crashed, or a decision below the bar."""


class JourneyItem(pytest.Item):
    """A stage of a journey, or its decision."""

    def __init__(self, **kwargs: Any) -> None:
        """Mark the item with the configured markers."""
        super().__init__(**kwargs)
        for marker in self.config.getini("playbook_markers"):
            self.add_marker(marker)

    def runtest(self) -> None:
        """Pass, fail or skip as the journey's record says for this stage."""
        assert isinstance(self.parent, JourneyFile)
        case = self.parent.case(self.name)
        if case.outcome == "skipped":
            pytest.skip(case.message or "skipped")
        if case.outcome != "passed":
            raise JourneyFailed(case.message)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        """The gate's, the crash's or the decision's message, without a traceback."""
        if isinstance(excinfo.value, JourneyFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the item comes from: the charter, and the stage."""
        return self.path, None, f"{self.path.name}::{self.name}"


def _expand(
    patterns: list[str], base: Path, *, option: str | None = None
) -> list[Path]:
    """The charters a list of paths and globs names, relative to `base`.

    Raises:
        pytest.UsageError: A --playbook path or glob matches no file.
    """
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_absolute() and path.exists():
            matches = [path]
        elif path.is_absolute():
            matches = sorted(Path(path.anchor).glob(str(path.relative_to(path.anchor))))
        else:
            matches = sorted(base.glob(pattern))
        if not matches and option:
            raise pytest.UsageError(
                f"{option} {pattern}: no such charter. Give a YAML file or a glob "
                "that matches one."
            )
        found.extend(match.resolve() for match in matches if match.is_file())
    return found


def _fail_on(config: pytest.Config) -> str:
    return str(
        config.getoption("playbook_fail_on") or config.getini("playbook_fail_on")
    )


def _runs_dir(config: pytest.Config) -> Path:
    given = config.getoption("playbook_runs_dir")
    return (
        Path(given) if given else config.rootpath / config.getini("playbook_runs_dir")
    )


def _stages(config: pytest.Config) -> str | None:
    return (
        config.getoption("playbook_stages") or config.getini("playbook_stages") or None
    )
