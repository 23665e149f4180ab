"""Every action-plan page under every role, asserting what each person may and may not read.

The table says, per page, who gets it (200); everyone else signed in gets 404 and anonymous
visitors are sent to sign in. Then every page any persona can open is searched for the texts that
persona must never see.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from actionplans.models import ActionPlan, ActionPoint, Challenge, FocalPoint, ProgressUpdate
from tests.roles import Page, Post, leaks, not_sent_to_sign_in, wrong_get_answers, wrong_refusals

from .conftest import HIDDEN, JORDAN

ROLES = ["root", "coco", "lena", "mona", "fanny", "tom", "alice", "bob", "erin", "dave", "charlie"]
EVERYONE = set(ROLES)


def pages(p) -> list[Page]:
    return [Page(*row) for row in _pages(p)]


def _pages(p):
    """(page name, url, who may open it)."""
    g1, g2, pt1, pt2 = p.group1, p.group2, p.point1, p.point2
    plan_people = {"root", "coco", "lena", "mona", "tom", "alice", "bob"}
    return [
        ("plan list", reverse("actionplans:actionplan_list"), EVERYONE),
        ("my action points", reverse("actionplans:my_actionpoints"), EVERYONE),
        ("all action points", reverse("actionplans:actionpoint_list"), EVERYONE),
        ("plan overview", p.plan.get_absolute_url(), plan_people),
        ("plan edit", reverse("actionplans:actionplan_edit", args=[p.plan.pk]), {"root", "coco"}),
        ("people", reverse("actionplans:focalpoint_list", args=[p.plan.pk]), {"root", "coco"}),
        ("person add", reverse("actionplans:focalpoint_add", args=[p.plan.pk]), {"root", "coco"}),
        (
            "person edit",
            reverse("actionplans:focalpoint_edit", args=[p.fp_hiba.pk]),
            {"root", "coco"},
        ),
        ("group add", reverse("actionplans:workinggroup_add", args=[p.plan.pk]), {"root", "coco"}),
        ("group 1", g1.get_absolute_url(), {"root", "coco", "lena", "mona"}),
        ("group 2", g2.get_absolute_url(), {"root", "coco", "tom"}),
        ("group 1 edit", reverse("actionplans:workinggroup_edit", args=[g1.pk]), {"root", "coco"}),
        (
            "challenge add",
            reverse("actionplans:challenge_add", args=[g1.pk]),
            {"root", "coco", "lena"},
        ),
        (
            "challenge edit",
            reverse("actionplans:challenge_edit", args=[p.challenge1.pk]),
            {"root", "coco", "lena"},
        ),
        (
            "action point add",
            reverse("actionplans:actionpoint_add", args=[g1.pk]),
            {"root", "coco", "lena"},
        ),
        ("point 1", pt1.get_absolute_url(), {"root", "coco", "lena", "mona", "fanny"}),
        ("point 2", pt2.get_absolute_url(), {"root", "coco", "lena", "mona"}),
        ("hidden point", p.hidden.get_absolute_url(), {"root", "coco", "tom"}),
        ("jordan point", p.jordan_point.get_absolute_url(), {"root", "charlie"}),
        (
            "point 1 edit",
            reverse("actionplans:actionpoint_edit", args=[pt1.pk]),
            {"root", "coco", "lena"},
        ),
        (
            "point 1 delete",
            reverse("actionplans:actionpoint_delete", args=[pt1.pk]),
            {"root", "coco", "lena"},
        ),
        (
            "point 1 update",
            reverse("actionplans:progressupdate_add", args=[pt1.pk]),
            {"root", "coco", "lena", "fanny"},
        ),
        (
            "point 2 update",
            reverse("actionplans:progressupdate_add", args=[pt2.pk]),
            {"root", "coco", "lena", "mona"},
        ),
    ]


# Texts each persona must never find in any page.
def never_seen(p):
    group2_people = {"root", "coco", "tom"}
    return {
        role: [
            t
            for t, allowed in ((HIDDEN, group2_people), (JORDAN, {"root", "charlie"}))
            if role not in allowed
        ]
        for role in ROLES
    }


def everything():
    """What any refused post could have changed: every row the plan's forms write."""
    return (
        list(ActionPlan.objects.order_by("pk").values_list("pk", "title")),
        list(Challenge.objects.order_by("pk").values_list("pk", "number", "title")),
        list(ActionPoint.objects.order_by("pk").values()),
        list(FocalPoint.objects.order_by("pk").values_list("pk", "name", "email", "user")),
        ProgressUpdate.objects.count(),
    )


def posts(p) -> list[Post]:
    """Every form of the plan, posted with valid data; only ``allowed`` may change anything."""
    g1, pt1 = p.group1, p.point1
    point = {
        "challenge": p.challenge1.pk,
        "description": "Taken over",
        "deadline_text": "Q2 2019",
        "lead": p.fp_hiba.pk,
        "status": "done",
        "progress": 100,
        "version": pt1.version,
    }
    coordinators = {"root", "coco"}
    # Organisation admins start plans; alice admins Aleppo Relief (charlie admins Beqaa).
    plan_starters = {"root", "alice", "charlie"}
    return [
        Post(
            "plan add",
            reverse("actionplans:actionplan_add"),
            plan_starters,
            {"title": "Taken over", "operation": "x", "origin": "x", "coordinators": [p.coco.pk]},
            everything,
        ),
        Post(
            "plan edit",
            reverse("actionplans:actionplan_edit", args=[p.plan.pk]),
            coordinators,
            {"title": "Taken over", "operation": "x", "origin": "x", "coordinators": [p.coco.pk]},
            everything,
        ),
        Post(
            "person add",
            reverse("actionplans:focalpoint_add", args=[p.plan.pk]),
            coordinators,
            {"name": "Taken over"},
            everything,
        ),
        Post(
            "person unlink",
            reverse("actionplans:focalpoint_unlink", args=[p.fp_mona.pk]),
            coordinators,
            {},
            everything,
        ),
        Post(
            "challenge add",
            reverse("actionplans:challenge_add", args=[g1.pk]),
            {"root", "coco", "lena"},
            {"number": 9, "title": "Taken over"},
            everything,
        ),
        Post(
            "point edit",
            reverse("actionplans:actionpoint_edit", args=[pt1.pk]),
            {"root", "coco", "lena"},
            point,
            everything,
        ),
        Post(
            "point delete",
            reverse("actionplans:actionpoint_delete", args=[pt1.pk]),
            {"root", "coco", "lena"},
            {},
            everything,
        ),
        Post(
            "point update",
            reverse("actionplans:progressupdate_add", args=[pt1.pk]),
            {"root", "coco", "lena", "fanny"},
            {"status": "done", "progress": 100, "note": "Taken over", "version": pt1.version},
            everything,
        ),
        Post(
            "hidden point update",
            reverse("actionplans:progressupdate_add", args=[p.hidden.pk]),
            {"root", "coco", "tom"},
            {"status": "done", "progress": 100, "note": "Taken over", "version": 1},
            everything,
        ),
    ]


@pytest.mark.django_db
def test_each_page_answers_each_role_as_the_table_says(plan_people):
    assert wrong_get_answers(plan_people, ROLES, pages(plan_people)) == []


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in_everywhere(plan_people):
    assert not_sent_to_sign_in(plan_people, pages(plan_people)) == []


@pytest.mark.django_db
def test_a_refused_post_answers_404_and_writes_nothing(plan_people):
    assert wrong_refusals(plan_people, ROLES, posts(plan_people)) == []


@pytest.mark.django_db
def test_no_page_shows_an_action_point_to_someone_who_may_not_see_it(plan_people):
    assert leaks(plan_people, pages(plan_people), never_seen(plan_people)) == []


@pytest.mark.django_db
def test_the_coordinator_sees_every_group_and_who_has_which_role(plan_people):
    html = plan_people.client("coco").get(plan_people.plan.get_absolute_url()).content.decode()
    assert plan_people.group2.get_absolute_url() in html
    assert "Lena Lynx" in html  # team leader of group 1
    assert "Tom Tern" in html
    assert 'id="roles"' in html


@pytest.mark.django_db
def test_participants_see_the_overview_but_not_the_groups_details(plan_people):
    html = plan_people.client("bob").get(plan_people.plan.get_absolute_url()).content.decode()
    assert "Group 1: Data Sharing" in html and "Group 2: Shelter" in html
    assert plan_people.group1.get_absolute_url() not in html  # not a link they could follow
    assert 'id="roles"' not in html
    assert "Mona Mole" not in html


@pytest.mark.django_db
def test_participants_see_nothing_when_the_plan_keeps_its_overview_private(plan_people):
    plan_people.plan.overview_for_participants = False
    plan_people.plan.save()
    assert plan_people.client("bob").get(plan_people.plan.get_absolute_url()).status_code == 404
    listing = plan_people.client("bob").get(reverse("actionplans:actionplan_list"))
    assert "PIM Lebanon Action Plan" not in listing.content.decode()


@pytest.mark.django_db
def test_a_member_sees_their_group_but_edits_nothing(plan_people):
    html = plan_people.client("mona").get(plan_people.group1.get_absolute_url()).content.decode()
    assert "IMWG to recommend standardized tools and procedures" in html
    assert reverse("actionplans:actionpoint_add", args=[plan_people.group1.pk]) not in html
    assert HIDDEN not in html


@pytest.mark.django_db
def test_a_focal_point_sees_their_own_action_point_and_nothing_else(plan_people):
    client = plan_people.client("fanny")
    mine = client.get(reverse("actionplans:my_actionpoints")).content.decode()
    assert "IMWG to recommend standardized tools and procedures" in mine
    assert "Draft a data-sharing protocol template" not in mine
    everything = client.get(reverse("actionplans:actionpoint_list")).content.decode()
    assert "Draft a data-sharing protocol template" not in everything
    page = client.get(plan_people.point1.get_absolute_url()).content.decode()
    assert 'id="update-form"' in page
    assert reverse("actionplans:actionpoint_edit", args=[plan_people.point1.pk]) not in page


@pytest.mark.django_db
def test_a_role_change_takes_effect_on_the_next_request(plan_people):
    client = plan_people.client("mona")
    url = plan_people.group1.get_absolute_url()
    assert client.get(url).status_code == 200
    plan_people.group1.members.remove(plan_people.mona)
    assert client.get(url).status_code == 404
    plan_people.plan.coordinators.add(plan_people.mona)
    assert client.get(plan_people.group2.get_absolute_url()).status_code == 200
    plan_people.plan.coordinators.remove(plan_people.mona)
    assert client.get(plan_people.group2.get_absolute_url()).status_code == 404


@pytest.mark.django_db
def test_a_new_team_leader_manages_the_group_and_the_old_one_no_longer_does(plan_people):
    add_url = reverse("actionplans:challenge_add", args=[plan_people.group1.pk])
    assert plan_people.client("lena").get(add_url).status_code == 200
    plan_people.group1.team_leader = plan_people.mona
    plan_people.group1.save()
    assert plan_people.client("mona").get(add_url).status_code == 200
    assert plan_people.client("lena").get(add_url).status_code == 404
    # Lena is still a member: she still sees the group.
    assert plan_people.client("lena").get(plan_people.group1.get_absolute_url()).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(1, 9))
def test_the_refused_posts_would_have_written_for_someone_allowed(plan_people, index):
    """A control for the refusal test: its data is valid, so a missing check would write."""
    post = posts(plan_people)[index]
    before = post.state()
    response = plan_people.client("coco").post(post.url, post.data)
    assert response.status_code == 302, (post.name, response.content.decode()[:3000])
    assert post.state() != before, post.name
