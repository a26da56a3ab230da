"""The `playbook` command line: a thin shell over the package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from playbook import __version__
from playbook.cli import checks_commands, lab_command, memo_command, score_command
from playbook.cli.commands import (
    PlaybookTyper,
    console,
    exit_on_error,
    fail,
    printing,
)
from playbook.cli.options import (
    AllowPathOption,
    FailOnOption,
    JunitOption,
    LangOption,
    ReplaceOption,
    RunsDirOption,
    SeedOption,
    StagesOption,
)
from playbook.cli.safe_text import shown
from playbook.core.language import Language
from playbook.core.messages import translated
from playbook.core.printable import printable
from playbook.errors import PlaybookError
from playbook.synthetic import demo as demo_example

if TYPE_CHECKING:
    pass

app = PlaybookTyper(
    help=(
        "Walk a machine-learning proof of concept through the seven-stage adoption "
        "journey and get a go / iterate / stop decision in business terms.\n\n"
        "Start with `playbook demo`, then point `playbook run` at your own charter."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        console.print(f"playbook {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Walk a POC through the seven-stage ML adoption journey."""


@app.command()
def run(
    charter: Annotated[
        Path,
        typer.Argument(
            help="The POC charter (YAML; see templates/ for examples), or a run "
            "folder (or its manifest.json) to run again as it ran."
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Data file to use instead of the charter's data.path."
        ),
    ] = None,
    stages: StagesOption = None,
    runs_dir: RunsDirOption = Path("runs"),
    seed: SeedOption = None,
    tuning_seconds: Annotated[
        float | None,
        typer.Option(
            "--tuning-seconds",
            min=0,
            help="Wall time stage 4 may spend tuning the candidate models (default "
            "60). Each candidate's default settings are fitted whatever the budget.",
        ),
    ] = None,
    data_docs: Annotated[
        bool,
        typer.Option("--data-docs", help="Build GX Data Docs of stage 3's contract."),
    ] = False,
    fail_on: FailOnOption = "never",
    junit: JunitOption = None,
    allow_path: AllowPathOption = None,
    lang: LangOption = None,
) -> None:
    """Run the journey for one charter and write its reports.

    Exit codes: 0 the journey completed, 2 a gate stopped it (the charter or the data
    must be fixed), 3 it completed but decided below the --fail-on bar, 1 an error (a
    stage crashed; its notebook and cell are named).
    """
    from playbook.cli import journey_output
    from playbook.cli.journey_output import JourneyOptions

    journey_output.run_and_exit(
        charter,
        JourneyOptions(
            runs_dir,
            data=data,
            stages=stages,
            seed=seed,
            tuning_seconds=tuning_seconds,
            data_docs=data_docs,
            allowed_paths=tuple(allow_path or ()),
            language=lang,
        ),
        console=console,
        fail_on=fail_on,
        junit=junit,
    )


@app.command()
def demo(
    template: Annotated[
        str,
        typer.Option(
            "--template",
            help="The use case whose SYNTHETIC example to run: "
            + ", ".join(demo_example.TEMPLATES)
            + ".",
        ),
    ] = demo_example.DEFAULT_TEMPLATE,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Working folder for the example's charter, contract and data "
            "(default: examples/TEMPLATE).",
        ),
    ] = None,
    rows: Annotated[
        int | None,
        typer.Option(
            "--rows",
            "--customers",
            min=500,
            help="Rows of SYNTHETIC data to generate (default: the template's, "
            "20,000 to 40,000).",
        ),
    ] = None,
    stages: StagesOption = None,
    runs_dir: RunsDirOption = Path("runs"),
    seed: SeedOption = None,
    no_run: Annotated[
        bool,
        typer.Option(
            "--no-run",
            help="Only write the example's files, e.g. before `playbook batch "
            "examples/templates_batch.yaml`.",
        ),
    ] = False,
    lang: LangOption = None,
) -> None:
    """Write a template's SYNTHETIC example and run the whole journey on it.

    Templates: churn (retention calls), fraud (card-fraud review), marketing
    (campaign targeting), demand_forecast (daily sales per store and item),
    ticket_routing (support tickets to queues, from their text). Files in
    the working folder that you have edited since the demo wrote them are kept as they
    are, so you can change the example's charter and run the demo again.
    """
    # Long because each option is declared in the signature (typer); the body only
    # writes the template's SYNTHETIC example and hands the journey to `run`.
    from playbook.cli import journey_output
    from playbook.cli.journey_output import JourneyOptions

    with exit_on_error(lang or "en"):
        example = demo_example.write_example(
            out or Path("examples") / template,
            template=template,
            rows=rows,
            seed=seed,
            language=lang or "en",
        )
    language: Language = lang or "en"
    console.print(
        translated(
            language,
            "SYNTHETIC %(template)s example in %(folder)s/",
            template=template,
            folder=shown(example.folder),
        )
    )
    for name in example.kept:
        console.print(
            translated(
                language,
                "  kept your edited %(name)s (delete it to get the original back)",
                name=shown(name),
            )
        )
    if no_run:
        console.print(
            translated(
                language,
                "Run it with: playbook run %(charter)s",
                charter=shown(example.charter),
            )
        )
        raise typer.Exit()
    journey_output.run_and_exit(
        example.charter,
        JourneyOptions(runs_dir, stages=stages, seed=seed, language=lang),
        console=console,
    )


@app.command()
def batch(
    spec: Annotated[
        Path,
        typer.Argument(
            help="YAML listing POCs and parameter grids, or a folder of charters."
        ),
    ],
    runs_dir: Annotated[
        Path | None,
        typer.Option(
            "--runs-dir", help="Where runs go (default: the spec's runs_dir, or runs)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Journeys at once (default: the number of cores)."
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", min=1, help="Seconds per journey (default: the spec's, 3600)."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Run journeys that already completed with the same inputs."
        ),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://HOST:8786): run the journeys there; "
            'needs pip install "playbook[dask]".',
        ),
    ] = None,
    fail_on: FailOnOption = "never",
    junit: JunitOption = None,
    lang: LangOption = None,
) -> None:
    """Run many POCs and parameter sets in parallel, then refresh the portfolio page.

    Exit codes: 0 every journey completed (or had already), 2 none failed but a gate
    stopped at least one, 3 all completed but one decided below the --fail-on bar, 1 at
    least one failed, crashed or timed out, 130 interrupted (143 by SIGTERM, every
    running journey's manifest then says interrupted).
    """
    # Long because each option is declared in the signature (typer); the body only
    # runs the batch file with a progress bar and prints the record and exit code.
    from playbook.cli import progress
    from playbook.run import batch as batches
    from playbook.run import ci

    language: Language = lang or "en"
    with exit_on_error(language):
        plan = batches.load_spec(spec, runs_dir=runs_dir)
        with progress.BatchProgress(
            console, total=len(plan.jobs), language=language
        ) as show:
            result = batches.run_batch(
                plan,
                workers=workers,
                timeout=timeout,
                force=force,
                scheduler=scheduler,
                on_event=show,
                language=language,
            )
    console.print(progress.results_table(result, language=language))
    if result.interrupted:
        console.print(
            "[red]"
            + translated(language, "Interrupted:")
            + "[/] "
            + translated(language, "finished runs are kept; see the record.")
        )
    console.print(translated(language, "Record: %(path)s", path=shown(result.record)))
    console.print(
        translated(language, "Portfolio: %(path)s", path=shown(result.portfolio))
    )
    if junit is not None:
        suites = ci.batch_suites(result.results, fail_on=fail_on)
        with exit_on_error(language):
            written = shown(ci.write_junit(junit, suites))
            console.print(translated(language, "JUnit report: %(path)s", path=written))
    code = ci.batch_exit_code(result.exit_code, result.results, fail_on=fail_on)
    raise typer.Exit(code=code)


@app.command()
def report(
    runs_dir: Annotated[
        Path, typer.Argument(help="The runs folder (holds <poc>/<run-id>/ folders).")
    ] = Path("runs"),
    lang: LangOption = None,
) -> None:
    """Write the portfolio page, RUNS_DIR/index.html, over every run found there.

    A run whose process died while it ran (killed, a power cut) is marked abandoned.
    """
    from playbook.cli import journey_output
    from playbook.report import portfolio
    from playbook.run import runner

    language: Language = lang or "en"
    if not runs_dir.is_dir():
        fail(
            PlaybookError(
                translated(
                    language,
                    "%(folder)s: no such runs folder. Point `playbook report` at the "
                    "folder given to --runs-dir (default: runs).",
                    folder=runs_dir,
                )
            ),
            language,
        )
    with exit_on_error(language):
        journey_output.print_abandoned(
            console, runner.mark_abandoned(runs_dir), language=language
        )
        page = portfolio.write(runs_dir, language=language)
    console.print(translated(language, "Portfolio: %(path)s", path=shown(page)))


_SEVERITY_STYLE = {"blocker": "red", "warning": "yellow", "note": "cyan"}


@app.command()
def check(
    charters: Annotated[
        list[Path] | None,
        typer.Argument(help="Charter files (YAML) to check, e.g. templates/*.yaml."),
    ] = None,
    output: Annotated[
        str,
        typer.Option(
            "--format",
            help="text: one line per problem, file:line:column: severity: field: "
            "what is wrong. What to do. json: a list of {file, line, column, path, "
            "severity, message, hint}.",
        ),
    ] = "text",
    print_schema: Annotated[
        bool,
        typer.Option(
            "--print-schema",
            help="Print the charter's JSON Schema (for editors) and stop; "
            "schema/charter.schema.json is this output.",
        ),
    ] = False,
    allow_path: AllowPathOption = None,
    lang: LangOption = None,
) -> None:
    """Check charters and report every problem at once, with file, line and field.

    Blockers stop a POC from starting (no baseline, no minimum lift, no decision the
    prediction feeds, no users, no label definition, a field of the wrong kind, a
    column the data lacks, and with the data there: a rule value the column never
    holds, a rule that selects nobody in a test period, a positive label the target
    lacks, a target unfit for the KPI, an unreadable time column); warnings are
    printed (a timeline outside 2 to 6 months, no budget, roles nobody holds). Exit
    codes: 0 no blockers, 2 a blocker in any charter, 1 a usage error.
    """
    # Long because each option is declared in the signature (typer); the body only
    # checks each charter and prints its problems.
    from playbook.charter import check as charter_check
    from playbook.charter import json_schema
    from playbook.data import charter_fit

    if print_schema:
        typer.echo(json_schema.schema_text(), nl=False)
        return
    language: Language = lang or "en"
    if output not in ("text", "json"):
        fail(
            PlaybookError(
                translated(
                    language,
                    "--format %(given)s: use text or json.",
                    given=repr(output),
                )
            ),
            language,
        )
    if not charters:
        fail(
            PlaybookError(
                translated(
                    language,
                    "name a charter to check, e.g. playbook check charter.yaml",
                )
            ),
            language,
        )
    reports = [
        charter_check.check(
            path,
            data_fit=charter_fit.problems,
            allowed=allow_path or (),
            language=lang,
        )
        for path in charters
    ]
    if output == "json":
        typer.echo(charter_check.as_json(reports))
    else:
        for report in reports:
            *lines, summary = charter_check.as_text(report, language=report.language)
            for problem, line in zip(report.problems, lines, strict=True):
                style = _SEVERITY_STYLE.get(problem.severity, "")
                console.print(f"[{style}]{shown(line)}[/]" if style else shown(line))
            console.print(shown(summary))
    raise typer.Exit(code=max(report.exit_code for report in reports))


@app.command()
def init(
    template: Annotated[
        str,
        typer.Option(
            "--template",
            help="Template to start from: "
            + ", ".join(demo_example.TEMPLATES)
            + " (templates/), or a charter file.",
        ),
    ] = "churn",
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the new charter.")
    ] = Path("charter.yaml"),
    sets: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="FIELD=VALUE",
            help="FIELD=VALUE, repeatable, e.g. --set kpi.min_lift=2000000 --set "
            "team.roles.ml_engineer='Platform team'; a list as 'a; b' or [a, b].",
        ),
    ] = None,
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            help="YAML file of answers: field path (kpi.min_lift) or nested "
            "sections to values. Flags win over the file.",
        ),
    ] = None,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask for each field not given (default: when run in a terminal).",
        ),
    ] = None,
    force: ReplaceOption = False,
    lang: LangOption = None,
) -> None:
    """Start a charter from a template: asked field by field, or from flags and a file.

    Each question shows the field's help and the template's value; Enter keeps it. The
    charter keeps the template's comments, is checked before it is written, and is
    never written over an existing file without --force. Exit codes: 0 written, 2 an
    answer does not fit (nothing is written), 1 any other error (e.g. --out exists).
    """
    # Long because each option is declared in the signature (typer); the body itself
    # only routes the answers to `charter.init` and prints what it wrote.
    import sys

    from playbook.charter import check as charter_check
    from playbook.charter import init as charter_init

    language: Language = lang or "en"
    with exit_on_error(language):
        source = charter_init.template_path(template)
        charter_init.refuse_overwrite(out, force=force)
        given = charter_init.read_answers(answers) if answers else {}
        given.update(charter_init.parse_sets(sets or []))
        for line in charter_init.amounts_read(sets or [], language=language):
            console.print(shown(line))
        charter_init.check_answers(given)
        if interactive if interactive is not None else sys.stdin.isatty():

            def ask(question: charter_init.Question, problem: str | None) -> str:
                if problem:
                    console.print(f"[red]{shown(problem)}[/]")
                else:
                    console.print(
                        f"\n[bold]{shown(question.path)}[/]: {shown(question.help)}"
                    )
                # Click prints the prompt: the template's value is shown with its
                # control characters escaped, never as it is (a template may be a file).
                default = charter_init.shown(question.default)
                kept = f" [{printable(default)}]" if len(default) <= 60 else ""
                return typer.prompt(
                    translated(language, "  value (Enter keeps it)") + kept,
                    default=default,
                    show_default=False,
                )

            given = charter_init.ask_all(
                source.read_text(encoding="utf-8"),
                ask,
                given=given,
                language=language,
            )
        result = charter_init.write(source, out, given, force=force, language=language)
    console.print(
        translated(
            language,
            "Wrote %(path)s from the %(template)s template.",
            path=shown(result.path),
            template=shown(source.stem),
        )
    )
    for line in charter_check.as_text(result.report, language=language):
        console.print(shown(line))
    console.print(
        translated(
            language,
            "Next: point data.path at your data, then `playbook check %(path)s` and "
            "`playbook run %(path)s`.",
            path=shown(result.path),
        )
    )


checks_app = PlaybookTyper(
    help="Data contracts (Great Expectations suites in data_checks/).",
    no_args_is_help=True,
)
app.add_typer(checks_app, name="checks")


# Commands declared in modules of their own, to keep this one short.
app.command()(printing(score_command.score))
app.command()(printing(memo_command.memo))
app.command()(printing(lab_command.lab))
checks_app.command("suggest")(printing(checks_commands.suggest))
checks_app.command("export")(printing(checks_commands.export))
