"""The Django admin is the site admins' tool; role groups follow edits made there."""

import pytest
from django.urls import reverse

from pim.models import Organisation

pytestmark = pytest.mark.django_db


def test_site_admins_open_the_admin_and_others_are_sent_to_its_sign_in(people):
    url = reverse("admin:pim_membership_changelist")
    page = people.client("root").get(url)
    assert page.status_code == 200 and "Erin Egret" in page.content.decode()
    for persona in ["alice", "bob", "dave"]:
        response = people.client(persona).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_membership_added_in_the_admin_grants_access_at_once(people):
    response = people.client("root").post(
        reverse("admin:pim_membership_add"),
        {"user": people.dave.pk, "organisation": people.org_b.pk, "role": "admin"},
    )
    assert response.status_code == 302
    assert list(Organisation.objects.restrict(people.dave, "manage_members")) == [people.org_b]


def test_a_coordinator_named_in_the_admin_coordinates_at_once(people):
    from actionplans.models import ActionPlan

    plan = ActionPlan.objects.create(title="Admin-made plan", operation="Syria")
    response = people.client("root").post(
        reverse("admin:actionplans_actionplan_change", args=[plan.pk]),
        {
            "title": "Admin-made plan",
            "operation": "Syria",
            "period": "",
            "description": "",
            "origin": "",
            "coordinators": [people.dave.pk],
        },
    )
    assert response.status_code == 302
    assert list(ActionPlan.objects.restrict(people.dave, "coordinate")) == [plan]
    page = people.client("root").get(reverse("admin:actionplans_actionpoint_changelist"))
    assert page.status_code == 200
