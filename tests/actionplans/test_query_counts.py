"""Every list page runs the same number of queries with 5 rows as with 500 (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import ActionPoint, Challenge, FocalPoint

from .conftest import PlanPeople


def grow(p: PlanPeople, total: int) -> None:
    """Give Group 1 ``total`` action points, each with a lead and a supporting person."""
    first = Challenge.objects.filter(working_group=p.group1).count() + 10
    challenges = Challenge.objects.bulk_create(
        Challenge(working_group=p.group1, number=first + n, title=f"Extra challenge {n}")
        for n in range(max(1, total // 10))
    )
    people = [
        FocalPoint.objects.get_or_create(plan=p.plan, name=f"Person {n}")[0] for n in range(5)
    ]
    existing = ActionPoint.objects.filter(challenge__working_group=p.group1).count()
    points = ActionPoint.objects.bulk_create(
        ActionPoint(
            challenge=challenges[n % len(challenges)],
            working_group=p.group1,
            description=f"Extra point {n}",
            lead=p.fp_fanny,
            deadline_text="Q1 of 2019",
        )
        for n in range(total - existing)
    )
    through = ActionPoint.supporting.through
    through.objects.bulk_create(
        through(actionpoint=point, focalpoint=people[n % len(people)])
        for n, point in enumerate(points)
    )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


LIST_PAGES = [
    ("coco", lambda p: reverse("actionplans:actionpoint_list")),
    ("coco", lambda p: reverse("actionplans:actionpoint_list") + "?status=not_started&sort=plan"),
    ("lena", lambda p: reverse("actionplans:actionpoint_list") + "?q=point&overdue=on"),
    ("fanny", lambda p: reverse("actionplans:my_actionpoints")),
    ("coco", lambda p: p.group1.get_absolute_url()),
    ("coco", lambda p: p.plan.get_absolute_url()),
    ("coco", lambda p: reverse("actionplans:actionplan_list")),
    ("coco", lambda p: reverse("actionplans:focalpoint_list", args=[p.plan.pk])),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "url"), LIST_PAGES)
def test_a_list_page_costs_the_same_queries_for_5_and_500_rows(plan_people, role, url):
    client = plan_people.client(role)
    grow(plan_people, 5)
    small = queries(client, url(plan_people))
    grow(plan_people, 500)
    assert ActionPoint.objects.filter(challenge__working_group=plan_people.group1).count() == 500
    assert queries(client, url(plan_people)) == small


@pytest.mark.django_db
def test_the_action_point_list_stays_within_ten_queries(plan_people):
    grow(plan_people, 60)
    client = plan_people.client("lena")
    assert queries(client, reverse("actionplans:actionpoint_list")) <= 10
