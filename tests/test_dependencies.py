"""Every package playbook imports is declared; optional ones stay optional."""

import ast
import functools
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from playbook.charter.model import SqlSource
from playbook.data import sql_source
from playbook.errors import DataError

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# Loaded only by pytest itself, which is then there by definition.
PLUGIN_ONLY = {"pytest": "playbook/cli/pytest_plugin.py"}
OPTIONAL = {"sqlalchemy": "sql", "jupyterlab": "lab", "distributed": "dask"}


def requirement_name(text: str) -> str:
    name = re.split(r"[\[<>=!~;\s]", text, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def names(requirement: str) -> set[str]:
    """A requirement's distribution, and the one its extra names (dask[distributed])."""
    name = requirement_name(requirement)
    extra = re.search(r"\[([\w-]+)\]", requirement)
    return {name, extra.group(1)} if extra and name != "playbook" else {name}


def declared() -> dict[str, set[str]]:
    """Distribution names by where they are declared: "" the core, else the extra."""
    found = {"": set().union(*map(names, PROJECT["project"]["dependencies"]))}
    for extra, requirements in PROJECT["project"]["optional-dependencies"].items():
        found[extra] = set().union(*map(names, requirements))
    return found


# Modules only the type checker has (its stubs of the standard library), imported
# under `if TYPE_CHECKING:`: nothing installs them and nothing runs them.
TYPE_CHECKER_ONLY = {"_typeshed"}


@functools.cache
def _parsed() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of playbook/, parsed once for the tests that read its imports."""
    return tuple(
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted((REPO / "playbook").rglob("*.py"))
    )


def imports(*, module_level_only: bool = False) -> dict[str, set[str]]:
    """Third-party top-level modules imported by playbook/, with the files."""
    found: dict[str, set[str]] = {}
    for path, tree in _parsed():
        inside = _inside_functions(tree) if module_level_only else set()
        nodes = [node for node in ast.walk(tree) if id(node) not in inside]
        for node in nodes:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                ours_or_standard = {*sys.stdlib_module_names, *TYPE_CHECKER_ONLY}
                if top and top not in ours_or_standard and top != "playbook":
                    found.setdefault(top, set()).add(path.relative_to(REPO).as_posix())
    return found


def _inside_functions(tree: ast.AST) -> set[int]:
    """Ids of the nodes within a function body: imported when called, not on import."""
    return {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for child in ast.walk(node)
    }


def test_every_imported_package_is_declared():
    distributions = packages_distributions()
    everywhere = set().union(*declared().values())
    missing = {}
    for module, files in imports().items():
        if PLUGIN_ONLY.get(module) and files == {PLUGIN_ONLY[module]}:
            continue
        names = {requirement_name(name) for name in distributions.get(module, [])}
        if not names & everywhere:
            missing[module] = sorted(files)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_optional_packages_are_in_their_extra_and_never_imported_at_import_time():
    extras = declared()
    for module, extra in OPTIONAL.items():
        assert requirement_name(module) in extras[extra]
        assert requirement_name(module) not in extras[""]
    at_import = imports(module_level_only=True)
    assert not set(OPTIONAL) & set(at_import), {
        module: at_import[module] for module in set(OPTIONAL) & set(at_import)
    }


def test_dev_installs_the_extras_the_tests_need():
    dev = " ".join(PROJECT["project"]["optional-dependencies"]["dev"])
    for extra in ("dask", "excel", "lab", "sql"):
        assert re.search(rf"playbook\[[^\]]*\b{extra}\b", dev), extra


def test_every_declared_package_is_pinned_in_the_tested_set():
    pinned = {
        requirement_name(line)
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    requirements = [
        *PROJECT["project"]["dependencies"],
        *(
            r
            for extra in PROJECT["project"]["optional-dependencies"].values()
            for r in extra
        ),
    ]
    unpinned = {requirement_name(r) for r in requirements} - pinned - {"playbook"}
    assert not unpinned


def test_readme_names_the_tested_versions_as_pinned():
    pins = {
        requirement_name(line): line.split("==")[1]
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Installing, and the versions that are tested")[1]
    named = re.findall(r"([A-Za-z_\-]+) (\d+\.\d+\.\d+)", section.split("##")[0])
    assert len(named) >= 5
    for name, version in named:
        assert pins[requirement_name(name)] == version, name


def test_sql_without_sqlalchemy_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # import now fails
    source = SqlSource(
        url="sqlite:///crm.db", query="SELECT 1", shown_url="sqlite:///crm.db"
    )
    with pytest.raises(DataError, match=r'pip install "playbook\[sql\]"'):
        sql_source.query(source, folder=tmp_path, charter=tmp_path / "c.yaml")
