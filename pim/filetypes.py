"""What an uploaded file really is, judged by its bytes alone, never by its name or by what the
browser says; next to safezip.py, which inflates untrusted zips within a budget.

Accepted: PDF (starts with ``%PDF-``); Office Open XML (.docx, .xlsx, .pptx: a zip with
``[Content_Types].xml`` and a ``word/``, ``xl/`` or ``ppt/`` part; macro-enabled ones refused);
OpenDocument (.odt, .ods, .odp: a zip whose first member is ``mimetype``; ones carrying Basic
macros or scripts refused); legacy Word, Excel and PowerPoint 97-2003 (an OLE2 compound file
holding a WordDocument, Workbook or PowerPoint Document stream; not an installer, not an
encrypted package, no VBA). Zips are inflated as a stream, up to ``UNPACK_FACTOR`` times the
size cap in all (the sizes a zip declares are the uploader's word).

Used by the registry's documents (datasharing/documents.py) and, next, by attachments.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import safezip

UNPACK_FACTOR = 10  # a zip may unpack to at most this many times the size cap, in all
MAX_ZIP_MEMBERS = 10_000
KEPT_MAX = 1024 * 1024  # the zip members read for what they say (mimetype, content types)
CHUNK = 1024 * 1024

PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"

# The extensions a downloaded file may keep for each type; otherwise the first is appended, so
# that a PDF uploaded as "page.html" is saved as "page.html.pdf" and opens as what it is.
EXTENSIONS = {
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    ODP: (".odp",),
    DOC: (".doc", ".dot"),
    XLS: (".xls", ".xlt"),
    PPT: (".ppt", ".pps", ".pot"),
}
OOXML_PARTS = {"word": DOCX, "xl": XLSX, "ppt": PPTX}
ODF_TYPES = {ODT, ODS, ODP}

TOO_BIG = _("The file is larger than %(limit)s MB. Upload a smaller file, or split it.")
EMPTY = _("The file is empty.")
NOT_ACCEPTED = _(
    "This file is not a PDF or an office document (Word, Excel, PowerPoint or OpenDocument), "
    "whatever its name says. Save it as PDF and upload that."
)
NOT_OFFICE_ZIP = _(
    "This zip file is not an office document. Upload the PDF or the office document itself, "
    "not an archive."
)
MACROS = _(
    "This document contains macros, which we do not accept. Save it without macros "
    "(for instance as .docx, .xlsx or .pptx, or as PDF) and upload that."
)
ZIP_BOMB = _(
    "This document unpacks to far more data than it holds, which we do not accept. "
    "Open it, save it again (or save it as PDF) and upload the new file."
)
DAMAGED = _(
    "The document could not be read: it may be damaged. Open it, save it again "
    "(or save it as PDF) and upload the new file."
)
PASSWORD = _(
    "This document is protected by a password. Remove the password, or save it as PDF, "
    "and upload it again."
)


class RefusedFile(Exception):
    """A file we do not keep; ``.message`` is a translatable sentence for the uploader."""

    def __init__(self, message, **params):
        super().__init__(message)
        self.message = message
        self.params = params


@dataclass
class Inspected:
    content: bytes
    content_type: str


# --- What a file is ---------------------------------------------------------------------------


def inspect_upload(upload, limit: int) -> Inspected:
    """The content and its real type, or RefusedFile. Reads at most ``limit + 1`` bytes."""
    if upload.size is not None and upload.size > limit:
        raise RefusedFile(TOO_BIG, limit=limit // (1024 * 1024))
    data = _read_at_most(upload, limit + 1)
    if len(data) > limit:
        raise RefusedFile(TOO_BIG, limit=limit // (1024 * 1024))
    return Inspected(content=data, content_type=sniff(data, limit * UNPACK_FACTOR))


def sniff(data: bytes, max_unpacked: int) -> str:
    """The content type of an accepted document, judged by its bytes alone."""
    if not data:
        raise RefusedFile(EMPTY)
    if data.startswith(PDF_SIGNATURE):
        return PDF
    if data.startswith(OLE2_SIGNATURE):
        return _ole2_type(data)
    if data.startswith(ZIP_SIGNATURE):
        return _zip_type(data, max_unpacked)
    raise RefusedFile(NOT_ACCEPTED)


def _read_at_most(upload, size: int) -> bytes:
    if getattr(upload, "seekable", lambda: False)():
        upload.seek(0)
    chunks, left = [], size
    while left > 0:
        chunk = upload.read(min(left, CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


OLE2_MACROS = {"_vba_project_cur", "_vba_project", "macros", "vba"}
OLE2_ENCRYPTED = {"encryptedpackage", "encryptioninfo"}
OLE2_STREAMS = (
    ("worddocument", DOC),
    ("workbook", XLS),
    ("book", XLS),
    ("powerpoint document", PPT),
)
OLE2_FREE = 0xFFFFFFFA  # sector numbers from here up are markers, not sectors


def _ole2_type(data: bytes) -> str:
    """Legacy Office files by the streams their directory names.

    Other compound files (installers, encrypted OOXML packages, Outlook messages...) are refused.
    """
    names = _ole2_names(data)
    if names & OLE2_ENCRYPTED:
        raise RefusedFile(PASSWORD)
    if names & OLE2_MACROS:
        raise RefusedFile(MACROS)
    for stream, content_type in OLE2_STREAMS:
        if stream in names:
            return content_type
    raise RefusedFile(NOT_ACCEPTED)


def _ole2_names(data: bytes) -> set[str]:
    """The (lower-case) names of the storages and streams in a compound file's directory."""

    def number(at: int, size: int = 4) -> int:
        return int.from_bytes(data[at : at + size], "little")

    if len(data) < 512:
        raise RefusedFile(DAMAGED)
    shift = number(30, 2)
    if shift not in (9, 12):
        raise RefusedFile(DAMAGED)
    sector_size = 1 << shift
    sectors = (len(data) - sector_size) // sector_size + (len(data) % sector_size > 0)

    def sector(index: int) -> bytes:
        if index >= sectors:
            raise RefusedFile(DAMAGED)
        start = (index + 1) * sector_size
        return data[start : start + sector_size].ljust(sector_size, b"\0")

    def numbers(block: bytes) -> list[int]:
        return [int.from_bytes(block[i : i + 4], "little") for i in range(0, len(block), 4)]

    # The sectors holding the allocation table: 109 in the header, then a chain of more. Only
    # the first ``needed`` describe sectors of this file: reading on (or unpacking the whole
    # table) would let a 20 MB file that names one sector millions of times cost minutes and
    # gigabytes.
    per_sector = sector_size // 4
    needed = -(-sectors // per_sector)
    fat_sectors = [n for n in numbers(data[76:512]) if n < OLE2_FREE]
    difat, seen = number(68), set[int]()
    while difat < OLE2_FREE and len(fat_sectors) < needed:
        if difat in seen or len(seen) > sectors:
            raise RefusedFile(DAMAGED)
        seen.add(difat)
        entries = numbers(sector(difat))
        fat_sectors += [n for n in entries[:-1] if n < OLE2_FREE]
        difat = entries[-1]

    def following(index: int) -> int:
        """The sector after ``index`` in its chain, as the allocation table says."""
        table, at = divmod(index, per_sector)
        if table >= len(fat_sectors):
            raise RefusedFile(DAMAGED)
        return int.from_bytes(sector(fat_sectors[table])[at * 4 : at * 4 + 4], "little")

    names, current, seen = set(), number(48), set()
    while current < OLE2_FREE:
        if current in seen:
            raise RefusedFile(DAMAGED)
        seen.add(current)
        block = sector(current)
        for at in range(0, sector_size, 128):
            entry = block[at : at + 128]
            length = int.from_bytes(entry[64:66], "little")
            if entry[66] in (1, 2) and 2 <= length <= 64:  # a storage or a stream
                names.add(entry[: length - 2].decode("utf-16-le", "replace").lower())
        current = following(current)
    return names


def _zip_type(data: bytes, max_unpacked: int) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OverflowError, EOFError, NotImplementedError):
        raise RefusedFile(DAMAGED) from None
    if not members:
        raise RefusedFile(NOT_OFFICE_ZIP)
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > max_unpacked:
        raise RefusedFile(ZIP_BOMB)
    names = [m.filename.replace("\\", "/").lower() for m in members]
    # The sizes above are the uploader's word: inflate everything ourselves, within the budget
    # (a damaged or lying member is refused before anything else is decided).
    budget, kept = max_unpacked, {}
    for member, name in zip(members, names, strict=True):
        keep = name in ("mimetype", "[content_types].xml")
        size, content = _inflate(archive, member, budget, keep=keep)
        budget -= size
        if keep:
            kept[name] = content
    if names[0] == "mimetype":
        return _odf_type(kept["mimetype"], names)
    if "[content_types].xml" in names:
        return _ooxml_type(kept["[content_types].xml"], names)
    raise RefusedFile(NOT_OFFICE_ZIP)


def _inflate(archive, member, budget: int, *, keep: bool) -> tuple[int, bytes]:
    """Inflate one member as a stream: its real size (and content, if ``keep``)."""
    try:
        # A kept member is a mimetype or a list of content types, not a book.
        return safezip.inflate(archive, member, budget, keep=keep, keep_max=KEPT_MAX)
    except safezip.TooBig:
        raise RefusedFile(ZIP_BOMB) from None
    except safezip.Damaged:
        raise RefusedFile(DAMAGED) from None


def _odf_type(mimetype: bytes, names: list[str]) -> str:
    declared = mimetype.decode("ascii", "replace").strip()
    if declared not in ODF_TYPES:
        raise RefusedFile(NOT_OFFICE_ZIP)
    # LibreOffice keeps Basic modules under Basic/<library>/, other macros under Scripts/.
    for name in names:
        if name.startswith("scripts/") or (name.startswith("basic/") and name.count("/") >= 2):
            raise RefusedFile(MACROS)
    return declared


def _ooxml_type(content_types: bytes, names: list[str]) -> str:
    if any(name.rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
        raise RefusedFile(MACROS)
    if b"macroenabled" in content_types.lower():
        raise RefusedFile(MACROS)
    tops = {name.split("/", 1)[0] for name in names if "/" in name}
    found = {OOXML_PARTS[top] for top in tops if top in OOXML_PARTS}
    if len(found) != 1:
        raise RefusedFile(NOT_OFFICE_ZIP)
    return found.pop()
