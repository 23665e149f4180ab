"""The export layout, declared once as a django-import-export resource.

The resource names every column, the attribute behind it and the widget that reads a cell back
(``IntegerWidget`` for an id, ``DateWidget`` for a date, ours for statuses and percentages). The
exporter writes its headers in this order, and the importer recognises a workbook by them, in
any of the site's languages, and cleans cells with these widgets.

What we do not use from django-import-export is its row-by-row machinery: ``export()`` builds the
whole file in memory (about 450 MiB for 100k rows) and escapes formulae by turning numbers into
text, and ``import_data()`` asks the database once per row per foreign key. The exporter
(``export.py``) and the importer (``importing/``) do those parts in batches.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from pim.spreadsheets import Column

from ..models import ActionPoint


class StatusWidget(widgets.Widget):
    """A status as people write it: its label in any of the site's languages, or its code."""

    def clean(self, value, row=None, **kwargs):
        if value is None or not str(value).strip():
            return None
        wanted = normalise(value)
        found = status_names().get(wanted)
        if found is None:
            raise ValueError(wanted)
        return found

    def render(self, value, obj=None, **kwargs):
        return force_str(ActionPoint.Status(value).label) if value else ""


class ProgressWidget(widgets.IntegerWidget):
    """A percentage from 0 to 100, written as 40, 40.0, "40" or "40 %"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip().rstrip("%").strip()
        number = super().clean(value, row, **kwargs)
        if number is not None and not 0 <= number <= 100:
            raise ValueError(number)
        return number


# Dates as a spreadsheet writes them once someone re-saved the file: ISO from our export, then
# day first (LibreOffice and Excel outside the US: 31/03/2019, 31.03.19, 31-03-2019), with a
# two-digit year read as 20yy. A date cell (a real date) needs none of this.
DAY_FIRST = (
    "%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y", "%d-%m-%Y", "%d-%m-%y", "%Y/%m/%d",
)  # fmt: skip
# A US-locale program writes month first (03/31/19): a reading offered only where it is the one
# that agrees with the row's deadline or the saved due date (export_rows.py).
MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%y")


def date_readings(value) -> list[date]:
    """What a due-date cell may mean: the day-first reading first, then the month-first one
    when it differs. Empty for an empty cell; ValueError for what is no date at all."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return []
    if isinstance(value, datetime):
        return [value.date()]
    if isinstance(value, date):
        return [value]
    text = str(value).strip().split(" ")[0].split("T")[0]  # a time after the date is dropped
    readings = []
    for formats in (DAY_FIRST, MONTH_FIRST):
        for fmt in formats:
            try:
                found = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if found not in readings:
                readings.append(found)
            break
    if not readings:
        raise ValueError(value)
    return readings


class DueDateWidget(widgets.DateWidget):
    """A due date as a cell holds it: a real date, ISO text, or a re-saved day-first date."""

    def clean(self, value, row=None, **kwargs):
        readings = date_readings(value)
        return readings[0] if readings else None


ORDER = (
    "id",
    "plan",
    "working_group",
    "challenge_number",
    "challenge",
    "description",
    "deadline",
    "due_date",
    "status",
    "progress",
    "lead",
    "supporting",
    "organisations",
    "last_update",
    "last_update_date",
    "overdue",
)


class ActionPointResource(resources.ModelResource):
    id = fields.Field(attribute="id", column_name=_("ID"), widget=widgets.IntegerWidget())
    plan = fields.Field(
        attribute="working_group__plan__title", column_name=_("Plan"), readonly=True
    )
    working_group = fields.Field(
        attribute="working_group", column_name=_("Working group"), readonly=True
    )
    challenge_number = fields.Field(
        attribute="challenge__number",
        column_name=_("Challenge no."),
        widget=widgets.IntegerWidget(),
    )
    challenge = fields.Field(attribute="challenge__title", column_name=_("Challenge"))
    description = fields.Field(attribute="description", column_name=_("Action point"))
    deadline = fields.Field(attribute="deadline_text", column_name=_("Deadline (as typed)"))
    due_date = fields.Field(attribute="due_date", column_name=_("Due date"), widget=DueDateWidget())
    status = fields.Field(attribute="status", column_name=_("Status"), widget=StatusWidget())
    progress = fields.Field(
        attribute="progress", column_name=_("Progress (%)"), widget=ProgressWidget()
    )
    lead = fields.Field(attribute="lead__name", column_name=_("Lead focal point"))
    supporting = fields.Field(attribute="supporting", column_name=_("Supporting people"))
    organisations = fields.Field(column_name=_("Organisation(s)"), readonly=True)
    last_update = fields.Field(column_name=_("Last update"), readonly=True)
    last_update_date = fields.Field(
        column_name=_("Last update date"), widget=widgets.DateWidget(), readonly=True
    )
    overdue = fields.Field(column_name=_("Overdue"), readonly=True)

    class Meta:
        model = ActionPoint
        import_id_fields = ("id",)
        fields = ORDER
        export_order = ORDER


WIDTHS = {
    "id": 8,
    "plan": 28,
    "working_group": 26,
    "challenge_number": 11,
    "challenge": 40,
    "description": 60,
    "deadline": 16,
    "due_date": 12,
    "status": 13,
    "progress": 11,
    "lead": 22,
    "supporting": 26,
    "organisations": 26,
    "last_update": 50,
    "last_update_date": 14,
    "overdue": 9,
}
KINDS = {
    "id": "int",
    "challenge_number": "int",
    "progress": "int",
    "due_date": "date",
    "last_update_date": "date",
}
RESOURCE = ActionPointResource()


def columns() -> list[Column]:
    """The export's columns in order, with headers in the active language."""
    return [
        Column(key, force_str(field.column_name), WIDTHS[key], KINDS.get(key, "text"))
        for key, field in ((key, RESOURCE.fields[key]) for key in ORDER)
    ]


def normalise(text) -> str:
    """How names, titles and headers are compared: white space, letter case and accents (and
    Arabic diacritics) do not count, so "fanette", "Fanette " and "Fanétte" are one person."""
    decomposed = unicodedata.normalize("NFKD", " ".join(str(text).split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _headers_by_language() -> dict[str, str]:
    """Every column header, in every site language, mapped to its column key."""
    found = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for key, field in RESOURCE.fields.items():
                found.setdefault(normalise(force_str(field.column_name)), key)
    return found


def header_key(text) -> str | None:
    """The export column a header cell names, in any site language; None if none."""
    return _headers_by_language().get(normalise(text)) if text is not None else None


@cache
def status_names() -> dict[str, str]:
    """Status labels in every site language, and the codes themselves, mapped to the code."""
    names = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, label in ActionPoint.Status.choices:
                names[normalise(force_str(label))] = code
    for code in ActionPoint.Status.values:
        names[code] = code
        names[code.replace("_", " ")] = code
    return names


def yes_no(value: bool) -> str:
    return force_str(_("Yes") if value else _("No"))
