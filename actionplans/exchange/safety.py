"""Formula safety: text from users never reaches a spreadsheet as something it would run.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or NUL can be
taken for a formula by Excel or LibreOffice (CSV injection), also after leading spaces. Such text
is *neutralised*: in a CSV file it gets a leading apostrophe, the convention spreadsheets read
as "text follows"; in a workbook it is written as a string cell with the quote-prefix style, so
it shows exactly as typed and stays text even when edited. Numbers and dates are never touched:
they are written as typed cells, not as text.

Importing undoes the CSV apostrophe, so an exported file comes back unchanged.
"""

from __future__ import annotations

import re

TRIGGERS = "=+-@\t\r\0"
# Checked on every text cell of an export: one compiled match, no copy of the text.
_RISKY = re.compile(r" *[=+\-@\t\r\0]")


def is_risky(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula."""
    return _RISKY.match(text) is not None


def for_csv(text: str) -> str:
    return "'" + text if _RISKY.match(text) else text


def from_cell(text: str) -> str:
    """Undo ``for_csv``: a leading apostrophe before risky text is ours, not the person's."""
    if text.startswith("'") and is_risky(text[1:]):
        return text[1:]
    return text
