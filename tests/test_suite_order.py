"""The order in which `make test` hands the test files to its workers (conftest.py)."""

import tomllib
from pathlib import Path

from conftest import SLOWEST_FIRST, pytest_collection_modifyitems

TESTS = Path(__file__).resolve().parent


class Item:
    """What the ordering reads of a collected test: its file."""

    def __init__(self, name: str, number: int) -> None:
        self.path = TESTS / name
        self.number = number


def test_every_file_named_slowest_first_exists():
    assert [name for name in SLOWEST_FIRST if not (TESTS / name).is_file()] == []
    assert len(set(SLOWEST_FIRST)) == len(SLOWEST_FIRST)


def test_the_slowest_files_come_first_and_each_file_keeps_its_order():
    first, second = SLOWEST_FIRST[:2]
    items = [
        Item("test_calendar.py", 0),
        Item(second, 1),
        Item("test_calendar.py", 2),
        Item(first, 3),
        Item("test_kpi.py", 4),
        Item(second, 5),
    ]

    pytest_collection_modifyitems(items)

    assert [(item.path.name, item.number) for item in items] == [
        (first, 3),
        (second, 1),
        (second, 5),
        ("test_calendar.py", 0),
        ("test_calendar.py", 2),
        ("test_kpi.py", 4),
    ]


def test_xdist_keeps_the_collection_order():
    project = tomllib.loads((TESTS.parent / "pyproject.toml").read_text())
    options = project["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "--no-loadscope-reorder" in options
