"""The benchmark's code keeps working (``make bench`` itself is not a test): tiny data, both
personas, the list agreeing with its hand-written floor, grants made as the signals make them."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from actionplans import bench
from actionplans.models import ActionPlan, WorkingGroup
from pim.management.commands.bench import measure, table
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
    assert table(rows).count("\n") == len(rows) + 1


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
