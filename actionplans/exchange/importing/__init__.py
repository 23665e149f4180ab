"""Importing action points from a workbook: a preview first, then all or nothing.

``preview_import()`` reads the rows and works out, without writing anything, what would be
created, updated or left unchanged, and every problem with its row and column.
``apply_import()`` does it in one transaction, after locking the plan and the action points and
previewing again, so what is written is what the person confirmed or nothing at all.

- ``results``: the preview's types (``ImportPreview``, its items and problems);
- ``matching``: the ``Matcher``, which reads the scope once and matches rows to what exists;
- ``cells``: reading one cell; ``export_rows`` and ``seed_rows``: the two layouts' rows;
- ``preview``: ``preview_import()``; ``apply``: ``apply_import()`` and the bulk writes.
"""

from .apply import apply_import
from .preview import preview_import
from .results import ImportChanged, ImportPreview, UnknownLayout

__all__ = ["ImportChanged", "ImportPreview", "UnknownLayout", "apply_import", "preview_import"]
