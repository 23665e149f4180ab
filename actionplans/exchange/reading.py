"""Read an uploaded spreadsheet (.xlsx or CSV) into plain rows, refusing what we cannot trust.

The bytes come from anyone with an account, so the type is judged by content, never by file
name, and every refusal is a sentence the person who uploaded the file can act on.

python-calamine reads workbooks fast, but it believes what the file says about itself: a 6 KB
workbook with one cell at A1 and one at XFD1048576, or a shared-string table declaring four
billion strings, makes it ask for hundreds of gigabytes and abort the whole process (no
exception to catch). So the zip is inflated and measured here first (the sizes it declares are
the uploader's word too): every part calamine could open as a sheet, wherever the workbook's
relationships put it, and every other part that holds cells. calamine only sees workbooks whose
sheets fit in ``MAX_CELLS``, and even then only in a child process with memory and time limits
(isolated.py), so that a rule missed here costs a refused upload, not a server worker.
"""

from __future__ import annotations

import codecs
import csv
import functools
import html
import io
import json
import posixpath
import re
import urllib.parse
import xml.parsers.expat
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from pim import safezip

from . import isolated
from .isolated import drop_trailing_blank_rows as _drop_trailing_blank_rows
from .isolated import has_content as _has_content

# A zip holding more members than this is not a spreadsheet someone typed.
MAX_ZIP_MEMBERS = 10_000
# Members above 1 MiB may not inflate more than 100 times (real sheets stay far below that).
MAX_RATIO, RATIO_FROM = 100, 1024 * 1024
# Cells the sheets of one file may span, counting blanks up to the last used row and column
# (calamine and Python both hold the whole rectangle: ~50 bytes a cell). 20,000 rows of 40
# columns fit; a stray value in XFD1048576 does not.
MAX_CELLS = 2_000_000
# A workbook's own relationships (one per sheet, a few more) are counted in tens, not thousands.
MAX_RELATIONSHIPS = 4 * MAX_ZIP_MEMBERS
# The child process that runs calamine (see isolated.py); settings may change both.
READER_MAX_MEMORY_MB = 1024
READER_TIMEOUT_SECONDS = 20
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b")


class UnreadableFile(Exception):
    """A file we refuse; .message is a translatable sentence for the person who uploaded it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]


def _message(text, **params):
    """``text % params``, translated when shown (in the language active then), not now."""

    def render():
        shown = {k: number_format(v, force_grouping=True) if type(v) is int else v
                 for k, v in params.items()}  # fmt: skip
        return str(text) % shown if shown else str(text)

    return lazy(render, str)()


def _refuse(text, **params):
    return UnreadableFile(_message(text, **params))


EMPTY = _("The file is empty.")
NOT_A_SPREADSHEET = _(
    "This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file."
)
NOT_EXCEL = _(
    "This file is not an Excel workbook (it may be a Word document or an OpenDocument file). "
    "Save it as .xlsx or .csv."
)
MACROS = _(
    "This workbook contains macros, which we do not accept. "
    "Save it as an Excel Workbook (.xlsx) and upload that."
)
ZIP_BOMB = _(
    "This workbook unpacks to far more data than it holds, which we do not accept. "
    "Open it in Excel, save it again and upload the new file."
)
DAMAGED = _(
    "The workbook could not be read: it may be damaged. "
    "Open it in Excel, save it again and upload the new file."
)
PASSWORD = _(
    "This workbook is protected by a password. Remove the password in Excel "
    "(File › Info › Protect Workbook), save, and upload it again."  # noqa: RUF001 (as in Excel)
)
OLD_XLS = _(
    "This is an old Excel 97–2003 (.xls) workbook. Save it as .xlsx or .csv and upload that."  # noqa: RUF001
)
UNDECODABLE = _(
    "We could not read the text of this file. "
    "In Excel, save it as “CSV UTF-8 (Comma delimited)” and upload that."
)
CSV_BROKEN = _(
    "Row %(row)s of the CSV file could not be read (a cell may be far too long). "
    "Open the file in Excel, save it as “CSV UTF-8” and upload it again."
)
TOO_BIG = _("The file is larger than %(limit)s. Remove what is not needed, or split it.")
TOO_MANY_ROWS = _(
    "The file has %(count)s rows; at most %(limit)s can be imported at once. "
    "Split it into smaller files and upload them one by one."
)
MORE_ROWS_THAN = _(
    "The file has more than %(limit)s rows; at most %(limit)s can be imported at once. "
    "Split it into smaller files and upload them one by one."
)
TOO_LARGE = _(
    "The table is too large to import: it reaches row %(row)s and column %(column)s. "
    "Delete any stray cells below or to the right of your table, save, and upload again."
)
READER_FAILED = _(
    "This file could not be read: it may be damaged, or made by a program we do not support. "
    "Open it in Excel, save it again and upload the new file, or save it as CSV."
)
READER_LIMIT = _(
    "This file could not be read: reading it needs more memory or time than one upload may "
    "take. Delete any stray cells, sheets or formatting you do not need, or split the file, "
    "and upload it again."
)
NOTHING_VISIBLE = _(
    "The workbook has no visible sheet with data. Hidden sheets are not read: unhide the sheet "
    "to import, save, and upload again."
)


def read_table(fileobj, *, max_bytes: int, max_rows: int, max_unpacked_bytes: int) -> list[Sheet]:
    """The visible worksheets of an .xlsx file, or the single sheet "CSV" of a CSV file.

    ``rows[i]`` is row i + 1 as the person sees it in Excel; blank cells are None.
    Raises UnreadableFile for anything else.
    """
    data = _read_at_most(fileobj, max_bytes + 1)
    if len(data) > max_bytes:
        raise _refuse(TOO_BIG, limit=_human_size(max_bytes))
    if not data.strip():
        raise _refuse(EMPTY)
    if data.startswith(b"PK\x03\x04"):
        sheets = _read_xlsx(data, max_unpacked_bytes)
    elif data.startswith(OLE2_SIGNATURE):
        raise _refuse(_ole2_verdict(data))
    else:
        sheets = [Sheet("CSV", _read_csv(data, max_rows))]
    filled = sum(1 for sheet in sheets for row in sheet.rows if _has_content(row))
    if filled > max_rows:
        raise _refuse(TOO_MANY_ROWS, count=filled, limit=max_rows)
    return sheets


def _read_at_most(fileobj, size: int) -> bytes:
    if getattr(fileobj, "seekable", lambda: False)():
        fileobj.seek(0)
    chunks, left = [], size
    while left > 0:
        chunk = fileobj.read(min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _human_size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{round(size / scale, 1):g} {unit}"
    return f"{size} bytes"


def _column_letters(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA", as Excel names columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _ole2_verdict(data: bytes):
    # Password-protected .xlsx files are stored as OLE2 (compound file) containers; the names
    # in their directory are UTF-16LE.
    if any(name.encode("utf-16-le") in data for name in ("EncryptionInfo", "EncryptedPackage")):
        return PASSWORD
    if "WordDocument".encode("utf-16-le") in data:  # an old .doc
        return NOT_EXCEL
    return OLD_XLS


# ---------------------------------------------------------------------------------------------
# Excel workbooks (.xlsx)


def _read_xlsx(data: bytes, max_unpacked_bytes: int) -> list[Sheet]:
    _check_zip(data, max_unpacked_bytes)
    try:
        answer = isolated.read_workbook(
            data,
            memory_mb=getattr(settings, "IMPORT_READER_MAX_MEMORY_MB", READER_MAX_MEMORY_MB),
            timeout=getattr(settings, "IMPORT_READER_TIMEOUT_SECONDS", READER_TIMEOUT_SECONDS),
            # What was read is no larger than what the parts hold, but for values shared by
            # many cells (shared strings, merged areas): twice the unpacked budget is plenty.
            max_output=2 * max_unpacked_bytes,
        )
    except isolated.ReaderFailed as failed:
        raise _refuse(_READER_VERDICTS.get(failed.code, READER_FAILED)) from None
    sheets = [Sheet(sheet["name"], sheet["rows"]) for sheet in answer["sheets"]]
    if not any(sheet.rows for sheet in sheets):
        raise _refuse(NOTHING_VISIBLE if answer["hidden"] else EMPTY)
    return sheets


_READER_VERDICTS = {
    "password": PASSWORD,
    "damaged": DAMAGED,
    "memory": READER_LIMIT,
    "too_large": READER_LIMIT,
    "timeout": READER_LIMIT,
}


def _check_zip(data: bytes, max_unpacked_bytes: int) -> None:
    """Refuse anything but a plain .xlsx, and any workbook calamine cannot read safely."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OverflowError, EOFError, NotImplementedError):
        raise _refuse(DAMAGED) from None
    names = [member.filename.replace("\\", "/").lower() for member in members]
    if "xl/workbook.xml" not in names:
        raise _refuse(NOT_EXCEL)
    if "xl/vbaproject.bin" in names:
        raise _refuse(MACROS)
    if (
        len(members) > MAX_ZIP_MEMBERS
        or sum(member.file_size for member in members) > max_unpacked_bytes
        or any(
            m.file_size > RATIO_FROM and m.file_size / max(m.compress_size, 1) > MAX_RATIO
            for m in members
        )
    ):
        raise _refuse(ZIP_BOMB)
    sheet_parts = _sheet_parts(archive, members, names, max_unpacked_bytes)
    # The sizes above are the uploader's word. Inflate every member ourselves (calamine's zip
    # reader does not stop at the declared size) and look at what calamine would size from it.
    budget, cells = max_unpacked_bytes, 0
    for member, name in zip(members, names, strict=True):
        content = _inflate(archive, member, budget)
        budget -= len(content)
        if name == "[content_types].xml" and b"macroenabled" in content.lower():
            raise _refuse(MACROS)
        # calamine reserves room for a shared-string table's declared count before reading it.
        if any(int(count) > len(content) // 4 for count in _UNIQUE_COUNT.findall(content)):
            raise _refuse(DAMAGED)
        if name in sheet_parts or "worksheets" in name.split("/"):
            cells += _worksheet_extent(content, MAX_CELLS - cells).cells()
        elif _CELL_TAG.search(content.replace(b"\0", b"") if b"\0" in content[:4] else content):
            # Not a sheet by any reading of the relationships, but it holds cells: measured
            # all the same (as far as it parses), in case calamine reads paths in a way we
            # did not foresee.
            cells += _worksheet_extent(content, MAX_CELLS - cells, strict=False).cells()


_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*\+?0*(\d{1,30})""")
_CELL_TAG = re.compile(rb"<(?:[^\s<>/:]+:)?c[\s/>]")
_TARGET = re.compile(r"""Target\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


def _sheet_parts(archive, members, names, budget: int) -> set[str]:
    """The members (their ``names``) calamine could open as a sheet.

    calamine takes a sheet's part from xl/_rels/workbook.xml.rels: "/x/y.xml" is the member
    x/y.xml, anything else is under xl/ ("worksheets/sheet1.xml", but also "other/s.xml" or
    "xl/s.xml", which is xl/xl/s.xml), and it finds the member whatever its case or slashes.
    Every target of that file is resolved in all those ways and a few more (entities, %20,
    "../"), so the names returned are a superset of what it opens.
    """
    targets = set()
    for member, name in zip(members, names, strict=True):
        if _normal(name) == WORKBOOK_RELS:
            targets |= _targets(_inflate(archive, member, budget))
    if len(targets) > MAX_RELATIONSHIPS:
        raise _refuse(DAMAGED)
    wanted = {path for target in targets for path in _resolutions(target)}
    return {name for name in names if _normal(name) in wanted}


def _targets(content: bytes) -> set[str]:
    """Every Target="..." in a relationships part, read leniently: from any element, in a
    broken file, in UTF-16."""
    texts = [content.decode("utf-8", "replace")]
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        texts.append(content.decode("utf-16", "replace"))
    if b"\0" in content:
        texts.append(content.replace(b"\0", b"").decode("utf-8", "replace"))
    return {double or single for text in texts for double, single in _TARGET.findall(text)}


def _resolutions(target: str) -> set[str]:
    paths = set()
    for variant in {target, html.unescape(target)}:
        for text in {variant, urllib.parse.unquote(variant)}:
            text = text.replace("\\", "/").lower()
            for path in (text, "xl/" + text, "xl/" + text.lstrip("/")):
                paths.add(_normal(path))
    return paths


def _normal(name: str) -> str:
    """A member name as compared here: lower case, "/" only, no ".", ".." or leading "/"."""
    return posixpath.normpath("/" + name.replace("\\", "/").lower()).lstrip("/")


def _inflate(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> bytes:
    try:
        return safezip.inflate(archive, member, budget)[1]
    except safezip.TooBig:
        raise _refuse(ZIP_BOMB) from None
    except safezip.Damaged:
        raise _refuse(DAMAGED) from None


class _Stop(Exception):
    """A part that is not a sheet stops being measured where it stops looking like one."""


class _CellPlaces:
    """Follows calamine's rules for placing cells, as expat reads a worksheet.

    A cell's ``r`` attribute ("C7") gives its place; without one it goes right of the previous
    cell, and every ``</row>`` moves down a row (to the ``r`` of the next ``<row>``, if any).
    A cell counts if it holds an element (its value). The XML must be well-formed and hold no
    <c> or <row> inside a <c>: calamine's parser is lenient, and on such input it could see
    cells where we see none (when not ``strict``, measuring just stops there). Stops as soon
    as the cells, or the rectangle they span, pass ``limit``. (This runs once per XML
    element: kept lean on purpose.)
    """

    def __init__(self, limit: int, strict: bool = True):
        self.limit = limit
        self.damaged = _refuse(DAMAGED) if strict else _Stop()
        self.row = self.column = 0
        self.cell = None  # (row, column) of the <c> being read
        self.valued = False  # whether that cell holds an element
        self.last_row = self.last_column = -1
        self.count = 0  # cells with a value, repeated addresses included (calamine keeps each)
        self.local_names = {}

    def local(self, name: str) -> str:
        if name not in self.local_names:
            self.local_names[name] = name.rpartition(":")[2]
        return self.local_names[name]

    def start(self, name, attrs):
        local = self.local(name)
        if self.cell is not None:
            if local in ("c", "row"):
                raise self.damaged
            self.valued = True
        elif local == "c":
            place = _place(attrs.get("r", ""))
            if place:
                self.column = place[1]
            self.cell = place or (self.row, self.column)
        elif local == "row" and (place := _place(attrs.get("r", ""))):
            self.row = place[0]

    def end(self, name):
        local = self.local(name)
        if local == "c" and self.cell is not None:
            if self.valued:
                self.count += 1
                self.last_row = max(self.last_row, self.cell[0])
                self.last_column = max(self.last_column, self.cell[1])
                if self.cells() > self.limit:
                    column = _column_letters(self.last_column)
                    raise _refuse(TOO_LARGE, row=self.last_row + 1, column=column)
            self.cell, self.valued, self.column = None, False, self.column + 1
        elif local == "row":
            self.row, self.column = self.row + 1, 0

    def doctype(self, *_args):
        raise self.damaged  # no workbook part has one, and its entities could be a bomb

    def cells(self) -> int:
        return max(self.count, (self.last_row + 1) * (self.last_column + 1))


def _worksheet_extent(content: bytes, limit: int = MAX_CELLS, strict: bool = True) -> _CellPlaces:
    """Where calamine would place the cells of this part (refused past ``limit`` cells).

    Not ``strict``: a part that breaks off (bad XML, a cell in a cell, a DOCTYPE) is measured
    up to there and not refused for it.
    """
    places = _CellPlaces(limit, strict)
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler = places.start, places.end
    parser.StartDoctypeDeclHandler = places.doctype
    try:
        parser.Parse(content, True)
    except xml.parsers.expat.ExpatError:
        if strict:
            raise _refuse(DAMAGED) from None
    except _Stop:
        pass
    return places


@functools.lru_cache(maxsize=64)
def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return max(number - 1, 0)


def _place(reference: str) -> tuple[int, int] | None:
    """ "C7" → (6, 2), "7" → (6, 0); None for what calamine would not accept either."""
    letters = reference.rstrip("0123456789")
    digits = reference[len(letters) :]
    if not digits or (letters and not (letters.isascii() and letters.isalpha())):
        return None
    return max(int(digits) - 1, 0), _column_number(letters)


# ---------------------------------------------------------------------------------------------
# CSV


def _read_csv(data: bytes, max_rows: int) -> list[list]:
    if data.startswith(BINARY_SIGNATURES):
        raise _refuse(NOT_A_SPREADSHEET)
    text = _decode(data)
    if not text.strip():
        raise _refuse(EMPTY)
    head = text[:65536]
    # People save "Excel" files from web pages (HTML) or as XML; PDFs and pictures have many
    # control characters, which typed text never has.
    if head.lstrip().startswith("<") or len(_CONTROL.findall(head)) > max(len(head) // 100, 8):
        raise _refuse(NOT_A_SPREADSHEET)
    delimiter, text = _delimiter(text)
    rows, filled, cells = [], 0, 0
    # csv's own limit on a cell (131,072 characters) is kept: far above anything typed.
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            record = next(records, None)
        except csv.Error:
            raise _refuse(CSV_BROKEN, row=len(rows) + 1) from None
        if record is None:
            break
        row = [cell if cell else None for cell in record]
        filled += _has_content(row)
        if filled > max_rows:  # stop here: no need to read a huge file to count it
            raise _refuse(MORE_ROWS_THAN, limit=max_rows)
        rows.append(row)
        cells += max(len(row), 1)
        if cells > MAX_CELLS:
            raise _refuse(TOO_LARGE, row=len(rows), column=_column_letters(max(len(row) - 1, 0)))
    rows = _drop_trailing_blank_rows(rows)
    if not rows:
        raise _refuse(EMPTY)
    return rows


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif b"\x00" in data[:65536]:
        raise _refuse(NOT_A_SPREADSHEET)
    else:
        # Excel's "CSV UTF-8" starts with a BOM (utf-8-sig drops it); its plain "CSV" on a
        # French or English Windows is cp1252.
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(UNDECODABLE)


def _delimiter(text: str) -> tuple[str, str]:
    """The delimiter (",", ";" or tab; French Excel writes ";") and the text to parse."""
    first_line, _newline, rest = text.partition("\n")
    hint = re.fullmatch(r"sep=([,;\t|])\r?", first_line)
    if hint:  # Excel's own hint line; Excel hides it, so row 1 is the line after it
        return hint[1], rest
    # csv.Sniffer's regular expressions take quadratic time: give it a few lines only.
    sample = text[:8192]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        # The Sniffer gives up on a title line above the table ("Plan d'action 2025"): take
        # the delimiter that splits the most lines, "," on a tie.
        delimiter = max(",;\t", key=lambda candidate: _lines_split(sample, candidate))
    return (delimiter if delimiter in ",;\t" else ","), text


def _lines_split(sample: str, delimiter: str) -> int:
    records = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        return sum(len(record) > 1 for record in records)
    except csv.Error:
        return 0


# --- Keeping what was read: the preview and the confirmation do not parse the upload again ------


def dump_sheets(sheets: list[Sheet]) -> bytes:
    """The sheets as JSON (dates tagged), to keep beside an upload awaiting confirmation."""
    payload = [{"name": sheet.name, "rows": sheet.rows} for sheet in sheets]
    return json.dumps(payload, default=isolated.json_cell, ensure_ascii=False).encode()


def load_sheets(data: bytes) -> list[Sheet]:
    items = json.loads(data, object_hook=isolated.json_tagged)
    return [Sheet(item["name"], item["rows"]) for item in items]
