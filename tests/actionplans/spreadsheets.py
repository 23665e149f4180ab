"""Reading and writing workbooks in tests, as a person would with Excel."""

from __future__ import annotations

import csv
import io

import openpyxl


def body(response) -> bytes:
    """A response's bytes; a file response's stream can be read only once, so it is kept."""
    if not getattr(response, "streaming", False):
        return response.content
    if not hasattr(response, "kept_body"):
        response.kept_body = b"".join(response.streaming_content)
    return response.kept_body


def workbook(response_or_bytes):
    data = response_or_bytes if isinstance(response_or_bytes, bytes) else body(response_or_bytes)
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(response_or_bytes) -> list[dict]:
    """The first sheet as one dict per row, keyed by the header row."""
    sheet = workbook(response_or_bytes).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def csv_rows(response_or_bytes) -> list[dict]:
    data = response_or_bytes if isinstance(response_or_bytes, bytes) else body(response_or_bytes)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_bytes(rows: list[list], merge: list[str] = ()) -> bytes:
    """A one-sheet workbook of ``rows`` (None for a blank cell), with cells merged as asked."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    for cells in merge:
        sheet.merge_cells(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def all_text(response_or_bytes) -> str:
    """Every cell of every sheet, joined: to assert a text is nowhere in a workbook."""
    book = workbook(response_or_bytes)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
