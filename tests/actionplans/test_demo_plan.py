"""The demo's action plans: the seed's Lebanon plan as it is, and who sees what around it."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from actionplans import services
from actionplans.demo import JORDAN, LEBANON
from actionplans.models import (
    ActionPlan,
    ActionPlanGroupObjectPermission,
    ActionPoint,
    ActionPointChange,
    Challenge,
    FocalPoint,
    ProgressUpdate,
    WorkingGroup,
    WorkingGroupGroupObjectPermission,
)
from pim import demo
from pim.models import User

pytestmark = pytest.mark.django_db

# The seed's table, word for word: (challenge, action point, deadline, due date, lead, supporting).
SEED_TABLE = [
    (
        "1. Lack of common, user-friendly and secure data-sharing tools",
        "IMWG to recommend standardized tools and procedures",
        "Q1 of 2019",
        date(2019, 3, 31),
        "Jad",
        [],
    ),
    (
        "2. Informed consent about sharing and different types of sharing and recipients",
        "Build comprehensive consent form drafts and guidelines on which to choose depending on "
        "survey/activities",
        "2019",
        date(2019, 12, 31),
        "Fanette",
        ["Fred"],
    ),
    (
        "2. Informed consent about sharing and different types of sharing and recipients",
        "Disseminate",
        "2019",
        date(2019, 12, 31),
        "Fanette",
        ["Fred"],
    ),
    (
        "3. Trust between actors (in terms of data quality, methodology, data protection)",
        "Disseminate the “VASyR quality assurance package” methodology",
        "Q1 of 2019",
        date(2019, 3, 31),
        "Jad",
        [],
    ),
    (
        "4. Lack of knowledge about where and how to access information and data",
        "Raise awareness on national studies (VASyR, KAP, MICS, ARK…) in sector WG, "
        "in inter-agency.",
        "Q1 of 2019",
        date(2019, 3, 31),
        "Jad",
        [],
    ),
    (
        "4. Lack of knowledge about where and how to access information and data",
        "Promote use of and contributions to Lebanon Factbook and Assessment Registry in IMWG "
        "and Inter-Agency",
        "Q1 of 2019",
        date(2019, 3, 31),
        "Jad",
        [],
    ),
]


@pytest.fixture
def demo_people():
    demo.load()
    return {user.username: user for user in User.objects.all()}


def group_one():
    return WorkingGroup.objects.get(plan__title=LEBANON, number=1)


def test_the_seed_plan_is_loaded_as_it_is(demo_people):
    plan = ActionPlan.objects.get(title=LEBANON)
    assert plan.operation == "Lebanon"
    assert plan.period == "2019"
    assert plan.origin == "PIM training in Lebanon, 10–13 December 2018"  # noqa: RUF001
    assert plan.overview_for_participants
    assert plan.participating_organisations.count() == 11
    assert list(plan.coordinators.values_list("username", flat=True)) == ["fanette"]

    group = group_one()
    assert str(group) == "Group 1: Data Sharing"
    assert group.team_leader.username == "jad"
    assert set(group.members.values_list("first_name", flat=True)) == {
        "Rana",
        "Omar",
        "Maria",
        "Fred",
        "Jad",
    }
    assert [str(c) for c in group.challenges.order_by("number")] == [
        "1. Lack of common, user-friendly and secure data-sharing tools",
        "2. Informed consent about sharing and different types of sharing and recipients",
        "3. Trust between actors (in terms of data quality, methodology, data protection)",
        "4. Lack of knowledge about where and how to access information and data",
    ]
    points = ActionPoint.objects.filter(challenge__working_group=group).order_by(
        "challenge__number", "position"
    )
    assert [
        (
            str(p.challenge),
            p.description,
            p.deadline_text,
            p.due_date,
            p.lead.name,
            sorted(s.name for s in p.supporting.all()),
        )
        for p in points
    ] == SEED_TABLE

    consent = Challenge.objects.get(working_group=group, number=2)
    assert "consent" in consent.principles
    assert "share" in consent.stages


def test_the_focal_points_are_linked_to_their_accounts_by_email(demo_people):
    plan = ActionPlan.objects.get(title=LEBANON)
    linked = {fp.name: fp.user for fp in FocalPoint.objects.filter(plan=plan)}
    assert linked["Jad"] == demo_people["jad"]
    assert linked["Fanette"] == demo_people["fanette"]
    assert linked["Fred"] == demo_people["fred"]
    assert linked["Hiba (UNHCR field office)"] is None  # typed without an account


def test_the_seed_plan_shows_work_done_and_overdue_points(demo_people):
    points = {
        p.description: p for p in ActionPoint.objects.filter(challenge__working_group=group_one())
    }
    # The browser test moves this one to "in progress": it starts untouched.
    first = points["IMWG to recommend standardized tools and procedures"]
    assert (first.status, first.progress, first.version) == ("not_started", 0, 1)
    assert first.is_overdue()
    assert first.changes.count() == 1 and not first.updates.exists()

    drafts = next(p for d, p in points.items() if d.startswith("Build comprehensive consent"))
    assert drafts.status in ("not_started", "in_progress")
    assert [u.author.username for u in drafts.updates.order_by("created_at")] == ["fanette", "fred"]
    # Each journal entry's change is in the history, dated with the entry.
    assert [c.version for c in drafts.changes.order_by("version")] == [1, 2, 3]
    assert sorted(c.created_at for c in drafts.changes.all())[1:] == sorted(
        u.created_at for u in drafts.updates.all()
    )

    vasyr = next(p for d, p in points.items() if "VASyR quality assurance" in d)
    assert vasyr.status == "done" and not vasyr.is_overdue()


def test_the_other_group_has_deadlines_around_today(demo_people):
    today = timezone.localdate()
    group = WorkingGroup.objects.get(plan__title=LEBANON, number=2)
    points = ActionPoint.objects.filter(challenge__working_group=group)
    assert points.overdue().exists()
    assert points.open().filter(due_date__gte=today, due_date__lte=today + timedelta(days=14))
    assert group.team_leader.username == "maria"
    assert not group.members.filter(username="layla").exists()


def counts():
    return [
        model.objects.count()
        for model in (
            ActionPlan,
            WorkingGroup,
            Challenge,
            FocalPoint,
            ActionPoint,
            ProgressUpdate,
            ActionPointChange,
            Group,
            GroupObjectPermission,
            UserObjectPermission,
            ActionPlanGroupObjectPermission,
            WorkingGroupGroupObjectPermission,
            ActionPoint.supporting.through,
            WorkingGroup.members.through,
            User.groups.through,
        )
    ]


def state():
    return sorted(
        ActionPoint.objects.values_list(
            "description", "deadline_text", "due_date", "status", "progress", "version", "lead"
        )
    )


def test_loading_again_changes_and_duplicates_nothing(demo_people, monkeypatch):
    first, before = counts(), state()
    # Even a day later: the deadlines set around "today" stay as they were first loaded.
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    demo.load()
    assert counts() == first
    assert state() == before


def test_loading_again_keeps_what_people_did_in_the_demo(demo_people):
    point = ActionPoint.objects.get(
        description="IMWG to recommend standardized tools and procedures"
    )
    services.post_update(
        point,
        demo_people["jad"],
        status="in_progress",
        progress=10,
        note="Started.",
        seen_version=1,
    )
    demo.load()
    point.refresh_from_db()
    assert (point.status, point.progress, point.version) == ("in_progress", 10, 2)
    assert point.updates.count() == 1


def test_who_sees_what_in_the_demo(demo_people):
    lebanon = ActionPlan.objects.get(title=LEBANON)
    jordan = ActionPlan.objects.get(title=JORDAN)
    lebanon_points = ActionPoint.objects.filter(challenge__working_group__plan=lebanon)

    # Layla's organisation participates: she sees the overview, but no group's details.
    layla = demo_people["layla"]
    assert list(ActionPlan.objects.restrict(layla, "view")) == [lebanon]
    assert not WorkingGroup.objects.restrict(layla, "view").exists()
    assert not ActionPoint.objects.restrict(layla, "view").exists()

    # Jad leads Group 1: he sees it, not Group 2, and not Omar's Jordan plan.
    jad = demo_people["jad"]
    assert set(ActionPlan.objects.restrict(jad, "view")) == {lebanon}
    assert list(WorkingGroup.objects.restrict(jad, "view")) == [group_one()]
    assert list(WorkingGroup.objects.restrict(jad, "manage")) == [group_one()]
    assert not ActionPoint.objects.restrict(jad, "view").filter(
        challenge__working_group__plan=jordan
    )

    # Fanette coordinates the Lebanon plan: every action point in it, and nothing of Jordan's.
    fanette = demo_people["fanette"]
    assert set(ActionPoint.objects.restrict(fanette, "view")) == set(lebanon_points)
    assert set(ActionPoint.objects.restrict(fanette, "change")) == set(lebanon_points)
    assert jordan not in ActionPlan.objects.restrict(fanette, "view")

    # Rana is a member of Group 1: she sees it, but cannot manage it.
    rana = demo_people["rana"]
    assert list(WorkingGroup.objects.restrict(rana, "view")) == [group_one()]
    assert not WorkingGroup.objects.restrict(rana, "manage").exists()

    # Omar coordinates Jordan and sits in both Lebanon groups; Fred sees Group 1 and Jordan's group.
    assert set(ActionPlan.objects.restrict(demo_people["omar"], "view")) == {lebanon, jordan}
    assert WorkingGroup.objects.restrict(demo_people["omar"], "view").count() == 3
    assert set(
        WorkingGroup.objects.restrict(demo_people["fred"], "view").values_list(
            "plan__title", "number"
        )
    ) == {(LEBANON, 1), (JORDAN, 1)}
