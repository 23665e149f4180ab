"""``manage.py bench``: generate the benchmark data in PostgreSQL and time the action-point list.

Run by ``make bench`` against a dedicated database (``pim_bench``, created and migrated when
missing). The data is kept and reused on the next run at the same scale; ``--fresh`` remakes it.
Each list page is timed through Django's test client (middleware, session, queries, template),
interleaved with a hand-written SQL "floor" for the same rows on the same data.
"""

from __future__ import annotations

import json
import math
import platform
import re
import statistics
import time
from pathlib import Path

import django
import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from psycopg2 import sql

from actionplans import bench
from actionplans.exchange import bench as exchange_bench
from pim.models import User

MAX_QUERIES = 10
MAX_RATIO = 1.5
COLUMNS = (
    ("persona", "persona", "{}"),
    ("statuses", "status filter", "{}"),
    ("rows", "rows", "{:,}"),
    ("floor_rows", "floor rows", "{:,}"),
    ("queries", "queries/page", "{}"),
    ("page_ms", "page median ms", "{:.1f}"),
    ("page_p90_ms", "(p90)", "({:.1f})"),
    ("sql_ms", "all SQL ms", "{:.1f}"),
    ("list_sql_ms", "count+page SQL ms", "{:.2f}"),
    ("floor_ms", "floor ms", "{:.2f}"),
    ("sql_ratio", "SQL/floor", "{:.2f}x"),
    ("page_ratio", "page/floor", "{:.1f}x"),
    ("verdict", "target", "{}"),
)


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


def list_query_kind(sql: str) -> str | None:
    """'count' or 'page' for the list's two main queries, None for the others."""
    if 'FROM "actionplans_actionpoint"' not in sql:
        return None
    if sql.startswith("SELECT COUNT(*)"):
        return "count"
    if sql.startswith('SELECT "actionplans_actionpoint"."id"') and " LIMIT " in sql:
        return "page"
    return None


def page_counts(html: str) -> tuple[int, int]:
    """The total the list page announces, and the rows of its table."""
    total = re.search(r'class="count">\s*([\d,.\s]+)<', html)
    if total is None:
        raise CommandError("The action-point list no longer shows its count (class=count).")
    body = html.partition("<tbody>")[2].partition("</tbody>")[0]
    return int(re.sub(r"\D", "", total.group(1))), len(re.findall(r"<tr[\s>]", body))


def median_ms(values) -> float:
    return statistics.median(values) * 1000


def p90_ms(values) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1] * 1000


def measure(repeat: int = 20, log=print) -> list[dict]:
    """Time each scenario: ``repeat`` page requests, each followed by one run of its floor."""
    results = []
    for persona, username, scope, statuses in bench.SCENARIOS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        url = bench.list_url(statuses)
        count_sql, page_sql = bench.floor_sql(scope, statuses)
        params = [user.pk, *statuses]
        page, sql_all, sql_list, floor, queries = [], [], [], [], set()
        for attempt in range(repeat + 1):  # the first run warms caches and is not counted
            queries_log = QueryLog()
            with connection.execute_wrapper(queries_log):
                start = time.perf_counter()
                response = client.get(url)
                page_s = time.perf_counter() - start
            start = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(count_sql, params)
                floor_rows = cursor.fetchone()[0]
                cursor.execute(page_sql, params)
                floor_page = cursor.fetchall()
            floor_s = time.perf_counter() - start
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code} for {username}")
            if attempt == 0:
                shown, rows_on_page = page_counts(response.content.decode())
                first_queries = queries_log.queries
                continue
            page.append(page_s)
            floor.append(floor_s)
            sql_all.append(sum(t for _sql, t in queries_log.queries))
            sql_list.append(sum(t for q, t in queries_log.queries if list_query_kind(q)))
            queries.add(len(queries_log.queries))
        kinds = sorted(filter(None, (list_query_kind(q) for q, _t in first_queries)))
        row = {
            "persona": persona,
            "username": username,
            "statuses": "+".join(statuses) or "(all)",
            "url": url,
            "rows": shown,
            "rows_on_page": rows_on_page,
            "floor_rows": floor_rows,
            "floor_rows_on_page": len(floor_page),
            "queries": max(queries),
            "queries_first_run": len(first_queries),
            "list_queries_found": kinds,
            "page_ms": median_ms(page),
            "page_p90_ms": p90_ms(page),
            "sql_ms": median_ms(sql_all),
            "list_sql_ms": median_ms(sql_list),
            "floor_ms": median_ms(floor),
            "floor_p90_ms": p90_ms(floor),
            "query_list": [f"{t * 1000:8.2f} ms  {q[:140]}" for q, t in first_queries],
        }
        row["sql_ratio"] = row["list_sql_ms"] / row["floor_ms"]
        row["page_ratio"] = row["page_ms"] / row["floor_ms"]
        problems = [
            f"{row['queries']} queries" if row["queries"] > MAX_QUERIES else "",
            f"SQL {row['sql_ratio']:.2f}x floor" if row["sql_ratio"] > MAX_RATIO else "",
            "rows differ from floor" if row["rows"] != floor_rows else "",
            "count/page queries not found" if kinds != ["count", "page"] else "",
        ]
        row["met"] = not any(problems)
        row["verdict"] = "met" if row["met"] else "MISSED: " + ", ".join(filter(None, problems))
        log(f"  {persona}, {row['statuses']}: {row['page_ms']:.1f} ms, {row['verdict']}")
        results.append(row)
    return results


def table(rows: list[dict], columns=COLUMNS) -> str:
    cells = [[title for _key, title, _fmt in columns]]
    cells += [[fmt.format(row[key]) for key, _title, fmt in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Benchmark the action-point list on generated data in a dedicated PostgreSQL database."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 points")
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per page")
        parser.add_argument("--fresh", action="store_true", help="regenerate the data")
        parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
        parser.add_argument("--output", default=str(settings.BASE_DIR / "bench-results"))
        parser.add_argument(
            "--part", choices=["all", "lists", "spreadsheets"], default="all", help="what to time"
        )
        parser.add_argument(
            "--spreadsheet-repeat", type=int, default=3, help="timed runs per export/import"
        )

    def handle(self, *args, scale, repeat, fresh, strict, output, part, **options):
        db = settings.DATABASES["default"]
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL, not " + connection.vendor + ": run `make bench`, "
                "or set DATABASE_URL=postgres://postgres@127.0.0.1:5432/pim_bench"
            )
        if "bench" not in db["NAME"] or db["NAME"].startswith("test_"):
            # It empties the database before generating: never someone's data, nor a test's.
            raise CommandError(f"Refusing to fill {db['NAME']!r}: use a database named *bench*.")
        self.create_database(db)
        call_command("migrate", interactive=False, verbosity=0)

        generation_s = None
        if fresh or not bench.is_generated(scale):
            self.stdout.write(f"Generating the data at scale {scale:g} (seed 2018)...")
            start = time.perf_counter()
            call_command("flush", interactive=False, verbosity=0)
            bench.generate(scale, log=self.stdout.write)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            generation_s = time.perf_counter() - start
            self.stdout.write(f"Generated in {generation_s:.1f} s (vacuum and analyse included).")
        else:
            self.stdout.write(f"Reusing the data generated at scale {scale:g} (--fresh remakes).")

        facts = self.facts(db["NAME"], scale, repeat, generation_s)
        for key, value in facts.items():
            self.stdout.write(f"{key:>18}: {value}")
        rows, sheet_rows = [], []
        if part in ("all", "lists"):
            self.stdout.write(f"Timing {len(bench.SCENARIOS)} pages, {repeat} runs each...")
            with override_settings(ALLOWED_HOSTS=["testserver"]):
                rows = measure(repeat, log=self.stdout.write)
            self.stdout.write("\n" + table(rows) + "\n")
            if options["verbosity"] > 1:
                for row in rows:
                    self.stdout.write(f"\nQueries of {row['persona']}, {row['statuses']}:")
                    self.stdout.write("\n".join(row["query_list"]))
            self.stdout.write(
                f"Targets: <= {MAX_QUERIES} queries a page, and the list's count+page SQL within "
                f"{MAX_RATIO}x the floor's (whole-page time is shown beside it, not judged)."
            )
        if part in ("all", "spreadsheets"):
            sheet_rows = self.spreadsheets(options["spreadsheet_repeat"])
        path = Path(output) / "actionplans.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        report = {"facts": facts, "rows": rows, "spreadsheets": sheet_rows}
        path.write_text(json.dumps(report, indent=2, default=str) + "\n")
        self.stdout.write(f"Written to {path}")
        every = rows + sheet_rows
        missed = [row for row in every if not row["met"]]
        if missed:
            self.stdout.write(self.style.ERROR(f"MISSED: {len(missed)} of {len(every)} targets."))
            if strict:
                raise SystemExit(1)
        else:
            self.stdout.write(self.style.SUCCESS("All targets met."))

    def spreadsheets(self, repeat: int) -> list[dict]:
        """Export and import beside their floors (each run in its own process)."""
        admin = User.objects.get(username=bench.ADMIN)
        coordinator = User.objects.get(username=bench.COORDINATOR)
        self.stdout.write(f"Timing the export and the import, {repeat} runs each...")
        rows = [exchange_bench.measure_export(admin, repeat, log=self.stdout.write)]
        rows += exchange_bench.measure_import(coordinator, repeat, log=self.stdout.write)
        # The import runs were rolled back, leaving dead rows behind: compact the tables they
        # wrote into, so that the next run times the lists on the data as generated.
        with connection.cursor() as cursor:
            for name in exchange_bench.WRITTEN_TABLES:
                cursor.execute(sql.SQL("VACUUM FULL ANALYZE {}").format(sql.Identifier(name)))
        self.stdout.write("\n" + table(rows, exchange_bench.COLUMNS) + "\n")
        self.stdout.write(
            f"Targets: export within {exchange_bench.EXPORT_RATIO}x the floor's time and under "
            f"{exchange_bench.EXPORT_PEAK_MIB} MiB peak (growth of the process's resident set); "
            f"import preview and apply each within {exchange_bench.IMPORT_RATIO}x the floor's, "
            "with queries set by batches, not rows."
        )
        return rows

    def create_database(self, db) -> None:
        """Create the benchmark database when missing, connecting to the server's 'postgres'."""
        options = {"host": db["HOST"], "port": db["PORT"], "user": db["USER"]}
        options = {k: v for k, v in options.items() if v}
        if db["PASSWORD"]:
            options["password"] = db["PASSWORD"]
        server = psycopg2.connect(dbname="postgres", **options)
        try:
            server.autocommit = True
            with server.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
                if cursor.fetchone() is None:
                    self.stdout.write(f"Creating the database {db['NAME']}...")
                    cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        finally:
            server.close()

    def facts(self, name, scale, repeat, generation_s) -> dict:
        tables = ["pim_organisation", "pim_user", "actionplans_actionplan"]
        tables += ["actionplans_workinggroup", "actionplans_challenge", "actionplans_focalpoint"]
        tables += ["actionplans_actionpoint", "actionplans_actionpoint_supporting"]
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            counts = {}
            for table_name in tables:
                cursor.execute(
                    sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table_name))
                )
                counts[table_name.split("_", 1)[1]] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_size_pretty(pg_database_size(%s)),"
                " pg_size_pretty(pg_total_relation_size('actionplans_actionpoint'))",
                [name],
            )
            database_size, points_size = cursor.fetchone()
        return {
            "database": name,
            "PostgreSQL": version,
            "Django / Python": f"{django.get_version()} / {platform.python_version()}",
            "scale, repeat": f"{scale:g}, {repeat}",
            "generation": "reused" if generation_s is None else f"{generation_s:.1f} s",
            "rows": ", ".join(f"{v:,} {k}" for k, v in counts.items()),
            "sizes": f"database {database_size}, action points with indexes {points_size}",
        }
