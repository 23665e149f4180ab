"""The one place files are kept that no URL serves: exports, uploaded imports, agreement documents
and, later, attachments.

Everything goes through Django's storage API (the ``private`` storage of ``STORAGES``): the local
disk under MEDIA_ROOT in the embedded mode, an object store when one is configured, so any web
process or worker reads what another wrote. A file is named by its *area* (a folder per kind of
file) and a random *name* we made; names from people (an uploaded file's name) are only ever
shown, never used to find a file, and a name that is not one of ours is refused before the storage
sees it. Files are handed out only by views that asked restrict() first (``download``).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import storages
from django.http import FileResponse

AREAS = {"exports", "imports", "agreements"}
# Ours: 32 random hex digits, then at most two short suffixes (".xlsx", ".upload.json"...).
NAME = re.compile(r"[0-9a-f]{32}(?:\.[a-z0-9]{1,12}){0,2}")


def storage():
    return storages["private"]


def new_name(suffix: str = "") -> str:
    """A fresh random name, e.g. ``new_name(".xlsx")``."""
    return f"{secrets.token_hex(16)}{suffix}"


def is_valid(name: str) -> bool:
    return bool(name) and NAME.fullmatch(name) is not None


def path(area: str, name: str) -> str:
    """The storage path of one of our files; anything else is refused, never looked up."""
    if area not in AREAS or not is_valid(name):
        raise SuspiciousFileOperation(f"Not a private file name: {area}/{name!r}")
    return f"{area}/{name}"


def save(area: str, name: str, content) -> str:
    """Store ``content`` (bytes or an open binary file) under ``name``; returns the name."""
    target = path(area, name)
    upload = ContentFile(content) if isinstance(content, bytes) else File(content)
    saved = storage().save(target, upload)
    if saved != target:  # the storage renamed it: a name we made twice, which must not happen
        storage().delete(saved)
        raise SuspiciousFileOperation(f"{target} already exists")
    return name


def exists(area: str, name: str) -> bool:
    return is_valid(name) and storage().exists(path(area, name))


def read(area: str, name: str) -> bytes | None:
    """The whole file, or None when it is not there (or the name is not one of ours)."""
    if not exists(area, name):
        return None
    with storage().open(path(area, name), "rb") as handle:
        return handle.read()


def delete(area: str, name: str) -> None:
    """Delete one of our files; a missing file is not an error."""
    if is_valid(name):
        storage().delete(path(area, name))


def sweep(area: str, older_than: datetime) -> int:
    """Delete the files of ``area`` last written before ``older_than`` (what a crash left)."""
    if area not in AREAS:
        raise SuspiciousFileOperation(area)
    try:
        _folders, names = storage().listdir(area)
    except FileNotFoundError:
        return 0
    deleted = 0
    for name in names:
        target = f"{area}/{name}"
        if storage().get_modified_time(target) < older_than:
            storage().delete(target)
            deleted += 1
    return deleted


def listing(area: str) -> list[str]:
    """The names in ``area`` (for tests and the sweep)."""
    try:
        return sorted(storage().listdir(area)[1])
    except FileNotFoundError:
        return []


def download(area: str, name: str, *, filename: str, content_type: str) -> FileResponse | None:
    """The file as an attachment that is never cached or sniffed; None when it is not there.

    Only for views that got the record owning the file through restrict().
    """
    if not exists(area, name):
        return None
    response = FileResponse(
        storage().open(path(area, name), "rb"),
        as_attachment=True,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = [
    "delete",
    "download",
    "exists",
    "is_valid",
    "listing",
    "new_name",
    "path",
    "read",
    "save",
    "storage",
    "sweep",
]
