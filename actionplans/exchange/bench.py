"""``make bench`` for spreadsheets: our export and import beside floors, on the bench data.

- Export: ``export.write()`` on the same queryset users get (restrict() and the list's default
  order) against a floor that streams the same columns from one hand-written SQL query (a
  server-side cursor) straight into xlsxwriter's constant-memory mode.
- Import: ``preview_import()`` (the preview) and ``apply_import()`` (the confirmed write, which
  reads and plans again under lock) of 10,000 new rows, against a floor that reads the same file
  with python-calamine and bulk_creates the action points. Writes are rolled back after each run.

Each run happens in a forked child process, so its peak memory (growth of the resident set
over the child's start) is its own; the parent only collects seconds, peak and query counts.
"""

from __future__ import annotations

import io
import os
import pickle
import resource
import statistics
import tempfile
import time
from datetime import date

import python_calamine
import xlsxwriter
from django.db import connection, connections, transaction

from ..deadlines import parse_deadline
from ..models import ActionPlan, ActionPoint, Challenge, FocalPoint, WorkingGroup
from . import export
from .importing import apply_import, preview_import
from .reading import dump_sheets, load_sheets, read_table

EXPORT_RATIO = 1.2
EXPORT_PEAK_MIB = 100
IMPORT_RATIO = 2.0
IMPORT_ROWS = 10_000
IMPORT_PLAN = "Bench import target"
WRITTEN_TABLES = (
    "actionplans_actionpoint",
    "actionplans_actionpoint_supporting",
    "actionplans_actionpointchange",
)


class Rollback(Exception):
    pass


class Queries:
    """Counts the queries run inside it (DEBUG's query log is capped and may be full)."""

    def __enter__(self):
        self.count = 0
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __len__(self):
        return self.count


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def in_child(work):
    """Run ``work()`` in a forked process; returns (seconds, peak MiB over start, result)."""
    connections.close_all()  # the child opens its own connection
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        code = 0
        try:
            start_rss = _rss_kib()
            start = time.perf_counter()
            result = work()
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            payload = (seconds, max(0, peak - start_rss) / 1024, result, None)
        except BaseException as error:  # reported to the parent, which raises
            payload = (0.0, 0.0, None, repr(error))
            code = 1
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(payload, out)
        connections.close_all()
        os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as incoming:
        seconds, peak, result, error = pickle.load(incoming)  # noqa: S301 - our own child
    os.waitpid(pid, 0)
    if error:
        raise RuntimeError(f"benchmark run failed: {error}")
    return seconds, peak, result


# --- Export ------------------------------------------------------------------------------------

FLOOR_EXPORT_SQL = """
SELECT ap.id, p.title, 'Group ' || wg.number || ': ' || wg.name, c.number, c.title,
       ap.description, ap.deadline_text, ap.due_date, ap.status, ap.progress, fp.name,
       (SELECT string_agg(s.name, '; ' ORDER BY s.name)
          FROM actionplans_actionpoint_supporting t
          JOIN actionplans_focalpoint s ON s.id = t.focalpoint_id
         WHERE t.actionpoint_id = ap.id),
       lo.name,
       lu.note, lu.created_at::date,
       CASE WHEN ap.due_date < CURRENT_DATE AND ap.status NOT IN ('done', 'cancelled')
            THEN 'Yes' ELSE 'No' END
  FROM actionplans_actionpoint ap
  JOIN actionplans_challenge c ON c.id = ap.challenge_id
  JOIN actionplans_workinggroup wg ON wg.id = ap.working_group_id
  JOIN actionplans_actionplan p ON p.id = wg.plan_id
  LEFT JOIN actionplans_focalpoint fp ON fp.id = ap.lead_id
  LEFT JOIN pim_organisation lo ON lo.id = fp.organisation_id
  LEFT JOIN LATERAL (SELECT u.note, u.created_at FROM actionplans_progressupdate u
                      WHERE u.action_point_id = ap.id
                      ORDER BY u.created_at DESC, u.id DESC LIMIT 1) lu ON true
 ORDER BY ap.due_date ASC NULLS LAST, ap.id
"""


def floor_export(out) -> int:
    """The same rows and columns, from one SQL query, written as they come (no typing work)."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [column.header for column in export.columns()])
    rows = 0
    with transaction.atomic(), connection.connection.cursor(name="floor_export") as cursor:
        cursor.itersize = export.CHUNK
        cursor.execute(FLOOR_EXPORT_SQL)
        for rows, record in enumerate(cursor, start=1):
            for col, value in enumerate(record):
                if value is None:
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(rows, col, value, date_format)
                elif isinstance(value, int):
                    sheet.write_number(rows, col, value)
                else:
                    sheet.write_string(rows, col, value)
    book.close()
    return rows


def ours_export(user, out) -> int:
    points, _title = export.scoped_points(user, export.Scope.LIST)
    return export.write(points, "xlsx", out)


def measure_export(user, repeat: int, log=print) -> dict:
    """Median seconds and worst peak of our export and the floor, interleaved."""
    ours, floor = [], []
    for attempt in range(repeat + 1):  # the first round warms caches and is not counted
        with tempfile.TemporaryFile() as out:
            mine = in_child(lambda out=out: ours_export(user, out))
        with tempfile.TemporaryFile() as out:
            theirs = in_child(lambda out=out: floor_export(out))
        if attempt:
            ours.append(mine)
            floor.append(theirs)
        log(f"  export run {attempt}: ours {mine[0]:.2f} s, floor {theirs[0]:.2f} s")
    row = {
        "what": f"export .xlsx ({user.username})",
        "rows": ours[0][2],
        "floor_rows": floor[0][2],
        "seconds": statistics.median(s for s, _p, _r in ours),
        "floor_seconds": statistics.median(s for s, _p, _r in floor),
        "peak_mib": max(p for _s, p, _r in ours),
        "floor_peak_mib": max(p for _s, p, _r in floor),
        "queries": "",
    }
    row["ratio"] = row["seconds"] / row["floor_seconds"]
    problems = []
    if row["ratio"] > EXPORT_RATIO:
        problems.append(f"{row['ratio']:.2f}x floor > {EXPORT_RATIO}x")
    if row["peak_mib"] > EXPORT_PEAK_MIB:
        problems.append(f"peak {row['peak_mib']:.0f} MiB > {EXPORT_PEAK_MIB}")
    if row["rows"] != row["floor_rows"]:
        problems.append("rows differ from floor")
    row["verdict"] = "met" if not problems else "MISSED: " + ", ".join(problems)
    row["met"] = not problems
    return row


# --- Import ------------------------------------------------------------------------------------


def import_target(coordinator) -> tuple[ActionPlan, WorkingGroup, list[FocalPoint]]:
    """An empty plan for import runs (its rows are rolled back after each run)."""
    plan, _created = ActionPlan.objects.get_or_create(title=IMPORT_PLAN)
    plan.coordinators.add(coordinator)  # signals give the coordinator role
    group, _created = WorkingGroup.objects.get_or_create(
        plan=plan, number=1, defaults={"name": "Imports"}
    )
    for number in range(1, 51):
        Challenge.objects.get_or_create(
            working_group=group, number=number, defaults={"title": f"Imported challenge {number}"}
        )
    people = [
        FocalPoint.objects.get_or_create(plan=plan, name=f"Import focal point {i:02}")[0]
        for i in range(20)
    ]
    return plan, group, people


def import_workbook(rows: int, people: list[FocalPoint]) -> bytes:
    """``rows`` new action points in the export's layout, as an IMO would fill it in."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet()
    headers = ["ID", "Working group", "Challenge no.", "Challenge", "Action point"]
    headers += ["Deadline (as typed)", "Status", "Progress (%)", "Lead focal point"]
    headers += ["Supporting people"]
    sheet.write_row(0, 0, headers)
    statuses = ["Not started", "In progress", "Done", "Blocked"]
    deadlines = ["Q1 of 2027", "2027", "March 2027", "H2 2027", "2027-05-31"]
    for i in range(1, rows + 1):
        number = i % 50 + 1
        sheet.write_row(
            i,
            0,
            [
                None,
                "Group 1: Imports",
                number,
                f"Imported challenge {number}",
                f"Imported action point number {i}",
                deadlines[i % len(deadlines)],
                statuses[i % len(statuses)],
                (i * 5) % 100,
                people[i % len(people)].name,
                people[(i + 7) % len(people)].name if i % 4 == 0 else None,
            ],
        )
    book.close()
    return out.getvalue()


def _read(data: bytes):
    return read_table(
        io.BytesIO(data),
        max_bytes=50 << 20,
        max_rows=IMPORT_ROWS + 10,
        max_unpacked_bytes=500 << 20,
    )


def ours_preview(user, plan, data: bytes) -> tuple[int, int]:
    """The upload: read the file, keep what was read (as the view does), plan."""
    with Queries() as queries:
        sheets = _read(data)
        dump_sheets(sheets)
        result = preview_import(sheets, user, plan)
    assert not result.blocked, result.problems[:3]
    return result.counts["create"], len(queries)


def ours_apply(user, plan, kept: bytes, digest: str) -> tuple[int, int]:
    """The confirmation: load what the upload read, plan again under lock, write (rolled back
    here)."""
    try:
        with transaction.atomic():
            with Queries() as queries:
                result = apply_import(load_sheets(kept), user, plan, None, digest)
            raise Rollback
    except Rollback:
        pass
    return result.counts["create"], len(queries)


def floor_import(group: WorkingGroup, data: bytes) -> tuple[int, int]:
    """Read with calamine, map each row to an action point, bulk_create, roll back."""
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows = sheet.to_python()[1:]
    challenges = {c.number: c for c in Challenge.objects.filter(working_group=group)}
    people = {p.name: p for p in FocalPoint.objects.filter(plan=group.plan)}
    statuses = {label: code for code, label in ActionPoint.Status.choices}
    try:
        with transaction.atomic():
            with Queries() as queries:
                points = []
                for row in rows:
                    deadline = parse_deadline(row[5])
                    points.append(
                        ActionPoint(
                            challenge=challenges[int(row[2])],
                            working_group_id=group.pk,
                            description=row[4],
                            deadline_text=deadline.text,
                            due_date=deadline.due,
                            deadline_precision=deadline.precision or "",
                            status=statuses[row[6]],
                            progress=int(row[7]),
                            lead=people[row[8]],
                        )
                    )
                ActionPoint.objects.bulk_create(points, batch_size=1000)
            raise Rollback
    except Rollback:
        pass
    return len(points), len(queries)


def measure_import(coordinator, repeat: int, log=print) -> list[dict]:
    plan, group, people = import_target(coordinator)
    data = import_workbook(IMPORT_ROWS, people)
    small = import_workbook(IMPORT_ROWS // 10, people)
    # What the person confirmed, from the preview (a request of its own, not timed here).
    kept, small_kept = dump_sheets(_read(data)), dump_sheets(_read(small))
    digest = preview_import(load_sheets(kept), coordinator, plan).digest()
    small_digest = preview_import(load_sheets(small_kept), coordinator, plan).digest()
    runs = {"preview": [], "apply": [], "floor": []}
    for attempt in range(repeat + 1):
        timings = {
            "preview": in_child(lambda: ours_preview(coordinator, plan, data)),
            "apply": in_child(lambda: ours_apply(coordinator, plan, kept, digest)),
            "floor": in_child(lambda: floor_import(group, data)),
        }
        if attempt:
            for key, value in timings.items():
                runs[key].append(value)
        log(
            f"  import run {attempt}: "
            + ", ".join(f"{key} {value[0]:.2f} s" for key, value in timings.items())
        )
    # Queries are set by batches, not rows: a tenth of the rows needs nearly as many.
    small_queries = {
        "preview": in_child(lambda: ours_preview(coordinator, plan, small))[2][1],
        "apply": in_child(lambda: ours_apply(coordinator, plan, small_kept, small_digest))[2][1],
    }
    floor_seconds = statistics.median(s for s, _p, _r in runs["floor"])
    rows = []
    for key in ("preview", "apply"):
        seconds = statistics.median(s for s, _p, _r in runs[key])
        created, queries = runs[key][0][2]
        row = {
            "what": f"import {IMPORT_ROWS:,} rows: {key}",
            "rows": created,
            "floor_rows": runs["floor"][0][2][0],
            "seconds": seconds,
            "floor_seconds": floor_seconds,
            "peak_mib": max(p for _s, p, _r in runs[key]),
            "floor_peak_mib": max(p for _s, p, _r in runs["floor"]),
            "queries": f"{queries} ({small_queries[key]} for {IMPORT_ROWS // 10:,} rows)",
            "ratio": seconds / floor_seconds,
        }
        problems = []
        if row["ratio"] > IMPORT_RATIO:
            problems.append(f"{row['ratio']:.2f}x floor > {IMPORT_RATIO}x")
        if row["rows"] != row["floor_rows"]:
            problems.append("rows differ from floor")
        # Batches of 1,000: ten times the rows may add about 10 queries per bulk statement.
        if queries > small_queries[key] + 40:
            problems.append("queries grow with rows")
        row["verdict"] = "met" if not problems else "MISSED: " + ", ".join(problems)
        row["met"] = not problems
        rows.append(row)
    return rows


COLUMNS = (
    ("what", "what", "{}"),
    ("rows", "rows", "{:,}"),
    ("seconds", "ours s", "{:.2f}"),
    ("floor_seconds", "floor s", "{:.2f}"),
    ("ratio", "ours/floor", "{:.2f}x"),
    ("peak_mib", "ours peak MiB", "{:.1f}"),
    ("floor_peak_mib", "floor peak MiB", "{:.1f}"),
    ("queries", "queries", "{}"),
    ("verdict", "target", "{}"),
)
