"""Fuzzy deadlines as people type them in workshops, in English, French or Arabic.

"Q1 of 2019", "T1 2019", "الربع الأول 2019", "end of June 2019", "fin mars 2019", "mid-2019",
"31/03/2019", "March 31, 2019", "حزيران ٢٠١٩", "Mar-19", "ongoing"... whatever the page's
language. A deadline keeps the text as typed and what it means: the due date (the last day of
the period, or a documented day for vague words) and its precision. Sorting, overdue checks and
reminders use the due date; screens and exports show both. Anything not understood is refused
in the reader's language with the nearest readings offered, never guessed; impossible dates
(31/02/2019, Q5 2019) are refused with the reason. The accepted forms are listed in
docs/deadlines.md; the words are in deadline_words.py.
"""

from __future__ import annotations

import calendar
import difflib
import re
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .deadline_words import (
    EARLY,
    END,
    FILLERS,
    HALF_LETTERS,
    HALF_WORDS,
    MID,
    MODIFIERS,
    MONTHS,
    ONGOING,
    ORDINALS,
    QUARTER_LETTERS,
    QUARTER_WORDS,
    TWO_WORD_MONTHS,
    VOCABULARY,
    normalise,
    word,
)

MIN_YEAR, MAX_YEAR = 1990, 2100
# Days vague words mean inside a month: "early March" is due on the 10th, "mid-March" the 15th.
EARLY_DAY, MID_DAY = 10, 15


class Precision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF_YEAR = "half_year", _("Half-year")
    YEAR = "year", _("Year")
    ONGOING = "ongoing", _("Ongoing")


# Shown when a deadline is refused, in the reader's language (each language's own spellings).
EXAMPLES = _(
    "Q1 of 2019, H2 2019, March 2019, end of June 2019, mid-2019, 31/03/2019, 2019, ongoing"
)


class _Reason:
    """A translatable reason with its own parameters, translated when it is shown."""

    def __init__(self, message, **params):
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params


class DeadlineError(ValueError):
    """The text is not a deadline: not understood (with suggestions when we have some), or
    impossible (with the reason). ``message % params`` is the sentence to show."""

    def __init__(self, text: str, *, reason: _Reason | None = None, suggestions=()):
        super().__init__(text)
        self.text = text
        self.reason = reason
        self.suggestions = list(dict.fromkeys(suggestions))[:3]
        if reason is not None:
            self.message = _("“%(text)s” is not a possible deadline: %(reason)s")
            self.params = {"text": text, "reason": reason}
        elif self.suggestions:
            self.message = _(
                "“%(text)s” is not a deadline we understand. Did you mean %(suggestions)s? "
                "Accepted forms: %(forms)s, or leave it empty for no deadline."
            )
            self.params = {
                "text": text,
                "suggestions": " / ".join(f"“{s}”" for s in self.suggestions),
                "forms": EXAMPLES,
            }
        else:
            self.message = _(
                "“%(text)s” is not a deadline we understand. Accepted forms: %(forms)s, "
                "or leave it empty for no deadline."
            )
            self.params = {"text": text, "forms": EXAMPLES}


@dataclass(frozen=True)
class Deadline:
    text: str
    due: date | None
    precision: str | None  # a Precision value; None when there is no deadline

    def is_overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today


class _Impossible(Exception):
    def __init__(self, reason: _Reason, suggestion: str | None = None):
        self.reason, self.suggestion = reason, suggestion


class _NotUnderstood(Exception):
    def __init__(self, unknown=(), suggestion: str | None = None):
        self.unknown, self.suggestion = list(unknown), suggestion


_SEP = r"\s*[/.\-]\s*"
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}})")
_YEAR_MONTH_DAY = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})")
_MONTH_YEAR = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{4}})")
_YEAR_MONTH = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})")
_SHORT_YEAR = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{2}})")
_EXCEL_MONTH = re.compile(r"([^\W\d_]+)-(\d{2})")  # Excel shows March 2019 as "Mar-19"
_PERIOD_NUMBER = re.compile(r"([a-z])(\d)(\d{4})?")  # q1, t1, h2, s1, q12019
_NUMBER_ORDINAL = re.compile(r"(\d{1,2})(st|nd|rd|th|er|ere|e|eme)")  # 31st, 1er, 2e
_SPLIT = re.compile(r"[\s,;:()\-/.]+")


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Impossible(
            _Reason(
                _("the year must be between %(first)s and %(last)s."),
                first=MIN_YEAR,
                last=MAX_YEAR,
            )
        )
    return year


def _day(year: int, month: int, day: int, swapped: str | None = None) -> tuple[date, str]:
    _check_year(year)
    if not 1 <= month <= 12:
        raise _Impossible(_Reason(_("a year has 12 months.")), swapped)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise _Impossible(
            _Reason(_("that month has %(days)s days."), days=calendar.monthrange(year, month)[1]),
            swapped,
        )
    return date(year, month, day), Precision.DAY


def _numeric(text: str):
    """Dates written with digits only: 31/03/2019, 2019-03-31, 06/2019, 2019-06."""
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = map(int, match.groups())
        swapped = f"{month:02d}/{day:02d}/{year}" if month > 12 >= day else None
        return _day(year, month, day, swapped)
    if match := _YEAR_MONTH_DAY.fullmatch(text):
        year, month, day = map(int, match.groups())
        return _day(year, month, day)
    for pattern, order in ((_MONTH_YEAR, "my"), (_YEAR_MONTH, "ym")):
        if match := pattern.fullmatch(text):
            first, second = map(int, match.groups())
            month, year = (first, second) if order == "my" else (second, first)
            _check_year(year)
            if not 1 <= month <= 12:
                raise _Impossible(_Reason(_("a year has 12 months.")))
            return _last_day(year, month), Precision.MONTH
    if match := _SHORT_YEAR.fullmatch(text):
        day, month, year = map(int, match.groups())
        raise _NotUnderstood(suggestion=f"{day:02d}/{month:02d}/20{year:02d}")
    return None


def _tokens(text: str) -> list[tuple[str, int | str]]:
    """The text as typed pieces: ("year", 2019), ("q", 1), ("month", 3), ("mod", END)..."""
    raw = [word(token) for token in _SPLIT.split(text) if token]
    items: list[tuple[str, int | str]] = []
    unknown = []
    index = 0
    while index < len(raw):
        token = raw[index]
        pair = tuple(raw[index : index + 2])
        if pair in TWO_WORD_MONTHS:
            items.append(("month", TWO_WORD_MONTHS[pair]))
            index += 2
            continue
        index += 1
        if token in FILLERS:
            continue
        if token.isdigit() and len(token) == 4:
            items.append(("year", int(token)))
        elif token.isdigit() and len(token) <= 2:
            items.append(("num", int(token)))
        elif token in MONTHS:
            items.append(("month", MONTHS[token]))
        elif token in ORDINALS:
            items.append(("ord", ORDINALS[token]))
        elif token in QUARTER_WORDS:
            items.append(("quarter", 0))
        elif token in HALF_WORDS:
            items.append(("half", 0))
        elif token in MODIFIERS:
            items.append(("mod", MODIFIERS[token]))
        elif (match := _NUMBER_ORDINAL.fullmatch(token)) is not None:
            items.append(("ord", int(match.group(1))))
        elif (match := _PERIOD_NUMBER.fullmatch(token)) is not None and match.group(1) in (
            QUARTER_LETTERS | HALF_LETTERS
        ):
            kind = "q" if match.group(1) in QUARTER_LETTERS else "h"
            items.append((kind, int(match.group(2))))
            if match.group(3):
                items.append(("year", int(match.group(3))))
        else:
            unknown.append(token)
    if unknown:
        raise _NotUnderstood(unknown)
    return items


def _period(kind: str, number: int, year: int, modifier: str | None) -> tuple[date, str]:
    """A quarter or a half-year, checked."""
    if modifier not in (None, END):
        raise _NotUnderstood()
    _check_year(year)
    if kind == "quarter":
        if not 1 <= number <= 4:
            raise _Impossible(_Reason(_("a year has four quarters, Q1 to Q4.")))
        return _last_day(year, number * 3), Precision.QUARTER
    if number not in (1, 2):
        raise _Impossible(_Reason(_("a year has two halves, H1 and H2.")))
    return _last_day(year, number * 6), Precision.HALF_YEAR


def _month(month: int, year: int, modifier: str | None) -> tuple[date, str]:
    _check_year(year)
    if modifier == MID:
        return date(year, month, MID_DAY), Precision.MONTH
    if modifier == EARLY:
        return date(year, month, EARLY_DAY), Precision.MONTH
    return _last_day(year, month), Precision.MONTH


def _year(year: int, modifier: str | None) -> tuple[date, str]:
    _check_year(year)
    if modifier == MID:
        return date(year, 6, 30), Precision.HALF_YEAR
    if modifier == EARLY:
        return date(year, 3, 31), Precision.QUARTER
    return date(year, 12, 31), Precision.YEAR


def _read(items: list[tuple[str, int | str]]) -> tuple[date, str]:
    modifier = None
    while items and items[0][0] == "mod":  # "d'ici fin juin", "by mid-2019": the last one counts
        modifier = items[0][1]
        items = items[1:]
    kinds = tuple(kind for kind, _value in items)
    values = [value for _kind, value in items]
    this_year = timezone.localdate().year
    match kinds:
        case ("year",):
            return _year(values[0], modifier)
        case ("q", "year") | ("h", "year"):
            return _period("quarter" if kinds[0] == "q" else "half", values[0], values[1], modifier)
        case ("year", "q") | ("year", "h"):
            return _period("quarter" if kinds[1] == "q" else "half", values[1], values[0], modifier)
        case ("ord", "quarter" | "half", "year"):
            return _period(kinds[1], values[0], values[2], modifier)
        case ("quarter" | "half", "ord", "year"):
            return _period(kinds[0], values[1], values[2], modifier)
        case ("month", "year"):
            return _month(values[0], values[1], modifier)
        case ("num" | "ord", "month", "year") if modifier in (None, END):
            return _day(values[2], values[1], values[0])
        case ("month", "num" | "ord", "year") if modifier in (None, END):
            return _day(values[2], values[0], values[1])
        case ("q",) | ("h",):
            letter = "Q" if kinds[0] == "q" else "H"
            raise _NotUnderstood(suggestion=f"{letter}{values[0]} {this_year}")
        case ("month",):
            name = calendar.month_name[int(values[0])] if 1 <= int(values[0]) <= 12 else ""
            raise _NotUnderstood(suggestion=f"{name} {this_year}" if name else None)
    raise _NotUnderstood()


def _parse(normalised: str) -> tuple[date | None, str]:
    if " ".join(_SPLIT.split(normalised)).strip() in ONGOING:
        return None, Precision.ONGOING
    compact = normalised.replace(" ", "")
    found = _numeric(compact)
    if found is not None:
        return found
    if (match := _EXCEL_MONTH.fullmatch(normalised)) and word(match.group(1)) in MONTHS:
        return _month(MONTHS[word(match.group(1))], 2000 + int(match.group(2)), None)
    return _read(_tokens(normalised))


def _nearest(normalised: str, unknown: list[str]) -> list[str]:
    """Readings of the text with each unknown word replaced by the nearest word we know."""
    readings = []
    for token in unknown:
        for close in difflib.get_close_matches(token, VOCABULARY, n=2, cutoff=0.7):
            candidate = re.sub(rf"(?<!\w)(ال)?{re.escape(token)}(?!\w)", close, normalised)
            try:
                _parse(candidate)
            except (_NotUnderstood, _Impossible):
                continue
            readings.append(candidate)
    return readings


def parse_deadline(text: str | None) -> Deadline:
    """Read a deadline as typed, in any of the three languages; raises DeadlineError otherwise.

    Digits may be Western or Arabic-Indic (٢٠١٩), letters in any case, accents optional.
    """
    original = (text or "").strip()
    if not original:
        return Deadline("", None, None)
    normalised = normalise(original)
    try:
        due, precision = _parse(normalised)
    except _Impossible as impossible:
        suggestions = [impossible.suggestion] if impossible.suggestion else []
        if suggestions:
            raise DeadlineError(original, suggestions=suggestions) from None
        raise DeadlineError(original, reason=impossible.reason) from None
    except _NotUnderstood as refused:
        suggestions = [refused.suggestion] if refused.suggestion else []
        suggestions += _nearest(normalised, refused.unknown)
        raise DeadlineError(original, suggestions=suggestions) from None
    return Deadline(original, due, precision)
