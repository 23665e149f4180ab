"""Reading one cell of a row: text, deadlines, and the column names problems point at."""

from __future__ import annotations

from ...deadlines import Deadline, DeadlineError, parse_deadline
from .. import layouts
from .results import ImportPreview, Problem


def cell(row: list, index: int | None):
    if index is None or index >= len(row):
        return None
    return row[index]


def read_deadline(value, result: ImportPreview, row: int, column: str) -> Deadline | None:
    typed = layouts.one_line(value)
    try:
        return parse_deadline(typed)
    except DeadlineError as error:
        result.problems.append(Problem(row, column, str(error.message % error.params)))
        return None


def column_names(header: layouts.Header) -> dict[str, str]:
    return {
        key: f"{layouts.column_letter(index)} ({header.labels.get(key, key)})"
        for key, index in header.columns.items()
    }
