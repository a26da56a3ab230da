"""`playbook score MODEL DATA`: new data scored with a saved model, printed.

The lines it yields say how many rows made the list and which capacity it applied.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from playbook.cli.options import LangOption, ReplaceOption
from playbook.core.language import Language
from playbook.core.messages import marked, translated


def score(
    model: Annotated[
        Path,
        typer.Argument(
            help="A run folder whose stage 4 ran, its model/ folder, or model.joblib."
        ),
    ],
    data: Annotated[Path, typer.Argument(help="The data to score (CSV).")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the scores (CSV).")
    ] = Path("scores.csv"),
    force: ReplaceOption = False,
    lang: LangOption = None,
) -> Iterator[str]:
    """Score new data with a saved model, refusing data that breaks its contract.

    Writes one row per input row: id and period, then for a yes/no model the
    probability, the rank in its period and whether it makes the period's list; for a
    forecast the forecast (pass recent history with the rows to forecast, their target
    left empty: the lags come from it); for a router the route ("person" when unsure)
    and its confidence. Exit codes: 0 scored, 2 the data breaks the model's data
    contract (nothing is written), 1 any other error.
    """
    from playbook.serve import scoring as scoring

    result = scoring.score_file(model, data, out=out, force=force)
    language: Language = lang or "en"
    yield translated(
        language,
        ACTED[result.task],
        rows=f"{result.rows:,}",
        periods=result.periods,
        acted=f"{result.acted:,}",
        expectations=result.contract.evaluated,
    )
    if result.capacity is not None:
        yield scoring.capacity_words(result.capacity, language=language)
    yield translated(language, "Scores: %(path)s", path=result.out)


# What `score` says it did, by the model's task.
ACTED = {
    "top_k": marked(
        "Scored %(rows)s rows over %(periods)s period(s); %(acted)s on the list to "
        "act on. Data contract: %(expectations)s expectations met."
    ),
    "forecast": marked(
        "Scored %(rows)s rows over %(periods)s period(s); %(acted)s forecast. "
        "Data contract: %(expectations)s expectations met."
    ),
    "routing": marked(
        "Scored %(rows)s rows over %(periods)s period(s); %(acted)s routed by the "
        "model. Data contract: %(expectations)s expectations met."
    ),
}
