"""The charter's `data` section: where the data is and what its columns mean."""

import codecs
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from playbook.charter.fields import (
    ACCESS_MODES,
    IDS_IN_SCORES,
    MAX_COUNT,
    MAX_UNLABELLED_SHARE,
    Field,
    Rule,
    is_absent,
    number_field,
    text_field,
)
from playbook.core.messages import marked

MISSING_STEPS = ("leave_out", "zero")
PARTIAL_PERIODS = ("weight", "drop")

# The password part of a SQLAlchemy URL (`scheme://user:password@host`); it may only
# be a `${NAME}` read from the environment, so a password never sits in a charter.
_URL_PASSWORD = re.compile(r"^(?P<before>[^:/]+://[^:@/]*:)(?P<password>[^@]*)@")
# A secret in the URL's query string (`?password=...`, `&sslpassword=...`, a token).
_QUERY_SECRET = re.compile(
    r"(?P<before>[?&;][A-Za-z_]*(?:password|passwd|pwd|secret|token|api_?key)=)"
    r"(?P<password>[^&#;]*)",
    re.IGNORECASE,
)
_FROM_ENVIRONMENT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
# A URL's scheme, then ":/": `https://host/a.csv`, and also what a path makes of it
# once resolved (`/home/me/https:/host/a.csv`). Known schemes only: a folder may end
# in a colon, and a Windows drive (`C:/`) is a path.
_URL = re.compile(
    r"(?:^|/)(https?|s?ftps?|s3a?|gs|gcs|abfss?|az|wasbs?|hdfs|file):/+(.*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ForecastCalendar:
    """How a forecast reads its calendar (the `data` fields a forecast adds).

    Attributes:
        country: Whose public holidays are a feature ("US", "KR", "US-DC" with a
            subdivision); None for no holiday feature.
        missing_steps: A step missing from a series' grid: "leave_out" (not judged;
            its history reads the latest values known) or "zero" (added, target 0).
        partial_periods: A KPI period with steps missing: "weight" (its cost scaled
            to a whole period) or "drop" (left out of the KPI).
        observed_same_day: Columns only known on the day (weather, outcomes): a
            forecast reads them lagged by its horizon, never as they are.
        known_ahead: Columns known before the day (a weather forecast, a planned
            promotion), used as they are without a warning.
    """

    country: str | None = None
    missing_steps: str = MISSING_STEPS[0]
    partial_periods: str = PARTIAL_PERIODS[0]
    observed_same_day: tuple[str, ...] = ()
    known_ahead: tuple[str, ...] = ()


def forecast_calendar(section: Mapping[str, Any]) -> ForecastCalendar:
    """The calendar fields of a (validated) `data` section, defaults for the absent."""

    def texts(name: str) -> tuple[str, ...]:
        value = section.get(name)
        if value is None or is_absent(value):
            return ()
        listed = [value] if isinstance(value, str) else list(value)
        return tuple(str(item).strip() for item in listed if str(item).strip())

    def choice(name: str, default: str) -> str:
        value = section.get(name)
        return default if is_absent(value) else str(value)

    country = section.get("country")
    return ForecastCalendar(
        country=None if is_absent(country) else str(country).strip(),
        missing_steps=choice("missing_steps", MISSING_STEPS[0]),
        partial_periods=choice("partial_periods", PARTIAL_PERIODS[0]),
        observed_same_day=texts("observed_same_day"),
        known_ahead=texts("known_ahead"),
    )


def url_in(location: str) -> str | None:
    """The URL a data location is (also once a path mangled it), or None for a path."""
    found = _URL.search(location.strip())
    return f"{found[1]}://{found[2]}" if found else None


def password_in(url: str) -> bool:
    """Whether a database URL holds a password itself rather than a `${NAME}`.

    Both places count: the user info (`user:password@`) and the query string
    (`?password=...`).
    """
    found = [_URL_PASSWORD.match(url), *_QUERY_SECRET.finditer(url)]
    return any(
        literal is not None and not _FROM_ENVIRONMENT.fullmatch(literal["password"])
        for literal in found
    )


def hide_password(url: str) -> str:
    """The URL with any password, `${NAME}` included, shown as `***`."""
    return _QUERY_SECRET.sub(
        r"\g<before>***", _URL_PASSWORD.sub(r"\g<before>***@", url)
    )


DATA = Field(
    "data",
    "section",
    "Where the data is and what its columns mean.",
    required=True,
    fields=(
        text_field(
            "path",
            "A CSV or Parquet file, or a folder of them, relative to the "
            "charter's folder (or give sql instead).",
            "churn.csv",
            ask=True,
        ),
        Field(
            "sql",
            "section",
            "A database query instead of path.",
            fields=(
                text_field(
                    "url",
                    "A SQLAlchemy URL; write a password as ${NAME}, read from "
                    "the environment.",
                    "postgresql://analyst:${CRM_DB_PASSWORD}@db/crm",
                    required=True,
                ),
                text_field(
                    "query",
                    "The query whose rows are the data.",
                    "SELECT * FROM renewals",
                    required=True,
                ),
            ),
        ),
        text_field(
            "checks",
            "The data contract (a Great Expectations suite), relative to the "
            "charter's folder.",
            "churn.checks.yaml",
            required=True,
            ask=True,
        ),
        text_field(
            "fresh",
            "A later batch, to check the model on tomorrow's data.",
            "churn_fresh.csv",
        ),
        Field(
            "allowed_folders",
            "texts",
            "Folders outside the charter's own folder that path, fresh and checks "
            "may point into, relative to the charter's folder (nothing else outside "
            "it is read).",
            ["../shared_data"],
        ),
        Field(
            "synthetic",
            "flag",
            "true when the data is generated, not real.",
            False,
        ),
        text_field(
            "target",
            "The column the model predicts.",
            "churned",
            required=True,
            ask=True,
        ),
        Field(
            "positive_label",
            "scalar",
            "The target's value for the cases to act on.",
            1,
        ),
        text_field(
            "label_definition",
            "What the target means, exactly, and when it is known.",
            "The customer cancelled within 30 days after the renewal date.",
            ask=True,
        ),
        number_field(
            "max_unlabelled_share",
            "The largest share of rows without a label the journey accepts; they are "
            "left out of training and of the KPI (default 0.2: a month or two still "
            "waiting for their outcome; more means labels go missing for another "
            "reason).",
            0.1,
            minimum=0,
            maximum=1,
            default=MAX_UNLABELLED_SHARE,
        ),
        text_field("id", "The column that identifies a case.", "customer_id"),
        text_field("time", "The column that dates a case.", "snapshot_month", ask=True),
        text_field(
            "time_format",
            "How the time column is written, as a strftime pattern, when it is not "
            "YYYY-MM-DD, YYYY-MM, MM/YYYY or YYYYMM.",
            "%d.%m.%Y",
        ),
        number_field(
            "cases_per_period",
            "Without a time column: how many cases arrive per KPI period "
            "(kpi.period); the held-out rows' KPI is scaled to that period, so "
            "capacity and minimum lift are written per real period.",
            10000,
            minimum=1,
            maximum=MAX_COUNT,
        ),
        Field(
            "access",
            "choice",
            "sandbox_copy (a copy for the POC) or platform_read (read access "
            "to a data platform).",
            "sandbox_copy",
            choices=ACCESS_MODES,
        ),
        text_field("encoding", "The CSV's encoding when it is not UTF-8.", "cp949"),
        text_field("delimiter", "The CSV's delimiter (default: sniffed).", ";"),
        text_field(
            "sheet",
            "The sheet of an Excel workbook (.xlsx) to read (default: the first).",
            "Renewals",
        ),
        Field(
            "pii",
            "texts",
            "Columns holding personal data the value patterns cannot see.",
            ["full_name"],
        ),
        Field(
            "allow_pii",
            "texts",
            "Personal columns the model may use anyway; phone numbers, e-mail "
            "addresses, resident, card and IP numbers in them still reach it only "
            "as placeholders (<PHONE>, <EMAIL>, <RRN>, <CARD>, <IP>).",
            ["age"],
        ),
        Field(
            "ids_in_scores",
            "choice",
            "How scores files write the id: hashed (a keyed hash; whoever holds "
            "the key, PLAYBOOK_ID_KEY or ~/.config/playbook/id.key, joins them "
            "back) or raw (the ids as read, for ids that are no personal data).",
            "hashed",
            choices=IDS_IN_SCORES,
            default="hashed",
        ),
        Field(
            "exclude",
            "texts",
            "Columns the model must never use.",
            ["cancel_reason"],
        ),
        Field(
            "allow_leaks",
            "texts",
            "Columns flagged as leaks that the model may use anyway.",
            ["tenure_months"],
        ),
        Field(
            "sensitive",
            "texts",
            "Attributes whose segments the model card reports for fairness.",
            ["age_group"],
        ),
        text_field("text", "The free-text column a routing model reads.", "body"),
        text_field(
            "series",
            "The column that tells separate time series apart in a forecast.",
            "store_id",
        ),
        text_field(
            "country",
            "A forecast's public holidays: the country's ISO code (US, KR), with a "
            "subdivision after a dash (US-DC); offline, from the holidays package.",
            "KR",
        ),
        Field(
            "missing_steps",
            "choice",
            "A day (time step) missing from a forecast's series: leave_out (not "
            "judged; history reads the latest values known) or zero (added with "
            "the target 0, e.g. a shop closed).",
            "leave_out",
            choices=MISSING_STEPS,
            default=MISSING_STEPS[0],
        ),
        Field(
            "partial_periods",
            "choice",
            "A KPI period with days missing: weight (its cost scaled to a whole "
            "period) or drop (left out of the KPI).",
            "weight",
            choices=PARTIAL_PERIODS,
            default=PARTIAL_PERIODS[0],
        ),
        Field(
            "observed_same_day",
            "texts",
            "Columns only known on the day itself (observed weather, outcomes): a "
            "forecast reads them lagged by its horizon.",
            ["temperature_observed"],
        ),
        Field(
            "known_ahead",
            "texts",
            "Columns known before the day (a weather forecast, a planned "
            "promotion): used as they are, without the same-day warning.",
            ["temperature_forecast"],
        ),
    ),
    rules=(Rule((("path",), ("sql",)), only_one=True),),
)


def _unknown_encoding(value: Any) -> bool:
    if not (
        isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and str(value).strip()
    ):
        return False
    try:
        codecs.lookup(str(value).strip())
    except LookupError:
        return True
    return False


def _not_one_character(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and len(value) == 1)


def _without_year(value: Any) -> bool:
    return isinstance(value, str) and not re.search(r"%[Yy]", value)


# The data's text settings a charter can get wrong: the field, what finds its value
# wrong, what it should hold, and how to put it right.
DATA_TEXT_SETTINGS: tuple[tuple[str, Callable[[Any], bool], str, str], ...] = (
    (
        "encoding",
        _unknown_encoding,
        marked("a text encoding such as utf-8, cp949, euc-kr or latin-1"),
        marked("Name the encoding the CSV was saved with."),
    ),
    (
        "delimiter",
        _not_one_character,
        marked("one character such as ';' or ','"),
        marked('Quote it: `delimiter: ";"`.'),
    ),
    (
        "time_format",
        _without_year,
        marked("a strftime pattern with the year (%Y or %y), such as '%d.%m.%Y'"),
        marked(
            "Without the year the same month of two years is one period; add the "
            "year to the time column, or leave data.time out."
        ),
    ),
)
