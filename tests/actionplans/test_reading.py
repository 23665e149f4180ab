"""Reading uploaded spreadsheets: what comes back, and every file we refuse (with what sentence).

Workbooks are built in memory. Some tests hand-craft files that made python-calamine abort the
whole process (not raise) before reading.py measured workbooks first. calamine now runs in a
child process (isolated.py), so a guard that regressed shows as "This file could not be read"
where these tests expect the measure's own sentence; tests/actionplans/test_malformed_workbooks.py
posts such files to the import pages.
"""

from __future__ import annotations

import datetime
import io
import random
import zipfile

import openpyxl
import pytest
import python_calamine
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actionplans.exchange.reading import (
    MAX_CELLS,
    Sheet,
    UnreadableFile,
    _worksheet_extent,
    read_table,
)

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_rows": 1000, "max_unpacked_bytes": 20 * 1024 * 1024}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes, **limits) -> list[Sheet]:
    return read_table(io.BytesIO(data), **{**LIMITS, **limits})


def refusal(data: bytes, **limits) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read(data, **limits)
    return str(caught.value.message)


def workbook(build) -> bytes:
    """An .xlsx made by ``build(book)`` with xlsxwriter."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    build(book)
    book.close()
    return buffer.getvalue()


def simple_workbook(rows=(("Challenge", "Action point"), ("Lack of data", "Build a tool"))):
    def build(book):
        sheet = book.add_worksheet("Plan")
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)

    return workbook(build)


def rezip(data: bytes, replace=None, add=None, drop=()) -> bytes:
    """The same zip with some members replaced, added or dropped."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            if member.filename in drop:
                continue
            content = replace.get(member.filename, source.read(member.filename))
            target.writestr(member.filename, content, zipfile.ZIP_DEFLATED)
        for name, content in add.items():
            target.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def with_sheet_data(sheet_data: bytes, data: bytes | None = None) -> bytes:
    """A valid workbook whose first worksheet holds ``<sheetData>`` + sheet_data."""
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + sheet_data + b"</sheetData></worksheet>"
    )
    return rezip(data or simple_workbook(), replace={"xl/worksheets/sheet1.xml": xml})


# --- Workbooks ---------------------------------------------------------------------------------


def test_workbook_values_come_back_typed_with_excel_row_numbers():
    def build(book):
        day = book.add_format({"num_format": "dd/mm/yyyy"})
        moment = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        clock = book.add_format({"num_format": "hh:mm"})
        sheet = book.add_worksheet("Plan")
        sheet.write("A1", "Protection action plan — Aleppo")  # a title above the table
        sheet.write_row("A3", ["Challenge", "Action point", "Deadline", "Progress", "Done"])
        sheet.write("A4", "  Lack of data ")
        sheet.write("B4", "- Build…\n- Disseminate")
        sheet.write_datetime("C4", datetime.date(2025, 3, 31), day)
        sheet.write_number("D4", 40)
        sheet.write_boolean("E4", True)
        # row 5 left blank, as people do between blocks
        sheet.write("A6", "Access")
        sheet.write_datetime("C6", datetime.datetime(2025, 6, 30, 17, 30), moment)
        sheet.write_number("D6", 12.5)
        sheet.write_datetime("E6", datetime.time(9, 15), clock)
        sheet.write_blank("A9", None, day)  # a formatted, empty cell further down

    (sheet,) = read(workbook(build))

    assert sheet.name == "Plan"
    assert sheet.rows[0][0] == "Protection action plan — Aleppo"
    assert sheet.rows[1] == [None] * 5
    assert sheet.rows[2] == ["Challenge", "Action point", "Deadline", "Progress", "Done"]
    assert sheet.rows[3] == [
        "  Lack of data ",
        "- Build…\n- Disseminate",
        datetime.date(2025, 3, 31),
        40,
        True,
    ]
    assert type(sheet.rows[3][2]) is datetime.date
    assert type(sheet.rows[3][3]) is int
    assert sheet.rows[4] == [None] * 5  # row 5 is still row 5
    assert sheet.rows[5] == ["Access", None, datetime.datetime(2025, 6, 30, 17, 30), 12.5, "09:15"]
    assert len(sheet.rows) == 6  # trailing blank rows dropped


def test_numbers_that_are_whole_become_int():
    (sheet,) = read(simple_workbook([[3.0, 3.5, 96170123456.0, -2.0, 0.0]]))
    assert sheet.rows == [[3, 3.5, 96170123456, -2, 0]]
    assert [type(value) for value in sheet.rows[0]] == [int, float, int, int, int]


def test_times_and_durations_read_as_excel_shows_them():
    def build(book):
        sheet = book.add_worksheet()
        sheet.write_number("A1", 0.5, book.add_format({"num_format": "hh:mm"}))
        sheet.write_number("B1", 1.5, book.add_format({"num_format": "[h]:mm"}))
        sheet.write_number("C1", 45000, book.add_format({"num_format": "yyyy-mm-dd"}))

    (sheet,) = read(workbook(build))
    assert sheet.rows == [["12:00", "36:00", datetime.date(2023, 3, 15)]]


def test_a_workbook_typed_by_hand_with_openpyxl_merges():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Group 1"
    sheet.append(["Challenges", "Action Point", "Timeline / Deadline", "Focal point"])
    sheet.append(["1. Lack of tools", "Build a tool", datetime.date(2025, 3, 31), "Hiba"])
    sheet.append([None, "Train staff", None, "Fanette"])
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("C2:C3")
    buffer = io.BytesIO()
    book.save(buffer)

    (read_sheet,) = read(buffer.getvalue())
    assert read_sheet.name == "Group 1"
    assert read_sheet.rows[1:] == [
        ["1. Lack of tools", "Build a tool", datetime.date(2025, 3, 31), "Hiba"],
        ["1. Lack of tools", "Train staff", datetime.date(2025, 3, 31), "Fanette"],
    ]


def test_merged_cells_take_the_value_shown_in_them():
    def build(book):
        sheet = book.add_worksheet("Plan")
        sheet.write_row("A1", ["Challenge", "Action point", "Deadline", "Focal point"])
        sheet.merge_range("A2:A4", "1. Lack of data")  # one challenge over three action points
        sheet.merge_range("C2:C3", "Q1 2025")
        sheet.write_column("B2", ["Build", "Train", "Share"])
        sheet.merge_range("D4:E4", "Hiba")  # horizontal
        sheet.write("E1", "Notes")

    (sheet,) = read(workbook(build))

    assert sheet.rows == [
        ["Challenge", "Action point", "Deadline", "Focal point", "Notes"],
        ["1. Lack of data", "Build", "Q1 2025", None, None],
        ["1. Lack of data", "Train", "Q1 2025", None, None],
        ["1. Lack of data", "Share", None, "Hiba", "Hiba"],
    ]


def test_a_merge_reaching_the_end_of_the_sheet_costs_nothing():
    # Written by hand: xlsxwriter itself would write the 17 billion blank cells of such a merge.
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Challenge</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>Action point</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>everything</t></is></c></row>'
        b'</sheetData><mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>'
        b"</worksheet>"
    )
    data = rezip(simple_workbook(), replace={"xl/worksheets/sheet1.xml": xml})
    (sheet,) = read(data)
    assert sheet.rows == [["Challenge", "Action point"], ["everything", "everything"]]


def test_hidden_and_chart_sheets_are_skipped_visible_sheets_come_in_order():
    def build(book):
        book.add_worksheet("Instructions").write("A1", "Fill the plan below")
        hidden = book.add_worksheet("Lists")
        hidden.write("A1", "secret list")
        hidden.hide()
        book.add_worksheet("Plan").write("A1", "Challenge")
        chart = book.add_chart({"type": "bar"})
        chart.add_series({"values": "=Plan!$A$1:$A$1"})
        book.add_chartsheet("Chart").set_chart(chart)
        book.add_worksheet("Empty")

    sheets = read(workbook(build))

    assert [sheet.name for sheet in sheets] == ["Instructions", "Plan", "Empty"]
    assert sheets[1].rows == [["Challenge"]]
    assert sheets[2].rows == []
    assert all("secret list" not in row for sheet in sheets for row in sheet.rows)


def test_data_only_in_a_hidden_sheet_is_explained():
    def build(book):
        book.add_worksheet("Cover")
        hidden = book.add_worksheet("Plan")
        hidden.write("A1", "Challenge")
        hidden.hide()

    assert "Hidden sheets are not read" in refusal(workbook(build))


def test_an_empty_workbook_is_empty():
    assert "empty" in refusal(workbook(lambda book: book.add_worksheet()))


def test_a_django_upload_is_read_from_its_start():
    upload = SimpleUploadedFile("plan.csv", b"Challenge,Deadline\nData,2025\n")
    upload.read(5)
    (sheet,) = read_table(upload, **LIMITS)
    assert sheet.rows == [["Challenge", "Deadline"], ["Data", "2025"]]


# --- CSV ---------------------------------------------------------------------------------------

TABLE = [
    ["Challenge", "Action point", "Échéance"],
    ["Manque de données", "- Build…\n- Disseminate", "Q1 2025"],
    ["غياب البيانات", "Former, puis partager", None],
]


def csv_text(delimiter: str) -> str:
    def cell(value):
        if value is None:
            return ""
        if any(special in value for special in (delimiter, "\n", ",", '"')):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(delimiter.join(map(cell, row)) + "\r\n" for row in TABLE)


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [
        (",", "utf-8"),
        (",", "utf-8-sig"),  # Excel's "CSV UTF-8"
        (";", "utf-8-sig"),  # French Excel
        ("\t", "utf-16"),  # Excel's "Unicode text"
        (";", "utf-8"),
        ("\t", "utf-8"),
    ],
)
def test_csv_delimiters_and_encodings(delimiter, encoding):
    (sheet,) = read(csv_text(delimiter).encode(encoding))
    assert sheet.name == "CSV"
    assert sheet.rows == TABLE


def test_csv_from_excel_on_windows_is_cp1252():
    data = "Défi;Échéance;Focal point\r\nAccès;31/03/2025;Hélène\r\n".encode("cp1252")
    (sheet,) = read(data)
    assert sheet.rows == [["Défi", "Échéance", "Focal point"], ["Accès", "31/03/2025", "Hélène"]]


def test_csv_keeps_blank_lines_in_the_middle_and_excel_sep_hint():
    (sheet,) = read(b"sep=;\nChallenge;Deadline\n\n;\nData;2025\n;\n\n")
    assert sheet.rows[0] == ["Challenge", "Deadline"]  # Excel hides the sep= line
    assert not any(sheet.rows[1]) and not any(sheet.rows[2])
    assert sheet.rows[3] == ["Data", "2025"]
    assert len(sheet.rows) == 4


def test_csv_with_a_title_line_above_the_table():
    data = "Plan d'action PIM 2025\n\nDéfi;Action;Échéance\nAccès;Former, partager;T1 2025\n"
    (sheet,) = read(data.encode())
    assert sheet.rows == [
        ["Plan d'action PIM 2025"],
        [],
        ["Défi", "Action", "Échéance"],
        ["Accès", "Former, partager", "T1 2025"],
    ]


def test_csv_with_a_single_column_and_one_long_cell():
    long_text = "x" * 100_000
    (sheet,) = read(f"Challenge\n{long_text}\n".encode())
    assert sheet.rows == [["Challenge"], [long_text]]


# --- Refusals ----------------------------------------------------------------------------------


def test_empty_files():
    for data in (b"", b"   \r\n\t", b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf \n", b",,\n,,\n"):
        assert refusal(data) == "The file is empty.", data


def test_too_big():
    message = refusal(b"a,b\n" * 2_000_000, max_bytes=5 * 1024 * 1024)
    assert "larger than 5 MB" in message


def test_too_many_rows_in_a_workbook():
    rows = [["Challenge"]] + [[f"Row {number}"] for number in range(1500)]
    message = refusal(simple_workbook(rows), max_rows=1000)
    assert "1,501 rows" in message
    assert "at most 1,000" in message


def test_too_many_rows_in_a_csv_stops_counting():
    message = refusal(b"Challenge\n" + b"data\n" * 300_000, max_rows=1000)
    assert "more than 1,000 rows" in message


def test_rows_at_the_limit_are_fine():
    rows = [["Challenge"]] + [[f"Row {number}"] for number in range(999)]
    assert len(read(simple_workbook(rows), max_rows=1000)[0].rows) == 1000


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(200),
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        bytes(range(256)) * 20,  # binary with NULs
        b"<!DOCTYPE html>\n<html><body><table><tr><td>Challenge</td></tr></table></body></html>",
        b"\xef\xbb\xbf  <?xml version='1.0'?><Workbook/>",  # Excel 2003 XML
    ],
    ids=["pdf", "png", "jpeg", "binary", "html", "xml"],
)
def test_not_a_spreadsheet(data):
    assert "not a spreadsheet" in refusal(data)


def test_text_in_an_unknown_encoding():
    # Neither UTF-8 nor cp1252 (0x81 and 0x8d are undefined there).
    assert "could not read the text" in refusal(b"Challenge,Deadline\n\x81\x8d\xff\xfe\x81\n")


def test_a_csv_cell_far_too_long():
    assert "Row 2 of the CSV" in refusal(b"Challenge\n" + b"x" * 200_000 + b"\n")


def test_a_word_document_or_opendocument():
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not an Excel workbook" in refusal(docx.getvalue())

    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert "OpenDocument" in refusal(ods.getvalue())


def test_macro_workbooks():
    with_vba = rezip(simple_workbook(), add={"xl/vbaProject.bin": OLE2 + bytes(500)})
    assert "contains macros" in refusal(with_vba)

    data = simple_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    macro_types = types.replace(
        b"spreadsheetml.sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    )
    assert macro_types != types
    assert "contains macros" in refusal(rezip(data, replace={"[Content_Types].xml": macro_types}))


def _zip_with_zeros(megabytes: int) -> bytes:
    """A workbook-looking zip with a member of ``megabytes`` MB of zeros, deflated ~1000:1."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def test_zip_bombs():
    bomb = _zip_with_zeros(50)
    assert len(bomb) < 100_000
    assert "unpacks to far more data" in refusal(bomb)  # more than max_unpacked_bytes
    # Within max_unpacked_bytes, but inflating 1000 times: refused all the same.
    assert "unpacks to far more data" in refusal(_zip_with_zeros(5), max_unpacked_bytes=10**9)


def test_a_zip_that_lies_about_its_sizes():
    bomb = bytearray(_zip_with_zeros(30))
    # Declare 1 KB instead of 30 MB, in the local header and in the central directory.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = bomb.index(signature, bomb.index(signature) + 1)  # the second member
        bomb[start + offset : start + offset + 4] = (1024).to_bytes(4, "little")
    message = refusal(bytes(bomb))
    assert "unpacks to far more data" in message or "damaged" in message


def test_damaged_workbooks():
    data = simple_workbook()
    assert "damaged" in refusal(data[: len(data) // 2])
    broken_sheet = rezip(data, replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})
    assert "damaged" in refusal(broken_sheet)
    no_sheet = rezip(data, drop={"xl/worksheets/sheet1.xml"})
    assert "damaged" in refusal(no_sheet)


def test_password_protected_and_old_excel_files():
    header = OLE2 + bytes(504)
    encrypted = header + "Root Entry".encode("utf-16-le") + "EncryptionInfo".encode("utf-16-le")
    assert "protected by a password" in refusal(encrypted + bytes(1000))
    assert "protected by a password" in refusal(header + "EncryptedPackage".encode("utf-16-le"))
    old = header + "Workbook".encode("utf-16-le") + bytes(1000)
    assert "Excel 97–2003 (.xls)" in refusal(old)  # noqa: RUF001


# --- Workbooks that would make calamine abort the process --------------------------------------


def test_a_cell_at_the_far_corner_of_the_sheet():
    def build(book):
        sheet = book.add_worksheet()
        sheet.write("A1", "Challenge")
        sheet.write("XFD1048576", "stray")

    message = refusal(workbook(build))
    assert "reaches row 1,048,576 and column XFD" in message


def test_cells_placed_far_away_without_addresses():
    # No r attributes: each </row> moves one row down. 170,000 empty rows (under 1 MiB, so no
    # compression-ratio refusal comes first), then a row of 13 cells: 2.2 million cells.
    rows = b"<row/>" * 170_000 + b"<row>" + b"<c><v>1</v></c>" * 13 + b"</row>"
    assert "reaches row 170,001" in refusal(with_sheet_data(rows))


def test_one_address_repeated_millions_of_times():
    # calamine keeps every cell it reads, repeated addresses included.
    cells = b'<c r="A1"><v>1</v></c>' * 1001
    places_xml = b"<worksheet><sheetData><row>" + cells + b"</row></sheetData></worksheet>"
    assert _worksheet_extent(places_xml, limit=1001).count == 1001
    with pytest.raises(UnreadableFile) as caught:
        _worksheet_extent(places_xml, limit=1000)
    assert "too large to import" in str(caught.value.message)


def test_a_shared_string_table_declaring_billions_of_strings():
    data = simple_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        strings = archive.read("xl/sharedStrings.xml")
    lying = strings.replace(b'uniqueCount="4"', b'uniqueCount="4000000000"')
    assert lying != strings
    assert "damaged" in refusal(rezip(data, replace={"xl/sharedStrings.xml": lying}))


@pytest.mark.parametrize(
    "sheet_data",
    [
        b'<row r="1"><c r="A1"><v>1</v><c r="B1"><v>2</v></c></c></row>',  # a cell in a cell
        b'<row r="1"><c r="A1"><is><row r="9"/></is></c></row>',  # a row in a cell
    ],
)
def test_structures_calamine_reads_differently_are_refused(sheet_data):
    assert "damaged" in refusal(with_sheet_data(sheet_data))


def test_a_document_type_declaration_is_refused():
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>'
        b"<worksheet><sheetData/></worksheet>"
    )
    data = rezip(simple_workbook(), replace={"xl/worksheets/sheet1.xml": xml})
    assert "damaged" in refusal(data)


FAR_SHEET = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c>'
    b"</row></sheetData></worksheet>"
)


def moved_sheet(part: str, target: str, sheet: bytes = FAR_SHEET) -> bytes:
    """simple_workbook() with its sheet moved to ``part``, named ``target`` in the relationships."""
    data = simple_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = archive.read("xl/_rels/workbook.xml.rels")
    moved = rels.replace(b'Target="worksheets/sheet1.xml"', b'Target="%s"' % target.encode())
    assert moved != rels
    return rezip(
        data,
        replace={"xl/_rels/workbook.xml.rels": moved},
        drop={"xl/worksheets/sheet1.xml"},
        add={part: sheet},
    )


@pytest.mark.parametrize(
    ("part", "target"),
    [
        ("xl/other/sheet1.xml", "other/sheet1.xml"),
        ("xl/foo/data.xml", "/xl/foo/data.xml"),
        ("xl/Worksheets/sheet1.xml", "Worksheets/sheet1.xml"),
        ("foo/sheet1.xml", "/foo/sheet1.xml"),
        ("xl/xl/sheet1.xml", "xl/sheet1.xml"),
        ("XL/OTHER/SHEET1.XML", "/xl/other/sheet1.xml"),
    ],
)
def test_a_sheet_is_measured_wherever_the_relationships_put_it(part, target):
    assert "reaches row 1,048,576 and column XFD" in refusal(moved_sheet(part, target))
    # and the same place with a harmless sheet is where calamine reads it from
    near = b'<worksheet><sheetData><row><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
    assert read(moved_sheet(part, target, near))[0].rows == [[1]]


def test_a_part_no_relationship_names_is_measured_if_it_holds_cells():
    data = rezip(simple_workbook(), add={"xl/stray/part.xml": FAR_SHEET})
    assert "reaches row 1,048,576" in refusal(data)


def test_parts_that_are_not_sheets_may_be_broken_or_binary():
    """Excel's VML drawings are not well-formed XML, printer settings are binary: only the
    parts calamine could read as a sheet must parse."""
    vml = b'<xml xmlns:v="urn:schemas-microsoft-com:vml"><v:shape><c r="A1"><br></v:shape>'
    data = rezip(
        simple_workbook(),
        add={
            "xl/drawings/vmlDrawing1.vml": vml,
            "xl/printerSettings/printerSettings1.bin": bytes(range(256)) * 4,
            "xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(100),
        },
    )
    assert read(data)[0].rows[0] == ["Challenge", "Action point"]


def test_workbooks_with_comments_charts_and_tables_still_read():
    def build(book):
        sheet = book.add_worksheet("Plan")
        sheet.write_row("A1", ["Challenge", "Action point"])
        sheet.write_row("A2", ["Lack of data", "Build a tool"])
        sheet.write_comment("A2", "From the workshop")
        sheet.add_table("D1:E3", {"columns": [{"header": "Who"}, {"header": "When"}]})
        sheet.write_url("G1", "https://example.org", string="Link")
        sheet.data_validation("B2:B9", {"validate": "list", "source": ["Build a tool", "Train"]})
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": "=Plan!$A$2:$A$2"})
        sheet.insert_chart("I2", chart)
        book.define_name("Actions", "=Plan!$B$2:$B$9")

    (sheet,) = read(workbook(build))
    assert sheet.rows[1][:2] == ["Lack of data", "Build a tool"]


def test_implicit_cell_places_follow_calamine():
    sheet_data = (
        b"<row/><row/><row></row>"  # rows 1-3, empty
        b"<row><c><v>1</v></c><c/><c><v>2</v></c></row>"  # row 4: A4, (B4 empty), C4
        b'<row r="10"><c r="B10"><v>3</v></c><c><v>4</v></c></row>'  # B10, C10
        b"<row><c><v>5</v></c></row>"  # A11
    )
    data = with_sheet_data(sheet_data)
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    assert sheet.end == (10, 2)
    xml = b"<worksheet><sheetData>" + sheet_data + b"</sheetData></worksheet>"
    places = _worksheet_extent(xml)
    assert (places.last_row, places.last_column) == (10, 2)
    (read_sheet,) = read(data)
    assert read_sheet.rows[3] == [1, None, 2]
    assert read_sheet.rows[9] == [None, 3, 4]
    assert read_sheet.rows[10] == [5, None, None]


MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CELL_CONTENTS = [
    b"<v>1</v>",
    b"<v></v>",
    b"<v/>",
    b"",
    b"<is><t>text</t></is>",
    b"<is><t/></is>",
    b"<f>1+1</f><v>2</v>",
    b"<extLst/>",
    b"<!-- a comment -->",
]


@st.composite
def cell_xml(draw) -> bytes:
    address = draw(
        st.none() | st.tuples(st.sampled_from(["A", "B", "M", "AA"]), st.integers(1, 15))
    )
    r = b"" if address is None else b' r="%s%d"' % (address[0].encode(), address[1])
    name = draw(st.sampled_from([b"c", b"x:c"]))
    namespace = b' xmlns:x="%s"' % MAIN if name == b"x:c" else b""
    if draw(st.integers(0, 4)) == 0:
        return b"<%s%s%s/>" % (name, r, namespace)
    return b"<%s%s%s>%s</%s>" % (name, r, namespace, draw(st.sampled_from(CELL_CONTENTS)), name)


@st.composite
def sheet_data(draw) -> bytes:
    """Rows and cells with and without addresses, empty or not, as calamine may meet them."""
    rows = []
    for _ in range(draw(st.integers(0, 6))):
        number = draw(st.none() | st.integers(1, 15))
        r = b"" if number is None else b' r="%d"' % number
        cells = b"".join(draw(st.lists(cell_xml(), max_size=5)))
        if not cells and draw(st.booleans()):
            rows.append(b"<row%s/>" % r)
        else:
            rows.append(b"<row%s>%s</row>" % (r, cells))
    return b"".join(rows)


@PROPERTY
@given(sheet_data())
def test_our_cell_places_never_fall_short_of_calamines(data):
    """Our extent is what guards calamine: it may be larger than calamine's, never smaller."""
    xml = b'<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (MAIN, data)
    places = _worksheet_extent(xml)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(with_sheet_data(data)))
    try:
        sheet = book.get_sheet_by_index(0)
    except python_calamine.CalamineError:
        return
    if sheet.end is not None:
        assert sheet.end[0] <= places.last_row
        assert sheet.end[1] <= places.last_column


# --- Messages ----------------------------------------------------------------------------------


def test_messages_are_translated_when_shown_not_when_raised():
    rows = [["Challenge"]] + [[f"Row {number}"] for number in range(20_000)]
    with translation.override("en"), pytest.raises(UnreadableFile) as caught:
        read(simple_workbook(rows), max_rows=1000)
    error = caught.value
    with translation.override("en"):
        assert "20,001 rows" in str(error.message)
        assert str(error) == str(error.message)
    with translation.override("fr"):
        assert "20,001" not in str(error.message)  # French groups digits with a space


def test_the_cell_budget_is_generous_for_real_tables():
    rows = [[f"r{row}c{column}" for column in range(40)] for row in range(2000)]
    assert MAX_CELLS > 40 * 2000
    (sheet,) = read(simple_workbook(rows), max_rows=5000)
    assert len(sheet.rows) == 2000


# --- Whatever the bytes: a list of sheets or UnreadableFile, never another exception -----------


def outcome(data: bytes, **limits):
    try:
        sheets = read(data, **{"max_unpacked_bytes": 5 * 1024 * 1024, **limits})
    except UnreadableFile as error:
        assert str(error.message)
        return None
    assert isinstance(sheets, list)
    assert all(isinstance(sheet, Sheet) for sheet in sheets)
    return sheets


@PROPERTY
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data):
    outcome(data)


@PROPERTY
@given(st.binary(max_size=512))
def test_arbitrary_bytes_behind_known_signatures(tail):
    for head in (b"PK\x03\x04", OLE2, b"\xff\xfe", b"\xef\xbb\xbf"):
        outcome(head + tail)


VALID = workbook(
    lambda book: (
        book.add_worksheet("Plan").write_row("A1", ["Challenge", 1.5, datetime.date(2025, 1, 2)]),
        book.add_worksheet("Second").merge_range("A1:B3", "merged"),
    )
)
with zipfile.ZipFile(io.BytesIO(VALID)) as _archive:
    VALID_MEMBERS = {name: _archive.read(name) for name in _archive.namelist()}


@PROPERTY
@given(
    st.integers(0, len(VALID)),
    st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=8),
)
def test_damaged_zip_bytes(cut, changes):
    data = bytearray(VALID[:cut])
    for position, value in changes:
        if position < len(data):
            data[position] = value
    outcome(bytes(data))


@PROPERTY
@given(
    st.sampled_from(sorted(VALID_MEMBERS)),
    st.integers(0, 3000),
    st.integers(0, 40),
    st.binary(max_size=40) | st.sampled_from([b"<", b">", b'"', b"<c>", b"</row>", b'r="XFD9"']),
)
def test_damaged_workbook_parts(name, start, length, insert):
    """XML edited as a text editor would: calamine and our guards see real, broken XML."""
    content = VALID_MEMBERS[name]
    start = min(start, len(content))
    edited = content[:start] + insert + content[start + length :]
    outcome(rezip(VALID, replace={name: edited}))


@PROPERTY
@given(st.text(max_size=500), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_arbitrary_text_as_csv(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    sheets = outcome(data, max_rows=20)
    if sheets is not None:
        (sheet,) = sheets
        assert sheet.name == "CSV"
        assert all(cell is None or isinstance(cell, str) for row in sheet.rows for cell in row)


def test_random_mutations_of_a_workbook_with_a_fixed_seed():
    """Many cheap byte flips (hypothesis explores; this sweeps), reproducible."""
    generator = random.Random(20250301)
    for _ in range(300):
        data = bytearray(VALID)
        for _ in range(generator.randint(1, 4)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        outcome(bytes(data))
