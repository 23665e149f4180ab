"""The benchmark's code keeps working (``make bench`` itself is not a test): tiny data, both
personas, the list agreeing with its hand-written floor, grants made as the signals make them."""

import pytest
import python_calamine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from actionplans import bench
from actionplans.bench_pages import COLUMNS, measure
from actionplans.exchange import bench as exchange_bench
from actionplans.exchange.importing import preview_import
from actionplans.exchange.reading import dump_sheets, load_sheets
from actionplans.models import ActionPlan, ActionPoint, WorkingGroup
from pim.bench import table
from pim.models import Membership, User
from pim.permissions import role_group

pytestmark = pytest.mark.django_db
TINY = 0.002


def quiet(*_args):
    pass


def user_ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_a_tiny_run_measures_both_personas_against_the_floor():
    shape = bench.generate(TINY, log=quiet)
    assert bench.is_generated(TINY) and not bench.is_generated(1.0)

    rows = measure(repeat=2, log=quiet)

    assert {row["username"] for row in rows} == {bench.MEMBER, bench.COORDINATOR}
    points_per_group = shape.challenges_per_group * shape.points_per_challenge
    seen = {(row["username"], row["statuses"]): row["rows"] for row in rows}
    assert seen[bench.MEMBER, "(all)"] == 5 * points_per_group
    assert seen[bench.COORDINATOR, "(all)"] == shape.large_plan_groups * points_per_group
    for row in rows:
        assert row["rows"] == row["floor_rows"] > 0
        assert row["rows_on_page"] == row["floor_rows_on_page"] == min(50, row["rows"])
        assert row["list_queries_found"] == ["count", "page"]
        assert 0 < row["list_sql_ms"] <= row["sql_ms"]
        assert row["page_ms"] > 0 and row["floor_ms"] > 0
    assert table(rows, COLUMNS).count("\n") == len(rows) + 1


def test_bulk_made_roles_are_the_ones_the_signals_would_set():
    bench.generate(TINY, log=quiet)

    for plan in ActionPlan.objects.all():
        assert user_ids(role_group(plan, "coordinator").user_set) == user_ids(plan.coordinators)
    for group in WorkingGroup.objects.all():
        assert user_ids(role_group(group, "member").user_set) == user_ids(group.members)
        assert user_ids(role_group(group, "leader").user_set) == {group.team_leader_id}
    for membership in Membership.objects.select_related("organisation"):
        holders = role_group(membership.organisation, membership.role).user_set
        assert holders.filter(pk=membership.user_id).exists()
    member = User.objects.get(username=bench.MEMBER)
    coordinator = User.objects.get(username=bench.COORDINATOR)
    assert member.working_groups.count() == 5
    assert [p.title for p in coordinator.coordinated_plans.all()] == ["Bench plan 01 (large)"]
    assert not coordinator.working_groups.exists()
    assert not member.focal_points.exists() and not coordinator.focal_points.exists()


def test_the_command_refuses_a_database_that_is_not_a_bench_one():
    # SQLite, or the test suite's PostgreSQL database (not named *bench*): nothing is touched.
    with pytest.raises(CommandError):
        call_command("bench", "--scale", str(TINY))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the export's floor is PostgreSQL SQL"
)
def test_the_spreadsheet_benchmark_compares_like_with_like(tmp_path):
    """Our export and its floor write the same rows in the same order; the import's preview,
    apply and floor each make the same number of action points (in-process here; make bench
    runs each in a forked process to read its peak memory)."""
    bench.generate(TINY, log=quiet)
    admin = User.objects.get(username=bench.ADMIN)
    coordinator = User.objects.get(username=bench.COORDINATOR)
    ours, floor = tmp_path / "ours.xlsx", tmp_path / "floor.xlsx"
    with ours.open("wb") as out:
        written = exchange_bench.ours_export(admin, out)
    with floor.open("wb") as out:
        floor_written = exchange_bench.floor_export(out)
    assert written == floor_written == ActionPoint.objects.count() > 0

    def first_columns(path):
        rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [(row[0], row[5], row[7]) for row in rows.to_python()[1:]]

    assert first_columns(ours) == first_columns(floor)

    plan, group, people = exchange_bench.import_target(coordinator)
    data = exchange_bench.import_workbook(50, people)
    kept = dump_sheets(exchange_bench._read(data))
    digest = preview_import(load_sheets(kept), coordinator, plan).digest()
    before = ActionPoint.objects.count()
    assert exchange_bench.ours_preview(coordinator, plan, data)[0] == 50
    assert exchange_bench.ours_apply(coordinator, plan, kept, digest)[0] == 50
    assert exchange_bench.floor_import(group, data)[0] == 50
    assert ActionPoint.objects.count() == before  # every run is rolled back


def test_a_benchmark_run_in_a_child_process_reports_time_and_memory():
    seconds, peak, result = exchange_bench.in_child(lambda: len(bytearray(20 * 1024 * 1024)))
    assert result == 20 * 1024 * 1024
    assert seconds >= 0 and peak >= 15
