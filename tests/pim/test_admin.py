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
