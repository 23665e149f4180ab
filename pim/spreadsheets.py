"""Spreadsheets out of the app, shared by every list that exports (action points, consent forms,
agreements): typed columns, streaming writers for .xlsx and .csv, and formula safety.

Formula safety: text from users never reaches a spreadsheet as something it would run.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL can be
taken for a formula by Excel or LibreOffice (CSV injection), also after leading spaces. Such text
is *neutralised*: in a CSV file it gets a leading apostrophe, the convention spreadsheets read
as "text follows"; in a workbook it is written as a string cell with the quote-prefix style, so
it shows exactly as typed and stays text even when edited. Numbers and dates are never touched:
they are written as typed cells, not as text.

Every workbook the product writes goes through ``text_writer()``: the list exports here, and the
XLSForm of a consent form (consent/xlsform.py), which IMOs edit in Excel before uploading it to
KoboToolbox or ODK. openpyxl (and so pyxform) reads such a cell back as the very same string: the
quote prefix is a style, not a character of the text.

Importing undoes the CSV apostrophe, so an exported file comes back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

TRIGGERS = "=+-@\t\r\0"
# Checked on every text cell of an export: one compiled match, no copy of the text.
_RISKY = re.compile(r" *[=+\-@\t\r\0]")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return _RISKY.match(text) is not None


def for_csv(text: str) -> str:
    return "'" + text if _RISKY.match(text) else text


def quote_prefix(book: xlsxwriter.Workbook):
    """The cell format that keeps risky text as text in ``book``, even when the cell is edited."""
    return book.add_format({"quote_prefix": True})


def text_writer(sheet, quoted) -> Callable[[int, int, str], None]:
    """``write(row, col, text)`` for an xlsxwriter ``sheet``: always a string cell, never a
    formula, with the ``quoted`` format (``quote_prefix(book)``) when the text is risky.

    A closure rather than a method: it is called for every text cell of a 100,000-row export,
    and looking up nothing but its two locals keeps it as cheap as writing the cell directly.
    Control characters are written as XML escapes by xlsxwriter.
    """
    write_string = sheet.write_string
    risky = _RISKY.match

    def write(row: int, col: int, text: str) -> None:
        if risky(text) is not None:
            write_string(row, col, text, quoted)
        else:
            write_string(row, col, text)

    return write


def from_cell(text: str) -> str:
    """Undo ``for_csv``: a leading apostrophe before risky text is ours, not the person's."""
    if text.startswith("'") and is_risky(text[1:]):
        return text[1:]
    return text


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # in the current language
    width: int  # characters, for the workbook
    kind: str  # "text", "int" or "date": how the cell is typed


class XlsxSink:
    """A one-sheet workbook: bold frozen header, autofilter, column widths, typed cells."""

    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def __init__(self, fileobj, cols: list[Column], title: str = ""):
        self.book = xlsxwriter.Workbook(
            fileobj,
            {
                "constant_memory": True,  # each row goes to a temporary file once written
                "tmpdir": tempfile.gettempdir(),
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        # Sheet names: at most 31 characters, none of []:*?/\ (Excel's rules).
        name = re.sub(r"[\[\]:*?/\\]", " ", str(title or _("Export"))).strip()[:31]
        self.sheet = self.book.add_worksheet(name or None)
        header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.quoted = quote_prefix(self.book)
        self.width = len(cols)
        for index, column in enumerate(cols):
            self.sheet.set_column(index, index, column.width)
            self.sheet.write_string(0, index, column.header, header)
        self.sheet.freeze_panes(1, 0)
        kinds = {
            "text": text_writer(self.sheet, self.quoted),
            "int": self.sheet.write_number,
            "date": self._date,
        }
        self.writers = [kinds[column.kind] for column in cols]
        self.row = 1

    def _date(self, row, col, value):
        self.sheet.write_datetime(row, col, value, self.date)

    def write(self, values: list) -> None:
        row = self.row
        for col, (writer, value) in enumerate(zip(self.writers, values, strict=True)):
            if value is not None and value != "":
                writer(row, col, value)
        self.row = row + 1

    def close(self) -> None:
        self.sheet.autofilter(0, 0, max(self.row - 1, 1), self.width - 1)
        self.book.close()


class CsvSink:
    """UTF-8 with a byte-order mark (so Excel reads Arabic and accents), ISO dates."""

    content_type = "text/csv; charset=utf-8"

    def __init__(self, fileobj, cols: list[Column], title: str = ""):
        self.text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow([for_csv(column.header) for column in cols])
        self.kinds = [column.kind for column in cols]

    def write(self, values: list) -> None:
        cells = []
        for kind, value in zip(self.kinds, values, strict=True):
            if value is None:
                cells.append("")
            elif kind == "text":
                cells.append(for_csv(value))
            elif kind == "date":
                cells.append(value.isoformat())
            else:
                cells.append(value)
        self.writer.writerow(cells)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()  # the caller owns the binary file


SINKS: dict[str, type[XlsxSink] | type[CsvSink]] = {"xlsx": XlsxSink, "csv": CsvSink}


def write_rows(cols: list[Column], rows: Iterable[list], fmt: str, fileobj, title="") -> int:
    """Write ``rows`` (lists of typed values, in ``cols`` order); returns how many."""
    sink = SINKS[fmt](fileobj, cols, title)
    written = 0
    for values in rows:
        sink.write(values)
        written += 1
    sink.close()
    return written


def export_name(title: str, extension: str, *, day=None, fallback: str = "export") -> str:
    """The one way a downloaded file is named: "<title as a slug>-<date>.<extension>".

    The slug keeps letters of any script (an Arabic title stays Arabic), at most 60 of them;
    ``day`` is the export's date (today by default).
    """
    stem = slugify(title, allow_unicode=True)[:60] or fallback
    return f"{stem}-{(day or timezone.localdate()):%Y-%m-%d}.{extension}"


def file_response(cols: list[Column], rows: Iterable[list], fmt: str, title: str) -> FileResponse:
    """A small export as a download (a temporary file, never a public URL)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_rows(cols, rows, fmt, out, title)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=export_name(title, fmt),
        content_type=SINKS[fmt].content_type,
    )
