"""Malformed workbooks at both import endpoints: a page with a clear message, nothing written,
and the server process still alive.

A security test found three 1.6 KB workbooks whose worksheet lay outside xl/worksheets/ (in
another folder, behind an absolute relationship target, in another letter case) and held a
cell at XFD1048576: python-calamine asked for 512 GiB and aborted the process. Every file here
is built in the test (no binary fixtures): those three shapes, then a generated corpus of
far cells, odd part names, broken relationships, missing parts, truncated zips and bombs.
Two layers stand between such a file and a dead worker, and both are tested: reading.py
measures every part calamine could open as a sheet (so these files never reach calamine), and
calamine itself runs in a child process with memory and time limits (isolated.py), so a rule
missed there still ends in a refusal.
"""

from __future__ import annotations

import io
import logging
import random
import struct
import time
import warnings
import zipfile
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from actionplans.exchange import isolated, reading
from actionplans.models import (
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    ProgressUpdate,
    SpreadsheetImport,
    WorkingGroup,
)
from pim import filetypes

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET = f"{DOC_RELS}/worksheet"

# What each refusal says (English), to tell which guard answered.
TOO_LARGE = "too large to import"
DAMAGED = "may be damaged"
BOMB = "unpacks to far more data"
NOT_EXCEL = "not an Excel workbook"
NO_TABLE = "could not find the table"
READER_FAILED = "could not be read: it may be damaged, or made by a program"
READER_LIMIT = "needs more memory or time than one upload may take"
OLD_XLS = "old Excel 97"
MACROS = "contains macros"
EMPTY = "empty"


# --- Building workbooks by hand ----------------------------------------------------------------


def sheet_xml(cells: str, dimension: str | None = None) -> bytes:
    head = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{head}'
        f"<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


def rels_xml(*targets: str, kind: str = WORKSHEET) -> bytes:
    items = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}" Target="{target}"/>'
        for number, target in enumerate(targets, 1)
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f'{head}<Relationships xmlns="{RELS}">{items}</Relationships>'.encode()


def workbook_xml(sheets: int = 1, state: str = "") -> bytes:
    items = "".join(
        f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"{state}/>' for n in range(1, sheets + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
        f'xmlns:r="{DOC_RELS}"><sheets>{items}</sheets></workbook>'
    ).encode()


WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    b'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
ROOT_RELS = rels_xml("xl/workbook.xml", kind=f"{DOC_RELS}/officeDocument")

# A value at A1 and one at the far corner of the sheet (what calamine sizes its grid from).
FAR = sheet_xml(
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>',
    dimension="A1:XFD1048576",
)
# What the same place holds in a harmless workbook: calamine reads it as the sheet.
NEAR = sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>')


def xlsx(parts) -> bytes:
    """A zip of ``parts`` (a dict, or pairs: the same name twice makes two members)."""
    out = io.BytesIO()
    items = parts.items() if isinstance(parts, dict) else parts
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name", on purpose
        for name, content in items:
            archive.writestr(name, content)
    return out.getvalue()


def book(part: str, target: str, sheet: bytes = FAR, changes=None) -> dict[str, bytes]:
    """The parts of a minimal workbook whose only sheet is ``part``, named ``target`` in
    xl/_rels/workbook.xml.rels; ``changes`` replace parts by name, or drop them (None)."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook_xml(),
        WORKBOOK_RELS: rels_xml(target),
        part: sheet,
    }
    for name, content in (changes or {}).items():
        if content is None:
            parts.pop(name, None)
        else:
            parts[name] = content
    return parts


# The reported shapes, then every way calamine (0.37) was seen to find a part: "/x" is the
# member x, anything else is under xl/, in any ASCII case and with either slash.
SHAPES = {
    "another folder": ("xl/other/sheet1.xml", "other/sheet1.xml"),
    "an absolute target": ("xl/foo/data.xml", "/xl/foo/data.xml"),
    "another letter case": ("xl/Worksheets/sheet1.xml", "Worksheets/sheet1.xml"),
}
LOCATIONS = {
    **SHAPES,
    "the usual place": ("xl/worksheets/sheet1.xml", "worksheets/sheet1.xml"),
    "a member in capitals": ("XL/OTHER/SHEET1.XML", "other/sheet1.xml"),
    "an absolute target in capitals": ("xl/other/sheet1.xml", "/XL/Other/Sheet1.xml"),
    "outside xl/": ("foo/sheet1.xml", "/foo/sheet1.xml"),
    "xl/ taken literally": ("xl/xl/sheet1.xml", "xl/sheet1.xml"),
    "backslashes in the zip": ("xl\\other\\sheet1.xml", "other/sheet1.xml"),
    "an entity taken literally": ("xl/other/a&amp;b.xml", "other/a&amp;b.xml"),
    "no .xml suffix": ("xl/other/sheet1.bin", "other/sheet1.bin"),
}
# Names calamine does not open (it folds ASCII case only, and takes "./", "../" and "%20"
# literally), measured all the same: the measure reads names more ways than calamine does.
ODD_NAMES = {
    "a Kelvin sign": ("xl/wor\u212asheets/sheet1.xml", "worksheets/sheet1.xml"),
    "a dot folder": ("xl/worksheets/sheet1.xml", "./worksheets/sheet1.xml"),
    "a parent folder": ("foo/sheet1.xml", "../foo/sheet1.xml"),
    "a percent-encoded name": ("xl/other/sheet 1.xml", "other/sheet%201.xml"),
}


# --- The generated corpus ----------------------------------------------------------------------


@dataclass
class Case:
    name: str
    data: bytes
    expected: tuple[str, ...]  # the refusal says one of these


SHEETS = {
    # (sheet, refusals it may get wherever it lies)
    "a far cell": (FAR, (TOO_LARGE,)),
    "a far cell, no dimension": (
        sheet_xml('<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'),
        (TOO_LARGE,),
    ),
    "a far row, cells without addresses": (
        sheet_xml('<row r="1048576"><c><v>1</v></c><c><v>2</v></c></row>'),
        (TOO_LARGE,),
    ),
    "a far cell, broken off": (
        sheet_xml('<row r="1"><c r="XFD1048576"><v>2</v>', None)[:-40],
        (DAMAGED,),
    ),
    "a far cell inside a cell": (
        sheet_xml('<row><c r="A1"><c r="XFD1048576"><v>1</v></c></c></row>'),
        (DAMAGED,),
    ),
    "entities (billion laughs)": (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet><sheetData><row><c>'
        b"<v>&b;</v></c></row></sheetData></worksheet>",
        (DAMAGED,),
    ),
    # Only the dimension is far: calamine does not size from it, so this one is read (in the
    # child) and then finds no table in "1".
    "a far dimension only": (
        sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576"),
        (NO_TABLE,),
    ),
}


def structural_cases() -> list[Case]:
    odd, odd_target = "xl/other/sheet1.xml", "other/sheet1.xml"
    rels = rels_xml(odd_target)
    far_odd = xlsx(book(odd, odd_target))

    def odd_book(sheet=FAR, changes=None):
        return xlsx(book(odd, odd_target, sheet, changes))

    utf16_rels = rels.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode().encode("utf-16")
    many_rels = rels_xml(*(f"s{n}.xml" for n in range(50_000)))
    two_sheets = {
        "xl/workbook.xml": workbook_xml(2),
        WORKBOOK_RELS: rels_xml("worksheets/sheet1.xml", odd_target),
        "xl/worksheets/sheet1.xml": NEAR,
    }
    lying_strings = f'<sst xmlns="{MAIN}" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    macro_types = CONTENT_TYPES.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml")
    cases = [
        # Without relationships, or with broken ones, the part is still measured: every
        # Target="..." is read leniently, and any part holding cells is measured.
        Case("no workbook relationships", odd_book(changes={WORKBOOK_RELS: None}), (TOO_LARGE,)),
        Case(
            "relationships broken off", odd_book(changes={WORKBOOK_RELS: rels[:-30]}), (TOO_LARGE,)
        ),
        Case(
            "relationships in UTF-16", odd_book(changes={WORKBOOK_RELS: utf16_rels}), (TOO_LARGE,)
        ),
        Case(
            "a target in single quotes",
            odd_book(
                changes={WORKBOOK_RELS: rels.replace(b'"other/sheet1.xml"', b"'other/sheet1.xml'")}
            ),
            (TOO_LARGE,),
        ),
        Case(
            "a relationship to nothing",
            odd_book(changes={WORKBOOK_RELS: rels_xml("x.xml")}),
            (TOO_LARGE,),
        ),
        Case("a target that is missing", xlsx(book(odd, "other/missing.xml", NEAR)), (DAMAGED,)),
        Case(
            "a target that is a picture",
            xlsx(
                book("xl/media/image1.png", "media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(300))
            ),
            (DAMAGED,),
        ),
        Case(
            "a target that is the workbook",
            xlsx(book("xl/other.xml", "workbook.xml", NEAR)),
            (DAMAGED, EMPTY),
        ),
        Case(
            "fifty thousand relationships", odd_book(changes={WORKBOOK_RELS: many_rels}), (DAMAGED,)
        ),
        Case("no workbook", odd_book(changes={"xl/workbook.xml": None}), (NOT_EXCEL,)),
        Case(
            "a broken workbook",
            odd_book(NEAR, changes={"xl/workbook.xml": b"<workbook><sheets><sheet"}),
            (DAMAGED,),
        ),
        Case("no content types", odd_book(changes={"[Content_Types].xml": None}), (TOO_LARGE,)),
        Case("macros declared", odd_book(changes={"[Content_Types].xml": macro_types}), (MACROS,)),
        Case(
            "a harmless sheet, then one of the same name with a far cell",
            xlsx([*book(odd, odd_target, NEAR).items(), (odd, FAR)]),
            (TOO_LARGE,),
        ),
        Case(
            "a member named with a leading slash", xlsx(book("/" + odd, odd_target)), (TOO_LARGE,)
        ),
        Case("a second sheet with a far cell", odd_book(changes=two_sheets), (TOO_LARGE,)),
        Case(
            "a far chart sheet",
            xlsx(book("xl/chartsheets/sheet1.xml", "chartsheets/sheet1.xml")),
            (TOO_LARGE,),
        ),
        Case(
            "a shared-string table declaring billions",
            odd_book(NEAR, changes={"xl/sharedStrings.xml": lying_strings.encode()}),
            (DAMAGED,),
        ),
        Case("an old .xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), (OLD_XLS,)),
        Case("an empty zip", xlsx({}), ("not a spreadsheet",)),
        Case("a zip header only", b"PK\x03\x04" + bytes(60), (DAMAGED,)),
        Case("a bomb in another folder", bomb(odd), (BOMB,)),
        Case("a bomb that lies about its size", lying_bomb(odd), (BOMB, DAMAGED)),
    ]
    for cut in (0.25, 0.5, 0.75, 0.98):
        data = far_odd[: int(len(far_odd) * cut)]
        cases.append(Case(f"cut at {cut:.0%}", data, (DAMAGED,)))
    # Byte flips in the three reported shapes: whatever they break, a refusal.
    generator = random.Random(20260301)
    for number in range(12):
        data = bytearray(xlsx(book(*SHAPES[list(SHAPES)[number % 3]])))
        for _ in range(generator.randint(1, 3)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        anything = (TOO_LARGE, DAMAGED, BOMB, NOT_EXCEL, READER_FAILED, NO_TABLE, EMPTY)
        cases.append(Case(f"flipped bytes {number}", bytes(data), anything))
    return cases


def bomb(part: str, megabytes: int = 20) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in book(part, "other/sheet1.xml", b"").items():
            if name != part:
                archive.writestr(name, content)
        with archive.open(part, "w") as member:
            for _ in range(megabytes):
                member.write(b" " * (1024 * 1024))
    return out.getvalue()


def lying_bomb(part: str) -> bytes:
    """A bomb whose headers declare 1 KB for its last member."""
    data = bytearray(bomb(part, 5))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.rindex(signature)
        data[start + offset : start + offset + 4] = (1024).to_bytes(4, "little")
    return bytes(data)


def corpus() -> list[Case]:
    """Every kind of sheet in the reported places and the usual one; the telling kinds (a far
    cell, a far row, a far dimension) in every other place; then the structural cases."""
    everywhere = ("a far cell", "a far row, cells without addresses", "a far dimension only")
    cases = []
    for where, (part, target) in {**LOCATIONS, **ODD_NAMES}.items():
        for sheet, (content, expected) in SHEETS.items():
            if where not in SHAPES and where != "the usual place" and sheet not in everywhere:
                continue
            if where in ODD_NAMES and expected == (NO_TABLE,):
                continue  # calamine finds no sheet there: it is refused as damaged
            cases.append(Case(f"{sheet} in {where}", xlsx(book(part, target, content)), expected))
    return cases + structural_cases()


# --- Posting -----------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            ActionPoint,
            ActionPointChange,
            Challenge,
            WorkingGroup,
            FocalPoint,
            ProgressUpdate,
            SpreadsheetImport,
        )
    }


@pytest.fixture
def endpoints(plan_people):
    return [
        reverse("actionplans:plan_import", args=[plan_people.plan.pk]),
        reverse("actionplans:group_import", args=[plan_people.group1.pk]),
    ]


def refusal(client, url: str, data: bytes) -> str:
    """Post ``data`` as a coordinator; the form's message (the test fails on anything else)."""
    response = client.post(url, {"file": SimpleUploadedFile("plan.xlsx", data)})
    assert response.status_code == 200, response.status_code
    (message,) = response.context["form"].errors["file"]
    assert escape(message) in response.content.decode()
    return message


# --- The reported shapes -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
def test_the_reported_shapes_are_measured_and_never_reach_calamine(
    plan_people, endpoints, monkeypatch, shape
):
    part, target = SHAPES[shape]
    data = xlsx(book(part, target))
    assert len(data) < 2000  # as small as the reported files
    client = plan_people.client("coco")
    before = counts()

    def not_reached(*args, **kwargs):
        raise AssertionError("calamine was handed a workbook the measure should have refused")

    monkeypatch.setattr(isolated, "read_workbook", not_reached)
    for url in endpoints:
        message = refusal(client, url, data)
        assert "reaches row 1,048,576 and column XFD" in message
    assert counts() == before


@pytest.mark.parametrize("where", LOCATIONS)
def test_calamine_does_read_the_sheet_from_each_of_those_places(where):
    """The shapes are real: with a harmless sheet in the same place, that sheet is what is read."""
    part, target = LOCATIONS[where]
    (sheet,) = reading.read_table(
        io.BytesIO(xlsx(book(part, target, NEAR))),
        max_bytes=1 << 20,
        max_rows=10,
        max_unpacked_bytes=1 << 20,
    )
    assert sheet.rows == [[1, 2]]


# --- The corpus --------------------------------------------------------------------------------


def test_a_corpus_of_malformed_workbooks_is_refused_at_both_endpoints(plan_people, endpoints):
    client = plan_people.client("coco")
    before = counts()
    cases = corpus()
    surprises = []
    for case in cases:
        for url in endpoints:
            message = refusal(client, url, case.data)
            if not any(expected in message for expected in case.expected):
                surprises.append(f"{case.name} at {url}: {message}")
    assert not surprises, "\n".join(surprises)
    assert counts() == before
    assert len(cases) > 90


# --- When calamine fails anyway ----------------------------------------------------------------


def test_a_reader_that_aborts_is_a_refusal_not_a_dead_worker(
    plan_people, endpoints, monkeypatch, caplog
):
    """Without the measure, calamine aborts on the far cell (as it did in the server): in the
    child, that is one refused upload, and this process goes on."""
    monkeypatch.setattr(reading, "_check_zip", lambda data, budget: None)
    client = plan_people.client("coco")
    before = counts()
    caplog.set_level(logging.WARNING, logger=isolated.__name__)
    for url in endpoints:
        message = refusal(client, url, xlsx(book(*SHAPES["another folder"])))
        assert "This file could not be read" in message
    assert "Workbook reader died (exit -6" in caplog.text  # SIGABRT: calamine's own abort
    assert counts() == before


def one_string_in_many_cells(length: int, cells: int) -> bytes:
    """A small workbook whose cells all show one long shared string: calamine hands each cell
    over as a string of its own, so reading it takes ``length * cells`` characters."""
    strings = f'<sst xmlns="{MAIN}" uniqueCount="1"><si><t>{"x" * length}</t></si></sst>'
    cells_xml = "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, cells + 1)
    )
    changes = {"xl/sharedStrings.xml": strings.encode()}
    return xlsx(
        book("xl/worksheets/sheet1.xml", "worksheets/sheet1.xml", sheet_xml(cells_xml), changes)
    )


def test_a_reader_out_of_memory_is_a_refusal(plan_people, endpoints, settings, caplog):
    settings.IMPORT_READER_MAX_MEMORY_MB = 64
    data = one_string_in_many_cells(100_000, 1000)  # 100 million characters, from 10 KB
    assert len(data) < 20_000
    for url in endpoints:
        message = refusal(plan_people.client("coco"), url, data)
        assert "could not be read" in message
    assert "Workbook reader" in caplog.text


def test_a_value_repeated_in_many_cells_cannot_flood_the_server(plan_people, endpoints, settings):
    """What the child answers is capped (twice the unpacked budget), whatever its memory."""
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    message = refusal(
        plan_people.client("coco"), endpoints[1], one_string_in_many_cells(50_000, 100)
    )
    assert READER_LIMIT in message


def test_a_reader_that_takes_too_long_is_stopped(plan_people, endpoints, settings):
    settings.IMPORT_READER_TIMEOUT_SECONDS = 0.001
    started = time.monotonic()
    data = xlsx(book(*LOCATIONS["the usual place"], NEAR))
    message = refusal(plan_people.client("coco"), endpoints[1], data)
    assert READER_LIMIT in message
    assert time.monotonic() - started < 5


def test_what_the_reader_says_is_shown_in_the_language_of_the_person(plan_people, endpoints):
    """The child answers with a code; the sentence is chosen (and translated) here."""
    client = plan_people.client("coco")
    client.cookies["django_language"] = "fr"
    missing = xlsx(book("xl/other/sheet1.xml", "other/missing.xml", NEAR))
    message = refusal(client, endpoints[0], missing)
    assert "endommagé" in message


# --- Agreement documents: the same kind of upload, a different check ---------------------------


def test_a_compound_file_naming_one_sector_over_and_over_is_judged_at_once():
    """datasharing/documents.py reads an OLE2 directory in Python; a DIFAT chain that names
    sector 0 a hundred thousand times once cost it seconds and hundreds of MB per MB uploaded."""
    sectors = 2000
    header = bytearray(512)
    header[:8] = filetypes.OLE2_SIGNATURE
    struct.pack_into("<H", header, 30, 9)  # 512-byte sectors
    struct.pack_into("<I", header, 48, 0xFFFFFFFE)  # no directory
    struct.pack_into("<I", header, 68, 1)  # the DIFAT chain starts at sector 1
    body = bytearray(512 * sectors)
    for index in range(1, sectors):
        following = index + 1 if index + 1 < sectors else 0xFFFFFFFE
        struct.pack_into("<128I", body, index * 512, *([0] * 127 + [following]))
    started = time.monotonic()
    with pytest.raises(filetypes.RefusedFile):
        filetypes.sniff(bytes(header + body), 10 << 20)
    assert time.monotonic() - started < 0.5
