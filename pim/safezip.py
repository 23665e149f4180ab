"""Inflating one member of an untrusted zip (an uploaded workbook or document), never past a
budget and never trusting the sizes the archive declares.

Shared by the spreadsheet reader (actionplans/exchange/reading.py) and the registry's document
check (datasharing/documents.py); each turns the two exceptions into its own message.
"""

from __future__ import annotations

import copy
import zipfile
import zlib

CHUNK = 1024 * 1024

# What zipfile and zlib raise on a damaged, encrypted or oddly compressed member.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unknown compression method
)


class Damaged(Exception):
    """The member cannot be read, or its real size is not the one it declares."""


class TooBig(Exception):
    """The member inflates to more than the budget: a zip bomb."""


def inflate(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int, *, keep=True, keep_max=None
) -> tuple[int, bytes]:
    """The member's real size, and its content when ``keep`` (b"" otherwise).

    Reads in chunks past the declared size up to ``budget`` + 1 bytes, so a member that lies
    about its size is caught. ``keep_max`` refuses (as Damaged) a kept member larger than that.
    """
    probe = copy.copy(member)
    probe.file_size = budget + 1  # let zipfile read past the declared size, up to the budget
    size, chunks = 0, []
    try:
        with archive.open(probe) as stream:
            while size <= budget:
                chunk = stream.read(min(CHUNK, budget + 1 - size))
                if not chunk:
                    break
                size += len(chunk)
                if keep:
                    if keep_max is not None and size > keep_max:
                        raise Damaged(member.filename)
                    chunks.append(chunk)
    except _ZIP_ERRORS:
        raise Damaged(member.filename) from None
    if size > budget:
        raise TooBig(member.filename)
    if size != member.file_size:
        raise Damaged(member.filename)
    return size, b"".join(chunks)
