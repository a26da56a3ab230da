"""Hostile charters, names and commands: seeds, YAML, terminal text, shell names, init.

Exit codes (playbook/errors.py): 0 fine, 2 a blocker or a usage error (click's own exit
code for a bad option), 1 any other error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from hostile.data_cases import check, set_data
from hostile.harness import PASSWORD, SECRET, Case, Outcome, Workspace

# Names that act on a terminal or on Rich when printed raw.
MARKUP = "x[/]y"
CLEAR = "clear\x1b[2J\x1b[H"
TITLE = "t\x1b]0;owned\x07t"
NEWLINE = "a\nerror: nothing is wrong"
C1 = "c\x9b31mred"
BIDI = "id\u202egnp.exe"
HOSTILE_NAMES = {
    "markup": MARKUP,
    "ansi-clear": CLEAR,
    "osc-title": TITLE,
    "newline": NEWLINE,
    "c1-csi": C1,
    "bidi": BIDI,
}
SHELL_NAME = "c;touch PWNED_$(id -u);#.yaml"


def _no_pwned(ws: Workspace, outcome: Outcome) -> list[str]:
    made = [str(p) for p in ws.root.rglob("PWNED*")]
    made += [str(p) for p in ws.work.parent.parent.glob("PWNED*")]
    return [f"a shell command ran: {made}"] if made else []


def _renamed_column(name: str) -> Callable[[Workspace], list[str]]:
    """`check` on data whose `region` column is named `name`, with a rule on it."""

    def prepare(ws: Workspace) -> list[str]:
        frame = ws.frame().rename(columns={"region": name})
        ws.write_data(frame)

        def edit(charter: dict[str, Any]) -> None:
            charter["baseline"]["rule"]["conditions"][0] = {
                "column": name,
                "op": "==",
                "value": "nowhere",
            }

        return ["check", str(ws.charter(edit))]

    return prepare


def _suggest_column(name: str) -> Callable[[Workspace], list[str]]:
    """`checks suggest` on data with a column named `name`."""

    def prepare(ws: Workspace) -> list[str]:
        path = ws.write_data(ws.frame().rename(columns={"region": name}), "d.csv")
        return ["checks", "suggest", str(path), "--target", "churned", "--out",
                str(ws.work / "contract.yaml")]  # fmt: skip

    return prepare


def _one_row_count(ws: Workspace, outcome: Outcome) -> list[str]:
    """The written contract has the expectations suggest made, none injected."""
    path = ws.work / "contract.yaml"
    if not path.exists():
        return ["no contract written"]
    text = path.read_text(encoding="utf-8")
    kinds = [e["type"] for e in yaml.safe_load(text)["expectations"]]
    found = []
    if kinds.count("expect_table_row_count_to_be_between") != 1:
        found.append(f"row-count expectations: {kinds}")
    if any(ch in text for ch in "\x1b\x07\x9b"):
        found.append("a raw control character in the written contract")
    return found


def _text(content: str | bytes, name: str = "charter.yaml") -> Callable:
    def prepare(ws: Workspace) -> list[str]:
        ws.example()
        path = ws.poc / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return ["check", str(path)]

    return prepare


def _top(**fields: object) -> Callable[[dict[str, Any]], None]:
    def edit(charter: dict[str, Any]) -> None:
        charter.update(fields)

    return edit


def _kpi(**fields: object) -> Callable[[dict[str, Any]], None]:
    def edit(charter: dict[str, Any]) -> None:
        charter["kpi"].update(fields)

    return edit


def _named(name: str) -> Callable[[Workspace], list[str]]:
    """`check` on the tiny charter saved under a hostile file name."""

    def prepare(ws: Workspace) -> list[str]:
        return ["check", str(ws.charter(name=name))]

    return prepare


def _run(*extra: str) -> Callable[[Workspace], list[str]]:
    """`playbook run` on the tiny charter with options that are refused up front."""

    def prepare(ws: Workspace) -> list[str]:
        return ["run", str(ws.charter()), "--runs-dir", str(ws.work / "runs"), *extra]

    return prepare


def _nothing_run(ws: Workspace, outcome: Outcome) -> list[str]:
    runs = ws.work / "runs"
    return [f"a run folder was made: {runs}"] if runs.exists() else []


def bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + f"\nbomb: *a{levels - 1}\n"


def _bomb_charter(ws: Workspace) -> list[str]:
    ws.charter()
    text = (ws.poc / "charter.yaml").read_text()
    path = ws.poc / "bomb.yaml"
    path.write_text(bomb() + text.replace("title:", "title: *a8\nx_title:", 1))
    return ["check", str(path)]


def _init(*extra: str, answers: str | None = None) -> Callable[[Workspace], list[str]]:
    """`playbook init --no-interactive` into the work folder, with `extra` flags."""

    def prepare(ws: Workspace) -> list[str]:
        args = ["init", "--no-interactive", "--out", str(ws.work / "charter.yaml")]
        if answers is not None:
            path = ws.write("answers.yaml", answers)
            args += ["--answers", str(path)]
        return [*args, *extra]

    return prepare


def _init_shell_name(ws: Workspace) -> list[str]:
    return ["init", "--no-interactive", "--out", str(ws.work / SHELL_NAME)]


def _init_over(ws: Workspace) -> list[str]:
    ws.write("work/charter.yaml", f"keep: {SECRET}\n")
    return ["init", "--no-interactive", "--out", str(ws.work / "charter.yaml")]


def _kept(ws: Workspace, outcome: Outcome) -> list[str]:
    text = (ws.work / "charter.yaml").read_text()
    return [] if SECRET in text else ["init wrote over an existing charter"]


# The planted secret lives in the file init must keep: only the output is searched.
_KEEP = (PASSWORD,)

CASES = [
    # --- seeds ------------------------------------------------------------------
    Case(
        "seed-minus-one",
        "seeds",
        "run --seed -1",
        _run("--seed", "-1"),
        (2,),
        verify=_nothing_run,
    ),
    Case(
        "seed-2-64",
        "seeds",
        "run --seed 2**64",
        _run("--seed", str(2**64)),
        (2,),
        verify=_nothing_run,
    ),
    Case(
        "seed-text",
        "seeds",
        "run --seed abc",
        _run("--seed", "abc"),
        (2,),
        verify=_nothing_run,
    ),
    Case(
        "stages-9",
        "seeds",
        "run --stages 9",
        _run("--stages", "9"),
        (2,),
        verify=_nothing_run,
    ),
    Case(
        "stages-garbage",
        "seeds",
        "run --stages '1-;rm'",
        _run("--stages", "1-;rm"),
        (1, 2),
        verify=_nothing_run,
    ),
    Case(
        "charter-seed-negative",
        "seeds",
        "charter seed: -1",
        check(edit=_top(seed=-1)),
        (2,),
    ),
    Case(
        "charter-seed-huge",
        "seeds",
        "charter seed: 2**64",
        check(edit=_top(seed=2**64)),
        (2,),
    ),
    Case(
        "charter-seed-float",
        "seeds",
        "charter seed: 1.5",
        check(edit=_top(seed=1.5)),
        (2,),
    ),
    # --- YAML -------------------------------------------------------------------
    Case(
        "yaml-bomb",
        "YAML",
        "billion-laughs aliases (9 levels) in a charter",
        _bomb_charter,
        (2,),
        timeout=30,
    ),
    Case(
        "yaml-python-tag",
        "YAML",
        "!!python/object/apply:os.system in a charter",
        _text("poc: !!python/object/apply:os.system ['touch PWNED']\n"),
        (2,),
        verify=_no_pwned,
    ),
    Case("yaml-empty", "YAML", "an empty charter file", _text(""), (2,)),
    Case("yaml-list", "YAML", "a charter that is a list", _text("- a\n- b\n"), (2,)),
    Case("yaml-scalar", "YAML", "a charter that is one string", _text("hello\n"), (2,)),
    Case(
        "yaml-binary",
        "YAML",
        "a charter of binary bytes",
        _text(b"\x00\xff\xfe\x81binary"),
        (2,),
    ),
    Case(
        "yaml-tabs",
        "YAML",
        "a charter indented with tabs",
        _text("version: 1\ndata:\n\tpath: x.csv\n"),
        (2,),
    ),
    Case(
        "yaml-duplicate-keys",
        "YAML",
        "the same key twice",
        _text("version: 1\npoc: a\npoc: b\n"),
        (2,),
    ),
    Case(
        "yaml-deep",
        "YAML",
        "5,000 nested lists",
        _text("x: " + "[" * 5000 + "]" * 5000 + "\n"),
        (2,),
    ),
    Case("yaml-version-99", "YAML", "version: 99", check(edit=_top(version=99)), (2,)),
    Case(
        "yaml-unknown-key-ansi",
        "YAML",
        "an unknown key holding ESC and BEL",
        check(edit=_top(**{"evil\x1b]0;owned\x07": 1})),
        (2,),
    ),
    Case(
        "yaml-unknown-key-newline",
        "YAML",
        "an unknown key holding a newline",
        check(edit=_top(**{"x\nerror: fake": 1})),
        (2,),
    ),
    Case(
        "yaml-secret-unknown-key",
        "YAML",
        "an unknown key whose value is a secret",
        check(edit=_top(api_token=SECRET)),
        (2,),
    ),
    Case(
        "huge-min-lift",
        "YAML",
        "kpi.min_lift: 1e400 (infinity)",
        check(edit=_kpi(min_lift=float("inf"))),
        (2,),
    ),
    Case(
        "huge-int-capacity",
        "YAML",
        "kpi.capacity_per_period: 10**40",
        check(edit=_kpi(capacity_per_period=10**40)),
        (2,),
    ),
    Case(
        "huge-resamples",
        "YAML",
        "kpi.bootstrap_resamples: 10**12",
        check(edit=_kpi(bootstrap_resamples=10**12)),
        (2,),
    ),
    Case(
        "negative-capacity",
        "YAML",
        "kpi.capacity_per_period: -5",
        check(edit=_kpi(capacity_per_period=-5)),
        (2,),
    ),
    Case(
        "nan-confidence",
        "YAML",
        "kpi.confidence: .nan",
        check(edit=_kpi(confidence=float("nan"))),
        (2,),
    ),
    Case(
        "poc-traversal",
        "YAML",
        "poc: ../../etc",
        check(edit=_top(poc="../../etc")),
        (2,),
    ),
    # --- terminal ----------------------------------------------------------------
    *(
        Case(
            f"column-{key}",
            "terminal",
            f"a data column named {name!r}, in a rule",
            _renamed_column(name),
            (2,),
        )
        for key, name in HOSTILE_NAMES.items()
    ),
    *(
        Case(
            f"suggest-column-{key}",
            "terminal",
            f"checks suggest on a column named {name!r}",
            _suggest_column(name),
            (0,),
            verify=_one_row_count,
        )
        for key, name in HOSTILE_NAMES.items()
    ),
    Case(
        "suggest-target-ansi",
        "terminal",
        "checks suggest --target with an OSC escape",
        lambda ws: [
            "checks",
            "suggest",
            str(ws.write_data(ws.frame(), "d.csv")),
            "--target",
            TITLE,
            "--out",
            str(ws.work / "c.yaml"),
        ],
        (2,),
    ),
    Case(
        "poc-markup",
        "terminal",
        "poc and title with Rich markup and ANSI",
        check(edit=_top(poc="[red]x[/]", title=CLEAR)),
        (0, 2),
    ),
    Case(
        "charter-file-ansi",
        "terminal",
        "charter file named with ESC and [/]",
        _named("[bold]c\x1b[2J.yaml"),
        (0,),
    ),
    # --- shell names -----------------------------------------------------------------
    Case(
        "shell-charter-name",
        "shell names",
        f"charter file {SHELL_NAME!r}",
        _named(SHELL_NAME),
        (0,),
        verify=_no_pwned,
    ),
    Case(
        "space-charter-name",
        "shell names",
        "charter file 'my charter (v2).yaml'",
        _named("my charter (v2).yaml"),
        (0,),
    ),
    Case(
        "dollar-charter-name",
        "shell names",
        "charter file '$(reboot)`id`.yaml'",
        _named("$(reboot)`id`.yaml"),
        (0,),
        verify=_no_pwned,
    ),
    Case(
        "init-shell-out",
        "shell names",
        f"init --out {SHELL_NAME!r}",
        _init_shell_name,
        (0,),
        verify=_no_pwned,
    ),
    Case(
        "data-path-shell",
        "shell names",
        "data.path '$(touch PWNED).csv'",
        check(edit=set_data(path="$(touch PWNED).csv")),
        (0,),
        verify=_no_pwned,
    ),
    # --- init ---------------------------------------------------------------------
    Case(
        "init-unknown-field",
        "init",
        "init --set nosuch.field=1",
        _init("--set", "nosuch.field=1"),
        (2,),
    ),
    Case(
        "init-bad-number",
        "init",
        "init --set kpi.min_lift=abc",
        _init("--set", "kpi.min_lift=abc"),
        (2,),
    ),
    Case(
        "init-ansi-value",
        "init",
        "init --set title with an OSC escape",
        _init("--set", f"title={TITLE}"),
        (0, 2),
    ),
    Case(
        "init-sql-password",
        "init",
        "init --set data.sql.url with a password",
        _init("--set", f"data.sql.url=postgresql://u:{PASSWORD}@db/crm"),
        (2,),
    ),
    Case(
        "init-unknown-template",
        "init",
        "init --template no-such",
        _init("--template", "no-such"),
        (1, 2),
    ),
    Case(
        "init-template-fifo",
        "init",
        "init --template /dev/zero",
        _init("--template", "/dev/zero"),
        (1, 2),
        timeout=20,
    ),
    Case(
        "init-over-existing",
        "init",
        "init --out an existing charter, no --force",
        _init_over,
        (1,),
        secrets=_KEEP,
        verify=_kept,
    ),
    Case(
        "init-answers-bomb",
        "init",
        "init --answers a billion-laughs file",
        _init(answers=bomb()),
        (2,),
        timeout=30,
    ),
    Case(
        "init-answers-list",
        "init",
        "init --answers a YAML list",
        _init(answers="- a\n- b\n"),
        (2,),
    ),
    Case(
        "init-answers-secret",
        "init",
        "init --answers with an unknown secret key",
        _init(answers=f"api_token: {SECRET}\n"),
        (2,),
    ),
]
