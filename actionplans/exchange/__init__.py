"""Spreadsheets in and out: export progress, import plans (see docs/excel.md)."""
