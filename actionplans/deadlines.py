"""Fuzzy deadlines as people type them in workshops: "Q1 of 2019", "2019", "end of June 2019".

A deadline keeps the text as typed and what it means: the due date (the last day of the period)
and its precision. Sorting, overdue checks and reminders use the due date; screens and exports
show both. Anything not understood is refused with the list of accepted forms, never guessed.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_YEAR, MAX_YEAR = 1990, 2100


class Precision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")
    ONGOING = "ongoing", _("Ongoing")


ACCEPTED_FORMS = (
    "Q1 of 2019",
    "Q1 2019",
    "1st quarter 2019",
    "H2 2019",
    "March 2019",
    "Mar 2019",
    "end of June 2019",
    "31/03/2019",
    "2019-03-31",
    "2019",
    "ongoing",
)


class DeadlineError(ValueError):
    """The text is not a deadline form we understand."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text
        self.message = _(
            "“%(text)s” is not a deadline we understand. Accepted forms: %(forms)s, "
            "or leave it empty for no deadline."
        )
        self.params = {"text": text, "forms": ", ".join(ACCEPTED_FORMS)}


@dataclass(frozen=True)
class Deadline:
    text: str
    due: date | None
    precision: str | None  # a Precision value; None when there is no deadline

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


MONTHS = {}
for _number in range(1, 13):
    MONTHS[calendar.month_name[_number].lower()] = _number
    MONTHS[calendar.month_abbr[_number].lower()] = _number
MONTHS["sept"] = 9

ORDINALS = {
    "1st": 1,
    "first": 1,
    "2nd": 2,
    "second": 2,
    "3rd": 3,
    "third": 3,
    "4th": 4,
    "fourth": 4,
}

_YEAR = r"(?P<year>\d{4})"
_OF = r"(?:\s+of)?\s*"
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL_NAMES = "|".join(ORDINALS)

PATTERNS = [
    (Precision.QUARTER, re.compile(rf"q(?P<quarter>\d){_OF}{_YEAR}")),
    (Precision.QUARTER, re.compile(rf"(?P<ordinal>{_ORDINAL_NAMES})\s+quarter{_OF}{_YEAR}")),
    (Precision.HALF_YEAR, re.compile(rf"h(?P<half>\d){_OF}{_YEAR}")),
    (Precision.HALF_YEAR, re.compile(rf"(?P<ordinal>1st|first|2nd|second)\s+half{_OF}{_YEAR}")),
    (Precision.MONTH, re.compile(rf"(?:end\s+of\s+)?(?P<month>{_MONTH_NAMES})\.?{_OF}\s*{_YEAR}")),
    (Precision.DAY, re.compile(r"(?P<day>\d{1,2})/(?P<month_number>\d{1,2})/(?P<year>\d{4})")),
    (Precision.DAY, re.compile(r"(?P<year>\d{4})-(?P<month_number>\d{1,2})-(?P<day>\d{1,2})")),
    (Precision.YEAR, re.compile(rf"(?:end\s+of\s+)?{_YEAR}")),
]


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _due(precision: str, parts: dict) -> date:
    year = int(parts["year"])
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    if precision == Precision.QUARTER:
        quarter = int(parts["quarter"]) if parts.get("quarter") else ORDINALS[parts["ordinal"]]
        if not 1 <= quarter <= 4:
            raise ValueError(quarter)
        return _last_day(year, quarter * 3)
    if precision == Precision.HALF_YEAR:
        half = int(parts["half"]) if parts.get("half") else ORDINALS[parts["ordinal"]]
        if half not in (1, 2):
            raise ValueError(half)
        return _last_day(year, half * 6)
    if precision == Precision.MONTH:
        return _last_day(year, MONTHS[parts["month"]])
    if precision == Precision.DAY:
        return date(year, int(parts["month_number"]), int(parts["day"]))
    return date(year, 12, 31)


def parse_deadline(text: str | None) -> Deadline:
    """Read a deadline as typed; raises DeadlineError for anything else.

    Digits may be Western or Arabic-Indic (٢٠١٩): ``\\d`` and ``int()`` read both.
    """
    original = (text or "").strip()
    normalised = " ".join(original.lower().split())
    if not normalised:
        return Deadline("", None, None)
    if normalised in {"ongoing", "on-going", "continuous"}:
        return Deadline(original, None, Precision.ONGOING)
    for precision, pattern in PATTERNS:
        match = pattern.fullmatch(normalised)
        if match:
            try:
                return Deadline(original, _due(precision, match.groupdict()), precision)
            except ValueError:  # 31/02/2019, year 0001...
                break
    raise DeadlineError(original)
