"""What ``make bench`` times for the action plans: the action-point list and the spreadsheets.

Named as ``bench_module`` on the app's config; the command (pim/management/commands/bench.py)
prepares the data through ``prepare`` and runs each of ``PARTS``. Each list page is timed through
Django's test client (middleware, session, queries, template), interleaved with a hand-written
SQL "floor" for the same rows on the same data.
"""

from __future__ import annotations

import re
import time

from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from psycopg2 import sql

from pim.bench import QueryLog, median_ms, p90_ms, table
from pim.models import User

from . import bench
from .exchange import bench as exchange_bench

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
FACT_TABLES = [
    "pim_organisation",
    "pim_user",
    "actionplans_actionplan",
    "actionplans_workinggroup",
    "actionplans_challenge",
    "actionplans_focalpoint",
    "actionplans_actionpoint",
    "actionplans_actionpoint_supporting",
]


# The data: made in bulk by actionplans/bench.py, kept and reused at the same scale.
is_generated = bench.is_generated
generate = bench.generate


def list_query_kind(statement: str) -> str | None:
    """'count' or 'page' for the list's two main queries, None for the others."""
    if 'FROM "actionplans_actionpoint"' not in statement:
        return None
    if statement.startswith("SELECT COUNT(*)"):
        return "count"
    if statement.startswith('SELECT "actionplans_actionpoint"."id"') and " LIMIT " in statement:
        return "page"
    return None


def page_counts(html: str) -> tuple[int, int]:
    """The total the list page announces, and the rows of its table."""
    total = re.search(r'class="count">\s*([\d,.\s]+)<', html)
    if total is None:
        raise CommandError("The action-point list no longer shows its count (class=count).")
    body = html.partition("<tbody>")[2].partition("</tbody>")[0]
    return int(re.sub(r"\D", "", total.group(1))), len(re.findall(r"<tr[\s>]", body))


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


def time_lists(options: dict, log) -> list[dict]:
    repeat = options["repeat"]
    log(f"Timing {len(bench.SCENARIOS)} pages, {repeat} runs each...")
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        rows = measure(repeat, log=log)
    log("\n" + table(rows, COLUMNS) + "\n")
    if options.get("verbosity", 1) > 1:
        for row in rows:
            log(f"\nQueries of {row['persona']}, {row['statuses']}:")
            log("\n".join(row["query_list"]))
    log(
        f"Targets: <= {MAX_QUERIES} queries a page, and the list's count+page SQL within "
        f"{MAX_RATIO}x the floor's (whole-page time is shown beside it, not judged)."
    )
    return rows


def time_spreadsheets(options: dict, log) -> list[dict]:
    """Export and import beside their floors (each run in its own process)."""
    repeat = options["spreadsheet_repeat"]
    admin = User.objects.get(username=bench.ADMIN)
    coordinator = User.objects.get(username=bench.COORDINATOR)
    log(f"Timing the export and the import, {repeat} runs each...")
    rows = [exchange_bench.measure_export(admin, repeat, log=log)]
    rows += exchange_bench.measure_import(coordinator, repeat, log=log)
    # The import runs were rolled back, leaving dead rows behind: compact the tables they
    # wrote into, so that the next run times the lists on the data as generated.
    with connection.cursor() as cursor:
        for name in exchange_bench.WRITTEN_TABLES:
            cursor.execute(sql.SQL("VACUUM FULL ANALYZE {}").format(sql.Identifier(name)))
    log("\n" + table(rows, exchange_bench.COLUMNS) + "\n")
    log(
        f"Targets: export within {exchange_bench.EXPORT_RATIO}x the floor's time and under "
        f"{exchange_bench.EXPORT_PEAK_MIB} MiB peak (growth of the process's resident set); "
        f"import preview and apply each within {exchange_bench.IMPORT_RATIO}x the floor's, "
        "with queries set by batches, not rows."
    )
    return rows


PARTS = {"lists": time_lists, "spreadsheets": time_spreadsheets}
