"""``manage.py bench``: generate the benchmark data in PostgreSQL and time what each app names.

Run by ``make bench`` against a dedicated database (``pim_bench``, created and migrated when
missing). The data is kept and reused on the next run at the same scale; ``--fresh`` remakes it.
The command knows no app: each one names its ``bench_module`` on its AppConfig (see
pim/bench.py), whose parts time pages and files beside a floor measured in the same run.
"""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

import django
import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from psycopg2 import sql

from pim.bench import app_benches


class Command(BaseCommand):
    help = "Benchmark pages and files on generated data in a dedicated PostgreSQL database."

    def add_arguments(self, parser):
        parts = sorted({name for module in app_benches().values() for name in module.PARTS})
        parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 100,000 points")
        parser.add_argument("--repeat", type=int, default=20, help="timed runs per page")
        parser.add_argument("--fresh", action="store_true", help="regenerate the data")
        parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
        parser.add_argument("--output", default=str(settings.BASE_DIR / "bench-results"))
        parser.add_argument("--part", choices=["all", *parts], default="all", help="what to time")
        parser.add_argument(
            "--spreadsheet-repeat", type=int, default=3, help="timed runs per export/import"
        )

    def handle(self, *args, scale, fresh, strict, output, part, **options):
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

        benches = app_benches()
        generation_s = self.prepare(benches, scale, fresh)
        tables = [name for module in benches.values() for name in module.FACT_TABLES]
        facts = self.facts(db["NAME"], tables, scale, options["repeat"], generation_s)
        for key, value in facts.items():
            self.stdout.write(f"{key:>18}: {value}")

        every = []
        for label, module in benches.items():
            report = {"facts": facts}
            for name, run in module.PARTS.items():
                if part in ("all", name):
                    report[name] = run(options, self.stdout.write)
                    every += report[name]
            path = Path(output) / f"{label}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=2, default=str) + "\n")
            self.stdout.write(f"Written to {path}")
        missed = [row for row in every if not row["met"]]
        if missed:
            self.stdout.write(self.style.ERROR(f"MISSED: {len(missed)} of {len(every)} targets."))
            if strict:
                raise SystemExit(1)
        else:
            self.stdout.write(self.style.SUCCESS("All targets met."))

    def prepare(self, benches, scale: float, fresh: bool) -> float | None:
        """Reuse the generated data, or empty the database once and let every app generate."""
        if not fresh and all(module.is_generated(scale) for module in benches.values()):
            self.stdout.write(f"Reusing the data generated at scale {scale:g} (--fresh remakes).")
            return None
        self.stdout.write(f"Generating the data at scale {scale:g} (seed 2018)...")
        start = time.perf_counter()
        call_command("flush", interactive=False, verbosity=0)
        for module in benches.values():
            module.generate(scale, log=self.stdout.write)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        seconds = time.perf_counter() - start
        self.stdout.write(f"Generated in {seconds:.1f} s (vacuum and analyse included).")
        return seconds

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

    def facts(self, name, tables, scale, repeat, generation_s) -> dict:
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
