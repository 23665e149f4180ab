"""Reading the two workbook layouts: our own export, and the seed's hand-typed table.

The seed's table, as typed after the Lebanon workshop::

    PIM Lebanon Action Plan
    Group 1: Data Sharing
    Team leader    Jad
    Team members   Rana, Omar, Maria, Fred, Jad

    Challenges                | Action Point               | Timeline / Deadline | Focal point
    1. Lack of common, user-… | IMWG to recommend standar… | Q1 of 2019          | Jad
    2. Informed consent about | - Build comprehensive con… | 2019                | Fanette (Fred
       sharing and …          | - Disseminate              |                     | can advise)

The header need not be on the first row; blank rows and merged cells are normal; one cell may
hold several action points as "- " lines; a focal point may read "Fanette (Fred can advise)".
Functions here only read text; ``importing/`` decides what it means for the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from pim.spreadsheets import from_cell

from .columns import header_key, normalise

HEADER_SEARCH_ROWS = 30
# Control characters no database text column should hold (PostgreSQL refuses NUL outright).
_CONTROL = {c: None for c in range(32) if c not in (9, 10, 13)}
_HAS_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text(value) -> str:
    """A cell as text, whitespace kept as typed (the CSV apostrophe removed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if not value.time() else value
    if isinstance(value, date):
        return value.isoformat()
    value = str(value)
    if _HAS_CONTROL.search(value):
        value = value.translate(_CONTROL)
    return from_cell(value)


def one_line(value) -> str:
    """A cell as one line: wrapped or Alt+Enter lines joined, spaces collapsed."""
    return " ".join(text(value).split())


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


# --- Finding the header row --------------------------------------------------------------------

SEED_WORDS = {
    "challenge": ("challenge", "défi", "defi", "تحدي", "التحدي", "التحديات"),
    "description": ("action point", "point d'action", "points d'action", "action", "نقطة عمل"),
    "deadline": ("deadline", "timeline", "échéance", "echeance", "délai", "calendrier", "موعد"),
    "lead": (
        "focal point",
        "point focal",
        "responsable",
        "نقطة اتصال",
        "نقطة الاتصال",
        "جهة الاتصال",
    ),
}


@dataclass
class Header:
    layout: str  # "export" or "seed"
    row: int  # 0-based index of the header row in the sheet
    columns: dict[str, int]  # column key -> 0-based index
    labels: dict[str, str] = field(default_factory=dict)  # column key -> header as written


def _seed_key(cell: str) -> str | None:
    key = header_key(cell)
    if key in ("challenge", "description", "lead", "deadline"):
        return key
    if key == "due_date":
        return "deadline"
    for wanted, words in SEED_WORDS.items():
        if any(word in cell for word in words):
            return wanted
    return None


def find_header(rows: list[list]) -> Header | None:
    """The first row (of the first ``HEADER_SEARCH_ROWS``) naming the columns of a layout."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [(col, one_line(value)) for col, value in enumerate(row) if value is not None]
        cells = [(col, value) for col, value in cells if value]
        exported: dict[str, int] = {}
        labels: dict[str, str] = {}
        for col, value in cells:
            key = header_key(value)
            if key and key not in exported:
                exported[key] = col
                labels[key] = value
        if "id" in exported and "description" in exported:
            return Header("export", index, exported, labels)
        seed: dict[str, int] = {}
        labels = {}
        for col, value in cells:
            key = _seed_key(normalise(value))
            if key and key not in seed:
                seed[key] = col
                labels[key] = value
        if {"challenge", "description"} <= seed.keys() and seed.keys() & {"deadline", "lead"}:
            return Header("seed", index, seed, labels)
    return None


# --- Cells of the seed's layout ----------------------------------------------------------------

NUMBERED = re.compile(r"^\s*(\d{1,4})\s*[.):\-–—]\s*(.*)$", re.S)  # noqa: RUF001
BULLET = re.compile(r"^\s*[-–—•*·▪‣]\s*")  # noqa: RUF001
ADVICE = re.compile(
    r"\b(?:can|could|will|may|to|would)\s+(?:advise|support|help|assist)\b"
    r"|\b(?:advises|advising|advice|supports|supporting|support|helps|helping|assists)\b"
    r"|^\s*(?:with|supported\s+by|support\s+from|advice\s+from|avec)\b"
    r"|\bpeut\s+conseiller\b|\ben\s+appui\b|\bappui\b"
    r"|بدعم\s+من|يمكنه\s+تقديم\s+المشورة|يمكنها\s+تقديم\s+المشورة|المشورة|دعم|يساعد",
    re.I,
)
NAME_SEPARATORS = re.compile(r"\s*(?:[,;/&+\n]|\band\b|\bet\b|\bو\b)\s*", re.I)


def split_names(value: str) -> list[str]:
    return [" ".join(name.split()) for name in NAME_SEPARATORS.split(value) if name.strip()]


def numbered(value: str) -> tuple[int | None, str]:
    """ "1. Lack of common…" -> (1, "Lack of common…"); a title with no number -> (None, title)."""
    match = NUMBERED.match(value)
    if match and match.group(2).strip():
        return int(match.group(1)), " ".join(match.group(2).split())
    return None, " ".join(value.split())


def split_points(value: str) -> list[str]:
    """The action points of one cell: each "- " line starts one, other lines continue it."""
    lines = [line.strip() for line in value.splitlines() if line.strip()]
    if not any(BULLET.match(line) for line in lines):
        return [" ".join(value.split())] if lines else []
    points: list[str] = []
    for line in lines:
        bullet = BULLET.match(line)
        if bullet or not points:
            points.append(line[bullet.end() :] if bullet else line)
        else:
            points[-1] += " " + line
    return [" ".join(point.split()) for point in points if point.strip()]


def focal_people(value: str) -> tuple[str, list[str]]:
    """ "Fanette (Fred can advise)" -> ("Fanette", ["Fred"]); "Jad, Rana" -> ("Jad", ["Rana"]).

    Brackets that do not speak of advice or support are part of the name:
    "Hiba (UNHCR field office)" is one person.
    """
    value = " ".join(value.split())
    if not value:
        return "", []
    supporting: list[str] = []
    bracket = re.fullmatch(r"(?P<lead>[^()]+?)\s*\((?P<inner>[^()]*)\)", value)
    if bracket and ADVICE.search(bracket.group("inner")):
        value = bracket.group("lead")
        supporting = split_names(ADVICE.sub(" ", bracket.group("inner")))
    names = split_names(value) if not re.search(r"\(.*\)", value) else [value]
    lead, others = (names[0], names[1:]) if names else ("", [])
    return lead, [*others, *(name for name in supporting if name not in others)]


# --- The lines above the seed's table ----------------------------------------------------------


@cache
def _group_patterns() -> tuple[re.Pattern, ...]:
    """ "Group 1: Data Sharing" in every site language (as exported), and common variants."""
    patterns = [
        re.compile(
            r"^(?:working\s+)?(?:group|groupe|wg|gt)\s*(?:n[°o.]\s*)?(\d{1,3})\s*[:.\-–—]\s*(.+)$",  # noqa: RUF001
            re.I,
        )
    ]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            template = re.escape(_("Group %(number)s: %(name)s"))
        template = template.replace(re.escape("%(number)s"), r"(\d{1,3})")
        template = template.replace(re.escape("%(name)s"), "(.+)")
        template = template.replace(r"\ ", r"\s*")
        patterns.append(re.compile(f"^{template}$", re.I))
    return tuple(patterns)


def group_line(value: str) -> tuple[int, str] | None:
    """(number, name) from "Group 1: Data Sharing", or None."""
    value = " ".join(value.split())
    for pattern in _group_patterns():
        match = pattern.match(value)
        if match:
            return int(match.group(1)), match.group(2).strip()
    return None


TEAM_LEADER = re.compile(
    r"^(?:team\s*leader|group\s*leader|leader|chef\s+d['’]équipe|responsable\s+du\s+groupe"  # noqa: RUF001
    r"|قائد\s+الفريق|قائد\s+المجموعة)\s*:?\s*(.*)$",
    re.I,
)
TEAM_MEMBERS = re.compile(
    r"^(?:team\s*members?|group\s*members?|members?|membres?(?:\s+de\s+l['’]équipe)?"  # noqa: RUF001
    r"|أعضاء\s+الفريق|أعضاء\s+المجموعة)\s*:?\s*(.*)$",
    re.I,
)


@dataclass
class Preamble:
    """What the lines above the seed's table say about the group."""

    group: tuple[int, str] | None = None
    group_row: int | None = None
    leader: str | None = None
    leader_row: int | None = None
    members: list[str] = field(default_factory=list)
    members_row: int | None = None


def preamble(rows: list[list]) -> Preamble:
    found = Preamble()
    for index, row in enumerate(rows):
        # A merged cell arrives once per column it covers: "Group 1: Data Sharing" merged
        # over four columns is one line, not the same text four times.
        line = " ".join(dict.fromkeys(one_line(value) for value in row if one_line(value)))
        if not line:
            continue
        if found.group is None and (group := group_line(line)):
            found.group, found.group_row = group, index + 1
        elif found.leader is None and (match := TEAM_LEADER.match(line)) and match.group(1):
            found.leader, found.leader_row = match.group(1).strip(), index + 1
        elif not found.members and (match := TEAM_MEMBERS.match(line)) and match.group(1):
            found.members, found.members_row = split_names(match.group(1)), index + 1
    return found
