"""What every app's benchmark shares: timing helpers, the printed table, and finding the parts.

``manage.py bench`` (pim/management/commands/bench.py) knows no app. Each app that has something
to time names a module on its AppConfig (``bench_module``), which provides:

- ``is_generated(scale)`` and ``generate(scale, log)``: the app's data. When any app's data is
  missing (or with ``--fresh``) the command empties the database once, then asks every app to
  generate, in INSTALLED_APPS order;
- ``FACT_TABLES``: the tables whose row counts describe the data;
- ``PARTS``: ``{name: run}``, each ``run(options, log)`` returning rows (dicts with ``met`` and
  ``verdict``) after printing its own table through ``log``.
"""

from __future__ import annotations

import math
import statistics
import time
from importlib import import_module
from types import ModuleType

from django.apps import apps


class QueryLog:
    """An execute wrapper keeping each query's SQL and its time (more precise than DEBUG's)."""

    def __init__(self):
        self.queries: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, time.perf_counter() - start))


def median_ms(values) -> float:
    return statistics.median(values) * 1000


def p90_ms(values) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1] * 1000


def table(rows: list[dict], columns) -> str:
    """A plain-text table: ``columns`` are (key, title, format) triples."""
    cells = [[title for _key, title, _fmt in columns]]
    cells += [[fmt.format(row[key]) for key, _title, fmt in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def app_benches() -> dict[str, ModuleType]:
    """``{app label: its bench module}``, in INSTALLED_APPS order."""
    return {
        config.label: import_module(getattr(config, "bench_module"))  # noqa: B009
        for config in apps.get_app_configs()
        if getattr(config, "bench_module", None)
    }


__all__ = ["QueryLog", "app_benches", "median_ms", "p90_ms", "table"]
