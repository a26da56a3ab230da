"""How stage 4 held its rows out, as facts and as one sentence in the reader's language.

The split holds out the latest periods (or a random share of the rows or ids); a
forecast's calendar may leave out an incomplete last period and missing steps and
weight or drop partial test periods; a yes/no model may be fitted on a sample of the
training rows. `SplitAccount` keeps these facts as the split found them, and
`described` words them: the split chart's title, the model card and the evidence read
the same sentence, in English word for word as they always did.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playbook.core.language import Language
from playbook.core.locale_format import names_listed
from playbook.core.messages import marked, translated
from playbook.data.calendar import PartialPeriod
from playbook.tasks.training_sample import TrainingSample


@dataclass(frozen=True)
class IncompletePeriod:
    """A last KPI period the data covers only in part, left out of a forecast.

    Attributes:
        label: The period's label (its first day).
        steps: Time steps of it in the data.
        usual: The median time steps of a period.
    """

    label: str
    steps: int
    usual: float


@dataclass(frozen=True)
class CalendarNotes:
    """What a forecast's calendar did to its split (`forecast.prepare`).

    Attributes:
        period: The KPI period (`kpi.period`).
        target: The target column.
        step: The grid's step ("day", "hour"); None when the times are uneven.
        missing_steps: Steps the series lack, all series together.
        missing_handling: "zero" or "leave_out" (`data.missing_steps`).
        partial: The test periods some of whose steps are missing.
        partial_handling: "weight" or "drop" (`data.partial_periods`).
        incomplete_last: The last period, left out as incomplete; None when whole.
    """

    period: str
    target: str
    step: str | None
    missing_steps: int
    missing_handling: str
    partial: list[PartialPeriod]
    partial_handling: str
    incomplete_last: IncompletePeriod | None = None


@dataclass(frozen=True)
class SplitAccount:
    """How the rows were held out: the facts the split's sentence is written from.

    Attributes:
        kind: "time", "grouped" or "stratified".
        train_first: The first period trained on (time splits).
        train_last: The last period trained on (time splits).
        window: The test window's periods, those without rows included (time).
        missing: The window's periods without a single row (time).
        share: The share of rows (or ids) held out at random.
        id_column: The id whose rows stay together (grouped splits).
        unstratified_target: The target a random split was too small to stratify
            by; None when it was stratified (or split by time or id).
        calendar: A forecast's calendar notes; None for the other tasks.
        sample: The training sample a yes/no model was fitted on; None for all rows.
    """

    kind: str
    train_first: str = ""
    train_last: str = ""
    window: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    share: float | None = None
    id_column: str | None = None
    unstratified_target: str | None = None
    calendar: CalendarNotes | None = None
    sample: TrainingSample | None = None


_TIME = marked(
    "trained on %(first)s to %(last)s, tested on the latest %(count)s period(s), "
    "%(start)s to %(end)s"
)
_ABSENT = marked(
    "%(count)s of them without a single row, reported missing and not judged: "
    "%(periods)s"
)
_GROUPED = marked(
    "a random %(share)s of the ids (%(id)s) held out with all their rows, so no id "
    "sits on both sides"
)
_STRATIFIED = marked("a stratified random %(share)s of the rows held out")
_UNSTRATIFIED = marked(
    "a random %(share)s of the rows held out (too few rows to stratify by %(target)s)"
)
_INCOMPLETE = marked(
    "the last %(period)s (%(label)s, %(steps)s of %(usual)s time steps in the data) "
    "left out as incomplete"
)
_MISSING_ZERO = marked("%(count)s missing %(step)s(s) added with %(target)s 0")
_MISSING_LEFT_OUT = marked(
    "%(count)s missing %(step)s(s) left out, their history read a season before"
)
_PARTIAL_DROPPED = marked("partial test %(period)s(s) dropped from the KPI: %(listed)s")
_PARTIAL_WEIGHTED = marked(
    "partial test %(period)s(s) weighted to a whole %(period)s: %(listed)s"
)
_PARTIAL_PERIOD = marked("%(period)s (%(steps)s of %(expected)s steps)")
# A grid's steps as the sentence names them (`calendar.step_name`).
STEP_WORDS = (marked("step"), marked("hour"), marked("day"), marked("week"))


def described(account: SplitAccount, *, language: Language = "en") -> str:
    """How the rows were held out, in one sentence of the reader's language.

    English joins the clauses with semicolons (the words the pages always had);
    Korean writes each clause as a sentence of its own.

    Args:
        account: The split's facts.
        language: The reader's language.
    """
    clauses = [*_held_out(account, language), *_calendar(account.calendar, language)]
    if account.sample is not None:
        clauses.append(account.sample.words(language=language))
    return ("; " if language == "en" else ". ").join(clauses)


def _held_out(account: SplitAccount, language: Language) -> list[str]:
    """How the test rows were chosen: the latest periods, or a random share."""
    share = f"{account.share or 0:.0%}"
    if account.kind == "time":
        said = [
            translated(
                language,
                _TIME,
                first=account.train_first,
                last=account.train_last,
                count=len(account.window),
                start=account.window[0],
                end=account.window[-1],
            )
        ]
        if account.missing:
            said.append(
                translated(
                    language,
                    _ABSENT,
                    count=len(account.missing),
                    periods=names_listed(account.missing, language=language),
                )
            )
        return said
    if account.kind == "grouped":
        return [translated(language, _GROUPED, share=share, id=account.id_column)]
    if account.unstratified_target is None:
        return [translated(language, _STRATIFIED, share=share)]
    return [
        translated(
            language,
            _UNSTRATIFIED,
            share=share,
            target=repr(account.unstratified_target),
        )
    ]


def _calendar(notes: CalendarNotes | None, language: Language) -> list[str]:
    """A forecast's calendar notes: incomplete last period, missing steps, partials."""
    if notes is None:
        return []
    period = translated(language, notes.period)
    said = []
    last = notes.incomplete_last
    if last is not None:
        said.append(
            translated(
                language,
                _INCOMPLETE,
                period=period,
                label=last.label,
                steps=last.steps,
                usual=f"{last.usual:.0f}",
            )
        )
    if notes.missing_steps:
        filled = notes.missing_handling == "zero"
        said.append(
            translated(
                language,
                _MISSING_ZERO if filled else _MISSING_LEFT_OUT,
                count=notes.missing_steps,
                step=translated(language, notes.step or "step"),
                target=notes.target,
            )
        )
    if notes.partial:
        listed = names_listed(
            [
                translated(
                    language,
                    _PARTIAL_PERIOD,
                    period=p.period,
                    steps=p.steps,
                    expected=p.expected,
                )
                for p in notes.partial
            ],
            language=language,
        )
        dropped = notes.partial_handling == "drop"
        said.append(
            translated(
                language,
                _PARTIAL_DROPPED if dropped else _PARTIAL_WEIGHTED,
                period=period,
                listed=listed,
            )
        )
    return said
